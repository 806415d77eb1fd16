"""JSON Web Tokens for APIs: Flask-JWT-Extended's API (``flask_jwt_extended``).

Port by renaming the import::

    from hipflask.jwt import JWTManager, create_access_token, jwt_required

Needs the ``jwt`` extra (``pip install 'hipflask[jwt]'``, PyJWT).
"""

from __future__ import annotations

from .._extras import require

require("jwt", extra="jwt")

# A submodule, reachable as an attribute after ``import hipflask.jwt`` as
# ``flask_jwt_extended.typing`` is.
from . import typing as typing  # noqa: E402
from .exceptions import CSRFError as CSRFError  # noqa: E402
from .exceptions import ExpiredSignatureError as ExpiredSignatureError  # noqa: E402
from .exceptions import FreshTokenRequired as FreshTokenRequired  # noqa: E402
from .exceptions import JWTDecodeError as JWTDecodeError  # noqa: E402
from .exceptions import JWTExtendedException as JWTExtendedException  # noqa: E402
from .exceptions import NoAuthorizationError as NoAuthorizationError  # noqa: E402
from .exceptions import RevokedTokenError as RevokedTokenError  # noqa: E402
from .exceptions import WrongTokenError as WrongTokenError  # noqa: E402
from .jwt_manager import JWTManager as JWTManager  # noqa: E402
from .utils import create_access_token as create_access_token  # noqa: E402
from .utils import create_refresh_token as create_refresh_token  # noqa: E402
from .utils import current_user as current_user  # noqa: E402
from .utils import decode_token as decode_token  # noqa: E402
from .utils import get_csrf_token as get_csrf_token  # noqa: E402
from .utils import get_current_user as get_current_user  # noqa: E402
from .utils import get_jti as get_jti  # noqa: E402
from .utils import get_jwt as get_jwt  # noqa: E402
from .utils import get_jwt_header as get_jwt_header  # noqa: E402
from .utils import get_jwt_identity as get_jwt_identity  # noqa: E402
from .utils import get_jwt_request_location as get_jwt_request_location  # noqa: E402
from .utils import get_unverified_jwt_headers as get_unverified_jwt_headers  # noqa: E402
from .utils import revoke_token as revoke_token  # noqa: E402
from .utils import set_access_cookies as set_access_cookies  # noqa: E402
from .utils import set_refresh_cookies as set_refresh_cookies  # noqa: E402
from .utils import unset_access_cookies as unset_access_cookies  # noqa: E402
from .utils import unset_jwt_cookies as unset_jwt_cookies  # noqa: E402
from .utils import unset_refresh_cookies as unset_refresh_cookies  # noqa: E402
from .view_decorators import jwt_required as jwt_required  # noqa: E402
from .view_decorators import verify_jwt_in_request as verify_jwt_in_request  # noqa: E402


def __getattr__(name: str) -> object:
    if name == "__version__":
        # Flask-JWT-Extended names its release, which ported code may read;
        # here it is hipflask's, read on use as the package sets it after
        # importing its modules.
        import hipflask

        return hipflask.__version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
