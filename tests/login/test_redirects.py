from __future__ import annotations

import pytest

from hipflask.login.redirects import is_safe_next


@pytest.mark.parametrize("target", ["/", "/dashboard", "/a/b?x=1#top", "/%2F%2Fevil"])
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
        "",
        None,
        42,
    ],
)
def test_other_sites_schemes_and_garbage_are_not(target: object) -> None:
    assert not is_safe_next(target)
