"""The CORS policy: options checked at start-up, headers decided per origin."""

from __future__ import annotations

import re

import pytest

from hipflask.errors import ConfigurationError
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
        ({"origins": "(unclosed"}, "regular expression"),
        ({"expose_headers": ["X-A\r\nSet-Cookie: a=b"]}, "not a header name"),
        ({"max_age": "ten"}, "max_age"),
        ({"origins": [3]}, "strings"),
    ],
)
def test_unsafe_or_malformed_options_are_refused(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        CorsPolicy.from_options(**options)


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
