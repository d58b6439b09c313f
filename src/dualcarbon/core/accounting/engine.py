"""Entry points: account one enterprise document with its methodology plug-in."""

from __future__ import annotations

from .catalogue import default_parameter_set
from .levels import check_allocation
from .methodologies import chemical, power  # noqa: F401 - register the plug-ins
from .methodologies.base import Ctx, get_methodology, methodologies
from .model import ActivityDocument
from .parameters import ParameterSet
from .result import EnterpriseResult


def account(doc: ActivityDocument, params: ParameterSet | None = None, *,
            seen_certificates: set[str] | None = None) -> EnterpriseResult:
    """Account one enterprise for its period. `params` defaults to the catalogue; a fresh usage
    record is taken so the result lists exactly the parameter versions it used."""
    check_allocation(doc)
    ps = (params or default_parameter_set()).recorder()
    ctx = Ctx.for_doc(doc, ps, seen_certificates)
    return get_methodology(doc.options.methodology).account(ctx)


__all__ = ["account", "get_methodology", "methodologies"]
