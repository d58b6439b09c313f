"""Every default value of methodology.md with its source and provenance tier.

`default_parameter_set()` is the demo default: fuel table A (NDRC 2013 family), MEE/NBS grid
factors 2021-2023, ETS reporting factors, heat 0.11, GB/T 2589 coefficients, GWP SAR/AR4/AR5/AR6,
process defaults. Fuel tables B and C are in it too under their own keys (fuelB.*, fuelC.*):
a report picks one table and never mixes them."""

from __future__ import annotations

from ..parameters import Parameter, ParameterSet
from ..tiers import ProvenanceTier
from .energy import energy_parameters
from .ets import ets_parameters
from .fuels import fuel_parameters
from .grid import grid_parameters
from .gwp import gwp_parameters
from .process import process_parameters

CATALOGUE_VERSION = "methodology-md-2026.1"


def all_parameters() -> list[Parameter]:
    return [
        *fuel_parameters(),
        *grid_parameters(),
        *process_parameters(),
        *energy_parameters(),
        *gwp_parameters(),
        *ets_parameters(),
    ]


_DEFAULT: ParameterSet | None = None


def default_parameter_set() -> ParameterSet:
    """The catalogue as a parameter set (a fresh usage record on each call)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = ParameterSet.of(all_parameters(), name=CATALOGUE_VERSION)
    return _DEFAULT.recorder()


def unverified_parameters() -> list[Parameter]:
    """Defaults still of tier memory/unverified or cited (to be checked against official PDFs)."""
    return [p for p in all_parameters() if p.tier.needs_verification]


def memory_unverified_parameters() -> list[Parameter]:
    return [p for p in all_parameters() if p.tier is ProvenanceTier.MEMORY_UNVERIFIED]


__all__ = [
    "CATALOGUE_VERSION",
    "all_parameters",
    "default_parameter_set",
    "memory_unverified_parameters",
    "unverified_parameters",
]
