"""Roles and permissions: Flask-Principal's API (``flask_principal``).

Port by renaming the import::

    from hipflask.principal import Principal, Permission, RoleNeed, identity_loaded

When :mod:`hipflask.login` is in use, the identity of the logged-in user
(with a ``UserNeed`` and a ``RoleNeed`` per role) is loaded automatically.
"""

from __future__ import annotations

from .identity import ActionNeed as ActionNeed
from .identity import AnonymousIdentity as AnonymousIdentity
from .identity import Identity as Identity
from .identity import ItemNeed as ItemNeed
from .identity import Need as Need
from .identity import RoleNeed as RoleNeed
from .identity import TypeNeed as TypeNeed
from .identity import UserNeed as UserNeed
from .permission import Denial as Denial
from .permission import IdentityContext as IdentityContext
from .permission import Permission as Permission
from .permission import PermissionDenied as PermissionDenied
from .principal import Principal as Principal
from .principal import get_identity as get_identity
from .principal import identity_changed as identity_changed
from .principal import identity_loaded as identity_loaded
from .principal import session_identity_loader as session_identity_loader
from .principal import session_identity_saver as session_identity_saver
from .principal import signals as signals


def __getattr__(name: str) -> object:
    if name == "__version__":
        # Flask-Principal names its release; here it is hipflask's, read on
        # use as the package sets it after importing its modules.
        import hipflask

        return hipflask.__version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
