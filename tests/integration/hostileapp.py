"""An app that ``test_hostile_requests.py`` sends hostile and malformed HTTP to.

Servers import it as ``hostileapp:app``. Its views echo what they were given
(the host, the path), and its 500 handler answers with a marker, so a test
can tell the app's own error page from a server's.
"""

from __future__ import annotations

from hipflask import Hipflask
from hipflask import request

app = Hipflask(__name__)
app.config.update(SECRET_KEY="hostile-app-secret-key-0123456789abcdefghij")


@app.route("/", methods=["GET", "POST"])
def index() -> str:
    return f"host={request.host} path={request.path} body={request.get_data()!r}"


@app.route("/p/<path:rest>")
def echo_path(rest: str) -> str:
    return f"rest={rest}"


@app.errorhandler(500)
def server_error(error: Exception) -> tuple[str, int]:
    return "hostileapp 500", 500
