"""@doc stores its options on the function and merges repeated use."""

from __future__ import annotations

from hipflask.openapi import doc
from hipflask.openapi.decorators import DOC_ATTRIBUTE


def test_doc_stores_only_what_was_given_and_merges() -> None:
    @doc(tags=["a"])
    @doc(summary="s", responses={404: "missing"})
    def view() -> None:
        return None

    assert getattr(view, DOC_ATTRIBUTE) == {
        "summary": "s",
        "responses": {404: "missing"},
        "tags": ["a"],
    }
