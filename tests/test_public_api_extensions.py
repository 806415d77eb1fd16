"""Our extension modules against the installed ones: names, parameters, methods, versions."""

from __future__ import annotations

import importlib

import pytest
from tests.signatures import parameters

import hipflask

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
        theirs = parameters(getattr(reference, name, None))
        if theirs is None:
            continue
        if parameters(getattr(ours, name)) != theirs:
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
