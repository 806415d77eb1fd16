"""``request.files`` that explains a missing file in debug mode.

A form sent without ``enctype="multipart/form-data"`` carries only the file's
name, in ``request.form``; reading ``request.files["f"]`` then fails with a
bare ``KeyError`` (a 400). In debug mode the request's ``files`` is replaced
by a mapping whose missing keys raise :class:`DebugFilesKeyError`, saying so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

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


class _ExplainsMissingFiles:
    """Mixed into the class of ``request.files``: a missing file the form named explains itself.

    A copy (``copy.deepcopy``, ``type(files)(...)``) has no request and
    behaves as the class it was made from.
    """

    request: Request | None = None

    def __getitem__(self, key: Any) -> Any:
        try:
            return super().__getitem__(key)  # type: ignore[misc]
        except KeyError:
            # Only a name the form did send (as text) is the enctype mistake;
            # any other missing file stays the usual 400.
            request = self.request
            if request is None or key not in request.form:
                raise
            raise DebugFilesKeyError(request, key) from None


#: The explaining subclass of each class ``request.files`` has been seen with
#: (the request class's ``parameter_storage_class``): few, but bounded.
_EXPLAINING: dict[type[Any], type[Any]] = {}
_EXPLAINING_MAX = 64


def _explaining(base: type[Any]) -> type[Any]:
    cls = _EXPLAINING.get(base)
    if cls is None:
        # Named as the class it stands in for: its repr names the type.
        cls = type(base.__name__, (_ExplainsMissingFiles, base), {})
        if len(_EXPLAINING) < _EXPLAINING_MAX:
            _EXPLAINING[base] = cls
    return cls


def attach_enctype_error_multidict(request: Request) -> None:
    """Make ``request.files[key]`` raise :class:`DebugFilesKeyError` for a missing key.

    The files keep their class (the request's ``parameter_storage_class``):
    they become an instance of a subclass of it, as in Flask.
    """
    files = _explaining(type(request.files))(request.files)
    files.request = request
    request.__dict__["files"] = files


__all__ = ["DebugFilesKeyError", "attach_enctype_error_multidict"]
