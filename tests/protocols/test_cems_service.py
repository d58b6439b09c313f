"""CEMS hours from ingested readings: the §2.3 worked example end to end, validity (45 minutes),
substitution of an invalid hour, day totals; points of another enterprise refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from dualcarbon.collection.service import ReadingIn, ingest
from dualcarbon.core.errors import Invalid
from dualcarbon.protocols import cems_service
from testkit import make_enterprise, make_park, make_point

H0 = datetime(2026, 3, 15, 2, tzinfo=UTC)
NOW = datetime(2026, 3, 16, tzinfo=UTC)


def _unit(session):  # type: ignore[no-untyped-def]
    park = make_park(session)
    ent = make_enterprise(session, park)
    co2 = make_point(session, ent, unit="%", medium="co2", measurement="instantaneous")
    flow = make_point(session, ent, unit="m3/s", medium="flue_gas", measurement="instantaneous")
    unit = cems_service.create_unit(session, enterprise_id=ent.id, code="CEMS1", name="1#锅炉",
                                    co2_point_id=co2.id, flow_point_id=flow.id,
                                    flow_unit="m3/s")
    return park, ent, unit, co2, flow


def _feed(session, park, co2, flow, hour: datetime, minutes: int,  # type: ignore[no-untyped-def]
          co2_pct: str = "11.80", flow_m3_s: str = "91.850") -> None:
    rs = []
    for m in range(minutes):
        for s in (0, 30):  # real-time data every 30 s
            ts = hour + timedelta(minutes=m, seconds=s)
            rs += [ReadingIn(co2.code, ts, co2_pct), ReadingIn(flow.code, ts, flow_m3_s)]
    res = ingest(session, park_id=park.id, readings=rs, source="hj212", batch_ref=None, now=NOW)
    assert res.accepted == len(rs)


def test_hours_validity_substitution_and_day_total(session) -> None:  # type: ignore[no-untyped-def]
    park, _ent, unit, co2, flow = _unit(session)
    _feed(session, park, co2, flow, H0, 60)
    _feed(session, park, co2, flow, H0 + timedelta(hours=1), 40)  # only 40 valid minutes
    _feed(session, park, co2, flow, H0 + timedelta(hours=2), 60, co2_pct="12.80")
    hours = cems_service.compute_hours(session, unit, H0, H0 + timedelta(hours=3), NOW)
    first, second, third = hours
    assert first.is_valid and not first.is_substituted and first.valid_minutes == 60
    assert first.flow_std_dry_m3_h == D("330660.000")  # 91.850 m³/s × 3600
    # 11.80 % × 19 647.3 mg/m³ per % × 330 660 m³/h (the §2.3 flow rounded to 91.850 m³/s)
    assert first.co2_kg is not None and first.co2_kg.quantize(D("0.1")) == D("76659.7")
    assert not second.is_valid and second.is_substituted and second.reasons
    assert second.substitution_rule == "hj75-2017-m:v1:adjacent-mean"
    assert third.co2_kg is not None
    assert second.co2_kg == (first.co2_kg + third.co2_kg) / 2
    total = cems_service.period_total(session, unit, H0, H0 + timedelta(hours=3))
    assert (total.hours, total.valid_hours, total.substituted_hours, total.missing_hours) == (
        3, 2, 1, 0)
    assert total.co2_t == (first.co2_kg + second.co2_kg + third.co2_kg) / 1000
    # recomputation updates the same rows (no duplicates)
    again = cems_service.compute_hours(session, unit, H0, H0 + timedelta(hours=3), NOW)
    assert [h.id for h in again] == [h.id for h in hours]


def test_substitution_can_be_switched_off(session) -> None:  # type: ignore[no-untyped-def]
    park, _ent, unit, co2, flow = _unit(session)
    unit.substitution_enabled = False
    _feed(session, park, co2, flow, H0, 60)
    _feed(session, park, co2, flow, H0 + timedelta(hours=2), 60)
    hours = cems_service.compute_hours(session, unit, H0, H0 + timedelta(hours=3), NOW)
    assert [h.co2_kg is None for h in hours] == [False, True, False]
    assert cems_service.period_total(session, unit, H0, H0 + timedelta(hours=3)).missing_hours == 1


def test_points_of_another_enterprise_refused(session) -> None:  # type: ignore[no-untyped-def]
    park, ent, _u, co2, _flow = _unit(session)
    other = make_point(session, make_enterprise(session, park), unit="m3/s")
    with pytest.raises(Invalid):
        cems_service.create_unit(session, enterprise_id=ent.id, code="X", name="x",
                                 co2_point_id=co2.id, flow_point_id=other.id)


def test_cems_api_create_compute_hours_totals(client, session) -> None:  # type: ignore[no-untyped-def]
    from testkit import As, make_user, token_for

    park, ent, _u, co2, flow = _unit(session)
    _feed(session, park, co2, flow, H0, 60)
    as_ent = As(client, token_for(session, make_user(session, "enterprise_user", enterprise=ent)))
    r = as_ent.post("/api/v1/cems-units", json={
        "enterprise_id": ent.id, "code": "C2", "name": "2#", "co2_point_id": co2.id,
        "flow_point_id": flow.id, "flow_unit": "m3/s"})
    assert r.status_code == 201, r.text
    uid = r.json()["id"]
    r = as_ent.post(f"/api/v1/cems-units/{uid}/compute",
                    json={"start": H0.isoformat(), "end": (H0 + timedelta(hours=1)).isoformat()})
    assert r.status_code == 200, r.text
    assert r.json()[0]["is_valid"] and D(r.json()[0]["co2_kg"]).quantize(D("0.1")) == D("76659.7")
    r = as_ent.get(f"/api/v1/cems-units/{uid}/totals",
                   params={"start": H0.isoformat(), "end": (H0 + timedelta(hours=1)).isoformat()})
    assert r.status_code == 200 and D(r.json()["co2_t"]).quantize(D("0.001")) == D("76.660")
    assert len(as_ent.get(f"/api/v1/cems-units/{uid}/hours", params={
        "start": H0.isoformat(), "end": (H0 + timedelta(hours=2)).isoformat()}).json()) == 1
    assert sorted(u["id"] for u in as_ent.get("/api/v1/cems-units").json()) == sorted(
        [_u.id, uid])


def test_actual_wet_flow_with_temperature_pressure_moisture_end_to_end(session) -> None:  # type: ignore[no-untyped-def]
    """§2.3 from the other side: actual wet flow (m³/h), flue-gas temperature, static pressure
    (a negative gauge kPa) and moisture ingested as readings; the hour converts to standard dry
    330 661.3 m³/h and 76 660.0 kg CO2."""
    park = make_park(session)
    ent = make_enterprise(session, park)
    pts = {k: make_point(session, ent, unit=u, medium=m, measurement="instantaneous")
           for k, u, m in (("co2", "%", "co2"), ("flow", "m3/h", "flue_gas"),
                           ("t", "℃", "flue_gas"), ("p", "kPa", "flue_gas"),
                           ("h2o", "%", "flue_gas"))}
    unit = cems_service.create_unit(
        session, enterprise_id=ent.id, code="CEMS-W", name="湿基工况", co2_point_id=pts["co2"].id,
        flow_point_id=pts["flow"].id, temperature_point_id=pts["t"].id,
        pressure_point_id=pts["p"].id, moisture_point_id=pts["h2o"].id,
        flow_state="actual_wet", flow_unit="m3/h", ambient_pa=D("100800"))
    values = {"co2": "11.80", "flow": "429783.1", "t": "48.6", "p": "-0.215", "h2o": "8.7"}
    rs = [ReadingIn(pts[k].code, H0 + timedelta(minutes=m), v)
          for m in range(60) for k, v in values.items()]
    res = ingest(session, park_id=park.id, readings=rs, source="hj212", batch_ref=None, now=NOW)
    assert res.accepted == len(rs)  # the negative static pressure is a plausible reading
    [hour] = cems_service.compute_hours(session, unit, H0, H0 + timedelta(hours=1), now=NOW)
    assert hour.is_valid and hour.valid_minutes == 60
    assert hour.flow_std_dry_m3_h is not None and hour.co2_kg is not None
    assert abs(hour.flow_std_dry_m3_h - D("330661.3")) < D("0.5")
    assert abs(hour.co2_kg - D("76660.0")) < D("0.5")


def test_a_corrected_reading_recomputes_its_cems_hour(client, session) -> None:  # type: ignore[no-untyped-def]
    """数据修正 of a CO2 minute value changes the stored hour at once (and only through the
    readings: the hour equals a fresh computation from the corrected series)."""
    from dualcarbon.protocols.models import CemsHour
    from testkit import As, make_user, token_for

    park, _ent, unit, co2, flow = _unit(session)
    _feed(session, park, co2, flow, H0, 60)
    _feed(session, park, co2, flow, H0 + timedelta(hours=1), 60)
    cems_service.compute_hours(session, unit, H0, H0 + timedelta(hours=2), NOW)
    session.commit()
    session.expire_all()
    before = {h.hour: h.co2_kg for h in session.query(CemsHour).filter(
        CemsHour.unit_id == unit.id)}
    admin = As(client, token_for(session, make_user(session, "park_admin", park=park)))
    # every 30-s value of 02:10 is 11.80 %; the first one is corrected to 23.60 %
    r = admin.post("/api/v1/reading-corrections", json={
        "point_id": co2.id, "ts": (H0 + timedelta(minutes=10)).isoformat(), "value": "23.60",
        "reason": "分析仪标定后按比对结果修正"})
    assert r.status_code == 201, r.text
    session.expire_all()
    stored = {h.hour: h for h in session.query(CemsHour).filter(CemsHour.unit_id == unit.id)}
    # the minute mean of 02:10 is (23.60 + 11.80) / 2 = 17.70 instead of 11.80: the hour's mean
    # CO2 rises by 5.90 / 60 %, its mass in proportion; the next hour is unchanged
    assert stored[H0].co2_kg > before[H0]
    assert stored[H0].co2_dry_pct.quantize(D("0.0001")) == (
        (D("11.80") * 59 + D("17.70")) / 60).quantize(D("0.0001"))
    assert stored[H0 + timedelta(hours=1)].co2_kg == before[H0 + timedelta(hours=1)]
    kept = stored[H0].co2_kg
    fresh = cems_service.compute_hours(session, unit, H0, H0 + timedelta(hours=1), NOW)[0]
    assert fresh.co2_kg.quantize(D("0.0001")) == kept
