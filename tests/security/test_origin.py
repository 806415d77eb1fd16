from __future__ import annotations

from typing import Any

import pytest
from werkzeug.datastructures import EnvironHeaders
from werkzeug.datastructures import Headers

from hipflask.errors import ConfigurationError
from hipflask.security.origin import REASON_CROSS_SITE
from hipflask.security.origin import REASON_NULL_ORIGIN
from hipflask.security.origin import REASON_ORIGIN_MISMATCH
from hipflask.security.origin import REASON_SAME_SITE
from hipflask.security.origin import SAFE_METHODS
from hipflask.security.origin import OriginPolicy

HOST = "bank.example"
EVIL = "https://evil.example"
PARTNER = "https://partner.example"

CROSS_SITE_POST = REASON_CROSS_SITE.format(method="POST")
SAME_SITE_POST = REASON_SAME_SITE.format(method="POST")
NULL_POST = REASON_NULL_ORIGIN.format(method="POST")
MISMATCH_POST = REASON_ORIGIN_MISMATCH.format(method="POST")


def check(
    headers: dict[str, str],
    method: str = "POST",
    scheme: str = "https",
    host: str = HOST,
    **config: Any,
) -> str | None:
    policy = OriginPolicy.from_config(config)
    return policy.check(method, Headers(headers), scheme, host)


# --- Fetch Metadata -------------------------------------------------------


def test_cross_site_form_post_is_refused() -> None:
    # What a hidden auto-submitting form on evil.example makes the browser send.
    headers = {
        "Sec-Fetch-Site": "cross-site",
        "Sec-Fetch-Mode": "navigate",
        "Origin": EVIL,
        "Content-Type": "application/x-www-form-urlencoded",
    }

    assert check(headers) == CROSS_SITE_POST
    assert CROSS_SITE_POST == "Cross-site POST refused: Sec-Fetch-Site is 'cross-site'."


def test_cross_site_post_whose_origin_was_hidden_is_refused() -> None:
    assert check({"Sec-Fetch-Site": "cross-site"}) == CROSS_SITE_POST
    assert check({"Sec-Fetch-Site": "cross-site", "Origin": "null"}) == CROSS_SITE_POST


def test_same_site_subdomain_attack_is_refused() -> None:
    # XSS or a takeover on a sibling subdomain shares the site, not the origin.
    headers = {"Sec-Fetch-Site": "same-site", "Origin": "https://forum.bank.example"}

    assert check(headers) == SAME_SITE_POST


def test_same_site_request_from_a_trusted_sibling_passes() -> None:
    headers = {"Sec-Fetch-Site": "same-site", "Origin": "https://app.bank.example"}

    assert check(headers, TRUSTED_ORIGINS=["https://APP.bank.example:443"]) is None


def test_cross_site_request_from_a_trusted_origin_passes() -> None:
    headers = {"Sec-Fetch-Site": "cross-site", "Origin": PARTNER}

    assert check(headers, TRUSTED_ORIGINS=[PARTNER]) is None


def test_trusting_one_origin_does_not_trust_another() -> None:
    headers = {
        "Sec-Fetch-Site": "cross-site",
        "Origin": "https://partner.example.evil.example",
    }

    assert check(headers, TRUSTED_ORIGINS=[PARTNER]) == CROSS_SITE_POST


@pytest.mark.parametrize("site", ["same-origin", "none"])
def test_same_origin_and_user_initiated_requests_pass(site: str) -> None:
    assert check({"Sec-Fetch-Site": site, "Origin": f"https://{HOST}"}) is None


def test_fetch_metadata_is_read_case_insensitively_from_environ_headers() -> None:
    environ = {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": EVIL}

    refusal = OriginPolicy().check("POST", EnvironHeaders(environ), "https", HOST)

    assert refusal == CROSS_SITE_POST


def test_unknown_fetch_site_value_falls_back_to_the_origin_check() -> None:
    # Browsers only send four values; anything else is a non-browser client,
    # which gets the same Origin rules as one that sends no Fetch Metadata.
    assert check({"Sec-Fetch-Site": "Cross-Site", "Origin": EVIL}) == MISMATCH_POST
    assert check({"Sec-Fetch-Site": "weird", "Origin": f"https://{HOST}"}) is None
    assert check({"Sec-Fetch-Site": "weird"}) is None


# --- safe methods ---------------------------------------------------------


@pytest.mark.parametrize("method", sorted(SAFE_METHODS))
def test_safe_methods_always_pass(method: str) -> None:
    headers = {"Sec-Fetch-Site": "cross-site", "Origin": "null"}

    assert check(headers, method=method) is None


def test_safe_methods_are_exactly_the_rfc_ones() -> None:
    assert frozenset({"GET", "HEAD", "OPTIONS", "TRACE"}) == SAFE_METHODS


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_every_unsafe_method_is_checked_and_named(method: str) -> None:
    refusal = check({"Sec-Fetch-Site": "cross-site"}, method=method)

    assert refusal == REASON_CROSS_SITE.format(method=method)


def test_lowercase_method_is_not_mistaken_for_a_safe_one() -> None:
    assert check({"Sec-Fetch-Site": "cross-site"}, method="get") == (
        REASON_CROSS_SITE.format(method="request")
    )


def test_attacker_chosen_method_is_not_echoed_in_the_reason() -> None:
    refusal = check({"Sec-Fetch-Site": "cross-site"}, method="<SCRIPT>ALERT(1)")

    assert refusal == "Cross-site request refused: Sec-Fetch-Site is 'cross-site'."


# --- Origin, when there is no Fetch Metadata ------------------------------


def test_request_without_fetch_metadata_or_origin_passes() -> None:
    # curl, server-to-server calls and test clients carry no victim's cookies.
    assert check({}) is None
    assert check({"Content-Type": "application/json"}, method="DELETE") is None


def test_null_origin_is_refused() -> None:
    # Sandboxed iframes and file: pages send "null" to hide where they are.
    assert check({"Origin": "null"}) == NULL_POST


def test_matching_origin_passes() -> None:
    assert check({"Origin": f"https://{HOST}"}) is None
    assert check({"Origin": "http://localhost:5000"}, scheme="http", host="localhost:5000") is None


def test_foreign_origin_is_refused() -> None:
    assert check({"Origin": EVIL}) == MISMATCH_POST


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("https://bank.example:8443", HOST),
        ("https://bank.example", "bank.example:8443"),
        ("https://bank.example:4443", "bank.example:443"),
        ("https://bank.example:80", HOST),
    ],
)
def test_origin_on_another_port_is_refused(origin: str, host: str) -> None:
    assert check({"Origin": origin}, host=host) == MISMATCH_POST


@pytest.mark.parametrize(
    ("origin", "scheme"),
    [("http://bank.example", "https"), ("https://bank.example", "http")],
)
def test_origin_with_another_scheme_is_refused(origin: str, scheme: str) -> None:
    # A plain-HTTP page can be injected by anyone on the network path.
    assert check({"Origin": origin}, scheme=scheme) == MISMATCH_POST


@pytest.mark.parametrize(
    ("origin", "scheme", "host"),
    [
        ("https://bank.example", "https", "bank.example:443"),
        ("http://bank.example", "http", "bank.example:80"),
        ("https://bank.example:443", "https", HOST),
        ("https://bank.example", "HTTPS", HOST),
        ("https://[::1]:8443", "https", "[::1]:8443"),
    ],
)
def test_default_ports_and_case_do_not_cause_false_refusals(
    origin: str, scheme: str, host: str
) -> None:
    assert check({"Origin": origin}, scheme=scheme, host=host) is None


@pytest.mark.parametrize(
    "origin",
    ["https://BANK.example", "HTTPS://BANK.EXAMPLE", "https://Bank.Example:443"],
)
def test_uppercase_origin_matches_the_same_host(origin: str) -> None:
    assert check({"Origin": origin}, host="bank.EXAMPLE") is None


@pytest.mark.parametrize(
    "origin",
    [
        "https://BANK.EXAMPLE.evil.example",
        "https://bank.example.evil.example",
        "https://evil-bank.example",
        "https://bank.example@evil.example",
        "https://bank.exampl",
        "https://bank.example/",
        "bank.example",
        "https://bank.example:443.evil.example",
    ],
)
def test_lookalike_origins_are_refused(origin: str) -> None:
    assert check({"Origin": origin}, host="BANK.example") == MISMATCH_POST


def test_trusted_origin_passes_without_fetch_metadata() -> None:
    assert check({"Origin": PARTNER}, TRUSTED_ORIGINS=[PARTNER]) is None


def test_trusted_origin_is_matched_after_normalising_the_request_origin() -> None:
    assert check({"Origin": "HTTPS://Partner.example:443"}, TRUSTED_ORIGINS=[PARTNER]) is None


def test_trusted_origin_on_another_port_is_not_trusted() -> None:
    headers = {"Origin": "https://partner.example:8443"}

    assert check(headers, TRUSTED_ORIGINS=[PARTNER]) == MISMATCH_POST


# --- turning it off -------------------------------------------------------


def test_disabled_policy_lets_everything_through() -> None:
    policy = OriginPolicy.from_config({"CROSS_ORIGIN_PROTECTION": False})

    assert policy.is_enabled is False
    assert policy.check("POST", Headers({"Sec-Fetch-Site": "cross-site"}), "https", HOST) is None
    assert policy.check("POST", Headers({"Origin": "null"}), "https", HOST) is None


def test_empty_config_means_protection_on_and_nothing_trusted() -> None:
    policy = OriginPolicy.from_config({"SECRET_KEY": "unrelated"})

    assert policy.is_enabled is True
    assert policy.trusted_origins == frozenset()


# --- TRUSTED_ORIGINS at start-up ------------------------------------------


@pytest.mark.parametrize(
    ("entry", "normalised"),
    [
        ("https://partner.example", "https://partner.example"),
        ("HTTPS://Partner.EXAMPLE:443/", "https://partner.example"),
        ("http://partner.example:80", "http://partner.example"),
        ("http://partner.example:443", "http://partner.example:443"),
        ("https://partner.example:8443", "https://partner.example:8443"),
        ("https://[0:0::1]:8443", "https://[::1]:8443"),
        ("https://b\u00fccher.example", "https://xn--bcher-kva.example"),
        ("chrome-extension://abcdefghijklmnop", "chrome-extension://abcdefghijklmnop"),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
    ],
)
def test_trusted_origins_are_normalised_at_start_up(entry: str, normalised: str) -> None:
    policy = OriginPolicy.from_config({"TRUSTED_ORIGINS": [entry]})

    assert policy.trusted_origins == frozenset({normalised})


def test_trusted_origins_accept_any_iterable() -> None:
    policy = OriginPolicy(trusted_origins=(o for o in [PARTNER, "https://b.example"]))

    assert policy.trusted_origins == frozenset({PARTNER, "https://b.example"})


@pytest.mark.parametrize(
    "entry",
    [
        "partner.example",
        "//partner.example",
        "https://",
        "https://partner.example/app",
        "https://partner.example?x=1",
        "https://partner.example?",
        "https://partner.example#top",
        "https://user:pass@partner.example",
        "https://*.partner.example",
        "https://partner.example:99999",
        "https://partner.example:https",
        "https://[::1",
        "https://[zz]",
        "https://[127.0.0.1]",
        "https://[v1.partner]",
        "https://a..example",
        "null",
        "NULL",
        " https://partner.example",
        "https://partner.example\r\n",
        "https://part\tner.example",
        42,
        None,
    ],
)
def test_malformed_trusted_origin_is_refused(entry: Any) -> None:
    with pytest.raises(ConfigurationError, match="TRUSTED_ORIGINS"):
        OriginPolicy.from_config({"TRUSTED_ORIGINS": [entry]})


@pytest.mark.parametrize("value", ["https://partner.example", b"https://x", None, 3])
def test_trusted_origins_must_be_a_list(value: Any) -> None:
    with pytest.raises(ConfigurationError, match="TRUSTED_ORIGINS must be a list"):
        OriginPolicy.from_config({"TRUSTED_ORIGINS": value})


@pytest.mark.parametrize("value", ["false", 0, None])
def test_protection_switch_must_be_a_bool(value: Any) -> None:
    with pytest.raises(ConfigurationError, match="CROSS_ORIGIN_PROTECTION"):
        OriginPolicy.from_config({"CROSS_ORIGIN_PROTECTION": value})


@pytest.mark.parametrize(
    "values",
    [
        [("Sec-Fetch-Site", "same-origin"), ("Sec-Fetch-Site", "cross-site")],
        [("Sec-Fetch-Site", "same-origin, cross-site")],
        [("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Site", "same-origin")],
    ],
    ids=["separate", "joined", "cross-site-first"],
)
def test_any_cross_site_value_among_repeats_is_refused(values: list[tuple[str, str]]) -> None:
    assert check(headers=values) == REASON_CROSS_SITE.format(method="POST")


def test_repeated_trusted_fetch_site_values_with_a_foreign_origin_fall_to_the_origin() -> None:
    headers = [
        ("Sec-Fetch-Site", "same-origin"),
        ("Sec-Fetch-Site", "none"),
        ("Origin", "https://evil.example"),
    ]

    assert check(headers=headers) is not None


def test_repeated_origins_match_no_origin() -> None:
    headers = [("Origin", "https://example.com"), ("Origin", "https://evil.example")]

    assert check(headers=headers, host="example.com", scheme="https") is not None


def test_repeated_identical_fetch_site_values_are_one_value() -> None:
    assert (
        check(headers=[("Sec-Fetch-Site", "same-origin"), ("Sec-Fetch-Site", "same-origin")])
        is None
    )


@pytest.mark.parametrize(
    ("fetch_site", "expected"),
    [
        (" same-origin ", None),
        ("cross-site", CROSS_SITE_POST),
        ("same-origin, cross-site", CROSS_SITE_POST),
        ("", MISMATCH_POST),
    ],
)
def test_one_fetch_site_value_is_judged_as_the_environ_carries_it(
    fetch_site: str, expected: str | None
) -> None:
    environ = {"HTTP_SEC_FETCH_SITE": fetch_site, "HTTP_ORIGIN": EVIL}

    assert OriginPolicy().check("POST", EnvironHeaders(environ), "https", HOST) == expected
