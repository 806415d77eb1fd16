from __future__ import annotations

import datetime
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID

from hipflask.errors import ConfigurationError
from hipflask.serving.tls.adhoc import make_adhoc_certificate
from hipflask.serving.tls.adhoc import server_certificate_builder
from hipflask.serving.tls.adhoc import subject_alt_names


def _load(cert_pem: bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(cert_pem)


def _alt_names(certificate: x509.Certificate) -> x509.SubjectAlternativeName:
    return certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value


def test_adhoc_certificate_and_key_are_a_matching_pem_pair() -> None:
    cert_pem, key_pem = make_adhoc_certificate()

    assert cert_pem.startswith(b"-----BEGIN CERTIFICATE-----")
    assert key_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert key.public_key() == _load(cert_pem).public_key()


def test_adhoc_certificate_names_localhost_and_loopback_addresses_as_ip_entries() -> None:
    alt_names = _alt_names(_load(make_adhoc_certificate()[0]))

    assert alt_names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert alt_names.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    ]


def test_adhoc_certificate_uses_the_given_hostnames() -> None:
    alt_names = _alt_names(_load(make_adhoc_certificate(["myapp.test", "10.0.0.7"])[0]))

    assert alt_names.get_values_for_type(x509.DNSName) == ["myapp.test"]
    assert alt_names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("10.0.0.7")]


def test_adhoc_certificate_is_a_server_certificate_that_cannot_sign_others() -> None:
    extensions = _load(make_adhoc_certificate()[0]).extensions

    constraints = extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical
    assert constraints.value.ca is False
    usage = extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert not usage.value.key_cert_sign
    assert not usage.value.key_encipherment  # an EC key never does key transport
    extended = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(extended) == [ExtendedKeyUsageOID.SERVER_AUTH]


def test_adhoc_certificate_is_valid_now_for_between_one_and_thirty_days() -> None:
    certificate = _load(make_adhoc_certificate()[0])
    now = datetime.datetime.now(datetime.timezone.utc)

    assert certificate.not_valid_before_utc <= now < certificate.not_valid_after_utc
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert datetime.timedelta(days=1) <= lifetime <= datetime.timedelta(days=30)


def test_adhoc_certificate_is_self_signed_with_key_identifiers() -> None:
    certificate = _load(make_adhoc_certificate()[0])

    certificate.verify_directly_issued_by(certificate)
    subject_key_id = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    authority_key_id = certificate.extensions.get_extension_for_class(
        x509.AuthorityKeyIdentifier
    ).value
    assert authority_key_id.key_identifier == subject_key_id.digest


def test_each_adhoc_certificate_has_a_new_key() -> None:
    first_key = make_adhoc_certificate()[1]
    second_key = make_adhoc_certificate()[1]

    assert first_key != second_key


def test_subject_alt_names_detects_ipv4_and_ipv6_including_bracketed_form() -> None:
    assert subject_alt_names(["192.168.1.20", "[fe80::1]", "::1"]) == [
        x509.IPAddress(ipaddress.ip_address("192.168.1.20")),
        x509.IPAddress(ipaddress.ip_address("fe80::1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]


def test_subject_alt_names_lowercases_and_drops_repeats() -> None:
    assert subject_alt_names(["MyApp.Test", "myapp.test.", " myapp.test "]) == [
        x509.DNSName("myapp.test")
    ]


def test_subject_alt_names_accepts_wildcards_and_encodes_international_names() -> None:
    assert subject_alt_names(["*.myapp.test", "bücher.test"]) == [
        x509.DNSName("*.myapp.test"),
        x509.DNSName("xn--bcher-kva.test"),
    ]


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "two words",
        "-leading.test",
        "a..b",
        "under*score.test",
        "1.2.3",
        "x" * 64,
    ],
)
def test_subject_alt_names_refuses_what_is_neither_host_nor_address(name: str) -> None:
    with pytest.raises(ConfigurationError, match="cannot go into a certificate"):
        subject_alt_names([name])


def test_adhoc_certificate_needs_at_least_one_name() -> None:
    with pytest.raises(ConfigurationError, match="at least one host name"):
        make_adhoc_certificate([])


def test_server_certificate_for_an_rsa_key_also_allows_key_encipherment() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rsa test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        server_certificate_builder(
            key.public_key(),
            ["localhost"],
            subject=subject,
            not_before=now,
            not_after=now + datetime.timedelta(days=1),
        )
        .issuer_name(subject)
        .sign(key, hashes.SHA256())
    )

    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.key_encipherment
