"""Upload fields that save a file under a folder and keep its name, at Flask-Admin's path.

``flask_admin.form.upload``'s API, with the checks an upload to a public
folder needs: the stored name is always a ``secure_filename`` (a client's
``../../etc/passwd`` never becomes a path), and the joined path is checked to
stay inside ``base_path`` whatever a custom ``namegen`` returns. A file is
written under a temporary name and moved into place, so a failed write leaves
nothing half-written; ``allow_overwrite=False`` creates the file exclusively,
so two uploads racing for one name cannot both win. The old file is removed
only after the new one is in place, and only from inside ``base_path``; in a
model view's save, only once the record is saved, and a save that fails
takes the new files back (see :mod:`hipflask.admin.form.file_changes`).

``ImageUploadField`` works without Pillow: the upload's leading bytes must be
those of a PNG, JPEG, GIF, WebP or TIFF image, so an HTML page or an SVG
(which can carry script) renamed ``.png`` is refused. Resizing and thumbnails
need Pillow (``pip install pillow``); asking for them without it fails when the
field is created, not on the first upload.
"""

from __future__ import annotations

import importlib
import inspect
import os
import os.path as op
import secrets
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any
from urllib.parse import urljoin

from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename
from wtforms import ValidationError
from wtforms.fields import FileField
from wtforms.fields import StringField
from wtforms.utils import unset_value

from ...errors import ConfigurationError
from ._upload_widgets import FileUploadInput as FileUploadInput
from ._upload_widgets import ImageUploadInput as ImageUploadInput
from .file_changes import open_changes

__all__ = [
    "FileUploadField",
    "FileUploadInput",
    "ImageUploadField",
    "ImageUploadInput",
    "namegen_filename",
    "thumbgen_filename",
]

#: The leading bytes of the raster formats an image field accepts without Pillow.
_SIGNATURES: tuple[tuple[int, bytes], ...] = (
    (0, b"\x89PNG\r\n\x1a\n"),
    (0, b"\xff\xd8\xff"),
    (0, b"GIF87a"),
    (0, b"GIF89a"),
    (8, b"WEBP"),
    (0, b"II*\x00"),
    (0, b"MM\x00*"),
)


def _check_settings(name: str, settings: Mapping[str, Any]) -> None:
    """Refuse settings the field cannot work with, when it is declared.

    WTForms builds a field's instance per form, on a request; checked here from
    ``__new__`` too, a missing ``base_path`` or Pillow fails at import instead.
    """
    if "base_path" in settings and settings["base_path"] is None:
        raise ConfigurationError(
            f"{name} needs base_path: the folder (or a function returning it)"
            " where uploaded files are saved."
        )
    if (settings.get("max_size") or settings.get("thumbnail_size")) and _pillow() is None:
        raise ConfigurationError(
            f"{name}'s max_size and thumbnail_size resize images with Pillow,"
            " which is not installed: pip install pillow"
        )


def _pillow() -> Any:
    """Pillow's ``Image`` module, or ``None`` when Pillow is not installed."""
    try:
        return importlib.import_module("PIL.Image")
    except ImportError:
        return None


class FileUploadField(StringField, FileField):
    """A file saved under ``base_path``; the model keeps its name as a string.

    It is a ``StringField`` as in Flask-Admin and also a WTForms ``FileField``,
    which is what lets the form hand it the upload (other fields posted a file
    get an error, :mod:`hipflask.forms.uploads`). The name a client posts in
    the text input is never used: only an uploaded file or the delete
    checkbox changes the stored value.
    """

    widget = FileUploadInput()

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        # A subclass with its own __init__ may supply the settings itself.
        if "_form" not in kwargs and cls.__init__ in _DECLARED_CHECKS:
            given = inspect.signature(cls.__init__).bind(None, *args, **kwargs).arguments
            _check_settings(cls.__name__, {"base_path": None, **given})
        return super().__new__(cls, *args, **kwargs)

    def __init__(
        self,
        label: str | None = None,
        validators: Sequence[Any] | None = None,
        base_path: str | Callable[[], str] | None = None,
        relative_path: str | None = None,
        namegen: Callable[[Any, FileStorage], str] | None = None,
        allowed_extensions: Sequence[str] | None = None,
        permission: int = 0o666,
        allow_overwrite: bool = True,
        **kwargs: Any,
    ) -> None:
        _check_settings(type(self).__name__, {"base_path": base_path})
        self.base_path = base_path
        self.relative_path = relative_path
        self.namegen = namegen or namegen_filename
        self.allowed_extensions = allowed_extensions
        self.permission = permission
        self._allow_overwrite = allow_overwrite
        self._should_delete = False
        super().__init__(label, list(validators or ()), **kwargs)

    # -- checks -----------------------------------------------------------
    def is_file_allowed(self, filename: str) -> bool:
        """Whether ``filename``'s last suffix is in ``allowed_extensions`` (any case)."""
        if not self.allowed_extensions:
            return True
        _, dot, suffix = filename.rpartition(".")
        return bool(dot) and suffix.lower() in {ext.lower() for ext in self.allowed_extensions}

    def _is_uploaded_file(self, data: Any) -> bool:
        return isinstance(data, FileStorage) and bool(data.filename)

    def _upload(self) -> FileStorage | None:
        """The file uploaded in this submission, if any (``data`` holds a name otherwise)."""
        data: Any = self.data
        return data if self._is_uploaded_file(data) else None

    def pre_validate(self, form: Any) -> None:
        upload = self._upload()
        if upload is None:
            return
        name = secure_filename(upload.filename or "")
        if not name:
            raise ValidationError(self.gettext("Invalid file name."))
        if not self.is_file_allowed(name):
            raise ValidationError(self.gettext("Invalid file extension"))
        if not self._allow_overwrite and op.exists(self._get_path(self._relative(name))):
            raise ValidationError(self.gettext(f'File "{name}" already exists.'))

    # -- form data --------------------------------------------------------
    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        # The form processes this field twice, with the text data then with the
        # uploads (hipflask.forms.uploads); the checkbox is in the first pass.
        if formdata and f"_{self.name}-delete" in formdata:
            self._should_delete = True
        super().process(formdata, data, extra_filters)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if self._should_delete:
            self.data = None
            return
        for value in valuelist:
            if self._is_uploaded_file(value):
                self.data = value
                return

    def populate_obj(self, obj: Any, name: str) -> None:
        current = getattr(obj, name, None)
        if current and self._should_delete:
            self._delete_file(current)
            setattr(obj, name, None)
            return
        upload = self._upload()
        if upload is None:
            return
        filename = self._save_file(upload, self.generate_name(obj, upload))
        # Removed after the new file is in place, so a failed save keeps the old one.
        if current and self._get_path(current) != self._get_path(filename):
            self._delete_file(current)
        upload.filename = filename
        setattr(obj, name, filename)

    def generate_name(self, obj: Any, file_data: FileStorage) -> str:
        """The stored name: ``namegen``'s result under ``relative_path``."""
        return self._relative(self.namegen(obj, file_data))

    def _relative(self, filename: str) -> str:
        return urljoin(self.relative_path, filename) if self.relative_path else filename

    # -- files ------------------------------------------------------------
    def _base(self) -> str:
        base = self.base_path() if callable(self.base_path) else self.base_path
        if not base:
            # An empty path would resolve to the working directory.
            _check_settings(type(self).__name__, {"base_path": None})
        return op.realpath(os.fspath(base or ""))

    def _get_path(self, filename: str) -> str:
        """The file's absolute path, refused unless it lies inside ``base_path``.

        Checked after joining and resolving symlinks: a ``namegen`` returning
        ``../x`` or ``/etc/x`` (path traversal) is refused, not written.
        """
        base = self._base()
        path = op.realpath(op.join(base, filename))
        if not filename or path == base or op.commonpath([base, path]) != base:
            raise ValueError(f"Refused to store {filename!r}: it is not inside base_path.")
        return path

    def _delete_file(self, filename: str) -> None:
        try:
            path = self._get_path(filename)
        except ValueError:
            return  # a stored name pointing outside base_path is never followed
        if op.isfile(path):
            changes = open_changes()
            if changes is None:
                os.remove(path)
            else:
                changes.delete_later(path)  # once the record is saved

    def _save_file(self, data: FileStorage, filename: str) -> str:
        path = self._get_path(filename)
        self._write(path, lambda out: data.save(out))
        return filename

    def _write(self, path: str, save: Callable[[Any], Any]) -> None:
        """Write through ``save`` to a temporary name beside ``path``, then move it there."""
        if not self.is_file_allowed(op.basename(path)):
            raise ValueError(f"Refused to store {op.basename(path)!r}: extension not allowed.")
        os.makedirs(op.dirname(path), self.permission | 0o111, exist_ok=True)
        temp = op.join(op.dirname(path), f".{secrets.token_hex(8)}.part")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        try:
            with os.fdopen(os.open(temp, flags, self.permission), "wb") as out:
                save(out)
            changes = open_changes()
            if self._allow_overwrite:
                if changes is not None:
                    changes.keep_for_undo(path, temp)
                os.replace(temp, path)
            else:
                # link() fails if the name exists: no check-then-write race.
                try:
                    os.link(temp, path)
                except FileExistsError:
                    raise ValueError(f'File "{op.basename(path)}" already exists.') from None
                if changes is not None:
                    changes.created(path, temp)  # the linked file, whatever path names now
        finally:
            if op.exists(temp):
                os.remove(temp)


class ImageUploadField(FileUploadField):
    """An uploaded image, checked by its leading bytes; resized with Pillow when asked.

    Flask-Admin needs Pillow for every image field; here only ``max_size``
    and ``thumbnail_size`` do. With Pillow installed, images are opened and
    re-encoded as Flask-Admin does (formats outside ``keep_image_formats``
    are saved as JPEG).
    """

    widget = ImageUploadInput()  # type: ignore[assignment]

    #: Formats kept as uploaded when Pillow re-encodes; others become JPEG.
    keep_image_formats: tuple[str, ...] = ("PNG",)

    def __init__(
        self,
        label: str | None = None,
        validators: Sequence[Any] | None = None,
        base_path: str | Callable[[], str] | None = None,
        relative_path: str | None = None,
        namegen: Callable[[Any, FileStorage], str] | None = None,
        allowed_extensions: Sequence[str] | None = None,
        max_size: tuple[int, int, bool] | None = None,
        thumbgen: Callable[[str], str] | None = None,
        thumbnail_size: tuple[int, int, bool] | None = None,
        permission: int = 0o666,
        url_relative_path: str | None = None,
        endpoint: str = "static",
        **kwargs: Any,
    ) -> None:
        _check_settings(
            type(self).__name__, {"max_size": max_size, "thumbnail_size": thumbnail_size}
        )
        self.max_size = max_size
        self.thumbnail_fn = thumbgen or thumbgen_filename
        self.thumbnail_size = thumbnail_size
        self.url_relative_path = url_relative_path
        self.endpoint = endpoint
        self.image: Any = None
        super().__init__(
            label,
            validators,
            base_path=base_path,
            relative_path=relative_path,
            namegen=namegen,
            allowed_extensions=allowed_extensions or ("gif", "jpg", "jpeg", "png", "tiff"),
            permission=permission,
            **kwargs,
        )

    def pre_validate(self, form: Any) -> None:
        super().pre_validate(form)
        upload = self._upload()
        if upload is None:
            return
        stream = upload.stream
        head = stream.read(16)
        stream.seek(0)
        if not any(head[at : at + len(sig)] == sig for at, sig in _SIGNATURES):
            raise ValidationError(
                self.gettext("Invalid image: not a PNG, JPEG, GIF, WebP or TIFF.")
            )
        image_module = _pillow()
        if image_module is not None:
            try:
                self.image = image_module.open(stream)
                self.image.load()
            except Exception as exc:  # Pillow raises many types for a broken file
                raise ValidationError(self.gettext(f"Invalid image: {exc}")) from exc
            finally:
                stream.seek(0)

    def _delete_file(self, filename: str) -> None:
        super()._delete_file(filename)
        # Only a field that makes thumbnails owns "<name>_thumb" files; without
        # it that name may be another record's upload.
        if self.thumbnail_size:
            super()._delete_file(self.thumbnail_fn(filename))

    def _save_file(self, data: FileStorage, filename: str) -> str:
        """Save the upload; with Pillow, re-encode and resize as Flask-Admin does.

        Formats outside ``keep_image_formats`` are written as JPEG under a
        ``.jpg`` name; the image is re-encoded only when its format changes or
        ``max_size`` asks for a resize, otherwise the upload's bytes are kept.
        """
        image = self.image
        if image is None:
            return super()._save_file(data, filename)
        fmt = image.format
        if fmt not in self.keep_image_formats:
            filename, fmt = op.splitext(filename)[0] + ".jpg", "JPEG"
        path = self._get_path(filename)
        if image.format != fmt or self.max_size:
            picture = self._resize(image, self.max_size) if self.max_size else image
            self._write(path, lambda out: self._save_image(picture, out, fmt))
        else:
            data.stream.seek(0)
            self._write(path, lambda out: data.save(out))
        if self.thumbnail_size:
            small = self._resize(image, self.thumbnail_size)
            thumb = self._get_path(self.thumbnail_fn(filename))
            self._write(thumb, lambda out: self._save_image(small, out, fmt))
        return filename

    def _resize(self, image: Any, size: tuple[int, int, bool]) -> Any:
        width, height, force = size
        if image.size[0] <= width and image.size[1] <= height:
            return image
        pil_image = _pillow()
        if force:
            ops = importlib.import_module("PIL.ImageOps")
            return ops.fit(image, (width, height), pil_image.Resampling.LANCZOS)
        copy = image.copy()
        copy.thumbnail((width, height), pil_image.Resampling.LANCZOS)
        return copy

    def _save_image(self, image: Any, out: Any, fmt: str = "JPEG") -> None:
        if fmt == "JPEG" and image.mode != "RGB":
            image = image.convert("RGB")
        elif image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA")
        image.save(out, fmt)


#: The constructors whose arguments ``__new__`` checks when a field is declared.
_DECLARED_CHECKS = (FileUploadField.__init__, ImageUploadField.__init__)


def namegen_filename(obj: Any, file_data: FileStorage) -> str:
    """The stored name of an upload: its client name made safe by ``secure_filename``."""
    return secure_filename(file_data.filename or "")


def thumbgen_filename(filename: str) -> str:
    """The thumbnail's name: ``photo.jpg`` gives ``photo_thumb.jpg``."""
    name, ext = op.splitext(filename)
    return f"{name}_thumb{ext}"
