"""What a typed view sends matches what its document says it sends."""

from __future__ import annotations

from openapi_spec_validator import validate
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field

from hipflask import Hipflask
from hipflask.openapi import openapi_document
from hipflask.testing.client import HipflaskClient


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")
    street: str
    zip_code: str = Field(alias="zipCode")


def test_output_uses_the_aliases_the_document_names(app: Hipflask, client: HipflaskClient) -> None:
    @app.post("/addresses")
    def echo(address: Address) -> Address:
        return address

    document = openapi_document(app)
    validate(document)
    schema = document["components"]["schemas"]["Address"]
    assert set(schema["properties"]) == {"street", "zipCode"}
    response = client.post("/addresses", json={"street": "Main", "zipCode": "12345"})
    assert response.status_code == 200
    assert response.get_json() == {"street": "Main", "zipCode": "12345"}
