"""A file manager over the folder named by ``FILEADMIN_BASE``, for ``test_fileadmin_servers.py``.

Servers import it as ``fileadminapp:app``; uploads are limited to 4 KiB so a
test can send one over the limit. Every page is answered with a strict
Content-Security-Policy (nothing inline, nothing from elsewhere), so the
browser test proves the pages work without inline code.
"""

from __future__ import annotations

import os
from typing import Any

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.contrib.fileadmin import FileAdmin

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none';"
    " base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

app = Hipflask(__name__)
app.config.update(
    SECRET_KEY="fileadminapp-secret-key-that-is-long-enough-0123456789",
    # Served over plain HTTP on loopback.
    SESSION_COOKIE_SECURE=False,
    MAX_CONTENT_LENGTH=4096,
)


class Files(FileAdmin):
    editable_extensions = ("txt",)

    def is_accessible(self) -> bool:
        # Loopback tests only; a real app checks the signed-in user here.
        return True


Admin(app, name="Files").add_view(Files(os.environ["FILEADMIN_BASE"], endpoint="files"))


@app.after_request
def strict_csp(response: Any) -> Any:
    response.headers["Content-Security-Policy"] = STRICT_CSP
    return response
