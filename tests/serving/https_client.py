"""Client-side helpers shared by the tests that talk to real servers over HTTPS."""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request

#: Seconds a test waits on a socket before failing instead of hanging.
IO_TIMEOUT = 10.0


def fetch(url: str, context: ssl.SSLContext | None = None) -> tuple[int, str]:
    """GET ``url``: the status and the text, for error statuses too."""
    try:
        with urllib.request.urlopen(url, timeout=IO_TIMEOUT, context=context) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def pinned(cert_pem: str | bytes) -> ssl.SSLContext:
    """A verifying client context trusting exactly this certificate (or CA)."""
    text = cert_pem.decode() if isinstance(cert_pem, bytes) else cert_pem
    return ssl.create_default_context(cadata=text)
