"""The runnable ``hipflask`` command printed in hints."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hipflask.serving import command
from hipflask.serving.command import hipflask_command


def test_the_script_beside_the_interpreter_is_named_by_path_when_not_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "hipflask").write_text("#!/bin/sh\n")
    monkeypatch.setattr(sys, "executable", str(bin_dir / "python"))
    monkeypatch.setattr(command.shutil, "which", lambda name: None)
    assert hipflask_command() == str(bin_dir / "hipflask")


def test_the_bare_name_when_it_runs_this_installation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "hipflask"
    script.write_text("#!/bin/sh\n")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setattr(command.shutil, "which", lambda name: str(script))
    assert hipflask_command() == "hipflask"


def test_python_dash_m_when_no_script_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setattr(command.shutil, "which", lambda name: None)
    assert hipflask_command() == f"{tmp_path / 'python'} -m hipflask"


def test_the_local_ca_announcement_prints_the_runnable_command_and_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hipflask.cli import run

    monkeypatch.setenv("HIPFLASK_CA_DIR", str(tmp_path / "ca"))
    monkeypatch.setattr(run, "is_running_from_reloader", lambda: False)
    monkeypatch.setattr(
        "hipflask.serving.command.hipflask_command", lambda: "/srv/app/.venv/bin/hipflask"
    )
    run._announce_local_ca("local", 8443)
    out = capsys.readouterr().out
    assert "run '/srv/app/.venv/bin/hipflask certs trust --port 8443' once" in out
