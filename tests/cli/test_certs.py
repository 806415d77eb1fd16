from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from click.testing import Result
from cryptography import x509

from hipflask.cli.certs import certs_command
from hipflask.serving.tls import local_ca
from hipflask.serving.tls import trust
from hipflask.serving.tls.local_ca import LocalCA


@pytest.fixture
def ca(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LocalCA:
    """The CA the commands will find through HIPFLASK_CA_DIR, not yet created."""
    monkeypatch.setenv("HIPFLASK_CA_DIR", str(tmp_path / "ca"))
    return LocalCA(tmp_path / "ca")


def _run(*args: str) -> Result:
    return CliRunner().invoke(certs_command, list(args))


def _dns_names(cert_path: Path) -> list[str]:
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    alt_names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return alt_names.get_values_for_type(x509.DNSName)


def test_create_makes_the_ca_and_a_localhost_certificate(ca: LocalCA) -> None:
    result = _run("create")

    assert result.exit_code == 0, result.output
    assert ca.exists
    cert_path, key_path = ca.leaf_paths()
    assert f"Created the local CA in {ca.path}" in result.output
    assert f"Certificate: {cert_path}" in result.output
    assert f"Key: {key_path}" in result.output
    assert "hipflask certs trust" in result.output


def test_create_again_reuses_the_ca(ca: LocalCA) -> None:
    _run("create")
    ca_cert = ca.cert_path.read_bytes()

    result = _run("create")

    assert result.exit_code == 0, result.output
    assert f"Using the local CA in {ca.path}" in result.output
    assert ca.cert_path.read_bytes() == ca_cert


def test_create_with_names_adds_them_to_the_certificate(ca: LocalCA) -> None:
    result = _run("create", "--name", "myapp.test", "--name", "api.myapp.test")

    assert result.exit_code == 0, result.output
    cert_path, _key_path = ca.leaf_paths(["myapp.test", "api.myapp.test"])
    assert _dns_names(cert_path) == ["localhost", "myapp.test", "api.myapp.test"]


def test_create_with_a_bad_name_fails_with_a_message_not_a_traceback(
    ca: LocalCA,
) -> None:
    result = _run("create", "--name", "not a host")

    assert result.exit_code == 1
    assert "Error: 'not a host' cannot go into a certificate" in result.output
    assert "Traceback" not in result.output


def test_path_before_create_says_the_ca_does_not_exist(ca: LocalCA) -> None:
    result = _run("path")

    assert result.exit_code == 0
    assert f"CA directory: {ca.path}" in result.output
    assert "not created yet" in result.output


def test_path_lists_the_ca_and_the_certificates(ca: LocalCA) -> None:
    _run("create", "--name", "myapp.test")

    result = _run("path")

    cert_path, key_path = ca.leaf_paths(["myapp.test"])
    assert result.output.splitlines() == [
        f"CA directory: {ca.path}",
        f"CA certificate: {ca.cert_path}",
        f"Certificate: {cert_path}",
        f"Key: {key_path}",
    ]


def test_path_ca_cert_prints_only_the_ca_certificate_path(ca: LocalCA) -> None:
    result = _run("path", "--ca-cert")

    assert result.output == f"{ca.cert_path}\n"


def test_trust_prints_the_steps_for_the_ca(ca: LocalCA) -> None:
    _run("create")

    result = _run("trust", "--platform", "all")

    assert result.exit_code == 0, result.output
    assert "update-ca-certificates" in result.output
    assert "security add-trusted-cert" in result.output
    assert f"export SSL_CERT_FILE={ca.cert_path}" in result.output


def test_trust_install_without_root_explains_and_changes_nothing(
    ca: LocalCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run("create")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(os, "geteuid", lambda: 1000, raising=False)

    result = _run("trust", "--install")

    assert result.exit_code == 1
    assert "needs root" in result.output
    assert "Traceback" not in result.output


def test_renew_reissues_the_certificates(ca: LocalCA) -> None:
    _run("create", "--name", "myapp.test")
    cert_path, key_path = ca.leaf_paths(["myapp.test"])
    old_key = key_path.read_bytes()

    result = _run("renew")

    assert result.exit_code == 0, result.output
    assert f"Renewed {cert_path}" in result.output
    assert key_path.read_bytes() != old_key
    assert "myapp.test" in _dns_names(cert_path)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX-only")
def test_an_unsafe_ca_directory_is_reported_cleanly(ca: LocalCA) -> None:
    ca.path.mkdir()
    ca.path.chmod(0o777)

    result = _run("create")

    assert result.exit_code == 1
    assert "writable by other users" in result.output


def test_trust_install_as_root_reports_what_it_did(
    ca: LocalCA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run("create")
    anchors = tmp_path / "anchors"
    anchors.mkdir()
    # A stand-in store: the test must never change the machine's real trust.
    store = trust._SystemStore("Test", anchors / "hipflask-local-ca.crt", ("true",))
    monkeypatch.setattr(trust, "_LINUX_STORES", (store,))
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(os, "geteuid", lambda: 0, raising=False)

    result = _run("trust", "--install")

    assert result.exit_code == 0, result.output
    assert f"copied {ca.cert_path} to {store.anchor}" in result.output
    assert "Firefox" in result.output
    assert store.anchor.read_bytes() == ca.cert_path.read_bytes()


@pytest.fixture
def old_ca(ca: LocalCA, monkeypatch: pytest.MonkeyPatch) -> LocalCA:
    """A CA as older versions made it: no key usage or name constraints, one leaf."""
    with monkeypatch.context() as patched:
        patched.setattr(local_ca, "local_ca_extensions", list)
        ca.create()
    ca.ensure_leaf()
    return ca


def _constraints(ca: LocalCA) -> list[type[x509.ExtensionType]]:
    extensions = ca.load_certificate().extensions
    return [
        kind
        for kind in (x509.ExtendedKeyUsage, x509.NameConstraints)
        if any(isinstance(extension.value, kind) for extension in extensions)
    ]


@pytest.mark.parametrize("command", [["path"], ["create"], ["renew"], ["trust"]])
def test_an_old_ca_is_reported_with_the_command_that_replaces_it(
    old_ca: LocalCA, command: list[str]
) -> None:
    result = _run(*command)

    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Warning:")]
    assert len(lines) == 1
    assert "older hipflask" in lines[0]
    assert "server-only key usage and the local-names-only constraint" in lines[0]
    assert lines[0].endswith("certs recreate`.")


def test_a_current_ca_gets_no_warning(ca: LocalCA) -> None:
    ca.create()

    result = _run("path")

    assert "Warning" not in result.output
    assert ca.missing_constraints() == []


def test_recreate_replaces_an_old_ca_with_a_constrained_one(old_ca: LocalCA) -> None:
    old_key = old_ca.key_path.read_bytes()
    old_leaf = old_ca.leaf_paths()[0].read_bytes()

    result = _run("recreate", "--yes")

    assert result.exit_code == 0, result.output
    assert _constraints(old_ca) == [x509.ExtendedKeyUsage, x509.NameConstraints]
    assert old_ca.key_path.read_bytes() != old_key
    cert_path, key_path = old_ca.leaf_paths()
    assert cert_path.read_bytes() != old_leaf
    assert old_ca.ensure_leaf() == (cert_path, key_path)
    assert "certs trust" in result.output
    assert _run("path").output.count("Warning") == 0


def test_recreate_asks_before_replacing_the_ca(old_ca: LocalCA) -> None:
    old_cert = old_ca.cert_path.read_bytes()

    result = CliRunner().invoke(certs_command, ["recreate"], input="n\n")

    assert result.exit_code == 1
    assert old_ca.cert_path.read_bytes() == old_cert


def test_an_unreadable_or_missing_ca_lacks_no_constraint(ca: LocalCA) -> None:
    assert ca.missing_constraints() == []
    ca.create()
    ca.cert_path.write_text("not a certificate")

    assert ca.missing_constraints() == []
    assert ca.outdated_warning() is None


def test_recreate_without_a_ca_makes_one(ca: LocalCA) -> None:
    ca.recreate()

    assert ca.exists
    assert ca.missing_constraints() == []


def _loosen(ca: LocalCA, defect: str) -> str:
    """Break one permission of an existing CA; return what the refusal must say."""
    if defect == "directory":
        ca.path.chmod(0o777)
        return f"chmod 700 {ca.path}"
    if defect == "key":
        ca.key_path.chmod(0o644)
        return f"chmod 600 {ca.key_path}"
    if defect == "certificate":
        ca.cert_path.chmod(0o666)
        return f"chmod 644 {ca.cert_path}"
    ca.path.parent.chmod(0o777)
    return f"chmod go-w {ca.path.parent}"


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX-only")
@pytest.mark.parametrize("defect", ["directory", "key", "certificate", "parent"])
@pytest.mark.parametrize("command", [["create"], ["renew"], ["trust"], ["recreate", "--yes"]])
def test_every_command_using_the_ca_refuses_one_others_could_replace_or_read(
    ca: LocalCA, defect: str, command: list[str]
) -> None:
    ca.create()
    key_before = ca.key_path.read_bytes()
    fix = _loosen(ca, defect)

    result = _run(*command)

    assert result.exit_code == 1, result.output
    assert fix in result.output
    assert "Traceback" not in result.output
    assert "update-ca-certificates" not in result.output  # no trust steps for it
    assert ca.key_path.read_bytes() == key_before


def test_trust_mentions_install_and_how_to_remove_the_ca_again(ca: LocalCA) -> None:
    _run("create")

    result = _run("trust", "--platform", "linux")

    assert result.exit_code == 0, result.output
    assert "certs trust --install" in result.output
    assert "update-ca-certificates --fresh" in result.output
    assert f"Then delete {ca.path}" in result.output


def test_trust_install_without_root_prints_the_absolute_executable_for_sudo(
    ca: LocalCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run("create")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(os, "geteuid", lambda: 1000, raising=False)

    result = _run("trust", "--install")

    line = result.output[result.output.index("sudo env") :]
    executable = line.split()[3]
    assert os.path.isabs(executable.strip("'")), line
    assert " hipflask certs" not in line
