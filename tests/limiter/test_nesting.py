"""Nested blueprints: what a child's views inherit from their parents' limits and exemptions.

The tables were worked out by sending the same requests to the same app
under Flask-Limiter 4.1.1. Each case declares limits on the blueprints
``parent`` > ``child`` > ``grand`` (nested in that order) and on a view of
``child``, and exemptions with ``ExemptionScope`` flags (``default``:
``exempt(bp)`` without flags). It lists, for a view of each, the limits one
request counts: A application, D defaults, P parent, C child, G grand, V the
view's own. A limit's ``cost`` callable records it, as it is called only
when the limit counts the request.
"""

from __future__ import annotations

from typing import Any
from typing import NamedTuple

import pytest

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask.limiter import ExemptionScope
from hipflask.limiter import Limiter

DEFAULT_FLAGS = ExemptionScope.APPLICATION | ExemptionScope.DEFAULT | ExemptionScope.META
FLAGS = {
    "NONE": ExemptionScope.NONE,
    "DEFAULT": ExemptionScope.DEFAULT,
    "APPLICATION": ExemptionScope.APPLICATION,
    "META": ExemptionScope.META,
    "DESCENDENTS": ExemptionScope.DESCENDENTS,
    "ANCESTORS": ExemptionScope.ANCESTORS,
    "DEFAULT|APPLICATION": ExemptionScope.DEFAULT | ExemptionScope.APPLICATION,
    "DEFAULT|DESCENDENTS": ExemptionScope.DEFAULT | ExemptionScope.DESCENDENTS,
    "APPLICATION|DESCENDENTS": ExemptionScope.APPLICATION | ExemptionScope.DESCENDENTS,
    "META|DESCENDENTS": ExemptionScope.META | ExemptionScope.DESCENDENTS,
    "DEFAULT|APPLICATION|DESCENDENTS": (
        ExemptionScope.DEFAULT | ExemptionScope.APPLICATION | ExemptionScope.DESCENDENTS
    ),
    "DEFAULT|APPLICATION|ANCESTORS": (
        ExemptionScope.DEFAULT | ExemptionScope.APPLICATION | ExemptionScope.ANCESTORS
    ),
    "DESCENDENTS|ANCESTORS": ExemptionScope.DESCENDENTS | ExemptionScope.ANCESTORS,
    "default|DESCENDENTS": DEFAULT_FLAGS | ExemptionScope.DESCENDENTS,
    "default|ANCESTORS": DEFAULT_FLAGS | ExemptionScope.ANCESTORS,
}
PATHS = {"parent": "/p/v", "child": "/p/c/v", "grand": "/p/c/g/v", "view": "/p/c/own"}


class Case(NamedTuple):
    """One cell of the table, written compactly.

    ``declared``: ``P``, ``C``, ``G`` a limit on parent, child, grand, ``V``
    one on a view of child; a trailing ``-`` is ``override_defaults=False``.
    ``exempt``: ``blueprint:FLAGS`` pairs. ``counted``: what a request to the
    view of parent, child, grand (and the view) counts, ``-`` for nothing.
    ``meta``: the views a spent meta limit does not refuse.
    """

    declared: str
    exempt: str
    counted: str
    meta: str

    @property
    def id(self) -> str:
        return f"{self.declared} {self.exempt}".strip()


#: Cases where hipflask counts what Flask-Limiter counts.
MATCHING = [
    Case("P", "", "AP AP AP", ""),
    Case("P-", "", "ADP ADP ADP", ""),
    Case("C", "", "AD AC AC", ""),
    Case("C-", "", "AD ACD ACD", ""),
    Case("P C", "", "AP AC ACP", ""),
    Case("P- C", "", "ADP AC ACP", ""),
    Case("P C-", "", "AP ACP ACP", ""),
    Case("P- C-", "", "ADP ACDP ACDP", ""),
    Case("P C G-", "", "AP AC ACGP", ""),
    Case("P C- G-", "", "AP ACP ACGP", ""),
    Case("P C- G", "", "AP ACP AG", ""),
    Case("P V", "", "AP AP AP AV", ""),
    Case("P V-", "", "AP AP AP APV", ""),
    Case("P- V-", "", "ADP ADP ADP ADPV", ""),
    Case("P C- V-", "", "AP ACP ACP ACPV", ""),
    Case("P- C- V-", "", "ADP ACDP ACDP ACDPV", ""),
    Case("P C V-", "", "AP AC ACP ACV", ""),
    Case("P C-", "parent:NONE", "AP ACP ACP", ""),
    Case("P", "parent:NONE", "AP AP AP", ""),
    Case("P C-", "parent:DEFAULT", "AP ACP ACP", ""),
    Case("P", "parent:DEFAULT", "AP AP AP", ""),
    Case("P C-", "parent:APPLICATION", "P ACP ACP", ""),
    Case("P", "parent:APPLICATION", "P AP AP", ""),
    Case("P C-", "parent:ANCESTORS", "AP ACP ACP", ""),
    Case("P", "parent:ANCESTORS", "AP AP AP", ""),
    Case("P C-", "parent:DEFAULT|APPLICATION", "P ACP ACP", ""),
    Case("P", "parent:DEFAULT|APPLICATION", "P AP AP", ""),
    Case("P C-", "parent:DEFAULT|APPLICATION|ANCESTORS", "P ACP ACP", ""),
    Case("P", "parent:DEFAULT|APPLICATION|ANCESTORS", "P AP AP", ""),
    Case("P C-", "child:NONE", "AP ACP ACP", ""),
    Case("P", "child:NONE", "AP AP AP", ""),
    Case("P C-", "child:DEFAULT", "AP ACP ACP", ""),
    Case("P", "child:DEFAULT", "AP AP AP", ""),
    Case("P C-", "child:APPLICATION", "AP CP ACP", ""),
    Case("P", "child:APPLICATION", "AP P AP", ""),
    Case("P C-", "child:ANCESTORS", "AP ACD ACP", ""),
    Case("P", "child:ANCESTORS", "AP AD AP", ""),
    Case("P C-", "child:DEFAULT|APPLICATION", "AP CP ACP", ""),
    Case("P", "child:DEFAULT|APPLICATION", "AP P AP", ""),
    Case("P C-", "child:DEFAULT|APPLICATION|ANCESTORS", "AP C ACP", ""),
    Case("P", "child:DEFAULT|APPLICATION|ANCESTORS", "AP - AP", ""),
    Case("P", "child:DESCENDENTS|ANCESTORS", "AP AD AP", ""),
    Case("P", "child:default|ANCESTORS", "AP - AP", "child"),
    Case("P V-", "child:ANCESTORS", "AP AD AP ADV", ""),
    Case("V-", "parent:DEFAULT|DESCENDENTS", "A A A AV", ""),
    Case("P C-", "child:ANCESTORS", "AP ACD ACP", ""),
    Case("P", "child:default", "AP - AP", "child"),
    Case("P", "child:META", "AP AD AP", "child"),
    Case("P", "child:DESCENDENTS", "AP AD AP", ""),
    Case("P", "child:DEFAULT|DESCENDENTS", "AP A AP", ""),
    Case("P", "child:APPLICATION|DESCENDENTS", "AP D P", ""),
    Case("P", "child:META|DESCENDENTS", "AP AD AP", "child grand"),
    Case("P", "child:DEFAULT|APPLICATION|DESCENDENTS", "AP - P", ""),
    Case("P", "child:default|DESCENDENTS", "AP - P", "child grand"),
]

#: Cases where Flask-Limiter drops limits declared on a blueprint because of an
#: exemption whose flags name something else: ``META``, ``DESCENDENTS`` or the
#: default flags drop the exempted blueprint's own limits (the defaults count
#: in their place unless ``DEFAULT`` is lifted too), and ``DESCENDENTS`` drops
#: them from its descendants. Here an exemption lifts the application, default
#: and meta limits its flags name, and the limits the exempted blueprint would
#: inherit, as Flask-Limiter does, but never a limit written on the exempted
#: blueprint itself, as for a view (docs: "Porting from Flask-Limiter"). What
#: Flask-Limiter counted is noted above each case.
SAFER = [
    # Flask-Limiter: - ACP ACP
    Case("P C-", "parent:default", "P ACP ACP", "parent"),
    # Flask-Limiter: - AP AP
    Case("P", "parent:default", "P AP AP", "parent"),
    # Flask-Limiter: AD ACP ACP
    Case("P C-", "parent:META", "AP ACP ACP", "parent"),
    # Flask-Limiter: AD AP AP
    Case("P", "parent:META", "AP AP AP", "parent"),
    # Flask-Limiter: AD ACD ACD
    Case("P C-", "parent:DESCENDENTS", "AP ACP ACP", ""),
    # Flask-Limiter: AD AD AD
    Case("P", "parent:DESCENDENTS", "AP AP AP", ""),
    # Flask-Limiter: A AC AC
    Case("P C-", "parent:DEFAULT|DESCENDENTS", "AP ACP ACP", ""),
    # Flask-Limiter: A A A
    Case("P", "parent:DEFAULT|DESCENDENTS", "AP AP AP", ""),
    # Flask-Limiter: D CD CD
    Case("P C-", "parent:APPLICATION|DESCENDENTS", "P CP CP", ""),
    # Flask-Limiter: D D D
    Case("P", "parent:APPLICATION|DESCENDENTS", "P P P", ""),
    # Flask-Limiter: AD ACD ACD
    Case("P C-", "parent:META|DESCENDENTS", "AP ACP ACP", "parent child grand"),
    # Flask-Limiter: AD AD AD
    Case("P", "parent:META|DESCENDENTS", "AP AP AP", "parent child grand"),
    # Flask-Limiter: - C C
    Case("P C-", "parent:DEFAULT|APPLICATION|DESCENDENTS", "P CP CP", ""),
    # Flask-Limiter: - - -
    Case("P", "parent:DEFAULT|APPLICATION|DESCENDENTS", "P P P", ""),
    # Flask-Limiter: AD ACD ACD
    Case("P C-", "parent:DESCENDENTS|ANCESTORS", "AP ACP ACP", ""),
    # Flask-Limiter: AD AD AD
    Case("P", "parent:DESCENDENTS|ANCESTORS", "AP AP AP", ""),
    # Flask-Limiter: - C C
    Case("P C-", "parent:default|DESCENDENTS", "P CP CP", "parent child grand"),
    # Flask-Limiter: - - -
    Case("P", "parent:default|DESCENDENTS", "P P P", "parent child grand"),
    # Flask-Limiter: - ACP ACP
    Case("P C-", "parent:default|ANCESTORS", "P ACP ACP", "parent"),
    # Flask-Limiter: - AP AP
    Case("P", "parent:default|ANCESTORS", "P AP AP", "parent"),
    # Flask-Limiter: AP - ACP
    Case("P C-", "child:default", "AP C ACP", "child"),
    # Flask-Limiter: AP AD ACP
    Case("P C-", "child:META", "AP ACD ACP", "child"),
    # Flask-Limiter: AP AD AP
    Case("P C-", "child:DESCENDENTS", "AP ACD ACP", ""),
    # Flask-Limiter: AP A AP
    Case("P C-", "child:DEFAULT|DESCENDENTS", "AP AC ACP", ""),
    # Flask-Limiter: AP D P
    Case("P C-", "child:APPLICATION|DESCENDENTS", "AP CD CP", ""),
    # Flask-Limiter: AP AD AP
    Case("P C-", "child:META|DESCENDENTS", "AP ACD ACP", "child grand"),
    # Flask-Limiter: AP - P
    Case("P C-", "child:DEFAULT|APPLICATION|DESCENDENTS", "AP C CP", ""),
    # Flask-Limiter: AP AD AP
    Case("P C-", "child:DESCENDENTS|ANCESTORS", "AP ACD ACP", ""),
    # Flask-Limiter: AP - P
    Case("P C-", "child:default|DESCENDENTS", "AP C CP", "child grand"),
    # Flask-Limiter: AP - ACP
    Case("P C-", "child:default|ANCESTORS", "AP C ACP", "child"),
    # Flask-Limiter: A - A
    Case("P-", "parent:DEFAULT|DESCENDENTS child:APPLICATION", "AP P AP", ""),
]


def nested_app(app: Hipflask, case: Case) -> list[str]:
    """The case's limiter and blueprints on ``app``; returns the list the costs record into."""
    counted: list[str] = []

    def cost_of(label: str) -> Any:
        def cost() -> int:
            counted.append(label)
            return 1

        return cost

    limiter = Limiter(
        lambda: "client",
        app=app,
        default_limits=["100 per minute"],
        default_limits_cost=cost_of("D"),
        application_limits=["100 per minute"],
        application_limits_cost=cost_of("A"),
        meta_limits=["1 per day"],
    )
    blueprints = {
        name[0].upper(): Blueprint(name, __name__) for name in ("parent", "child", "grand")
    }
    for bp in blueprints.values():
        bp.add_url_rule("/v", "v", lambda: "ok")
    for declared in case.declared.split():
        label, override = declared[0], not declared.endswith("-")
        limit = limiter.limit("100 per minute", override_defaults=override, cost=cost_of(label))
        if label == "V":
            blueprints["C"].add_url_rule("/own", "own", limit(lambda: "ok"))
        else:
            limit(blueprints[label])
    for exempted in case.exempt.split():
        name, flags = exempted.split(":")
        if flags == "default":
            limiter.exempt(blueprints[name[0].upper()])
        else:
            limiter.exempt(blueprints[name[0].upper()], flags=FLAGS[flags])

    @app.get("/trip")
    @limiter.limit("1 per minute")
    def trip() -> str:
        return "ok"

    blueprints["C"].register_blueprint(blueprints["G"], url_prefix="/g")
    blueprints["P"].register_blueprint(blueprints["C"], url_prefix="/c")
    app.register_blueprint(blueprints["P"], url_prefix="/p")
    return counted


def check(app: Hipflask, client: Any, case: Case) -> None:
    counted = nested_app(app, case)
    views = ["parent", "child", "grand", "view"][: len(case.counted.split())]
    found = []
    for view in views:
        counted.clear()
        assert client.get(PATHS[view]).status_code == 200
        found.append("".join(sorted(set(counted))) or "-")
    assert " ".join(found) == case.counted
    # A breach spends the meta limit: only views exempt from it still answer.
    assert [client.get("/trip").status_code for _ in range(2)] == [200, 429]
    answered = [view for view in views if client.get(PATHS[view]).status_code == 200]
    assert " ".join(answered) == case.meta


@pytest.mark.parametrize("case", MATCHING, ids=[case.id for case in MATCHING])
def test_nested_blueprints_count_what_flask_limiter_counts(
    app: Hipflask, client: Any, case: Case
) -> None:
    check(app, client, case)


@pytest.mark.parametrize("case", SAFER, ids=[case.id for case in SAFER])
def test_an_exemption_never_drops_a_limit_written_on_the_exempt_blueprint(
    app: Hipflask, client: Any, case: Case
) -> None:
    check(app, client, case)


def statuses(client: Any, path: str, count: int) -> list[int]:
    return [client.get(path).status_code for _ in range(count)]


def family(prefix: str = "") -> tuple[Blueprint, Blueprint, Blueprint]:
    """``parent`` > ``child`` > ``grand``, each with a view at ``/v`` and ``/w``, not registered."""
    names = (f"{prefix}parent", f"{prefix}child", f"{prefix}grand")
    parent, child, grand = (Blueprint(name, __name__) for name in names)
    for bp in (parent, child, grand):
        bp.add_url_rule("/v", "v", lambda: "ok")
        bp.add_url_rule("/w", "w", lambda: "ok")
    child.register_blueprint(grand, url_prefix="/g")
    parent.register_blueprint(child, url_prefix="/c")
    return parent, child, grand


def test_a_parent_limit_refuses_views_two_deep_once_spent(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["50 per minute"])
    parent, _child, grand = family()
    limiter.limit("2 per minute")(parent)
    limiter.limit("5 per minute", override_defaults=False)(grand)
    app.register_blueprint(parent, url_prefix="/p")
    # Beside the grandchild's own; each view has a budget of its own, as
    # Flask-Limiter keys it.
    assert statuses(client, "/p/c/g/v", 3) == [200, 200, 429]
    assert statuses(client, "/p/c/v", 3) == [200, 200, 429]
    assert statuses(client, "/p/v", 3) == [200, 200, 429]


def test_a_shared_parent_limit_is_one_budget_for_the_whole_family(
    app: Hipflask, client: Any
) -> None:
    limiter = Limiter(app)
    parent, _child, grand = family()
    limiter.shared_limit("3 per minute", scope="family")(parent)
    limiter.limit("10 per minute", override_defaults=False)(grand)
    app.register_blueprint(parent, url_prefix="/p")
    paths = ("/p/v", "/p/c/v", "/p/c/g/w", "/p/c/w")
    assert [client.get(path).status_code for path in paths] == [200, 200, 200, 429]


def test_a_child_s_own_limit_replaces_its_parent_s(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)
    parent, child, _grand = family()
    limiter.limit("1 per minute")(parent)
    limiter.limit("3 per minute")(child)
    app.register_blueprint(parent, url_prefix="/p")
    assert statuses(client, "/p/c/v", 4) == [200, 200, 200, 429]
    # The grandchild has none of its own: it inherits both, the tighter wins.
    assert statuses(client, "/p/c/g/v", 2) == [200, 429]


def test_a_child_limit_keeping_the_defaults_keeps_its_parent_s(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["50 per minute"])
    parent, child, _grand = family()
    limiter.limit("1 per minute")(parent)
    limiter.limit("3 per minute", override_defaults=False)(child)
    app.register_blueprint(parent, url_prefix="/p")
    assert statuses(client, "/p/c/v", 2) == [200, 429]


def test_exempting_a_parent_leaves_its_children_limited(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["1 per minute"])
    parent, _child, _grand = family()
    limiter.exempt(parent)
    app.register_blueprint(parent, url_prefix="/p")
    assert statuses(client, "/p/v", 3) == [200, 200, 200]
    # Flask-Limiter's default: the children are not exempt with it.
    assert statuses(client, "/p/c/v", 2) == [200, 429]
    assert statuses(client, "/p/c/g/v", 2) == [200, 429]


def test_descendents_carries_a_parent_s_exemption_to_its_children(
    app: Hipflask, client: Any
) -> None:
    limiter = Limiter(app, default_limits=["1 per minute"], application_limits=["9 per minute"])
    parent, _child, _grand = family()
    other, _other_child, _other_grand = family("other_")
    scope = ExemptionScope.DEFAULT | ExemptionScope.APPLICATION | ExemptionScope.DESCENDENTS
    limiter.exempt(parent, flags=scope)
    limiter.exempt(other, flags=ExemptionScope.DEFAULT | ExemptionScope.APPLICATION)
    app.register_blueprint(parent, url_prefix="/p")
    app.register_blueprint(other, url_prefix="/o")
    assert statuses(client, "/p/c/g/v", 3) == [200, 200, 200]
    assert statuses(client, "/p/c/v", 3) == [200, 200, 200]
    assert statuses(client, "/p/v", 3) == [200, 200, 200]
    # Without DESCENDENTS the exemption stays with the blueprint's own views.
    assert statuses(client, "/o/v", 3) == [200, 200, 200]
    assert statuses(client, "/o/c/v", 2) == [200, 429]


def test_ancestors_frees_a_child_from_its_parent_s_limits(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["3 per minute"])
    parent, child, _grand = family()
    limiter.limit("1 per minute")(parent)
    limiter.exempt(child, flags=ExemptionScope.ANCESTORS)
    app.register_blueprint(parent, url_prefix="/p")
    # The defaults, which the parent's limit replaced, count in its place.
    assert statuses(client, "/p/c/v", 4) == [200, 200, 200, 429]
    # ANCESTORS is the child's own: the grandchild still inherits.
    assert statuses(client, "/p/c/g/v", 2) == [200, 429]


def test_a_second_registration_under_another_name_inherits_as_the_first(
    app: Hipflask, client: Any
) -> None:
    limiter = Limiter(app, default_limits=["50 per minute"])
    parent, child, _grand = family()
    limiter.limit("1 per minute", override_defaults=False)(parent)
    limiter.limit("2 per minute", override_defaults=False)(child)
    app.register_blueprint(parent, url_prefix="/p")
    app.register_blueprint(parent, url_prefix="/v2", name="v2")
    # Flask-Limiter looks ancestors up by the registered name's parts
    # ("v2.child"): the parent's limit is lost there, and the view of v2
    # keeps the defaults only.
    assert statuses(client, "/v2/v", 2) == [200, 429]
    assert statuses(client, "/v2/c/v", 2) == [200, 429]
    assert statuses(client, "/v2/c/g/v", 2) == [200, 429]


def test_a_child_registered_under_another_name_keeps_its_limits(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["50 per minute"])
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)
    parent.add_url_rule("/v", "v", lambda: "ok")
    child.add_url_rule("/v", "v", lambda: "ok")
    limiter.shared_limit("3 per minute", scope="family")(parent)
    limiter.limit("2 per minute", override_defaults=False)(child)
    parent.register_blueprint(child, url_prefix="/c", name="renamed")
    app.register_blueprint(parent, url_prefix="/p")
    # Both count: the parent's shared budget, spent through its own view...
    assert statuses(client, "/p/v", 2) == [200, 200]
    assert statuses(client, "/p/c/v", 2) == [200, 429]
    # ...and the child's own, which Flask-Limiter loses under "parent.renamed".
    other = {"REMOTE_ADDR": "10.0.0.9"}
    assert [client.get("/p/c/v", environ_base=other).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]


def test_descendents_reaches_a_second_registration(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["1 per minute"])
    parent, _child, _grand = family()
    limiter.exempt(parent, flags=ExemptionScope.DEFAULT | ExemptionScope.DESCENDENTS)
    app.register_blueprint(parent, url_prefix="/p")
    app.register_blueprint(parent, url_prefix="/v2", name="v2")
    assert statuses(client, "/v2/c/v", 3) == [200, 200, 200]


def test_a_declaration_after_the_first_request_applies(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)
    parent, child, _grand = family()
    app.register_blueprint(parent, url_prefix="/p")
    assert statuses(client, "/p/c/v", 3) == [200, 200, 200]
    limiter.limit("1 per minute")(parent)
    assert statuses(client, "/p/c/v", 2) == [200, 429]
    limiter.exempt(child, flags=ExemptionScope.ANCESTORS)
    assert statuses(client, "/p/c/v", 2) == [200, 200]


def test_apps_sharing_a_limiter_resolve_their_own_blueprints(protocol: str) -> None:
    limiter = Limiter()
    strict, loose = Blueprint("strict", __name__), Blueprint("loose", __name__)
    limiter.limit("1 per minute")(strict)
    clients: list[Any] = []
    for bp in (strict, loose):
        bp.add_url_rule("/v", "v", lambda: "ok")
        app = Hipflask(__name__)
        limiter.init_app(app)
        # Both registered under one name, which names a different blueprint in each app.
        app.register_blueprint(bp, url_prefix="/api", name="api")
        clients.append(app.test_client(protocol=protocol))
    try:
        assert statuses(clients[0], "/api/v", 2) == [200, 429]
        assert statuses(clients[1], "/api/v", 3) == [200, 200, 200]
    finally:
        for client in clients:
            shim = getattr(client, "_shim", None)
            if shim is not None:
                shim.close()


def test_apps_sharing_a_limiter_resolve_a_shared_child_under_their_own_parent(
    protocol: str,
) -> None:
    limiter = Limiter(lambda: "client")
    child = Blueprint("child", __name__)
    child.add_url_rule("/v", "v", lambda: "ok")
    strict, loose = Blueprint("strict", __name__), Blueprint("loose", __name__)
    limiter.limit("1 per minute")(strict)
    clients: list[Any] = []
    for parent in (strict, loose):
        parent.register_blueprint(child, url_prefix="/c")
        app = Hipflask(__name__)
        limiter.init_app(app)
        # "api.child" is the same child in both apps, inside a different parent.
        app.register_blueprint(parent, url_prefix="/api", name="api")
        clients.append(app.test_client(protocol=protocol))
    try:
        # The loose app asks first: what its child inherits (nothing) must
        # not be what the strict app's child gets.
        assert statuses(clients[1], "/api/c/v", 3) == [200, 200, 200]
        assert statuses(clients[0], "/api/c/v", 2) == [200, 429]
        assert statuses(clients[1], "/api/c/v", 2) == [200, 200]
    finally:
        for client in clients:
            shim = getattr(client, "_shim", None)
            if shim is not None:
                shim.close()


def test_limits_for_lists_the_inherited_limits(app: Hipflask) -> None:
    limiter = Limiter(app, default_limits=["50 per minute"])
    parent, child, _grand = family()
    limiter.limit("1 per minute")(parent)
    limiter.limit("2 per minute", override_defaults=False)(child)
    app.register_blueprint(parent, url_prefix="/p")
    with app.app_context():
        found = [
            (kind, str(limit.limit_provider))
            for kind, limit, _ in limiter.limits_for("parent.child.grand.v")
        ]
    assert found == [("route", "2 per minute"), ("route", "1 per minute")]
