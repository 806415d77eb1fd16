import sqlalchemy as sa
from flask import get_flashed_messages
from flask import session
from flask_app.extensions import db
from flask_app.models import User
from flask_login import current_user

from conftest import csrf_token
from conftest import login


def test_login_page_renders(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Sign In</h1>" in page
    assert "<title>Sign In - Microblog</title>" in page


def test_protected_page_redirects_to_login_with_next(client):
    response = client.get("/edit_profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
    assert "%2Fedit_profile" in response.headers["Location"]


def test_login_required_flashes_the_login_message(client):
    response = client.get("/explore", follow_redirects=True)
    assert "Please log in to access this page." in response.get_data(as_text=True)


def test_login_success_redirects_to_index(client, users):
    response = login(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/index"
    assert "Hi, susan!" in client.get("/index").get_data(as_text=True)


def test_login_follows_next(client, users):
    response = login(client, next_url="/edit_profile")
    assert response.headers["Location"] == "/edit_profile"


def test_login_refuses_offsite_next(client, users):
    response = login(client, next_url="https://evil.example/phish")
    assert response.headers["Location"] == "/index"


def test_wrong_password_flashes_and_stays_anonymous(client, users):
    response = login(client, password="wrong-password")
    assert response.headers["Location"] == "/auth/login"
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Invalid username or password" in page
    assert client.get("/index").status_code == 302


def test_empty_login_form_shows_field_errors(client, users):
    response = client.post("/auth/login", data={"username": "", "password": ""})
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("[This field is required.]") == 2


def test_current_user_inside_the_request_context(client, users):
    with client:
        login(client)
        client.get("/index")
        assert current_user.is_authenticated
        assert current_user.username == "susan"
        assert "_user_id" in session


def test_logout(client, users):
    login(client)
    response = client.get("/auth/logout", follow_redirects=True)
    assert "You have been logged out." in response.get_data(as_text=True)
    assert client.get("/index").status_code == 302


def test_logged_in_user_is_sent_away_from_login(client, users):
    login(client)
    response = client.get("/auth/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/index"


def test_remember_me_restores_the_login_without_a_session(client, users, app):
    response = login(client, remember=True)
    assert "remember_token" in response.headers.get("Set-Cookie", "") or any(
        "remember_token=" in value for value in response.headers.getlist("Set-Cookie")
    )
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"], domain="localhost.localdomain")
    assert client.get_cookie("remember_token", domain="localhost.localdomain") is not None
    assert "Hi, susan!" in client.get("/index").get_data(as_text=True)


def test_without_remember_me_there_is_no_remember_cookie(client, users):
    login(client)
    assert client.get_cookie("remember_token", domain="localhost.localdomain") is None


def test_register_creates_user(client, app):
    response = client.post(
        "/auth/register",
        data={
            "username": "alice",
            "email": "alice@example.com",
            "password": "wonderland",
            "password2": "wonderland",
        },
        follow_redirects=True,
    )
    assert "Congratulations, you are now a registered user!" in response.get_data(as_text=True)
    user = db.session.scalar(sa.select(User).where(User.username == "alice"))
    assert user is not None and user.check_password("wonderland")


def test_register_custom_validators_reject_duplicates(client, users):
    response = client.post(
        "/auth/register",
        data={
            "username": "susan",
            "email": "susan@example.com",
            "password": "whatever-pw",
            "password2": "whatever-pw",
        },
    )
    page = response.get_data(as_text=True)
    assert "Please use a different username." in page
    assert "Please use a different email address." in page


def test_register_validators(client):
    response = client.post(
        "/auth/register",
        data={"username": "al", "email": "not-an-email", "password": "short", "password2": "other"},
    )
    page = response.get_data(as_text=True)
    assert "Field must be between 3 and 64 characters long." in page
    assert "Invalid email address." in page
    assert "Field must be equal to password." in page
    assert User.query.count() == 0


def test_csrf_is_enforced_when_enabled(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
        user = User(username="susan", email="susan@example.com")
        user.set_password("cat-and-dog")
        db.session.add(user)
        db.session.commit()
        client = app.test_client()
        refused = client.post("/auth/login", data={"username": "susan", "password": "cat-and-dog"})
        assert refused.status_code == 400
        assert "The CSRF token is missing." in refused.get_data(as_text=True)
        token = csrf_token(client.get("/auth/login"))
        accepted = client.post(
            "/auth/login",
            data={"username": "susan", "password": "cat-and-dog", "csrf_token": token},
        )
        assert accepted.status_code == 302
        db.drop_all()


def test_login_is_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        db.create_all()
        client = app.test_client()
        codes = [
            client.post("/auth/login", data={"username": "susan", "password": "x"}).status_code
            for _ in range(11)
        ]
        assert codes == [302] * 10 + [429]
        page = client.post("/auth/login", data={"username": "u", "password": "x"})
        assert "Slow down" in page.get_data(as_text=True)
        assert client.get("/auth/login").status_code == 200
        db.drop_all()


def test_flash_messages_are_consumed_once(app, client, users):
    login(client, password="bad-password")
    with client:
        client.get("/auth/login")
        assert get_flashed_messages() == ["Invalid username or password"]
    with client:
        client.get("/auth/login")
        assert get_flashed_messages() == []


def test_login_through_the_session(client, users):
    with client.session_transaction() as sess:
        sess["_user_id"] = str(users["root"].id)
        sess["_fresh"] = True
    response = client.get("/admin/users")
    assert response.status_code == 200
    assert "susan (user)" in response.get_data(as_text=True)


def test_csrf_token_from_the_login_page_works_after_login(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
        user = User(username="susan", email="susan@example.com")
        user.set_password("cat-and-dog")
        db.session.add(user)
        db.session.commit()
        client = app.test_client()
        token = csrf_token(client.get("/auth/login"))
        data = {"username": "susan", "password": "cat-and-dog", "csrf_token": token}
        assert client.post("/auth/login", data=data).status_code == 302
        response = client.post("/index", data={"post": "hello", "csrf_token": token})
        assert response.status_code == 302
        db.drop_all()


def test_session_cookie_flags(client, users):
    response = login(client, remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in session_cookie
    assert "HttpOnly" in remember_cookie
    assert "Secure" not in session_cookie
