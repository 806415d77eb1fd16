"""An app whose redirects ``test_redirect_hosts.py`` sends malformed Host headers to.

Servers import it as ``redirecthostapp:app``. No ``TRUSTED_HOSTS``: what a
malformed Host does to a redirect is then the app's own handling, not the
host check's 400.
"""

from __future__ import annotations

from hipflask import Hipflask
from hipflask.talisman import Talisman

app = Hipflask(__name__)
app.config.update(SECRET_KEY="redirect-host-app-secret-key-0123456789abcdef")
talisman = Talisman(app, force_https=False)


@app.get("/secure/<name>")
@talisman(force_https=True)
def secure(name: str) -> str:
    return name


@app.get("/<name>/")
def folder(name: str) -> str:
    return name
