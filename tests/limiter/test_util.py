"""Key functions: the client address as the app's proxy trust resolves it."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Hipflask
from hipflask.limiter.util import get_ipaddr
from hipflask.limiter.util import get_remote_address

FORGED = {"X-Forwarded-For": "1.2.3.4"}
PEER = {"REMOTE_ADDR": "198.51.100.9"}


@pytest.mark.parametrize("key_func", [get_remote_address, get_ipaddr])
def test_a_client_s_own_x_forwarded_for_is_ignored(app: Hipflask, key_func: object) -> None:
    with app.test_request_context("/", environ_base=PEER, headers=FORGED):
        assert key_func() == "198.51.100.9"  # type: ignore[operator]


def test_a_trusted_proxy_s_x_forwarded_for_is_used(app: Hipflask, client: Any) -> None:
    app.config["PROXY_FIX"] = 1

    @app.get("/")
    def index() -> str:
        return f"{get_remote_address()} {get_ipaddr()}"

    response = client.get("/", headers=FORGED, environ_base=PEER)
    assert response.get_data(as_text=True) == "1.2.3.4 1.2.3.4"


def test_no_address_at_all_counts_as_loopback(app: Hipflask) -> None:
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": ""}):
        assert get_remote_address() == "127.0.0.1"
