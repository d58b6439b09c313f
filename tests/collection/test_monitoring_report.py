"""Monitoring data reports (日报/月报/年报, R5.2.2.2-d) from the rollups, with CEMS CO2 mass."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl

from dualcarbon.collection.service import ReadingIn, ingest
from dualcarbon.protocols.cems_service import create_unit
from dualcarbon.protocols.models import CemsHour
from testkit import As, make_enterprise, make_park, make_point, make_user, token_for

SH = ZoneInfo("Asia/Shanghai")


def _local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SH).astimezone(UTC)


def _world(session):
    park = make_park(session, timezone="Asia/Shanghai")
    ent = make_enterprise(session, park, name="报表企业")
    steam = make_point(session, ent, name="蒸汽流量", unit="t/h", medium="steam",
                       measurement="instantaneous")
    power = make_point(session, ent, name="总进线电量", unit="kWh", medium="electricity",
                       measurement="cumulative")
    readings = [
        ReadingIn(steam.code, _local(20, 8, 0), "10.0"),
        ReadingIn(steam.code, _local(20, 8, 30), "14.0"),
        ReadingIn(steam.code, _local(20, 9, 0), "20.5"),
        ReadingIn(steam.code, _local(21, 0, 10), "30.0"),
        ReadingIn(power.code, _local(20, 7, 59), "1000"),
        ReadingIn(power.code, _local(20, 8, 59), "1250"),
        ReadingIn(power.code, _local(20, 9, 59), "1400"),
        ReadingIn(power.code, _local(21, 9, 59), "2400"),
    ]
    ingest(session, park_id=park.id, readings=readings, source="http", batch_ref="rep-1",
           enterprise_id=ent.id, created_by="test")
    return park, ent, steam, power


def test_daily_report_hours_means_consumption_and_summary(client, session):
    _park, ent, steam, power = _world(session)
    user = As(client, token_for(session, make_user(session, "enterprise_user", enterprise=ent)))
    r = user.get("/api/v1/monitoring-report", params={"grain": "day", "period": "2026-11-20",
                                                      "enterprise_id": ent.id})
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["enterprise_name"] == "报表企业" and rep["time_zone"] == "Asia/Shanghai"
    codes = [c["point_code"] for c in rep["columns"]]
    i_steam, i_power = codes.index(steam.code), codes.index(power.code)
    assert rep["columns"][i_steam]["statistic"] == "mean"
    assert rep["columns"][i_power]["statistic"] == "consumption"
    assert [row["label"] for row in rep["rows"]][:2] == ["00:00", "01:00"]
    assert len(rep["rows"]) == 24
    by = {row["label"]: row["values"] for row in rep["rows"]}
    assert Decimal(by["08:00"][i_steam]) == Decimal("12")  # (10.0 + 14.0) / 2
    assert Decimal(by["09:00"][i_steam]) == Decimal("20.5")
    assert by["10:00"][i_steam] is None
    assert Decimal(by["08:00"][i_power]) == Decimal("250")
    assert Decimal(by["09:00"][i_power]) == Decimal("150")
    s = rep["summary"]
    assert Decimal(s["total"][i_power]) == Decimal("400")  # 1400 − 1000 within the day
    assert s["total"][i_steam] is None
    assert Decimal(s["max"][i_steam]) == Decimal("20.5")
    assert Decimal(s["min"][i_steam]) == Decimal("12")

    month = user.get("/api/v1/monitoring-report", params={
        "grain": "month", "period": "2026-11", "enterprise_id": ent.id}).json()
    assert len(month["rows"]) == 30
    days = {row["label"]: row["values"] for row in month["rows"]}
    assert Decimal(days["11-20"][i_power]) == Decimal("400")
    assert Decimal(days["11-21"][i_power]) == Decimal("1000")
    assert Decimal(days["11-21"][i_steam]) == Decimal("30")  # 00:10 local is still the 21st
    year = user.get("/api/v1/monitoring-report", params={
        "grain": "year", "period": "2026", "enterprise_id": ent.id}).json()
    assert [row["label"] for row in year["rows"]][10] == "2026-11"
    assert Decimal(year["rows"][10]["values"][i_power]) == Decimal("1400")


def test_report_carries_cems_co2_mass_and_exports_xlsx(client, session):
    park, ent, _steam, _power = _world(session)
    co2 = make_point(session, ent, unit="%", medium="co2", measurement="instantaneous")
    flow = make_point(session, ent, unit="m3/h", medium="flue_gas", measurement="instantaneous")
    unit = create_unit(session, enterprise_id=ent.id, code="CEMS-1", name="1#炉CEMS",
                       co2_point_id=co2.id, flow_point_id=flow.id)
    for h, kg in ((8, "12500.0"), (9, "13000.5")):
        session.add(CemsHour(park_id=park.id, enterprise_id=ent.id, unit_id=unit.id,
                             hour=_local(20, h), co2_kg=Decimal(kg), is_valid=True))
    session.flush()
    admin = As(client, token_for(session, make_user(session, "park_admin", park=park)))
    rep = admin.get("/api/v1/monitoring-report", params={
        "grain": "day", "period": "2026-11-20", "enterprise_id": ent.id}).json()
    [c] = rep["cems"]
    assert c["code"] == "CEMS-1" and c["total_t"] == "25.501"
    assert c["co2_t"][8] == "12.500" and c["co2_t"][9] == "13.001" and c["co2_t"][10] is None
    assert c["hours"] == {"valid": 2, "substituted": 0, "invalid": 0}

    x = admin.get("/api/v1/monitoring-report/export", params={
        "grain": "day", "period": "2026-11-20", "enterprise_id": ent.id})
    assert x.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(x.content)).active
    assert ws["A1"].value == "报表企业 在线监测日报 2026-11-20"
    header = [c.value for c in ws[2]]
    assert "蒸汽流量" in header and "1#炉CEMS CO2(t)" in header
    col = header.index("蒸汽流量") + 1
    rows = {ws.cell(row=r, column=1).value: r for r in range(4, ws.max_row + 1)}
    assert ws.cell(row=rows["08:00"], column=col).value == 12
    assert ws.cell(row=rows["合计"], column=header.index("1#炉CEMS CO2(t)") + 1).value == 25.501


def test_report_refusals(client, session):
    _park, ent, _steam, _power = _world(session)
    other = make_enterprise(session, make_park(session), name="外园区企业")
    user = As(client, token_for(session, make_user(session, "enterprise_user", enterprise=ent)))
    bad = user.get("/api/v1/monitoring-report", params={"grain": "month", "period": "2026-13"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "period"
    assert "2026-11" in bad.json()["errors"][0]["msg"]
    foreign = user.get("/api/v1/monitoring-report", params={"enterprise_id": other.id}).json()
    assert foreign["columns"] == [] and foreign["enterprise_name"] == ""
    own = user.get("/api/v1/monitoring-report").json()  # default: own enterprise, today
    assert own["enterprise_name"] == "报表企业"
    assert own["period"] == datetime.now(SH).strftime("%Y-%m-%d")
