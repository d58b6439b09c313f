"""The parameter library: seeding, exact values, park overrides, pinned versions."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dualcarbon.core.accounting.catalogue import all_parameters, default_parameter_set
from dualcarbon.core.accounting.dataio import from_dict
from dualcarbon.core.accounting.engine import account
from dualcarbon.core.accounting.model import ActivityDocument
from dualcarbon.core.accounting.tiers import ProvenanceTier
from dualcarbon.core.context import Actor
from dualcarbon.db.tenancy import Grant, Scope
from dualcarbon.factors import service
from dualcarbon.factors.errors import FactorNotFound, VersionExists, VersionNotLatest
from dualcarbon.factors.models import FactorParameter
from testkit import make_park

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "accounting"
ADMIN = Actor(user_id=None, username="platform-admin")
GLOBAL = Scope("factors.parameter:write", frozenset({Grant("park_admin")}))


def example(name: str) -> ActivityDocument:
    return from_dict(ActivityDocument, json.loads((EXAMPLES / name).read_text("utf-8")))


def park_scope(park_id: int) -> Scope:
    return Scope("factors.parameter:write", frozenset({Grant("park_admin", park_id)}))


def test_sync_catalogue_is_idempotent_and_exact(session):
    added = service.sync_catalogue(session)
    assert added == len(all_parameters())
    assert service.sync_catalogue(session) == 0
    n = session.scalar(select(func.count(FactorParameter.id))
                       .where(FactorParameter.park_id.is_(None)))
    assert n == len(all_parameters())
    for p in all_parameters()[:50]:
        row = session.scalar(select(FactorParameter).where(
            FactorParameter.park_id.is_(None), FactorParameter.key == p.key,
            FactorParameter.version == p.version, FactorParameter.methodology == p.methodology))
        assert row.value == p.value and str(row.value) == str(p.value)


def test_library_set_gives_catalogue_numbers(session):
    service.sync_catalogue(session)
    doc = example("ex5-enterprise-total.json")
    lib = account(doc, service.parameter_set(session, None))
    ref = account(doc, default_parameter_set())
    assert lib.totals == ref.totals
    assert lib.parameters_used == ref.parameters_used


def test_value_stored_exactly(session):
    park = make_park(session)
    v = Decimal("0.01234567890123456789")
    row = service.create_version(session, park_scope(park.id), ADMIN, service.VersionIn(
        park_id=park.id, methodology="custom", key="x.factor", version="v1", value=v,
        tier=ProvenanceTier.USER))
    session.expire_all()
    again = session.get(FactorParameter, row.id)
    assert again.value == v and again.value_text == "0.01234567890123456789"


def test_park_override_beats_platform_and_new_version_closes_old(session):
    service.sync_catalogue(session)
    park = make_park(session)
    other = make_park(session)
    base = next(p for p in all_parameters() if p.key == "fuelA.natural_gas.ncv")
    row = service.create_version(session, park_scope(park.id), ADMIN, service.VersionIn(
        park_id=park.id, methodology=base.methodology, key=base.key, version="park-2023",
        value=base.value * 2, unit=base.unit, valid_from=date(2023, 1, 1)))
    on = date(2023, 6, 1)
    assert service.parameter_set(session, park.id).lookup(base.key, on).value == base.value * 2
    assert service.parameter_set(session, other.id).lookup(base.key, on).value == base.value
    assert service.parameter_set(session, None).lookup(base.key, on).value == base.value
    # a second park version closes the first the day before it starts
    service.create_version(session, park_scope(park.id), ADMIN, service.VersionIn(
        park_id=park.id, methodology=base.methodology, key=base.key, version="park-2024",
        value=base.value * 3, unit=base.unit, valid_from=date(2024, 1, 1)))
    assert row.valid_to == date(2023, 12, 31)
    ps = service.parameter_set(session, park.id)
    assert ps.lookup(base.key, on).value == base.value * 2
    assert ps.lookup(base.key, date(2024, 3, 1)).value == base.value * 3
    with pytest.raises(VersionExists):
        service.create_version(session, park_scope(park.id), ADMIN, service.VersionIn(
            park_id=park.id, methodology=base.methodology, key=base.key, version="park-2024",
            value=Decimal(1), valid_from=date(2025, 1, 1)))
    with pytest.raises(VersionNotLatest):
        service.create_version(session, park_scope(park.id), ADMIN, service.VersionIn(
            park_id=park.id, methodology=base.methodology, key=base.key, version="park-2022",
            value=Decimal(1), valid_from=date(2022, 1, 1)))


def test_park_admin_cannot_write_platform_rows(session):
    park = make_park(session)
    from dualcarbon.core.errors import NotFound

    with pytest.raises(NotFound):
        service.create_version(session, park_scope(park.id), ADMIN, service.VersionIn(
            park_id=None, methodology="custom", key="k", version="v", value=Decimal(1)))
    service.create_version(session, GLOBAL, ADMIN, service.VersionIn(
        park_id=None, methodology="custom", key="k", version="v", value=Decimal(1)))


def test_pinned_versions_reproduce_after_new_version(session):
    service.sync_catalogue(session)
    doc = example("ex1-combustion.json")
    first = account(doc, service.parameter_set(session, None))
    used = first.parameters_used
    assert used
    # a newer platform version of every used key, starting inside the period
    start = doc.period.start
    for ref in used:
        if ref.key.startswith("grid."):
            continue  # yearly rows already start on the period's first day
        service.create_version(session, GLOBAL, ADMIN, service.VersionIn(
            park_id=None, methodology=ref.methodology, key=ref.key, version=ref.version + "+new",
            value=ref.value * 2, unit=ref.unit, valid_from=start))
    changed = account(doc, service.parameter_set(session, None))
    assert changed.totals.total_tco2e != first.totals.total_tco2e
    again = account(doc, service.parameter_set(session, None, versions=used))
    assert again.totals == first.totals
    assert again.parameters_used == used


def test_pinned_version_missing_is_reported(session):
    service.sync_catalogue(session)
    ref = next(iter(all_parameters())).ref
    bad = type(ref)(key=ref.key, methodology=ref.methodology, version="nope", value=ref.value,
                    unit=ref.unit, tier=ref.tier)
    with pytest.raises(FactorNotFound):
        service.parameter_set(session, None, versions=[bad])


def test_built_set_is_reused_until_the_library_changes(session):
    """parameter_set keeps the built set between runs; any new version (the only way rows
    change) makes the next call see it, and each call gets a usage record of its own."""
    service.sync_catalogue(session)
    park = make_park(session)
    on = date(2023, 6, 1)
    first = service.parameter_set(session, park.id)
    base = first.lookup("grid.location.national", on)
    second = service.parameter_set(session, park.id)
    assert second._index is first._index  # the same build, not rebuilt
    assert second.used == {} and first.used != {}  # but usage is recorded per call
    service.create_version(session, park_scope(park.id), ADMIN, service.VersionIn(
        park_id=park.id, methodology=base.methodology, key=base.key, version="park-cache",
        value=base.value + 1, unit=base.unit, valid_from=date(2023, 1, 1)))
    third = service.parameter_set(session, park.id)
    assert third._index is not first._index
    assert third.lookup("grid.location.national", on).value == base.value + 1
    assert service.parameter_set(session, None).lookup(
        "grid.location.national", on).value == base.value  # the platform set is unchanged
