"""An admin over an in-memory backend, for ``test_admin_browser.py``.

It answers every page with a strict Content-Security-Policy (scripts and
styles from the site only, nothing inline), so the browser test proves the
admin's pages work without inline code. Servers import it as ``adminapp:app``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

# The in-memory backend lives with the admin tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.admin.memory_backend import MemoryModelView
from tests.admin.memory_backend import Person
from tests.admin.memory_backend import people

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.actions import action

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none';"
    " base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

app = Hipflask(__name__)
app.config.update(
    SECRET_KEY="adminapp-secret-key-that-is-long-enough-0123456789",
    # Served over plain HTTP on loopback.
    SESSION_COOKIE_SECURE=False,
)


class PersonView(MemoryModelView):
    column_filters = ("age", "name")
    column_searchable_list = ("name",)
    can_view_details = True

    @action("shout", "Shout", "Shout at them?")
    def action_shout(self, ids: list[str]) -> None:
        for row in self.rows:
            if str(row.id) in ids:
                row.name = row.name.upper()


@app.after_request
def strict_csp(response: Any) -> Any:
    response.headers["Content-Security-Policy"] = STRICT_CSP
    return response


Admin(app, name="Browser").add_view(PersonView(Person, people()))
