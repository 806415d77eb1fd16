"""Static folders of the app and of blueprints, and attacks on them sent as raw URLs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import url_for

SECRET = "test-secret-key-that-is-long-enough-0123456789"
SCRIPT = b"document.title = 'ok';\n"
SECRET_TEXT = b"DATABASE_PASSWORD=hunter2\n"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """An app folder: a static folder, a blueprint's, and a secret beside them."""
    (tmp_path / "static" / "js").mkdir(parents=True)
    (tmp_path / "static" / "js" / "app.js").write_bytes(SCRIPT)
    (tmp_path / "static" / "css").mkdir()
    (tmp_path / "static" / "css" / "site.css").write_text("body { margin: 0 }\n")
    (tmp_path / "admin_static").mkdir()
    (tmp_path / "admin_static" / "admin.css").write_text("nav { color: red }\n")
    (tmp_path / "secret.txt").write_bytes(SECRET_TEXT)
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "keys.txt").write_bytes(SECRET_TEXT)
    return tmp_path


@pytest.fixture
def app(site: Path) -> Hipflask:
    app = Hipflask("static_app", root_path=str(site))
    app.config.update(TESTING=True, SECRET_KEY=SECRET)
    return app


def _admin_blueprint(site: Path) -> Blueprint:
    return Blueprint(
        "admin",
        __name__,
        root_path=str(site),
        static_folder="admin_static",
        static_url_path="/static",
        url_prefix="/admin",
    )


# -- serving ------------------------------------------------------------------------


def test_url_for_static_builds_the_static_url(app: Hipflask) -> None:
    with app.test_request_context("/"):
        assert url_for("static", filename="js/app.js") == "/static/js/app.js"


def test_js_file_from_the_static_folder_is_served(client: Any, app: Hipflask) -> None:
    with app.test_request_context("/"):
        url = url_for("static", filename="js/app.js")

    rv = client.get(url)

    assert rv.status_code == 200
    assert rv.data == SCRIPT
    assert rv.mimetype == "text/javascript"
    assert rv.headers["Content-Length"] == str(len(SCRIPT))
    assert rv.headers["Accept-Ranges"] == "bytes"
    assert "ETag" in rv.headers
    assert "Last-Modified" in rv.headers


def test_static_files_carry_the_security_headers(client: Any) -> None:
    rv = client.get("/static/css/site.css")

    assert rv.mimetype == "text/css"
    assert rv.headers["X-Content-Type-Options"] == "nosniff"


def test_static_file_revalidates_to_304(client: Any) -> None:
    etag = client.get("/static/js/app.js").headers["ETag"]

    rv = client.get("/static/js/app.js", headers={"If-None-Match": etag})

    assert rv.status_code == 304
    assert rv.data == b""


def test_static_file_supports_ranges(client: Any) -> None:
    rv = client.get("/static/js/app.js", headers={"Range": "bytes=0-7"})

    assert rv.status_code == 206
    assert rv.data == SCRIPT[:8]


def test_head_on_a_static_file(client: Any) -> None:
    rv = client.head("/static/js/app.js")

    assert rv.status_code == 200
    assert rv.data == b""
    assert rv.headers["Content-Length"] == str(len(SCRIPT))


def test_static_files_are_not_cached_without_a_max_age(client: Any) -> None:
    assert client.get("/static/js/app.js").headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("max_age", [3600, timedelta(hours=1)])
def test_send_file_max_age_default_applies_to_static_files(
    client: Any, app: Hipflask, max_age: int | timedelta
) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = max_age

    rv = client.get("/static/js/app.js")

    assert rv.cache_control.public
    assert rv.cache_control.max_age == 3600


def test_get_send_file_max_age_can_be_overridden_per_file(site: Path, protocol: str) -> None:
    class App(Hipflask):
        def get_send_file_max_age(self, filename: str | None) -> int | None:
            return 31_536_000 if filename and filename.endswith(".js") else None

    app = App("static_app", root_path=str(site))

    with app.test_client(protocol=protocol) as client:
        assert client.get("/static/js/app.js").cache_control.max_age == 31_536_000
        assert client.get("/static/css/site.css").headers["Cache-Control"] == "no-cache"


def test_custom_static_url_path(site: Path, protocol: str) -> None:
    app = Hipflask("static_app", root_path=str(site), static_url_path="/assets")

    with app.test_request_context("/"):
        assert url_for("static", filename="js/app.js") == "/assets/js/app.js"
    with app.test_client(protocol=protocol) as client:
        assert client.get("/assets/js/app.js").data == SCRIPT
        assert client.get("/static/js/app.js").status_code == 404


def test_app_without_static_folder_has_no_static_route(site: Path) -> None:
    app = Hipflask("static_app", root_path=str(site), static_folder=None)

    assert "static" not in {rule.endpoint for rule in app.url_map.iter_rules()}


def test_missing_static_file_is_404(client: Any) -> None:
    assert client.get("/static/js/missing.js").status_code == 404


def test_static_directory_is_404(client: Any) -> None:
    assert client.get("/static/js").status_code == 404
    assert client.get("/static/js/").status_code == 404


# -- blueprints ----------------------------------------------------------------------------


def test_blueprint_static_folder_is_served_under_its_prefix(
    client: Any, app: Hipflask, site: Path
) -> None:
    app.register_blueprint(_admin_blueprint(site))

    with app.test_request_context("/"):
        url = url_for("admin.static", filename="admin.css")
    rv = client.get(url)

    assert url == "/admin/static/admin.css"
    assert rv.status_code == 200
    assert rv.mimetype == "text/css"
    assert rv.data == b"nav { color: red }\n"


def test_blueprint_static_follows_the_app_max_age(client: Any, app: Hipflask, site: Path) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 120
    app.register_blueprint(_admin_blueprint(site))

    rv = client.get("/admin/static/admin.css")

    assert rv.cache_control.max_age == 120


def test_blueprint_static_does_not_reach_the_app_static_folder(
    client: Any, app: Hipflask, site: Path
) -> None:
    app.register_blueprint(_admin_blueprint(site))

    assert client.get("/admin/static/js/app.js").status_code == 404
    assert client.get("/admin/static/..%2fstatic%2fjs%2fapp.js").status_code == 404


def test_blueprint_without_static_folder_has_no_static_route(app: Hipflask) -> None:
    app.register_blueprint(Blueprint("plain", __name__, url_prefix="/plain"))

    assert "plain.static" not in {rule.endpoint for rule in app.url_map.iter_rules()}


# -- attacks, sent as raw URLs -----------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/static/../secret.txt",
        "/static/..%2fsecret.txt",
        "/static/..%2f..%2fetc%2fpasswd",
        "/static/%2e%2e/secret.txt",
        "/static/%2e%2e%2fsecret.txt",
        "/static/js/../../secret.txt",
        "/static/js/..%2f..%2fsecret.txt",
        "/static/..%5csecret.txt",
        "/static/js%5c..%5c..%5csecret.txt",
        "/static/..%c0%afsecret.txt",
        "/static/.%2e/secret.txt",
    ],
)
def test_traversal_out_of_the_static_folder_is_404(client: Any, path: str) -> None:
    rv = client.get(path)

    assert rv.status_code == 404
    assert SECRET_TEXT not in rv.data


def test_absolute_path_in_the_url_is_not_served(client: Any, site: Path) -> None:
    secret = str(site / "secret.txt")

    for path in ("/static/" + secret, "/static/" + secret.replace("/", "%2f")):
        rv = client.get(path, follow_redirects=True)

        assert rv.status_code == 404
        assert SECRET_TEXT not in rv.data


def test_etc_passwd_by_absolute_path_is_not_served(client: Any) -> None:
    rv = client.get("/static//etc/passwd", follow_redirects=True)

    assert rv.status_code == 404
    assert b"root:" not in rv.data


@pytest.mark.parametrize(
    "path", ["/static/js/app.js%00.png", "/static/%00", "/static/js%00/app.js"]
)
def test_nul_byte_in_the_path_is_refused(client: Any, path: str) -> None:
    rv = client.get(path)

    assert rv.status_code in (400, 404)
    assert SCRIPT not in rv.data


def test_symlinked_file_leading_out_is_404(client: Any, site: Path) -> None:
    (site / "static" / "leak.txt").symlink_to(site / "secret.txt")

    rv = client.get("/static/leak.txt")

    assert rv.status_code == 404
    assert SECRET_TEXT not in rv.data


def test_symlinked_folder_leading_out_is_404(client: Any, site: Path) -> None:
    (site / "static" / "vendor").symlink_to(site / "private", target_is_directory=True)

    rv = client.get("/static/vendor/keys.txt")

    assert rv.status_code == 404
    assert SECRET_TEXT not in rv.data


def test_symlink_to_etc_passwd_is_404(client: Any, site: Path) -> None:
    (site / "static" / "passwd").symlink_to("/etc/passwd")

    rv = client.get("/static/passwd")

    assert rv.status_code == 404


def test_symlink_within_the_static_folder_is_served(client: Any, site: Path) -> None:
    (site / "static" / "latest.js").symlink_to(site / "static" / "js" / "app.js")

    rv = client.get("/static/latest.js")

    assert rv.status_code == 200
    assert rv.data == SCRIPT
    assert rv.mimetype == "text/javascript"


def test_traversal_does_not_reach_the_blueprint_folder_sibling(
    client: Any, app: Hipflask, site: Path
) -> None:
    app.register_blueprint(_admin_blueprint(site))

    rv = client.get("/admin/static/..%2fsecret.txt")

    assert rv.status_code == 404
    assert SECRET_TEXT not in rv.data
