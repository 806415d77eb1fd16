"""``flask_limiter.constants``: the settings' names and the enums, as Flask-Limiter has them."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Hipflask
from hipflask.limiter import ExemptionScope as PackageExemptionScope
from hipflask.limiter import HeaderNames as PackageHeaderNames
from hipflask.limiter import Limiter
from hipflask.limiter.constants import ConfigVars
from hipflask.limiter.constants import ExemptionScope
from hipflask.limiter.constants import HeaderNames


def test_the_enums_are_the_package_s() -> None:
    assert ExemptionScope is PackageExemptionScope
    assert HeaderNames is PackageHeaderNames


@pytest.mark.parametrize(
    ("attribute", "setting"),
    [
        ("ENABLED", "RATELIMIT_ENABLED"),
        ("STORAGE_URI", "RATELIMIT_STORAGE_URI"),
        ("DEFAULT_LIMITS", "RATELIMIT_DEFAULT"),
        ("APPLICATION_LIMITS", "RATELIMIT_APPLICATION"),
        ("META_LIMITS", "RATELIMIT_META"),
        ("HEADERS_ENABLED", "RATELIMIT_HEADERS_ENABLED"),
        ("HEADER_LIMIT", "RATELIMIT_HEADER_LIMIT"),
        ("HEADER_RETRY_AFTER_VALUE", "RATELIMIT_HEADER_RETRY_AFTER_VALUE"),
        ("KEY_FUNC", "RATELIMIT_KEY_FUNC"),
        ("FAIL_ON_FIRST_BREACH", "RATELIMIT_FAIL_ON_FIRST_BREACH"),
    ],
)
def test_config_vars_name_the_settings(attribute: str, setting: str) -> None:
    assert getattr(ConfigVars, attribute) == setting


def test_settings_given_by_their_constants_apply(app: Hipflask, client: Any) -> None:
    app.config[ConfigVars.DEFAULT_LIMITS] = "1 per minute"
    app.config[ConfigVars.HEADER_LIMIT] = "X-Quota"
    Limiter(app)

    @app.get("/")
    def index() -> str:
        return "ok"

    first = client.get("/")
    assert first.headers["X-Quota"] == "1"
    assert client.get("/").status_code == 429
