"""HJ 212 data-logger configuration through the API: devices (MN, password, intervals) and their
factor maps, validated against HJ 212-2017 with problems in the caller's language, scoped and
audited; a configured device then really routes a packet to its points (with the conversion)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from dualcarbon.audit.models import AuditEvent
from dualcarbon.collection.models import Reading
from dualcarbon.core.codecs import hj212
from dualcarbon.db.session import unit_of_work
from dualcarbon.protocols import hj212_service
from dualcarbon.protocols.models import Hj212Device, Hj212FactorMap
from dualcarbon.registry.models import MeteringPoint
from testkit import As, make_enterprise, make_park, make_point, make_user, n, token_for

MN = "010000A8900016F000169DC0"


def _mn() -> str:
    return f"0100{n():020X}"


def _world(client, session):  # type: ignore[no-untyped-def]
    park = make_park(session)
    ent = make_enterprise(session, park)
    other = make_enterprise(session, park)
    pts = {k: make_point(session, ent, unit=u, medium="co2", measurement="instantaneous")
           for k, u in (("co2", "%"), ("flow", "m3/h"), ("o2", "%"), ("co2_h", "%"))}
    foreign = make_point(session, other, unit="%", medium="co2", measurement="instantaneous")
    user = As(client, token_for(session, make_user(session, "enterprise_user", enterprise=ent)))
    en = As(client, user.headers["Authorization"].split()[1], locale="en")
    return park, ent, other, pts, foreign, user, en


def _errors(r) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Field errors by path: ``mn``, ``factors[3].unit`` (the row index from ``loc``)."""
    out = {}
    for e in r.json()["errors"]:
        key = ""
        for part in e["loc"][1:]:
            key += f"[{part}]" if isinstance(part, int) else ("." if key else "") + part
        out[key] = e["msg"]
    return out


def test_device_crud_validation_and_audit(client, session) -> None:  # type: ignore[no-untyped-def]
    _park, ent, other, _pts, _foreign, user, en = _world(client, session)
    mn = _mn()
    r = user.post("/api/v1/hj212-devices", json={
        "enterprise_id": ent.id, "mn": mn, "name": "1号锅炉 CEMS", "password": "123456",
        "rtd_interval_seconds": 60, "min_interval_minutes": 5})
    assert r.status_code == 201, r.text
    dev = r.json()
    assert (dev["mn"], dev["has_password"], dev["online"], dev["factor_count"]) == (
        mn, True, False, 0)
    assert "password" not in dev  # the access password is never sent back
    dev_id = dev["id"]

    # HJ 212-2017: MN 24 hex chars, PW 6 chars, ST of 表 5, MinInterval of 表 4, RtdInterval
    bad = {"enterprise_id": ent.id, "mn": "ZLDSZ20210127", "name": "x", "password": "12345",
           "st": "99", "min_interval_minutes": 7, "rtd_interval_seconds": 10,
           "timezone": "Mars/Base"}
    r = user.post("/api/v1/hj212-devices", json=bad)
    assert r.status_code == 422
    zh = _errors(r)
    assert set(zh) == {"mn", "password", "st", "min_interval_minutes", "rtd_interval_seconds",
                       "timezone"}
    assert "24 位十六进制" in zh["mn"] and "HJ 212-2017 表 3" in zh["mn"]
    assert "1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30" in zh["min_interval_minutes"]
    r = en.post("/api/v1/hj212-devices", json=bad)
    assert "24 hexadecimal characters" in _errors(r)["mn"]
    assert "table 5" in _errors(r)["st"]
    # a non-conforming logger's MN is accepted when asked for explicitly
    r = user.post("/api/v1/hj212-devices", json={
        "enterprise_id": ent.id, "mn": "ZLDSZ20210127", "name": "旧数采仪",
        "allow_nonstandard_mn": True})
    assert r.status_code == 201, r.text
    legacy_id = r.json()["id"]
    # renaming it later does not trip over its non-standard MN
    assert user.patch(f"/api/v1/hj212-devices/{legacy_id}",
                      json={"name": "旧数采仪-1"}).status_code == 200
    # MN is unique
    r = user.post("/api/v1/hj212-devices", json={"enterprise_id": ent.id, "mn": mn, "name": "y"})
    assert r.status_code == 422 and mn in _errors(r)["mn"]
    # another enterprise (same park) is not the user's to configure
    r = user.post("/api/v1/hj212-devices", json={"enterprise_id": other.id, "mn": _mn(),
                                                 "name": "z"})
    assert r.status_code == 422 and "enterprise_id" in _errors(r)

    r = user.patch(f"/api/v1/hj212-devices/{dev_id}", json={
        "is_active": False, "password": "654321", "max_gap_hours": 24})
    assert r.status_code == 200, r.text
    assert (r.json()["is_active"], r.json()["max_gap_hours"]) == (False, 24)
    assert session.get(Hj212Device, dev_id).password == "654321"
    r = user.patch(f"/api/v1/hj212-devices/{dev_id}", json={"password": None})
    assert r.json()["has_password"] is False
    r = user.patch(f"/api/v1/hj212-devices/{dev_id}", json={"name": None})
    assert r.status_code == 422 and "name" in _errors(r)

    listed = user.get("/api/v1/hj212-devices", params={"q": mn[-6:]}).json()
    assert [d["id"] for d in listed["items"]] == [dev_id]
    assert user.delete(f"/api/v1/hj212-devices/{dev_id}").status_code == 204
    assert user.get(f"/api/v1/hj212-devices/{dev_id}").status_code == 404

    trail = session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "hj212_device", AuditEvent.object_id == str(dev_id))
        .order_by(AuditEvent.id)).all()
    assert [e.action for e in trail] == ["create", "update", "update", "delete"]
    assert all("123456" not in str(e.before) + str(e.after) for e in trail)
    assert trail[1].after["password"] == "(changed)" and trail[1].after["is_active"] is False


def test_factor_map_editor_rules(client, session) -> None:  # type: ignore[no-untyped-def]
    _park, ent, _other, pts, foreign, user, en = _world(client, session)
    dev_id = user.post("/api/v1/hj212-devices", json={
        "enterprise_id": ent.id, "mn": _mn(), "name": "CEMS"}).json()["id"]
    url = f"/api/v1/hj212-devices/{dev_id}/factors"
    good = [
        {"cn": 2011, "factor_code": "a05001", "point_id": pts["co2"].id, "basis": "dry"},
        # flow sent in m³/s, the point is in m³/h: × 3600
        {"cn": 2011, "factor_code": "a00000", "point_id": pts["flow"].id, "unit": "m3/s",
         "scale": "3600", "state": "standard"},
        {"cn": 2061, "factor_code": "a05001", "suffix": "Avg", "point_id": pts["co2_h"].id},
    ]
    r = user.put(url, json={"factors": good})
    assert r.status_code == 200, r.text
    rows = r.json()
    assert [(f["cn"], f["factor_code"], f["suffix"], f["unit"], f["scale"]) for f in rows] == [
        (2011, "a00000", "Rtd", "m3/s", "3600.000000000000"),
        (2011, "a05001", "Rtd", "%", "1.000000000000"),
        (2061, "a05001", "Avg", "%", "1.000000000000")]
    assert rows[1]["factor_name"] == "二氧化碳"
    ids = {(f["cn"], f["factor_code"]): f["id"] for f in rows}
    # the points now expect data at the logger's cadence (RtdInterval 30 s, hourly)
    session.expire_all()
    assert (session.get(MeteringPoint, pts["co2"].id).expected_interval_seconds,
            session.get(MeteringPoint, pts["co2_h"].id).expected_interval_seconds) == (30, 3600)

    # every bad row is reported with its index, nothing is changed
    bad = [
        {"cn": 2011, "factor_code": "a5001", "point_id": pts["co2"].id},  # not an annex B code
        {"cn": 2061, "factor_code": "a05001", "suffix": "Rtd", "point_id": pts["co2_h"].id},
        {"cn": 2011, "factor_code": "a19001", "point_id": foreign.id},  # other enterprise
        {"cn": 2011, "factor_code": "a00000", "point_id": pts["flow"].id, "unit": "m3/s"},
        {"cn": 2041, "factor_code": "a19001", "point_id": pts["o2"].id},
    ]
    r = user.put(url, json={"factors": bad})
    assert r.status_code == 422
    zh = _errors(r)
    assert set(zh) == {"factors[0].factor_code", "factors[1].suffix", "factors[2].point_id",
                       "factors[3].unit", "factors[4].cn"}, zh
    assert "附录 B" in zh["factors[0].factor_code"] and "a5001" in zh["factors[0].factor_code"]
    assert "换算系数" in zh["factors[3].unit"]
    r = en.put(url, json={"factors": bad})
    assert "annex B" in _errors(r)["factors[0].factor_code"]
    assert "conversion factor" in _errors(r)["factors[3].unit"]
    # duplicates inside one map: the same factor twice, one point for two factors
    r = user.put(url, json={"factors": [good[0], good[0] | {"point_id": pts["o2"].id},
                                        {"cn": 2011, "factor_code": "a19001",
                                         "point_id": pts["co2"].id}]})
    assert set(_errors(r)) == {"factors[1].factor_code", "factors[2].point_id"}
    assert len(user.get(url).json()) == 3

    # single-row endpoints
    r = user.post(url, json={"cn": 2011, "factor_code": "a19001", "point_id": pts["o2"].id})
    assert r.status_code == 201, r.text
    o2 = r.json()["id"]
    r = user.post(url, json={"cn": 2011, "factor_code": "a19001", "point_id": pts["o2"].id})
    assert r.status_code == 422 and set(_errors(r)) == {"factor_code", "point_id"}
    r = user.post(url, json={"cn": 2011, "factor_code": "ele01", "point_id": pts["o2"].id,
                             "allow_nonstandard_code": True})
    assert r.status_code == 422 and set(_errors(r)) == {"point_id"}  # code fine, point taken
    r = user.patch(f"/api/v1/hj212-factor-maps/{o2}", json={"basis": "wet"})
    assert r.status_code == 200 and r.json()["basis"] == "wet"
    r = user.patch(f"/api/v1/hj212-factor-maps/{o2}", json={"cn": 2061})
    assert r.status_code == 200 and (r.json()["cn"], r.json()["suffix"]) == (2061, "Avg")
    assert user.delete(f"/api/v1/hj212-factor-maps/{o2}").status_code == 204

    # saving the map again keeps the ids of unchanged rows, drops the rows left out
    r = user.put(url, json={"factors": good[:2]})
    assert {f["id"] for f in r.json()} == {ids[(2011, "a05001")], ids[(2011, "a00000")]}
    assert session.scalar(select(Hj212FactorMap.id).where(
        Hj212FactorMap.id == ids[(2061, "a05001")])) is None
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "hj212_factor_map").order_by(AuditEvent.id)).all()
    assert actions == ["update", "create", "update", "update", "delete", "update"]
    codes = user.get("/api/v1/reference/hj212-factors").json()
    assert {"code": "a05001", "name": "二氧化碳", "unit": "mg/m3"} in codes


def test_configured_device_routes_a_packet_with_conversion(client, engine) -> None:  # type: ignore[no-untyped-def]
    """Configuration made through the API is what the TCP door uses (committed data)."""
    from dualcarbon.db.engine import make_sessionmaker

    factory = make_sessionmaker(engine)
    mn = _mn()
    with unit_of_work(factory) as s:
        park = make_park(s)
        ent = make_enterprise(s, park)
        co2 = make_point(s, ent, unit="%", medium="co2", measurement="instantaneous")
        flow = make_point(s, ent, unit="m3/h", medium="flue_gas", measurement="instantaneous")
        dev = hj212_service.create_device(s, park_id=park.id, enterprise_id=ent.id, mn=mn,
                                          name="CEMS", password="123456")
        hj212_service.map_factor(s, dev, cn=2011, factor_code="a05001", point_id=co2.id)
        hj212_service.map_factor(s, dev, cn=2011, factor_code="a00000", point_id=flow.id,
                                 unit="m3/s", scale=Decimal(3600))
        ids = (co2.id, flow.id)
    t = hj212_service.to_local(datetime.now().astimezone(), "Asia/Shanghai").replace(
        second=0, microsecond=0) - timedelta(minutes=5)
    cp = hj212.format_cp({"DataTime": hj212.format_time(t)}, {
        "a05001": {"Rtd": "11.82", "Flag": "N"}, "a00000": {"Rtd": "91.850", "Flag": "N"}})
    raw = hj212.build_packet(qn=hj212.format_qn(t), st="31", cn=2011, pw="123456", mn=mn,
                             flag=5, cp=cp)
    out = hj212_service.handle_data(factory, hj212.decode(hj212.Framer().feed(raw)[0]), raw)
    assert (out.status, out.accepted) == ("stored", 2)
    with unit_of_work(factory, writes=False) as s:
        got = dict(s.execute(select(Reading.point_id, Reading.value).where(
            Reading.point_id.in_(ids))).all())
    assert got == {ids[0]: Decimal("11.82"), ids[1]: Decimal("330660.000")}
    assert str(got[ids[1]]) == "330660.000"  # the wire digits carried through the conversion
