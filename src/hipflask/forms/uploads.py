"""Uploads go to file fields only.

A multipart submission can carry a file under any field name. WTForms hands a
field whatever the submission holds under its name, and a text, date, number
or JSON field given a ``FileStorage`` fails in its parser or its validators
(``len()`` of an upload, ``float()`` of one): a 500 from one crafted request.
Here the uploads are kept apart while the form is processed, then handed to
the file fields they were posted for; any other field posted a file says so
as a field error, and the form does not validate.
"""

from __future__ import annotations

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


def split_uploads(formdata: Any) -> tuple[Any, MultiDict[str, FileStorage] | None]:
    """``formdata`` without its uploads, and the uploads (``None`` when there are none)."""
    if not isinstance(formdata, MultiDict):
        return formdata, None
    items = list(formdata.items(multi=True))
    files = [(key, value) for key, value in items if isinstance(value, FileStorage)]
    if not files:
        return formdata, None
    rest = MultiDict([(key, value) for key, value in items if not isinstance(value, FileStorage)])
    return rest, MultiDict(files)


def place_uploads(fields: Iterable[Any], files: MultiDict[str, FileStorage]) -> None:
    """Give each file field its uploads; flag any other field that was posted one."""
    for field in fields:
        if isinstance(field, FormField):
            place_uploads(field.form, files)
        elif isinstance(field, FieldList):
            place_uploads(field.entries, files)
        elif isinstance(field, FileField):
            field.process(files, data=field.object_data)
        elif field.name in files:
            field.process_errors.append(field.gettext(NOT_A_FILE))
