"""What the login throttle counts as an attempt, and how it answers one refused."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import TooManyRequests

from hipflask.login.throttle import LoginThrottle

from .conftest import build_app


@pytest.mark.parametrize("as_json", [True, False])
def test_a_refusal_answers_in_the_format_it_is_told(as_json: bool) -> None:
    app = build_app(LOGIN_THROTTLE_PER_USER="1/minute")
    throttle = LoginThrottle(app.config)
    throttle.check(("alice",), "192.0.2.1", as_json=as_json)
    with pytest.raises(TooManyRequests) as refused:
        throttle.check(("alice",), "192.0.2.1", as_json=as_json)
    content_type = dict(refused.value.get_headers())["Content-Type"]
    assert (content_type == "application/json") is as_json
