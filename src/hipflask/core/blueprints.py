"""Blueprints: groups of routes, hooks and handlers registered on an app later.

A blueprint records what it is given and replays it on each registration,
with the registration's URL prefix, subdomain, URL defaults and name; so one
blueprint can be registered several times (under different names) and can
contain other blueprints.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from .scaffold import Scaffold
from .scaffold import SetupFinishedError
from .scaffold import registering
from .scaffold import setupmethod

if TYPE_CHECKING:
    from ..typing import RouteCallable
    from ..wrappers.response import Response
    from .app import Hipflask
    from .scaffold import T_after
    from .scaffold import T_before
    from .scaffold import T_ctx
    from .scaffold import T_def
    from .scaffold import T_pre
    from .scaffold import T_teardown

F = TypeVar("F", bound=Callable[..., Any])
DeferredSetupFunction = Callable[["BlueprintSetupState"], None]
_sentinel: Any = object()


class BlueprintSetupState:
    """One registration of a blueprint: the app and the options it was given."""

    def __init__(
        self,
        blueprint: Blueprint,
        app: Hipflask,
        options: dict[str, Any],
        first_registration: bool,
    ) -> None:
        self.app = app
        self.blueprint = blueprint
        self.options = options
        self.first_registration = first_registration
        subdomain = options.get("subdomain")
        self.subdomain = blueprint.subdomain if subdomain is None else subdomain
        url_prefix = options.get("url_prefix")
        self.url_prefix = blueprint.url_prefix if url_prefix is None else url_prefix
        self.name = options.get("name", blueprint.name)
        self.name_prefix = options.get("name_prefix", "")
        self.url_defaults = dict(blueprint.url_values_defaults)
        self.url_defaults.update(options.get("url_defaults", ()))

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: RouteCallable | None = None,
        **options: Any,
    ) -> None:
        """Register a rule on the app with this registration's prefix and name."""
        if self.url_prefix is not None:
            rule = (
                "/".join((self.url_prefix.rstrip("/"), rule.lstrip("/")))
                if rule
                else (self.url_prefix)
            )
        options.setdefault("subdomain", self.subdomain)
        if endpoint is None:
            if view_func is None:
                raise TypeError("expected view func if endpoint is not provided.")
            endpoint = view_func.__name__
        defaults = self.url_defaults
        if "defaults" in options:
            defaults = dict(defaults, **options.pop("defaults"))
        self.app.add_url_rule(
            rule,
            f"{self.name_prefix}.{self.name}.{endpoint}".lstrip("."),
            view_func,
            defaults=defaults,
            **options,
        )


class Blueprint(Scaffold):
    """A set of routes and hooks to register on an app, possibly several times."""

    _got_registered_once = False

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = _sentinel,
    ) -> None:
        super().__init__(
            import_name=import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if not name:
            raise ValueError("'name' may not be empty.")
        if "." in name:
            raise ValueError("'name' may not contain a dot '.' character.")
        self.name = name
        self.url_prefix = url_prefix
        self.subdomain = subdomain
        self.deferred_functions: list[DeferredSetupFunction] = []
        self.url_values_defaults = url_defaults or {}
        self.cli_group = cli_group
        self._blueprints: list[tuple[Blueprint, dict[str, Any]]] = []
        self._cli: Any = None

    def open_resource(self, resource: str, mode: str = "rb", encoding: str | None = "utf-8") -> Any:
        """Open a file relative to the blueprint's :attr:`root_path` for reading.

        Text is UTF-8 by default here, where the app's ``open_resource`` uses
        the locale's encoding: Flask 3.1 differs the same way.
        """
        return super().open_resource(resource, mode, encoding)

    @property
    def cli(self) -> Any:
        """A click group for this blueprint's commands (``hipflask <group> <cmd>``).

        Named after the blueprint, as Flask names it, so that
        ``app.cli.add_command(bp.cli)`` works before registration too; a
        ``cli_group`` given at registration renames it then.
        """
        if self._cli is None:
            from .commands import AppGroup

            self._cli = AppGroup()
            self._cli.name = self.name
        return self._cli

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_registered_once:
            raise SetupFinishedError(
                f"The setup method '{f_name}' can no longer be called on the blueprint"
                f" '{self.name}'. It has already been registered, and changes would not"
                " reach every registration. Make sure all routes, hooks and handlers are"
                " added before the blueprint is registered."
            )

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """Cache lifetime of this blueprint's static files: the app's ``SEND_FILE_MAX_AGE_DEFAULT``.

        Override it in a blueprint subclass for a lifetime of its own.
        """
        from ..contexts.globals import current_app
        from .files import configured_max_age

        return configured_max_age(current_app.config)

    def send_static_file(self, filename: str) -> Response:
        """Serve a file from the blueprint's static folder (its ``static`` endpoint).

        The cache lifetime is :meth:`get_send_file_max_age`'s, which by
        default reads the app's setting, so one setting governs every static
        folder.
        """
        from werkzeug.exceptions import NotFound

        from .files import send_from_directory

        if self.static_folder is None:
            raise NotFound()
        return send_from_directory(
            self.static_folder,
            filename,
            max_age=self.get_send_file_max_age(filename),
        )

    @setupmethod
    def record(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` on every registration of this blueprint."""
        self.deferred_functions.append(func)

    @setupmethod
    def record_once(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` on the first registration only."""

        def wrapper(state: BlueprintSetupState) -> None:
            if state.first_registration:
                func(state)

        self.record(wrapper)

    def make_setup_state(
        self, app: Hipflask, options: dict[str, Any], first_registration: bool = False
    ) -> BlueprintSetupState:
        """Create the state object passed to deferred functions."""
        return BlueprintSetupState(self, app, options, first_registration)

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: Any) -> None:
        """Nest another blueprint; its endpoints become ``parent.child.view``."""
        if blueprint is self:
            raise ValueError("Cannot register a blueprint on itself")
        self._blueprints.append((blueprint, options))

    def register(self, app: Hipflask, options: dict[str, Any]) -> None:
        """Replay the recorded setup on ``app``; called by ``app.register_blueprint``."""
        name_prefix = options.get("name_prefix", "")
        self_name = options.get("name", self.name)
        name = f"{name_prefix}.{self_name}".lstrip(".")
        if name in app.blueprints:
            bp_desc = "this" if app.blueprints[name] is self else "a different"
            existing_at = f" '{name}'" if self_name != name else ""
            raise ValueError(
                f"The name '{self_name}' is already registered for {bp_desc} blueprint"
                f"{existing_at}. Use 'name=' to provide a unique name."
            )
        first_bp_registration = not any(bp is self for bp in app.blueprints.values())
        app.blueprints[name] = self
        self._got_registered_once = True
        state = self.make_setup_state(app, options, first_bp_registration)
        if self.has_static_folder:
            state.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                view_func=self.send_static_file,
                endpoint="static",
            )
        self._merge_blueprint_funcs(app, name)
        for deferred in self.deferred_functions:
            deferred(state)
        self._register_cli(app, options, name)
        for blueprint, bp_options in self._blueprints:
            blueprint.register(app, self._nested_options(state, blueprint, bp_options, name))

    def _register_cli(self, app: Hipflask, options: dict[str, Any], name: str) -> None:
        if self._cli is None or not self._cli.commands:
            return
        cli_resolved_group = options.get("cli_group", self.cli_group)
        if cli_resolved_group is None:
            app.cli.commands.update(self._cli.commands)
        elif cli_resolved_group is _sentinel:
            self._cli.name = name
            app.cli.add_command(self._cli)
        else:
            self._cli.name = cli_resolved_group
            app.cli.add_command(self._cli)

    @staticmethod
    def _nested_options(
        state: BlueprintSetupState,
        blueprint: Blueprint,
        options: dict[str, Any],
        name: str,
    ) -> dict[str, Any]:
        options = options.copy()
        # ``url_prefix=None`` given at registration means "the blueprint's
        # own", exactly as if it had not been given.
        subdomain = options.get("subdomain")
        if subdomain is None:
            subdomain = blueprint.subdomain
        if state.subdomain is not None and subdomain is not None:
            options["subdomain"] = f"{subdomain}.{state.subdomain}"
        elif state.subdomain is not None:
            options["subdomain"] = state.subdomain
        url_prefix = options.get("url_prefix")
        if url_prefix is None:
            url_prefix = blueprint.url_prefix
        if state.url_prefix is not None and url_prefix is not None:
            options["url_prefix"] = state.url_prefix.rstrip("/") + "/" + url_prefix.lstrip("/")
        elif state.url_prefix is not None:
            options["url_prefix"] = state.url_prefix
        options["name_prefix"] = name
        return options

    def _merge_blueprint_funcs(self, app: Hipflask, name: str) -> None:
        def extend(bp_dict: dict[Any, list[Any]], parent_dict: dict[Any, list[Any]]) -> None:
            for key, values in bp_dict.items():
                key = name if key is None else f"{name}.{key}"
                parent_dict[key].extend(values)

        for key, handlers in self.error_handler_spec.items():
            key = name if key is None else f"{name}.{key}"
            merged: dict[int | None, dict[type[BaseException], Any]] = defaultdict(dict)
            for code, code_handlers in handlers.items():
                merged[code] = dict(code_handlers)
            app.error_handler_spec[key] = merged
        for endpoint, func in self.view_functions.items():
            app.view_functions[endpoint] = func
        extend(self.before_request_funcs, app.before_request_funcs)
        extend(self.after_request_funcs, app.after_request_funcs)
        extend(self.teardown_request_funcs, app.teardown_request_funcs)
        extend(self.url_default_functions, app.url_default_functions)
        extend(self.url_value_preprocessors, app.url_value_preprocessors)
        extend(self.template_context_processors, app.template_context_processors)

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Record a rule, registered with the blueprint's prefix and name later."""
        if endpoint and "." in endpoint:
            raise ValueError("'endpoint' may not contain a dot '.' character.")
        if view_func and hasattr(view_func, "__name__") and "." in view_func.__name__:
            raise ValueError("'view_func' name may not contain a dot '.' character.")
        self.record(
            lambda s: s.add_url_rule(
                rule,
                endpoint,
                view_func,
                provide_automatic_options=provide_automatic_options,
                **options,
            )
        )

    # -- app-wide registrations from a blueprint --------------------------

    @setupmethod
    def app_template_filter(self, name: str | None = None) -> Callable[[F], F]:
        """Register an app-wide template filter."""
        return registering(self.add_app_template_filter, name)

    @setupmethod
    def add_app_template_filter(self, f: Callable[..., Any], name: str | None = None) -> None:
        """Non-decorator form of :meth:`app_template_filter`."""
        self.record_once(lambda s: s.app.add_template_filter(f, name=name))

    @setupmethod
    def app_template_test(self, name: str | None = None) -> Callable[[F], F]:
        """Register an app-wide template test."""
        return registering(self.add_app_template_test, name)

    @setupmethod
    def add_app_template_test(self, f: Callable[..., bool], name: str | None = None) -> None:
        """Non-decorator form of :meth:`app_template_test`."""
        self.record_once(lambda s: s.app.add_template_test(f, name=name))

    @setupmethod
    def app_template_global(self, name: str | None = None) -> Callable[[F], F]:
        """Register an app-wide template global."""
        return registering(self.add_app_template_global, name)

    @setupmethod
    def add_app_template_global(self, f: Callable[..., Any], name: str | None = None) -> None:
        """Non-decorator form of :meth:`app_template_global`."""
        self.record_once(lambda s: s.app.add_template_global(f, name=name))

    @setupmethod
    def before_app_request(self, f: T_before) -> T_before:
        """Like ``before_request`` but for every request of the app."""
        self.record_once(lambda s: s.app.before_request_funcs.setdefault(None, []).append(f))
        return f

    @setupmethod
    def after_app_request(self, f: T_after) -> T_after:
        """Like ``after_request`` but for every request of the app."""
        self.record_once(lambda s: s.app.after_request_funcs.setdefault(None, []).append(f))
        return f

    @setupmethod
    def teardown_app_request(self, f: T_teardown) -> T_teardown:
        """Like ``teardown_request`` but for every request of the app."""
        self.record_once(lambda s: s.app.teardown_request_funcs.setdefault(None, []).append(f))
        return f

    @setupmethod
    def app_context_processor(self, f: T_ctx) -> T_ctx:
        """Like ``context_processor`` but for every template of the app."""
        self.record_once(lambda s: s.app.template_context_processors[None].append(f))
        return f

    @setupmethod
    def app_errorhandler(self, code: type[BaseException] | int) -> Callable[[F], F]:
        """Like ``errorhandler`` but for every request of the app."""

        def decorator(f: F) -> F:
            def register(state: BlueprintSetupState) -> None:
                state.app.errorhandler(code)(f)

            self.record_once(register)
            return f

        return decorator

    @setupmethod
    def app_url_value_preprocessor(self, f: T_pre) -> T_pre:
        """Like ``url_value_preprocessor`` but for every request of the app."""
        self.record_once(lambda s: s.app.url_value_preprocessors[None].append(f))
        return f

    @setupmethod
    def app_url_defaults(self, f: T_def) -> T_def:
        """Like ``url_defaults`` but for every URL built by the app."""
        self.record_once(lambda s: s.app.url_default_functions[None].append(f))
        return f
