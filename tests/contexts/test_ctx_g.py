"""g: its namespace methods, its class, and when it is made."""

from __future__ import annotations

import pytest

from hipflask import Hipflask
from hipflask import g
from hipflask.contexts.ctx import AppContext


def test_g_namespace_methods(app: Hipflask) -> None:
    with app.app_context():
        assert g.get("missing") is None
        assert g.get("missing", 5) == 5
        assert g.setdefault("count", 1) == 1
        assert g.setdefault("count", 2) == 1
        assert "count" in g
        assert list(g) == ["count"]
        assert g.pop("count") == 1
        assert g.pop("count", "gone") == "gone"
        with pytest.raises(KeyError):
            g.pop("count")
        with pytest.raises(AttributeError, match="nothing"):
            _ = g.nothing
        assert repr(g) == "<hipflask.g of 'tests_app'>"


def test_g_repr_outside_its_context(app: Hipflask) -> None:
    with app.app_context():
        namespace = g._get_current_object()  # type: ignore[attr-defined]
    assert repr(namespace).startswith("<hipflask.contexts.ctx._AppCtxGlobals object")


def test_app_ctx_globals_class_can_be_replaced(app: Hipflask) -> None:
    class Globals:
        preset = "yes"

    app.app_ctx_globals_class = Globals  # type: ignore[assignment]
    with app.app_context():
        assert g.preset == "yes"


def test_g_is_made_on_first_read_then_kept(app: Hipflask) -> None:
    made: list[object] = []

    class Globals:
        def __init__(self) -> None:
            made.append(self)

    app.app_ctx_globals_class = Globals  # type: ignore[assignment]
    ctx = app.app_context()
    assert "g" not in vars(ctx)
    first = ctx.g
    assert ctx.g is first
    assert vars(ctx)["g"] is first
    assert made == [first]


def test_assigning_g_replaces_it(app: Hipflask) -> None:
    ctx = app.app_context()
    replacement = object()
    ctx.g = replacement  # type: ignore[assignment]
    assert ctx.g is replacement
    with ctx:
        assert g._get_current_object() is replacement  # type: ignore[attr-defined]


def test_g_read_on_the_class_is_its_descriptor() -> None:
    descriptor = AppContext.g
    assert descriptor is AppContext.__dict__["g"]
    assert "first read" in (type(descriptor).__doc__ or "")
