"""``SESSION_TYPE = "cachelib"``: each cachelib cache maps to the store for its place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import redis
from cachelib import BaseCache
from cachelib import DynamoDbCache
from cachelib import FileSystemCache
from cachelib import MemcachedCache
from cachelib import MongoDbCache
from cachelib import NullCache
from cachelib import RedisCache
from cachelib import SimpleCache
from cachelib import UWSGICache
from cachelib import ValkeyCache
from tests.conftest import SECRET
from tests.real_servers import redis_prefix
from tests.real_servers import redis_url
from tests.sessions.backends import entries

from hipflask import Hipflask
from hipflask import session
from hipflask.errors import ConfigurationError
from hipflask.sessions import FileSystemSessionInterface
from hipflask.sessions import MemorySessionInterface
from hipflask.sessions import RedisSessionInterface
from hipflask.sessions import Session


def make_app(tmp_path: Path, **config: Any) -> Hipflask:
    app = Hipflask("cachelib_app", instance_path=str(tmp_path / "instance"))
    app.config.update(TESTING=True, SECRET_KEY=SECRET, SESSION_TYPE="cachelib", **config)

    @app.get("/visit")
    def visit() -> Any:
        session["visits"] = session.get("visits", 0) + 1
        return {"visits": session["visits"]}

    return app


def visit_twice(app: Hipflask, protocol: str) -> list[Any]:
    client: Any = app.test_client(protocol=protocol)
    seen = [client.get("/visit").json, client.get("/visit").json]
    if protocol == "asgi":
        client._shim._run(app.session_interface.store.aclose())
        client._shim.close()
    return seen


# -- FileSystemCache -----------------------------------------------------------


def test_a_file_system_cache_keeps_sessions_in_its_directory(tmp_path: Path, protocol: str) -> None:
    directory = tmp_path / "cache"
    app = make_app(
        tmp_path,
        SESSION_CACHELIB=FileSystemCache(cache_dir=str(directory), threshold=500),
        SESSION_FILE_DIR=str(directory),
    )
    Session(app)
    assert isinstance(app.session_interface, FileSystemSessionInterface)
    # The cache has written a file count of its own there already.
    before = set(directory.iterdir())
    assert visit_twice(app, protocol) == [{"visits": 1}, {"visits": 2}]
    (record,) = set(entries(directory)) - before
    assert record.stat().st_mode & 0o777 == 0o600


def test_a_file_system_cache_without_its_directory_named_says_what_to_set(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, SESSION_CACHELIB=FileSystemCache(cache_dir=str(tmp_path / "c")))
    with pytest.raises(ConfigurationError, match="set SESSION_FILE_DIR to the cache_dir"):
        Session(app)


def test_a_session_file_dir_the_cache_did_not_create_is_refused(tmp_path: Path) -> None:
    # A typo, or a relative path from another working directory: the
    # sessions would silently go somewhere the app never chose.
    app = make_app(
        tmp_path,
        SESSION_CACHELIB=FileSystemCache(cache_dir=str(tmp_path / "cache")),
        SESSION_FILE_DIR=str(tmp_path / "cahce"),
    )
    with pytest.raises(ConfigurationError, match="not the FileSystemCache's directory"):
        Session(app)
    assert not (tmp_path / "cahce").exists()


def test_without_a_cache_sessions_go_to_flask_session_in_the_working_directory(
    tmp_path: Path, protocol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Flask-Session then creates FileSystemCache("flask_session").
    monkeypatch.chdir(tmp_path)
    app = make_app(tmp_path)
    Session(app)
    assert isinstance(app.session_interface, FileSystemSessionInterface)
    assert visit_twice(app, protocol) == [{"visits": 1}, {"visits": 2}]
    assert len(entries(tmp_path / "flask_session")) == 1
    assert not (tmp_path / "instance" / "sessions").exists()


def test_the_file_mode_comes_from_session_file_mode(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    app = make_app(tmp_path, SESSION_FILE_DIR=str(directory), SESSION_FILE_MODE=0o640)
    Session(app)
    visit_twice(app, "wsgi")
    (record,) = entries(directory)
    assert record.stat().st_mode & 0o777 == 0o640


# -- RedisCache ----------------------------------------------------------------


@pytest.mark.parametrize("as_client", [False, True], ids=["url", "client"])
def test_a_redis_cache_keeps_sessions_on_the_server_under_its_key_prefix(
    tmp_path: Path, protocol: str, as_client: bool
) -> None:
    with redis_prefix("sessions_cachelib") as prefix:
        url = redis_url()
        server: Any = redis.Redis.from_url(url) if as_client else url
        app = make_app(
            tmp_path,
            SESSION_CACHELIB=RedisCache(
                host="127.0.0.1", port=6379, db=0, key_prefix=prefix, default_timeout=60
            ),
            SESSION_REDIS=server,
        )
        Session(app)
        assert isinstance(app.session_interface, RedisSessionInterface)
        assert visit_twice(app, protocol) == [{"visits": 1}, {"visits": 2}]
        reader = redis.Redis.from_url(url)
        try:
            (key,) = reader.scan_iter(match=prefix + "*")
            lifetime = reader.pttl(key) / 1000
        finally:
            reader.close()
        assert key.decode().startswith(prefix + "session:")
        # The session's lifetime, not the cache's default_timeout.
        assert lifetime > 30 * 86400
        app.session_interface.store.close()


def test_a_valkey_cache_maps_to_the_redis_store_too(tmp_path: Path, protocol: str) -> None:
    with redis_prefix("sessions_valkey") as prefix:
        # The valkey client is not installed here; the cache's public
        # key_prefix is all the mapping reads.
        cache = ValkeyCache.__new__(ValkeyCache)
        cache.key_prefix = prefix
        app = make_app(tmp_path, SESSION_CACHELIB=cache, SESSION_REDIS=redis_url())
        Session(app)
        assert isinstance(app.session_interface, RedisSessionInterface)
        assert app.session_interface.store.prefix == prefix + "session:"
        assert visit_twice(app, protocol) == [{"visits": 1}, {"visits": 2}]
        app.session_interface.store.close()


def test_a_redis_cache_without_its_server_named_says_what_to_set(tmp_path: Path) -> None:
    app = make_app(tmp_path, SESSION_CACHELIB=RedisCache(host="cache.internal"))
    with pytest.raises(ConfigurationError, match="set SESSION_REDIS"):
        Session(app)


def test_a_redis_cache_with_a_key_prefix_function_is_refused(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        SESSION_CACHELIB=RedisCache(key_prefix=lambda: "tenant:"),
        SESSION_REDIS="redis://127.0.0.1:6379/0",
    )
    with pytest.raises(ConfigurationError, match="string key_prefix"):
        Session(app)


# -- SimpleCache and NullCache ------------------------------------------------------


@pytest.mark.parametrize("cache_class", [SimpleCache, NullCache])
def test_in_process_caches_map_to_the_memory_store(
    tmp_path: Path, protocol: str, cache_class: type[BaseCache]
) -> None:
    app = make_app(tmp_path, SESSION_CACHELIB=cache_class())
    Session(app)
    assert isinstance(app.session_interface, MemorySessionInterface)
    assert visit_twice(app, protocol) == [{"visits": 1}, {"visits": 2}]


# -- refusals ------------------------------------------------------------------------


def bare(cache_class: type[BaseCache]) -> BaseCache:
    """An instance that never ran ``__init__``: its client library is not installed."""
    return cache_class.__new__(cache_class)


@pytest.mark.parametrize(
    ("cache_class", "reason"),
    [
        (MemcachedCache, "drops entries before they expire"),
        (MongoDbCache, "no MongoDB store"),
        (DynamoDbCache, "no DynamoDB store"),
        (UWSGICache, "only inside a uWSGI server"),
    ],
)
def test_caches_that_cannot_keep_sessions_are_refused_at_init(
    tmp_path: Path, cache_class: type[BaseCache], reason: str
) -> None:
    app = make_app(tmp_path, SESSION_CACHELIB=bare(cache_class))
    with pytest.raises(ConfigurationError, match=reason) as caught:
        Session(app)
    assert f"{cache_class.__name__}(...)" in str(caught.value)
    assert "SESSION_TYPE = " in str(caught.value)


def test_a_cache_of_its_own_kind_is_refused_with_the_types_to_use(tmp_path: Path) -> None:
    class TwoLevelCache(BaseCache):
        pass

    app = make_app(tmp_path, SESSION_CACHELIB=TwoLevelCache())
    with pytest.raises(ConfigurationError, match=r"TwoLevelCache.*compare-and-set"):
        Session(app)


def test_something_else_than_a_cache_is_refused(tmp_path: Path) -> None:
    app = make_app(tmp_path, SESSION_CACHELIB={"host": "localhost"})
    with pytest.raises(ConfigurationError, match=r"cachelib cache \(.*\), not 'dict'"):
        Session(app)


# -- ported by renaming the imports ----------------------------------------------------

# Flask-Session's quickstart, on the type its configuration guide recommends.
# Without SESSION_CACHELIB, Flask-Session uses FileSystemCache("flask_session").
QUICKSTART = """
from hipflask import Flask, session
from hipflask.sessions import Session

app = Flask(__name__)

SESSION_TYPE = 'cachelib'
SESSION_SERIALIZATION_FORMAT = 'json'
app.config.from_object(__name__)
Session(app)

@app.route('/set/')
def set():
    session['key'] = 'value'
    return 'ok'

@app.route('/get/')
def get():
    return session.get('key', 'not set')
"""

# The same with the cache its configuration reference shows.
WITH_CACHE = QUICKSTART.replace(
    "app.config.from_object",
    "from cachelib.file import FileSystemCache\n"
    "SESSION_CACHELIB = FileSystemCache(cache_dir='flask_session', threshold=500)\n"
    "{extra}app.config.from_object",
)


def load_app(source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    import importlib
    import sys

    name = f"ported_cachelib_{abs(hash(source))}"
    (tmp_path / f"{name}.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        return importlib.import_module(name).app
    finally:
        sys.modules.pop(name, None)


def test_the_quickstart_ported_by_rename_works_unchanged(
    tmp_path: Path, protocol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = load_app(QUICKSTART, tmp_path, monkeypatch)
    client = app.test_client(protocol=protocol)
    assert client.get("/get/").text == "not set"
    assert client.get("/set/").text == "ok"
    assert client.get("/get/").text == "value"
    assert len(entries(tmp_path / "flask_session")) == 1


def test_a_ported_file_system_cache_needs_its_directory_named_once(
    tmp_path: Path, protocol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigurationError, match="SESSION_FILE_DIR = 'flask_session'"):
        load_app(WITH_CACHE.format(extra=""), tmp_path, monkeypatch)
    source = WITH_CACHE.format(extra="SESSION_FILE_DIR = 'flask_session'\n")
    app = load_app(source, tmp_path, monkeypatch)
    client = app.test_client(protocol=protocol)
    assert client.get("/set/").text == "ok"
    assert client.get("/get/").text == "value"
