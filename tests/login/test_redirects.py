from __future__ import annotations

import pytest

from hipflask.login.redirects import is_safe_next


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
