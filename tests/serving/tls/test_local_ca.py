from __future__ import annotations

import datetime
import ipaddress
import os
import stat
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID

from hipflask.errors import ConfigurationError
from hipflask.serving.tls.local_ca import MAX_LEAF_DAYS
from hipflask.serving.tls.local_ca import LocalCA
from hipflask.serving.tls.local_ca import default_ca_dir

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX-only")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _certificate(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _names(path: Path) -> set[str]:
    alt_names = (
        _certificate(path).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    )
    return {str(value) for value in alt_names.get_values_for_type(x509.DNSName)} | {
        str(value) for value in alt_names.get_values_for_type(x509.IPAddress)
    }


def _far_future(cert_path: Path) -> datetime.datetime:
    return _certificate(cert_path).not_valid_after_utc + datetime.timedelta(days=1)


# -- where the CA lives -------------------------------------------------------


def test_default_ca_dir_prefers_hipflask_ca_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HIPFLASK_CA_DIR", str(tmp_path / "mine"))

    assert default_ca_dir() == tmp_path / "mine"
    assert LocalCA().path == tmp_path / "mine"


def test_default_ca_dir_on_linux_follows_xdg_data_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HIPFLASK_CA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(sys, "platform", "linux")

    assert default_ca_dir() == tmp_path / "data" / "hipflask" / "ca"


def test_default_ca_dir_on_linux_ignores_a_relative_xdg_data_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HIPFLASK_CA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", "relative/data")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(sys, "platform", "linux")

    assert default_ca_dir() == Path.home() / ".local" / "share" / "hipflask" / "ca"


def test_default_ca_dir_on_macos_is_application_support(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HIPFLASK_CA_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(sys, "platform", "darwin")

    expected = Path.home() / "Library" / "Application Support" / "hipflask" / "ca"
    assert default_ca_dir() == expected


def test_default_ca_dir_on_windows_is_under_local_app_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HIPFLASK_CA_DIR", raising=False)
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))
    monkeypatch.setattr(sys, "platform", "win32")

    assert default_ca_dir() == tmp_path / "Local" / "hipflask" / "ca"


# -- the CA -------------------------------------------------------------------


@posix_only
def test_create_writes_an_owner_only_key_in_an_owner_only_directory(
    tmp_path: Path,
) -> None:
    ca = LocalCA(tmp_path / "ca")

    assert ca.create() is True

    assert ca.exists
    assert _mode(ca.path) == 0o700
    assert _mode(ca.key_path) == 0o600
    assert _mode(ca.cert_path) == 0o644


def test_create_is_idempotent_and_keeps_the_first_ca(tmp_path: Path) -> None:
    ca = LocalCA(tmp_path / "ca")
    ca.create()
    key_before = ca.key_path.read_bytes()
    cert_before = ca.cert_path.read_bytes()

    assert ca.create() is False

    assert ca.key_path.read_bytes() == key_before
    assert ca.cert_path.read_bytes() == cert_before


def test_create_redoes_a_ca_left_half_written(tmp_path: Path) -> None:
    ca = LocalCA(tmp_path / "ca")
    ca.path.mkdir(mode=0o700)
    ca.key_path.write_bytes(b"left over by an interrupted run")

    assert ca.create() is True

    serialization.load_pem_private_key(ca.key_path.read_bytes(), password=None)


def test_ca_certificate_may_sign_leaves_only(ca: LocalCA) -> None:
    extensions = _certificate(ca.cert_path).extensions

    constraints = extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical
    assert constraints.value.ca is True
    assert constraints.value.path_length == 0
    usage = extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.key_cert_sign
    assert usage.value.crl_sign
    assert not usage.value.digital_signature
    extensions.get_extension_for_class(x509.SubjectKeyIdentifier)


def test_ca_certificate_is_valid_for_about_ten_years(ca: LocalCA) -> None:
    certificate = _certificate(ca.cert_path)
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc

    assert datetime.timedelta(days=3640) <= lifetime <= datetime.timedelta(days=3660)


def test_ca_certificate_names_the_user_and_host_that_made_it(ca: LocalCA) -> None:
    subject = _certificate(ca.cert_path).subject
    unit = subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value
    common_name = subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value

    assert "@" in str(unit)
    assert str(common_name) == f"hipflask {unit}"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        "hipflask development CA"
    )


@posix_only
def test_create_refuses_a_directory_other_users_can_write(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)

    with pytest.raises(ConfigurationError, match="writable by other users"):
        LocalCA(shared).create()
    assert not (shared / "rootCA-key.pem").exists()


def test_a_key_that_does_not_belong_to_the_ca_certificate_is_reported(
    tmp_path: Path,
) -> None:
    first = LocalCA(tmp_path / "first")
    second = LocalCA(tmp_path / "second")
    first.create()
    second.create()
    first.key_path.write_bytes(second.key_path.read_bytes())

    with pytest.raises(ConfigurationError, match="does not belong to"):
        first.issue()


# -- leaf certificates --------------------------------------------------------


def test_issue_without_a_ca_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="hipflask certs create"):
        LocalCA(tmp_path / "none").issue()


def test_leaf_names_loopback_plus_extras_with_addresses_as_ip_entries(
    ca: LocalCA,
) -> None:
    cert_path, _key_path = ca.issue(["myapp.test", "192.168.1.20"])
    alt_names = (
        _certificate(cert_path)
        .extensions.get_extension_for_class(x509.SubjectAlternativeName)
        .value
    )

    assert alt_names.get_values_for_type(x509.DNSName) == ["localhost", "myapp.test"]
    assert alt_names.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
        ipaddress.ip_address("192.168.1.20"),
    ]


def test_leaf_is_signed_by_the_ca_and_linked_to_it_by_key_identifier(
    ca: LocalCA,
) -> None:
    leaf = _certificate(ca.issue()[0])
    root = _certificate(ca.cert_path)

    leaf.verify_directly_issued_by(root)
    authority_key_id = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    root_key_id = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert authority_key_id.key_identifier == root_key_id.digest
    leaf.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)


def test_leaf_is_a_server_certificate_only(ca: LocalCA) -> None:
    extensions = _certificate(ca.issue()[0]).extensions

    assert extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert not extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    extended = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(extended) == [ExtendedKeyUsageOID.SERVER_AUTH]


def test_leaf_validity_stays_within_what_browsers_accept(ca: LocalCA) -> None:
    leaf = _certificate(ca.issue()[0])
    lifetime = leaf.not_valid_after_utc - leaf.not_valid_before_utc

    assert datetime.timedelta(days=MAX_LEAF_DAYS - 1) < lifetime
    assert lifetime <= datetime.timedelta(days=397)


@pytest.mark.parametrize("days", [0, -1, MAX_LEAF_DAYS + 1, 825])
def test_issue_refuses_a_validity_browsers_would_reject(ca: LocalCA, days: int) -> None:
    with pytest.raises(ConfigurationError, match="1 to 397 days"):
        ca.issue(days=days)


@posix_only
def test_leaf_key_is_owner_only_and_stored_under_the_ca_directory(ca: LocalCA) -> None:
    cert_path, key_path = ca.issue()

    assert cert_path.parent == key_path.parent == ca.path / "leaf"
    assert _mode(key_path) == 0o600
    assert _mode(cert_path) == 0o644
    assert _mode(ca.path / "leaf") == 0o700


def test_leaf_key_matches_the_leaf_certificate(ca: LocalCA) -> None:
    cert_path, key_path = ca.issue()
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)

    assert key.public_key() == _certificate(cert_path).public_key()


def test_leaf_paths_depend_on_the_set_of_names_not_their_order_or_case(
    ca: LocalCA,
) -> None:
    assert ca.leaf_paths(["b.test", "A.test"]) == ca.leaf_paths(["a.test", "B.test"])
    assert ca.leaf_paths(["a.test"]) != ca.leaf_paths(["a.test", "b.test"])
    assert ca.leaf_paths(["localhost", "::1"]) == ca.leaf_paths()
    assert ca.leaf_paths()[0].name == "localhost.pem"


# -- renewal ------------------------------------------------------------------


def test_a_fresh_leaf_does_not_need_renewal(ca: LocalCA) -> None:
    cert_path, _key_path = ca.issue(["myapp.test"])

    assert ca.leaf_needs_renewal(cert_path, ["myapp.test"]) is False


def test_a_leaf_expiring_within_the_window_needs_renewal(ca: LocalCA) -> None:
    cert_path, _key_path = ca.issue(days=1)

    assert ca.leaf_needs_renewal(cert_path) is True
    assert ca.leaf_needs_renewal(cert_path, within=datetime.timedelta(0)) is False


def test_an_expired_leaf_needs_renewal(ca: LocalCA) -> None:
    cert_path, _key_path = ca.issue()

    assert ca.leaf_needs_renewal(cert_path, now=_far_future(cert_path)) is True


def test_a_leaf_missing_a_wanted_name_needs_renewal(ca: LocalCA) -> None:
    cert_path, _key_path = ca.issue(["myapp.test"])

    assert ca.leaf_needs_renewal(cert_path, ["api.myapp.test"]) is True
    assert ca.leaf_needs_renewal(cert_path, ["10.0.0.7"]) is True


def test_a_missing_or_unreadable_leaf_needs_renewal(ca: LocalCA, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")

    assert ca.leaf_needs_renewal(tmp_path / "absent.pem") is True
    assert ca.leaf_needs_renewal(garbage) is True


def test_a_leaf_from_another_ca_needs_renewal(ca: LocalCA, tmp_path: Path) -> None:
    other = LocalCA(tmp_path / "other")
    other.create()
    foreign_cert, _key_path = other.issue()

    assert other.leaf_needs_renewal(foreign_cert) is False
    assert ca.leaf_needs_renewal(foreign_cert) is True


def test_ensure_leaf_creates_the_ca_and_a_leaf_on_first_use(tmp_path: Path) -> None:
    ca = LocalCA(tmp_path / "ca")

    cert_path, key_path = ca.ensure_leaf()

    assert ca.exists
    assert cert_path.is_file()
    assert key_path.is_file()
    assert {"localhost", "127.0.0.1", "::1"} <= _names(cert_path)


def test_ensure_leaf_reuses_a_valid_leaf(ca: LocalCA) -> None:
    cert_path, key_path = ca.ensure_leaf(["myapp.test"])
    issued = cert_path.read_bytes()

    assert ca.ensure_leaf(["myapp.test"]) == (cert_path, key_path)
    assert cert_path.read_bytes() == issued


def test_ensure_leaf_replaces_a_leaf_about_to_expire(ca: LocalCA) -> None:
    cert_path, _key_path = ca.issue(["myapp.test"], days=1)
    short_lived = cert_path.read_bytes()

    assert ca.ensure_leaf(["myapp.test"])[0] == cert_path

    assert cert_path.read_bytes() != short_lived
    assert ca.leaf_needs_renewal(cert_path, ["myapp.test"]) is False


def test_ensure_leaf_replaces_a_leaf_whose_key_is_lost(ca: LocalCA) -> None:
    cert_path, key_path = ca.ensure_leaf()
    issued = cert_path.read_bytes()
    key_path.unlink()

    ca.ensure_leaf()

    assert key_path.is_file()
    assert cert_path.read_bytes() != issued


def test_ensure_leaf_keeps_one_leaf_per_set_of_names(ca: LocalCA) -> None:
    default_cert, _ = ca.ensure_leaf()
    named_cert, _ = ca.ensure_leaf(["myapp.test"])

    assert default_cert != named_cert
    assert "myapp.test" in _names(named_cert)
    assert "myapp.test" not in _names(default_cert)
    assert [cert for cert, _key in ca.leaves()] == sorted([default_cert, named_cert])


def test_renew_reissues_every_leaf_with_its_names_and_a_new_key(ca: LocalCA) -> None:
    named_cert, named_key = ca.issue(["myapp.test", "10.0.0.7"])
    default_cert, _ = ca.issue()
    old_key = named_key.read_bytes()

    renewed = ca.renew()

    assert sorted(cert for cert, _key in renewed) == sorted([named_cert, default_cert])
    assert named_key.read_bytes() != old_key
    assert {"myapp.test", "10.0.0.7", "localhost"} <= _names(named_cert)


def test_renew_without_leaves_issues_the_default_one(tmp_path: Path) -> None:
    ca = LocalCA(tmp_path / "ca")

    renewed = ca.renew()

    assert renewed == [ca.leaf_paths()]
    assert ca.leaf_paths()[0].is_file()


# -- permissions: nobody else may replace the CA or read its key --------------

root_only = pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0, reason="giving a file away needs root"
)
_OTHER_UID = 65534  # nobody


def _use(ca: LocalCA, how: str) -> None:
    if how == "create":
        ca.create()
    elif how == "issue":
        ca.issue()
    elif how == "ensure_leaf":
        ca.ensure_leaf(["myapp.test"])
    elif how == "load_certificate":
        ca.load_certificate()
    else:
        ca.renew()


_USES = ["create", "issue", "ensure_leaf", "load_certificate", "renew"]


@posix_only
@pytest.mark.parametrize("how", _USES)
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_ca_key_open_to_others_is_refused_with_the_chmod_that_fixes_it(
    ca: LocalCA, how: str, mode: int
) -> None:
    ca.key_path.chmod(mode)

    with pytest.raises(ConfigurationError, match="open to other users") as caught:
        _use(ca, how)
    assert f"chmod 600 {ca.key_path}" in str(caught.value)


@posix_only
@pytest.mark.parametrize("how", _USES)
@pytest.mark.parametrize("mode", [0o666, 0o664, 0o646])
def test_a_ca_certificate_others_can_write_is_refused(ca: LocalCA, how: str, mode: int) -> None:
    ca.cert_path.chmod(mode)

    with pytest.raises(ConfigurationError, match="writable by other") as caught:
        _use(ca, how)
    assert f"chmod 644 {ca.cert_path}" in str(caught.value)


@posix_only
@pytest.mark.parametrize("how", _USES)
def test_a_ca_directory_others_can_write_is_refused_by_every_use(ca: LocalCA, how: str) -> None:
    ca.path.chmod(0o777)

    with pytest.raises(ConfigurationError, match=f"chmod 700 {ca.path}"):
        _use(ca, how)


@posix_only
@pytest.mark.parametrize("how", _USES)
def test_a_parent_others_can_write_without_the_sticky_bit_is_refused(
    tmp_path: Path, how: str
) -> None:
    parent = tmp_path / "shared"
    ca = LocalCA(parent / "deeper" / "ca")
    if how != "create":
        ca.create()
    parent.mkdir(exist_ok=True)
    parent.chmod(0o777)

    with pytest.raises(ConfigurationError, match="above the local CA directory") as caught:
        _use(ca, how)
    assert f"chmod go-w {parent}" in str(caught.value)
    if how == "create":
        assert not ca.path.exists()


@posix_only
def test_a_sticky_shared_parent_like_tmp_is_accepted(tmp_path: Path) -> None:
    parent = tmp_path / "sticky"
    parent.mkdir()
    parent.chmod(0o1777)
    ca = LocalCA(parent / "ca")

    ca.ensure_leaf()

    assert ca.exists


@posix_only
def test_a_group_writable_parent_is_refused(tmp_path: Path) -> None:
    parent = tmp_path / "team"
    parent.mkdir()
    parent.chmod(0o775)

    with pytest.raises(ConfigurationError, match="writable by other users"):
        LocalCA(parent / "ca").create()


@posix_only
def test_a_parent_reached_through_a_symlink_is_checked_where_it_really_is(
    tmp_path: Path,
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    (tmp_path / "link").symlink_to(shared)

    with pytest.raises(ConfigurationError, match="above the local CA directory"):
        LocalCA(tmp_path / "link" / "ca").create()


@root_only
@pytest.mark.parametrize("part", ["directory", "key", "certificate"])
def test_a_ca_owned_by_another_user_is_refused(
    ca: LocalCA, part: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SUDO_UID", raising=False)
    path = {"directory": ca.path, "key": ca.key_path, "certificate": ca.cert_path}[part]
    os.chown(path, _OTHER_UID, -1)

    with pytest.raises(ConfigurationError, match="not to you") as caught:
        ca.ensure_leaf()
    assert str(path) in str(caught.value)
    assert "HIPFLASK_CA_DIR" in str(caught.value)


@root_only
def test_a_parent_owned_by_another_user_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SUDO_UID", raising=False)
    parent = tmp_path / "theirs"
    parent.mkdir(mode=0o755)
    os.chown(parent, _OTHER_UID, -1)

    with pytest.raises(ConfigurationError, match="who could replace the CA in it"):
        LocalCA(parent / "ca").create()


@root_only
def test_root_under_sudo_may_use_the_invoking_users_ca(
    ca: LocalCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in (ca.path, ca.key_path, ca.cert_path):
        os.chown(path, _OTHER_UID, -1)
    monkeypatch.setenv("SUDO_UID", str(_OTHER_UID))

    ca.load_certificate()


@posix_only
def test_a_half_written_ca_with_a_loose_leftover_key_is_made_anew(tmp_path: Path) -> None:
    ca = LocalCA(tmp_path / "ca")
    ca.path.mkdir(mode=0o700)
    ca.key_path.write_bytes(b"left over")
    ca.key_path.chmod(0o644)

    assert ca.create() is True
    assert _mode(ca.key_path) == 0o600


# -- names a production server is reached by (serve --cert local --host-name) --


def test_a_leaf_for_the_host_names_a_server_answers_to_covers_them(ca: LocalCA) -> None:
    from hipflask.serving.tls.adhoc import certificate_names

    names = certificate_names(["myapp.test", ".api.test", " MyApp.test "])

    assert names == ["myapp.test", "api.test", "*.api.test"]
    cert_path, _key_path = ca.ensure_leaf(names)
    assert {"localhost", "myapp.test", "api.test", "*.api.test"} <= _names(cert_path)


@posix_only
def test_the_certificate_serve_uses_comes_from_a_checked_ca(
    ca: LocalCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hipflask.serving.production import resolve_certificate

    monkeypatch.setenv("HIPFLASK_CA_DIR", str(ca.path))
    ca.key_path.chmod(0o644)

    with pytest.raises(ConfigurationError, match="chmod 600"):
        resolve_certificate("local", None, "127.0.0.1", [])
