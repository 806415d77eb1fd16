"""The reqparse input types: accepted values and the messages of refused ones."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from hipflask.restful import inputs


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("On", True),
        ("1", True),
        (True, True),
        ("false", False),
        ("0", False),
        ("no", False),
        (1, True),
        (0, False),
        (" true ", True),
    ],
)
def test_boolean_accepts(value: object, expected: bool) -> None:
    assert inputs.boolean(value) is expected


@pytest.mark.parametrize("value", ["maybe", "", None, "2"])
def test_boolean_refuses(value: object) -> None:
    with pytest.raises(ValueError):
        inputs.boolean(value)


def test_natural_and_positive() -> None:
    assert inputs.natural("0") == 0
    assert inputs.positive("3") == 3
    with pytest.raises(ValueError, match=r"Invalid age: -1\. age must be a non-negative integer"):
        inputs.natural("-1", "age")
    with pytest.raises(ValueError, match="must be a positive integer"):
        inputs.positive("0")
    with pytest.raises(ValueError, match="x is not a valid integer"):
        inputs.positive("x")


def test_int_range_includes_both_ends() -> None:
    check = inputs.int_range(1, 3, argument="stars")
    assert check("1") == 1
    assert check(3) == 3
    with pytest.raises(
        ValueError, match=r"Invalid stars: 4\. stars must be within the range 1 - 3"
    ):
        check("4")


def test_regex_for_emails() -> None:
    email = inputs.regex(r"^[^@\s]+@[^@\s]+\.[a-z]+$")
    assert email("ann@example.org") == "ann@example.org"
    with pytest.raises(ValueError, match="Value does not match pattern"):
        email("not-an-email")


def test_url() -> None:
    assert inputs.url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    with pytest.raises(ValueError, match=r"Did you mean: http://example\.org"):
        inputs.url("example.org")
    with pytest.raises(ValueError, match="is not a valid URL"):
        inputs.url("javascript:alert(1)")
    for good in ("http://localhost:5000/x", "http://127.0.0.1", "https://[::1]/", "ftp://x.org"):
        assert inputs.url(good) == good
    for bad in (
        "http://exa mple.org",
        "http://",
        "http://a.b",
        "http://x.org:99999",
        "mailto:a@b.io",
    ):
        with pytest.raises(ValueError, match="is not a valid URL"):
            inputs.url(bad)


def test_url_refuses_user_information_parsers_read_differently() -> None:
    # Two "@" (or a ":" in the password) split into user and host one way
    # here and another way in the library that later fetches the URL.
    for bad in (
        "http://@evil.test:x@example.com",
        "http://user@evil.test@example.com",
        "http://:secret@example.com",
        "http://user:pass:word@example.com",
    ):
        with pytest.raises(ValueError, match="is not a valid URL"):
            inputs.url(bad)
    for good in ("http://user:@example.com", "https://user:pass@example.com:8443/x"):
        assert inputs.url(good) == good


def test_url_refuses_what_clients_split_at_another_host() -> None:
    # urlsplit reads the host after the "@"; urllib3 (requests) and browsers
    # end the authority at the backslash, and keep a leading control
    # character that urlsplit drops.
    for bad in (
        "http://evil.test\\@example.com/",
        "http://evil.test\\example.com/",
        "\x01http://evil.test/",
        "http://example.com/\x00",
        "http://exam\x7fple.com/",
    ):
        with pytest.raises(ValueError, match="is not a valid URL"):
            inputs.url(bad)
    assert inputs.url("http://example.com/a\\b") == "http://example.com/a\\b"


def test_url_hints_at_the_scheme_only_for_what_it_would_make_valid() -> None:
    with pytest.raises(ValueError, match=r"Did you mean: http://user:pw@example\.com/p\?q"):
        inputs.url("user:pw@example.com/p?q")
    with pytest.raises(ValueError, match=r"is not a valid URL$"):
        inputs.url("javascript:alert(1)")


def test_date() -> None:
    assert inputs.date("2024-05-31") == datetime(2024, 5, 31)
    with pytest.raises(ValueError, match="does not match format"):
        inputs.date("2024-13-01")


def test_datetime_from_iso8601_is_aware() -> None:
    assert inputs.datetime_from_iso8601("2024-05-31T10:00:00Z") == datetime(
        2024, 5, 31, 10, tzinfo=timezone.utc
    )
    assert inputs.datetime_from_iso8601("2024-05-31T10:00:00").tzinfo is timezone.utc
    with pytest.raises(ValueError, match='Delimiter "T" is not in combined date time string'):
        inputs.datetime_from_iso8601("2024-05-31")
    with pytest.raises(ValueError, match="not a valid ISO 8601"):
        inputs.datetime_from_iso8601("2024-05-31T25:00")


def test_datetime_from_rfc822() -> None:
    assert inputs.datetime_from_rfc822("Sat, 01 Jun 2024 10:00:00 -0000") == datetime(
        2024, 6, 1, 10, tzinfo=timezone.utc
    )
    eastern = inputs.datetime_from_rfc822("Wed, 02 Oct 2002 08:00:00 EST")
    assert eastern.tzinfo is timezone.utc
    assert (eastern.hour, eastern.utcoffset()) == (13, timedelta(0))
    with pytest.raises(ValueError, match="Invalid date literal"):
        inputs.datetime_from_rfc822("soon")


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("2013-01-01", datetime(2013, 1, 1), datetime(2013, 1, 2)),
        ("2013-01-01T12", datetime(2013, 1, 1, 12), datetime(2013, 1, 1, 13)),
        ("2013-01-01T12:30:15", datetime(2013, 1, 1, 12, 30, 15), datetime(2013, 1, 1, 12, 30, 16)),
        ("2013-01-01/2013-02-28", datetime(2013, 1, 1), datetime(2013, 2, 28)),
        ("2013-01-01/P3D", datetime(2013, 1, 1), datetime(2013, 1, 4)),
        ("2013-01-01T12:00/PT30M", datetime(2013, 1, 1, 12), datetime(2013, 1, 1, 12, 30)),
        ("2013-01-01T12:00+02:00", datetime(2013, 1, 1, 10), datetime(2013, 1, 1, 10, 1)),
        ("2013-02-01/2013-01-01", datetime(2013, 1, 1), datetime(2013, 2, 1)),
        # Fractions of a second are kept; the span is still one second.
        (
            "2013-01-01T12:30:45.5",
            datetime(2013, 1, 1, 12, 30, 45, 500000),
            datetime(2013, 1, 1, 12, 30, 46, 500000),
        ),
        (
            "2013-01-01T12:30:45.25/2013-01-01T12:30:46.75",
            datetime(2013, 1, 1, 12, 30, 45, 250000),
            datetime(2013, 1, 1, 12, 30, 46, 750000),
        ),
        (
            "2013-01-01T12:30:45,123Z/PT1S",
            datetime(2013, 1, 1, 12, 30, 45, 123000),
            datetime(2013, 1, 1, 12, 30, 46, 123000),
        ),
        # duration/end.
        ("PT1H/2013-01-01T12:00", datetime(2013, 1, 1, 11), datetime(2013, 1, 1, 12)),
        ("P2D/2013-01-03", datetime(2013, 1, 1), datetime(2013, 1, 3)),
        # A reduced date is its first day, as Flask-RESTful answers it.
        ("2013-01", datetime(2013, 1, 1), datetime(2013, 1, 2)),
        ("2013", datetime(2013, 1, 1), datetime(2013, 1, 2)),
    ],
)
def test_iso8601interval(value: str, start: datetime, end: datetime) -> None:
    utc = timezone.utc
    assert inputs.iso8601interval(value) == (start.replace(tzinfo=utc), end.replace(tzinfo=utc))


@pytest.mark.parametrize(
    "value",
    ["bad", "2013-01-01/P", "2013-13-01", "2013-01-01T25", "2013-01T12", "P1D/P2D", "2013-00"],
)
def test_iso8601interval_refuses(value: str) -> None:
    with pytest.raises(ValueError, match="must be a valid ISO8601 date/time interval"):
        inputs.iso8601interval(value, "period")
