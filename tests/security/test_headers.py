from __future__ import annotations

import re
from typing import Any

import pytest
from werkzeug.datastructures import Headers

from hipflask.errors import ConfigurationError
from hipflask.security.headers import DEFAULT_HSTS_MAX_AGE
from hipflask.security.headers import HeaderPolicy
from hipflask.security.headers import make_nonce

DEFAULT_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("Content-Security-Policy", "frame-ancestors 'self'"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000")
NONCE_SOURCE = re.compile(r"'nonce-([A-Za-z0-9_-]{22,})'")


def policy(**config: Any) -> HeaderPolicy:
    return HeaderPolicy.from_config(config)


def header(policy: HeaderPolicy, name: str, is_secure: bool = False) -> str | None:
    return dict(policy.headers_for(is_secure)).get(name)


def csp_of(policy: HeaderPolicy) -> str | None:
    return header(policy, "Content-Security-Policy")


# --- defaults -------------------------------------------------------------


def test_plain_http_response_gets_the_default_headers_without_hsts() -> None:
    assert policy().headers_for(is_secure=False) == DEFAULT_HEADERS


def test_https_response_also_gets_one_year_hsts() -> None:
    assert policy().headers_for(is_secure=True) == (*DEFAULT_HEADERS, HSTS)


def test_empty_config_and_constructor_defaults_agree() -> None:
    assert HeaderPolicy().headers_for(True) == policy().headers_for(True)
    assert DEFAULT_HSTS_MAX_AGE == 31_536_000


def test_unrelated_config_keys_are_ignored() -> None:
    built = policy(SECRET_KEY="x", DEBUG=True)

    assert built.headers_for(False) == DEFAULT_HEADERS


def test_headers_for_returns_the_same_precomputed_tuple_every_time() -> None:
    built = policy()

    assert built.headers_for(True) is built.headers_for(True)
    assert built.headers_for(False) is built.headers_for(False)


def test_default_policy_needs_no_nonce() -> None:
    assert policy().needs_nonce is False


# --- apply ----------------------------------------------------------------


def test_apply_adds_every_header_to_a_plain_list() -> None:
    response = [("Content-Type", "text/html")]

    policy().apply(response, is_secure=False)

    assert response == [("Content-Type", "text/html"), *DEFAULT_HEADERS]


def test_apply_adds_hsts_only_when_the_request_is_secure() -> None:
    plain: list[tuple[str, str]] = []
    secure: list[tuple[str, str]] = []

    policy().apply(plain, is_secure=False)
    policy().apply(secure, is_secure=True)

    assert "Strict-Transport-Security" not in dict(plain)
    assert dict(secure)["Strict-Transport-Security"] == "max-age=31536000"


def test_frame_options_set_by_the_view_is_kept_whatever_its_case() -> None:
    response = [("x-frame-options", "DENY")]

    policy().apply(response, is_secure=True)

    frame_values = [v for k, v in response if k.lower() == "x-frame-options"]
    assert frame_values == ["DENY"]
    assert ("X-Content-Type-Options", "nosniff") in response
    assert HSTS in response


def test_csp_set_by_the_view_is_kept() -> None:
    response = [("Content-Security-Policy", "frame-ancestors https://partner.example")]

    policy().apply(response, is_secure=False)

    csp_values = [v for k, v in response if k == "Content-Security-Policy"]
    assert csp_values == ["frame-ancestors https://partner.example"]
    assert len(response) == len(DEFAULT_HEADERS)


def test_apply_works_on_werkzeug_headers() -> None:
    response = Headers([("Content-Type", "text/plain"), ("Referrer-Policy", "no-referrer")])

    policy().apply(response, is_secure=True)

    assert response.getlist("Referrer-Policy") == ["no-referrer"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    assert len(response) == 1 + len(DEFAULT_HEADERS) + 1


def test_disabled_policy_adds_nothing() -> None:
    built = policy(SECURITY_HEADERS=False)
    response = [("Content-Type", "text/html")]

    built.apply(response, is_secure=True)

    assert response == [("Content-Type", "text/html")]
    assert built.headers_for(True) == ()
    assert built.headers_for(False) == ()
    assert built.is_enabled is False


def test_disabled_policy_still_rejects_a_bad_setting() -> None:
    with pytest.raises(ConfigurationError, match="FRAME_OPTIONS"):
        policy(SECURITY_HEADERS=False, FRAME_OPTIONS="sometimes")


# --- individual settings --------------------------------------------------


def test_frame_options_deny_makes_frame_ancestors_none_too() -> None:
    # Browsers obey frame-ancestors over X-Frame-Options; a 'self' CSP would
    # quietly weaken DENY.
    built = policy(FRAME_OPTIONS="deny")

    assert header(built, "X-Frame-Options") == "DENY"
    assert csp_of(built) == "frame-ancestors 'none'"


def test_frame_options_none_allows_framing_and_sends_no_csp() -> None:
    built = policy(FRAME_OPTIONS=None)

    names = {name for name, _ in built.headers_for(True)}
    assert "X-Frame-Options" not in names
    assert "Content-Security-Policy" not in names


def test_referrer_and_opener_policies_can_be_changed_or_turned_off() -> None:
    built = policy(REFERRER_POLICY="no-referrer", CROSS_ORIGIN_OPENER_POLICY=None)
    off = policy(REFERRER_POLICY=None)

    assert header(built, "Referrer-Policy") == "no-referrer"
    assert header(built, "Cross-Origin-Opener-Policy") is None
    assert header(off, "Referrer-Policy") is None


def test_referrer_policy_accepts_a_fallback_list() -> None:
    built = policy(REFERRER_POLICY="no-referrer,Strict-Origin-When-Cross-Origin")

    assert header(built, "Referrer-Policy") == ("no-referrer, strict-origin-when-cross-origin")


def test_opener_policy_value_is_normalised() -> None:
    built = policy(CROSS_ORIGIN_OPENER_POLICY=" Same-Origin-Allow-Popups ")

    assert header(built, "Cross-Origin-Opener-Policy") == "same-origin-allow-popups"


def test_hsts_include_subdomains_and_preload() -> None:
    built = policy(HSTS_INCLUDE_SUBDOMAINS=True, HSTS_PRELOAD=True, HSTS_MAX_AGE=63072000)

    assert header(built, "Strict-Transport-Security", is_secure=True) == (
        "max-age=63072000; includeSubDomains; preload"
    )


def test_hsts_include_subdomains_alone() -> None:
    built = policy(HSTS_INCLUDE_SUBDOMAINS=True)

    assert header(built, "Strict-Transport-Security", is_secure=True) == (
        "max-age=31536000; includeSubDomains"
    )


def test_hsts_max_age_zero_tells_browsers_to_forget() -> None:
    built = policy(HSTS_MAX_AGE=0)

    assert header(built, "Strict-Transport-Security", is_secure=True) == "max-age=0"


def test_hsts_max_age_none_sends_no_hsts_even_on_https() -> None:
    built = policy(HSTS_MAX_AGE=None)

    assert built.headers_for(True) == DEFAULT_HEADERS


# --- content security policy ----------------------------------------------


def test_csp_string_is_merged_with_frame_ancestors() -> None:
    built = policy(CONTENT_SECURITY_POLICY="default-src 'self'; img-src * data:;")

    assert csp_of(built) == "default-src 'self'; img-src * data:; frame-ancestors 'self'"


def test_csp_string_with_its_own_frame_ancestors_is_not_overridden() -> None:
    built = policy(CONTENT_SECURITY_POLICY="default-src 'self'; Frame-Ancestors https://a.example")

    assert csp_of(built) == "default-src 'self'; frame-ancestors https://a.example"


def test_csp_dict_accepts_strings_lists_and_valueless_directives() -> None:
    built = policy(
        CONTENT_SECURITY_POLICY={
            "default-src": "'self'",
            "img-src": ["'self'", "https://cdn.example data:"],
            "upgrade-insecure-requests": [],
            "block-all-mixed-content": "",
        }
    )

    assert csp_of(built) == (
        "default-src 'self'; img-src 'self' https://cdn.example data:;"
        " upgrade-insecure-requests; block-all-mixed-content; frame-ancestors 'self'"
    )


def test_csp_without_frame_options_has_no_frame_ancestors_added() -> None:
    built = policy(CONTENT_SECURITY_POLICY="default-src 'self'", FRAME_OPTIONS=None)

    assert csp_of(built) == "default-src 'self'"


def test_empty_csp_string_means_the_default() -> None:
    assert csp_of(policy(CONTENT_SECURITY_POLICY=" ; ")) == "frame-ancestors 'self'"


# --- nonces ---------------------------------------------------------------


NONCE_CSP = {"script-src": ["'self'", "{nonce}"], "style-src": "'self' 'nonce-{nonce}'"}


def test_nonce_marker_makes_the_policy_need_a_nonce() -> None:
    assert policy(CONTENT_SECURITY_POLICY=NONCE_CSP).needs_nonce is True


def test_nonce_csp_is_not_in_the_precomputed_tuples() -> None:
    built = policy(CONTENT_SECURITY_POLICY=NONCE_CSP)

    assert csp_of(built) is None
    assert header(built, "X-Frame-Options") == "SAMEORIGIN"


def test_apply_writes_the_request_nonce_into_every_marker() -> None:
    built = policy(CONTENT_SECURITY_POLICY=NONCE_CSP)
    response: list[tuple[str, str]] = []

    built.apply(response, is_secure=True, nonce="abc123")

    assert dict(response)["Content-Security-Policy"] == (
        "script-src 'self' 'nonce-abc123'; style-src 'self' 'nonce-abc123'; frame-ancestors 'self'"
    )
    assert HSTS in response


def test_nonce_marker_works_in_a_csp_string() -> None:
    built = policy(CONTENT_SECURITY_POLICY="script-src-elem {nonce} 'strict-dynamic'")
    response: list[tuple[str, str]] = []

    built.apply(response, is_secure=False, nonce="n0nce")

    assert dict(response)["Content-Security-Policy"] == (
        "script-src-elem 'nonce-n0nce' 'strict-dynamic'; frame-ancestors 'self'"
    )


def test_missing_nonce_gets_an_unguessable_fresh_one_never_a_blank() -> None:
    # A blank or fixed nonce would be one an injected <script> could copy.
    built = policy(CONTENT_SECURITY_POLICY=NONCE_CSP)
    first: list[tuple[str, str]] = []
    second: list[tuple[str, str]] = []

    built.apply(first, is_secure=False)
    built.apply(second, is_secure=False)

    first_nonces = NONCE_SOURCE.findall(dict(first)["Content-Security-Policy"])
    second_nonces = NONCE_SOURCE.findall(dict(second)["Content-Security-Policy"])
    assert len(first_nonces) == 2
    assert len(set(first_nonces)) == 1
    assert first_nonces[0] != second_nonces[0]


def test_nonce_csp_set_by_the_view_is_kept() -> None:
    built = policy(CONTENT_SECURITY_POLICY=NONCE_CSP)
    response = [("content-security-policy", "default-src 'none'")]

    built.apply(response, is_secure=False, nonce="abc")

    assert [v for k, v in response if k.lower() == "content-security-policy"] == [
        "default-src 'none'"
    ]


def test_disabled_policy_needs_no_nonce_and_adds_no_csp() -> None:
    built = policy(SECURITY_HEADERS=False, CONTENT_SECURITY_POLICY=NONCE_CSP)
    response: list[tuple[str, str]] = []

    built.apply(response, is_secure=False, nonce="abc")

    assert built.needs_nonce is False
    assert response == []


def test_make_nonce_is_url_safe_128_bits_and_fresh() -> None:
    nonces = {make_nonce() for _ in range(20)}

    assert len(nonces) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", nonce) for nonce in nonces)


def test_nonce_marker_outside_script_and_style_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="img-src"):
        policy(CONTENT_SECURITY_POLICY={"img-src": "{nonce}"})


# --- refused settings -----------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("REFERRER_POLICY", "no-referrer\r\nSet-Cookie: session=attacker"),
        ("CROSS_ORIGIN_OPENER_POLICY", "same-origin\nX-Injected: 1"),
        ("FRAME_OPTIONS", "DENY\r\n\r\n<script>alert(1)</script>"),
        ("CONTENT_SECURITY_POLICY", "default-src 'self'\r\nSet-Cookie: a=b"),
        ("CONTENT_SECURITY_POLICY", {"script-src": "'self'\nSet-Cookie: a=b"}),
        ("CONTENT_SECURITY_POLICY", {"script-src": ["'self'", "x\rSet-Cookie: a"]}),
        ("CONTENT_SECURITY_POLICY", {"script-src\r\nSet-Cookie: a=b": "'self'"}),
        ("CONTENT_SECURITY_POLICY", "default-src https://\u00e9.example"),
    ],
)
def test_header_injection_in_a_setting_is_refused(setting: str, value: Any) -> None:
    with pytest.raises(ConfigurationError, match=rf"{setting}.*response splitting"):
        policy(**{setting: value})


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"FRAME_OPTIONS": "ALLOW-FROM https://a.example"}, "FRAME_OPTIONS"),
        ({"FRAME_OPTIONS": 1}, "FRAME_OPTIONS"),
        ({"REFERRER_POLICY": "always"}, "REFERRER_POLICY"),
        ({"REFERRER_POLICY": "no-referrer,"}, "REFERRER_POLICY"),
        ({"CROSS_ORIGIN_OPENER_POLICY": "same-site"}, "CROSS_ORIGIN_OPENER_POLICY"),
        ({"HSTS_MAX_AGE": -1}, "HSTS_MAX_AGE"),
        ({"HSTS_MAX_AGE": "31536000"}, "HSTS_MAX_AGE"),
        ({"HSTS_MAX_AGE": True}, "HSTS_MAX_AGE"),
        ({"HSTS_MAX_AGE": 1.5}, "HSTS_MAX_AGE"),
        ({"HSTS_INCLUDE_SUBDOMAINS": "yes"}, "HSTS_INCLUDE_SUBDOMAINS"),
        ({"HSTS_PRELOAD": 1}, "HSTS_PRELOAD"),
        ({"SECURITY_HEADERS": "false"}, "SECURITY_HEADERS"),
        (
            {
                "HSTS_PRELOAD": True,
                "HSTS_INCLUDE_SUBDOMAINS": True,
                "HSTS_MAX_AGE": 86400,
            },
            "HSTS_PRELOAD",
        ),
        ({"HSTS_PRELOAD": True}, "HSTS_PRELOAD"),
        (
            {
                "HSTS_PRELOAD": True,
                "HSTS_INCLUDE_SUBDOMAINS": True,
                "HSTS_MAX_AGE": None,
            },
            "HSTS_PRELOAD",
        ),
        ({"CONTENT_SECURITY_POLICY": 42}, "CONTENT_SECURITY_POLICY"),
        ({"CONTENT_SECURITY_POLICY": {"script-src": 1}}, "CONTENT_SECURITY_POLICY"),
        ({"CONTENT_SECURITY_POLICY": {"script-src": True}}, "CONTENT_SECURITY_POLICY"),
        ({"CONTENT_SECURITY_POLICY": {"script-src": ["'self'", None]}}, "script-src"),
        ({"CONTENT_SECURITY_POLICY": {1: "'self'"}}, "CONTENT_SECURITY_POLICY"),
        ({"CONTENT_SECURITY_POLICY": {"script_src": "'self'"}}, "script_src"),
        ({"CONTENT_SECURITY_POLICY": "default-src 'self'; 1x 'self'"}, "1x"),
        (
            {"CONTENT_SECURITY_POLICY": {"script-src": "'self'; img-src *"}},
            "script-src",
        ),
        (
            {"CONTENT_SECURITY_POLICY": "default-src 'self', script-src *"},
            "default-src",
        ),
        ({"CONTENT_SECURITY_POLICY": "script-src {nonse}"}, "script-src"),
        ({"CONTENT_SECURITY_POLICY": "script-src 'self'; Script-Src *"}, "twice"),
    ],
)
def test_invalid_setting_is_refused_naming_it(config: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(named)):
        HeaderPolicy.from_config(config)


def test_constructor_takes_the_same_settings_as_keywords() -> None:
    built = HeaderPolicy(frame_options="DENY", hsts_max_age=60)

    assert header(built, "X-Frame-Options") == "DENY"
    assert header(built, "Strict-Transport-Security", is_secure=True) == "max-age=60"


def test_views_own_frame_options_drops_the_default_frame_ancestors_policy() -> None:
    policy = HeaderPolicy.from_config({})
    headers = [("X-Frame-Options", "DENY")]

    policy.apply(headers, is_secure=False)

    names = [name for name, _ in headers]
    assert "Content-Security-Policy" not in names
    assert headers[0] == ("X-Frame-Options", "DENY")


def test_views_own_frame_options_keeps_the_rest_of_a_configured_policy() -> None:
    policy = HeaderPolicy.from_config({"CONTENT_SECURITY_POLICY": "default-src 'self'"})
    headers = [("X-Frame-Options", "DENY")]

    policy.apply(headers, is_secure=False)

    assert dict(headers)["Content-Security-Policy"] == "default-src 'self'"


def test_views_own_frame_options_with_a_nonce_policy_keeps_the_nonce_header() -> None:
    policy = HeaderPolicy.from_config({"CONTENT_SECURITY_POLICY": {"script-src": "'self' {nonce}"}})
    headers = [("X-Frame-Options", "DENY")]

    policy.apply(headers, is_secure=False, nonce="abc")

    csp = [value for name, value in headers if name == "Content-Security-Policy"]
    assert len(csp) == 1
    assert "'nonce-abc'" in csp[0]


def test_permissions_and_document_policies_render_from_strings_and_dicts() -> None:

    policy = HeaderPolicy(
        permissions_policy={"geolocation": "()", "camera": ["self", '"https://a.example"']},
        document_policy="force-load-at-top",
    )
    headers = dict(policy.headers_for(is_secure=False))
    assert headers["Permissions-Policy"] == 'geolocation=(), camera=(self "https://a.example")'
    assert headers["Document-Policy"] == "force-load-at-top"
    assert "Permissions-Policy" not in dict(HeaderPolicy(permissions_policy=" ").headers_for(False))


def test_report_only_nonce_policy_and_dropped_nosniff() -> None:

    policy = HeaderPolicy(
        content_security_policy="script-src {nonce}",
        content_security_policy_report_only=True,
        content_type_options=False,
        extra_headers=[("X-XSS-Protection", "1; mode=block")],
    )
    headers: list[tuple[str, str]] = []
    policy.apply(headers, is_secure=False, nonce="abc")
    found = dict(headers)
    assert found["Content-Security-Policy-Report-Only"].startswith("script-src 'nonce-abc'")
    assert "X-Content-Type-Options" not in found
    assert found["X-XSS-Protection"] == "1; mode=block"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"permissions_policy": 3}, "PERMISSIONS_POLICY must be a string or a dict"),
        ({"permissions_policy": {"Bad Name": "()"}}, "not a feature name"),
        ({"document_policy": {"x": "a\r\nb"}}, "DOCUMENT_POLICY"),
        ({"extra_headers": "X-A: b"}, "list of"),
        ({"extra_headers": [("X-A",)]}, "pair"),
        ({"extra_headers": [("X A", "b")]}, "not a header name"),
        ({"extra_headers": [("X-A", "b\nSet-Cookie: c")]}, "character"),
    ],
)
def test_malformed_extra_policies_are_refused(options: dict[str, Any], message: str) -> None:

    with pytest.raises(ConfigurationError, match=message):
        HeaderPolicy(**options)


BODY_HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "2")]


@pytest.mark.parametrize("is_secure", [False, True])
@pytest.mark.parametrize(
    "config",
    [
        {},
        {"CONTENT_SECURITY_POLICY": NONCE_CSP},
        {"CONTENT_SECURITY_POLICY": NONCE_CSP, "CONTENT_SECURITY_POLICY_REPORT_ONLY": True},
        {"EXTRA_SECURITY_HEADERS": [("X-Extra", "1")]},
        # The policy names a header the response already has: it is kept, not doubled.
        {"EXTRA_SECURITY_HEADERS": [("content-type", "text/plain"), ("X-Extra", "1")]},
        {"SECURITY_HEADERS": False},
    ],
)
def test_a_response_with_only_its_body_headers_gets_what_any_other_would(
    config: dict[str, Any], is_secure: bool
) -> None:
    # The usual response (Content-Type and Content-Length, nothing else) is
    # finished without looking at its names; the result must be the same as
    # for the same headers in another order, which takes the general path.
    built = policy(**config)
    usual = list(BODY_HEADERS)
    other = list(reversed(BODY_HEADERS))

    built.apply(usual, is_secure, nonce="n0nce")
    built.apply(other, is_secure, nonce="n0nce")

    assert sorted(usual) == sorted(other)
    assert usual[:2] == BODY_HEADERS
    names = [name.lower() for name, _value in usual]
    assert len(names) == len(set(names))
