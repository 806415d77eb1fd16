"""Uploads go to file fields only.

A multipart submission can carry a file under any field name. WTForms hands a
field whatever the submission holds under its name, and a text, date, number
or JSON field given a ``FileStorage`` fails in its parser or its validators
(``len()`` of an upload, ``float()`` of one): a 500 from one crafted request.
Here only the uploads posted under a file field's name (nested ones
included, :mod:`.names`) stay in the submission the form processes, so a
``FieldList`` of file fields makes an entry for each; the others are kept
apart, and any other field posted a file says so as a field error after
processing, and the form does not validate.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Container
from collections.abc import Iterable
from typing import Any

from werkzeug.datastructures import FileStorage
from werkzeug.datastructures import MultiDict
from wtforms.fields import FieldList
from wtforms.fields import FileField
from wtforms.fields import FormField

__all__ = ["place_uploads", "split_uploads"]

#: The field error of a non-file field that was posted a file.
NOT_A_FILE = "A file is not a valid value here."


def split_uploads(
    formdata: Any, file_names: Callable[[], Container[str]]
) -> tuple[Any, MultiDict[str, FileStorage] | None]:
    """``formdata`` without its stray uploads, and those (``None`` when there are none).

    An upload is stray unless posted under a name in ``file_names()``, which
    is called only for a submission that holds uploads.
    """
    if not isinstance(formdata, MultiDict):
        return formdata, None
    items = list(formdata.items(multi=True))
    if not any(isinstance(value, FileStorage) for _, value in items):
        return formdata, None
    names = file_names()
    kept: list[tuple[str, Any]] = []
    strays: list[tuple[str, FileStorage]] = []
    for key, value in items:
        if isinstance(value, FileStorage) and key not in names:
            strays.append((key, value))
        else:
            kept.append((key, value))
    return MultiDict(kept), MultiDict(strays) if strays else None


def place_uploads(fields: Iterable[Any], files: MultiDict[str, FileStorage]) -> None:
    """Flag each field that was posted a stray upload; a file field takes its own.

    A file field here is one :mod:`.names` could not foresee (one a form
    adds to itself while processing): it is given its uploads.
    """
    for field in fields:
        if isinstance(field, FormField):
            place_uploads(field.form, files)
        elif isinstance(field, FieldList):
            place_uploads(field.entries, files)
        elif field.name not in files:
            continue
        elif isinstance(field, FileField):
            field.process(files, data=field.object_data)
        else:
            field.process_errors.append(field.gettext(NOT_A_FILE))
