"""Monitoring data reports (在线监测数据报表, R5.2.2.2-d): a day by hour (日报), a month by day
(月报) or a year by month (年报) for the points of an enterprise, from the rollups — the mean of
instantaneous quantities, the consumption of cumulative registers — with the CO2 mass of the
enterprise's CEMS units from their computed hours, and summary rows. Buckets are local to the
park's time zone, like the rollups themselves."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcarbon.collection import ledgers
from dualcarbon.collection.service import park_timezone
from dualcarbon.core import meter
from dualcarbon.core.errors import FieldError, Invalid
from dualcarbon.db.tenancy import Scope
from dualcarbon.protocols.models import CemsHour, CemsUnit
from dualcarbon.registry.models import Enterprise
from dualcarbon.server.i18n import register

Grain = Literal["day", "month", "year"]
MAX_COLUMNS = 60
KG_PER_T = Decimal(1000)

register("collection.report.period", "报表期间格式应为 {expected}",
         "The report period must look like {expected}")

_FORMATS = {"day": ("%Y-%m-%d", "2026-11-24"), "month": ("%Y-%m", "2026-11"),
            "year": ("%Y", "2026")}


@dataclass(frozen=True)
class Period:
    grain: Grain
    first: date
    buckets: list[date]  # local day/month starts of the rows; for "day" the date only
    rollup: str  # the rollup grain of one row: h, d, m


def parse_period(grain: Grain, text: str) -> Period:
    fmt, example = _FORMATS[grain]
    try:
        first = datetime.strptime(text, fmt).date()
    except ValueError:
        raise Invalid(field_errors=[FieldError(("query", "period"), "collection.report.period",
                                               {"expected": example})]) from None
    if grain == "day":
        return Period(grain, first, [first], "h")
    if grain == "month":
        days = calendar.monthrange(first.year, first.month)[1]
        return Period(grain, first, [first + timedelta(days=i) for i in range(days)], "d")
    return Period(grain, first, [date(first.year, m, 1) for m in range(1, 13)], "m")


def _row_starts(period: Period, tz: str) -> list[tuple[str, datetime]]:
    """(label, UTC start) of every row."""
    zone = ZoneInfo(tz)
    if period.grain == "day":
        start = datetime(period.first.year, period.first.month, period.first.day, tzinfo=zone)
        # hours of the local day (23 or 25 where clocks change; China has none)
        out, t = [], start.astimezone(UTC)
        end = (start + timedelta(days=1)).astimezone(UTC)
        while t < end:
            out.append((t.astimezone(zone).strftime("%H:00"), t))
            t += timedelta(hours=1)
        return out
    if period.grain == "month":
        return [(d.strftime("%m-%d"), ledgers.local_start(d, tz)) for d in period.buckets]
    return [(d.strftime("%Y-%m"), ledgers.local_start(d, tz)) for d in period.buckets]


def _end(period: Period, tz: str) -> datetime:
    if period.grain == "day":
        return ledgers.local_start(period.first + timedelta(days=1), tz)
    if period.grain == "month":
        return ledgers.local_start(period.buckets[-1] + timedelta(days=1), tz)
    return ledgers.local_start(date(period.first.year + 1, 1, 1), tz)


def build(session: Session, scope: Scope, *, enterprise_id: int | None, grain: Grain,
          period: str | None, medium: str | None = None,
          point_ids: list[int] | None = None) -> dict[str, Any]:
    """The report of one enterprise (default: the first the caller sees). An enterprise outside
    the caller's scope gives an empty report, as a list filtered to nothing does."""
    stmt = select(Enterprise).where(scope.filter_for(Enterprise))
    if enterprise_id is not None:
        stmt = stmt.where(Enterprise.id == enterprise_id)
    ent = session.scalar(stmt.order_by(Enterprise.code).limit(1))
    tz = park_timezone(session, ent.park_id) if ent else "Asia/Shanghai"
    if not period:
        period = datetime.now(ZoneInfo(tz)).strftime(_FORMATS[grain][0])
    per = parse_period(grain, period)
    points = [(p, ptz) for p, ptz in ledgers.visible_points(session, scope,
                                                             enterprise_id=ent.id)
              if p.is_active and (not medium or p.medium == medium)
              and (not point_ids or p.id in point_ids)] if ent else []
    truncated = len(points) > MAX_COLUMNS
    points = points[:MAX_COLUMNS]
    starts = _row_starts(per, tz)
    start, end = starts[0][1], _end(per, tz)
    figures = ledgers.rollup_figures(session, [p.id for p, _ in points], per.rollup, start, end)

    columns = [{**ledgers.point_columns(p),
                "statistic": "consumption" if p.measurement == "cumulative" else "mean"}
               for p, _ in points]
    rows: list[dict[str, Any]] = []
    per_col: dict[int, list[Decimal]] = defaultdict(list)
    for label, bucket in starts:
        values: list[Decimal | None] = []
        for i, (p, _) in enumerate(points):
            v = _cell(figures.get((p.id, bucket)), p.measurement == "cumulative")
            values.append(v)
            if v is not None:
                per_col[i].append(v)
        rows.append({"label": label, "start": bucket, "values": values})

    n = range(len(points))
    summary = {
        "total": [sum(per_col[i], Decimal(0)) if columns[i]["statistic"] == "consumption"
                  and per_col[i] else None for i in n],
        "mean": [meter.mean(sum(per_col[i], Decimal(0)), len(per_col[i])) if per_col[i]
                 else None for i in n],
        "min": [min(per_col[i]) if per_col[i] else None for i in n],
        "max": [max(per_col[i]) if per_col[i] else None for i in n],
    }
    return {"enterprise_id": ent.id if ent else None, "enterprise_name": ent.name if ent else "",
            "grain": grain, "period": period, "time_zone": tz, "columns": columns,
            "rows": rows, "summary": summary, "truncated": truncated,
            "cems": _cems(session, scope, ent.id, starts, end) if ent else []}


def _cell(f: meter.BucketFigures | None, cumulative: bool) -> Decimal | None:
    if f is None:
        return None
    if cumulative:
        return f.consumption
    return meter.mean(f.sum_value, f.count)


def _cems(session: Session, scope: Scope, enterprise_id: int,
          starts: list[tuple[str, datetime]], end: datetime) -> list[dict[str, Any]]:
    """CO2 mass (t) per row of each CEMS unit, from its computed hours (valid or substituted)."""
    units = list(session.scalars(select(CemsUnit).where(
        scope.filter_for(CemsUnit), CemsUnit.enterprise_id == enterprise_id,
        CemsUnit.is_active).order_by(CemsUnit.code)))
    out = []
    bounds = [s for _, s in starts] + [end]
    for u in units:
        masses: list[Decimal | None] = [None] * len(starts)
        hours = {"valid": 0, "substituted": 0, "invalid": 0}
        for hour, kg, valid, subst in session.execute(
                select(CemsHour.hour, CemsHour.co2_kg, CemsHour.is_valid,
                       CemsHour.is_substituted).where(
                    CemsHour.unit_id == u.id, CemsHour.hour >= bounds[0],
                    CemsHour.hour < end)):
            hours["substituted" if subst else "valid" if valid else "invalid"] += 1
            if kg is None:
                continue
            i = _row_of(bounds, hour)
            masses[i] = (masses[i] or Decimal(0)) + kg / KG_PER_T
        total = sum((m for m in masses if m is not None), Decimal(0))
        out.append({"unit_id": u.id, "code": u.code, "name": u.name,
                    "co2_t": [_t3(m) if m is not None else None for m in masses],
                    "total_t": _t3(total), "hours": hours})
    return out


def _t3(v: Decimal) -> Decimal:
    return v.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)  # 四舍五入, as reports round


def _row_of(bounds: list[datetime], t: datetime) -> int:
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    lo, hi = 0, len(bounds) - 2
    while lo < hi:  # the last start ≤ t
        mid = (lo + hi + 1) // 2
        if bounds[mid] <= t:
            lo = mid
        else:
            hi = mid - 1
    return lo


GRAIN_TITLES = {"day": ("在线监测日报", "Daily monitoring report"),
                "month": ("在线监测月报", "Monthly monitoring report"),
                "year": ("在线监测年报", "Annual monitoring report")}
STAT_LABELS = {"mean": ("均值", "mean"), "consumption": ("用量", "consumption")}
SUMMARY_LABELS = {"total": ("合计", "Total"), "mean": ("平均", "Mean"), "min": ("最小", "Min"),
                  "max": ("最大", "Max")}


def workbook(report: dict[str, Any], locale: str) -> bytes:
    """The report as an .xlsx: a title row, a header of point name / code / unit, one row per
    hour/day/month, the summary rows, then the CEMS CO2 masses."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    zh = locale.startswith("zh")
    pick = 0 if zh else 1
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = GRAIN_TITLES[report["grain"]][pick][:31]
    title = f"{report['enterprise_name']} {GRAIN_TITLES[report['grain']][pick]} {report['period']}"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([("时间" if zh else "Time")] + [c["point_name"] for c in report["columns"]]
              + [u["name"] + (" CO2(t)") for u in report["cems"]])
    ws.append([("编码 / 单位" if zh else "Code / unit")]
              + [f"{c['point_code']} ({c['unit']}, {STAT_LABELS[c['statistic']][pick]})"
                 for c in report["columns"]] + [u["code"] for u in report["cems"]])
    for row in (2, 3):
        for cell in ws[row]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            cell.alignment = Alignment(wrap_text=True, vertical="center")
    for i, r in enumerate(report["rows"]):
        ws.append([r["label"]] + [_num(v) for v in r["values"]]
                  + [_num(u["co2_t"][i]) for u in report["cems"]])
    for key, labels in SUMMARY_LABELS.items():
        extra = [_num(u["total_t"]) if key == "total" else None for u in report["cems"]]
        ws.append([labels[pick]] + [_num(v) for v in report["summary"][key]] + extra)
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 14
    for i in range(2, ws.max_column + 1):
        ws.column_dimensions[get_column_letter(i)].width = 18
    ws.freeze_panes = "B4"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _num(v: Decimal | None) -> float | None:
    return float(v) if v is not None else None
