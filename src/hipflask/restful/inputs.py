"""Argument types for :mod:`hipflask.restful.reqparse` (``flask_restful.inputs``).

Each is a callable ``type=`` for :meth:`RequestParser.add_argument`: it takes
the raw value (and, for the ones whose messages name it, the argument's name)
and returns the converted value or raises :class:`ValueError`, whose message
becomes the 400 response's entry for that argument.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "boolean",
    "date",
    "datetime_from_iso8601",
    "datetime_from_rfc822",
    "int_range",
    "iso8601interval",
    "natural",
    "positive",
    "regex",
    "url",
]

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def boolean(value: Any) -> bool:
    """``true/1/yes/on`` and ``false/0/no/off`` (any case); a JSON bool as is."""
    if isinstance(value, bool):
        return value
    if value is None or value == "":
        raise ValueError("boolean type must be non-null")
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"Invalid literal for boolean(): {value}")


def _integer(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value} is not a valid integer") from None


def natural(value: Any, argument: str = "argument") -> int:
    """An integer >= 0."""
    number = _integer(value)
    if number < 0:
        raise ValueError(f"Invalid {argument}: {value}. {argument} must be a non-negative integer")
    return number


def positive(value: Any, argument: str = "argument") -> int:
    """An integer >= 1."""
    number = _integer(value)
    if number < 1:
        raise ValueError(f"Invalid {argument}: {value}. {argument} must be a positive integer")
    return number


class int_range:
    """An integer within ``low`` and ``high``, both included."""

    def __init__(self, low: int, high: int, argument: str = "argument") -> None:
        self.low = low
        self.high = high
        self.argument = argument

    def __call__(self, value: Any) -> int:
        condition = f"within the range {self.low} - {self.high}"
        number = _integer(value)
        if not self.low <= number <= self.high:
            raise ValueError(
                f"Invalid {self.argument}: {value}. {self.argument} must be {condition}"
            )
        return number


class regex:
    """A string matching a pattern (an e-mail shape, a slug …), returned unchanged."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.re = re.compile(pattern, flags)

    def __call__(self, value: Any) -> str:
        if not isinstance(value, str) or not self.re.search(value):
            raise ValueError(f'Value does not match pattern: "{self.pattern}"')
        return value

    def __deepcopy__(self, memo: dict[int, Any]) -> regex:
        # Compiled patterns used not to be copyable; RequestParser.copy deep-copies.
        return regex(self.pattern, self.re.flags)


def url(value: Any) -> str:
    """An absolute ``http``/``https``/``ftp`` URL with a real host, returned unchanged.

    The host must be ``localhost``, an IP address or a dotted domain name; a
    URL with whitespace or another scheme (``javascript:``) is refused, and
    so is user information that parsers read differently (a second ``@``, an
    empty user name, a ``:`` in the password): one checked here and fetched
    by another library could reach another host. A value that would be
    valid after ``http://`` gets that hint in its error.
    """
    if _is_valid_url(value):
        return str(value)
    if isinstance(value, str) and "://" not in value and _is_valid_url(f"http://{value}"):
        raise ValueError(f"{value} is not a valid URL. Did you mean: http://{value}")
    raise ValueError(f"{value} is not a valid URL")


def _is_valid_url(value: Any) -> bool:
    if not isinstance(value, str) or _WHITESPACE.search(value) or _CONTROL.search(value):
        # urlsplit drops a leading control character that other clients keep.
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return False
    if "\\" in parts.netloc:
        # "http://evil.test\\@good.test/": urlsplit reads the host after the
        # "@", urllib3 and browsers read it before the backslash.
        return False
    userinfo, at, _address = parts.netloc.rpartition("@")
    return (
        parts.scheme.lower() in {"http", "https", "ftp", "ftps"}
        and _valid_host(host)
        and (not at or _valid_userinfo(userinfo))
    )


def _valid_userinfo(userinfo: str) -> bool:
    user, _colon, password = userinfo.partition(":")
    return bool(user) and "@" not in userinfo and ":" not in password


_WHITESPACE = re.compile(r"\s")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DOMAIN = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})\.?$"
)


def _valid_host(host: str) -> bool:
    if host == "localhost" or _DOMAIN.match(host):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def date(value: Any) -> datetime:
    """An ISO 8601 date (``2024-05-31``), as a midnight :class:`~datetime.datetime`."""
    return datetime.strptime(str(value), "%Y-%m-%d")


def datetime_from_iso8601(value: Any) -> datetime:
    """An ISO 8601 date-time, time-zone aware; a bare one is taken as UTC."""
    text = str(value).strip()
    if "T" not in text.upper():
        raise ValueError(f'Delimiter "T" is not in combined date time string "{value}".')
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value} is not a valid ISO 8601 date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def datetime_from_rfc822(value: Any) -> datetime:
    """An RFC 822 date-time (``Sat, 01 Jun 2024 10:00:00 -0000``), in UTC.

    Converted to UTC, as Flask-RESTful returns it (``EST`` 08:00 is 13:00).
    """
    try:
        moment = parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        raise ValueError(f'Invalid date literal "{value}"') from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


# A calendar date, possibly reduced to its month or year ("2013-01", "2013"),
# and with a full date a time (to the hour, minute, second or a fraction of a
# second, "." or "," marking it) and a zone.
_POINT = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:[Tt](?P<hour>\d{2})(?::?(?P<minute>\d{2})"
    r"(?::?(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?)?)?"
    r"(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?)?)?$"
)
_DURATION = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def iso8601interval(value: Any, argument: str = "argument") -> tuple[datetime, datetime]:
    """An ISO 8601 interval as ``(start, end)`` in UTC, end exclusive.

    A single date or date-time spans its finest unit, up to a day:
    ``2013-01-01`` is that whole day, ``2013-01-01T12`` that hour,
    ``2013-01-01T12:30:45.5`` the second from 45.5 s. A date reduced to its
    month or year (``2013-01``, ``2013``) is its first day, as Flask-RESTful
    (and the "up to the day" of its documentation) has it. ``start/end``,
    ``start/duration`` and ``duration/end`` are accepted (``2013-01-01/P3D``,
    ``2013-01-01T12:00/PT30M``, ``PT1H/2013-01-01T12:00``). Fractions of a
    second are kept. A year counts 365 days and a month 30; a time without a
    zone is UTC.
    """
    try:
        text = str(value).strip()
        first, slash, second = text.partition("/")
        if not slash:
            start, resolution = _point(first)
            return start, start + resolution
        leading = _duration(first)
        if leading is not None:
            end = _point(second)[0]
            start = end - leading
        else:
            start = _point(first)[0]
            duration = _duration(second)
            end = start + duration if duration is not None else _point(second)[0]
    except (ValueError, OverflowError):
        raise ValueError(
            f"Invalid {argument}: {value}. {argument} must be a valid ISO8601 date/time interval."
        ) from None
    return (start, end) if start <= end else (end, start)


def _point(text: str) -> tuple[datetime, timedelta]:
    """A moment in UTC and the length of its finest given unit (at most a day)."""
    match = _POINT.match(text)
    if match is None:
        raise ValueError(text)
    parts = [match["hour"], match["minute"], match["second"]]
    given = [int(part) for part in parts if part is not None]
    hour, minute, second = (*given, 0, 0, 0)[:3]
    # Microseconds from the fraction's first six digits ("5" is 500000).
    micro = int((match["fraction"] or "").ljust(6, "0")[:6])
    moment = datetime(
        int(match["year"]),
        int(match["month"] or 1),
        int(match["day"] or 1),
        hour,
        minute,
        second,
        micro,
    )
    zone = match["zone"]
    if zone and zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
        moment = (moment - sign * offset).replace(tzinfo=timezone.utc)
    else:
        moment = moment.replace(tzinfo=timezone.utc)
    units = (timedelta(days=1), timedelta(hours=1), timedelta(minutes=1), timedelta(seconds=1))
    return moment, units[len(given)]


def _duration(text: str) -> timedelta | None:
    if not text.startswith("P"):
        return None
    match = _DURATION.match(text)
    if match is None or text in ("P", "PT") or text.endswith("T"):
        raise ValueError(text)
    amounts = {key: float(number) for key, number in match.groupdict().items() if number}
    return timedelta(
        days=amounts.get("years", 0) * 365
        + amounts.get("months", 0) * 30
        + amounts.get("weeks", 0) * 7
        + amounts.get("days", 0),
        hours=amounts.get("hours", 0),
        minutes=amounts.get("minutes", 0),
        seconds=amounts.get("seconds", 0),
    )
