"""``flask_limiter.contrib.util``: the Cloudflare key function, and ``Limiter.initialized``."""

from __future__ import annotations

from typing import Any

from hipflask import Hipflask
from hipflask.limiter import Limiter
from hipflask.limiter.contrib.util import get_remote_address_cloudflare

PEER = {"REMOTE_ADDR": "198.51.100.9"}


def _limited(app: Hipflask) -> Limiter:
    limiter = Limiter(get_remote_address_cloudflare, app=app, default_limits=["1 per minute"])

    @app.get("/")
    def index() -> str:
        return get_remote_address_cloudflare()

    return limiter


def test_each_cloudflare_client_address_has_its_own_budget(app: Hipflask, client: Any) -> None:
    _limited(app)
    first = {"CF-Connecting-IP": "203.0.113.5"}
    second = {"CF-Connecting-IP": "203.0.113.6"}
    answered = client.get("/", headers=first, environ_base=PEER)
    assert answered.get_data(as_text=True) == "203.0.113.5"
    assert client.get("/", headers=first, environ_base=PEER).status_code == 429
    # The same peer (Cloudflare's edge) for both: the header tells them apart.
    assert client.get("/", headers=second, environ_base=PEER).status_code == 200


def test_a_request_without_the_header_counts_against_its_peer(app: Hipflask, client: Any) -> None:
    _limited(app)
    answered = client.get("/", environ_base=PEER)
    assert answered.status_code == 200
    assert answered.get_data(as_text=True) == "198.51.100.9"
    assert client.get("/", environ_base=PEER).status_code == 429


def test_initialized_tells_whether_init_app_set_the_limiter_up() -> None:
    limiter = Limiter()
    assert limiter.initialized is False
    limiter.init_app(Hipflask(__name__))
    assert limiter.initialized is True
    off = Hipflask(__name__)
    off.config["RATELIMIT_ENABLED"] = False
    disabled = Limiter()
    disabled.init_app(off)
    assert disabled.initialized is False
