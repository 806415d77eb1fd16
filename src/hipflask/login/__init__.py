"""Session logins: Flask-Login's API (``flask_login``), with logouts that stick.

Port by renaming the import::

    from hipflask.login import LoginManager, UserMixin, login_user, login_required

Login throttling needs the ``login`` extra (``pip install 'hipflask[login]'``,
the ``limits`` library).
"""

from __future__ import annotations

from .config import AUTH_HEADER_NAME as AUTH_HEADER_NAME
from .config import COOKIE_DURATION as COOKIE_DURATION
from .config import COOKIE_HTTPONLY as COOKIE_HTTPONLY
from .config import COOKIE_NAME as COOKIE_NAME
from .config import COOKIE_SECURE as COOKIE_SECURE
from .config import ID_ATTRIBUTE as ID_ATTRIBUTE
from .config import LOGIN_MESSAGE as LOGIN_MESSAGE
from .config import LOGIN_MESSAGE_CATEGORY as LOGIN_MESSAGE_CATEGORY
from .config import REFRESH_MESSAGE as REFRESH_MESSAGE
from .config import REFRESH_MESSAGE_CATEGORY as REFRESH_MESSAGE_CATEGORY
from .credentials import verify_login as verify_login
from .login_manager import LoginManager as LoginManager
from .mixins import AnonymousUserMixin as AnonymousUserMixin
from .mixins import UserMixin as UserMixin
from .roles import permission_required as permission_required
from .roles import roles_accepted as roles_accepted
from .roles import roles_required as roles_required
from .signals import session_protected as session_protected
from .signals import user_accessed as user_accessed
from .signals import user_loaded_from_cookie as user_loaded_from_cookie
from .signals import user_loaded_from_request as user_loaded_from_request
from .signals import user_logged_in as user_logged_in
from .signals import user_logged_out as user_logged_out
from .signals import user_login_confirmed as user_login_confirmed
from .signals import user_needs_refresh as user_needs_refresh
from .signals import user_unauthorized as user_unauthorized
from .utils import EXEMPT_METHODS as EXEMPT_METHODS
from .utils import confirm_login as confirm_login
from .utils import current_user as current_user
from .utils import decode_cookie as decode_cookie
from .utils import encode_cookie as encode_cookie
from .utils import fresh_login_required as fresh_login_required
from .utils import load_user_async as load_user_async
from .utils import login_fresh as login_fresh
from .utils import login_remembered as login_remembered
from .utils import login_required as login_required
from .utils import login_throttled as login_throttled
from .utils import login_url as login_url
from .utils import login_user as login_user
from .utils import logout_everywhere as logout_everywhere
from .utils import logout_user as logout_user
from .utils import make_next_param as make_next_param
from .utils import safe_next_url as safe_next_url
from .utils import session_login_data as session_login_data
from .utils import set_login_view as set_login_view


def __getattr__(name: str) -> object:
    # Flask-Login exports its test client here; it lives with the test tools,
    # which sit above the suites, so it is imported on first use.
    if name == "FlaskLoginClient":
        import importlib

        return importlib.import_module("hipflask.testing.login").FlaskLoginClient
    if name == "__version__":
        # Flask-Login's names its release; here it is hipflask's.
        import hipflask

        return hipflask.__version__
    if name == "user_loaded_from_header":
        from .signals import deprecated

        return deprecated(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
