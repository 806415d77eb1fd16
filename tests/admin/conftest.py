"""The admin suites' apps share their compiled templates.

Every test builds an app of its own, and each app's Jinja environment would
compile the admin's templates (layout, lists, forms, their macros) again:
most of these suites' time. A bytecode cache shared by the apps of this test
process compiles each template once per set of compile-time settings. Jinja
compares the source's checksum on each load, so a changed template is
compiled again; every render still runs in the test's own app and
environment, with its own filters, globals and context.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jinja2
import pytest
from jinja2.bccache import Bucket

from hipflask import Hipflask


class SharedBytecode(jinja2.BytecodeCache):
    """Compiled templates in memory, keyed by what the compiled code depends on.

    Besides the template's name and file, the key holds the environment's
    compile-time settings: its class, syntax, whitespace options, extensions,
    whether the template is autoescaped, and the filters and tests it knows
    (an unknown one is a compile error). Two environments that differ in
    any of them never share code.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def get_bucket(
        self, environment: jinja2.Environment, name: str, filename: str | None, source: str
    ) -> Bucket:
        settings = _compile_settings(environment, name)
        bucket = Bucket(
            environment,
            self.get_cache_key(f"{name}\0{settings}", filename),
            self.get_source_checksum(source),
        )
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


def _compile_settings(environment: jinja2.Environment, name: str) -> str:
    autoescape: Any = environment.autoescape
    if callable(autoescape):
        autoescape = autoescape(name)
    env_class = type(environment)
    return repr(
        (
            f"{env_class.__module__}.{env_class.__qualname__}",
            environment.block_start_string,
            environment.block_end_string,
            environment.variable_start_string,
            environment.variable_end_string,
            environment.comment_start_string,
            environment.comment_end_string,
            environment.line_statement_prefix,
            environment.line_comment_prefix,
            environment.trim_blocks,
            environment.lstrip_blocks,
            environment.newline_sequence,
            environment.keep_trailing_newline,
            environment.optimized,
            environment.is_async,
            environment.finalize is not None,
            bool(autoescape),
            sorted(environment.extensions),
            sorted(environment.filters),
            sorted(environment.tests),
        )
    )


_SHARED = SharedBytecode()


@pytest.fixture(autouse=True)
def _shared_template_bytecode(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Apps built during the test use the shared cache, unless they set their own options."""
    options = {**Hipflask.jinja_options, "bytecode_cache": _SHARED}
    monkeypatch.setattr(Hipflask, "jinja_options", options)
    yield
