"""The benchmark endpoints as a Starlette user writes them (ASGI, ``async def``).

Sessions come from ``SessionMiddleware`` on the whole app and templates from
``Jinja2Templates``, both set up once at import.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.responses import PlainTextResponse
from starlette.responses import Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from common import ITEMS
from common import MESSAGE
from common import SECRET_KEY
from common import TEMPLATE_DIR
from common import TEMPLATE_NAME

templates = Jinja2Templates(directory=TEMPLATE_DIR)


async def plaintext(request: Request) -> Response:
    return PlainTextResponse(MESSAGE)


async def json(request: Request) -> Response:
    return JSONResponse({"message": MESSAGE})


async def user(request: Request) -> Response:
    id = request.path_params["id"]
    return JSONResponse({"id": id, "name": f"user{id}"})


async def query(request: Request) -> Response:
    params = request.query_params
    return JSONResponse({"a": params.get("a"), "b": params.get("b")})


async def form(request: Request) -> Response:
    data = await request.form()
    return JSONResponse({"name": data.get("name"), "age": data.get("age")})


async def counter(request: Request) -> Response:
    request.session["counter"] = request.session.get("counter", 0) + 1
    return JSONResponse({"counter": request.session["counter"]})


async def template(request: Request) -> Response:
    return templates.TemplateResponse(request, TEMPLATE_NAME, {"items": ITEMS})


app = Starlette(
    routes=[
        Route("/plaintext", plaintext),
        Route("/json", json),
        Route("/user/{id:int}", user),
        Route("/query", query),
        Route("/form", form, methods=["POST"]),
        Route("/session", counter),
        Route("/template", template),
    ],
    middleware=[Middleware(SessionMiddleware, secret_key=SECRET_KEY)],
)
