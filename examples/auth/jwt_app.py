"""Flask-JWT-Extended's tutorial: tokens at /login, a protected view, /refresh.

Ported by renaming imports (``flask_jwt_extended`` -> ``hipflask.jwt``).
The refresh view issues a new refresh token too, which turns on rotation:
a refresh token used twice revokes the whole login.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from hipflask import Flask
from hipflask import jsonify
from hipflask import request
from hipflask.jwt import JWTManager
from hipflask.jwt import create_access_token
from hipflask.jwt import create_refresh_token
from hipflask.jwt import current_user
from hipflask.jwt import get_jwt_identity
from hipflask.jwt import jwt_required
from hipflask.jwt import revoke_token
from hipflask.jwt import set_access_cookies
from hipflask.jwt import unset_jwt_cookies

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ.get(
    "HIPFLASK_SECRET_KEY", "dev-only-secret-key-replace-in-production"
)
app.config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(hours=1)
app.config["JWT_TOKEN_LOCATION"] = ["headers", "cookies"]
jwt = JWTManager(app)

PASSWORDS = {"test": "test"}


@jwt.user_lookup_loader
def user_lookup_callback(jwt_header: dict[str, Any], jwt_data: dict[str, Any]) -> Any:
    name = jwt_data["sub"]
    return {"name": name} if name in PASSWORDS else None


@app.route("/login", methods=["POST"])
def login() -> Any:
    username = request.json.get("username", None)
    password = request.json.get("password", None)
    if PASSWORDS.get(username) != password:
        return jsonify({"msg": "Bad username or password"}), 401
    access_token = create_access_token(identity=username, fresh=True)
    refresh_token = create_refresh_token(identity=username)
    return jsonify(access_token=access_token, refresh_token=refresh_token)


@app.route("/protected", methods=["GET"])
@jwt_required()
def protected() -> Any:
    return jsonify(logged_in_as=get_jwt_identity(), name=current_user["name"]), 200


@app.route("/refresh", methods=["POST"])
@jwt_required(refresh=True)
def refresh() -> Any:
    identity = get_jwt_identity()
    return jsonify(
        access_token=create_access_token(identity=identity, expires_delta=timedelta(minutes=5)),
        refresh_token=create_refresh_token(identity=identity),
    )


@app.route("/logout", methods=["DELETE"])
@jwt_required()
def logout() -> Any:
    revoke_token(family=True)
    return jsonify(msg="Access token revoked")


@app.route("/cookie-login", methods=["POST"])
def cookie_login() -> Any:
    response = jsonify({"msg": "login successful"})
    set_access_cookies(response, create_access_token(identity="test"))
    return response


@app.route("/cookie-logout", methods=["POST"])
def cookie_logout() -> Any:
    response = jsonify({"msg": "logout successful"})
    unset_jwt_cookies(response)
    return response
