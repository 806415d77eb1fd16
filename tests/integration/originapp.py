"""An app whose only CORS is ``@cross_origin``, for ``test_origin_servers.py``.

No ``CORS(app)``: the decorated views must be known to the app from their
registration, so the first request a fresh server receives is answered.
Servers import it as ``originapp:app``.
"""

from __future__ import annotations

from typing import Any

from hipflask import Hipflask
from hipflask import request
from hipflask.cors import cross_origin

app = Hipflask(__name__)
app.config["SECRET_KEY"] = "originapp-secret-key-that-is-long-enough-0123"


@app.route("/widget", methods=["POST", "PUT"])
@cross_origin(origins=["https://partner.example"], max_age=60)
def widget() -> str:
    return "saved"


@app.post("/public")
@cross_origin()
def public() -> str:
    # Every origin, no credentials: what CORS(app) gives every route.
    return "counted"


@app.post("/echo")
async def echo() -> Any:
    return {"got": request.get_json()}
