import io

import sqlalchemy as sa
from flask import render_template_string
from flask import url_for
from flask_app.extensions import db
from flask_app.models import Post
from flask_app.models import User

from conftest import login


def test_index_shows_own_and_followed_posts_paginated(client, users, posts):
    users["susan"].follow(users["john"])
    db.session.commit()
    login(client)
    page = client.get("/index").get_data(as_text=True)
    assert page.count('class="post"') == 3
    assert 'href="/index?page=2"' in page
    assert "Newer posts" not in page
    last = client.get("/index?page=4").get_data(as_text=True)
    assert last.count('class="post"') == 1
    assert 'href="/index?page=3"' in last


def test_index_without_follows_lists_own_posts_only(client, users, posts):
    login(client)
    page = client.get("/index?page=2").get_data(as_text=True)
    assert "susan says" in page
    assert "john says" not in page


def test_posting_from_index(client, users):
    login(client)
    response = client.post("/index", data={"post": "hello world"}, follow_redirects=True)
    assert "Your post is now live!" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Post.body)) == "hello world"


def test_empty_post_is_refused(client, users):
    login(client)
    response = client.post("/index", data={"post": ""})
    assert response.status_code == 200
    assert "[This field is required.]" in response.get_data(as_text=True)
    assert Post.query.count() == 0


def test_explore_uses_legacy_query_paginate(client, users, posts):
    login(client)
    page = client.get("/explore").get_data(as_text=True)
    assert "<title>Explore - Microblog</title>" in page
    assert page.count('class="post"') == 3
    beyond = client.get("/explore?page=99").get_data(as_text=True)
    assert beyond.count('class="post"') == 0


def test_user_page_and_external_url(client, users, posts):
    login(client)
    page = client.get("/user/john").get_data(as_text=True)
    assert "<h1>User: john</h1>" in page
    assert "http://localhost.localdomain/user/john" in page
    assert "Page 1 of 2" in page
    assert '<a href="/user/john?page=2">2</a>' in page
    assert "gravatar.com/avatar/" in page


def test_unknown_user_is_404_page(client, users):
    login(client)
    response = client.get("/user/nobody")
    assert response.status_code == 404
    assert "File Not Found" in response.get_data(as_text=True)


def test_user_page_beyond_last_page_is_404(client, users, posts):
    login(client)
    assert client.get("/user/john?page=9").status_code == 404


def test_follow_and_unfollow(client, users):
    login(client)
    response = client.post("/follow/john", follow_redirects=True)
    assert "You are following john!" in response.get_data(as_text=True)
    assert users["susan"].is_following(users["john"])
    assert users["john"].followers_count() == 1
    response = client.post("/unfollow/john", follow_redirects=True)
    assert "You are not following john." in response.get_data(as_text=True)
    assert not users["susan"].is_following(users["john"])


def test_cannot_follow_yourself(client, users):
    login(client)
    response = client.post("/follow/susan", follow_redirects=True)
    assert "You cannot follow yourself!" in response.get_data(as_text=True)


def test_follow_is_post_only(client, users):
    login(client)
    assert client.get("/follow/john").status_code == 405


def test_edit_profile_prefills_and_saves(client, users):
    login(client)
    page = client.get("/edit_profile").get_data(as_text=True)
    assert 'value="susan"' in page
    response = client.post(
        "/edit_profile",
        data={"username": "susan2", "about_me": "I like cats"},
        follow_redirects=True,
    )
    assert "Your changes have been saved." in response.get_data(as_text=True)
    assert db.session.get(User, users["susan"].id).about_me == "I like cats"


def test_edit_profile_validate_username(client, users):
    login(client)
    response = client.post("/edit_profile", data={"username": "john", "about_me": ""})
    assert "Please use a different username." in response.get_data(as_text=True)


def test_avatar_upload_is_saved_and_served(client, users, app):
    login(client)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = client.post(
        "/edit_profile",
        data={"username": "susan", "about_me": "", "avatar": (io.BytesIO(png), "me.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    avatar = db.session.get(User, users["susan"].id).avatar
    assert avatar == f"{users['susan'].id}-me.png"
    with client.get(f"/uploads/{avatar}") as served:
        assert served.status_code == 200
        assert served.data == png
    assert f'src="/uploads/{avatar}"' in client.get("/user/susan").get_data(as_text=True)


def test_avatar_upload_refuses_other_types(client, users):
    login(client)
    response = client.post(
        "/edit_profile",
        data={"username": "susan", "about_me": "", "avatar": (io.BytesIO(b"MZ"), "virus.exe")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "Images only!" in response.get_data(as_text=True)


def test_avatar_upload_refuses_large_files(client, users):
    login(client)
    big = io.BytesIO(b"\x89PNG" + b"\x00" * (150 * 1024))
    response = client.post(
        "/edit_profile",
        data={"username": "susan", "about_me": "", "avatar": (big, "big.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "Avatars must be 100 KiB or smaller." in response.get_data(as_text=True)


def test_admin_page_needs_admin_role(client, users):
    login(client)
    assert client.get("/admin/users").status_code == 403
    assert "Forbidden" in client.get("/admin/users").get_data(as_text=True)


def test_admin_page_for_admin(client, users):
    login(client, "root", "root-password")
    response = client.get("/admin/users")
    assert response.status_code == 200
    assert "susan (user)" in response.get_data(as_text=True)


def test_last_seen_is_updated(client, users):
    before = users["susan"].last_seen
    login(client)
    client.get("/index")
    db.session.expire_all()
    assert db.session.get(User, users["susan"].id).last_seen >= before


def test_template_filter_and_context_processor(app):
    with app.test_request_context("/somewhere"):
        rendered = render_template_string(
            "{{ app_name }} {{ current_path }} {{ 'abcdefghij'|shorten(5) }}"
        )
    assert rendered == "Microblog /somewhere abcd…"


def test_url_for_external_uses_server_name(app):
    with app.test_request_context():
        assert url_for("main.user", username="x", _external=True) == (
            "http://localhost.localdomain/user/x"
        )


def test_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "File Not Found" in response.get_data(as_text=True)


def test_500_page_rolls_back(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        db.create_all()
        response = app.test_client().get("/boom")
        assert response.status_code == 500
        assert "An unexpected error has occurred" in response.get_data(as_text=True)
        db.drop_all()


def test_static_file_is_served(client):
    with client.get("/static/style.css") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/css"
        assert b"font-family" in response.data


def test_pages_link_the_stylesheet(client):
    assert 'href="/static/style.css"' in client.get("/auth/login").get_data(as_text=True)


def test_upload_path_traversal_is_404(client, users):
    login(client)
    assert client.get("/uploads/../config.py").status_code == 404
    assert client.get("/uploads/%2e%2e/config.py").status_code == 404


def test_fresh_login_required_after_remember_me(client, users, app):
    login(client, remember=True)
    assert client.get("/settings/security").status_code == 200
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"], domain="localhost.localdomain")
    response = client.get("/settings/security")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
    page = client.get("/index").get_data(as_text=True)
    assert "Please sign in again to confirm it is you." in page


def test_replayed_session_cookie_after_logout_is_anonymous(client, users):
    login(client)
    cookie = client.get_cookie("session", domain="localhost.localdomain").value
    client.get("/auth/logout")
    client.set_cookie("session", cookie, domain="localhost.localdomain")
    assert client.get("/index").status_code == 302


def test_json_clients_get_json_404(client):
    response = client.get("/nowhere", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json() == {"error": "Not Found"}
