from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage
from wtforms.validators import StopValidation

from hipflask import Hipflask
from hipflask.forms import FlaskForm
from hipflask.forms.file import FileAllowed
from hipflask.forms.file import FileField
from hipflask.forms.file import FileRequired
from hipflask.forms.file import FileSize
from hipflask.forms.file import MultipleFileField
from hipflask.forms.file import file_allowed
from hipflask.forms.file import file_required
from hipflask.forms.file import file_size
from hipflask.testing.client import HipflaskClient


class UploadForm(FlaskForm):
    class Meta:
        csrf = False

    avatar = FileField(validators=[FileRequired(), FileAllowed(["png", "jpg"]), FileSize(10)])
    optional = FileField()
    photos = MultipleFileField(validators=[FileAllowed(["png"]), FileSize(10, min_size=2)])


@pytest.fixture
def app(app: Hipflask) -> Hipflask:
    @app.route("/upload", methods=["POST"])
    def upload() -> object:
        form = UploadForm()
        if form.validate_on_submit():
            names = [photo.filename for photo in form.photos.data]
            return {"ok": form.avatar.data.filename, "photos": names, "opt": form.optional.data}
        return {"errors": form.errors}

    return app


def upload(name: str, content: bytes = b"12345") -> tuple[io.BytesIO, str]:
    return io.BytesIO(content), name


def test_allowed_upload_validates(client: HipflaskClient) -> None:
    response = client.post(
        "/upload",
        data={"avatar": upload("me.PNG"), "photos": [upload("a.png"), upload("b.png")]},
    )

    assert response.get_json() == {"ok": "me.PNG", "photos": ["a.png", "b.png"], "opt": None}


def test_missing_file_is_required(client: HipflaskClient) -> None:
    errors = client.post("/upload", data={"name": "x"}).get_json()["errors"]

    assert errors["avatar"] == ["This field is required."]


def test_empty_file_part_counts_as_missing(client: HipflaskClient) -> None:
    response = client.post("/upload", data={"avatar": (io.BytesIO(b""), "")})

    assert response.get_json()["errors"]["avatar"] == ["This field is required."]


class GalleryForm(FlaskForm):
    class Meta:
        csrf = False

    photos = MultipleFileField()
    required = MultipleFileField(validators=[FileRequired()])


@pytest.fixture
def gallery(app: Hipflask) -> Hipflask:
    @app.route("/gallery", methods=["POST"])
    def gallery() -> object:
        form = GalleryForm()
        form.validate()
        return {"no_photos": form.photos.data is None, "errors": form.errors}

    return app


@pytest.mark.usefixtures("gallery")
def test_several_files_left_blank_are_none_and_required(client: HipflaskClient) -> None:
    blank = (io.BytesIO(b""), "")
    response = client.post(
        "/gallery",
        data={"photos": [blank, (io.BytesIO(b""), "")], "required": [(io.BytesIO(b""), "")]},
    )

    assert response.get_json() == {
        "no_photos": True,
        "errors": {"required": ["This field is required."]},
    }


def test_extension_outside_the_list_is_refused(client: HipflaskClient) -> None:
    errors = client.post("/upload", data={"avatar": upload("shell.php")}).get_json()["errors"]

    assert errors["avatar"] == ["File does not have an approved extension: png, jpg"]


def test_a_single_extension_given_as_a_string_is_one_extension(app: Hipflask) -> None:
    # FileAllowed("pdf") reached the upload-set branch and was a 500
    # ('str' object has no attribute 'file_allowed').
    with app.test_request_context():
        form = UploadForm(data={"avatar": FileStorage(io.BytesIO(b"1"), "a.PDF")})
        FileAllowed("pdf")(form, form.avatar)
        with pytest.raises(StopValidation, match=r"approved extension: txt$"):
            FileAllowed("txt")(form, form.avatar)


def test_the_message_names_the_extensions_as_given(app: Hipflask) -> None:
    # As Flask-WTF words it; the match itself ignores case and a leading dot.
    with app.test_request_context():
        form = UploadForm(data={"avatar": FileStorage(io.BytesIO(b"1"), "a.exe")})
        with pytest.raises(StopValidation, match=r"extension: jpg, JPG, \.png$"):
            FileAllowed(["jpg", "JPG", ".png"])(form, form.avatar)
        form.avatar.data.filename = "a.png"
        FileAllowed(["jpg", "JPG", ".png"])(form, form.avatar)


def test_double_extension_is_judged_by_the_last_one(client: HipflaskClient) -> None:
    errors = client.post("/upload", data={"avatar": upload("x.png.php")}).get_json()["errors"]

    assert "approved extension" in errors["avatar"][0]


def test_too_large_or_too_small_files_are_refused(client: HipflaskClient) -> None:
    big = client.post("/upload", data={"avatar": upload("a.png", b"x" * 11)})
    small = client.post(
        "/upload", data={"avatar": upload("a.png"), "photos": [upload("b.png", b"1")]}
    )

    assert big.get_json()["errors"]["avatar"] == ["File must be between 0 and 10 bytes."]
    assert small.get_json()["errors"]["photos"] == ["File must be between 2 and 10 bytes."]


def test_size_check_leaves_the_file_readable(app: Hipflask) -> None:
    storage = FileStorage(io.BytesIO(b"12345"), "a.png")
    with app.test_request_context():
        form = UploadForm(data={"avatar": storage})
        FileSize(10)(form, form.avatar)

        assert storage.read() == b"12345"


def test_upload_set_objects_decide_through_file_allowed(app: Hipflask) -> None:
    class Images:
        def file_allowed(self, storage: FileStorage, filename: str) -> bool:
            return filename.endswith(".gif")

    storage = FileStorage(io.BytesIO(b"1"), "a.png")
    with app.test_request_context():
        form = UploadForm(data={"avatar": storage})
        with pytest.raises(StopValidation, match="approved extension"):
            FileAllowed(Images())(form, form.avatar)
        storage.filename = "a.gif"
        FileAllowed(Images())(form, form.avatar)


def test_custom_messages(app: Hipflask) -> None:
    storage = FileStorage(io.BytesIO(b"123"), "a.exe")
    with app.test_request_context():
        form = UploadForm(data={"avatar": storage})
        with pytest.raises(StopValidation, match="no exe"):
            FileAllowed(["png"], "no exe")(form, form.avatar)
        with pytest.raises(ValueError, match="too big"):
            FileSize(1, message="too big")(form, form.avatar)
        form.avatar.data = None
        with pytest.raises(StopValidation, match="pick one"):
            FileRequired("pick one")(form, form.avatar)


def test_lowercase_aliases() -> None:
    assert (file_required, file_allowed, file_size) == (FileRequired, FileAllowed, FileSize)


def test_size_check_skips_empty_entries(app: Hipflask) -> None:
    with app.test_request_context():
        form = UploadForm()
        form.photos.data = [None, FileStorage(io.BytesIO(b"123"), "a.png")]

        FileSize(10)(form, form.photos)


class _OneWayStream:
    """A pipe-like upload body: it can be read once and never rewound."""

    def __init__(self, content: bytes) -> None:
        self._body = io.BytesIO(content)

    def read(self, size: int = -1) -> bytes:
        return self._body.read(size)

    def seekable(self) -> bool:
        return False


def test_size_check_of_a_stream_that_cannot_rewind_is_a_type_error(app: Hipflask) -> None:
    storage = FileStorage(_OneWayStream(b"12345"), "a.png")  # type: ignore[arg-type]
    with app.test_request_context():
        form = UploadForm(data={"avatar": storage})

        with pytest.raises(TypeError, match="not seekable"):
            FileSize(10)(form, form.avatar)


class _OldFileLike:
    """A file-like object from before ``seekable()``: it rewinds all the same."""

    def __init__(self, content: bytes) -> None:
        self._body = io.BytesIO(content)
        self.read = self._body.read
        self.seek = self._body.seek
        self.tell = self._body.tell


def test_size_check_measures_a_file_like_object_without_seekable(app: Hipflask) -> None:
    storage = FileStorage(_OldFileLike(b"12345"), "a.png")  # type: ignore[arg-type]
    with app.test_request_context():
        form = UploadForm(data={"avatar": storage})

        with pytest.raises(ValueError, match="between 0 and 4 bytes"):
            FileSize(4)(form, form.avatar)
