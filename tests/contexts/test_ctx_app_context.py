"""The application context: current_app and g, nesting, popping and teardown."""

from __future__ import annotations

import pytest

from hipflask import Hipflask
from hipflask import current_app
from hipflask import g
from hipflask import has_app_context
from hipflask import has_request_context
from hipflask.contexts.ctx import AppContext


def test_app_context_provides_current_app_and_g(app: Hipflask) -> None:
    assert not has_app_context()
    with app.app_context() as ctx:
        assert isinstance(ctx, AppContext)
        assert has_app_context()
        assert not has_request_context()
        assert current_app._get_current_object() is app
        g.user = "ann"
        assert g.user == "ann"
    assert not has_app_context()


def test_app_context_pushes_nest(app: Hipflask) -> None:
    torn_down: list[BaseException | None] = []
    app.teardown_appcontext(torn_down.append)
    ctx = app.app_context()
    ctx.push()
    ctx.push()
    ctx.pop()
    assert has_app_context()
    assert torn_down == []
    ctx.pop()
    assert not has_app_context()
    assert torn_down == [None]


def test_app_context_teardown_gets_the_exception(app: Hipflask) -> None:
    torn_down: list[BaseException | None] = []
    app.teardown_appcontext(torn_down.append)
    with pytest.raises(ValueError), app.app_context():
        raise ValueError("inside")
    assert isinstance(torn_down[0], ValueError)


def test_async_teardown_appcontext(app: Hipflask) -> None:
    torn_down: list[str] = []

    @app.teardown_appcontext
    async def close(exc: BaseException | None) -> None:
        torn_down.append("closed")

    with app.app_context():
        pass
    assert torn_down == ["closed"]


def test_popping_the_wrong_app_context_is_refused(app: Hipflask) -> None:
    outer = app.app_context()
    inner = Hipflask("other_app").app_context()
    outer.push()
    inner.push()
    try:
        with pytest.raises(AssertionError, match="Popped wrong app context"):
            outer.pop()
    finally:
        inner.pop()
        outer.pop()


def test_each_app_context_has_its_own_g(app: Hipflask) -> None:
    with app.app_context():
        g.value = 1
    with app.app_context():
        assert "value" not in g
