"""The benchmark endpoints as a Quart user writes them (ASGI, ``async def``).

Quart is Flask's API on asyncio, so this is the Flask app with ``await`` where
Quart needs one (form data and template rendering).
"""

from __future__ import annotations

from quart import Quart
from quart import Response
from quart import jsonify
from quart import render_template
from quart import request
from quart import session

from common import ITEMS
from common import MESSAGE
from common import SECRET_KEY
from common import TEMPLATE_DIR
from common import TEMPLATE_NAME

app = Quart(__name__, template_folder=str(TEMPLATE_DIR))
app.secret_key = SECRET_KEY


@app.get("/plaintext")
async def plaintext() -> Response:
    return Response(MESSAGE, mimetype="text/plain")


@app.get("/json")
async def json() -> Response:
    return jsonify(message=MESSAGE)


@app.get("/user/<int:id>")
async def user(id: int) -> Response:
    return jsonify(id=id, name=f"user{id}")


@app.get("/query")
async def query() -> Response:
    return jsonify(a=request.args.get("a"), b=request.args.get("b"))


@app.post("/form")
async def form() -> Response:
    data = await request.form
    return jsonify(name=data.get("name"), age=data.get("age"))


@app.get("/session")
async def counter() -> Response:
    session["counter"] = session.get("counter", 0) + 1
    return jsonify(counter=session["counter"])


@app.get("/template")
async def template() -> str:
    return await render_template(TEMPLATE_NAME, items=ITEMS)
