"""hipflask serve's limits: safe defaults, checked values, mapped onto granian and the app."""

from __future__ import annotations

import pytest

from hipflask.errors import ConfigurationError
from hipflask.serving.limits import DEFAULT_BACKPRESSURE
from hipflask.serving.limits import ServerLimits
from hipflask.serving.limits import raise_open_file_limit


def test_defaults_bound_headers_and_bodies() -> None:
    limits = ServerLimits()

    assert 0 < limits.header_timeout <= 30
    assert 0 < limits.body_timeout <= 30
    assert limits.body_min_rate > 0


def test_granian_gets_the_header_timeout_in_milliseconds_and_keep_alive() -> None:
    options = ServerLimits(header_timeout=1.5, keep_alive=False, backpressure=64).granian_options()

    assert options["http1_settings"].header_read_timeout == 1500
    assert options["http1_settings"].keep_alive is False
    assert options["backpressure"] == 64


def test_backpressure_defaults_high_within_the_open_file_limit() -> None:
    # granian's own default (1024) counts idle connections too: a client
    # reopening that many silent connections kept a worker unreachable.
    import resource

    backpressure = ServerLimits().granian_options()["backpressure"]
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)

    assert 1024 < backpressure <= DEFAULT_BACKPRESSURE or soft < DEFAULT_BACKPRESSURE + 512
    assert backpressure <= soft - 512 or soft == resource.RLIM_INFINITY


def test_the_open_file_limit_is_raised_to_the_hard_limit() -> None:
    import resource

    soft = raise_open_file_limit()
    _now, hard = resource.getrlimit(resource.RLIMIT_NOFILE)

    assert soft == hard or hard == resource.RLIM_INFINITY


def test_the_body_settings_go_to_the_app() -> None:
    config: dict[str, object] = {}

    ServerLimits(body_timeout=2.5, body_min_rate=10, send_timeout=7).apply_to(config)

    assert config == {"BODY_READ_TIMEOUT": 2.5, "BODY_MIN_RATE": 10, "RESPONSE_SEND_TIMEOUT": 7}


@pytest.mark.parametrize(
    "options",
    [{"header_timeout": 0}, {"header_timeout": 61}, {"body_timeout": 0}, {"body_min_rate": -1}],
)
def test_impossible_values_are_refused(options: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        ServerLimits(**options)  # type: ignore[arg-type]
