"""``request.files`` that explains a missing file in debug mode.

A form sent without ``enctype="multipart/form-data"`` carries only the file's
name, in ``request.form``; reading ``request.files["f"]`` then fails with a
bare ``KeyError`` (a 400). In debug mode the request's ``files`` is replaced
by a mapping whose missing keys raise :class:`DebugFilesKeyError`, saying so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from .multidict import ImmutableMultiDict

if TYPE_CHECKING:
    from .request import Request


class DebugFilesKeyError(KeyError, AssertionError):
    """``request.files`` was read for a form that was not sent as multipart."""

    def __init__(self, request: Request, key: str) -> None:
        message = (
            f"You tried to access the file {key!r} in the request.files dictionary"
            f" but it does not exist. The mimetype for the request is"
            f" {request.mimetype!r} instead of 'multipart/form-data' which means"
            " that no file contents were transmitted. To fix this error you should"
            ' provide enctype="multipart/form-data" in your form.'
        )
        sent = request.form.getlist(key)
        if sent:
            names = ", ".join(repr(name) for name in sent)
            message += (
                f"\n\nThe browser instead transmitted some file names. This was submitted: {names}"
            )
        super().__init__(message)
        self.msg = message

    def __str__(self) -> str:
        # KeyError's str() would quote the whole message.
        return self.msg


class _DebugFiles(ImmutableMultiDict[str, Any]):
    """``request.files`` of a non-multipart request: a missing key explains itself."""

    request: Request

    def __getitem__(self, key: str) -> Any:
        try:
            return super().__getitem__(key)
        except KeyError:
            # Only a name the form did send (as text) is the enctype mistake;
            # any other missing file stays the usual 400.
            if key not in self.request.form:
                raise
            raise DebugFilesKeyError(self.request, key) from None


# Shown as the class it stands in for (its repr names the type).
_DebugFiles.__name__ = ImmutableMultiDict.__name__


def attach_enctype_error_multidict(request: Request) -> None:
    """Make ``request.files[key]`` raise :class:`DebugFilesKeyError` for a missing key."""
    files = _DebugFiles(request.files)
    files.request = request
    request.__dict__["files"] = files


__all__ = ["DebugFilesKeyError", "attach_enctype_error_multidict"]
