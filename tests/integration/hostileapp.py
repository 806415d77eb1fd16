"""An app that ``test_hostile_requests.py`` sends hostile and malformed HTTP to.

Servers import it as ``hostileapp:app``. Its views echo what they were given
(the host, the path, a query value into a response header), and its 500
handler answers with a marker, so a test can tell the app's own error page
from a server's.
"""

from __future__ import annotations

from typing import Any

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


@app.route("/header")
def echo_header() -> Any:
    return "ok", 200, {"X-Echo": request.args["v"]}


@app.route("/async-header")
async def echo_header_async() -> Any:
    return "ok", 200, {"X-Echo": request.args["v"]}


@app.route("/header-name")
def echo_header_name() -> Any:
    return "ok", 200, {request.args["n"]: "value"}


@app.after_request
def tag(response: Any) -> Any:
    # A request ID echoed into every response, the 500 included.
    if "tag" in request.args:
        response.headers["X-Tag"] = request.args["tag"]
    return response


@app.errorhandler(500)
def server_error(error: Exception) -> tuple[str, int]:
    return "hostileapp 500", 500
