"""Activity data: configuration, monthly records, workflow and versions, evidence, ledger prefill,
and the engine document built from approved data (methodology.md §7 Example 1 exact)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from dualcarbon.activity.service import build_document
from dualcarbon.audit.models import AuditEvent
from dualcarbon.collection.service import ReadingIn, ingest
from dualcarbon.core.accounting.engine import account
from dualcarbon.jobs.models import Job
from testkit import As, make_enterprise, make_facility, make_park, make_point, make_user, token_for

API = "/api/v1"


def _world(client, session):
    park = make_park(session)
    ent = make_enterprise(session, park)
    fac = make_facility(session, ent, code="boiler-house", name="锅炉房")
    user = As(client, token_for(session, make_user(session, "enterprise_user", enterprise=ent)))
    admin = As(client, token_for(session, make_user(session, "park_admin", park=park)))
    return park, ent, fac, user, admin


def _sources(user, ent, fac):
    out = {}
    for body in (
        {"code": "coal-boiler", "name": "烟煤 (锅炉)", "kind": "fuel", "unit": "t",
         "settings": {"fuel": "bituminous_coal", "use": "fuel"}, "facility_id": fac.id},
        {"code": "ng-reformer-fuel", "name": "天然气", "kind": "fuel", "unit": "1e4_nm3",
         "settings": {"fuel": "natural_gas", "use": "fuel"}},
        {"code": "diesel-vehicles", "name": "柴油", "kind": "fuel", "unit": "t",
         "settings": {"fuel": "diesel"}},
        {"code": "grid-in", "name": "外购电力", "kind": "electricity", "unit": "MWh",
         "settings": {"direction": "purchase"}},
    ):
        r = user.post(f"{API}/activity-sources", json={"enterprise_id": ent.id, **body})
        assert r.status_code == 201, r.text
        out[body["code"]] = r.json()
    return out


def _month(user, ent, month, records):
    r = user.post(f"{API}/activity-datasets", json={"enterprise_id": ent.id, "month": month})
    assert r.status_code == 201, r.text
    ds = r.json()
    for rec in records:
        r = user.post(f"{API}/activity-datasets/{ds['id']}/records", json=rec)
        assert r.status_code == 200, r.text
    return ds


def test_source_configuration_is_validated(client, session):
    _park, ent, fac, user, _admin = _world(client, session)
    r = user.post(f"{API}/activity-sources", json={
        "enterprise_id": ent.id, "code": "x", "name": "x", "kind": "fuel", "unit": "MWh",
        "settings": {"use": "burn", "colour": "red"}})
    assert r.status_code == 422
    locs = {tuple(e["loc"]) for e in r.json()["errors"]}
    assert {("body", "unit"), ("body", "settings", "fuel"), ("body", "settings", "use"),
            ("body", "settings", "colour")} <= locs
    r = user.post(f"{API}/activity-sources", json={
        "enterprise_id": ent.id, "code": "x", "name": "x", "kind": "plasma", "unit": "t"})
    assert r.status_code == 422
    srcs = _sources(user, ent, fac)
    r = user.post(f"{API}/activity-sources", json={
        "enterprise_id": ent.id, "code": "grid-in", "name": "dup", "kind": "electricity",
        "unit": "MWh", "settings": {"direction": "purchase"}})
    assert r.status_code == 409
    r = user.patch(f"{API}/activity-sources/{srcs['diesel-vehicles']['id']}",
                   json={"settings": {"fuel": "diesel", "use": "feedstock"}})
    assert r.status_code == 200 and r.json()["settings"]["use"] == "feedstock"
    listed = user.get(f"{API}/activity-sources", params={"kind": "fuel"}).json()
    assert [s["code"] for s in listed] == ["coal-boiler", "ng-reformer-fuel", "diesel-vehicles"]


def test_workflow_lock_return_approve_correct_and_document(client, session):
    _park, ent, fac, user, admin = _world(client, session)
    src = _sources(user, ent, fac)
    jan = _month(user, ent, "2023-01", [
        {"source_id": src["coal-boiler"]["id"], "quantity": "20000", "data_source": "invoice"},
        {"source_id": src["ng-reformer-fuel"]["id"], "quantity": "500"},
        {"source_id": src["diesel-vehicles"]["id"], "quantity": "300",
         "data_source": "default"},
    ])
    # a parameter that does not apply, and a wrong unit, are refused with the field named
    r = user.post(f"{API}/activity-datasets/{jan['id']}/records", json={
        "source_id": src["coal-boiler"]["id"], "quantity": "1", "unit": "MWh",
        "params": {"purity": "0.9"}})
    assert r.status_code == 422
    assert {tuple(e["loc"]) for e in r.json()["errors"]} == {
        ("body", "unit"), ("body", "params", "purity")}
    feb = _month(user, ent, "2023-02", [
        {"source_id": src["coal-boiler"]["id"], "quantity": "30000"},
        {"source_id": src["ng-reformer-fuel"]["id"], "quantity": "700"},
    ])
    for ds in (jan, feb):
        r = user.post(f"{API}/activity-datasets/{ds['id']}/submit")
        assert r.status_code == 200 and r.json()["status"] == "submitted"
    # submitted data is locked for the enterprise
    rec_id = user.get(f"{API}/activity-datasets/{jan['id']}").json()["records"][0]["id"]
    r = user.patch(f"{API}/activity-records/{rec_id}", json={"quantity": "1"})
    assert r.status_code == 409 and "已锁定" in r.json()["title"]
    # the enterprise cannot approve; the park admin returns with a comment, then approves
    assert user.post(f"{API}/activity-datasets/{jan['id']}/approve", json={}).status_code == 403
    r = admin.post(f"{API}/activity-datasets/{feb['id']}/return", json={})
    assert r.status_code == 422
    r = admin.post(f"{API}/activity-datasets/{feb['id']}/return",
                   json={"comment": "天然气用量与结算单不符"})
    assert r.status_code == 200 and r.json()["status"] == "returned"
    assert r.json()["review_comment"] == "天然气用量与结算单不符" and r.json()["reviewed_by"]
    feb_ng = next(x for x in user.get(f"{API}/activity-datasets/{feb['id']}").json()["records"]
              if x["source_id"] == src["ng-reformer-fuel"]["id"])
    r = user.patch(f"{API}/activity-records/{feb_ng['id']}", json={"quantity": "700"})
    assert r.status_code == 200
    assert user.post(f"{API}/activity-datasets/{feb['id']}/submit").status_code == 200
    for ds in (jan, feb):
        r = admin.post(f"{API}/activity-datasets/{ds['id']}/approve", json={"comment": "ok"})
        assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    jobs = session.scalars(select(Job).where(Job.name == "accounting.rerun",
                                             Job.enterprise_id == ent.id)).all()
    assert sorted(j.payload["period_start"] for j in jobs) == ["2023-01-01", "2023-02-01"]
    assert {j.payload["period_end"] for j in jobs} == {"2023-01-31", "2023-02-28"}
    r = user.patch(f"{API}/activity-records/{rec_id}", json={"quantity": "1"})
    assert r.status_code == 409
    # the document from approved data reproduces Example 1 exactly (113962.52 tCO2)
    doc = build_document(session, ent.id, date(2023, 1, 1), date(2023, 12, 31))
    assert {f.id for f in doc.fuels} == {"coal-boiler@2023-01", "coal-boiler@2023-02",
                                         "ng-reformer-fuel@2023-01", "ng-reformer-fuel@2023-02",
                                         "diesel-vehicles@2023-01"}
    coal = next(f for f in doc.fuels if f.id == "coal-boiler@2023-01")
    assert coal.facility == "boiler-house" and coal.amount == Decimal(20000)
    diesel = next(f for f in doc.fuels if f.id.startswith("diesel"))
    assert diesel.quality.value == "default"
    res = account(doc)
    assert res.totals.combustion_tco2.quantize(Decimal("0.01")) == Decimal("113962.52")
    # a correction: a new draft version with the records copied; v1 stays in force meanwhile
    r = user.post(f"{API}/activity-datasets/{feb['id']}/correct", json={"reason": "补录"})
    assert r.status_code == 201, r.text
    v2 = r.json()
    assert (v2["version"], v2["status"], v2["previous_id"]) == (2, "draft", feb["id"])
    assert len(v2["records"]) == 2
    assert user.post(f"{API}/activity-datasets/{feb['id']}/correct",
                     json={"reason": "again"}).status_code == 409
    coal_v2 = next(x for x in v2["records"] if x["source_id"] == src["coal-boiler"]["id"])
    assert user.patch(f"{API}/activity-records/{coal_v2['id']}",
                      json={"quantity": "31000"}).status_code == 200
    doc = build_document(session, ent.id, date(2023, 2, 1), date(2023, 2, 28))
    assert next(f for f in doc.fuels if f.id.startswith("coal")).amount == Decimal(30000)
    user.post(f"{API}/activity-datasets/{v2['id']}/submit")
    assert admin.post(f"{API}/activity-datasets/{v2['id']}/approve", json={}).status_code == 200
    doc = build_document(session, ent.id, date(2023, 2, 1), date(2023, 2, 28))
    assert next(f for f in doc.fuels if f.id.startswith("coal")).amount == Decimal(31000)
    history = user.get(f"{API}/activity-datasets",
                       params={"enterprise_id": ent.id, "month": "2023-02-01"}).json()
    assert [(h["version"], h["status"]) for h in history] == [(2, "approved"),
                                                              (1, "superseded")]
    actions = set(session.scalars(select(AuditEvent.action).where(
        AuditEvent.enterprise_id == ent.id, AuditEvent.object_type.like("activity%"))))
    assert {"create", "update", "submit", "return", "approve", "correct", "supersede"} <= actions


def test_build_document_ignores_unapproved_and_maps_kinds(client, session):
    _park, ent, fac, user, admin = _world(client, session)
    src = _sources(user, ent, fac)
    extra = {}
    for body in (
        {"code": "steam-in", "name": "外购蒸汽", "kind": "heat", "unit": "t",
         "settings": {"direction": "purchase", "medium": "steam"}},
        {"code": "va", "name": "工业增加值", "kind": "value_added", "unit": "1e4_cny"},
        {"code": "co2-rec", "name": "CO2回收", "kind": "co2_recovery", "unit": "1e4_nm3",
         "settings": {"destination": "sold"}},
    ):
        r = user.post(f"{API}/activity-sources", json={"enterprise_id": ent.id, **body})
        assert r.status_code == 201, r.text
        extra[body["code"]] = r.json()["id"]
    ds = _month(user, ent, "2023-03", [
        {"source_id": src["grid-in"]["id"], "quantity": "1000"},
        {"source_id": extra["steam-in"], "quantity": "2000",
         "params": {"temperature_c": "250", "pressure_mpa": "1.0"}},
        {"source_id": extra["va"], "quantity": "1234.5"},
        {"source_id": extra["co2-rec"], "quantity": "10", "params": {"purity": "0.99"},
         "data_source": "lab_test"},
    ])
    draft = _month(user, ent, "2023-04", [{"source_id": src["grid-in"]["id"],
                                           "quantity": "999"}])
    assert draft["status"] == "draft"
    user.post(f"{API}/activity-datasets/{ds['id']}/submit")
    admin.post(f"{API}/activity-datasets/{ds['id']}/approve", json={})
    doc = build_document(session, ent.id, date(2023, 1, 1), date(2023, 12, 31))
    assert [(e.id, e.energy_mwh) for e in doc.electricity] == [("grid-in@2023-03",
                                                                Decimal(1000))]
    (steam,) = doc.heat
    assert (steam.mass_t, steam.temperature_c, steam.heat_gj) == (Decimal(2000), Decimal(250),
                                                                  None)
    assert doc.enterprise.value_added_1e4_cny == Decimal("1234.5")
    (rec,) = doc.co2_recovery
    assert rec.purity.value == Decimal("0.99") and rec.volume_1e4_nm3 == Decimal(10)
    assert account(doc).totals.indirect_tco2e > 0


def test_prefill_from_meter_ledger(client, session):
    park, ent, _fac, user, _admin = _world(client, session)
    pt = make_point(session, ent, unit="kWh", measurement="cumulative")
    start = datetime(2025, 12, 31, 16, tzinfo=UTC)  # 2026-01-01 00:00 Asia/Shanghai
    reads = [ReadingIn(pt.code, start + timedelta(hours=h), Decimal(1000 + 100 * h))
             for h in range(31 * 24 + 1)]
    ingest(session, park_id=park.id, readings=reads, source="api", batch_ref=None,
           now=datetime(2026, 3, 1, tzinfo=UTC))
    r = user.post(f"{API}/activity-sources", json={
        "enterprise_id": ent.id, "code": "grid-in", "name": "外购电力", "kind": "electricity",
        "unit": "MWh", "settings": {"direction": "purchase"}, "point_id": pt.id})
    assert r.status_code == 201, r.text
    ds = _month(user, ent, "2026-01", [])
    r = user.post(f"{API}/activity-datasets/{ds['id']}/prefill")
    assert r.status_code == 200, r.text
    assert len(r.json()["filled"]) == 1
    (rec,) = user.get(f"{API}/activity-datasets/{ds['id']}").json()["records"]
    assert Decimal(rec["quantity"]) == Decimal("74.4")  # 744 h × 100 kWh = 74.4 MWh
    assert rec["data_source"] == "meter_ledger"
    r = user.post(f"{API}/activity-datasets/{ds['id']}/prefill")
    assert r.json()["skipped"][0]["reason"] == "has-record"


def test_evidence_attachment_sha256(client, session, settings):
    _park, ent, fac, user, _admin = _world(client, session)
    src = _sources(user, ent, fac)
    ds = _month(user, ent, "2023-05", [{"source_id": src["grid-in"]["id"],
                                        "quantity": "10", "data_source": "invoice"}])
    rec_id = user.get(f"{API}/activity-datasets/{ds['id']}").json()["records"][0]["id"]
    content = "电费结算单 2023-05".encode() * 10
    r = user.post(f"{API}/activity-records/{rec_id}/attachments",
                  files={"file": ("结算单.pdf", content, "application/pdf")})
    assert r.status_code == 201, r.text
    att = r.json()
    assert att["sha256"] == hashlib.sha256(content).hexdigest()
    assert (settings.data_dir / "activity" / att["sha256"][:2] / att["sha256"]).exists()
    r = user.get(f"{API}/activity-attachments/{att['id']}")
    assert r.status_code == 200 and r.content == content
    got = user.get(f"{API}/activity-datasets/{ds['id']}").json()["records"][0]
    assert got["attachments"][0]["filename"] == "结算单.pdf"


def test_attachment_limits(client, session, settings, monkeypatch):
    from dualcarbon.activity import service as activity

    _park, ent, fac, user, _admin = _world(client, session)
    src = _sources(user, ent, fac)
    ds = _month(user, ent, "2023-07", [{"source_id": src["grid-in"]["id"], "quantity": "1"}])
    rec_id = user.get(f"{API}/activity-datasets/{ds['id']}").json()["records"][0]["id"]
    limits = user.get(f"{API}/activity-attachments/limits").json()
    assert limits == {"max_bytes": activity.MAX_ATTACHMENT_BYTES,
                      "extensions": list(activity.ATTACHMENT_EXTENSIONS)}
    assert ".pdf" in limits["extensions"] and ".exe" not in limits["extensions"]
    url = f"{API}/activity-records/{rec_id}/attachments"
    r = user.post(url, files={"file": ("run.exe", b"MZ", "application/octet-stream")})
    assert r.status_code == 422
    (err,) = r.json()["errors"]
    assert err["loc"][-1] == "file" and ".pdf" in err["msg"] and "类型" in err["msg"]
    r = user.post(url, files={"file": ("empty.pdf", b"", "application/pdf")})
    assert r.status_code == 422 and "为空" in r.json()["errors"][0]["msg"]
    monkeypatch.setattr(activity, "MAX_ATTACHMENT_BYTES", 1024 * 1024)
    r = client.post(url, files={"file": ("big.PNG", b"x" * (1024 * 1024 + 1), "image/png")},
                    headers={**user.headers, "Accept-Language": "en"})
    assert r.status_code == 422 and "1 MB" in r.json()["errors"][0]["msg"]
    r = user.post(url, files={"file": ("scan.PNG", b"x" * 1024, "image/png")})
    assert r.status_code == 201, r.text
    # a locked (submitted) month takes no new evidence
    assert user.post(f"{API}/activity-datasets/{ds['id']}/submit").status_code == 200
    r = user.post(url, files={"file": ("late.pdf", b"%PDF", "application/pdf")})
    assert r.status_code == 409 and r.json()["code"] == "activity.locked"


def test_roles(client, session):
    park, ent, fac, user, _admin = _world(client, session)
    src = _sources(user, ent, fac)
    ds = _month(user, ent, "2023-06", [{"source_id": src["grid-in"]["id"], "quantity": "1"}])
    verifier = As(client, token_for(session, make_user(session, "verifier", park=park)))
    assert verifier.get(f"{API}/activity-datasets/{ds['id']}").status_code == 200
    assert verifier.post(f"{API}/activity-datasets/{ds['id']}/submit").status_code == 403
    other_park = make_park(session)
    stranger = As(client, token_for(session, make_user(session, "park_admin", park=other_park)))
    user.post(f"{API}/activity-datasets/{ds['id']}/submit")
    r = stranger.post(f"{API}/activity-datasets/{ds['id']}/approve", json={})
    assert r.status_code == 404
    other_ent = make_enterprise(session, park)
    r = user.post(f"{API}/activity-datasets", json={"enterprise_id": other_ent.id,
                                                    "month": "2023-06"})
    assert r.status_code == 404


def test_submit_refuses_data_the_engine_cannot_use(client, session):
    _park, ent, _fac, user, _admin = _world(client, session)
    r = user.post(f"{API}/activity-sources", json={
        "enterprise_id": ent.id, "code": "lime", "name": "石灰石", "kind": "carbonate",
        "unit": "t", "settings": {"carbonate": "CaCO3"}})
    assert r.status_code == 201
    src_id = r.json()["id"]
    ds = _month(user, ent, "2023-07", [{"source_id": src_id, "quantity": "100"}])
    r = user.post(f"{API}/activity-datasets/{ds['id']}/submit")
    assert r.status_code == 422, r.text
    (err,) = r.json()["errors"]
    assert err["loc"] == ["records", "lime@2023-07", "purity"]
    assert err["msg"].startswith("数据不完整")
    # the unit of a source with data cannot change
    r = user.patch(f"{API}/activity-sources/{src_id}", json={"unit": "t"})
    assert r.status_code == 200
    rec = user.get(f"{API}/activity-datasets/{ds['id']}").json()["records"][0]
    assert user.patch(f"{API}/activity-records/{rec['id']}",
                      json={"params": {"purity": "0.9"}}).status_code == 200
    assert user.post(f"{API}/activity-datasets/{ds['id']}/submit").status_code == 200
