"""Return values that cannot become a response: what is raised and what is sent."""

from __future__ import annotations

from typing import Any

import pytest
from tests.wrappers.coerce_views import returns

from hipflask import Hipflask
from hipflask.testing.client import HipflaskClient


def test_none_is_a_type_error_that_propagates_in_testing(
    app: Hipflask, client: HipflaskClient
) -> None:
    returns(app, None)

    with pytest.raises(TypeError, match="returned None or ended without a return statement"):
        client.get("/")


def test_none_is_a_500_when_errors_are_not_propagated(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    returns(app, None)

    response = client.get("/")

    assert response.status_code == 500
    assert "TypeError" not in response.text


@pytest.mark.parametrize("value", [("only",), ("a", 200, {}, "extra"), ()])
def test_tuple_of_the_wrong_size_is_a_type_error(
    app: Hipflask, client: HipflaskClient, value: tuple[Any, ...]
) -> None:
    returns(app, value)

    with pytest.raises(TypeError, match="valid response tuple"):
        client.get("/")


def test_unsupported_type_names_what_came_back(app: Hipflask, client: HipflaskClient) -> None:
    returns(app, 42)

    with pytest.raises(TypeError, match="but it was a int"):
        client.get("/")


def test_none_body_in_a_tuple_is_a_type_error(app: Hipflask, client: HipflaskClient) -> None:
    returns(app, (None, 200))

    with pytest.raises(TypeError, match="returned None"):
        client.get("/")
