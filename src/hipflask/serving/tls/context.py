"""Server-side TLS contexts with a policy that needs no tuning.

Every context made here refuses TLS 1.0 and 1.1 (deprecated by RFC 8996: weak
hashes in the handshake, BEAST-era CBC constructions) and, for TLS 1.2, offers
only forward-secret AEAD suites. TLS 1.3 suites are OpenSSL's defaults, which are
all sound. :func:`load_ssl_context` turns whatever ``app.run(ssl_context=...)``
received into such a context.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterable
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from ...errors import ConfigurationError
from .adhoc import DEFAULT_HOSTNAMES
from .adhoc import make_adhoc_certificate
from .local_ca import LocalCA
from .scratch import make_private_folder
from .scratch import remove_private_folder

__all__ = [
    "ALPN_HTTP1",
    "ALPN_HTTP2",
    "TLS12_CIPHERS",
    "SSLContextSpec",
    "load_ssl_context",
    "make_adhoc_context",
    "make_server_context",
]

#: What ``app.run(ssl_context=...)`` and ``hipflask run --cert`` accept.
SSLContextSpec = str | tuple[str | os.PathLike[str], str | os.PathLike[str]] | ssl.SSLContext

#: Advertise only what the server speaks: a client offered ``h2`` by a server
#: that then answers in HTTP/1.1 fails the whole connection.
ALPN_HTTP1: tuple[str, ...] = ("http/1.1",)
ALPN_HTTP2: tuple[str, ...] = ("h2", "http/1.1")

#: TLS 1.2 suites: ECDHE only (forward secrecy: a stolen key cannot decrypt
#: recorded traffic), AEAD only (no CBC padding oracles such as Lucky13).
TLS12_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20"

_FILE_HINT = (
    " Pass existing files as ssl_context=(cert_path, key_path), or use 'adhoc'"
    " or 'local' for development."
)


class _EncryptedKeyError(ConfigurationError):
    pass


def _refuse_passphrase() -> str:
    # Without a callback OpenSSL would prompt on the terminal and hang a server
    # started by a supervisor; refusing names the problem instead.
    raise _EncryptedKeyError(
        "The TLS private key is encrypted with a passphrase, which a server cannot"
        " type at start-up. Decrypt it (for example with the `cryptography`"
        " package) into a file only the server's user can read."
    )


def _require_file(path: str | os.PathLike[str], what: str) -> Path:
    file = Path(path)
    if not file.is_file():
        raise ConfigurationError(f"The TLS {what} file {file} does not exist.{_FILE_HINT}")
    return file


def _diagnose(cert: Path, key: Path) -> ConfigurationError:
    """Say which file is wrong: OpenSSL's own message is usually just 'PEM lib'."""
    try:
        x509.load_pem_x509_certificates(cert.read_bytes())
    except ValueError:
        return ConfigurationError(
            f"The TLS certificate file {cert} does not hold a PEM certificate"
            " (it should start with '-----BEGIN CERTIFICATE-----')."
        )
    try:
        serialization.load_pem_private_key(key.read_bytes(), password=None)
    except TypeError:
        return _EncryptedKeyError(f"The TLS key file {key} is encrypted.")
    except (ValueError, UnsupportedAlgorithm):
        return ConfigurationError(
            f"The TLS key file {key} does not hold a PEM private key"
            " (it should contain '-----BEGIN PRIVATE KEY-----' or similar)."
        )
    # OpenSSL's reason (KEY_VALUES_MISMATCH, NO_CERTIFICATE_ASSIGNED...) names
    # its internals, not the user's files; the error is chained for debugging.
    return ConfigurationError(
        f"The TLS key {key} does not belong to the certificate {cert}. Give the"
        " key the certificate was issued for: the two are made together."
    )


#: The key exchange group of contexts made here: one of Mozilla's intermediate
#: profile (X25519, P-256, P-384), and the one every TLS stack supports.
KEY_EXCHANGE_GROUP = "prime256v1"


def _limit_key_exchange(context: ssl.SSLContext) -> None:
    """Offer only a key exchange group of Mozilla's intermediate profile.

    OpenSSL's default list adds X448 and P-521, which the profile leaves out.
    This Python's ``ssl`` can set a single group only (``set_ecdh_curve``),
    so the universally supported P-256 is the one; a client that prefers
    X25519 is asked once for P-256 instead (a HelloRetryRequest).
    """
    context.set_ecdh_curve(KEY_EXCHANGE_GROUP)


def make_server_context(
    certfile: str | os.PathLike[str],
    keyfile: str | os.PathLike[str] | None = None,
    *,
    alpn_protocols: Sequence[str] | None = ALPN_HTTP1,
) -> ssl.SSLContext:
    """Build a server context from a certificate (chain) and its key.

    ``keyfile`` may be left out when the key sits in ``certfile``. Pass
    :data:`ALPN_HTTP2` as ``alpn_protocols`` only for a server that speaks
    HTTP/2. Any problem with the files is a :class:`ConfigurationError` naming
    the file at fault, raised at start-up rather than at the first handshake.
    """
    cert = _require_file(certfile, "certificate")
    key = _require_file(keyfile, "key") if keyfile is not None else cert
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # No compression: CRIME/BREACH-style attacks read secrets from compressed
    # sizes. No renegotiation: a client-triggered renegotiation flood costs the
    # server a handshake each. Server preference: the client cannot steer the
    # choice to its weakest suite.
    context.options |= (
        ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION | ssl.OP_CIPHER_SERVER_PREFERENCE
    )
    context.set_ciphers(TLS12_CIPHERS)
    _limit_key_exchange(context)
    if alpn_protocols:
        context.set_alpn_protocols(list(alpn_protocols))
    try:
        context.load_cert_chain(cert, key, password=_refuse_passphrase)
    except _EncryptedKeyError as exc:
        raise _EncryptedKeyError(f"{key}: {exc}") from None
    except ssl.SSLError as exc:
        raise _diagnose(cert, key) from exc
    except OSError as exc:
        raise ConfigurationError(
            f"Cannot read the TLS files {cert} and {key}: {exc.strerror}."
            " Make them readable by the user the server runs as."
        ) from exc
    return context


def make_adhoc_context(
    hostnames: Iterable[str] = DEFAULT_HOSTNAMES,
    *,
    alpn_protocols: Sequence[str] | None = ALPN_HTTP1,
) -> ssl.SSLContext:
    """Build a server context around a fresh throwaway certificate.

    ``ssl`` loads keys only from files, so the key spends a moment in a private
    temporary directory (owner-only, created fresh so nothing can be planted in
    it) and is deleted as soon as OpenSSL has read it.
    """
    cert_pem, key_pem = make_adhoc_certificate(hostnames)
    # A folder of :mod:`~hipflask.serving.tls.scratch`: one left by a process
    # killed in this short window is swept by a later start, as the
    # production server's are.
    directory = make_private_folder()
    try:
        paths = []
        for name, data in (("cert.pem", cert_pem), ("key.pem", key_pem)):
            path = directory / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as stream:
                stream.write(data)
            paths.append(path)
        return make_server_context(paths[0], paths[1], alpn_protocols=alpn_protocols)
    finally:
        remove_private_folder(directory)


def _is_path(value: object) -> bool:
    return isinstance(value, (str, os.PathLike))


def load_ssl_context(
    spec: SSLContextSpec,
    *,
    names: Iterable[str] = (),
    alpn_protocols: Sequence[str] | None = ALPN_HTTP1,
) -> ssl.SSLContext:
    """Turn an ``ssl_context`` argument into a server context.

    Accepted: ``"adhoc"`` (a throwaway self-signed certificate), ``"local"`` (a
    leaf from the local CA, created or renewed as needed), a ``(cert, key)`` pair
    of paths, or a ready :class:`ssl.SSLContext`, returned untouched since its
    owner chose its policy. ``names`` adds host names or addresses to the
    ``adhoc`` and ``local`` certificates, for a server reached by more than
    ``localhost``.
    """
    if isinstance(spec, ssl.SSLContext):
        return spec
    if spec == "adhoc":
        return make_adhoc_context([*DEFAULT_HOSTNAMES, *names], alpn_protocols=alpn_protocols)
    if spec == "local":
        cert, key = LocalCA().ensure_leaf(names)
        return make_server_context(cert, key, alpn_protocols=alpn_protocols)
    if isinstance(spec, (tuple, list)) and len(spec) == 2 and all(map(_is_path, spec)):
        return make_server_context(spec[0], spec[1], alpn_protocols=alpn_protocols)
    raise ConfigurationError(
        f"ssl_context={spec!r} is not understood. Use 'adhoc' (throwaway"
        " certificate), 'local' (certificate from the local CA), a (cert_path,"
        " key_path) tuple, or an ssl.SSLContext."
    )
