"""The import paths a ported Flask app uses resolve to working objects.

Porting is meant to be a rename of imports, so every public name Flask offers
from these modules must exist here too; a name disappearing is a breaking
change this test catches.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import io
from pathlib import Path

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

# Flask 3.1's public modules and the names its API reference documents for each
# (plus those extensions are known to import from there), written out so that
# a name disappearing from either side is noticed.
FLASK_MODULE_NAMES = {
    "app": ["Flask"],
    "blueprints": ["Blueprint", "BlueprintSetupState"],
    "cli": [
        "AppGroup",
        "CertParamType",
        "FlaskGroup",
        "NoAppException",
        "ScriptInfo",
        "SeparatedPathType",
        "cli",
        "find_app_by_string",
        "find_best_app",
        "get_version",
        "load_dotenv",
        "locate_app",
        "main",
        "pass_script_info",
        "prepare_import",
        "routes_command",
        "run_command",
        "shell_command",
        "with_appcontext",
    ],
    "config": ["Config", "ConfigAttribute"],
    "ctx": [
        "AppContext",
        "RequestContext",
        "_AppCtxGlobals",
        "after_this_request",
        "copy_current_request_context",
        "has_app_context",
        "has_request_context",
    ],
    "debughelpers": [
        "DebugFilesKeyError",
        "FormDataRoutingRedirect",
        "UnexpectedUnicodeError",
        "attach_enctype_error_multidict",
        "explain_template_loading_attempts",
    ],
    "globals": ["app_ctx", "current_app", "g", "request", "request_ctx", "session"],
    "helpers": [
        "abort",
        "flash",
        "get_debug_flag",
        "get_flashed_messages",
        "get_load_dotenv",
        "get_root_path",
        "get_template_attribute",
        "make_response",
        "redirect",
        "send_file",
        "send_from_directory",
        "stream_with_context",
        "url_for",
    ],
    "json": ["dump", "dumps", "jsonify", "load", "loads"],
    "json.provider": ["DefaultJSONProvider", "JSONProvider"],
    "json.tag": [
        "JSONTag",
        "PassDict",
        "PassList",
        "TagBytes",
        "TagDateTime",
        "TagDict",
        "TagMarkup",
        "TagTuple",
        "TagUUID",
        "TaggedJSONSerializer",
    ],
    "logging": ["create_logger", "default_handler", "has_level_handler", "wsgi_errors_stream"],
    "sessions": [
        "NullSession",
        "SecureCookieSession",
        "SecureCookieSessionInterface",
        "SessionInterface",
        "SessionMixin",
        "TaggedJSONSerializer",
        "session_json_serializer",
    ],
    "signals": [
        "Namespace",
        "appcontext_popped",
        "appcontext_pushed",
        "appcontext_tearing_down",
        "before_render_template",
        "got_request_exception",
        "message_flashed",
        "request_finished",
        "request_started",
        "request_tearing_down",
        "template_rendered",
    ],
    "templating": [
        "DispatchingJinjaLoader",
        "Environment",
        "render_template",
        "render_template_string",
        "stream_template",
        "stream_template_string",
    ],
    "testing": ["EnvironBuilder", "FlaskCliRunner", "FlaskClient"],
    "typing": [
        "AfterRequestCallable",
        "AppOrBlueprintKey",
        "BeforeFirstRequestCallable",
        "BeforeRequestCallable",
        "ErrorHandlerCallable",
        "HeaderValue",
        "HeadersValue",
        "ResponseClass",
        "ResponseReturnValue",
        "ResponseValue",
        "RouteCallable",
        "ShellContextProcessorCallable",
        "TeardownCallable",
        "TemplateContextProcessorCallable",
        "TemplateFilterCallable",
        "TemplateGlobalCallable",
        "TemplateTestCallable",
        "URLDefaultCallable",
        "URLValuePreprocessorCallable",
    ],
    "views": ["MethodView", "View", "http_method_funcs"],
    "wrappers": ["Request", "Response"],
}

# hipflask's own spellings beside Flask's.
HIPFLASK_MODULE_NAMES = {
    "hipflask.app": ["Hipflask"],
    "hipflask.cli": ["HipflaskGroup"],
    "hipflask.testing": ["HipflaskClient", "HipflaskCliRunner"],
    "hipflask.signals": ["signal", "signals_available"],
}

# Modules whose only job is to hold Flask's import path: ``X as X`` imports.
FACADES = [
    "app",
    "blueprints",
    "config",
    "ctx",
    "debughelpers",
    "globals",
    "helpers",
    "logging",
    "views",
    "wrappers/__init__",
]

SAME_OBJECT = [
    ("app", "Flask", "Flask"),
    ("globals", "request", "request"),
    ("helpers", "url_for", "url_for"),
    ("signals", "template_rendered", "template_rendered"),
    ("wrappers", "Request", "Request"),
    ("wrappers", "Response", "Response"),
]


@pytest.mark.parametrize(
    ("module", "name"), [(m, n) for m, names in FLASK_MODULE_NAMES.items() for n in names]
)
def test_every_flask_module_path_and_name_resolves(module: str, name: str) -> None:
    assert getattr(importlib.import_module(f"hipflask.{module}"), name) is not None


@pytest.mark.parametrize(
    ("module", "name"), [(m, n) for m, names in HIPFLASK_MODULE_NAMES.items() for n in names]
)
def test_hipflask_spellings_resolve(module: str, name: str) -> None:
    assert getattr(importlib.import_module(module), name) is not None


@pytest.mark.parametrize("module", sorted(FLASK_MODULE_NAMES))
def test_flask_documents_the_names_pinned_here(module: str) -> None:
    # The list above is Flask's, not ours: every pinned name exists in Flask 3.1.
    flask_module = importlib.import_module(f"flask.{module}")

    missing = [n for n in FLASK_MODULE_NAMES[module] if not hasattr(flask_module, n)]

    assert missing == []


@pytest.mark.parametrize("module", FACADES)
def test_facade_modules_hold_only_reexports(module: str) -> None:
    source = Path(hipflask.__file__).parent.joinpath(f"{module}.py").read_text()
    tree = ast.parse(source)

    body = tree.body[1:]  # after the docstring
    assert all(isinstance(node, ast.ImportFrom) for node in body)
    for node in body:
        assert isinstance(node, ast.ImportFrom)
        assert node.module == "__future__" or all(a.asname is not None for a in node.names)


@pytest.mark.parametrize(("module", "name", "top"), SAME_OBJECT)
def test_module_paths_give_the_same_objects_as_the_package(
    module: str, name: str, top: str
) -> None:
    assert getattr(importlib.import_module(f"hipflask.{module}"), name) is getattr(hipflask, top)


@pytest.mark.parametrize("name", FLASK_TOP_LEVEL)
def test_flask_top_level_name_exists(name: str) -> None:
    assert getattr(hipflask, name) is not None


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


# Constructors whose arguments differ from Flask's on purpose (docs/porting.rst):
# the request objects are built from neutral parts, the client takes a protocol,
# and the console entry point accepts an argument list.
SIGNATURE_DIFFERENCES = {
    ("cli", "main"),
    ("ctx", "RequestContext"),
    ("testing", "FlaskClient"),
    ("wrappers", "Request"),
}


def _parameters(obj: object) -> list[str] | None:
    target = obj.__init__ if inspect.isclass(obj) else obj  # type: ignore[misc]
    if not (inspect.isfunction(target) or inspect.ismethod(target)):
        return None
    return list(inspect.signature(target).parameters)


def _with_parameters() -> list[tuple[str, str]]:
    return [
        (m, n)
        for m, names in FLASK_MODULE_NAMES.items()
        for n in names
        if (m, n) not in SIGNATURE_DIFFERENCES
        and _parameters(getattr(importlib.import_module(f"flask.{m}"), n)) is not None
    ]


@pytest.mark.parametrize(("module", "name"), _with_parameters())
def test_functions_and_classes_take_flasks_parameters(module: str, name: str) -> None:
    flask_object = getattr(importlib.import_module(f"flask.{module}"), name)
    ours = getattr(importlib.import_module(f"hipflask.{module}"), name)

    assert _parameters(ours) == _parameters(flask_object)


@pytest.mark.parametrize(
    "module",
    [
        m
        for m in FLASK_MODULE_NAMES
        if "." not in m and m not in ("cli", "debughelpers", "testing", "views")
    ],
)
def test_flasks_submodules_are_attributes_after_importing_the_package(module: str) -> None:
    # ``import flask`` then ``flask.sessions.SessionInterface`` is common in extensions.
    # ``flask.views`` is not among them (Flask's package does not import it): this
    # test, asking for it, passed only after another test in the process imported it.
    assert getattr(hipflask, module) is importlib.import_module(f"hipflask.{module}")


#: The Flask extensions' homes (suites): every name their documentation offers.
SUITE_MODULE_NAMES: dict[str, list[str]] = {
    # flask_limiter, flask_limiter.util
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
    "hipflask.limiter.errors": ["RateLimitExceeded"],
    "hipflask.limiter.contrib.util": ["get_remote_address_cloudflare"],
    "hipflask.limiter.constants": ["ConfigVars", "ExemptionScope", "HeaderNames"],
    # flask_cors
    "hipflask.cors": ["CORS", "__version__", "cross_origin"],
    "hipflask.cors.extension": ["CORS"],
    "hipflask.cors.decorator": ["cross_origin"],
    "hipflask.cors.core": [
        "ACL_ALLOW_HEADERS",
        "ACL_CREDENTIALS",
        "ACL_EXPOSE_HEADERS",
        "ACL_MAX_AGE",
        "ACL_METHODS",
        "ACL_ORIGIN",
        "ACL_REQUEST_HEADERS",
        "ACL_REQUEST_HEADER_PRIVATE_NETWORK",
        "ACL_REQUEST_METHOD",
        "ACL_RESPONSE_PRIVATE_NETWORK",
        "ALL_METHODS",
    ],
    # flask_talisman
    "hipflask.talisman": [
        "ALLOW_FROM",
        "DEFAULT_CSP_POLICY",
        "DEFAULT_PERMISSIONS_POLICY",
        "DEFAULT_REFERRER_POLICY",
        "DENY",
        "GOOGLE_CSP_POLICY",
        "NONCE_LENGTH",
        "ONE_YEAR_IN_SECS",
        "SAMEORIGIN",
        "Talisman",
    ],
    "hipflask.restful": [
        "Api",
        "Resource",
        "abort",
        "marshal",
        "marshal_with",
        "marshal_with_field",
        "unpack",
        "output_json",
        "http_status_message",
        "DEFAULT_REPRESENTATIONS",
        "fields",
        "inputs",
        "reqparse",
        "validate",
        "Body",
        "Query",
        "ValidationFailed",
        # Flask's and Werkzeug's names Flask-RESTful's module carries
        "request",
        "current_app",
        "url_for",
        "got_request_exception",
        "MethodView",
        "HTTPException",
        "InternalServerError",
        "MethodNotAllowed",
        "NotAcceptable",
        "NotFound",
        "Headers",
        "ResponseBase",
        "OrderedDict",
        "original_flask_make_response",
        "original_flask_abort",
    ],
    "hipflask.restful.reqparse": ["Argument", "Namespace", "RequestParser"],
    "hipflask.restful.representations.json": ["output_json"],
    "hipflask.restful.utils": ["http_status_message", "unpack", "OrderedDict", "PY3"],
    "hipflask.restful.utils.cors": ["crossdomain"],
    "hipflask.restful.fields": [
        "Arbitrary",
        "Boolean",
        "DateTime",
        "Fixed",
        "Float",
        "FormattedString",
        "Integer",
        "List",
        "MarshallingException",
        "Nested",
        "Price",
        "Raw",
        "String",
        "Url",
        "get_value",
        "to_marshallable_type",
    ],
    "hipflask.restful.inputs": [
        "boolean",
        "date",
        "datetime_from_iso8601",
        "datetime_from_rfc822",
        "int_range",
        "iso8601interval",
        "natural",
        "positive",
        "regex",
        "url",
    ],
    "hipflask.openapi": ["OpenAPI", "doc", "openapi_document", "security_schemes"],
    # flask_admin and its generic modules (flask_admin.contrib.sqla is pinned with its backend)
    "hipflask.admin": [
        "Admin",
        "AdminIndexView",
        "BaseView",
        "expose",
        "expose_plugview",
        "has_default_access",
    ],
    "hipflask.admin.base": ["Admin", "AdminIndexView", "BaseView", "BaseViewClass", "expose"],
    "hipflask.admin.menu": [
        "BaseMenu",
        "MenuCategory",
        "MenuDivider",
        "MenuLink",
        "MenuView",
        "SubMenuCategory",
    ],
    "hipflask.admin.helpers": [
        "flash_errors",
        "get_current_view",
        "get_form_data",
        "get_redirect_target",
        "get_render_ctx",
        "get_url",
        "is_field_error",
        "is_form_submitted",
        "is_required_form_field",
        "is_safe_url",
        "prettify_class_name",
        "resolve_ctx",
        "set_current_view",
        "validate_form_on_submit",
    ],
    "hipflask.admin.actions": ["ActionsMixin", "action"],
    "hipflask.admin.babel": ["Translations", "gettext", "lazy_gettext", "ngettext"],
    "hipflask.admin.consts": [
        "ADMIN_ROUTES_HOST_VARIABLE",
        "ADMIN_ROUTES_HOST_VARIABLE_NAME",
        "ICON_TYPE_FONT_AWESOME",
        "ICON_TYPE_GLYPH",
        "ICON_TYPE_IMAGE",
        "ICON_TYPE_IMAGE_URL",
    ],
    "hipflask.admin.theme": ["Bootstrap4Theme", "BootstrapTheme", "Theme"],
    "hipflask.admin.tools": ["get_dict_attr", "iterdecode", "iterencode", "rec_getattr"],
    "hipflask.admin.form": [
        "BaseForm",
        "DatePickerWidget",
        "DateTimeField",
        "DateTimePickerWidget",
        "FileUploadField",
        "FileUploadInput",
        "FormOpts",
        "ImageUploadField",
        "ImageUploadInput",
        "JSONField",
        "RenderTemplateWidget",
        "SecureForm",
        "Select2Field",
        "Select2TagsField",
        "Select2TagsWidget",
        "Select2Widget",
        "TimeField",
        "TimePickerWidget",
        "namegen_filename",
        "recreate_field",
        "rules",
        "thumbgen_filename",
    ],
    "hipflask.admin.form.upload": [
        "FileUploadField",
        "FileUploadInput",
        "ImageUploadField",
        "ImageUploadInput",
        "namegen_filename",
        "thumbgen_filename",
    ],
    "hipflask.admin.form.rules": [
        "HTML",
        "BaseRule",
        "Container",
        "Field",
        "FieldSet",
        "Group",
        "Header",
        "Macro",
        "NestedRule",
        "Row",
        "RuleSet",
        "Text",
    ],
    "hipflask.admin.form.validators": ["FieldListInputRequired"],
    "hipflask.admin.model": ["BaseModelView", "InlineFormAdmin", "ViewArgs"],
    "hipflask.admin.model.base": ["BaseModelView", "FilterGroup", "ViewArgs"],
    "hipflask.admin.model.filters": [
        "BaseBooleanFilter",
        "BaseDateBetweenFilter",
        "BaseDateFilter",
        "BaseDateTimeBetweenFilter",
        "BaseDateTimeFilter",
        "BaseFilter",
        "BaseFilterConverter",
        "BaseFloatFilter",
        "BaseFloatListFilter",
        "BaseIntFilter",
        "BaseIntListFilter",
        "BaseTimeBetweenFilter",
        "BaseTimeFilter",
        "BaseUuidFilter",
        "BaseUuidListFilter",
        "convert",
    ],
    "hipflask.admin.model.form": [
        "InlineBaseFormAdmin",
        "InlineFormAdmin",
        "InlineModelConverterBase",
        "ModelConverterBase",
        "converts",
    ],
    "hipflask.admin.model.template": [
        "BaseListRowAction",
        "DeleteRowAction",
        "EditRowAction",
        "EndpointLinkRowAction",
        "LinkRowAction",
        "TemplateLinkRowAction",
        "ViewRowAction",
        "macro",
    ],
    "hipflask.admin.model.typefmt": ["BASE_FORMATTERS", "EXPORT_FORMATTERS", "bool_formatter"],
    # flask_wtf, flask_wtf.csrf, flask_wtf.file, flask_wtf.recaptcha
    "hipflask.forms": [
        "CSRFProtect",
        "FlaskForm",
        "Form",
        "Recaptcha",
        "RecaptchaField",
        "RecaptchaWidget",
    ],
    "hipflask.forms.csrf": ["CSRFError", "CSRFProtect", "generate_csrf", "validate_csrf"],
    "hipflask.forms.file": [
        "FileAllowed",
        "FileField",
        "FileRequired",
        "FileSize",
        "MultipleFileField",
        "file_allowed",
        "file_required",
        "file_size",
    ],
    "hipflask.forms.recaptcha": ["Recaptcha", "RecaptchaField", "RecaptchaWidget"],
    # flask_wtf.recaptcha's modules, which apps import from directly
    "hipflask.forms.recaptcha.fields": ["RecaptchaField"],
    "hipflask.forms.recaptcha.validators": [
        "RECAPTCHA_ERROR_CODES",
        "RECAPTCHA_VERIFY_SERVER_DEFAULT",
        "Recaptcha",
        "ValidationError",
    ],
    "hipflask.forms.recaptcha.widgets": [
        "RECAPTCHA_DIV_CLASS_DEFAULT",
        "RECAPTCHA_SCRIPT_DEFAULT",
        "RecaptchaWidget",
    ],
    "hipflask.security": [
        "check_password_hash",
        "generate_password_hash",
        "is_safe_redirect_target",
        "password_needs_rehash",
        "safe_redirect",
    ],
    "hipflask.security.redirects": ["is_safe_redirect_target", "safe_redirect"],
    "hipflask.stores": ["MemoryStore", "Store", "create_store"],
    # flask_session.base, as Flask-Session's API reference documents it.
    "hipflask.sessions.base": ["ServerSideSession", "ServerSideSessionInterface"],
    "hipflask.sessions.redis": ["RedisSession", "RedisSessionInterface"],
    "hipflask.sessions.sqlalchemy": ["SqlAlchemySession", "SqlAlchemySessionInterface"],
    "hipflask.sessions.filesystem": ["FileSystemSession", "FileSystemSessionInterface"],
    "hipflask.sessions.cachelib": ["CacheLibSession", "CacheLibSessionInterface"],
    "hipflask.db": [
        "DatabaseContextError",
        "Model",
        "Pagination",
        "Query",
        "SQLAlchemy",
        "Session",
        "before_models_committed",
        "get_recorded_queries",
        "models_committed",
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
    "hipflask.db.cli": ["add_models_to_shell"],
    "hipflask.db.model": ["Model", "camel_to_snake_case"],
    "hipflask.db.pagination": ["Pagination", "QueryPagination", "SelectPagination"],
    "hipflask.db.query": ["Query"],
    "hipflask.db.record_queries": ["get_recorded_queries"],
    "hipflask.db.session": ["Session"],
    "hipflask.db.track_modifications": ["before_models_committed", "models_committed"],
    "hipflask.json": ["dumps", "loads", "dump", "load", "jsonify", "JSONProvider"],
    "hipflask.json.provider": ["JSONProvider", "DefaultJSONProvider"],
    "hipflask.json.tag": ["JSONTag", "TaggedJSONSerializer"],
    "hipflask.login.config": ["AUTH_HEADER_NAME", "COOKIE_NAME", "SESSION_KEYS"],
    "hipflask.login.test_client": ["FlaskLoginClient"],
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
        "__version__",
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
    "hipflask.jwt.typing": ["ExpiresDelta", "Fresh"],
    "hipflask.jwt.default_callbacks": [
        "default_additional_claims_callback",
        "default_blocklist_callback",
        "default_expired_token_callback",
        "default_jwt_headers_callback",
        "default_needs_fresh_token_callback",
        "default_revoked_token_callback",
        "default_token_verification_callback",
        "default_token_verification_failed_callback",
        "default_unauthorized_callback",
        "default_user_identity_callback",
        "default_user_lookup_error_callback",
    ],
    "hipflask.cli": [
        "AppGroup",
        "FlaskGroup",
        "NoAppException",
        "ScriptInfo",
        "load_dotenv",
        "pass_script_info",
        "with_appcontext",
    ],
}


@pytest.mark.parametrize(
    ("module", "name"),
    [(module, name) for module, names in SUITE_MODULE_NAMES.items() for name in names],
)
def test_every_suite_module_path_and_name_resolves(module: str, name: str) -> None:
    assert hasattr(importlib.import_module(module), name)


#: A Flask extension's module and its hipflask home: every public name of the
#: extension (where it is installed, as the reference) must exist here.
EXTENSION_MODULES = {
    "flask_wtf": "hipflask.forms",
    "flask_wtf.csrf": "hipflask.forms.csrf",
    "flask_wtf.file": "hipflask.forms.file",
    "flask_wtf.recaptcha": "hipflask.forms.recaptcha",
    "flask_wtf.recaptcha.fields": "hipflask.forms.recaptcha.fields",
    "flask_wtf.recaptcha.validators": "hipflask.forms.recaptcha.validators",
    "flask_wtf.recaptcha.widgets": "hipflask.forms.recaptcha.widgets",
    # flask_admin.form is left out: its own names include F, a typing variable.
    "flask_admin": "hipflask.admin",
    "flask_admin.form.upload": "hipflask.admin.form.upload",
    "flask_admin.base": "hipflask.admin.base",
    "flask_admin.menu": "hipflask.admin.menu",
    "flask_admin.helpers": "hipflask.admin.helpers",
    "flask_admin.actions": "hipflask.admin.actions",
    "flask_admin.babel": "hipflask.admin.babel",
    "flask_admin.consts": "hipflask.admin.consts",
    "flask_admin.theme": "hipflask.admin.theme",
    "flask_admin.form.rules": "hipflask.admin.form.rules",
    "flask_admin.form.validators": "hipflask.admin.form.validators",
    "flask_admin.form.fields": "hipflask.admin.form.fields",
    "flask_admin.form.widgets": "hipflask.admin.form.widgets",
    "flask_admin.model": "hipflask.admin.model",
    "flask_admin.model.base": "hipflask.admin.model.base",
    "flask_admin.model.filters": "hipflask.admin.model.filters",
    "flask_admin.model.template": "hipflask.admin.model.template",
    "flask_admin.model.typefmt": "hipflask.admin.model.typefmt",
    "flask_login": "hipflask.login",
    "flask_login.config": "hipflask.login.config",
    "flask_login.login_manager": "hipflask.login.login_manager",
    "flask_login.mixins": "hipflask.login.mixins",
    "flask_login.signals": "hipflask.login.signals",
    "flask_login.test_client": "hipflask.login.test_client",
    "flask_login.utils": "hipflask.login.utils",
    "flask_principal": "hipflask.principal",
    "flask_jwt_extended": "hipflask.jwt",
    "flask_jwt_extended.config": "hipflask.jwt.config",
    "flask_jwt_extended.exceptions": "hipflask.jwt.exceptions",
    "flask_jwt_extended.jwt_manager": "hipflask.jwt.jwt_manager",
    "flask_jwt_extended.utils": "hipflask.jwt.utils",
    "flask_jwt_extended.view_decorators": "hipflask.jwt.view_decorators",
    "flask_jwt_extended.typing": "hipflask.jwt.typing",
    "flask_restful.utils": "hipflask.restful.utils",
    "flask_restful.utils.cors": "hipflask.restful.utils.cors",
    "flask_limiter": "hipflask.limiter",
    "flask_limiter.errors": "hipflask.limiter.errors",
    "flask_limiter.constants": "hipflask.limiter.constants",
    "flask_limiter.contrib.util": "hipflask.limiter.contrib.util",
    "flask_cors": "hipflask.cors",
    "flask_session.redis": "hipflask.sessions.redis",
    "flask_session.sqlalchemy": "hipflask.sessions.sqlalchemy",
    "flask_session.filesystem": "hipflask.sessions.filesystem",
    "flask_session.cachelib": "hipflask.sessions.cachelib",
}

#: The authentication extensions, whose functions and classes also take the same parameters.
AUTH_EXTENSIONS = ("flask_login", "flask_principal", "flask_jwt_extended")


@pytest.mark.parametrize(("extension", "module"), EXTENSION_MODULES.items())
def test_extension_module_names_exist(extension: str, module: str) -> None:
    reference = pytest.importorskip(extension)
    ours = importlib.import_module(module)
    assert [name for name in _extension_public(reference) if not hasattr(ours, name)] == []


def _extension_public(reference: object) -> list[str]:
    """The extension module's public names: ``__all__``, else its own objects (and settings)."""
    listed = getattr(reference, "__all__", None)
    if listed:
        return list(listed)
    prefix = getattr(reference, "__name__", "")
    return [
        name
        for name, value in vars(reference).items()
        if not name.startswith("_")
        and (
            getattr(value, "__module__", "").startswith(prefix)
            or (prefix.endswith(".config") and name.isupper())
        )
    ]


def test_the_jwt_config_object_has_the_extensions_attributes() -> None:
    reference = pytest.importorskip("flask_jwt_extended.config")
    ours = importlib.import_module("hipflask.jwt.config")
    theirs = {name for name in dir(type(reference.config)) if not name.startswith("_")}
    missing = theirs - set(dir(type(ours.config)))
    assert sorted(missing) == []


@pytest.mark.parametrize(
    ("extension", "module"),
    [(e, m) for e, m in EXTENSION_MODULES.items() if e.startswith(AUTH_EXTENSIONS)],
)
def test_extension_functions_and_classes_take_its_parameters(extension: str, module: str) -> None:
    reference = pytest.importorskip(extension)
    ours = importlib.import_module(module)
    differing = []
    for name in _extension_public(reference):
        theirs = _parameters(getattr(reference, name, None))
        if theirs is None:
            continue
        if _parameters(getattr(ours, name)) != theirs:
            differing.append(name)
    assert differing == []


@pytest.mark.parametrize(
    ("extension", "ours"),
    [
        ("flask_login", "hipflask.login.LoginManager"),
        ("flask_principal", "hipflask.principal.Principal"),
        ("flask_principal", "hipflask.principal.Permission"),
        ("flask_principal", "hipflask.principal.Identity"),
        ("flask_jwt_extended", "hipflask.jwt.JWTManager"),
    ],
)
def test_extension_classes_have_its_methods(extension: str, ours: str) -> None:
    reference = pytest.importorskip(extension)
    module, _, name = ours.rpartition(".")
    mine = getattr(importlib.import_module(module), name)
    theirs = getattr(reference, name)
    missing = [
        method
        for method, value in vars(theirs).items()
        if not method.startswith("_") and callable(value) and not hasattr(mine, method)
    ]
    assert missing == []


def test_safe_redirect_is_importable_from_the_package() -> None:
    assert importlib.import_module("hipflask").safe_redirect is not None


# The extensions that export their release as ``__version__`` (Flask-Limiter's
# own example app serves ``flask_limiter.__version__`` from a view): the same
# attribute on each counterpart, hipflask's version there.
EXTENSIONS_WITH_A_VERSION = [
    "hipflask.cors",
    "hipflask.forms",
    "hipflask.login",
    "hipflask.principal",
    "hipflask.limiter",
    "hipflask.jwt",
    "hipflask.sessions",
    "hipflask.admin",
    "hipflask.db",
]


@pytest.mark.parametrize("module", EXTENSIONS_WITH_A_VERSION)
def test_the_extensions_version_attribute_is_hipflask_s(module: str) -> None:
    assert importlib.import_module(module).__version__ == hipflask.__version__
