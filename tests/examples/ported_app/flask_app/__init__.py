"""A small social back office: the app factory wires the extensions and blueprints."""

import os

from flask import Flask
from flask import request
from flask_login import current_user
from flask_principal import Identity
from flask_principal import RoleNeed
from flask_principal import UserNeed
from flask_principal import identity_loaded
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import config
from .extensions import cors
from .extensions import csrf
from .extensions import db
from .extensions import jwt
from .extensions import limiter
from .extensions import login
from .extensions import migrate
from .extensions import principal
from .extensions import server_session
from .extensions import talisman

CSP = {
    "default-src": "'self'",
    "img-src": ["'self'", "https://www.gravatar.com", "data:"],
    "script-src": "'self'",
}


def create_app(config_name=None, **overrides):
    app = Flask(__name__)
    app.config.from_object(config[config_name or os.environ.get("APP_CONFIG", "default")])
    app.config.update(overrides)
    os.makedirs(app.config["UPLOAD_FOLDER"], exist_ok=True)
    if app.config["BEHIND_PROXY"]:
        # nginx in front terminates TLS and sets X-Forwarded-For / -Proto.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)

    db.init_app(app)
    migrate.init_app(app, db)
    login.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    jwt.init_app(app)
    principal.init_app(app)
    server_session.init_app(app)
    cors.init_app(
        app,
        resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}},
        supports_credentials=True,
        expose_headers=["X-Total-Count"],
    )
    talisman.init_app(
        app,
        force_https=app.config["TALISMAN_FORCE_HTTPS"],
        content_security_policy=CSP,
        content_security_policy_nonce_in=["script-src"],
        session_cookie_secure=app.config["TALISMAN_FORCE_HTTPS"],
    )

    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .errors import register_error_handlers
    from .main import bp as main_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(api_bp, url_prefix="/api")
    csrf.exempt(api_bp)
    register_error_handlers(app)

    from . import cli
    from . import jwt_callbacks  # noqa: F401 - registers the JWT loaders

    cli.register(app)

    @principal.identity_loader
    def identity_from_login():
        if current_user.is_authenticated:
            return Identity(current_user.id)
        return None

    @identity_loaded.connect_via(app)
    def on_identity_loaded(sender, identity):
        identity.user = current_user
        if current_user.is_authenticated:
            identity.provides.add(UserNeed(current_user.id))
            identity.provides.add(RoleNeed(current_user.role))

    @app.shell_context_processor
    def make_shell_context():
        from .models import Post
        from .models import User

        return {"db": db, "User": User, "Post": Post}

    @app.template_filter("shorten")
    def shorten(text, length=20):
        return text if len(text) <= length else text[: length - 1] + "…"

    @app.context_processor
    def inject_globals():
        return {"app_name": "Microblog", "current_path": request.path}

    return app


from . import models  # noqa: E402,F401 - the models register with db
