"""Park base data use cases: list, read, create, update, delete (audited, park-scoped through
`Scope`), the Excel export, and the figures of a period for a park run (annual rows where the
period covers whole years, else the months)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcarbon.audit import service as audit
from dualcarbon.core.accounting.catalogue.fuels import FUELS
from dualcarbon.core.accounting.park_base import ParkBaseFigures, ParkFuel
from dualcarbon.core.context import Actor
from dualcarbon.core.errors import FieldError, Invalid
from dualcarbon.db.paging import Page, paginate
from dualcarbon.db.tenancy import Scope
from dualcarbon.parkbase.errors import BaseDataNotFound, PeriodTaken
from dualcarbon.parkbase.models import ANNUAL, ParkBaseData, ParkBaseFuel
from dualcarbon.parkbase.schemas import FIGURES
from dualcarbon.registry.models import Park

UNITS = ("t", "1e4_nm3")
FUEL_BY_NAME = {zh: key for key, (zh, _unit) in FUELS.items()}
STOCKS = ("area_km2", "population", "employees")  # as last reported, not summed


def period_label(year: int, month: int) -> str:
    return f"{year}" if month == ANNUAL else f"{year}-{month:02d}"


def _fuels(session: Session, base_ids: list[int]) -> dict[int, list[ParkBaseFuel]]:
    out: dict[int, list[ParkBaseFuel]] = {i: [] for i in base_ids}
    if base_ids:
        for f in session.scalars(select(ParkBaseFuel).where(ParkBaseFuel.base_id.in_(base_ids))
                                 .order_by(ParkBaseFuel.id)):
            out[f.base_id].append(f)
    return out


def out(row: ParkBaseData, fuels: list[ParkBaseFuel]) -> dict[str, Any]:
    data = {c: getattr(row, c) for c in ("id", "park_id", "year", *FIGURES, "note",
                                         "created_by", "updated_by", "created_at",
                                         "updated_at")}
    data["month"] = None if row.month == ANNUAL else row.month
    data["fuels"] = [{"fuel": f.fuel, "fuel_name": FUELS[f.fuel][0] if f.fuel in FUELS
                      else f.fuel, "quantity": f.quantity, "unit": f.unit} for f in fuels]
    return data


def _snapshot(row: ParkBaseData, fuels: list[ParkBaseFuel]) -> dict[str, Any]:
    snap = audit.snapshot(row)
    snap["fuels"] = [{"fuel": f.fuel, "quantity": format(f.quantity, "f"), "unit": f.unit}
                     for f in fuels]
    return snap


def list_rows(session: Session, scope: Scope, *, park_id: int | None = None,
              year: int | None = None, month: int | None = None, annual: bool | None = None,
              page: int = 1, size: int = 50) -> Page[Any]:
    stmt = select(ParkBaseData).where(scope.filter_for(ParkBaseData))
    if park_id is not None:
        stmt = stmt.where(ParkBaseData.park_id == park_id)
    if year is not None:
        stmt = stmt.where(ParkBaseData.year == year)
    if month is not None:
        stmt = stmt.where(ParkBaseData.month == month)
    if annual is not None:
        stmt = stmt.where((ParkBaseData.month == ANNUAL) if annual
                          else (ParkBaseData.month != ANNUAL))
    result = paginate(session, stmt.order_by(ParkBaseData.park_id, ParkBaseData.year.desc(),
                                             ParkBaseData.month.desc()), page, size)
    fuels = _fuels(session, [r.id for r in result.items])
    return Page(items=[out(r, fuels[r.id]) for r in result.items], total=result.total,
                page=result.page, size=result.size)


def _get(session: Session, scope: Scope, item_id: int) -> ParkBaseData:
    row = session.scalar(select(ParkBaseData).where(ParkBaseData.id == item_id,
                                                    scope.filter_for(ParkBaseData)))
    if row is None:
        raise BaseDataNotFound()
    return row


def get(session: Session, scope: Scope, item_id: int) -> dict[str, Any]:
    row = _get(session, scope, item_id)
    return out(row, _fuels(session, [row.id])[row.id])


def _checked_fuels(fuels: list[Any]) -> list[tuple[str, Decimal, str]]:
    errors: list[FieldError] = []
    result: list[tuple[str, Decimal, str]] = []
    seen: set[str] = set()
    for i, f in enumerate(fuels):
        fuel = f.fuel if f.fuel in FUELS else FUEL_BY_NAME.get(f.fuel, f.fuel)
        expected = (FUELS[fuel][1],) if fuel in FUELS else UNITS
        unit = f.unit or expected[0]
        if unit not in expected:
            errors.append(FieldError(("body", "fuels", i, "unit"), "parkbase.fuel-unit",
                                     {"expected": " / ".join(expected)}))
        if fuel in seen:
            errors.append(FieldError(("body", "fuels", i, "fuel"), "parkbase.fuel-duplicate"))
        seen.add(fuel)
        result.append((fuel, f.quantity, unit))
    if errors:
        raise Invalid(field_errors=errors)
    return result


def _set_fuels(session: Session, row: ParkBaseData, fuels: list[tuple[str, Decimal, str]]
               ) -> None:
    for old in session.scalars(select(ParkBaseFuel).where(ParkBaseFuel.base_id == row.id)):
        session.delete(old)
    session.flush()
    for fuel, quantity, unit in fuels:
        session.add(ParkBaseFuel(park_id=row.park_id, base_id=row.id, fuel=fuel,
                                 quantity=quantity, unit=unit))
    session.flush()


def create(session: Session, scope: Scope, actor: Actor, data: Any) -> dict[str, Any]:
    park = session.scalar(select(Park).where(Park.id == data.park_id,
                                             scope.filter_for(Park)))
    if park is None:
        raise Invalid(field_errors=[FieldError(("body", "park_id"), "parkbase.park")])
    scope.require_writable(park.id)
    month = data.month or ANNUAL
    if session.scalar(select(ParkBaseData.id).where(
            ParkBaseData.park_id == park.id, ParkBaseData.year == data.year,
            ParkBaseData.month == month)) is not None:
        raise PeriodTaken(params={"period": period_label(data.year, month)})
    fuels = _checked_fuels(data.fuels or [])
    row = ParkBaseData(park_id=park.id, year=data.year, month=month,
                       created_by=actor.username, updated_by=actor.username,
                       **{f: getattr(data, f) for f in (*FIGURES, "note")})
    session.add(row)
    session.flush()
    _set_fuels(session, row, fuels)
    session.refresh(row)  # the stored values (decimals at their column's scale)
    stored = _fuels(session, [row.id])[row.id]
    audit.record(session, actor, "create", object_type="park_base_data", object_id=row.id,
                 object_label=f"{park.name} {period_label(row.year, row.month)}"[:100],
                 after=_snapshot(row, stored), park_id=row.park_id)
    return out(row, stored)


def update(session: Session, scope: Scope, actor: Actor, item_id: int,
           data: Any) -> dict[str, Any]:
    row = _get(session, scope, item_id)
    scope.require_writable(row.park_id)
    before = _snapshot(row, _fuels(session, [row.id])[row.id])
    changes = data.model_dump(exclude_unset=True)
    fuels = changes.pop("fuels", None)
    checked = _checked_fuels(data.fuels) if fuels is not None else None
    for key, value in changes.items():
        setattr(row, key, value)
    row.updated_by = actor.username
    session.flush()
    if checked is not None:
        _set_fuels(session, row, checked)
    session.refresh(row)
    stored = _fuels(session, [row.id])[row.id]
    audit.record(session, actor, "update", object_type="park_base_data", object_id=row.id,
                 object_label=period_label(row.year, row.month), before=before,
                 after=_snapshot(row, stored), park_id=row.park_id)
    return out(row, stored)


def delete(session: Session, scope: Scope, actor: Actor, item_id: int) -> None:
    row = _get(session, scope, item_id)
    scope.require_writable(row.park_id)
    before = _snapshot(row, _fuels(session, [row.id])[row.id])
    for f in session.scalars(select(ParkBaseFuel).where(ParkBaseFuel.base_id == row.id)):
        session.delete(f)
    session.delete(row)
    session.flush()
    audit.record(session, actor, "delete", object_type="park_base_data", object_id=item_id,
                 object_label=period_label(row.year, row.month), before=before,
                 park_id=row.park_id)


# ------------------------------------------------------------------------------ for a period


def _months(start: date, end: date) -> list[tuple[int, int]]:
    out_: list[tuple[int, int]] = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out_.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out_


def figures_for(session: Session, park_id: int, start: date, end: date
                ) -> tuple[ParkBaseFigures, list[int]]:
    """The park's base figures for [start, end] and the ids of the rows used: a year the
    period covers whole uses its annual row when there is one, otherwise the month rows.
    Flows are summed; area and people are the latest reported. Internal (no scope): the park
    run has checked access."""
    months = _months(start, end)
    whole = {y for y in {m[0] for m in months}
             if start <= date(y, 1, 1) and date(y, 12, 31) <= end}
    rows = list(session.scalars(select(ParkBaseData).where(
        ParkBaseData.park_id == park_id, ParkBaseData.year >= start.year,
        ParkBaseData.year <= end.year)))
    annual = {r.year: r for r in rows if r.month == ANNUAL and r.year in whole}
    monthly = {(r.year, r.month): r for r in rows if r.month != ANNUAL}
    used: list[ParkBaseData] = []
    covered = 0
    for y in sorted({m[0] for m in months}):
        in_year = [m for m in months if m[0] == y]
        if y in annual:
            used.append(annual[y])
            covered += len(in_year)
            continue
        for ym in in_year:
            if ym in monthly:
                used.append(monthly[ym])
                covered += 1
    used.sort(key=lambda r: (r.year, r.month))
    fig = ParkBaseFigures(months_in_period=len(months), months_covered=covered)
    for name in FIGURES:
        values = [getattr(r, name) for r in used if getattr(r, name) is not None]
        if not values:
            continue
        if name in STOCKS:
            setattr(fig, name, values[-1])
        else:
            setattr(fig, name, sum(values, Decimal(0)))
    fuels: dict[tuple[str, str], Decimal] = {}
    for rid, items in _fuels(session, [r.id for r in used]).items():
        del rid
        for f in items:
            fuels[(f.fuel, f.unit)] = fuels.get((f.fuel, f.unit), Decimal(0)) + f.quantity
    fig.fuels = [ParkFuel(fuel=k[0], unit=k[1], quantity=v) for k, v in sorted(fuels.items())]
    return fig, [r.id for r in used]


# ------------------------------------------------------------------------------------ export

LABELS: dict[str, tuple[str, str]] = {
    "park_name": ("园区", "Park"), "year": ("年份", "Year"), "month": ("月份", "Month"),
    "area_km2": ("园区面积(km²)", "Area (km²)"),
    "gdp_1e4_cny": ("地区生产总值(万元)", "GDP (10^4 CNY)"),
    "industrial_output_1e4_cny": ("工业总产值(万元)", "Industrial output (10^4 CNY)"),
    "value_added_1e4_cny": ("工业增加值(万元)", "Industrial value added (10^4 CNY)"),
    "population": ("常住人口(人)", "Population"), "employees": ("从业人员(人)", "Employees"),
    "purchased_electricity_mwh": ("外购电力(MWh)", "Purchased electricity (MWh)"),
    "exported_electricity_mwh": ("外送电力(MWh)", "Exported electricity (MWh)"),
    "purchased_heat_gj": ("外购热力(GJ)", "Purchased heat (GJ)"),
    "exported_heat_gj": ("外送热力(GJ)", "Exported heat (GJ)"),
    "general_solid_waste_t": ("一般工业固体废物产生量(t)", "General industrial solid waste (t)"),
    "hazardous_waste_t": ("危险废物产生量(t)", "Hazardous waste (t)"),
    "note": ("备注", "Note"), "updated_by": ("更新人", "Updated by"),
    "updated_at": ("更新时间", "Updated at"),
}


def export(session: Session, scope: Scope, actor: Actor, *, park_id: int | None = None,
           year: int | None = None, locale: str = "zh-CN"
           ) -> tuple[list[dict[str, Any]], list[tuple[str, str]], str]:
    """Rows, columns (key, header in the caller's language) and sheet name of the export;
    each fuel consumed is a column of its own. Audited."""
    en = locale == "en"
    page = list_rows(session, scope, park_id=park_id, year=year, size=500)
    parks = {p.id: p.name for p in session.scalars(select(Park).where(
        Park.id.in_({r["park_id"] for r in page.items})))} if page.items else {}
    fuel_cols: dict[str, str] = {}
    rows = []
    for item in page.items:
        row = dict(item)
        row["park_name"] = parks.get(item["park_id"], "")
        row["month"] = item["month"] or ("Year" if en else "全年")
        for f in item["fuels"]:
            key = f"fuel:{f['fuel']}:{f['unit']}"
            name = f["fuel"] if en else f["fuel_name"]
            fuel_cols[key] = f"{name} ({f['unit']})"
            row[key] = f["quantity"]
        rows.append(row)
    head = ["park_name", "year", "month", *FIGURES]
    columns = [(k, LABELS[k][1 if en else 0]) for k in head]
    columns += sorted(fuel_cols.items())
    columns += [(k, LABELS[k][1 if en else 0]) for k in ("note", "updated_by", "updated_at")]
    # the park filter as asked goes into the text; the park column only takes a park whose rows
    # were exported (the filter may name any id, even one no table could hold)
    audit.record(session, actor, "export", object_type="park_base_data",
                 detail=f"{len(rows)} rows" + (f", park_id={park_id}" if park_id else ""),
                 park_id=park_id if page.items else None)
    return rows, columns, "Park base data" if en else "园区基础数据"
