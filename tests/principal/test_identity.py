from __future__ import annotations

import pytest

from hipflask.principal import ActionNeed
from hipflask.principal import AnonymousIdentity
from hipflask.principal import Identity
from hipflask.principal import ItemNeed
from hipflask.principal import Need
from hipflask.principal import Permission
from hipflask.principal import RoleNeed
from hipflask.principal import TypeNeed
from hipflask.principal import UserNeed


def test_needs_are_plain_comparable_tuples() -> None:
    assert RoleNeed("admin") == Need("role", "admin") == ("role", "admin")
    assert UserNeed(3) == Need("id", 3)
    assert TypeNeed("staff") == ("type", "staff")
    assert ActionNeed("read") == ("action", "read")
    assert ItemNeed("update", 7, "post") == ("update", 7, "post")
    assert ItemNeed("update", 7, "post").type == "post"


def test_identity_can_is_the_permissions_verdict() -> None:
    identity = Identity(1, "login")
    identity.provides.add(RoleNeed("admin"))
    assert identity.can(Permission(RoleNeed("admin")))
    assert not identity.can(Permission(RoleNeed("root")))
    # Flask-Principal's form, which logs and doctests of ported apps show.
    assert repr(identity) == (
        "<Identity id=\"1\" auth_type=\"login\" provides={Need(method='role', value='admin')}>"
    )
    assert (
        repr(AnonymousIdentity()) == '<AnonymousIdentity id="None" auth_type="None" provides=set()>'
    )


def test_anonymous_identity_has_no_id_and_no_needs() -> None:
    anonymous = AnonymousIdentity()
    assert anonymous.id is None
    assert anonymous.provides == set()
    assert anonymous.can(Permission())


def test_version_is_the_package_version() -> None:
    # Flask-Principal exports its release as ``__version__``; code that logs
    # or checks it keeps working, and reads hipflask's.
    import hipflask
    import hipflask.principal

    assert hipflask.principal.__version__ == hipflask.__version__
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        hipflask.principal.nothing  # noqa: B018
