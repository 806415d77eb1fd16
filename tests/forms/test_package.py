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
