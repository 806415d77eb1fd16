"""Extension objects, created unbound and initialised in the app factory."""

from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_principal import Permission
from flask_principal import Principal
from flask_principal import RoleNeed
from flask_session import Session
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

db = SQLAlchemy()
migrate = Migrate()
login = LoginManager()
login.login_view = "auth.login"
login.login_message = "Please log in to access this page."
login.login_message_category = "info"
login.refresh_view = "auth.login"
login.needs_refresh_message = "Please sign in again to confirm it is you."
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=["200 per day", "50 per hour"])
cors = CORS()
jwt = JWTManager()
server_session = Session()
talisman = Talisman()
principal = Principal()

admin_permission = Permission(RoleNeed("admin"))
