from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import pytest
from cryptography import x509

from hipflask.errors import ConfigurationError
from hipflask.serving.tls import trust
from hipflask.serving.tls.local_ca import LocalCA
from hipflask.serving.tls.trust import TrustInstallError
from hipflask.serving.tls.trust import install_trust
from hipflask.serving.tls.trust import trust_instructions


def _text(ca: LocalCA, platform: str) -> str:
    return "\n".join(trust_instructions(ca, platform=platform))


def _fake_store(tmp_path: Path, command: tuple[str, ...]) -> trust._SystemStore:
    """A stand-in for the system store, so no test ever changes the machine's trust."""
    anchors = tmp_path / "anchors"
    anchors.mkdir()
    return trust._SystemStore("Test", anchors / "hipflask-local-ca.crt", command)


@pytest.fixture
def as_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(os, "geteuid", lambda: 0, raising=False)


# -- instructions -------------------------------------------------------------


def test_linux_steps_cover_debian_fedora_and_nss_with_the_ca_path(ca: LocalCA) -> None:
    text = _text(ca, "linux")
    cert = str(ca.cert_path)

    assert f"sudo cp {cert} /usr/local/share/ca-certificates/" in text
    assert "sudo update-ca-certificates" in text
    assert f"sudo cp {cert} /etc/pki/ca-trust/source/anchors/" in text
    assert "sudo update-ca-trust extract" in text
    assert "certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n " in text
    assert f"-i {cert}" in text
    assert "security add-trusted-cert" not in text
    assert "-addstore" not in text


def test_macos_steps_use_the_system_keychain(ca: LocalCA) -> None:
    text = _text(ca, "darwin")

    assert (
        "sudo security add-trusted-cert -d -r trustRoot -k"
        f" /Library/Keychains/System.keychain {ca.cert_path}"
    ) in text
    assert "update-ca-certificates" not in text


def test_windows_steps_use_certutil_for_the_current_user(ca: LocalCA) -> None:
    text = _text(ca, "win32")

    assert f'certutil -user -addstore Root "{ca.cert_path}"' in text
    assert "update-ca-certificates" not in text


def test_every_platform_gets_the_python_client_variables(ca: LocalCA) -> None:
    for platform in ("linux", "darwin", "win32"):
        text = _text(ca, platform)
        assert f"export SSL_CERT_FILE={ca.cert_path}" in text
        assert f"export REQUESTS_CA_BUNDLE={ca.cert_path}" in text


def test_all_platforms_lists_every_store(ca: LocalCA) -> None:
    text = _text(ca, "all")

    for marker in (
        "update-ca-certificates",
        "update-ca-trust",
        "security add-trusted-cert",
        "certutil -user -addstore",
        "sql:$HOME/.pki/nssdb",
    ):
        assert marker in text


def test_steps_default_to_the_running_platform(ca: LocalCA) -> None:
    assert trust_instructions(ca) == trust_instructions(ca, platform=sys.platform)


def test_nss_nickname_is_the_ca_common_name(ca: LocalCA) -> None:
    common_name = (
        x509.load_pem_x509_certificate(ca.cert_path.read_bytes())
        .subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)[0]
        .value
    )

    assert f"-n {shlex.quote(str(common_name))}" in _text(ca, "linux")


def test_a_path_with_spaces_is_quoted_for_the_shell(tmp_path: Path) -> None:
    ca = LocalCA(tmp_path / "my ca")
    ca.create()

    assert f"sudo cp {shlex.quote(str(ca.cert_path))} " in _text(ca, "linux")
    assert "'" in shlex.quote(str(ca.cert_path))


def test_steps_for_a_missing_ca_say_to_create_it_first(tmp_path: Path) -> None:
    steps = trust_instructions(LocalCA(tmp_path / "none"), platform="linux")

    assert any("hipflask certs create" in step for step in steps)
    assert any("-n 'hipflask local CA'" in step for step in steps)


# -- installation -------------------------------------------------------------


def test_install_refuses_unless_the_system_store_is_explicitly_asked_for(
    ca: LocalCA,
) -> None:
    with pytest.raises(TrustInstallError, match="Nothing was installed"):
        install_trust(ca, system=False)


def test_install_is_automated_on_linux_only(ca: LocalCA, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")

    with pytest.raises(TrustInstallError, match="Linux only, not on darwin"):
        install_trust(ca, system=True)


def test_install_without_root_says_how_to_run_it_with_this_ca(
    ca: LocalCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(os, "geteuid", lambda: 1000, raising=False)

    with pytest.raises(TrustInstallError, match="needs root") as caught:
        install_trust(ca, system=True)
    assert f"HIPFLASK_CA_DIR={shlex.quote(str(ca.path))}" in str(caught.value)


@pytest.mark.usefixtures("as_root")
def test_install_copies_the_ca_into_the_store_and_runs_its_tool(
    ca: LocalCA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _fake_store(tmp_path, ("true",))
    monkeypatch.setattr(trust, "_LINUX_STORES", (store,))

    done = install_trust(ca, system=True)

    assert store.anchor.read_bytes() == ca.cert_path.read_bytes()
    assert done[0] == f"copied {ca.cert_path} to {store.anchor}"
    assert done[1].startswith("ran ")


@pytest.mark.usefixtures("as_root")
def test_install_reports_a_failing_store_tool(
    ca: LocalCA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trust, "_LINUX_STORES", (_fake_store(tmp_path, ("false",)),))

    with pytest.raises(TrustInstallError, match="failed"):
        install_trust(ca, system=True)


@pytest.mark.usefixtures("as_root")
def test_install_without_a_known_store_points_to_the_manual_steps(
    ca: LocalCA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = trust._SystemStore("Test", tmp_path / "absent" / "ca.crt", ("true",))
    monkeypatch.setattr(trust, "_LINUX_STORES", (missing,))

    with pytest.raises(TrustInstallError, match="hipflask certs trust"):
        install_trust(ca, system=True)


@pytest.mark.usefixtures("as_root")
def test_install_needs_an_existing_ca(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = _fake_store(tmp_path, ("true",))
    monkeypatch.setattr(trust, "_LINUX_STORES", (store,))

    with pytest.raises(ConfigurationError, match="hipflask certs create"):
        install_trust(LocalCA(tmp_path / "none"), system=True)
    assert not store.anchor.exists()


def test_an_unknown_platform_gets_the_steps_for_every_system(ca: LocalCA) -> None:
    assert trust_instructions(ca, platform="sunos5") == trust_instructions(ca, platform="all")


def test_the_nss_step_creates_the_store_on_a_fresh_profile_first(ca: LocalCA) -> None:
    line = next(step for step in trust_instructions(ca, platform="linux") if "nssdb" in step)
    command = line[line.index("mkdir -p") :]
    create = command.index("-N --empty-password")
    add = command.index("-A -t C,,")
    assert create < add


def test_the_curl_example_uses_the_given_port(ca: LocalCA) -> None:
    assert any("https://localhost:8443/" in step for step in trust_instructions(ca, port=8443))
    assert any("https://localhost:5000/" in step for step in trust_instructions(ca))


def test_the_nss_step_runs_on_a_fresh_profile(
    ca: LocalCA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil
    import subprocess

    if shutil.which("certutil") is None:
        pytest.skip("certutil (libnss3-tools) is not installed")
    monkeypatch.setenv("HOME", str(tmp_path))
    line = next(step for step in trust_instructions(ca, platform="linux") if "nssdb" in step)
    subprocess.run(["bash", "-c", line[line.index("mkdir -p") :]], check=True)
    listed = subprocess.run(
        ["certutil", "-d", f"sql:{tmp_path}/.pki/nssdb", "-L"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert "C,," in listed.stdout


# -- a CA others could replace is never offered for trust ---------------------


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX-only")
def test_steps_are_refused_for_a_ca_directory_others_can_write(ca: LocalCA) -> None:
    ca.path.chmod(0o777)

    with pytest.raises(ConfigurationError, match="writable by other users"):
        trust_instructions(ca, platform="linux")


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX-only")
@pytest.mark.usefixtures("as_root")
def test_install_refuses_a_ca_certificate_others_can_write(
    ca: LocalCA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _fake_store(tmp_path, ("true",))
    monkeypatch.setattr(trust, "_LINUX_STORES", (store,))
    ca.cert_path.chmod(0o666)

    with pytest.raises(ConfigurationError, match="chmod 644"):
        install_trust(ca, system=True)
    assert not store.anchor.exists()


# -- removal ------------------------------------------------------------------


def test_linux_removal_steps_undo_each_store(ca: LocalCA) -> None:
    text = _text(ca, "linux")
    removal = text[text.index("To stop trusting it") :]

    assert (
        "sudo rm -f /usr/local/share/ca-certificates/hipflask-local-ca.crt"
        " && sudo update-ca-certificates --fresh"
    ) in removal
    assert "keytool -delete -alias debian:hipflask-local-ca.pem" in removal
    assert "/etc/ssl/certs/java/cacerts" in removal
    assert "sudo rm -f /etc/pki/ca-trust/source/anchors/hipflask-local-ca.pem" in removal
    assert f"trust anchor --remove {ca.cert_path}" in removal
    assert "certutil -d sql:$HOME/.pki/nssdb -D -n " in removal
    assert f"Then delete {ca.path}" in removal
    assert "delete-certificate" not in removal


def test_macos_and_windows_removal_steps_name_the_ca(ca: LocalCA) -> None:
    nick = trust._nickname(ca)

    assert f"security delete-certificate -c {shlex.quote(nick)}" in _text(ca, "darwin")
    assert f'certutil -user -delstore Root "{nick}"' in _text(ca, "win32")


def test_linux_steps_offer_the_install_option(ca: LocalCA) -> None:
    assert "certs trust --install" in _text(ca, "linux")
    assert "certs trust --install" not in _text(ca, "darwin")


def test_the_sudo_line_names_the_executable_by_absolute_path(
    ca: LocalCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(os, "geteuid", lambda: 1000, raising=False)

    with pytest.raises(TrustInstallError) as caught:
        install_trust(ca, system=True)
    words = shlex.split(str(caught.value)[str(caught.value).index("sudo env") :])
    assert os.path.isabs(words[3])
    assert words[4:7] == ["certs", "trust", "--install"]


def test_absolute_command_falls_back_to_the_interpreter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python"))
    monkeypatch.setattr(trust.shutil, "which", lambda name: None)

    assert trust.absolute_command() == f"{tmp_path / 'bin' / 'python'} -m hipflask"
