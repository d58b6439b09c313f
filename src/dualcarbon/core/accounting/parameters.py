"""Versioned parameters (emission factors, default values, conversion coefficients) and the
parameter set an accounting run looks them up in. Pure data; the persistent, editable library
(factors/ domain package) builds `Parameter` rows and a `ParameterSet` from them.

A parameter is identified by (methodology, key, version) and is valid on [valid_from, valid_to]
(either end open when None). A set holds at most one parameter valid on any date for a key.
A lookup records the exact parameter used, so a run can list the versions it used and be
reproduced later with the same numbers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from dualcarbon.core.errors import Conflict, NotFound

from .tiers import ProvenanceTier


@dataclass(frozen=True, slots=True)
class Parameter:
    """One default value, factor or coefficient with its provenance."""

    key: str
    value: Decimal
    unit: str
    methodology: str
    version: str
    valid_from: date | None = None
    valid_to: date | None = None
    source_document: str = ""
    clause: str = ""
    tier: ProvenanceTier = ProvenanceTier.MEMORY_UNVERIFIED
    note: str = ""

    def is_valid_on(self, on: date) -> bool:
        if self.valid_from is not None and on < self.valid_from:
            return False
        return not (self.valid_to is not None and on > self.valid_to)

    def overlaps(self, other: Parameter) -> bool:
        lo_a = self.valid_from or date.min
        hi_a = self.valid_to or date.max
        lo_b = other.valid_from or date.min
        hi_b = other.valid_to or date.max
        return lo_a <= hi_b and lo_b <= hi_a

    @property
    def ref(self) -> ParameterRef:
        return ParameterRef(
            key=self.key,
            methodology=self.methodology,
            version=self.version,
            value=self.value,
            unit=self.unit,
            tier=self.tier,
        )


@dataclass(frozen=True, slots=True)
class ParameterRef:
    """What a result line records about a parameter it used."""

    key: str
    methodology: str
    version: str
    value: Decimal
    unit: str
    tier: ProvenanceTier


class ParameterNotFound(NotFound):
    code = "parameter-not-found"


class ParameterConflict(Conflict):
    code = "parameter-conflict"


@dataclass
class ParameterSet:
    """Parameters indexed by key; `lookup(key, on)` returns the one valid on that date and
    records it in `used`. Use `recorder()` to get a fresh view with an empty usage record for
    one accounting run (the index is shared, not copied)."""

    name: str = "custom"
    _index: dict[str, list[Parameter]] = field(default_factory=dict)
    used: dict[tuple[str, str, str], Parameter] = field(default_factory=dict)

    @classmethod
    def of(cls, parameters: Iterable[Parameter], name: str = "custom") -> ParameterSet:
        ps = cls(name=name)
        for p in parameters:
            ps.add(p)
        return ps

    def add(self, p: Parameter) -> None:
        """Add a parameter; a second one for the same key with overlapping validity conflicts."""
        same = self._index.setdefault(p.key, [])
        for q in same:
            if q.overlaps(p):
                raise ParameterConflict(
                    f"{p.key}: {p.methodology}/{p.version} overlaps {q.methodology}/{q.version}",
                    params={"key": p.key},
                )
        same.append(p)
        same.sort(key=lambda x: x.valid_from or date.min)

    def replace(self, p: Parameter) -> None:
        """Add `p`, dropping parameters of the same key whose validity it overlaps (an override)."""
        same = self._index.setdefault(p.key, [])
        same[:] = [q for q in same if not q.overlaps(p)]
        self.add(p)

    def with_overrides(
        self, overrides: Iterable[Parameter], name: str | None = None
    ) -> ParameterSet:
        ps = ParameterSet(name=name or self.name)
        for k, v in self._index.items():
            ps._index[k] = list(v)
        for p in overrides:
            ps.replace(p)
        return ps

    def recorder(self) -> ParameterSet:
        """A view on the same parameters with an empty usage record."""
        return ParameterSet(name=self.name, _index=self._index)

    def find(self, key: str, on: date) -> Parameter | None:
        for p in self._index.get(key, ()):
            if p.is_valid_on(on):
                return p
        return None

    def versions(self, key: str) -> list[Parameter]:
        """Every version of `key`, oldest first (no usage recorded)."""
        return list(self._index.get(key, ()))

    def has(self, key: str) -> bool:
        return key in self._index

    def lookup(self, key: str, on: date) -> Parameter:
        """The parameter `key` valid on `on`; records it as used."""
        p = self.find(key, on)
        if p is None:
            raise ParameterNotFound(
                f"no parameter {key!r} valid on {on.isoformat()} in set {self.name!r}",
                params={"key": key, "on": on.isoformat()},
            )
        self.used[(p.methodology, p.key, p.version)] = p
        return p

    def lookup_latest(self, key: str, on: date) -> Parameter:
        """The parameter valid on `on`, else the latest one valid before it (for factors
        published a year or two late, e.g. grid factors: use the latest published year)."""
        p = self.find(key, on)
        if p is None:
            earlier = [q for q in self._index.get(key, ()) if (q.valid_from or date.min) <= on]
            if not earlier:
                return self.lookup(key, on)
            p = earlier[-1]
        self.used[(p.methodology, p.key, p.version)] = p
        return p

    def value(self, key: str, on: date) -> Decimal:
        return self.lookup(key, on).value

    def __iter__(self) -> Iterator[Parameter]:
        for ps in self._index.values():
            yield from ps

    def __len__(self) -> int:
        return sum(len(v) for v in self._index.values())

    def keys(self) -> list[str]:
        return sorted(self._index)

    def used_refs(self) -> list[ParameterRef]:
        return [self.used[k].ref for k in sorted(self.used)]
