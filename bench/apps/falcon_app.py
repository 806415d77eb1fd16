"""The benchmark endpoints as a Falcon user writes them (``falcon.App``, WSGI).

Falcon has no session support, so ``/session`` is not routed and its cell is
"n/a".  It has no template integration either, so the Jinja2 template is
loaded once at import and rendered directly, with autoescaping on.
"""

from __future__ import annotations

import falcon
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
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = MESSAGE


class JsonResource:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"message": MESSAGE}


class UserResource:
    def on_get(self, req: falcon.Request, resp: falcon.Response, id: int) -> None:
        resp.media = {"id": id, "name": f"user{id}"}


class QueryResource:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"a": req.get_param("a"), "b": req.get_param("b")}


class FormResource:
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        form = req.get_media()
        resp.media = {"name": form.get("name"), "age": form.get("age")}


class TemplateResource:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = _items_template.render(items=ITEMS)


def add_routes(target: falcon.App) -> falcon.App:
    """Route the endpoints on ``target``: this app, or a variant of it."""
    target.add_route("/plaintext", PlaintextResource())
    target.add_route("/json", JsonResource())
    target.add_route("/user/{id:int}", UserResource())
    target.add_route("/query", QueryResource())
    target.add_route("/form", FormResource())
    target.add_route("/template", TemplateResource())
    return target


app = add_routes(falcon.App())
