"""Flask-JWT-Extended's documented usage, strictly typed, through hipflask.jwt."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hipflask import Flask
from hipflask import Response
from hipflask import jsonify
from hipflask import request
from hipflask.jwt import JWTManager
from hipflask.jwt import create_access_token
from hipflask.jwt import create_refresh_token
from hipflask.jwt import current_user
from hipflask.jwt import get_jwt
from hipflask.jwt import get_jwt_identity
from hipflask.jwt import jwt_required
from hipflask.jwt import set_access_cookies
from hipflask.jwt import unset_jwt_cookies
from hipflask.jwt import verify_jwt_in_request

jwt = JWTManager()
BLOCKLIST: set[str] = set()


class User:
    def __init__(self, user_id: int, name: str) -> None:
        self.id = user_id
        self.name = name


USERS = {1: User(1, "ada")}


@jwt.user_identity_loader
def user_identity_lookup(user: User) -> str:
    return str(user.id)


@jwt.user_lookup_loader
def user_lookup_callback(jwt_header: dict[str, Any], jwt_data: dict[str, Any]) -> User | None:
    return USERS.get(int(jwt_data["sub"]))


@jwt.token_in_blocklist_loader
def check_if_token_revoked(jwt_header: dict[str, Any], jwt_payload: dict[str, Any]) -> bool:
    return jwt_payload["jti"] in BLOCKLIST


@jwt.additional_claims_loader
def add_claims(identity: Any) -> dict[str, Any]:
    return {"role": "admin"}


@jwt.expired_token_loader
def expired(jwt_header: dict[str, Any], jwt_payload: dict[str, Any]) -> tuple[Response, int]:
    return jsonify(msg="token expired"), 401


@jwt.unauthorized_loader
def missing(reason: str) -> tuple[Response, int]:
    return jsonify(msg=reason), 401


@jwt.invalid_token_loader
def invalid(reason: str) -> tuple[Response, int]:
    return jsonify(msg=reason), 422


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["JWT_SECRET_KEY"] = "a-long-enough-secret-for-tests-0123456789"
    app.config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(hours=1)
    jwt.init_app(app)

    @app.post("/login")
    def login() -> Response:
        user = USERS[1]
        access: str = create_access_token(identity=user, additional_claims={"x": 1})
        refresh: str = create_refresh_token(identity=user)
        response = jsonify(access_token=access, refresh_token=refresh)
        set_access_cookies(response, access)
        return response

    @app.post("/refresh")
    @jwt_required(refresh=True)
    def refresh() -> Response:
        identity = get_jwt_identity()
        return jsonify(access_token=create_access_token(identity=identity, fresh=False))

    @app.get("/protected")
    @jwt_required()
    def protected() -> tuple[Response, int]:
        claims: dict[str, Any] = get_jwt()
        return jsonify(user=current_user.name, role=claims["role"]), 200

    @app.get("/optional")
    @jwt_required(optional=True)
    def optional() -> dict[str, Any]:
        return {"identity": get_jwt_identity()}

    @app.delete("/logout")
    @jwt_required(verify_type=False)
    def logout() -> Response:
        BLOCKLIST.add(get_jwt()["jti"])
        response = jsonify(msg="bye")
        unset_jwt_cookies(response)
        return response

    @app.before_request
    def peek() -> None:
        if request.path.startswith("/api"):
            verify_jwt_in_request(optional=True)

    return app
