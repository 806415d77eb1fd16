"""A JWT-protected API booted by real servers for the attack tests.

Settings come from the environment so one module serves every variant:
``JWTAPP_ALGORITHM`` and ``JWTAPP_PRIVATE_KEY_FILE`` for public-key
signing, ``JWTAPP_BLOCKLIST`` for a shared blocklist store,
``JWTAPP_FALLBACKS`` for old keys read from the environment as they come
(one string).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hipflask import Hipflask
from hipflask import jsonify
from hipflask import request
from hipflask.jwt import JWTManager
from hipflask.jwt import create_access_token
from hipflask.jwt import create_refresh_token
from hipflask.jwt import get_jwt_identity
from hipflask.jwt import jwt_required
from hipflask.jwt import revoke_token
from hipflask.jwt import set_access_cookies

app = Hipflask(__name__)
app.config.update(
    SECRET_KEY=os.environ.get("JWTAPP_SECRET", "jwtapp-secret-key-that-is-long-enough-42"),
    JWT_TOKEN_LOCATION=["headers", "cookies"],
    JWT_ALGORITHM=os.environ.get("JWTAPP_ALGORITHM", "HS256"),
    JWT_BLOCKLIST_STORE=os.environ.get("JWTAPP_BLOCKLIST", "memory://"),
    JWT_BLOCKLIST_KEY_PREFIX=os.environ.get("JWTAPP_PREFIX", "hipflask:jwt:"),
)
if "JWTAPP_FALLBACKS" in os.environ:
    app.config["SECRET_KEY_FALLBACKS"] = os.environ["JWTAPP_FALLBACKS"]
if "JWTAPP_PRIVATE_KEY_FILE" in os.environ:
    app.config["JWT_PRIVATE_KEY"] = Path(os.environ["JWTAPP_PRIVATE_KEY_FILE"]).read_bytes()
jwt = JWTManager(app)


@app.post("/login")
def login() -> Any:
    name = (request.get_json(silent=True) or {}).get("username", "alice")
    return jsonify(
        access_token=create_access_token(name, fresh=True),
        refresh_token=create_refresh_token(name),
    )


@app.post("/cookie-login")
def cookie_login() -> Any:
    response = jsonify(msg="ok")
    set_access_cookies(response, create_access_token("carol"))
    return response


@app.route("/me", methods=["GET", "POST"])
@jwt_required()
def me() -> Any:
    return jsonify(identity=get_jwt_identity())


@app.get("/fresh")
@jwt_required(fresh=True)
def fresh_only() -> Any:
    return jsonify(identity=get_jwt_identity())


@app.get("/async-me")
@jwt_required()
async def async_me() -> Any:
    return jsonify(identity=get_jwt_identity())


@app.post("/refresh")
@jwt_required(refresh=True)
def refresh() -> Any:
    identity = get_jwt_identity()
    return jsonify(
        access_token=create_access_token(identity),
        refresh_token=create_refresh_token(identity),
    )


@app.delete("/logout")
@jwt_required()
def logout() -> Any:
    revoke_token(family=True)
    return jsonify(msg="bye")
