"""The CORS policy: options checked at start-up, headers decided per origin."""

from __future__ import annotations

import re

import pytest

from hipflask.errors import ConfigurationError
from hipflask.security.cors import CorsConfigurationError
from hipflask.security.cors import CorsPolicy
from hipflask.security.cors import is_preflight
from hipflask.security.cors import parse_resources


def test_only_a_request_with_access_control_request_method_is_a_preflight() -> None:
    assert is_preflight("OPTIONS", {"Access-Control-Request-Method": "PUT"})
    assert not is_preflight("OPTIONS", {})
    assert not is_preflight("GET", {"Access-Control-Request-Method": "PUT"})


def test_literal_origins_match_exactly_and_ignore_case_and_trailing_slash() -> None:
    policy = CorsPolicy.from_options(origins=["https://A.example/"])
    assert policy.allows_origin("https://a.example")
    assert not policy.allows_origin("https://a.example.evil")
    assert not policy.allows_origin("null")
    assert not policy.allows_origin(None)


def test_compiled_and_string_regexes_must_match_the_whole_origin() -> None:
    policy = CorsPolicy.from_options(origins=[re.compile(r"https://\w+\.example")])
    assert policy.allows_origin("https://x.example")
    assert not policy.allows_origin("https://x.example.evil")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"origins": "*", "supports_credentials": True}, "supports_credentials"),
        ({"origins": ".+", "supports_credentials": True}, "matches any site"),
        ({"origins": r"https?://.*", "supports_credentials": True}, "matches any site"),
        (
            {"origins": [re.compile(r"[a-z]+://.*")], "supports_credentials": True},
            "matches any site",
        ),
        ({"origins": "(unclosed"}, "regular expression"),
        ({"expose_headers": ["X-A\r\nSet-Cookie: a=b"]}, "not a header name"),
        ({"methods": ["GET", "PUT\r\nX-Injected: 1"]}, "not a header name"),
        ({"max_age": "ten"}, "max_age"),
        ({"origins": [3]}, "strings"),
    ],
)
def test_unsafe_or_malformed_options_are_refused(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as refused:
        CorsPolicy.from_options(**options)
    # Flask-CORS raises a ValueError for a bad setting: code catching it still does.
    assert isinstance(refused.value, ValueError)
    assert isinstance(refused.value, CorsConfigurationError)


def test_an_anchored_regex_keeps_credentials() -> None:
    policy = CorsPolicy.from_options(
        origins=r"https://(www\.)?example\.com", supports_credentials=True
    )
    assert policy.allows_origin("https://www.example.com")
    assert not policy.allows_origin("https://attacker.invalid")
    # Any site without credentials stays allowed, as "*" is.
    assert CorsPolicy.from_options(origins=".+").allows_origin("https://a.example")


def test_preflight_headers_filter_requested_headers_and_methods() -> None:
    policy = CorsPolicy.from_options(
        origins=["https://a.example"], allow_headers=["Content-Type"], methods=["GET", "PUT"]
    )
    headers = dict(policy.preflight_headers("https://a.example", "PUT", "content-type, x-evil"))
    assert headers["Access-Control-Allow-Headers"] == "content-type"
    assert headers["Access-Control-Allow-Methods"] == "GET, PUT"
    assert policy.preflight_headers("https://a.example", "DELETE", None) == []


def test_send_wildcard_sends_a_star_for_public_resources() -> None:
    policy = CorsPolicy.from_options(send_wildcard=True)
    assert dict(policy.response_headers("https://a.example"))["Access-Control-Allow-Origin"] == "*"


def test_resources_try_longer_patterns_first_and_match_whole_paths() -> None:
    resources = parse_resources(
        {r"/api/*": {"origins": ["https://a.example"]}, r"/api/public/*": {"origins": "*"}},
        {},
    )
    assert resources[0].policy.any_origin
    assert resources[0].matches("/api/public/x")
    assert resources[1].matches("/api/private")
    assert not resources[1].matches("/other/api/x")


def test_literal_paths_are_exact_and_tried_before_patterns() -> None:
    resources = parse_resources(
        {r"/api/*": {"origins": "*"}, "/api/me": {"origins": ["https://a.example"]}}, {}
    )
    assert not resources[0].policy.any_origin
    assert resources[0].matches("/api/me")
    assert not resources[0].matches("/api/mex")
    assert not parse_resources("/feed.json", {})[0].matches("/feed-json")
    # Resource keys are regular expressions, as Flask-CORS documents them.
    assert parse_resources(r"/api/.+", {})[0].matches("/api/x")


@pytest.mark.parametrize("setting", ["methods", "expose_headers"])
def test_a_string_of_names_sent_as_written_must_not_break_the_header(setting: str) -> None:
    assert CorsPolicy.from_options(methods="post,get").methods == "POST,GET"
    with pytest.raises(ConfigurationError, match="not a header name"):
        CorsPolicy.from_options(**{setting: "GET\r\n,POST"})


def test_max_age_takes_a_timedelta_and_a_malformed_header_request_is_dropped() -> None:
    from datetime import timedelta

    policy = CorsPolicy.from_options(origins="https://a.example", max_age=timedelta(minutes=5))
    headers = dict(policy.preflight_headers("https://a.example", "GET", "x-ok, ,bad header"))
    assert headers["Access-Control-Max-Age"] == "300"
    assert headers["Access-Control-Allow-Headers"] == "x-ok"
    assert "Access-Control-Allow-Headers" not in dict(
        policy.preflight_headers("https://a.example", "GET", "bad header")
    )


def test_credentials_are_announced_on_preflights_and_responses() -> None:
    policy = CorsPolicy.from_options(origins=["https://a.example"], supports_credentials=True)
    assert ("Access-Control-Allow-Credentials", "true") in policy.preflight_headers(
        "https://a.example", None, None
    )
    assert policy.response_headers(None) == []


def test_an_origin_that_is_not_a_string_or_list_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="a string, a regex or a list"):
        CorsPolicy.from_options(origins=3)


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        ({"/api/*": "https://a.example"}, "must be a dict of options"),
        (3, "path regex, a list or a dict"),
        ("/api/(", "not a valid path regular expression"),
        ([5], "must be path regexes"),
        ({5: {}}, "must be path regexes"),
    ],
)
def test_malformed_resources_are_refused(resources: object, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as refused:
        parse_resources(resources, {})
    assert isinstance(refused.value, ValueError)


def test_resources_may_be_a_list_a_compiled_regex_or_an_anchored_pattern() -> None:
    listed = parse_resources(["/a/*", re.compile(r"/b/\d+")], {"origins": "https://x.example"})
    assert {resource.pattern.pattern for resource in listed} == {r"(?:/a(?:/.*)?)\Z", r"/b/\d+"}
    below_a = next(resource for resource in listed if resource.matches("/a/x"))
    assert below_a.matches("/a")
    assert not below_a.matches("/ab")
    inner = parse_resources(r"/a/*/items", {})[0]
    assert inner.matches("/a/1/items")
    assert not inner.matches("/a/1/other")
    anchored = parse_resources(r"^/c$", {})
    assert anchored[0].matches("/c")
    assert not anchored[0].matches("/c/d")
    assert parse_resources(None, {})[0].matches("/anything")
    assert parse_resources({"*": {}}, {})[0].matches("/any/path")


def test_unknown_options_are_refused_with_the_list_of_options() -> None:
    with pytest.raises(ConfigurationError, match="Unknown CORS option"):
        CorsPolicy.from_options(supports_credential=True)


def test_response_headers_carry_credentials_and_exposed_headers() -> None:
    policy = CorsPolicy.from_options(
        origins=["https://a.example"],
        supports_credentials=True,
        expose_headers=["X-Total", "X-Page"],
    )
    assert dict(policy.response_headers("https://a.example")) == {
        "Access-Control-Allow-Origin": "https://a.example",
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Expose-Headers": "X-Page, X-Total",
    }
    assert policy.response_headers("https://b.example") == []
    assert policy.preflight_headers("https://b.example", "GET", None) == []


def test_private_network_access_is_granted_only_when_allowed_and_asked() -> None:
    allowed = CorsPolicy.from_options(origins=["https://a.example"], allow_private_network=True)
    granted = dict(allowed.preflight_headers("https://a.example", "GET", None, "true"))
    assert granted["Access-Control-Allow-Private-Network"] == "true"
    unasked = dict(allowed.preflight_headers("https://a.example", "GET", None))
    assert "Access-Control-Allow-Private-Network" not in unasked
    default = CorsPolicy.from_options(origins=["https://a.example"])
    refused = dict(default.preflight_headers("https://a.example", "GET", None, "true"))
    assert refused["Access-Control-Allow-Private-Network"] == "false"
