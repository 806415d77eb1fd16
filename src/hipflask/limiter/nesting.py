"""Which blueprint limits and exemptions reach a view, through nested blueprints.

Flask-Limiter's rules for a blueprint registered inside another one
(``parent.register_blueprint(child)``):

* A blueprint without limits of its own inherits those of all its
  ancestors. One whose own limits all replace the defaults
  (``override_defaults=True``, the default) replaces its ancestors' too;
  one with any ``override_defaults=False`` among them adds its ancestors'
  to its own, "the meaning of the parameter extends to any parents".
* ``ExemptionScope.ANCESTORS`` on a blueprint stops that inheritance: its
  views count its own limits only. So does the blueprint's own exemption
  from more than the default and application limits (``limiter.exempt(bp)``
  without flags lifts the meta limits too), for which Flask-Limiter counts
  none of its ancestors' limits (nor its own, which count here).
* An exemption holds for the blueprint's own views. Its children's views
  share it only when it has ``ExemptionScope.DESCENDENTS``: exempting a
  parent does not, by default, exempt what is registered inside it.

A blueprint is the same whatever name it is registered under
(``register_blueprint(bp, name="v2")``): its ancestors are found through
the app's registered blueprints, not by splitting the dotted name into
declared names, so a second registration inherits and is exempt as the
first is. What a registered blueprint gets is worked out once and kept
until a declaration changes it, so a request pays a dictionary lookup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .rules import ExemptionScope

if TYPE_CHECKING:
    from collections.abc import Mapping

    from hipflask.core.blueprints import Blueprint

    from .rules import Limit

__all__ = ["NOTHING", "BlueprintRules", "Inherited"]


class Inherited:
    """What the views of one registered blueprint get from it and its ancestors."""

    __slots__ = ("generation", "lifted", "limits", "registered")

    def __init__(
        self,
        registered: Mapping[str, Blueprint] | None,
        lifted: ExemptionScope,
        limits: list[Limit],
        generation: int = 0,
    ) -> None:
        #: The app's registered blueprints this was worked out from. Another
        #: app sharing the limiter is worked out again: the same name there
        #: may be another blueprint, or the same one inside another parent
        #: (``name="api"`` given to a different blueprint in each app). An
        #: app never gives a registered name to another blueprint, so within
        #: one app the name alone says which blueprints it stands for.
        self.registered = registered
        self.lifted = lifted
        self.limits = limits
        #: The declarations it was worked out from (see BlueprintRules).
        self.generation = generation


#: What a request outside any blueprint, or in one the app lacks, gets.
NOTHING = Inherited(None, ExemptionScope.NONE, [])


class BlueprintRules:
    """One limiter's blueprint limits and exemptions, by the blueprints' own names."""

    __slots__ = ("_exempt", "_generation", "_limits", "_resolved")

    def __init__(self) -> None:
        self._limits: dict[str, list[Limit]] = {}
        self._exempt: dict[str, ExemptionScope] = {}
        self._resolved: dict[str, Inherited] = {}
        # Counts the declarations: a result worked out while another thread
        # declared one is from before it, and is not used once it is stored.
        self._generation = 0

    def add_limit(self, name: str, declared: Limit) -> None:
        """Add ``declared`` to the blueprint named ``name``; a repeat is dropped.

        A factory that runs again (a second app, a server importing the app
        twice) declares the same limit again: it must not charge twice.
        """
        limits = self._limits.setdefault(name, [])
        if not any(declared.same_as(limit) for limit in limits):
            limits.append(declared)
            self._changed()

    def exempt(self, name: str, flags: ExemptionScope) -> None:
        """Record the exemption of the blueprint named ``name`` (the last one given wins)."""
        self._exempt[name] = flags
        self._changed()

    def _changed(self) -> None:
        self._generation += 1
        self._resolved.clear()

    def declared(self, name: str) -> list[Limit]:
        """The limits declared on the blueprint named ``name`` itself."""
        return self._limits.get(name, [])

    def inherited(self, registered: Mapping[str, Blueprint], name: str | None) -> Inherited:
        """What the views of the blueprint registered as ``name`` get.

        ``registered`` is the app's ``blueprints``. A name the app has no
        blueprint for (an identity that is not an endpoint) gets nothing,
        as in Flask-Limiter.
        """
        if not name:
            return NOTHING
        found = self._resolved.get(name)
        generation = self._generation
        if found is not None and found.registered is registered and found.generation == generation:
            return found
        blueprint = registered.get(name)
        if blueprint is None:
            return NOTHING
        found = self._resolve(registered, name, blueprint, generation)
        self._resolved[name] = found
        return found

    def _resolve(
        self, registered: Mapping[str, Blueprint], name: str, blueprint: Blueprint, generation: int
    ) -> Inherited:
        # Innermost first, by the names the blueprints were declared under.
        chain = [blueprint.name]
        parent = name.rpartition(".")[0]
        while parent:
            ancestor = registered.get(parent)
            if ancestor is not None and ancestor.name not in chain:
                chain.append(ancestor.name)
            parent = parent.rpartition(".")[0]
        own_flags = self._exempt.get(blueprint.name, ExemptionScope.NONE)
        lifted = own_flags
        for each in chain:
            flags = self._exempt.get(each, ExemptionScope.NONE)
            if ExemptionScope.DESCENDENTS in flags:
                lifted |= flags
        own = self.declared(blueprint.name)
        if (
            (own and all(limit.override_defaults for limit in own))
            or ExemptionScope.ANCESTORS in own_flags
            # Exempt itself from more than the default and application limits
            # (the meta limits too, as a plain ``exempt(bp)`` is): Flask-Limiter
            # then counts none of its ancestors' limits, so a ``health``
            # blueprint exempted inside a limited ``api`` counts none of
            # ``api``'s. Its own limits still count (see the module's notes).
            or own_flags & ~(ExemptionScope.DEFAULT | ExemptionScope.APPLICATION)
        ):
            limits = list(own)
        else:
            limits = []
            for each in chain:
                for limit in self.declared(each):
                    if not any(limit is known for known in limits):
                        limits.append(limit)
        return Inherited(registered, lifted, limits, generation)
