from __future__ import annotations

import contextlib
import ssl
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from hipflask.errors import ConfigurationError
from hipflask.serving.tls.adhoc import make_adhoc_certificate
from hipflask.serving.tls.context import ALPN_HTTP2
from hipflask.serving.tls.context import load_ssl_context
from hipflask.serving.tls.context import make_adhoc_context
from hipflask.serving.tls.context import make_server_context
from hipflask.serving.tls.local_ca import LocalCA

if TYPE_CHECKING:
    from conftest import HandshakeRunner


@pytest.fixture
def leaf(ca: LocalCA) -> tuple[Path, Path]:
    return ca.issue()


@pytest.fixture
def server_context(leaf: tuple[Path, Path]) -> ssl.SSLContext:
    return make_server_context(*leaf)


def _trusting(ca: LocalCA) -> ssl.SSLContext:
    """A client as strict as Python 3.13's default, trusting only the local CA."""
    context = ssl.create_default_context(cafile=str(ca.cert_path))
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    return context


def _unverified_client(
    version: ssl.TLSVersion | None = None, ciphers: str | None = None
) -> ssl.SSLContext:
    # Legacy versions are deprecated in ssl and off at OpenSSL's default security
    # level; a test client playing an old browser has to re-enable both.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.set_ciphers(ciphers or "DEFAULT:@SECLEVEL=0")
        if version is not None:
            context.minimum_version = version
            context.maximum_version = version
    return context


def _permissive_server(leaf: tuple[Path, Path]) -> ssl.SSLContext:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
        context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    context.load_cert_chain(*leaf)
    return context


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# -- protocol policy ----------------------------------------------------------


def test_server_context_requires_tls_1_2_or_later(
    server_context: ssl.SSLContext,
) -> None:
    assert server_context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert server_context.options & ssl.OP_NO_COMPRESSION
    assert server_context.options & ssl.OP_NO_RENEGOTIATION


@pytest.mark.parametrize("version", ["TLSv1", "TLSv1_1"])
def test_server_context_refuses_legacy_tls(
    version: str,
    leaf: tuple[Path, Path],
    server_context: ssl.SSLContext,
    handshake: HandshakeRunner,
) -> None:
    legacy = ssl.TLSVersion[version]
    client = _unverified_client(legacy)
    probe = handshake(_permissive_server(leaf), client)
    if not probe.succeeded:
        pytest.skip(f"this OpenSSL cannot negotiate {version} at all: {probe}")

    refused = handshake(server_context, client)

    assert isinstance(refused.client_error, ssl.SSLError)
    assert isinstance(refused.server_error, ssl.SSLError)
    assert refused.server_error.reason == "UNSUPPORTED_PROTOCOL"
    assert refused.received == b""


@pytest.mark.parametrize(
    ("version", "name"),
    [(ssl.TLSVersion.TLSv1_2, "TLSv1.2"), (ssl.TLSVersion.TLSv1_3, "TLSv1.3")],
)
def test_server_context_accepts_tls_1_2_and_1_3(
    version: ssl.TLSVersion,
    name: str,
    server_context: ssl.SSLContext,
    handshake: HandshakeRunner,
) -> None:
    result = handshake(server_context, _unverified_client(version))

    assert result.succeeded, result
    assert result.version == name
    assert result.received == b"hello"


def test_tls_1_2_negotiates_a_forward_secret_aead_suite(
    server_context: ssl.SSLContext, handshake: HandshakeRunner
) -> None:
    result = handshake(server_context, _unverified_client(ssl.TLSVersion.TLSv1_2))

    assert result.cipher is not None
    assert result.cipher.startswith("ECDHE-")
    assert "GCM" in result.cipher or "CHACHA20" in result.cipher


def test_a_tls_1_2_client_offering_only_cbc_suites_is_refused(
    server_context: ssl.SSLContext, handshake: HandshakeRunner
) -> None:
    client = _unverified_client(
        ssl.TLSVersion.TLSv1_2, ciphers="ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA"
    )

    result = handshake(server_context, client)

    assert isinstance(result.client_error, ssl.SSLError)
    assert result.received == b""


def test_alpn_offers_http_1_1_unless_http_2_is_asked_for(
    leaf: tuple[Path, Path], handshake: HandshakeRunner
) -> None:
    client = _unverified_client()
    client.set_alpn_protocols(["h2", "http/1.1"])

    default = handshake(make_server_context(*leaf), client)
    http2 = handshake(make_server_context(*leaf, alpn_protocols=ALPN_HTTP2), client)
    without = handshake(make_server_context(*leaf, alpn_protocols=None), client)

    assert default.alpn == "http/1.1"
    assert http2.alpn == "h2"
    assert without.alpn is None


# -- verification by a client that trusts the local CA ------------------------


@pytest.mark.parametrize("server_hostname", ["localhost", "127.0.0.1"])
def test_a_client_trusting_the_local_ca_verifies_the_leaf_and_hostname(
    server_hostname: str,
    ca: LocalCA,
    server_context: ssl.SSLContext,
    handshake: HandshakeRunner,
) -> None:
    client = _trusting(ca)
    assert client.check_hostname
    assert client.verify_mode == ssl.CERT_REQUIRED

    result = handshake(server_context, client, server_hostname=server_hostname)

    assert result.succeeded, result
    assert result.received == b"hello"


def test_a_verifying_client_rejects_a_hostname_the_leaf_does_not_name(
    ca: LocalCA, server_context: ssl.SSLContext, handshake: HandshakeRunner
) -> None:
    result = handshake(server_context, _trusting(ca), server_hostname="example.com")

    assert isinstance(result.client_error, ssl.SSLCertVerificationError)
    assert "Hostname mismatch" in str(result.client_error)


def test_a_client_that_does_not_trust_the_local_ca_rejects_its_leaf(
    server_context: ssl.SSLContext, handshake: HandshakeRunner, tmp_path: Path
) -> None:
    stranger = LocalCA(tmp_path / "stranger")
    stranger.create()

    result = handshake(server_context, _trusting(stranger))

    assert isinstance(result.client_error, ssl.SSLCertVerificationError)


def test_a_client_with_the_adhoc_certificate_pinned_verifies_it(
    tmp_path: Path, handshake: HandshakeRunner
) -> None:
    cert_pem, key_pem = make_adhoc_certificate()
    server = make_server_context(
        _write(tmp_path / "cert.pem", cert_pem), _write(tmp_path / "key.pem", key_pem)
    )
    client = ssl.create_default_context(cadata=cert_pem.decode())

    result = handshake(server, client, server_hostname="localhost")

    assert result.succeeded, result


# -- adhoc contexts -----------------------------------------------------------


def test_adhoc_context_serves_a_localhost_certificate_and_leaves_no_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, handshake: HandshakeRunner
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    context = make_adhoc_context()

    assert list(tmp_path.iterdir()) == []
    result = handshake(context, _unverified_client())
    assert result.peer_certificate is not None
    served = x509.load_der_x509_certificate(result.peer_certificate)
    alt_names = served.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert alt_names.value.get_values_for_type(x509.DNSName) == ["localhost"]
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2


# -- load_ssl_context ---------------------------------------------------------


def test_load_ssl_context_returns_a_given_context_untouched() -> None:
    mine = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)

    assert load_ssl_context(mine) is mine


def test_load_ssl_context_adhoc_adds_the_given_names(
    handshake: HandshakeRunner,
) -> None:
    context = load_ssl_context("adhoc", names=["myapp.test"])

    result = handshake(context, _unverified_client())
    assert result.peer_certificate is not None
    served = x509.load_der_x509_certificate(result.peer_certificate)
    alt_names = served.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert alt_names.value.get_values_for_type(x509.DNSName) == [
        "localhost",
        "myapp.test",
    ]


def test_load_ssl_context_local_sets_up_the_ca_in_hipflask_ca_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, handshake: HandshakeRunner
) -> None:
    monkeypatch.setenv("HIPFLASK_CA_DIR", str(tmp_path / "ca"))

    context = load_ssl_context("local", names=["myapp.test"])

    ca = LocalCA(tmp_path / "ca")
    assert ca.exists
    result = handshake(context, _trusting(ca), server_hostname="myapp.test")
    assert result.succeeded, result


@pytest.mark.parametrize("shape", [tuple, list])
def test_load_ssl_context_accepts_a_cert_and_key_pair(
    shape: type, leaf: tuple[Path, Path], ca: LocalCA, handshake: HandshakeRunner
) -> None:
    context = load_ssl_context(shape(str(path) for path in leaf))

    assert handshake(context, _trusting(ca)).succeeded


@pytest.mark.parametrize(
    "spec",
    ["bogus", "", None, 42, True, ("only-one.pem",), ("a.pem", "b.pem", "c.pem")],
)
def test_load_ssl_context_refuses_anything_else_and_lists_what_works(
    spec: object,
) -> None:
    with pytest.raises(ConfigurationError, match=r"'adhoc'.*'local'.*tuple"):
        load_ssl_context(spec)  # type: ignore[arg-type]


def test_a_missing_certificate_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"certificate file .*absent\.pem"):
        load_ssl_context((tmp_path / "absent.pem", tmp_path / "key.pem"))


def test_a_missing_key_file_is_named(leaf: tuple[Path, Path], tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"key file .*absent-key\.pem"):
        load_ssl_context((leaf[0], tmp_path / "absent-key.pem"))


def test_a_certificate_file_that_is_not_pem_is_named(
    leaf: tuple[Path, Path], tmp_path: Path
) -> None:
    junk = _write(tmp_path / "junk.pem", b"not a certificate")

    with pytest.raises(ConfigurationError, match=r"junk\.pem does not hold a PEM cert"):
        make_server_context(junk, leaf[1])


def test_a_key_file_that_is_not_pem_is_named(leaf: tuple[Path, Path], tmp_path: Path) -> None:
    junk = _write(tmp_path / "junk-key.pem", b"not a key")

    with pytest.raises(ConfigurationError, match=r"junk-key\.pem does not hold a PEM"):
        make_server_context(leaf[0], junk)


def test_a_key_for_another_certificate_is_reported_as_a_mismatch(
    ca: LocalCA, tmp_path: Path
) -> None:
    cert_path, _key_path = ca.issue()
    _other_cert, other_key = ca.issue(["other.test"])

    with pytest.raises(ConfigurationError, match="does not belong to the certificate"):
        make_server_context(cert_path, other_key)


def test_a_key_of_another_type_is_a_mismatch_without_openssl_internals(
    ca: LocalCA, tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    cert_path, _key_path = ca.issue()
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pkcs1 = _write(
        tmp_path / "rsa-key.pem",
        rsa_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ),
    )

    with pytest.raises(ConfigurationError) as caught:
        make_server_context(cert_path, pkcs1)
    message = str(caught.value)
    assert "does not belong to the certificate" in message
    assert "NO_CERTIFICATE_ASSIGNED" not in message
    assert "KEY_VALUES_MISMATCH" not in message
    assert "(" not in message


def test_an_encrypted_key_is_refused_without_prompting_for_a_passphrase(
    leaf: tuple[Path, Path], tmp_path: Path
) -> None:
    key = serialization.load_pem_private_key(leaf[1].read_bytes(), password=None)
    encrypted = _write(
        tmp_path / "encrypted-key.pem",
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        ),
    )

    with pytest.raises(ConfigurationError, match=r"encrypted-key\.pem.*passphrase"):
        make_server_context(leaf[0], encrypted)


def test_a_combined_certificate_and_key_file_is_enough(
    leaf: tuple[Path, Path], ca: LocalCA, tmp_path: Path, handshake: HandshakeRunner
) -> None:
    combined = _write(tmp_path / "combined.pem", leaf[0].read_bytes() + leaf[1].read_bytes())

    context = make_server_context(combined)

    assert handshake(context, _trusting(ca)).succeeded


def _handshake(server: ssl.SSLContext, client: ssl.SSLContext) -> None:
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    back_in, back_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    client_side = client.wrap_bio(back_in, outgoing, server_hostname="localhost")
    server_side = server.wrap_bio(incoming, back_out, server_side=True)
    for _ in range(10):
        for side in (client_side, server_side):
            with contextlib.suppress(ssl.SSLWantReadError):
                side.do_handshake()
        incoming.write(outgoing.read())
        back_in.write(back_out.read())
    client_side.do_handshake()


def _client(group: str | None = None) -> ssl.SSLContext:
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    if group is not None:
        client.set_ecdh_curve(group)
    return client


@pytest.mark.parametrize("group", ["secp521r1", "X448"])
def test_key_exchange_outside_mozillas_intermediate_profile_is_refused(group: str) -> None:
    with pytest.raises(ssl.SSLError):
        _handshake(make_adhoc_context(), _client(group))


def test_a_default_client_completes_the_handshake() -> None:
    _handshake(make_adhoc_context(), _client())
