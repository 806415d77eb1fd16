"""What a port sees of a refusal: the exception and the 403, beside Flask-Principal's.

The exception's ``repr()``, ``str()`` and ``args`` (what a log line or an
error handler shows) are Flask-Principal's, and ``require(403)`` gives the
same 403 page. The one difference is deliberate (see the porting guide): a
``PermissionDenied`` nobody handles is a 403 here, where Flask answers a 500;
its page names no need, as Flask's 500 page does not.
"""

from __future__ import annotations

from typing import Any

import pytest

import hipflask
import hipflask.principal

flask = pytest.importorskip("flask")
flask_principal = pytest.importorskip("flask_principal")


def _app(framework: Any, principal: Any) -> Any:
    app = framework.Flask("parity")
    app.config.update(SECRET_KEY="s" * 32)
    principal.Principal(app, use_sessions=False)
    admin = principal.Permission(principal.RoleNeed("admin"), principal.UserNeed(7))
    admin.excludes.add(principal.RoleNeed("banned"))

    @app.get("/caught")
    def caught() -> str:
        try:
            admin.test()
        except principal.PermissionDenied as error:
            return "\n".join([repr(error), str(error), repr(error.args)])
        return "allowed"

    @app.get("/aborted")
    @admin.require(http_exception=403)
    def aborted() -> str:
        return "allowed"

    @app.get("/raised")
    @admin.require()
    def raised() -> str:
        return "allowed"

    return app


@pytest.fixture
def theirs() -> Any:
    return _app(flask, flask_principal).test_client()


@pytest.fixture
def ours(protocol: str) -> Any:
    return _app(hipflask, hipflask.principal).test_client(protocol=protocol)


def test_the_exception_reads_as_flask_principal_s(theirs: Any, ours: Any) -> None:
    expected = theirs.get("/caught").text

    assert ours.get("/caught").text == expected
    assert expected.startswith("PermissionDenied(<Permission needs={")


def test_require_with_a_status_gives_the_same_403(theirs: Any, ours: Any) -> None:
    expected = theirs.get("/aborted")

    answer = ours.get("/aborted")

    assert (answer.status_code, answer.text) == (expected.status_code, expected.text)
    assert answer.status_code == 403


def test_an_unhandled_refusal_is_a_403_that_names_no_need(theirs: Any, ours: Any) -> None:
    # Flask-Principal leaves it to Flask, which answers a 500.
    assert theirs.get("/raised").status_code == 500

    answer = ours.get("/raised")

    assert answer.status_code == 403
    assert "admin" not in answer.text
    assert "Need" not in answer.text
