"""The benchmark endpoints as a Falcon user writes them (``falcon.asgi.App``).

The same resources as ``falcon_app`` with coroutine responders; no session
support (``/session`` is "n/a"), Jinja2 used directly.
"""

from __future__ import annotations

import falcon
import falcon.asgi
import jinja2

from common import ITEMS
from common import MESSAGE
from common import TEMPLATE_DIR
from common import TEMPLATE_NAME

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    autoescape=jinja2.select_autoescape(),
)
_items_template = _templates.get_template(TEMPLATE_NAME)


class PlaintextResource:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = MESSAGE


class JsonResource:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {"message": MESSAGE}


class UserResource:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, id: int) -> None:
        resp.media = {"id": id, "name": f"user{id}"}


class QueryResource:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {"a": req.get_param("a"), "b": req.get_param("b")}


class FormResource:
    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        form = await req.get_media()
        resp.media = {"name": form.get("name"), "age": form.get("age")}


class TemplateResource:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = _items_template.render(items=ITEMS)


app = falcon.asgi.App()
app.add_route("/plaintext", PlaintextResource())
app.add_route("/json", JsonResource())
app.add_route("/user/{id:int}", UserResource())
app.add_route("/query", QueryResource())
app.add_route("/form", FormResource())
app.add_route("/template", TemplateResource())
