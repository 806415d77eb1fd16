"""The compiled matcher must never disagree with Werkzeug's own matcher.

It may decline (return ``None``) whenever it is unsure; when it answers, the
rule and the converted values must be exactly what ``MapAdapter.match``
returns for the same path and method.
"""

from __future__ import annotations

import itertools
import random
import re
import uuid
from typing import Any

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter
from werkzeug.routing import Map
from werkzeug.routing import RequestRedirect
from werkzeug.routing import Rule
from werkzeug.routing import ValidationError

from hipflask.routing.matcher import NOT_FOUND
from hipflask.routing.matcher import Matcher

# Seeded generators make the property tests reproducible; nothing here is secret.
# ruff: noqa: S311

UUID = "6f1c2c58-2f7a-4e6b-9a39-3f4c6a0b7e11"


class HexConverter(BaseConverter):
    regex = "[0-9a-f]+"

    def to_python(self, value: str) -> int:
        if len(value) > 6:
            raise ValidationError()
        return int(value, 16)

    def to_url(self, value: Any) -> str:
        return format(int(value), "x")


def _rule_pool() -> list[Rule]:
    return [
        Rule("/", endpoint="index"),
        Rule("/a", endpoint="a"),
        Rule("/a/", endpoint="a_slash"),
        Rule("/b/", endpoint="b_slash"),
        Rule("/c", endpoint="c_loose", strict_slashes=False),
        Rule("/about", endpoint="about", methods=["GET"]),
        Rule("/about", endpoint="about_post", methods=["POST"]),
        Rule("/<name>", endpoint="name"),
        Rule("/<name>/", endpoint="name_slash"),
        Rule("/<int:n>", endpoint="number"),
        Rule("/<int(signed=True):n>", endpoint="signed"),
        Rule("/<float:x>", endpoint="float"),
        Rule("/<uuid:u>", endpoint="uuid"),
        Rule("/<hex:h>", endpoint="hex"),
        Rule("/file.<ext>", endpoint="file_ext"),
        Rule("/<stem>.<ext>", endpoint="stem_ext"),
        Rule("/<any(red, blue):colour>", endpoint="colour"),
        Rule("/users/", endpoint="users"),
        Rule("/users/<int:user_id>", endpoint="user", methods=["GET"]),
        Rule("/users/<int:user_id>", endpoint="user_update", methods=["PUT", "PATCH"]),
        Rule("/users/<int(max=99):user_id>/posts", endpoint="user_posts"),
        Rule("/users/<username>", endpoint="user_by_name"),
        Rule("/users/me", endpoint="me"),
        Rule("/users/<string(length=2):code>/x", endpoint="user_code"),
        Rule("/users/<string(minlength=3, maxlength=4):short>/y", endpoint="user_short"),
        Rule("/files/<path:p>", endpoint="files"),
        Rule("/files/<path:p>/edit", endpoint="files_edit"),
        Rule("/files/<path:p>/", endpoint="files_dir"),
        Rule("/files/readme", endpoint="readme"),
        Rule("/<path:anything>", endpoint="catch_all"),
        Rule("/page/", endpoint="page", defaults={"n": 1}),
        Rule("/page/<int:n>", endpoint="page"),
        Rule("/old", endpoint="old", redirect_to="/a"),
        Rule("/old/<int:n>", endpoint="old_n", redirect_to="/users/<n>"),
        Rule("/loose/<name>", endpoint="loose_name", strict_slashes=False),
        Rule("/loose/<name>/", endpoint="loose_name_slash"),
        Rule("/<a>/<b>", endpoint="two"),
        Rule("/<a>/<int:b>", endpoint="two_int"),
        Rule("/x/<a>/<b>/", endpoint="x_two_slash"),
        Rule("/x/<int:a>/<b>", endpoint="x_int_b"),
        Rule("/x/<a>/z", endpoint="x_a_z"),
        Rule("/any", endpoint="any_method", methods=None),
        Rule("/build-only/<x>", endpoint="build_only", build_only=True),
        Rule("/v<int:version>/api", endpoint="versioned"),
        Rule("/<lang>/docs/<path:page>", endpoint="docs"),
    ]


_SEGMENTS = [
    "a",
    "b",
    "c",
    "about",
    "users",
    "me",
    "files",
    "readme",
    "page",
    "old",
    "loose",
    "x",
    "z",
    "any",
    "build-only",
    "docs",
    "api",
    "v2",
    "1",
    "42",
    "150",
    "-7",
    "3.5",
    "ab",
    "abcd",
    "abcdefg",
    "fff",
    "ffffffff",
    "file.txt",
    "x.tar.gz",
    "red",
    "blue",
    "green",
    "edit",
    "posts",
    "y",
    UUID,
    "caf%C3%A9",
    "café",
]
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _paths(rng: random.Random, count: int) -> list[str]:
    paths = {"/", "//", "/a//b"}
    for _ in range(count):
        depth = rng.randint(1, 4)
        path = "/" + "/".join(rng.choice(_SEGMENTS) for _ in range(depth))
        if rng.random() < 0.3:
            path += "/"
        paths.add(path)
    return sorted(paths)


def _werkzeug(adapter: Any, path: str, method: str) -> Any:
    try:
        rule, values = adapter.match(path, method, return_rule=True)
    except RequestRedirect as exc:
        return ("redirect", exc.new_url)
    except HTTPException as exc:
        return ("error", exc.code)
    return rule, values


def _assert_agrees(url_map: Map, paths: list[str]) -> int:
    """Compare every (path, method); return how many answers the matcher gave."""
    matcher = Matcher(url_map)
    adapter = url_map.bind("localhost")
    answered = 0
    for path, method in itertools.product(paths, _METHODS):
        found = matcher.match(path, method)
        first = matcher.first_static.get(path)
        if first is not None and (first[1] is None or method in first[1]):
            # The in-line lookup answers exactly what match() answers.
            assert found == (first[0], {}), f"{method} {path}"
        if found is None:
            continue
        answered += 1
        expected = _werkzeug(adapter, path, method)
        rules = [str(rule) for rule in url_map.iter_rules()]
        if found is NOT_FOUND:
            assert expected == ("error", 404), f"{method} {path} with rules {rules}"
        else:
            assert found == expected, f"{method} {path} with rules {rules}"
    return answered


def _make_map(rules: list[Rule], **options: Any) -> Map:
    url_map = Map(**options)
    url_map.converters["hex"] = HexConverter
    for rule in rules:
        url_map.add(rule.empty())
    return url_map


def test_full_pool_agrees_with_werkzeug() -> None:
    url_map = _make_map(_rule_pool())
    paths = _paths(random.Random(1), 600)
    assert _assert_agrees(url_map, paths) > 200


@pytest.mark.parametrize("seed", range(40))
def test_random_subsets_in_random_order_agree_with_werkzeug(seed: int) -> None:
    rng = random.Random(seed)
    pool = _rule_pool()
    rules = rng.sample(pool, rng.randint(3, len(pool)))
    rng.shuffle(rules)
    url_map = _make_map(rules)
    _assert_agrees(url_map, _paths(rng, 250))


@pytest.mark.parametrize("seed", range(10))
def test_maps_with_loose_slashes_everywhere_agree_with_werkzeug(seed: int) -> None:
    rng = random.Random(1000 + seed)
    rules = rng.sample(_rule_pool(), 25)
    url_map = _make_map(rules, strict_slashes=False)
    _assert_agrees(url_map, _paths(rng, 250))


def test_rules_written_with_double_slashes_agree_with_werkzeug() -> None:
    # "/api/" + "/items": Werkzeug serves it at the merged path.
    url_map = _make_map(
        [
            Rule("/api//items", endpoint="items"),
            Rule("/a//b/", endpoint="ab"),
            Rule("/u//<int:user_id>", endpoint="user"),
            Rule("/x//<path:rest>", endpoint="rest"),
            Rule("/api/other", endpoint="other"),
        ]
    )
    paths = ["/api/items", "/api//items", "/a/b", "/a/b/", "/a//b/", "/u/7", "/u//7"]
    paths += ["/x/y//z", "/x//y", "/api/other", "/api/nope", "/a"]
    _assert_agrees(url_map, paths)
    matcher = Matcher(url_map)
    for path in ("/api/items", "/a/b/", "/u/7", "/x/y"):
        assert matcher.match(path, "GET") is None, path


def test_matcher_answers_the_common_cases() -> None:
    url_map = _make_map(
        [
            Rule("/", endpoint="index"),
            Rule("/plaintext", endpoint="plain"),
            Rule("/user/<int:user_id>", endpoint="user"),
            Rule("/blog/<slug>", endpoint="post"),
            Rule("/static/<path:filename>", endpoint="static"),
        ]
    )
    matcher = Matcher(url_map)
    assert matcher.match("/", "GET") == (url_map._rules[0], {})
    assert matcher.match("/plaintext", "HEAD") == (url_map._rules[1], {})
    assert matcher.match("/user/42", "GET") == (url_map._rules[2], {"user_id": 42})
    assert matcher.match("/blog/hello", "GET") == (url_map._rules[3], {"slug": "hello"})
    assert matcher.match("/static/css/site.css", "GET") == (
        url_map._rules[4],
        {"filename": "css/site.css"},
    )


def test_the_in_line_static_lookup_names_the_rule_match_would() -> None:
    # One path, a rule per method, a slash sibling and a rule left to Werkzeug.
    url_map = _make_map(
        [
            Rule("/items", endpoint="list", methods=["GET"]),
            Rule("/items", endpoint="create", methods=["POST"]),
            Rule("/about/", endpoint="about"),
            Rule("/old", endpoint="old", redirect_to="/new"),
            Rule("/raw//path", endpoint="raw", merge_slashes=False),
        ]
    )
    matcher = Matcher(url_map)
    first = matcher.first_static

    assert first["/items"][0].endpoint == "list"
    assert first["/about/"][0].endpoint == "about"
    assert "/about" not in first  # the slash redirect is Werkzeug's
    assert "/old" not in first
    assert "/raw//path" not in first
    _assert_agrees(url_map, ["/items", "/about", "/about/", "/old", "/raw//path"])


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/plaintext", "POST"),  # wrong method: Werkzeug answers 405 with Allow
        ("/a", "GET"),  # "/a/" exists: Werkzeug redirects
        ("/user//42", "GET"),  # merged slashes: Werkzeug redirects
    ],
)
def test_matcher_declines_what_werkzeug_must_decide(path: str, method: str) -> None:
    url_map = _make_map(
        [
            Rule("/plaintext", endpoint="plain", methods=["GET"]),
            Rule("/user/<int:user_id>", endpoint="user"),
            Rule("/a/", endpoint="a"),
            Rule("/<name>", endpoint="name", methods=["GET"]),
        ]
    )
    assert Matcher(url_map).match(path, method) is None


@pytest.mark.parametrize("path", ["/missing/deep/path", "/plaintext/", "/user/", "/user/x", "/b"])
def test_a_path_no_rule_can_match_is_certainly_not_found(path: str) -> None:
    url_map = _make_map(
        [
            Rule("/plaintext", endpoint="plain", methods=["GET"]),
            Rule("/user/<int:user_id>", endpoint="user"),
            Rule("/a/", endpoint="a"),
        ]
    )
    assert Matcher(url_map).match(path, "GET") is NOT_FOUND
    assert _werkzeug(url_map.bind("localhost"), path, "GET") == ("error", 404)


def test_the_slash_marker_keeps_a_redirect_from_looking_not_found() -> None:
    url_map = _make_map([Rule("/docs/<page>/", endpoint="page")])
    assert Matcher(url_map).match("/docs/intro", "GET") is None


def test_slash_redirect_wins_over_a_later_dynamic_rule() -> None:
    url_map = _make_map([Rule("/a/", endpoint="a"), Rule("/<x>", endpoint="x")])
    assert Matcher(url_map).match("/a", "GET") is None
    with pytest.raises(RequestRedirect):
        url_map.bind("localhost").match("/a")


def test_static_segments_in_a_part_win_over_a_bare_converter() -> None:
    url_map = _make_map([Rule("/<name>", endpoint="name"), Rule("/file.<ext>", endpoint="file")])
    rule, values = Matcher(url_map).match("/file.txt", "GET")  # type: ignore[misc]
    assert (rule.endpoint, values) == ("file", {"ext": "txt"})


def test_converter_refusing_a_value_is_left_to_werkzeug() -> None:
    # Werkzeug answers 404 here instead of trying "/<name>".
    url_map = _make_map(
        [Rule("/<int(max=10):n>", endpoint="small"), Rule("/<name>", endpoint="name")]
    )
    assert Matcher(url_map).match("/50", "GET") is None
    assert Matcher(url_map).match("/5", "GET") == (url_map._rules[0], {"n": 5})


def test_loose_rule_without_slash_is_left_to_werkzeug_for_the_slashed_path() -> None:
    url_map = _make_map(
        [Rule("/a", endpoint="a", strict_slashes=False), Rule("/<x>/", endpoint="x")]
    )
    assert Matcher(url_map).match("/a/", "GET") is None
    assert url_map.bind("localhost").match("/a/") == ("a", {})


def test_build_only_rules_are_never_matched() -> None:
    url_map = _make_map(
        [Rule("/<x>", endpoint="built", build_only=True), Rule("/<y>", endpoint="real")]
    )
    assert Matcher(url_map).match("/q", "GET") == (url_map._rules[1], {"y": "q"})


@pytest.mark.parametrize(
    "url_map",
    [
        Map([Rule("/", endpoint="index", subdomain="api")]),
        Map([Rule("/", endpoint="index", host="example.com")], host_matching=True),
        Map([Rule("/", endpoint="index")], default_subdomain="www"),
    ],
    ids=["subdomain", "host", "default-subdomain"],
)
def test_host_and_subdomain_maps_are_left_to_werkzeug(url_map: Map) -> None:
    assert Matcher(url_map).match("/", "GET") is None


def test_subdomain_matching_apps_are_left_to_werkzeug() -> None:
    url_map = Map([Rule("/", endpoint="index")])
    assert Matcher(url_map, subdomain_matching=True).match("/", "GET") is None
    assert Matcher(url_map).match("/", "GET") is not None


def test_uuid_and_float_values_are_converted() -> None:
    url_map = _make_map([Rule("/<uuid:u>", endpoint="u"), Rule("/f/<float:x>", endpoint="f")])
    matcher = Matcher(url_map)
    assert matcher.match(f"/{UUID}", "GET") == (url_map._rules[0], {"u": uuid.UUID(UUID)})
    assert matcher.match("/f/2.5", "GET") == (url_map._rules[1], {"x": 2.5})


class RangeConverter(BaseConverter):
    """``3-7``: a regex with named groups of its own, as one copied from elsewhere."""

    regex = r"(?P<v0>\d+)-(?P<v1>\d+)"

    def to_python(self, value: str) -> tuple[int, int]:
        low, high = value.split("-")
        return int(low), int(high)


def test_named_groups_in_a_converter_regex_agree_with_werkzeug() -> None:
    url_map = Map()
    url_map.converters["range"] = RangeConverter
    url_map.add(Rule("/r/<range:span>", endpoint="span"))
    url_map.add(Rule("/r/<a>/<range:span>", endpoint="nested"))
    url_map.add(Rule("/plain", endpoint="plain"))
    paths = ["/r/3-7", "/r/x/3-7", "/r/3", "/plain", "/r/3-7/"]
    _assert_agrees(url_map, paths)
    assert Matcher(url_map).match("/plain", "GET") is not None


def test_a_converter_regex_no_pattern_can_hold_is_left_to_werkzeug() -> None:
    class Twice(BaseConverter):
        regex = r"(?P<name>a)(?P<name>b)"

    url_map = Map()
    url_map.converters["twice"] = Twice
    url_map.add(Rule("/u/<twice:x>", endpoint="u"))
    url_map.add(Rule("/plain", endpoint="plain"))
    matcher = Matcher(url_map)
    assert matcher.match("/u/ab", "GET") is None
    assert matcher.match("/plain", "GET") == (url_map._rules[1], {})


class AnythingConverter(BaseConverter):
    """``.+``: Werkzeug still keeps it within one segment (no ``/`` in the regex)."""

    regex = ".+"


class NoDotConverter(BaseConverter):
    regex = "[^.]+"


class AnchoredConverter(BaseConverter):
    regex = "^[a-z]+$"


class AfterXConverter(BaseConverter):
    regex = "(?<=x)[a-z]+"


class TagsConverter(BaseConverter):
    """The default regex, and a conversion of its own."""

    def to_python(self, value: str) -> list[str]:
        return value.split("+")


def test_converter_regexes_reaching_past_their_segment_agree_with_werkzeug() -> None:
    url_map = Map()
    url_map.converters.update(
        anything=AnythingConverter,
        nodot=NoDotConverter,
        anchored=AnchoredConverter,
        afterx=AfterXConverter,
    )
    for rule in [
        Rule("/d/<anything:x>", endpoint="d"),
        Rule("/d/<anything:x>/e", endpoint="d_e"),
        Rule("/d/<x>/<anything:y>/f", endpoint="d_f"),
        Rule("/g/<nodot:x>.html", endpoint="g"),
        Rule("/a/<anchored:x>/b", endpoint="a"),
        Rule("/a/<anchored:x>", endpoint="a_end"),
        Rule("/k/x<afterx:x>", endpoint="k"),
        Rule("/k/<afterx:x>/z", endpoint="k_z"),
        # After a path part Werkzeug lets any converter span slashes.
        Rule("/p/<path:rest>/me/<nodot:x>/", endpoint="p", methods=["GET"]),
        Rule("/any/<any('a/b', c):choice>", endpoint="any"),
        Rule("/<path:rest>", endpoint="rest"),
    ]:
        url_map.add(rule)
    paths = ["/d/a", "/d/a/b", "/d/a/e", "/d/a/b/e", "/d/a/", "/d/q/a/f", "/d/q/a/b/f"]
    paths += ["/g/a.html", "/g/a/b.html", "/a/abc/b", "/a/abc", "/a/ABC", "/k/xab", "/k/ab/z"]
    paths += ["/k/xab/z", "/other", "/p/a/me/b/c/", "/p/a/me/b/c", "/p/a/me/b.c/"]
    paths += ["/any/a/b", "/any/c"]
    _assert_agrees(url_map, paths)


def test_converters_that_stay_in_their_segment_are_still_matched_here() -> None:
    url_map = Map()
    url_map.converters.update(hex=HexConverter, tags=TagsConverter)
    url_map.add(Rule("/h/<hex:h>", endpoint="h"))
    url_map.add(Rule("/t/<tags:t>", endpoint="t"))
    matcher = Matcher(url_map)
    assert matcher.match("/h/ff", "GET") == (url_map._rules[0], {"h": 255})
    assert matcher.match("/t/a+b", "GET") == (url_map._rules[1], {"t": ["a", "b"]})


_RULE_SEGMENTS = [
    "a",
    "b",
    "users",
    "<x>",
    "<int:n>",
    "<float:f>",
    "<hex:h>",
    "<string(length=2):s>",
    "<any(a, red):c>",
    "file.<ext>",
    "<stem>.<ext>",
    "v<int:version>",
]


def _generated_rules(rng: random.Random) -> list[Rule]:
    rules = []
    for index in range(rng.randint(4, 18)):
        segments = []
        for _ in range(rng.randint(1, 3)):
            choice = rng.choice(_RULE_SEGMENTS)
            # Variable names must be unique within a rule.
            segments.append(re.sub(r"(\w+)>", rf"\g<1>{len(segments)}>", choice))
        if rng.random() < 0.2:
            segments.append("<path:rest>")
        path = "/" + "/".join(segments)
        if rng.random() < 0.3:
            path += "/"
        methods = rng.choice([None, ["GET"], ["POST"], ["GET", "POST"]])
        strict = rng.random() < 0.8
        rules.append(Rule(path, endpoint=f"e{index}", methods=methods, strict_slashes=strict))
    return rules


@pytest.mark.parametrize("seed", range(60))
def test_generated_overlapping_rules_agree_with_werkzeug(seed: int) -> None:
    rng = random.Random(5000 + seed)
    url_map = _make_map(_generated_rules(rng))
    _assert_agrees(url_map, _paths(rng, 200))
