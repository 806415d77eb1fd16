"""Flask-Session's types hipflask does not provide are refused at init, with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import SECRET

from hipflask import Hipflask
from hipflask.errors import ConfigurationError
from hipflask.sessions import Session


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("memcached", "drops entries before they expire"),
        ("mongodb", "no MongoDB store"),
        ("dynamodb", "no DynamoDB store"),
        ("MongoDB", "no MongoDB store"),
    ],
)
def test_a_type_without_a_store_is_refused_at_init_with_the_type_to_use(
    tmp_path: Path, kind: str, reason: str
) -> None:
    app = Hipflask("refused", instance_path=str(tmp_path))
    app.config.update(SECRET_KEY=SECRET, SESSION_TYPE=kind)

    with pytest.raises(ConfigurationError, match=reason) as caught:
        Session(app)
    message = str(caught.value)
    assert message.startswith(f"SESSION_TYPE {kind!r} is not supported for sessions.")
    assert "Use SESSION_TYPE = 'redis'" in message
    # Nothing was installed: the app keeps its cookie sessions.
    assert type(app.session_interface).__name__ == "SecureCookieSessionInterface"
