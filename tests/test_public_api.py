"""The import paths a ported Flask app uses resolve to working objects.

Porting is meant to be a rename of imports, so every public name Flask offers
from these modules must exist here too; a name disappearing is a breaking
change this test catches.
"""

from __future__ import annotations

import importlib
import io

import pytest

import hipflask
from hipflask import json as hipflask_json

FLASK_TOP_LEVEL = [
    "Blueprint",
    "Config",
    "Flask",
    "Request",
    "Response",
    "abort",
    "after_this_request",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "copy_current_request_context",
    "current_app",
    "flash",
    "g",
    "get_flashed_messages",
    "get_template_attribute",
    "got_request_exception",
    "has_app_context",
    "has_request_context",
    "json",
    "jsonify",
    "make_response",
    "message_flashed",
    "redirect",
    "render_template",
    "render_template_string",
    "request",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "send_file",
    "send_from_directory",
    "session",
    "signals",
    "stream_template",
    "stream_template_string",
    "stream_with_context",
    "template_rendered",
    "url_for",
]

MODULE_NAMES = {
    "hipflask.limiter": [
        "ExemptionScope",
        "HeaderNames",
        "Limit",
        "Limiter",
        "RateLimitExceeded",
        "RequestLimit",
        "RouteLimit",
    ],
    "hipflask.limiter.util": ["get_ipaddr", "get_remote_address"],
    "hipflask.cors": ["CORS", "cross_origin"],
    "hipflask.talisman": [
        "ALLOW_FROM",
        "DEFAULT_CSP_POLICY",
        "DEFAULT_PERMISSIONS_POLICY",
        "DEFAULT_REFERRER_POLICY",
        "DENY",
        "GOOGLE_CSP_POLICY",
        "ONE_YEAR_IN_SECS",
        "SAMEORIGIN",
        "Talisman",
    ],
    "hipflask.views": ["View", "MethodView", "http_method_funcs"],
    "hipflask.sessions": [
        "NullSession",
        "SecureCookieSession",
        "SecureCookieSessionInterface",
        "SessionInterface",
        "SessionMixin",
        "session_json_serializer",
        "Session",
        "ServerSideSession",
        "ServerSideSessionInterface",
        "RedisSessionInterface",
        "SqlAlchemySessionInterface",
        "FileSystemSessionInterface",
        "MemorySessionInterface",
    ],
    "hipflask.stores": ["MemoryStore", "Store", "create_store"],
    "hipflask.db": [
        "DatabaseContextError",
        "Model",
        "Pagination",
        "Query",
        "SQLAlchemy",
        "Session",
        "get_recorded_queries",
    ],
    "hipflask.db.migrate": [
        "Migrate",
        "check",
        "current",
        "downgrade",
        "heads",
        "history",
        "init",
        "migrate",
        "revision",
        "show",
        "stamp",
        "upgrade",
    ],
    "hipflask.db.model": ["Model", "camel_to_snake_case"],
    "hipflask.db.pagination": ["Pagination", "QueryPagination", "SelectPagination"],
    "hipflask.db.query": ["Query"],
    "hipflask.db.record_queries": ["get_recorded_queries"],
    "hipflask.db.session": ["Session"],
    "hipflask.login": [
        "AnonymousUserMixin",
        "EXEMPT_METHODS",
        "FlaskLoginClient",
        "LoginManager",
        "UserMixin",
        "confirm_login",
        "current_user",
        "fresh_login_required",
        "load_user_async",
        "login_fresh",
        "login_remembered",
        "login_required",
        "login_throttled",
        "login_url",
        "login_user",
        "logout_everywhere",
        "logout_user",
        "make_next_param",
        "permission_required",
        "roles_accepted",
        "roles_required",
        "safe_next_url",
        "session_protected",
        "set_login_view",
        "user_accessed",
        "user_loaded_from_cookie",
        "user_loaded_from_request",
        "user_logged_in",
        "user_logged_out",
        "user_login_confirmed",
        "user_needs_refresh",
        "user_unauthorized",
        "verify_login",
    ],
    "hipflask.principal": [
        "ActionNeed",
        "AnonymousIdentity",
        "Denial",
        "Identity",
        "IdentityContext",
        "ItemNeed",
        "Need",
        "Permission",
        "PermissionDenied",
        "Principal",
        "RoleNeed",
        "TypeNeed",
        "UserNeed",
        "get_identity",
        "identity_changed",
        "identity_loaded",
        "session_identity_loader",
        "session_identity_saver",
    ],
    "hipflask.jwt": [
        "JWTManager",
        "create_access_token",
        "create_refresh_token",
        "current_user",
        "decode_token",
        "get_csrf_token",
        "get_current_user",
        "get_jwt",
        "get_jwt_header",
        "get_jwt_identity",
        "get_jwt_request_location",
        "get_unverified_jwt_headers",
        "jwt_required",
        "revoke_token",
        "set_access_cookies",
        "set_refresh_cookies",
        "unset_access_cookies",
        "unset_jwt_cookies",
        "unset_refresh_cookies",
        "verify_jwt_in_request",
    ],
    "hipflask.jwt.exceptions": [
        "CSRFError",
        "FreshTokenRequired",
        "InvalidHeaderError",
        "InvalidQueryParamError",
        "JWTDecodeError",
        "JWTExtendedException",
        "NoAuthorizationError",
        "RevokedTokenError",
        "UserClaimsVerificationError",
        "UserLookupError",
        "WrongTokenError",
    ],
    "hipflask.json": ["dumps", "loads", "dump", "load", "jsonify", "JSONProvider"],
    "hipflask.json.provider": ["JSONProvider", "DefaultJSONProvider"],
    "hipflask.json.tag": ["JSONTag", "TaggedJSONSerializer"],
    "hipflask.cli": [
        "AppGroup",
        "FlaskGroup",
        "NoAppException",
        "ScriptInfo",
        "load_dotenv",
        "pass_script_info",
        "with_appcontext",
    ],
    "hipflask.testing": [
        "EnvironBuilder",
        "FlaskClient",
        "FlaskCliRunner",
        "HipflaskClient",
        "HipflaskCliRunner",
    ],
}


@pytest.mark.parametrize("name", FLASK_TOP_LEVEL)
def test_flask_top_level_name_exists(name: str) -> None:
    assert getattr(hipflask, name) is not None


@pytest.mark.parametrize(
    ("module", "name"), [(m, n) for m, names in MODULE_NAMES.items() for n in names]
)
def test_flask_module_name_exists(module: str, name: str) -> None:
    assert getattr(importlib.import_module(module), name) is not None


def test_flask_is_the_hipflask_class() -> None:
    assert hipflask.Flask is hipflask.Hipflask


def test_json_file_helpers_round_trip_outside_an_app() -> None:
    buffer = io.StringIO()

    hipflask_json.dump({"b": [1, 2], "a": "é"}, buffer)
    buffer.seek(0)

    assert hipflask_json.load(buffer) == {"b": [1, 2], "a": "é"}
    assert hipflask_json.load(io.BytesIO(b'{"x": null}')) == {"x": None}


def test_json_helpers_follow_the_app_provider() -> None:
    app = hipflask.Hipflask(__name__)
    app.json.sort_keys = True  # type: ignore[attr-defined]
    buffer = io.StringIO()

    with app.app_context():
        hipflask_json.dump({"b": 1, "a": 2}, buffer)
        response = hipflask_json.jsonify(a=1)

    assert buffer.getvalue().replace(" ", "") == '{"a":2,"b":1}'
    assert response.mimetype == "application/json"
    assert response.get_json() == {"a": 1}


def test_json_jsonify_outside_an_app_names_the_missing_context() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        hipflask_json.jsonify(a=1)
