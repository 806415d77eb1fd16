"""The Flask app with its imports renamed and nothing added: Flask's eight endpoints.

``hipflask_app`` also serves the typed ``/api/items`` endpoint, whose pydantic
models Flask's app does not load; this module is the like-for-like port, for
the memory benchmark's comparison with Flask (``hipflask-port``).
"""

from __future__ import annotations

from common import ITEMS
from common import MESSAGE
from common import SECRET_KEY
from common import TEMPLATE_DIR
from common import TEMPLATE_NAME
from hipflask import Hipflask
from hipflask import Response
from hipflask import jsonify
from hipflask import render_template
from hipflask import request
from hipflask import session

app = Hipflask(__name__, template_folder=str(TEMPLATE_DIR))
app.secret_key = SECRET_KEY


@app.get("/plaintext")
def plaintext() -> Response:
    return Response(MESSAGE, mimetype="text/plain")


@app.get("/json")
def json() -> Response:
    return jsonify(message=MESSAGE)


@app.get("/user/<int:id>")
def user(id: int) -> Response:
    return jsonify(id=id, name=f"user{id}")


@app.get("/query")
def query() -> Response:
    return jsonify(a=request.args.get("a"), b=request.args.get("b"))


@app.post("/form")
def form() -> Response:
    return jsonify(name=request.form.get("name"), age=request.form.get("age"))


@app.get("/session")
def counter() -> Response:
    session["counter"] = session.get("counter", 0) + 1
    return jsonify(counter=session["counter"])


@app.get("/template")
def template() -> str:
    return render_template(TEMPLATE_NAME, items=ITEMS)
