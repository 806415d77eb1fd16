"""The errors of rate-limit settings: the classes ``limits`` raises, and hipflask's."""

from __future__ import annotations

import limits.errors
import pytest

from hipflask.errors import ConfigurationError
from hipflask.security.ratelimit_errors import RateLimitConfigurationError
from hipflask.security.ratelimit_errors import RateLimitStringError


@pytest.mark.parametrize(
    ("error", "theirs"),
    [
        (RateLimitConfigurationError, limits.errors.ConfigurationError),
        (RateLimitStringError, ValueError),
    ],
)
def test_each_error_is_caught_as_limits_and_as_hipflask_error(
    error: type[Exception], theirs: type[Exception]
) -> None:
    with pytest.raises(theirs, match="what to write"):
        raise error("what to write")
    with pytest.raises(ConfigurationError):
        raise error("what to write")
