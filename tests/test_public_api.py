"""Flask's import paths resolve to working objects with Flask's parameters.

Porting is meant to be a rename of imports, so every public name Flask offers
from these modules must exist here too; a name disappearing is a breaking
change this test catches.
"""

from __future__ import annotations

import ast
import importlib
import io
from pathlib import Path

import pytest
from tests.signatures import parameters

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


def _with_parameters() -> list[tuple[str, str]]:
    return [
        (m, n)
        for m, names in FLASK_MODULE_NAMES.items()
        for n in names
        if (m, n) not in SIGNATURE_DIFFERENCES
        and parameters(getattr(importlib.import_module(f"flask.{m}"), n)) is not None
    ]


@pytest.mark.parametrize(("module", "name"), _with_parameters())
def test_functions_and_classes_take_flasks_parameters(module: str, name: str) -> None:
    flask_object = getattr(importlib.import_module(f"flask.{module}"), name)
    ours = getattr(importlib.import_module(f"hipflask.{module}"), name)

    assert parameters(ours) == parameters(flask_object)


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
