"""The benchmark endpoints as a FastAPI user writes them (ASGI, ``async def``).

Configured as a default app: ``SessionMiddleware`` on the whole app, the
``/docs`` and ``/openapi.json`` routes left on, ``Jinja2Templates`` for the
template; ``/api/items`` takes a pydantic body and declares a response model.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi import Request
from fastapi.responses import JSONResponse
from fastapi.responses import PlainTextResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel
from starlette.middleware.sessions import SessionMiddleware

from common import ITEMS
from common import MESSAGE
from common import SECRET_KEY
from common import TEMPLATE_DIR
from common import TEMPLATE_NAME

app = FastAPI()
app.add_middleware(SessionMiddleware, secret_key=SECRET_KEY)
templates = Jinja2Templates(directory=TEMPLATE_DIR)


class Item(BaseModel):
    name: str
    price: float
    quantity: int
    tags: list[str] = []


class ItemOut(Item):
    total: float


@app.get("/plaintext", response_class=PlainTextResponse)
async def plaintext() -> str:
    return MESSAGE


@app.get("/json")
async def json() -> JSONResponse:
    return JSONResponse({"message": MESSAGE})


@app.get("/user/{id}")
async def user(id: int) -> JSONResponse:
    return JSONResponse({"id": id, "name": f"user{id}"})


@app.get("/query")
async def query(a: str | None = None, b: str | None = None) -> JSONResponse:
    return JSONResponse({"a": a, "b": b})


@app.post("/form")
async def form(request: Request) -> JSONResponse:
    data = await request.form()
    return JSONResponse({"name": data.get("name"), "age": data.get("age")})


@app.get("/session")
async def counter(request: Request) -> JSONResponse:
    request.session["counter"] = request.session.get("counter", 0) + 1
    return JSONResponse({"counter": request.session["counter"]})


@app.get("/template")
async def template(request: Request) -> object:
    return templates.TemplateResponse(request, TEMPLATE_NAME, {"items": ITEMS})


@app.post("/api/items", status_code=201)
async def create_item(item: Item) -> ItemOut:
    return ItemOut(**item.model_dump(), total=item.price * item.quantity)
