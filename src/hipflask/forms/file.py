"""File upload fields and validators (Flask-WTF's ``flask_wtf.file``).

``FileField`` holds the uploaded :class:`~werkzeug.datastructures.FileStorage`
and ``MultipleFileField`` a list of them (each ``None`` when nothing was
chosen), ignoring empty parts a browser sends for a file input left blank.
The validators check presence, extension and size; the size check measures
the stored upload, which the request's body limits (``MAX_CONTENT_LENGTH``)
have already bounded.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from werkzeug.datastructures import FileStorage
from wtforms import FileField as _BaseFileField
from wtforms import MultipleFileField as _BaseMultipleFileField
from wtforms.validators import DataRequired
from wtforms.validators import StopValidation
from wtforms.validators import ValidationError

__all__ = [
    "FileAllowed",
    "FileField",
    "FileRequired",
    "FileSize",
    "MultipleFileField",
    "file_allowed",
    "file_required",
    "file_size",
]


def _is_upload(value: object) -> bool:
    return isinstance(value, FileStorage) and bool(value)


def _is_seekable(stream: Any) -> bool:
    seekable = getattr(stream, "seekable", None)
    if callable(seekable):
        return bool(seekable())
    # An older file-like object without ``seekable()`` can still rewind.
    return callable(getattr(stream, "seek", None))


def _uploads(field: Any) -> list[Any]:
    data = field.data
    return list(data) if isinstance(data, (list, tuple)) else [data]


class FileField(_BaseFileField):
    """One uploaded file, or ``None`` when none was chosen."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        upload = next((value for value in valuelist if _is_upload(value)), None)
        if upload is not None:
            self.data = upload
        else:
            self.raw_data = []


class MultipleFileField(_BaseMultipleFileField):
    """Several uploaded files, as a list; ``None`` when none was chosen.

    ``None`` rather than an empty list, as Flask-WTF documents it and as
    :class:`FileField` has it: views written for Flask-WTF test
    ``form.photos.data is None`` to tell "no upload" apart.
    """

    def process_formdata(self, valuelist: list[Any]) -> None:
        uploads = [value for value in valuelist if _is_upload(value)]
        if uploads:
            self.data = uploads
        else:
            self.raw_data = []


class FileRequired(DataRequired):
    """The field must hold an uploaded file (each entry, for several)."""

    def __call__(self, form: Any, field: Any) -> None:
        uploads = _uploads(field)
        if not uploads or not all(_is_upload(upload) for upload in uploads):
            raise StopValidation(self.message or field.gettext("This field is required."))


class FileAllowed:
    """The uploaded file names must end with one of the allowed extensions.

    ``upload_set`` is a list of extensions without the dot (``["jpg",
    "png"]``) or an object with a ``file_allowed(storage, filename)`` method
    (Flask-Uploads' ``UploadSet``). A single string is one extension
    (``"pdf"``), where Flask-WTF would take each of its letters for one.
    Extensions match in any case and with a leading dot (``"JPG"``,
    ``".jpg"``); the message names them as given. The name is the client's
    claim: check the content too before trusting the type.
    """

    def __init__(self, upload_set: Any, message: str | None = None) -> None:
        self.upload_set = upload_set
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        uploads = [upload for upload in _uploads(field) if _is_upload(upload)]
        for upload in uploads:
            filename = (upload.filename or "").lower()
            if isinstance(self.upload_set, Iterable):
                given = [self.upload_set] if isinstance(self.upload_set, str) else self.upload_set
                extensions = [str(ext).lower().lstrip(".") for ext in given]
                if any(filename.endswith(f".{ext}") for ext in extensions):
                    continue
                raise StopValidation(
                    self.message
                    or field.gettext(
                        "File does not have an approved extension: {extensions}"
                    ).format(extensions=", ".join(str(ext) for ext in given))
                )
            if not self.upload_set.file_allowed(upload, filename):
                raise StopValidation(
                    self.message or field.gettext("File does not have an approved extension.")
                )


class FileSize:
    """Each uploaded file must be between ``min_size`` and ``max_size`` bytes.

    The size is measured by seeking to the end of the stored upload and back.
    A ``FileStorage`` the app built around a stream that cannot rewind (a
    pipe, a socket) raises :class:`TypeError`, as in Flask-WTF: reading it
    to measure would consume the file the view is about to save.
    """

    def __init__(self, max_size: int, min_size: int = 0, message: str | None = None) -> None:
        self.min_size = min_size
        self.max_size = max_size
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        for upload in _uploads(field):
            if not _is_upload(upload):
                continue
            stream = upload.stream
            if not _is_seekable(stream):
                raise TypeError(
                    f"FileSize cannot measure {upload.filename!r}: its stream is not"
                    " seekable. Validate uploads as the request delivers them, or"
                    " wrap the stream in a seekable buffer (io.BytesIO) first."
                )
            stream.seek(0, os.SEEK_END)
            size = stream.tell()
            stream.seek(0)
            if not self.min_size <= size <= self.max_size:
                raise ValidationError(
                    self.message
                    or field.gettext(
                        "File must be between {min_size} and {max_size} bytes."
                    ).format(min_size=self.min_size, max_size=self.max_size)
                )


file_required = FileRequired
file_allowed = FileAllowed
file_size = FileSize
