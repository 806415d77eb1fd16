import re

import pytest
from flask_app import create_app
from flask_app.extensions import db
from flask_app.models import Post
from flask_app.models import User

CSRF_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def make_app(tmp_path):
    def make(**overrides):
        overrides.setdefault("UPLOAD_FOLDER", str(tmp_path / "uploads"))
        return create_app("testing", **overrides)

    return make


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def users(app):
    susan = User(username="susan", email="susan@example.com")
    susan.set_password("cat-and-dog")
    john = User(username="john", email="john@example.com")
    john.set_password("dog-and-cat")
    admin = User(username="root", email="root@example.com", role="admin")
    admin.set_password("root-password")
    db.session.add_all([susan, john, admin])
    db.session.commit()
    return {"susan": susan, "john": john, "root": admin}


@pytest.fixture
def posts(users):
    for number in range(5):
        db.session.add(Post(body=f"susan says {number}", author=users["susan"]))
        db.session.add(Post(body=f"john says {number}", author=users["john"]))
    db.session.commit()


def login(client, username="susan", password="cat-and-dog", remember=False, next_url=None):
    data = {"username": username, "password": password}
    if remember:
        data["remember_me"] = "y"
    url = "/auth/login" if next_url is None else f"/auth/login?next={next_url}"
    return client.post(url, data=data)


def csrf_token(response):
    found = CSRF_TOKEN.search(response.get_data(as_text=True))
    assert found is not None
    return found.group(1)


def api_tokens(client, username="susan", password="cat-and-dog"):
    response = client.post("/api/tokens", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}
