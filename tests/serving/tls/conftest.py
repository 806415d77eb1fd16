from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from hipflask.serving.tls.local_ca import LocalCA

_IO_TIMEOUT = 10.0  # a hung handshake fails the test instead of blocking the run


@dataclass
class Handshake:
    """What each end of one TLS connection saw."""

    client_error: Exception | None = None
    server_error: Exception | None = None
    version: str | None = None
    cipher: str | None = None
    alpn: str | None = None
    peer_certificate: bytes | None = None
    received: bytes = b""

    @property
    def succeeded(self) -> bool:
        return self.client_error is None and self.server_error is None


HandshakeRunner = Callable[..., Handshake]


def _serve_once(listener: socket.socket, context: ssl.SSLContext, result: Handshake) -> None:
    try:
        connection, _address = listener.accept()
        with connection:
            connection.settimeout(_IO_TIMEOUT)
            with context.wrap_socket(connection, server_side=True) as tls:
                tls.sendall(b"hello")
    except Exception as exc:
        result.server_error = exc


def _connect(
    port: int, context: ssl.SSLContext, server_hostname: str | None, result: Handshake
) -> None:
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=_IO_TIMEOUT) as raw,
            context.wrap_socket(raw, server_hostname=server_hostname) as tls,
        ):
            result.received = tls.recv(5)
            cipher = tls.cipher()
            result.cipher = cipher[0] if cipher else None
            result.version = tls.version()
            result.alpn = tls.selected_alpn_protocol()
            result.peer_certificate = tls.getpeercert(binary_form=True)
    except Exception as exc:
        result.client_error = exc


def run_handshake(
    server_context: ssl.SSLContext,
    client_context: ssl.SSLContext,
    server_hostname: str | None = "localhost",
) -> Handshake:
    """Connect a client to a one-shot TLS server on 127.0.0.1 and report both ends."""
    result = Handshake()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(_IO_TIMEOUT)
        port = listener.getsockname()[1]
        server = threading.Thread(target=_serve_once, args=(listener, server_context, result))
        server.start()
        try:
            _connect(port, client_context, server_hostname, result)
        finally:
            server.join(_IO_TIMEOUT)
    return result


@pytest.fixture
def handshake() -> HandshakeRunner:
    return run_handshake


@pytest.fixture
def ca(tmp_path: Path) -> LocalCA:
    authority = LocalCA(tmp_path / "ca")
    authority.create()
    return authority
