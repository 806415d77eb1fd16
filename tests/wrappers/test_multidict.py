"""``request.args`` and ``request.form``: Werkzeug's multidict with faster reads.

Every read must answer what Werkzeug's class answers, and a subclass that
changes ``__getitem__`` must still be asked by ``get``.
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from werkzeug.datastructures import ImmutableMultiDict as WerkzeugImmutableMultiDict
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequestKeyError

from hipflask import Hipflask
from hipflask import request
from hipflask.testing.client import HipflaskClient
from hipflask.wrappers.multidict import ImmutableMultiDict
from hipflask.wrappers.request import Request

PAIRS = [("a", "1"), ("a", "2"), ("n", "x"), ("blank", ""), ("num", "42")]


def _both() -> tuple[ImmutableMultiDict[str, str], WerkzeugImmutableMultiDict[str, str]]:
    return ImmutableMultiDict(PAIRS), WerkzeugImmutableMultiDict(PAIRS)


@pytest.mark.parametrize("key", ["a", "n", "blank", "num", "missing"])
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"default": "d"}, {"type": int}, {"default": -1, "type": int}, {"type": None}],
)
def test_get_answers_what_werkzeug_answers(key: str, kwargs: dict[str, Any]) -> None:
    ours, theirs = _both()
    assert ours.get(key, **kwargs) == theirs.get(key, **kwargs)


def test_get_gives_the_default_when_the_converter_raises_type_error() -> None:
    def strict(value: str) -> str:
        raise TypeError(value)

    ours, theirs = _both()
    assert ours.get("a", "fallback", strict) == theirs.get("a", "fallback", strict) == "fallback"


def test_item_access_gives_the_first_value_and_a_400_key_error_when_missing() -> None:
    ours, _ = _both()
    assert ours["a"] == "1"
    with pytest.raises(BadRequestKeyError) as info:
        ours["missing"]
    assert info.value.code == 400
    with pytest.raises(TypeError):
        ours.get([])  # type: ignore[call-overload]


def test_it_is_werkzeug_class_for_everything_else() -> None:
    ours, theirs = _both()
    assert isinstance(ours, WerkzeugImmutableMultiDict)
    assert repr(ours) == repr(theirs)
    assert ours.getlist("a") == ["1", "2"]
    assert ours.to_dict(flat=False) == theirs.to_dict(flat=False)
    assert type(ours.copy()) is MultiDict
    assert pickle.loads(pickle.dumps(ours)) == ours  # noqa: S301 - our own bytes
    assert copy.deepcopy(ours) == theirs
    with pytest.raises(TypeError):
        ours["a"] = "3"


def test_a_subclass_with_its_own_item_access_is_asked_by_get() -> None:
    class Lowered(ImmutableMultiDict[str, str]):
        def __getitem__(self, key: str) -> str:
            return super().__getitem__(key.lower())

    lowered = Lowered([("name", "ada")])
    assert lowered["NAME"] == "ada"
    assert lowered.get("NAME") == "ada"
    assert lowered.get("other", "d") == "d"


def test_requests_use_it_for_args_and_forms() -> None:
    assert Request.parameter_storage_class is ImmutableMultiDict


def test_views_read_args_and_form_with_defaults_and_types_under_both_protocols(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.post("/")
    def index() -> dict[str, object]:
        return {
            "page": request.args.get("page", 1, type=int),
            "bad": request.args.get("bad", 0, type=int),
            "missing": request.args.get("missing"),
            "name": request.form.get("name"),
            "first": request.form["tag"],
        }

    @app.get("/required")
    def required() -> str:
        return request.args["id"]

    response = client.post(
        "/?page=3&bad=x",
        data={"name": "ada", "tag": ["one", "two"]},
    )
    assert response.json == {"page": 3, "bad": 0, "missing": None, "name": "ada", "first": "one"}
    assert client.get("/required?id=7").text == "7"
    missing = client.get("/required")
    assert missing.status_code == 400
    assert b"Bad Request" in missing.data


def test_a_mixin_item_access_is_asked_by_get_and_a_mixin_get_is_kept() -> None:
    class Lowered:
        def __getitem__(self, key: str) -> str:
            return super().__getitem__(key.lower())  # type: ignore[misc, no-any-return]

    class LoweredArgs(Lowered, ImmutableMultiDict[str, str]):  # type: ignore[misc]
        pass

    class Logged:
        def get(self, *args: Any, **kwargs: Any) -> str:
            return "logged"

    class LoggedArgs(Logged, ImmutableMultiDict[str, str]):  # type: ignore[misc]
        def __getitem__(self, key: str) -> str:
            return super().__getitem__(key)

    assert LoweredArgs([("page", "2")]).get("PAGE") == "2"
    assert LoggedArgs([("a", "1")]).get("a") == "logged"
