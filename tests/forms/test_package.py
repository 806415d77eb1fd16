from __future__ import annotations

import importlib
import sys

import pytest

from hipflask.errors import MissingExtraError


def test_missing_wtforms_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [
        m for m in sys.modules if m == "hipflask.forms" or m.startswith("hipflask.forms.")
    ]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "wtforms", None)

    with pytest.raises(MissingExtraError, match=r"pip install 'hipflask\[forms\]'"):
        importlib.import_module("hipflask.forms")


def test_version_is_the_package_version() -> None:
    # Flask-WTF exports its release as __version__; code that logs or checks
    # it keeps working, and reads hipflask's.
    import hipflask
    import hipflask.forms

    assert hipflask.forms.__version__ == hipflask.__version__
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        hipflask.forms.missing  # noqa: B018 - the lookup is the test
