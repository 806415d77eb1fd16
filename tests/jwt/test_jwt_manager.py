from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import jwt as pyjwt
import pytest
from tests.asgi_driver import lifespan
from tests.conftest import SECRET

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import jsonify
from hipflask import render_template_string
from hipflask.errors import ConfigurationError
from hipflask.jwt import JWTManager
from hipflask.jwt import create_access_token
from hipflask.jwt import create_refresh_token
from hipflask.jwt import jwt_required
from hipflask.jwt.default_callbacks import default_expired_token_callback
from hipflask.jwt.exceptions import JWTDecodeError
from hipflask.jwt.exceptions import JWTExtendedException

from .conftest import REFUSALS
from .conftest import bearer
from .conftest import build_app
from .conftest import pem_pair
from .conftest import refusal_app


def test_init_app_puts_every_default_in_the_config() -> None:
    app = Hipflask("m")
    JWTManager().init_app(app)
    assert app.config["JWT_ACCESS_TOKEN_EXPIRES"] == timedelta(minutes=15)
    assert app.config["JWT_BLOCKLIST_STORE"] == "memory://"
    assert app.extensions["flask-jwt-extended"]


def test_tokens_without_a_manager_say_how_to_set_one_up() -> None:
    app = Hipflask("m")
    app.config["SECRET_KEY"] = SECRET
    with app.app_context(), pytest.raises(ConfigurationError, match="JWTManager"):
        create_access_token("a")


@pytest.mark.parametrize(
    ("config", "method", "path", "match"),
    [
        ({"SECRET_KEY": None}, "post", "/login", "SECRET_KEY"),
        ({"JWT_ALGORITHM": "RS256"}, "post", "/login", "JWT_PRIVATE_KEY"),
        ({"JWT_ALGORITHM": "none"}, "post", "/login", "not accepted"),
        ({"JWT_ACCESS_TOKEN_EXPIRES": "15m"}, "post", "/login", "JWT_ACCESS_TOKEN_EXPIRES"),
        ({"JWT_TOKEN_LOCATION": ["header"]}, "get", "/protected", "JWT_TOKEN_LOCATION"),
        ({"JWT_TOKEN_LOCATION": []}, "get", "/protected", "JWT_TOKEN_LOCATION"),
    ],
)
def test_setup_mistakes_are_runtime_errors_as_with_the_extension(
    protocol: str, config: dict[str, Any], method: str, path: str, match: str
) -> None:
    # Flask-JWT-Extended raises RuntimeError for each; code (and tests) written
    # for it catch that, and must still catch hipflask's ConfigurationError.
    client = build_app(**config).test_client(protocol=protocol)
    with pytest.raises(RuntimeError, match=match) as caught:
        getattr(client, method)(path)
    assert isinstance(caught.value, ConfigurationError)


def test_tokens_without_a_manager_are_a_runtime_error_too() -> None:
    app = Hipflask("m")
    app.config["SECRET_KEY"] = SECRET
    with app.app_context(), pytest.raises(RuntimeError, match="JWTManager"):
        create_access_token("a")


def test_bad_blocklist_store_setting_is_a_configuration_error() -> None:
    app = build_app(JWT_BLOCKLIST_STORE=42)
    with app.app_context(), pytest.raises(ConfigurationError, match="JWT_BLOCKLIST_STORE"):
        create_refresh_token("a")


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_every_error_loader_replaces_the_default_answer(protocol: str) -> None:
    app = build_app()
    manager = app.extensions["test_jwt"]

    @manager.unauthorized_loader
    def unauthorized(reason: str) -> Any:
        return jsonify(custom="unauthorized", reason=reason), 401

    @manager.invalid_token_loader
    def invalid(reason: str) -> Any:
        return jsonify(custom="invalid"), 422

    @manager.expired_token_loader
    def expired(header: dict[str, Any], data: dict[str, Any]) -> Any:
        return jsonify(custom="expired", sub=data["sub"]), 401

    @manager.revoked_token_loader
    def revoked(header: dict[str, Any], data: dict[str, Any]) -> Any:
        return jsonify(custom="revoked"), 401

    @manager.needs_fresh_token_loader
    def needs_fresh(header: dict[str, Any], data: dict[str, Any]) -> Any:
        return jsonify(custom="fresh"), 401

    @manager.user_lookup_error_loader
    def lookup_error(header: dict[str, Any], data: dict[str, Any]) -> Any:
        return jsonify(custom="lookup"), 404

    @manager.token_verification_failed_loader
    def verification_failed(header: dict[str, Any], data: dict[str, Any]) -> Any:
        return jsonify(custom="claims"), 403

    client = app.test_client(protocol=protocol)
    with app.test_request_context():
        expired_token = create_access_token("old", expires_delta=timedelta(seconds=-1))
        stale = create_access_token("x")
    assert client.get("/protected").json["custom"] == "unauthorized"
    assert client.get("/protected", headers=bearer("x")).json == {"custom": "invalid"}
    assert client.get("/protected", headers=bearer(expired_token)).json == {
        "custom": "expired",
        "sub": "old",
    }
    assert client.get("/fresh", headers=bearer(stale)).json == {"custom": "fresh"}
    tokens = client.post("/login").json
    client.delete("/logout", headers=bearer(tokens["access_token"]))
    assert client.get("/protected", headers=bearer(tokens["access_token"])).json == {
        "custom": "revoked"
    }
    manager.token_verification_loader(lambda header, data: False)
    claims = client.get("/protected", headers=bearer(stale))
    assert (claims.status_code, claims.json) == (403, {"custom": "claims"})
    manager.token_verification_loader(lambda header, data: True)
    manager.user_lookup_loader(lambda header, data: None)
    assert client.get("/protected", headers=bearer(stale)).status_code == 404


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_app_handlers_for_pyjwts_errors_win_over_the_manager(protocol: str) -> None:
    # As in Flask-JWT-Extended, where the refusals are PyJWT's own classes:
    # an app handler for one of them registered after the manager answers
    # instead of it. Registered before the manager, it is kept too, which is
    # hipflask's choice: Flask-JWT-Extended's manager replaces it
    # (authentication.rst lists the difference).
    app = Hipflask("handlers")
    app.config.update(
        TESTING=True, SECRET_KEY=SECRET, JWT_ENCODE_ISSUER="me", JWT_DECODE_ISSUER="me"
    )

    @app.errorhandler(pyjwt.ExpiredSignatureError)
    def expired(error: Exception) -> Any:
        return jsonify(app_handler="expired", message=str(error)), 499

    JWTManager(app)

    @app.errorhandler(pyjwt.InvalidSignatureError)
    def bad_signature(error: Exception) -> Any:
        return jsonify(app_handler="bad signature"), 498

    @app.errorhandler(pyjwt.DecodeError)
    def decode_error(error: Exception) -> Any:
        return jsonify(app_handler="decode"), 497

    @app.errorhandler(pyjwt.PyJWTError)
    def any_pyjwt_error(error: Exception) -> Any:
        return jsonify(app_handler="too general"), 496

    @app.get("/p")
    @jwt_required()
    def protected() -> Any:
        return jsonify(ok=True)

    with app.app_context():
        late = create_access_token("a", expires_delta=timedelta(seconds=-5))
        good = create_access_token("a")
        foreign = create_access_token("a", additional_claims={"iss": "elsewhere"})
    client = app.test_client(protocol=protocol)

    def get(token: str) -> tuple[int, Any]:
        response = client.get("/p", headers=bearer(token))
        return response.status_code, response.json

    assert get(late) == (499, {"app_handler": "expired", "message": "Signature has expired"})
    assert get(good[:-4] + "AAAA") == (498, {"app_handler": "bad signature"})
    assert get("abc") == (497, {"app_handler": "decode"})
    # Handlers for a base class (DecodeError, which InvalidIssuerError is not
    # a subclass of, and PyJWTError) stay behind the manager's for
    # InvalidIssuerError, as in Flask-JWT-Extended.
    assert get(foreign) == (401, {"msg": "Invalid issuer"})


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_manager_answers_pyjwt_errors_without_app_handlers(protocol: str) -> None:
    app = build_app(JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=-5))
    manager = app.extensions["test_jwt"]

    @manager.expired_token_loader
    def expired(header: dict[str, Any], data: dict[str, Any]) -> Any:
        return jsonify(custom="expired", sub=data["sub"]), 401

    @app.get("/decodes-itself")
    def decodes_itself() -> Any:
        # PyJWT's error from the app's own code, answered as a refused token.
        return pyjwt.decode("abc", "k" * 32, algorithms=["HS256"])

    client = app.test_client(protocol=protocol)
    token = client.post("/login").json["access_token"]
    response = client.get("/protected", headers=bearer(token))
    assert (response.status_code, response.json) == (401, {"custom": "expired", "sub": "alice"})
    # Flask-JWT-Extended's idiom for going back to the default answer.
    manager.expired_token_loader(default_expired_token_callback)
    response = client.get("/protected", headers=bearer(token))
    assert response.json == {"msg": "Token has expired"}
    response = client.get("/decodes-itself")
    assert (response.status_code, response.json) == (422, {"msg": "Not enough segments"})


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_identity_claims_and_headers_loaders(protocol: str) -> None:
    app = build_app(JWT_ERROR_MESSAGE_KEY="error")
    manager = app.extensions["test_jwt"]
    manager.user_identity_loader(lambda user: user["id"])
    manager.additional_claims_loader(lambda user: {"role": user["role"]})
    manager.additional_headers_loader(lambda user: {"tenant": "t1"})

    @app.post("/issue")
    def issue() -> Any:
        return jsonify(token=create_access_token({"id": "7", "role": "admin"}))

    client = app.test_client(protocol=protocol)
    token = client.post("/issue").json["token"]
    claims = client.get("/protected", headers=bearer(token)).json["claims"]
    assert (claims["sub"], claims["role"]) == ("7", "admin")
    assert client.get("/protected").json == {"error": "Missing Authorization Header"}


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
@pytest.mark.parametrize("jwt_secret_key", [None, "jwt-secret-" * 4])
def test_tokens_with_a_kid_the_app_wrote_itself_verify(
    protocol: str, jwt_secret_key: str | None
) -> None:
    # Key ids an app writes for its own rotation scheme (with
    # additional_headers, or the headers loader) name no key of the ring;
    # Flask-JWT-Extended ignores kid, and the app's own tokens must verify.
    app = build_app(JWT_SECRET_KEY=jwt_secret_key)
    manager = app.extensions["test_jwt"]
    manager.additional_headers_loader(lambda identity: {"kid": "key-2024"})

    @app.post("/issue")
    def issue() -> Any:
        return jsonify(
            loader=create_access_token("a"),
            argument=create_access_token("b", additional_headers={"kid": "v1"}),
        )

    client = app.test_client(protocol=protocol)
    tokens = client.post("/issue").json
    by_loader = client.get("/protected", headers=bearer(tokens["loader"]))
    assert (by_loader.status_code, by_loader.json["identity"]) == (200, "a")
    assert pyjwt.get_unverified_header(tokens["loader"])["kid"] == "key-2024"
    by_argument = client.get("/protected", headers=bearer(tokens["argument"]))
    assert (by_argument.status_code, by_argument.json["identity"]) == (200, "b")
    # Signed with a key the app does not hold, such a kid is still refused.
    forged = pyjwt.encode(
        {"sub": "admin", "type": "access", "jti": "x"},
        "not-the-apps-key-" * 3,
        "HS256",
        headers={"kid": "key-2024"},
    )
    refused = client.get("/protected", headers=bearer(forged))
    assert (refused.status_code, refused.json) == (
        401,
        {"msg": "The token was signed with an unknown key"},
    )


def test_context_processor_offers_current_user_to_templates() -> None:
    app = Hipflask("m")
    app.config.update(SECRET_KEY=SECRET)
    manager = JWTManager(app, add_context_processor=True)
    manager.user_lookup_loader(lambda header, data: data["sub"].upper())

    @app.get("/page")
    @jwt_required()
    def page() -> str:
        return render_template_string("hello {{ current_user }}")

    with app.test_request_context():
        token = create_access_token("ann")
    assert app.test_client().get("/page", headers=bearer(token)).text == "hello ANN"


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_each_refusal_reaches_the_loader_flask_jwt_extended_calls(protocol: str, kind: str) -> None:
    refusal = REFUSALS[kind]
    app = refusal_app(kind)
    manager = app.extensions["test_jwt"]
    manager.invalid_token_loader(lambda reason: (jsonify(loader="invalid", reason=reason), 498))
    manager.expired_token_loader(lambda header, data: (jsonify(loader="expired"), 497))
    manager.unauthorized_loader(lambda reason: (jsonify(loader="unauthorized"), 496))
    response = app.test_client(protocol=protocol).get(
        "/protected", headers=bearer(refusal.make_token())
    )
    if kind == "expired":
        assert (response.status_code, response.json) == (497, {"loader": "expired"})
    else:
        expected = {"loader": "invalid", "reason": refusal.message}
        assert (response.status_code, response.json) == (498, expected)


#: The refusals an app's error handler for each class, registered after the
#: manager, answers instead of it; as observed with Flask-JWT-Extended, where
#: Flask walks the MRO of PyJWT's own classes and meets the manager's
#: handlers for DecodeError, MissingRequiredClaimError, InvalidAudienceError,
#: InvalidIssuerError, InvalidTokenError and the extension's classes.
APP_HANDLER_ANSWERS: dict[type[Exception], set[str]] = {
    pyjwt.DecodeError: {"bad signature", "not a token", "exp not a number"},
    pyjwt.InvalidTokenError: {
        "alg none",
        "iat not a number",
        "issued in the future",
        "jti not a string",
        "kid not a string",
        "not yet valid",
        "sub not a string",
    },
    pyjwt.PyJWTError: set(),
    JWTDecodeError: {"no identity"},
    JWTExtendedException: set(),
}


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
@pytest.mark.parametrize("handled", list(APP_HANDLER_ANSWERS), ids=lambda cls: cls.__name__)
def test_an_app_handler_answers_the_refusals_it_answers_with_the_extension(
    protocol: str, handled: type[Exception]
) -> None:
    answered = set()
    for kind, refusal in REFUSALS.items():
        app = refusal_app(kind)
        app.register_error_handler(handled, lambda error: (jsonify(app_handler=True), 299))
        client = app.test_client(protocol=protocol)
        response = client.get("/protected", headers=bearer(refusal.make_token()))
        if response.status_code == 299:
            answered.add(kind)
        else:
            assert set(response.json) == {"msg"}, kind
    assert answered == APP_HANDLER_ANSWERS[handled]


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_an_app_handler_for_the_extensions_base_stays_behind_the_manager(protocol: str) -> None:
    # Flask-JWT-Extended registers each of its classes: a handler for their
    # base, registered later, must not replace every loader's answer.
    app = build_app()

    @app.errorhandler(JWTExtendedException)
    def everything(error: Exception) -> Any:
        return jsonify(app_handler=True), 299

    client = app.test_client(protocol=protocol)
    refresh = client.post("/login").json["refresh_token"]
    assert client.get("/protected").json == {"msg": "Missing Authorization Header"}
    wrong_kind = client.get("/protected", headers=bearer(refresh))
    assert (wrong_kind.status_code, wrong_kind.json) == (
        401,
        {"msg": "Only non-refresh tokens are allowed"},
    )


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_a_key_of_the_wrong_kind_is_a_refusal_not_a_500(protocol: str) -> None:
    # PyJWT's InvalidKeyError is no InvalidTokenError, so no handler
    # Flask-JWT-Extended registers meets it (there it is a 500); hipflask
    # answers it as an invalid token.
    app = build_app(JWT_ALGORITHM="RS256", JWT_PRIVATE_KEY=pem_pair()[0])
    wrong_kind, _public = pem_pair("ec")
    app.extensions["test_jwt"].decode_key_loader(lambda header, data: wrong_kind)
    client = app.test_client(protocol=protocol)
    token = client.post("/login").json["access_token"]
    response = client.get("/protected", headers=bearer(token))
    assert response.status_code == 401
    assert set(response.json) == {"msg"}


@pytest.mark.parametrize("hooked", [False, True], ids=["catch-all", "jwt-handlers"])
def test_set_error_handler_callbacks_on_a_blueprint_beats_its_catch_all(
    protocol: str, hooked: bool
) -> None:
    # Flask-JWT-Extended's documented workaround for a blueprint whose own
    # errorhandler(Exception) would answer its views' refused tokens first.
    app = build_app()
    manager: JWTManager = app.extensions["test_jwt"]
    bp = Blueprint("api", __name__, url_prefix="/api")

    @bp.errorhandler(Exception)
    def catch_all(error: Exception) -> Any:
        return jsonify(caught=type(error).__name__), 500

    @bp.get("/me")
    @jwt_required()
    def me() -> Any:
        return jsonify(ok=True)

    if hooked:
        manager._set_error_handler_callbacks(bp)
    app.register_blueprint(bp)
    client = app.test_client(protocol=protocol)
    missing = client.get("/api/me")
    forged = client.get("/api/me", headers=bearer("not.a.token"))
    if hooked:
        assert missing.status_code == 401
        assert missing.json == {"msg": "Missing Authorization Header"}
        assert forged.status_code == 422
        assert "msg" in forged.json
    else:
        assert missing.status_code == 500
        assert missing.json == {"caught": "NoAuthorizationError"}
        assert forged.status_code == 500
    with app.test_request_context():
        token = create_access_token("ann")
    assert client.get("/api/me", headers=bearer(token)).json == {"ok": True}


def test_set_error_handler_callbacks_takes_an_object_with_only_errorhandler() -> None:
    manager = JWTManager()
    registered: dict[type[Exception], Any] = {}

    class RestxLikeApi:
        def errorhandler(self, cls: type[Exception]) -> Any:
            def add(handler: Any) -> Any:
                registered[cls] = handler
                return handler

            return add

    manager._set_error_handler_callbacks(RestxLikeApi())
    assert JWTExtendedException in registered
    assert pyjwt.ExpiredSignatureError in registered
    assert all(handler == manager._handle_error for handler in registered.values())


@pytest.mark.parametrize("store", ["memory://", None])
def test_lifespan_shutdown_closes_what_the_blocklist_opened_once(store: str | None) -> None:
    app = build_app(JWT_BLOCKLIST_STORE=store)
    manager: JWTManager = app.extensions["test_jwt"]
    manager.init_app(app)  # again: still one shutdown hook
    assert len(app.after_serving_funcs) == 1
    asyncio.run(_serve_lifespan(app))  # nothing opened yet
    client: Any = app.test_client()
    token = client.post("/login").json["access_token"]
    assert client.get("/protected", headers=bearer(token)).status_code == 200
    asyncio.run(_serve_lifespan(app))


async def _serve_lifespan(app: Hipflask) -> None:
    async with lifespan(app):
        pass
