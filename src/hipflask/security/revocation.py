"""Stores that say "this token or this login no longer counts".

The JWT blocklist and the login registry both keep short-lived marks with
an expiry: a revoked token needs its mark only until the token would have
expired anyway, a live login only until its cookie would. Both live in a
:mod:`hipflask.stores` store, so one setting moves them from process memory
to Redis or SQL when several processes serve the app and a logout in one
must hold in all.

A setting names the store with a URL (``"memory://"``, ``"redis://..."``,
an SQLAlchemy URL) or gives a ready :class:`~hipflask.stores.Store`;
``None`` turns the feature off.
"""

from __future__ import annotations

from typing import Any

from ..errors import ConfigurationError
from ..stores import Store
from ..stores import create_store

#: What the auth suites accept as a store.
StoreLike = Store


def open_store(setting: Any, prefix: str, name: str) -> Store | None:
    """The store a setting names, ``None`` when the setting turns it off.

    :param name: the setting's name, for the error message.
    :raises ConfigurationError: the setting is neither a URL nor a store.
    """
    if setting is None or setting is False:
        return None
    if isinstance(setting, str):
        return create_store(setting, prefix=prefix)
    if isinstance(setting, Store):
        return setting
    raise ConfigurationError(
        f"{name} must be a store URL such as 'memory://' or 'redis://127.0.0.1:6379/0',"
        f" a hipflask.stores store, or None to turn it off; got {setting!r}."
    )


__all__ = ["StoreLike", "open_store"]
