"""The factory, the server-side session, the security headers and the CLI."""

import sqlalchemy as sa
from flask import session
from flask_app import create_app
from flask_app.extensions import db
from flask_app.models import Post
from flask_app.models import User

from conftest import login


def test_config_classes(tmp_path):
    settings = {"UPLOAD_FOLDER": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    assert create_app("testing", **settings).testing
    development = create_app("development", **settings)
    assert development.debug
    assert not development.testing


def test_session_is_stored_server_side(client, users):
    response = login(client)
    cookie = client.get_cookie("session", domain="localhost.localdomain")
    assert cookie is not None
    assert "_user_id" not in cookie.value
    assert "susan" not in cookie.value
    assert response.status_code == 302
    with client:
        client.get("/index")
        assert session["_user_id"] == str(users["susan"].id)


def test_session_transaction(client, users):
    with client.session_transaction() as sess:
        sess["greeting"] = "hello"
    with client:
        client.get("/auth/login")
        assert session["greeting"] == "hello"


def test_security_headers(client):
    response = client.get("/auth/login")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "https://www.gravatar.com" in policy
    assert "'nonce-" in policy


def test_csp_nonce_matches_the_script(client):
    response = client.get("/auth/login")
    policy = response.headers["Content-Security-Policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in response.get_data(as_text=True)


def test_force_https_redirects(make_app):
    app = make_app(TALISMAN_FORCE_HTTPS=True)
    response = app.test_client().get("/auth/login")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("https://")


def test_https_request_gets_hsts(make_app):
    app = make_app(TALISMAN_FORCE_HTTPS=True)
    response = app.test_client().get("/auth/login", base_url="https://localhost.localdomain")
    assert response.status_code == 200
    assert "max-age=31556926" in response.headers["Strict-Transport-Security"]


def test_cli_create_admin(runner, app):
    result = runner.invoke(
        args=["create-admin", "boss", "boss@example.com"], input="s3cret-pw\ns3cret-pw\n"
    )
    assert result.exit_code == 0, result.output
    assert "Created admin boss." in result.output
    user = db.session.scalar(sa.select(User).where(User.username == "boss"))
    assert user.role == "admin" and user.check_password("s3cret-pw")


def test_cli_create_admin_refuses_duplicates(runner, users):
    result = runner.invoke(args=["create-admin", "susan", "x@example.com", "--password", "pw"])
    assert result.exit_code == 1
    assert "User susan already exists." in result.output


def test_cli_seed_and_stats(runner, app):
    result = runner.invoke(args=["seed", "--posts", "2"])
    assert result.exit_code == 0, result.output
    assert Post.query.count() == 4
    assert runner.invoke(args=["stats"]).output.strip() == "users=2 posts=4"


def test_cli_help_lists_commands(runner):
    result = runner.invoke(args=["--help"])
    for name in ("create-admin", "seed", "stats", "db"):
        assert name in result.output


def test_migrations_init_migrate_upgrade(make_app, tmp_path):
    database = tmp_path / "migrated.db"
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}")
    runner = app.test_cli_runner()
    directory = str(tmp_path / "migrations")
    result = runner.invoke(args=["db", "init", "-d", directory])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["db", "migrate", "-d", directory, "-m", "initial"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["db", "upgrade", "-d", directory])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(sa.inspect(db.engine).get_table_names())
    assert {"user", "post", "followers", "token_blocklist", "alembic_version"} <= tables


def test_cli_db_current_on_a_fresh_database(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'fresh.db'}")
    runner = app.test_cli_runner()
    directory = str(tmp_path / "migrations")
    assert runner.invoke(args=["db", "init", "-d", directory]).exit_code == 0
    result = runner.invoke(args=["db", "current", "-d", directory])
    assert result.exit_code == 0, result.output


def test_shell_context(app):
    context = app.make_shell_context()
    assert {"db", "User", "Post", "app", "g"} <= set(context)


def test_behind_the_proxy_https_and_client_address(make_app):
    app = make_app(BEHIND_PROXY=True, TALISMAN_FORCE_HTTPS=True, RATELIMIT_ENABLED=True)
    client = app.test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.1"}
    response = client.get("/auth/login", headers=forwarded)
    assert response.status_code == 200
    assert "max-age=31556926" in response.headers["Strict-Transport-Security"]
    assert client.get("/auth/login", headers={"X-Forwarded-For": "203.0.113.1"}).status_code == 302


def test_behind_the_proxy_limits_count_per_client(make_app):
    app = make_app(BEHIND_PROXY=True, RATELIMIT_ENABLED=True)
    with app.app_context():
        db.create_all()
        client = app.test_client()
        for address, expected in (("203.0.113.1", 401), ("203.0.113.2", 401)):
            for _ in range(5):
                response = client.post(
                    "/api/tokens",
                    json={"username": "x", "password": "y"},
                    headers={"X-Forwarded-For": address},
                )
                assert response.status_code == expected
        last = client.post(
            "/api/tokens",
            json={"username": "x", "password": "y"},
            headers={"X-Forwarded-For": "203.0.113.1"},
        )
        assert last.status_code == 429
        db.drop_all()
