"""Type aliases shared across the package (WSGI/ASGI callables, view return values)."""

from __future__ import annotations

from collections.abc import AsyncIterable
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import MutableMapping
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar
from typing import Union

if TYPE_CHECKING:
    from werkzeug.datastructures import Headers

    from .wrappers.response import Response

WSGIEnvironment = dict[str, Any]
StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApplication = Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApplication = Callable[[Scope, Receive, Send], Awaitable[None]]

HeaderValue = str | list[str] | tuple[str, ...]
HeadersValue = Union[
    "Headers",
    Mapping[str, HeaderValue],
    Iterable[tuple[str, HeaderValue]],
]
ResponseBody = Union[
    "Response",
    str,
    bytes,
    bytearray,
    list[Any],
    Mapping[str, Any],
    Iterable[str],
    Iterable[bytes],
    AsyncIterable[str],
    AsyncIterable[bytes],
]
ResponseValue = Union[  # noqa: UP007 - members are Union aliases with forward references
    ResponseBody,
    tuple[ResponseBody, HeadersValue],
    tuple[ResponseBody, int],
    tuple[ResponseBody, int, HeadersValue],
    Callable[..., Any],
]

RouteCallable = Callable[..., Any]
AfterRequestCallable = Callable[[Any], Any]
BeforeRequestCallable = Callable[[], Any]
TeardownCallable = Callable[[BaseException | None], Any]
ErrorHandlerCallable = Callable[[Any], Any]
TemplateContextProcessorCallable = Callable[[], dict[str, Any]]
URLDefaultCallable = Callable[[str, dict[str, Any]], None]
URLValuePreprocessorCallable = Callable[[str | None, dict[str, Any] | None], None]
ShellContextProcessorCallable = Callable[[], dict[str, Any]]

# Flask's names for the same shapes, so annotations in ported code resolve.
ResponseReturnValue = ResponseValue
ResponseClass = TypeVar("ResponseClass", bound="Response")
AppOrBlueprintKey = str | None
BeforeFirstRequestCallable = Callable[[], Any]
TemplateFilterCallable = Callable[..., Any]
TemplateGlobalCallable = Callable[..., Any]
TemplateTestCallable = Callable[..., bool]
