"""Talisman's arguments mapped onto the one built-in header policy."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Hipflask
from hipflask.errors import ConfigurationError
from hipflask.talisman import Talisman

HTTPS = {"base_url": "https://localhost"}


def test_talisman_defaults_are_flask_talisman_s(page: Hipflask, client: Any) -> None:
    Talisman(page)
    response = client.get("/", **HTTPS)
    headers = response.headers
    assert headers["Content-Security-Policy"] == (
        "default-src 'self'; object-src 'none'; frame-ancestors 'self'"
    )
    assert headers["Strict-Transport-Security"] == "max-age=31556926; includeSubDomains"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Permissions-Policy"] == "browsing-topics=()"
    assert page.config["SESSION_COOKIE_SECURE"] is True


def test_arguments_change_the_one_policy(page: Hipflask, client: Any) -> None:
    Talisman(
        page,
        force_https=False,
        frame_options="DENY",
        content_security_policy={"default-src": "'self'", "script-src": ["'self'", "cdn.example"]},
        content_security_policy_nonce_in=["script-src"],
        referrer_policy="no-referrer",
        strict_transport_security=False,
        permissions_policy={"geolocation": "()"},
    )
    response = client.get("/", **HTTPS)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' cdn.example 'nonce-" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in response.headers
    assert response.headers["Permissions-Policy"] == "geolocation=()"
    assert response.headers.getlist("Content-Security-Policy") == [csp]


def test_report_only_csp_uses_the_report_only_header(page: Hipflask, client: Any) -> None:
    Talisman(
        page,
        force_https=False,
        content_security_policy_report_only=True,
        content_security_policy_report_uri="/csp-report",
    )
    response = client.get("/")
    assert "Content-Security-Policy" not in response.headers
    assert "report-uri /csp-report" in response.headers["Content-Security-Policy-Report-Only"]


def test_a_view_decorator_overrides_the_app_s_options(app: Hipflask, client: Any) -> None:
    talisman = Talisman(app, force_https=False)

    @app.get("/embed")
    @talisman(frame_options=None, content_security_policy=None)
    def embed() -> str:
        return "embeddable"

    @app.get("/")
    def index() -> str:
        return "ok"

    embedded = client.get("/embed")
    assert "X-Frame-Options" not in embedded.headers
    assert "Content-Security-Policy" not in embedded.headers
    assert embedded.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/").headers["X-Frame-Options"] == "SAMEORIGIN"


def test_unknown_options_are_refused(page: Hipflask) -> None:
    with pytest.raises(ConfigurationError, match="Unknown Talisman option"):
        Talisman(page, force_http=False)


def test_allow_from_becomes_frame_ancestors(page: Hipflask, client: Any) -> None:
    Talisman(
        page,
        force_https=False,
        frame_options="ALLOW-FROM",
        frame_options_allow_from="https://partner.example",
    )
    response = client.get("/")
    assert "X-Frame-Options" not in response.headers
    assert "frame-ancestors https://partner.example" in response.headers["Content-Security-Policy"]


def test_allow_from_without_an_origin_is_refused(page: Hipflask) -> None:
    with pytest.raises(ConfigurationError, match="frame_options_allow_from"):
        Talisman(page, frame_options="ALLOW-FROM")


def test_string_csp_legacy_headers_and_session_flags(app: Hipflask, client: Any) -> None:
    talisman = Talisman()
    talisman.init_app(
        app,
        force_https=False,
        content_security_policy="default-src 'self'; img-src *; ",
        x_xss_protection=True,
        force_file_save=True,
        feature_policy={"geolocation": "'none'"},
        session_cookie_http_only=True,
        session_cookie_samesite="Strict",
    )

    @app.get("/")
    def index() -> str:
        return "ok"

    response = client.get("/")
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'; img-src *")
    assert response.headers["X-XSS-Protection"] == "1; mode=block"
    assert response.headers["X-Download-Options"] == "noopen"
    assert response.headers["Feature-Policy"] == "geolocation 'none'"
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Strict"


def test_a_view_s_own_header_survives_its_talisman_options(app: Hipflask, client: Any) -> None:
    talisman = Talisman(app, force_https=False)

    @app.get("/own")
    @talisman(referrer_policy="no-referrer")
    def own() -> Any:
        return "ok", 200, {"X-Frame-Options": "DENY"}

    response = client.get("/own")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_view_options_survive_a_decorator_applied_after_them(app: Hipflask, client: Any) -> None:
    import functools

    def wrapped(view: Any) -> Any:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return view(*args, **kwargs)

        return wrapper

    talisman = Talisman(app, force_https=False)

    @app.get("/embed")
    @wrapped
    @talisman(frame_options=None)
    def embed() -> str:
        return "ok"

    assert "X-Frame-Options" not in client.get("/embed").headers


def test_a_feature_policy_string_is_sent_as_written(page: Hipflask, client: Any) -> None:
    Talisman(page, force_https=False, feature_policy="camera 'none'")
    assert client.get("/").headers["Feature-Policy"] == "camera 'none'"


def test_the_template_nonce_is_the_one_in_the_policy(app: Hipflask, client: Any) -> None:
    import re

    from hipflask import render_template_string

    talisman = Talisman(
        app,
        force_https=False,
        content_security_policy={"script-src": "'self'"},
        content_security_policy_nonce_in=["script-src"],
    )

    @app.get("/")
    def index() -> str:
        return render_template_string('<script nonce="{{ csp_nonce() }}"></script>')

    @app.get("/strict")
    @talisman(frame_options="DENY")
    def strict() -> str:
        return render_template_string('<script nonce="{{ csp_nonce() }}"></script>')

    for path in ("/", "/strict"):
        response = client.get(path)
        match = re.search(r'nonce="([^"]+)"', response.get_data(as_text=True))
        assert match is not None
        assert f"'nonce-{match.group(1)}'" in response.headers["Content-Security-Policy"]
        assert len(response.headers.getlist("Content-Security-Policy")) == 1


def test_only_the_parts_in_use_are_registered(page: Hipflask) -> None:
    talisman = Talisman(page, force_https=False)
    assert page.gate.is_simple  # headers only: the built-in policy does it all
    talisman(frame_options="DENY")(lambda: "view")
    assert "talisman.view_after" in page.gate.finisher_names
    assert "talisman.force_https" not in page.gate.check_names


def test_a_decorator_made_before_init_app_registers_there(app: Hipflask, client: Any) -> None:
    talisman = Talisman()

    @app.get("/")
    @talisman(frame_options=None)
    def index() -> str:
        return "ok"

    talisman.init_app(app, force_https=False, referrer_policy="no-referrer")
    response = client.get("/")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_preload_with_a_short_max_age_is_sent_as_asked(
    app: Hipflask, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Flask-Talisman accepts it; the header policy alone would refuse it and
    # turn every response into a 500, or fail at import for a decorated view.
    talisman = Talisman(
        app,
        force_https=False,
        strict_transport_security_preload=True,
        strict_transport_security_max_age=600,
    )

    @app.get("/")
    def index() -> str:
        return "ok"

    @app.get("/embed")
    @talisman(frame_options=None, strict_transport_security_include_subdomains=False)
    def embed() -> str:
        return "ok"

    @app.get("/own")
    def own() -> Any:
        return "ok", 200, {"Strict-Transport-Security": "max-age=60"}

    assert "preload lists require a max-age" in caplog.text
    home = client.get("/", **HTTPS)
    assert home.status_code == 200
    assert home.headers["Strict-Transport-Security"] == "max-age=600; includeSubDomains; preload"
    assert client.get("/embed", **HTTPS).headers["Strict-Transport-Security"] == (
        "max-age=600; preload"
    )
    assert client.get("/own", **HTTPS).headers["Strict-Transport-Security"] == "max-age=60"
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_nonce_in_only_adds_to_directives_the_policy_has(app: Hipflask, client: Any) -> None:
    # A new "script-src 'nonce-…'" would override default-src and block the
    # same-origin and CDN scripts the policy allows.
    talisman = Talisman(
        app,
        force_https=False,
        content_security_policy={"default-src": ["'self'", "cdn.example.com"]},
        content_security_policy_nonce_in=["script-src", "style-src"],
    )

    @app.get("/")
    def index() -> str:
        return "ok"

    @app.get("/embed")
    @talisman(frame_options=None, content_security_policy={"frame-ancestors": "*"})
    def embed() -> str:
        return "ok"

    assert client.get("/").headers["Content-Security-Policy"] == (
        "default-src 'self' cdn.example.com; frame-ancestors 'self'"
    )
    assert client.get("/embed").headers["Content-Security-Policy"] == "frame-ancestors *"


def test_session_cookie_http_only_false_does_not_remove_http_only(
    app: Hipflask, client: Any
) -> None:
    from hipflask import session

    # Flask-Talisman only ever turns the flag on; False leaves the app's own.
    Talisman(app, force_https=False, session_cookie_http_only=False)

    @app.get("/login")
    def login() -> str:
        session["user"] = "alice"
        return "ok"

    cookie = client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_report_only_without_a_report_uri_is_a_value_error(page: Hipflask) -> None:
    with pytest.raises(ValueError, match="content_security_policy_report_uri"):
        Talisman(page, content_security_policy_report_only=True)
    talisman = Talisman(
        page, content_security_policy_report_only=True, content_security_policy_report_uri="/r"
    )
    with pytest.raises(ValueError, match="content_security_policy_report_uri"):
        talisman(content_security_policy_report_uri=None)(lambda: "view")


def test_report_only_keeps_framing_blocked(app: Hipflask, client: Any) -> None:
    # A report-only frame-ancestors blocks nothing: X-Frame-Options must stay,
    # and ALLOW_FROM (which has none) gets an enforced frame-ancestors.
    talisman = Talisman(
        app,
        force_https=False,
        content_security_policy_report_only=True,
        content_security_policy_report_uri="/csp-report",
    )

    @app.get("/")
    def index() -> str:
        return "ok"

    @app.get("/partner")
    @talisman(frame_options="ALLOW-FROM", frame_options_allow_from="https://partner.example")
    def partner() -> str:
        return "ok"

    home = client.get("/")
    assert home.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "Content-Security-Policy" not in home.headers
    partnered = client.get("/partner")
    assert partnered.headers["Content-Security-Policy"] == (
        "frame-ancestors https://partner.example"
    )
    assert "report-uri /csp-report" in partnered.headers["Content-Security-Policy-Report-Only"]


def test_csp_nonce_is_empty_when_the_policy_uses_none(app: Hipflask, client: Any) -> None:
    from hipflask import render_template_string

    talisman = Talisman(app, force_https=False)
    page = "[{{ csp_nonce() }}]"

    @app.get("/")
    def index() -> str:
        return render_template_string(page)

    @app.get("/nonced")
    @talisman(content_security_policy_nonce_in=["default-src"])
    def nonced() -> str:
        return render_template_string(page)

    assert client.get("/").get_data(as_text=True) == "[]"
    response = client.get("/nonced")
    nonce = response.get_data(as_text=True)[1:-1]
    assert nonce
    assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]


def test_an_unknown_option_is_a_type_error_as_in_python(page: Hipflask) -> None:
    with pytest.raises(TypeError, match="not_an_option"):
        Talisman(page, not_an_option=1)
    with pytest.raises(TypeError, match="not_an_option"):
        Talisman()(not_an_option=1)


def test_a_feature_policy_allowlist_may_be_a_list(page: Hipflask, client: Any) -> None:
    Talisman(
        page,
        force_https=False,
        feature_policy={"geolocation": "'none'", "camera": ["'self'", "https://a.example"]},
    )
    assert client.get("/").headers["Feature-Policy"] == (
        "geolocation 'none'; camera 'self' https://a.example"
    )


def test_a_feature_policy_allowlist_may_be_a_set(page: Hipflask, client: Any) -> None:
    # Joined like a list, as Flask-Talisman joins anything but a string.
    Talisman(
        page,
        force_https=False,
        feature_policy={"camera": {"'self'"}, "microphone": frozenset({"'none'"})},
    )
    assert client.get("/").headers["Feature-Policy"] == "camera 'self'; microphone 'none'"


def test_a_report_uri_in_the_policy_is_kept(page: Hipflask, client: Any) -> None:
    Talisman(
        page,
        force_https=False,
        content_security_policy="default-src 'self'; report-uri /own",
        content_security_policy_report_uri="/fallback",
    )
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "report-uri /own" in csp
    assert "/fallback" not in csp


def _session_page(app: Hipflask) -> None:
    from hipflask import session

    @app.get("/login")
    def login() -> str:
        session["user"] = "ada"
        return "ok"


def test_debug_mode_turned_on_after_init_keeps_the_session_cookie_plain(
    app: Hipflask, client: Any
) -> None:
    _session_page(app)
    Talisman(app)
    app.debug = True  # as app.run(debug=True) does, after the extensions
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "Secure" not in cookie


def test_outside_debug_mode_the_session_cookie_is_secure_over_http(
    app: Hipflask, client: Any
) -> None:
    _session_page(app)
    Talisman(app, force_https=False)
    assert "Secure" in client.get("/login").headers["Set-Cookie"]


def test_one_talisman_on_two_apps_makes_each_app_s_cookie_secure(
    app: Hipflask, protocol: str
) -> None:
    # The first-request hook works on the app whose first request it is, not
    # on the app init_app saw last; that one, in debug mode, stays plain.
    other = Hipflask("tests_other_app")
    other.config.update(SECRET_KEY=app.config["SECRET_KEY"])
    _session_page(app)
    _session_page(other)
    talisman = Talisman()
    talisman.init_app(app, force_https=False)
    talisman.init_app(other, force_https=False)
    other.debug = True
    assert "Secure" in app.test_client(protocol=protocol).get("/login").headers["Set-Cookie"]
    assert "Secure" not in other.test_client(protocol=protocol).get("/login").headers["Set-Cookie"]
    assert other.config["SESSION_COOKIE_SECURE"] is None


def test_talisman_set_up_after_the_first_request_still_secures_the_cookie(
    app: Hipflask, client: Any
) -> None:
    _session_page(app)
    assert "Secure" not in client.get("/login").headers["Set-Cookie"]
    Talisman(app, force_https=False)
    assert "Secure" in client.get("/login").headers["Set-Cookie"]


def test_a_view_s_feature_policy_replaces_the_app_s(app: Hipflask, client: Any) -> None:
    talisman = Talisman(
        app, force_https=False, feature_policy={"geolocation": "'none'"}, x_xss_protection=True
    )

    @app.get("/")
    def index() -> str:
        return "ok"

    @app.get("/camera")
    @talisman(feature_policy={"camera": ["'self'", "https://a.example"]}, x_xss_protection=False)
    def camera() -> str:
        return "ok"

    @app.get("/none")
    @talisman(feature_policy=None)
    def none() -> str:
        return "ok"

    assert client.get("/").headers["Feature-Policy"] == "geolocation 'none'"
    response = client.get("/camera")
    assert response.headers.getlist("Feature-Policy") == ["camera 'self' https://a.example"]
    assert "X-XSS-Protection" not in response.headers
    assert "Feature-Policy" not in client.get("/none").headers


def test_a_view_s_own_feature_policy_header_is_kept(app: Hipflask, client: Any) -> None:
    talisman = Talisman(app, force_https=False, feature_policy={"geolocation": "'none'"})

    @app.get("/own")
    @talisman(frame_options=None)
    def own() -> Any:
        return "ok", 200, {"Feature-Policy": "camera 'none'"}

    assert client.get("/own").headers.getlist("Feature-Policy") == ["camera 'none'"]


def test_the_app_s_own_extra_headers_stay_beside_talisman_s(app: Hipflask, client: Any) -> None:
    app.config["EXTRA_SECURITY_HEADERS"] = [("X-Permitted-Cross-Domain-Policies", "none")]
    talisman = Talisman(app, force_https=False, x_xss_protection=True)

    @app.get("/")
    def index() -> str:
        return "ok"

    @app.get("/embed")
    @talisman(frame_options=None)
    def embed() -> str:
        return "ok"

    for path in ("/", "/embed"):
        headers = client.get(path).headers
        assert headers.getlist("X-Permitted-Cross-Domain-Policies") == ["none"]
        assert headers.getlist("X-XSS-Protection") == ["1; mode=block"]


def test_a_second_init_app_replaces_talisman_s_extra_headers(app: Hipflask, client: Any) -> None:
    talisman = Talisman(app, force_https=False, x_xss_protection=True, force_file_save=True)
    talisman.init_app(app, force_https=False, force_file_save=True)

    @app.get("/")
    def index() -> str:
        return "ok"

    headers = client.get("/").headers
    assert "X-XSS-Protection" not in headers
    assert headers.getlist("X-Download-Options") == ["noopen"]


def test_a_view_s_options_keep_the_app_s_other_header_settings(app: Hipflask, client: Any) -> None:
    app.config["CROSS_ORIGIN_OPENER_POLICY"] = "same-origin-allow-popups"
    talisman = Talisman(app, force_https=False)

    @app.get("/embed")
    @talisman(frame_options=None)
    def embed() -> str:
        return "ok"

    headers = client.get("/embed").headers
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin-allow-popups"
    assert "X-Frame-Options" not in headers


@pytest.mark.parametrize("nonce_in", ["script-src", "script-src style-src"])
def test_nonce_in_given_as_a_string_names_directives(
    app: Hipflask, client: Any, nonce_in: str
) -> None:
    import re

    from hipflask import render_template_string

    Talisman(
        app,
        force_https=False,
        content_security_policy={"default-src": "'self'", "script-src": "'self'"},
        content_security_policy_nonce_in=nonce_in,
    )

    @app.get("/")
    def index() -> str:
        return render_template_string('<script nonce="{{ csp_nonce() }}"></script>')

    response = client.get("/")
    nonce = re.search(r'nonce="([^"]+)"', response.get_data(as_text=True))
    assert nonce is not None
    assert response.headers["Content-Security-Policy"].startswith(
        f"default-src 'self'; script-src 'self' 'nonce-{nonce.group(1)}'"
    )


@pytest.mark.parametrize("max_age", ["600", " 600", 600.0])
def test_an_hsts_max_age_read_from_the_environment_is_taken(
    page: Hipflask, client: Any, max_age: Any
) -> None:
    Talisman(page, strict_transport_security_max_age=max_age)
    assert client.get("/", **HTTPS).headers["Strict-Transport-Security"] == (
        "max-age=600; includeSubDomains"
    )


def test_an_hsts_max_age_that_is_no_number_is_refused(page: Hipflask) -> None:
    for max_age in ("a year", 600.5, "²"):
        with pytest.raises(ConfigurationError, match="HSTS_MAX_AGE"):
            Talisman(page, strict_transport_security_max_age=max_age)
            page.test_client().get("/", **HTTPS)
