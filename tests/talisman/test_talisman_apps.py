"""One Talisman object set up on several apps, as app factories (and their tests) do."""

from __future__ import annotations

import gc
import weakref

from tests.conftest import SECRET

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask.talisman import DENY
from hipflask.talisman import Talisman

talisman_for_blueprint = Talisman()
shared = Blueprint("shared", __name__)


@shared.get("/embed")
@talisman_for_blueprint(frame_options=None)
def embed() -> str:
    return "ok"


def _make_app(name: str, talisman: Talisman) -> Hipflask:
    app = Hipflask(name)
    app.config.update(TESTING=True, SECRET_KEY=SECRET)

    @app.get("/")
    def index() -> str:
        return "ok"

    talisman.init_app(app)
    return app


def test_a_change_reaches_every_app_the_object_was_set_up_on(protocol: str) -> None:
    # Applied to the last app only, the first kept redirecting and framing
    # as before while the attribute read back the new value.
    talisman = Talisman()
    apps = [_make_app("one", talisman), _make_app("two", talisman)]
    talisman.force_https = False
    talisman.frame_options = DENY
    talisman.content_security_policy["img-src"] = "data:"
    for app in apps:
        response = app.test_client(protocol=protocol).get("/")
        assert response.status_code == 200
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "img-src data:" in response.headers["Content-Security-Policy"]


def test_a_shared_view_s_options_use_each_app_s_own_settings(protocol: str) -> None:
    # Built from the last app's settings, the view's policy sent that app's
    # Cross-Origin-Opener-Policy from every app.
    apps = []
    policies = ("unsafe-none", "same-origin-allow-popups")
    for policy in policies:
        app = Hipflask(policy)
        app.config.update(TESTING=True, CROSS_ORIGIN_OPENER_POLICY=policy)
        app.register_blueprint(shared)
        talisman_for_blueprint.init_app(app, force_https=False)
        apps.append(app)
    for policy, app in zip(policies, apps, strict=True):
        response = app.test_client(protocol=protocol).get("/embed")
        assert response.headers["Cross-Origin-Opener-Policy"] == policy
        assert "X-Frame-Options" not in response.headers


def test_an_app_no_longer_used_is_not_kept_alive() -> None:
    talisman = Talisman()
    app = _make_app("gone", talisman)
    collected = weakref.ref(app)
    del app
    gc.collect()
    assert collected() is None
    talisman.force_https = False  # no app left to apply it to
    assert talisman.app is None


def test_the_last_init_app_s_options_are_every_app_s(protocol: str) -> None:
    # As in Flask-Talisman, whose apps all read the one object's attributes.
    talisman = Talisman()
    first = _make_app("one", talisman)
    app = Hipflask("two")
    app.config.update(TESTING=True, SECRET_KEY=SECRET)
    talisman.init_app(app, force_https=False, frame_options=DENY)
    response = first.test_client(protocol=protocol).get("/")
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"
