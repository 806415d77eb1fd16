"""The Redis store: state shared by every process and machine of an app.

One command per operation, built once (:meth:`RedisStore._command`) and sent
either by redis-py's sync client or by its asyncio client. The asyncio client
belongs to the event loop it first ran on, so one is kept per loop; a server
has one loop, a test suite may have many.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from .._extras import require
from .base import OperationStore
from .base import check_ttl
from .base import check_value
from .base import ttl_milliseconds

# Renew or clear an entry's expiry only if it exists, in one round trip and
# atomically (a separate EXISTS then PEXPIRE could act on a key that expired
# or was deleted in between).
_TOUCH_SCRIPT = """
if redis.call('exists', KEYS[1]) == 1 then
  if ARGV[1] == '' then redis.call('persist', KEYS[1])
  else redis.call('pexpire', KEYS[1], ARGV[1]) end
  return 1
end
return 0
"""

# Replace a value only if it is still the one the caller read, in one round
# trip and atomically (GET then SET could overwrite a write made in between).
_COMPARE_AND_SET_SCRIPT = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  if ARGV[3] == '' then redis.call('set', KEYS[1], ARGV[2])
  else redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
  return 1
end
return 0
"""

# Connections per pool (per process, and per event loop for the async client),
# and how long a request waits for one before it fails.
_MAX_CONNECTIONS = 64
_POOL_TIMEOUT = 20.0

_Command = tuple[str, tuple[Any, ...], dict[str, Any]]


class RedisStore(OperationStore):
    """A :class:`~hipflask.stores.Store` in Redis, with native expiry.

    Give it a URL (both drivers are created from it) or a ready redis-py
    client. With only a sync ``client``, the async methods run its calls in a
    worker thread, so the event loop still never waits on the network.
    """

    def __init__(
        self,
        client: Any = None,
        *,
        url: str | None = None,
        async_client: Any = None,
        prefix: str = "",
    ) -> None:
        super().__init__(prefix)
        redis = require("redis", extra="redis")
        if client is None and url is None:
            url = "redis://127.0.0.1:6379/0"
        self.url = url
        if client is None:
            # A blocking pool waits for a free connection under a burst of
            # requests instead of failing with "Too many connections".
            pool = redis.BlockingConnectionPool.from_url(
                url, max_connections=_MAX_CONNECTIONS, timeout=_POOL_TIMEOUT
            )
            client = redis.Redis.from_pool(pool)
        self.client: Any = client
        self._fixed_async_client = async_client
        self._sync_scripts: dict[str, Any] = {}
        # Registered scripts belong to a client; one cache per async client.
        self._async_scripts: weakref.WeakKeyDictionary[Any, dict[str, Any]] = (
            weakref.WeakKeyDictionary()
        )
        self._async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "", **options: Any) -> RedisStore:
        """A store on the Redis server ``url`` names (``redis://host:port/db``)."""
        return cls(url=url, prefix=prefix, **options)

    # -- the logic, once -----------------------------------------------------

    def _command(self, operation: str, key: str, *args: Any) -> _Command:
        full_key = self.make_key(key)
        if operation == "get":
            return "get", (full_key,), {}
        if operation in ("set", "add"):
            value, ttl = args
            ttl = check_ttl(ttl)
            px = None if ttl is None else ttl_milliseconds(ttl)
            return "set", (full_key, check_value(value)), {"px": px, "nx": operation == "add"}
        if operation == "delete":
            return "delete", (full_key,), {}
        if operation == "compare_and_set":
            expected, value, ttl = args
            ttl = check_ttl(ttl)
            ms = "" if ttl is None else str(ttl_milliseconds(ttl))
            script_args = (full_key, bytes(expected), check_value(value), ms)
            return "script", (_COMPARE_AND_SET_SCRIPT, *script_args), {}
        (ttl,) = args
        ttl = check_ttl(ttl)
        ms = "" if ttl is None else str(ttl_milliseconds(ttl))
        return "script", (_TOUCH_SCRIPT, full_key, ms), {}

    @staticmethod
    def _result(operation: str, raw: Any) -> Any:
        if operation == "get":
            return None if raw is None else bytes(raw)
        if operation == "set":
            return None
        return bool(raw)

    # -- sync driver ---------------------------------------------------------

    @staticmethod
    def _script(client: Any, cache: dict[str, Any], source: str) -> Any:
        """A script registered on ``client``: sent by hash (EVALSHA), loaded once."""
        script = cache.get(source)
        if script is None:
            script = cache[source] = client.register_script(source)
        return script

    def _run(self, operation: str, key: str, *args: Any) -> Any:
        name, call_args, kwargs = self._command(operation, key, *args)
        if name == "script":
            source, full_key, *script_args = call_args
            script = self._script(self.client, self._sync_scripts, source)
            return self._result(operation, script(keys=[full_key], args=script_args))
        return self._result(operation, getattr(self.client, name)(*call_args, **kwargs))

    def close(self) -> None:
        self.client.close()

    # -- async driver --------------------------------------------------------

    def _async_client(self) -> Any:
        if self._fixed_async_client is not None:
            return self._fixed_async_client
        if self.url is None:
            return None
        loop = asyncio.get_running_loop()
        client = self._async_clients.get(loop)
        if client is None:
            asyncio_redis = require("redis.asyncio", extra="redis")
            pool = asyncio_redis.BlockingConnectionPool.from_url(
                self.url, max_connections=_MAX_CONNECTIONS, timeout=_POOL_TIMEOUT
            )
            client = asyncio_redis.Redis.from_pool(pool)
            self._async_clients[loop] = client
        return client

    async def _arun(self, operation: str, key: str, *args: Any) -> Any:
        name, call_args, kwargs = self._command(operation, key, *args)
        client = self._async_client()
        if client is None:
            return await asyncio.to_thread(self._run, operation, key, *args)
        if name == "script":
            source, full_key, *script_args = call_args
            cache = self._async_scripts.setdefault(client, {})
            script = self._script(client, cache, source)
            raw = await script(keys=[full_key], args=script_args)
        else:
            raw = await getattr(client, name)(*call_args, **kwargs)
        return self._result(operation, raw)

    async def aclose(self) -> None:
        if self._fixed_async_client is not None:
            await self._fixed_async_client.aclose()
            return
        client = self._async_clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()


__all__ = ["RedisStore"]
