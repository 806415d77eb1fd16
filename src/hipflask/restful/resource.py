"""``Resource``: a class per REST resource, one method per HTTP verb."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any
from typing import ClassVar

from werkzeug.exceptions import MethodNotAllowed
from werkzeug.wrappers import Response as _BaseResponse

from ..contexts.globals import request
from ..core.views import MethodView
from ..wrappers.headers import add_vary
from .marshalling import unpack

__all__ = ["Resource"]


class Resource(MethodView):
    """Implement ``get``, ``post``, ``put``, ``patch``, ``delete``; register with
    :meth:`Api.add_resource <hipflask.restful.Api.add_resource>`.

    A method returns data (made into a response by the API's representations),
    ``(data, status)``, ``(data, status, headers)``, ``(data, headers)``, or a
    response.
    :attr:`method_decorators` wrap each method call (``login_required`` and
    friends), as a list for all methods or a dict keyed by method name; a
    HEAD answered by ``get`` goes through ``get``'s.

    Methods may also declare typed inputs and output (see
    :mod:`hipflask.core.typed`): the data then goes through the same
    representations as any other.
    """

    #: Decorators applied to the method handling the request, innermost first.
    method_decorators: ClassVar[
        list[Callable[..., Any]] | Mapping[str, list[Callable[..., Any]]]
    ] = []

    #: Per-resource representations (media type -> function), tried before the API's.
    representations: ClassVar[Mapping[str, Callable[..., Any]] | None] = None

    #: Typed methods hand their serialised data back, so representations apply.
    typed_returns_response: ClassVar[bool] = False

    #: Set by :meth:`Api.add_resource`.
    endpoint: ClassVar[str | None] = None

    #: Set by :meth:`Api.add_resource` (:meth:`Api.mediatypes_method
    #: <hipflask.restful.Api.mediatypes_method>`): ``self.mediatypes()`` is the
    #: request's ``Accept`` media types, best first, then the API's default.
    mediatypes: ClassVar[Callable[[Any], list[str | None]]]

    def dispatch_request(self, *args: Any, **kwargs: Any) -> Any:
        """Call the method for the request's verb through :attr:`method_decorators`."""
        method = request.method.lower()
        meth = getattr(self, method, None)
        if meth is None and method == "head":
            # HEAD runs ``get``, so ``get``'s decorators guard it: keyed by
            # "head" (as Flask-RESTful looks them up), an unauthenticated HEAD
            # would run it and read its headers and the body's length.
            method = "get"
            meth = getattr(self, "get", None)
        if meth is None:
            raise MethodNotAllowed(valid_methods=sorted(self.methods or ()))
        decorators = self.method_decorators
        if isinstance(decorators, Mapping):
            decorators = decorators.get(method, [])
        for decorator in decorators:
            meth = decorator(meth)
        rv = meth(*args, **kwargs)
        if inspect.isawaitable(rv):
            return self._finish_async(rv)
        return self._finish(rv)

    async def _finish_async(self, awaitable: Any) -> Any:
        return self._finish(await awaitable)

    def _finish(self, rv: Any) -> Any:
        if isinstance(rv, _BaseResponse) or not self.representations:
            return rv
        mediatype = request.accept_mimetypes.best_match(list(self.representations))
        if mediatype is None:
            return rv
        data, code, headers = unpack(rv)
        response = self.representations[mediatype](data, code, headers)
        response.headers["Content-Type"] = mediatype
        # Chosen by the client's Accept: a shared cache must tell them apart.
        add_vary(response.headers, "Accept")
        return response
