"""The local CA vouches only for server certificates of local names, and says so."""

from __future__ import annotations

import contextlib
import ssl

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from hipflask.errors import ConfigurationError
from hipflask.serving.tls import LocalCA


def test_the_ca_certificate_allows_server_authentication_only(ca: LocalCA) -> None:
    usage = ca.load_certificate().extensions.get_extension_for_class(x509.ExtendedKeyUsage)

    assert list(usage.value) == [ExtendedKeyUsageOID.SERVER_AUTH]


def test_the_ca_certificate_constrains_names_to_local_ones(ca: LocalCA) -> None:
    constraints = ca.load_certificate().extensions.get_extension_for_class(x509.NameConstraints)

    assert constraints.critical
    permitted = {str(entry.value) for entry in constraints.value.permitted_subtrees or []}
    assert {"localhost", "test", "127.0.0.0/8", "192.168.0.0/16", "::1/128"} <= permitted
    assert "com" not in permitted


@pytest.mark.parametrize("name", ["bank.example.com", "8.8.8.8", "*.example.org", "2001:db8::1"])
def test_a_public_name_is_refused_before_signing(ca: LocalCA, name: str) -> None:
    with pytest.raises(ConfigurationError, match="only vouches for local names"):
        ca.issue([name])


@pytest.mark.parametrize(
    "names", [["myapp.test"], ["api.myapp.test", "*.myapp.test"], ["192.168.1.20", "fe80::1"]]
)
def test_local_names_are_signed(ca: LocalCA, names: list[str]) -> None:
    cert_path, _key_path = ca.issue(names)

    assert cert_path.exists()


def test_openssl_accepts_a_leaf_within_the_constraints(ca: LocalCA) -> None:
    cert_path, key_path = ca.issue(["myapp.test"])
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(ca.cert_path))
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    back_in, back_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    client_side = client.wrap_bio(back_in, outgoing, server_hostname="myapp.test")
    server_side = server.wrap_bio(incoming, back_out, server_side=True)

    for _ in range(10):
        for side in (client_side, server_side):
            with contextlib.suppress(ssl.SSLWantReadError):
                side.do_handshake()
        incoming.write(outgoing.read())
        back_in.write(back_out.read())
    client_side.do_handshake()  # raises if the chain was refused

    assert client_side.version() is not None
