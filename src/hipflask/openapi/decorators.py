"""``@doc``: what the document cannot infer from a view (summary, tags, errors, security)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import TypeVar

__all__ = ["DOC_ATTRIBUTE", "doc"]

F = TypeVar("F", bound=Callable[..., Any])

#: The attribute ``@doc`` stores its options on.
DOC_ATTRIBUTE = "__hipflask_openapi__"


def doc(
    *,
    summary: str | None = None,
    description: str | None = None,
    tags: list[str] | None = None,
    responses: dict[int | str, str] | None = None,
    security: list[str] | None = None,
    parser: Any = None,
    deprecated: bool = False,
    exclude: bool = False,
) -> Callable[[F], F]:
    """Add documentation to a view or a resource method.

    :param responses: more status codes the operation answers, with a
        description each (``{404: "No such item"}``); their body is the JSON
        error body.
    :param security: names of security schemes that apply (``["bearerAuth"]``,
        ``["cookieAuth"]``); ``[]`` marks a public operation.
    :param parser: the ``reqparse.RequestParser`` the method reads, when it is
        not found on its own (it is, when the method uses a module-level one).
    :param exclude: leave the operation out of the document.
    """
    options = {
        key: value
        for key, value in {
            "summary": summary,
            "description": description,
            "tags": tags,
            "responses": responses,
            "security": security,
            "parser": parser,
            "deprecated": deprecated or None,
            "exclude": exclude or None,
        }.items()
        if value is not None
    }

    def decorator(f: F) -> F:
        merged = {**getattr(f, DOC_ATTRIBUTE, {}), **options}
        setattr(f, DOC_ATTRIBUTE, merged)
        return f

    return decorator
