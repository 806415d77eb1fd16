from __future__ import annotations

from typing import Any

import pytest

from hipflask.login.redirects import is_safe_next
from hipflask.login.redirects import wants_json

from .conftest import build_app


@pytest.mark.parametrize("target", ["/", "/dashboard", "/a/b?x=1#top"])
def test_same_site_paths_are_safe(target: str) -> None:
    assert is_safe_next(target)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "evil.example",
        "javascript:alert(1)",
        "/\tevil",
        "/a\\b",
        # Decoded once by a proxy or a framework, it becomes "//evil".
        "/%2F%2Fevil",
        "",
        None,
        42,
    ],
)
def test_other_sites_schemes_and_garbage_are_not(target: object) -> None:
    assert not is_safe_next(target)


def test_the_project_wide_check_has_the_last_word(monkeypatch: pytest.MonkeyPatch) -> None:
    from hipflask.login import redirects

    monkeypatch.setattr(redirects, "_shared_check", lambda target: target != "/blocked")
    assert is_safe_next("/fine")
    assert not is_safe_next("/blocked")


def test_shared_check_is_loaded_when_present(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    import types

    from hipflask.login import redirects

    def shared(target: str) -> bool:
        return True

    fake = types.SimpleNamespace(is_safe_redirect_target=shared)
    monkeypatch.setattr(importlib, "import_module", lambda name: fake)
    assert redirects.load_shared_check() is shared

    def missing(name: str) -> object:
        raise ImportError(name)

    monkeypatch.setattr(importlib, "import_module", missing)
    assert redirects.load_shared_check() is None


# -- answers chosen by the client's Accept header carry Vary --------------------


def _listed(response: Any, header: str = "Vary") -> list[str]:
    return [
        item.strip().lower()
        for value in response.headers.getlist(header)
        for item in value.split(",")
        if item.strip()
    ]


_BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
_API = {"Accept": "application/json"}


@pytest.mark.parametrize("headers", [_BROWSER, _API], ids=["browser", "api"])
def test_the_unauthorized_answer_varies_on_accept(client: Any, headers: dict[str, str]) -> None:
    # A shared cache keeps one answer per URL unless told what it depends
    # on: without Vary, a browser could be served an API client's JSON 401.
    response = client.get("/dashboard", headers=headers)
    assert response.status_code == (302 if headers is _BROWSER else 401)
    listed = _listed(response)
    assert {"accept", "x-requested-with", "content-type"} <= set(listed)
    assert len(listed) == len(set(listed))


def test_the_unauthorized_redirect_keeps_the_session_s_vary(client: Any) -> None:
    # The login message is flashed into the session, which adds Vary: Cookie.
    response = client.get("/dashboard", headers=_BROWSER)
    listed = _listed(response)
    assert "cookie" in listed
    assert "accept" in listed
    assert len(listed) == len(set(listed))


@pytest.mark.parametrize("headers", [_BROWSER, _API], ids=["browser", "api"])
def test_a_vary_set_by_the_app_is_merged_not_repeated(
    protocol: str, headers: dict[str, str]
) -> None:
    app = build_app()

    @app.after_request
    def vary(response: Any) -> Any:
        response.headers["Vary"] = "Origin, accept"
        return response

    response = app.test_client(protocol=protocol).get("/dashboard", headers=headers)
    listed = _listed(response)
    assert listed.count("accept") == 1
    assert "origin" in listed
    assert len(listed) == len(set(listed))


@pytest.mark.parametrize("headers", [_BROWSER, _API], ids=["browser", "api"])
def test_the_throttle_s_429_varies_on_accept(protocol: str, headers: dict[str, str]) -> None:
    client = build_app(LOGIN_THROTTLE_PER_USER="1/minute").test_client(protocol=protocol)
    guess = {"username": "alice", "password": "x"}
    client.post("/login", data=guess, headers=headers)
    refused = client.post("/login", data=guess, headers=headers)
    assert refused.status_code == 429
    is_json = refused.headers["Content-Type"] == "application/json"
    assert is_json is (headers is _API)
    listed = _listed(refused)
    assert "accept" in listed
    assert len(listed) == len(set(listed))


def test_answers_not_chosen_by_accept_do_not_vary_on_it(client: Any) -> None:
    assert "accept" not in _listed(client.get("/login"))
    assert "accept" not in _listed(client.post("/login", data={"username": "alice"}))


def test_a_view_asking_wants_json_gets_the_vary_too(protocol: str) -> None:
    app = build_app()

    @app.get("/negotiated")
    def negotiated() -> Any:
        return {"json": True} if wants_json() else "html"

    client = app.test_client(protocol=protocol)
    for headers in (_BROWSER, _API):
        assert "accept" in _listed(client.get("/negotiated", headers=headers))


@pytest.mark.parametrize("headers", [_BROWSER, _API], ids=["browser", "api"])
def test_answers_still_vary_once_the_throttle_is_taken_out_of_the_gate(
    protocol: str, headers: dict[str, str]
) -> None:
    app = build_app(LOGIN_THROTTLE_PER_USER="1/minute")
    app.gate.remove("hipflask.login.throttle")
    client = app.test_client(protocol=protocol)
    guess = {"username": "alice", "password": "x"}
    # The throttle is gone: the second guess reaches the view.
    assert [client.post("/login", data=guess).status_code for _ in range(2)] == [401, 401]
    listed = _listed(client.get("/dashboard", headers=headers))
    assert {"accept", "x-requested-with", "content-type"} <= set(listed)
