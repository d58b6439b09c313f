"""Plug-in contract, registry and the helpers every methodology uses to build result lines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol

from dualcarbon.core.errors import Invalid

from ..model import ActivityDocument, Measured
from ..parameters import Parameter, ParameterRef, ParameterSet
from ..result import EnterpriseResult, ResultLine, Scope, SourceCategory
from ..tiers import DataQuality

C_TO_CO2 = Decimal(44) / Decimal(12)
ZERO = Decimal(0)
ONE = Decimal(1)


class UnknownMethodology(Invalid):
    code = "accounting-unknown-methodology"


class MissingInput(Invalid):
    code = "accounting-missing-input"


class Methodology(Protocol):
    id: str
    aliases: tuple[str, ...]
    title: str

    def account(self, ctx: Ctx) -> EnterpriseResult: ...


_REGISTRY: dict[str, Methodology] = {}


def register(m: Methodology) -> Methodology:
    for name in (m.id, *m.aliases):
        _REGISTRY[name] = m
    return m


def get_methodology(name: str) -> Methodology:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownMethodology(
            f"unknown methodology {name!r}; known: {', '.join(sorted(_REGISTRY))}",
            params={"methodology": name},
        ) from None


def methodologies() -> dict[str, Methodology]:
    return {m.id: m for m in _REGISTRY.values()}


@dataclass
class Ctx:
    """One accounting run over one document: parameter look-ups on the period's date."""

    doc: ActivityDocument
    params: ParameterSet
    on: date
    warnings: list[str] = field(default_factory=list)
    #: green certificate ids already claimed (shared across the enterprises of a park run)
    seen_certificates: set[str] = field(default_factory=set)

    @classmethod
    def for_doc(cls, doc: ActivityDocument, params: ParameterSet,
                seen_certificates: set[str] | None = None) -> Ctx:
        return cls(doc=doc, params=params, on=doc.period.start,
                   seen_certificates=seen_certificates if seen_certificates is not None else set())

    def p(self, key: str) -> Parameter:
        return self.params.lookup(key, self.on)

    def has(self, key: str) -> bool:
        return self.params.find(key, self.on) is not None

    def gwp(self, gas: str) -> Parameter:
        return self.p(f"gwp.{self.doc.options.gwp_set}.{gas}")


@dataclass
class LineBuilder:
    """Collects the inputs, parameters and qualities of one result line."""

    id: str
    source: SourceCategory
    scope: Scope
    formula_id: str
    formula: str
    facility: str | None = None
    process: str | None = None
    counterparty: str | None = None
    inputs: dict[str, Decimal] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    refs: list[ParameterRef] = field(default_factory=list)
    qualities: list[DataQuality] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def datum(self, name: str, value: Decimal, quality: DataQuality) -> Decimal:
        self.inputs[name] = value
        self.qualities.append(quality)
        return value

    def param(self, name: str, p: Parameter) -> Decimal:
        """A catalogue default used in place of a measurement: quality 缺省值."""
        self.inputs[name] = p.value
        self.refs.append(p.ref)
        self.qualities.append(DataQuality.DEFAULT)
        return p.value

    def constant(self, name: str, p: Parameter) -> Decimal:
        """A physical/conversion constant or GWP: recorded, does not lower the data quality."""
        self.inputs[name] = p.value
        self.refs.append(p.ref)
        return p.value

    def measured_or_default(
        self, name: str, m: Measured | None, ctx: Ctx, key: str
    ) -> Decimal:
        if m is not None:
            return self.datum(name, m.value, m.quality)
        if not ctx.has(key):
            raise MissingInput(
                f"{self.id}: {name} not given and no default {key!r}",
                params={"line": self.id, "input": name},
            )
        return self.param(name, ctx.p(key))

    def build(self, gas: str, gas_mass_t: Decimal, gwp: Decimal) -> ResultLine:
        return ResultLine(
            id=self.id,
            source=self.source,
            scope=self.scope,
            gas=gas,
            gas_mass_t=gas_mass_t,
            gwp=gwp,
            emissions_tco2e=gas_mass_t * gwp,
            formula_id=self.formula_id,
            formula=self.formula,
            inputs=self.inputs,
            labels=self.labels,
            parameters=self.refs,
            data_quality=DataQuality.worst(*self.qualities),
            facility=self.facility,
            process=self.process,
            counterparty=self.counterparty,
            notes=self.notes,
        )


Builder = Callable[[Ctx], list[ResultLine]]
