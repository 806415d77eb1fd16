"""Talisman's options as attributes of the instance, as Flask-Talisman keeps them.

Code written for Flask-Talisman reads them (to build a view's policy from the
app's) and sets them after ``init_app`` (a test suite turning the HTTPS
redirect off); both must reach the headers.
"""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Hipflask
from hipflask.errors import ConfigurationError
from hipflask.talisman import ALLOW_FROM
from hipflask.talisman import DEFAULT_CSP_POLICY
from hipflask.talisman import DENY
from hipflask.talisman import Talisman

HTTPS = {"base_url": "https://localhost"}


def test_the_options_read_as_attributes(page: Hipflask) -> None:
    talisman = Talisman(page, frame_options=DENY, force_https=False)
    assert talisman.frame_options == DENY
    assert talisman.force_https is False
    assert talisman.content_security_policy == DEFAULT_CSP_POLICY
    assert talisman.strict_transport_security_max_age == 31556926


def test_an_option_set_after_init_app_changes_the_headers(page: Hipflask, client: Any) -> None:
    talisman = Talisman(page)
    assert client.get("/").status_code == 302
    talisman.force_https_permanent = True
    assert client.get("/").status_code == 301
    talisman.force_https = False
    assert client.get("/").status_code == 200

    talisman.frame_options = DENY
    talisman.strict_transport_security_preload = True
    talisman.x_xss_protection = True
    headers = client.get("/", **HTTPS).headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Strict-Transport-Security"].endswith("; preload")
    assert headers["X-XSS-Protection"] == "1; mode=block"

    talisman.content_security_policy = "default-src 'none'"
    assert client.get("/").headers["Content-Security-Policy"] == (
        "default-src 'none'; frame-ancestors 'none'"
    )


def test_the_redirect_can_be_turned_on_after_init_app(page: Hipflask, client: Any) -> None:
    talisman = Talisman(page, force_https=False)
    assert client.get("/").status_code == 200
    talisman.force_https = True
    assert client.get("/").status_code == 302


def test_a_policy_changed_in_place_changes_the_header(page: Hipflask, client: Any) -> None:
    talisman = Talisman(page, force_https=False)
    talisman.content_security_policy["img-src"] = ["'self'", "data:"]
    talisman.permissions_policy["geolocation"] = "()"
    talisman.document_policy["document-write"] = "?0"
    talisman.feature_policy["camera"] = "'none'"
    headers = client.get("/").headers
    assert "img-src 'self' data:" in headers["Content-Security-Policy"]
    assert "geolocation=()" in headers["Permissions-Policy"]
    assert headers["Document-Policy"] == "document-write=?0"
    assert headers["Feature-Policy"] == "camera 'none'"
    del talisman.content_security_policy["img-src"]
    assert "img-src" not in client.get("/").headers["Content-Security-Policy"]


def test_changing_one_app_s_policy_leaves_the_defaults_alone(app: Hipflask) -> None:
    # Flask-Talisman hands out its module's DEFAULT_CSP_POLICY itself, so an
    # in-place change reached every app in the process.
    talisman = Talisman(app, force_https=False)
    talisman.content_security_policy["img-src"] = "*"
    assert "img-src" not in DEFAULT_CSP_POLICY
    assert Talisman(Hipflask("other")).content_security_policy == DEFAULT_CSP_POLICY


def test_a_view_s_options_are_merged_over_the_changed_ones(app: Hipflask, client: Any) -> None:
    talisman = Talisman(app, force_https=False)

    @app.get("/embed")
    @talisman(frame_options=None)
    def embed() -> str:
        return "ok"

    talisman.referrer_policy = "no-referrer"
    headers = client.get("/embed").headers
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "X-Frame-Options" not in headers


def test_options_that_belong_together_apply_once_both_are_set(
    page: Hipflask, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    talisman = Talisman(page, force_https=False)
    talisman.content_security_policy_report_only = True
    # Report-only without a URI would report to nobody: not applied yet.
    assert "report_uri" in caplog.text
    assert "Content-Security-Policy-Report-Only" not in client.get("/").headers
    talisman.content_security_policy_report_uri = "https://reports.example/csp"
    headers = client.get("/").headers
    assert (
        "report-uri https://reports.example/csp" in (headers["Content-Security-Policy-Report-Only"])
    )

    talisman.frame_options = ALLOW_FROM
    assert client.get("/").headers["X-Frame-Options"] == "SAMEORIGIN"
    talisman.frame_options_allow_from = "https://host.example"
    headers = client.get("/").headers
    assert "X-Frame-Options" not in headers
    assert headers["Content-Security-Policy"] == "frame-ancestors https://host.example"


def test_init_app_still_refuses_options_that_do_not_go_together(page: Hipflask) -> None:
    with pytest.raises(ValueError, match="report_uri"):
        Talisman(page, content_security_policy_report_only=True)


def test_each_change_sends_talisman_s_own_headers_once(page: Hipflask, client: Any) -> None:
    # Report-only with ALLOW_FROM enforces frame-ancestors in a header of
    # its own; applying the options again must replace it, not add another,
    # and keep the app's own extra headers.
    page.config["EXTRA_SECURITY_HEADERS"] = [("X-Served-By", "app")]
    talisman = Talisman(
        page,
        force_https=False,
        frame_options=ALLOW_FROM,
        frame_options_allow_from="https://host.example",
        content_security_policy_report_only=True,
        content_security_policy_report_uri="/csp-reports",
    )
    talisman.referrer_policy = "no-referrer"
    talisman.x_xss_protection = True
    headers = client.get("/").headers
    assert headers.getlist("Content-Security-Policy") == ["frame-ancestors https://host.example"]
    assert headers.getlist("X-XSS-Protection") == ["1; mode=block"]
    assert headers.getlist("X-Served-By") == ["app"]


def test_a_value_refused_on_its_own_is_refused_when_set(page: Hipflask, client: Any) -> None:
    # No later assignment can make it valid: kept as a pending option it
    # would hold back every change after it, a stricter policy included,
    # while the attribute read back a value the headers do not follow.
    talisman = Talisman(page, force_https=False)
    with pytest.raises(ConfigurationError, match="ALLOWALL"):
        talisman.frame_options = "ALLOWALL"
    with pytest.raises(ConfigurationError, match="character"):
        talisman.referrer_policy = "no-referrer\r\nSet-Cookie: a=1"
    assert talisman.frame_options == "SAMEORIGIN"
    assert talisman.referrer_policy == "strict-origin-when-cross-origin"
    talisman.content_security_policy = "default-src 'none'"
    headers = client.get("/").headers
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_a_refused_value_set_while_a_pair_is_pending_is_logged(
    page: Hipflask, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # While a pair is half set, a failure cannot be told apart from the
    # pair's own: the value is kept and the options apply once both are set.
    talisman = Talisman(page, force_https=False)
    talisman.content_security_policy_report_only = True
    talisman.referrer_policy = "no-referrer"
    assert "Referrer-Policy: no-referrer" not in str(client.get("/").headers)
    talisman.content_security_policy_report_uri = "https://reports.example/csp"
    assert client.get("/").headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("option", "key", "value"),
    [
        ("content_security_policy", "img-src", ["'self'", "bad\r\nX-Injected: 1"]),
        ("content_security_policy", "img-src", "a;script-src *"),
        ("permissions_policy", "camera", "()\r\nSet-Cookie: a=1"),
        ("document_policy", "document-write", "?0\n"),
        ("feature_policy", "camera", "'none'\r\nX-Injected: 1"),
    ],
)
def test_a_refused_value_put_in_a_policy_is_refused_where_it_is_put(
    page: Hipflask, client: Any, option: str, key: str, value: Any
) -> None:
    # Only logged, it left the old headers in place and every later change,
    # a stricter policy included, waiting behind it.
    talisman = Talisman(page, force_https=False)
    policy = getattr(talisman, option)
    before = dict(policy)
    with pytest.raises(ConfigurationError):
        policy[key] = value
    assert policy == before
    with pytest.raises(ConfigurationError):
        policy.update({key: value})
    with pytest.raises(ConfigurationError):
        policy.setdefault(key, value)
    assert policy == before
    response = client.get("/")
    assert "X-Injected" not in response.headers
    assert "script-src" not in response.headers["Content-Security-Policy"]

    talisman.content_security_policy["img-src"] = "data:"
    assert "img-src data:" in client.get("/").headers["Content-Security-Policy"]


def test_a_change_leaves_the_settings_the_app_made_since_alone(app: Hipflask, client: Any) -> None:
    # Applying every option again on each change wrote SameSite=Lax and
    # Talisman's Referrer-Policy over what the app had set after init_app.
    from hipflask import session

    @app.get("/login")
    def login() -> str:
        session["user"] = "ada"
        return "ok"

    talisman = Talisman(app, force_https=False)
    app.config["SESSION_COOKIE_SAMESITE"] = "Strict"
    app.config["REFERRER_POLICY"] = "no-referrer"
    talisman.frame_options = DENY
    response = client.get("/login")
    assert "SameSite=Strict" in response.headers["Set-Cookie"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"

    # What the changed option implies is written.
    talisman.session_cookie_samesite = "Lax"
    talisman.referrer_policy = "same-origin"
    response = client.get("/login")
    assert "SameSite=Lax" in response.headers["Set-Cookie"]
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_directive_s_sources_changed_in_place_change_the_header(
    page: Hipflask, client: Any
) -> None:
    # Flask-Talisman reads the lists on every response, so code appends to
    # them; unseen, the header kept the old sources.
    talisman = Talisman(
        page,
        force_https=False,
        content_security_policy={"default-src": ["'self'"]},
        permissions_policy={"camera": ["self"]},
    )
    talisman.content_security_policy["default-src"].append("cdn.example")
    headers = client.get("/").headers
    assert "default-src 'self' cdn.example" in headers["Content-Security-Policy"]
    talisman.permissions_policy["camera"].extend(['"https://a.example"'])
    headers = client.get("/").headers
    assert headers["Permissions-Policy"] == 'camera=(self "https://a.example")'

    with pytest.raises(ConfigurationError):
        talisman.content_security_policy["default-src"].append("a;script-src *")
    assert talisman.content_security_policy["default-src"] == ["'self'", "cdn.example"]
    assert "script-src" not in client.get("/").headers["Content-Security-Policy"]


def test_a_policy_read_before_another_option_changed_stays_the_live_one(
    page: Hipflask, client: Any
) -> None:
    # Re-copied on every attribute change, the dict a test had kept went
    # dead: changing it changed nothing.
    talisman = Talisman(page)
    policy = talisman.content_security_policy
    talisman.force_https = False
    policy["img-src"] = "data:"
    assert talisman.content_security_policy is policy
    assert "img-src data:" in client.get("/").headers["Content-Security-Policy"]
