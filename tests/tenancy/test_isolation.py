"""Tenant isolation over every route of the OpenAPI schema.

An enterprise user of enterprise A (park 1) calls every operation with the ids of enterprise B
(same park) and of park 2's objects. Nothing of B or park 2 may be read or changed: the answer is
403/404/422 and the body holds none of their marker strings; the rows are unchanged afterwards.
A route with no case here fails the test, so new routes cannot slip through.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from dualcarbon.registry.models import (
    Device,
    Enterprise,
    Facility,
    MeteringPoint,
    Park,
    Process,
    Product,
)
from testkit import (
    As,
    make_device,
    make_enterprise,
    make_facility,
    make_park,
    make_point,
    make_process,
    make_product,
    make_user,
    token_for,
)

MARK = "SECRETB"


@pytest.fixture
def world(session):
    park1 = make_park(session, name="园区一")
    park2 = make_park(session, name=f"{MARK}-park2")
    ent_a = make_enterprise(session, park1, name="企业A")
    targets: dict[str, Any] = {}
    for label, park in (("b", park1), ("c", park2)):
        ent = make_enterprise(
            session, park, name=f"{MARK}-{label}-ent", contact_phone="13900000000"
        )
        proc = make_process(session, ent, name=f"{MARK}-{label}-proc")
        targets[label] = {
            "park": park,
            "enterprise": ent,
            "facility": make_facility(session, ent, name=f"{MARK}-{label}-fac"),
            "process": proc,
            "product": make_product(session, ent, name=f"{MARK}-{label}-prod", process_id=proc.id),
            "device": make_device(session, ent, name=f"{MARK}-{label}-dev"),
            "metering_point": make_point(session, ent, name=f"{MARK}-{label}-mp"),
        }
        targets[label].update(_monitoring_objects(session, ent, targets[label], label))
        targets[label].update(_collection_objects(session, ent, targets[label], label))
        targets[label].update(_activity_objects(session, ent, label))
        targets[label]["factor_parameter"] = _factor_object(session, park2, label)
        targets[label]["park_base"] = _park_base_object(session, park2, label)
        targets[label]["accounting_run"] = _accounting_run(session, ent, label)
        targets[label].update(_cems_objects(session, ent, targets[label], label))
        targets[label].update(_hj212_objects(session, ent, targets[label], label))
    user = make_user(session, "enterprise_user", enterprise=ent_a)
    other_user = make_user(
        session,
        "enterprise_user",
        enterprise=targets["b"]["enterprise"],
        display_name=f"{MARK}-user",
    )
    return {
        "a": ent_a,
        "park1": park1,
        "park2": park2,
        "targets": targets,
        "user": user,
        "other_user": other_user,
    }


RESOURCE_OF_PATH = {
    "/api/v1/parks": "park",
    "/api/v1/enterprises": "enterprise",
    "/api/v1/facilities": "facility",
    "/api/v1/processes": "process",
    "/api/v1/products": "product",
    "/api/v1/devices": "device",
    "/api/v1/metering-points": "metering_point",
    "/api/v1/alarm-rules": "alarm_rule", "/api/v1/alarm-events": "alarm_event",
    "/api/v1/om-records": "om_record", "/api/v1/qc-records": "qc_record",
    "/api/v1/ingest-batches": "ingest_batch", "/api/v1/point-latest": "point_latest",
    "/api/v1/daily-records": "ingest_batch", "/api/v1/monthly-ledgers": "ingest_batch",
    "/api/v1/ledger-cross-check": "ingest_batch", "/api/v1/monitoring-report": "ingest_batch",
    "/api/v1/meter-replacements": "meter_replacement",
    "/api/v1/invoice-entries": "invoice_entry", "/api/v1/device-keys": "device_key",
    "/api/v1/readings": "reading_import",
    "/api/v1/activity-sources": "activity_source", "/api/v1/activity-datasets": "activity_dataset",
    "/api/v1/activity-records": "activity_record",
    "/api/v1/activity-attachments": "activity_attachment",
    "/api/v1/factors": "factor_parameter",
    "/api/v1/accounting": "accounting_run",
    "/api/v1/cems-units": "cems_unit",
    "/api/v1/accounting-options": "enterprise",
    "/api/v1/park-base-data": "park_base",
    "/api/v1/hj212-devices": "hj212_device", "/api/v1/hj212-factor-maps": "hj212_factor_map",
    "/api/v1/reading-corrections": "reading_correction",
}
# The device door authenticates devices, not users: a user's bearer token gets 401.
DEVICE_DOOR = {("POST", "/api/v1/ingest/batches")}


def _hj212_objects(session, ent, t, label):
    from dualcarbon.protocols.hj212_service import create_device, map_factor

    dev = create_device(session, park_id=ent.park_id, enterprise_id=ent.id,
                        mn=f"{MARK}{label}".ljust(24, "0"), name=f"{MARK}-{label}-logger",
                        password="123456")
    pt = make_point(session, ent, name=f"{MARK}-{label}-o2", unit="%",
                    measurement="instantaneous")
    fm = map_factor(session, dev, cn=2011, factor_code="a19001", point_id=pt.id, basis="dry")
    return {"hj212_device": dev, "hj212_factor_map": fm}


def _cems_objects(session, ent, t, label):
    from dualcarbon.protocols.cems_service import create_unit

    pt = make_point(session, ent, name=f"{MARK}-{label}-co2", unit="%",
                    measurement="instantaneous")
    unit = create_unit(session, enterprise_id=ent.id, code=f"C{label}", name=f"{MARK}-{label}-cems",
                       co2_point_id=pt.id, flow_point_id=t["metering_point"].id)
    return {"cems_unit": unit}


def _collection_objects(session, ent, t, label):
    from datetime import UTC, date, datetime

    from dualcarbon.collection.models import DeviceKey, InvoiceEntry, MeterReplacement
    from dualcarbon.collection.service import ReadingIn, ingest

    pt = t["metering_point"]
    now = datetime.now(UTC).replace(microsecond=0)
    res = ingest(session, park_id=ent.park_id, readings=[ReadingIn(pt.code, now, "1")],
                 source="http", batch_ref=f"{MARK}-{label}", enterprise_id=ent.id,
                 created_by=f"{MARK}-{label}")
    from dualcarbon.collection.models import IngestBatch

    rep = MeterReplacement(park_id=ent.park_id, enterprise_id=ent.id, point_id=pt.id,
                           replaced_at=now, old_final_value=1, new_initial_value=0,
                           note=f"{MARK}-{label}-rep", created_by="x")
    inv = InvoiceEntry(park_id=ent.park_id, enterprise_id=ent.id, point_id=pt.id,
                       month=date(now.year, now.month, 1), kind="invoice", quantity=1,
                       unit="kWh", document_no=f"{MARK}-{label}", created_by="x")
    key = DeviceKey(park_id=ent.park_id, enterprise_id=ent.id, key_id=f"dk-{MARK}-{label}",
                    name=f"{MARK}-{label}-key", secret="s", created_by="x")
    from dualcarbon.collection.models import ReadingCorrection

    fix = ReadingCorrection(park_id=ent.park_id, enterprise_id=ent.id, point_id=pt.id, ts=now,
                            original_value=1, old_value=1, new_value=2,
                            reason=f"{MARK}-{label}-fix", created_by=f"{MARK}-{label}")
    session.add_all([rep, inv, key, fix])
    session.flush()
    return {"ingest_batch": session.get(IngestBatch, res.batch_id),
            "point_latest": pt, "meter_replacement": rep,
            "invoice_entry": inv, "device_key": key, "reading_import": pt,
            "reading_correction": fix}


def _activity_objects(session, ent, label):
    from datetime import date

    from dualcarbon.activity.models import (
        ActivityAttachment,
        ActivityDataset,
        ActivityRecord,
        ActivitySource,
    )

    src = ActivitySource(park_id=ent.park_id, enterprise_id=ent.id, code=f"{MARK}-{label}",
                         name=f"{MARK}-{label}-src", kind="electricity", unit="MWh",
                         settings={"direction": "purchase"})
    ds = ActivityDataset(park_id=ent.park_id, enterprise_id=ent.id, month=date(2026, 1, 1),
                         status="submitted", created_by=f"{MARK}-{label}")
    session.add_all([src, ds])
    session.flush()
    rec = ActivityRecord(park_id=ent.park_id, enterprise_id=ent.id, dataset_id=ds.id,
                         source_id=src.id, quantity=1, unit="MWh", data_source="invoice",
                         comment=f"{MARK}-{label}-rec", updated_by="x")
    session.add(rec)
    session.flush()
    att = ActivityAttachment(park_id=ent.park_id, enterprise_id=ent.id, record_id=rec.id,
                             filename=f"{MARK}-{label}.pdf", size_bytes=1, sha256="0" * 64,
                             storage_key="activity/00/none", created_by="x")
    session.add(att)
    session.flush()
    return {"activity_source": src, "activity_dataset": ds, "activity_record": rec,
            "activity_attachment": att}


def _factor_object(session, park2, label):
    # park 1's overrides are readable by its enterprises: both targets are park 2 overrides
    from dualcarbon.factors.models import FactorParameter

    row = FactorParameter(park_id=park2.id, methodology="custom", key=f"k.{label}",
                          version="v1", value_text="1", tier="user", note=f"{MARK}-{label}",
                          source_document=f"{MARK}-{label}", created_by="x")
    session.add(row)
    session.flush()
    return row


def _park_base_object(session, park2, label):
    # park-level rows are readable by the park's own enterprises (db/tenancy.py): both targets
    # are park 2's, for two years
    from decimal import Decimal

    from dualcarbon.parkbase.models import ParkBaseData, ParkBaseFuel

    row = ParkBaseData(park_id=park2.id, year=2020 if label == "b" else 2021, month=0,
                       gdp_1e4_cny=Decimal("123.4"), note=f"{MARK}-{label}-base",
                       created_by=f"{MARK}-{label}", updated_by=f"{MARK}-{label}")
    session.add(row)
    session.flush()
    session.add(ParkBaseFuel(park_id=park2.id, base_id=row.id, fuel=f"{MARK}-{label}-fuel",
                             quantity=Decimal(1), unit="t"))
    session.flush()
    return row


def _accounting_run(session, ent, label):
    from datetime import date

    from dualcarbon.accounting.models import AccountingRun

    run = AccountingRun(park_id=ent.park_id, enterprise_id=ent.id, level="enterprise",
                        period_start=date(2023, 1, 1), period_end=date(2023, 12, 31),
                        period_kind="year", status="succeeded",
                        document={"enterprise": {"name": f"{MARK}-{label}"}},
                        parameter_refs=[], result={"totals": {"total_tco2e": "1"}, "lines": []},
                        created_by=f"{MARK}-{label}")
    session.add(run)
    session.flush()
    return run


def _monitoring_objects(session, ent, t, label):
    from datetime import UTC, datetime

    from dualcarbon.monitoring.models import AlarmEvent, AlarmRule, OmRecord, QcRecord

    rule = AlarmRule(park_id=ent.park_id, enterprise_id=ent.id, name=f"{MARK}-{label}-rule",
                     kind="threshold_high", point_id=t["metering_point"].id, threshold=1)
    session.add(rule)
    session.flush()
    event = AlarmEvent(park_id=ent.park_id, enterprise_id=ent.id, rule_id=rule.id,
                       point_id=rule.point_id, kind=rule.kind, severity="warning",
                       reason="monitoring.alarm.threshold-high", params={"limit": MARK})
    om = OmRecord(park_id=ent.park_id, enterprise_id=ent.id, kind="maintenance",
                  title=f"{MARK}-{label}-om", created_by="x")
    qc = QcRecord(park_id=ent.park_id, enterprise_id=ent.id, kind="zero_drift",
                  performed_at=datetime.now(UTC), performed_by="x", reference_value=0,
                  measured_value=1, full_scale=20, result_value=5, limit_value=2, passed=False,
                  note=f"{MARK}-{label}-qc")
    session.add_all([event, om, qc])
    session.flush()
    return {"alarm_rule": rule, "alarm_event": event, "om_record": om, "qc_record": qc}


def _bodies(t: dict[str, Any]) -> dict[str, dict[str, Any]]:
    ent = t["enterprise"]
    return {
        "park": {"code": "NEWP", "name": "x", "province_code": "320000"},
        "enterprise": {
            "park_id": t["park"].id,
            "code": "NEWE",
            "name": "x",
            "credit_code": "91350100M000100Y43",
            "industry_code": "2614",
        },
        "facility": {"enterprise_id": ent.id, "code": "NEWF", "name": "x", "kind": "boiler"},
        "process": {"enterprise_id": ent.id, "code": "NEWPR", "name": "x"},
        "product": {"enterprise_id": ent.id, "code": "NEWPD", "name": "x", "unit": "t"},
        "device": {
            "enterprise_id": ent.id,
            "code": "NEWD",
            "name": "x",
            "device_type": "electricity_meter",
        },
        "metering_point": {
            "enterprise_id": ent.id,
            "code": "NEWMP",
            "name": "x",
            "medium": "electricity",
            "unit": "kWh",
        },
        "alarm_rule": {"enterprise_id": ent.id, "name": "x", "kind": "threshold_high",
                       "point_id": t["metering_point"].id, "threshold": "1"},
        "alarm_event": {"action": "close", "comment": "x"},
        "om_record": {"enterprise_id": ent.id, "kind": "maintenance", "title": "x"},
        "meter_replacement": {"point_id": t["metering_point"].id,
                              "replaced_at": "2026-01-01T00:00:00Z", "old_final_value": "1",
                              "new_initial_value": "0"},
        "invoice_entry": {"point_id": t["metering_point"].id, "month": "2026-01-01",
                          "quantity": "1"},
        "device_key": {"enterprise_id": ent.id, "name": "x"},
        "reading_import": {},
        "accounting_run": {"enterprise_id": ent.id, "document": {},
                           "period_start": "2023-01-01", "period_end": "2023-12-31"},
        "activity_source": {"enterprise_id": ent.id, "code": "NEWS", "name": "x",
                            "kind": "electricity", "unit": "MWh",
                            "settings": {"direction": "purchase"}},
        "activity_dataset": {"enterprise_id": ent.id, "month": "2026-02"},
        "activity_record": {},
        "factor_parameter": {"park_id": t["park"].id, "methodology": "custom", "key": "x",
                             "version": "x", "value": "1"},
        "cems_unit": {"enterprise_id": ent.id, "code": "NEWC", "name": "x",
                      "co2_point_id": t["metering_point"].id,
                      "flow_point_id": t["metering_point"].id},
        "park_base": {"park_id": t["park"].id, "year": 2030, "gdp_1e4_cny": "1"},
        "hj212_device": {"enterprise_id": ent.id, "mn": "0" * 24, "name": "x"},
        "hj212_factor_map": {},
        "reading_correction": {"point_id": t["metering_point"].id,
                               "ts": "2026-01-01T00:00:00Z", "value": "5", "reason": "HACKED"},
        "qc_record": {"enterprise_id": ent.id, "kind": "temperature",
                      "performed_at": "2026-01-01T00:00:00Z", "reference_value": "1",
                      "measured_value": "2"},
    }


PATCH_BODIES = {"om_record": {"title": "HACKED"}, "invoice_entry": {"note": "HACKED"},
                "park_base": {"note": "HACKED", "gdp_1e4_cny": "9"},
                "hj212_factor_map": {"basis": "wet"},
                "activity_record": {"comment": "HACKED", "quantity": "9"}}
PUT_BODIES = {"enterprise": {"gwp_set": "AR6", "grid_province_code": "510000"}}
POST_BODIES = {("qc_record", "review"): {"decision": "approve"},
               ("activity_dataset", "records"): {"source_id": 1, "quantity": "9"},
               ("activity_dataset", "approve"): {"comment": "x"},
               ("activity_dataset", "return"): {"comment": "x"},
               ("activity_dataset", "correct"): {"reason": "x"},
               ("cems_unit", "compute"): {"start": "2026-01-01T00:00:00Z",
                                          "end": "2026-01-02T00:00:00Z"},
               ("hj212_device", "factors"): {"cn": 2011, "factor_code": "a05001",
                                             "point_id": 1}}
PUT_BODIES = {"hj212_device": {"factors": []}}

# Routes that carry no tenant data, or are the caller's own identity: what they may answer.
SELF_OR_REFERENCE = {
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/logout"),
    ("GET", "/api/v1/auth/me"),
    ("POST", "/api/v1/auth/change-password"),
    ("POST", "/api/v1/auth/tokens"),
    ("POST", "/api/v1/auth/totp/enrol"),
    ("POST", "/api/v1/auth/totp/confirm"),
    ("GET", "/api/v1/reference/industries"),
    ("GET", "/api/v1/reference/provinces"),
    ("GET", "/api/v1/reference/device-types"),
    ("GET", "/api/v1/reference/media"),
    ("GET", "/api/v1/reference/units"),
    ("GET", "/api/v1/reference/hj212-factors"),
    ("GET", "/api/v1/activity-attachments/limits"),
}
# Admin-only routes: an enterprise user must be refused outright.
ADMIN_ONLY = re.compile(r"^/api/v1/(users|security-policy|audit-events)")


def _counts(session) -> dict[str, int]:
    return {
        m.__tablename__: session.scalar(select(func.count(m.id)))
        for m in (Park, Enterprise, Facility, Process, Product, Device, MeteringPoint)
    }


def _call(as_a: As, method: str, path: str, body: Any = None, params: Any = None):
    return as_a.request(method, path, json=body, params=params)


def test_every_route_is_isolated(app, client, session, world):
    as_a = As(client, token_for(session, world["user"]))
    schema = app.openapi()
    before = _counts(session)
    checked = 0
    for path, ops in schema["paths"].items():
        for method in ops:
            m = method.upper()
            if (m, path) in SELF_OR_REFERENCE:
                if path == "/api/v1/auth/logout":
                    continue  # would end the session the walk runs on; called last below
                r = _call(as_a, m, path, body={} if m == "POST" else None)
                assert MARK not in r.text, (m, path)
                checked += 1
                continue
            if (m, path) in DEVICE_DOOR:
                r = _call(as_a, m, path, body={"readings": []})
                assert r.status_code == 401 and MARK not in r.text, (m, path, r.status_code)
                checked += 1
                continue
            if ADMIN_ONLY.match(path):
                concrete = path.replace("{user_id}", str(world["other_user"].id))
                r = _call(as_a, m, concrete, body={} if m in ("POST", "PUT", "PATCH") else None)
                assert r.status_code in (403, 422), (m, path, r.status_code)
                assert MARK not in r.text, (m, path)
                checked += 1
                continue
            base = "/api/v1" + "/" + path.removeprefix("/api/v1/").split("/")[0]
            resource = RESOURCE_OF_PATH.get(base)
            if path == "/api/v1/overview":
                for park in (world["park2"].id,):
                    r = _call(as_a, m, path, params={"park_id": park})
                    assert r.status_code == 404 and MARK not in r.text
                r = _call(as_a, m, path)
                assert r.status_code == 200 and MARK not in r.text
                checked += 1
                continue
            assert resource is not None, f"no isolation case for {m} {path}: add one"
            for label in ("b", "c"):
                if resource == "park" and label == "b" and m == "GET":
                    continue  # park 1 is the user's own park: reading it is allowed
                t = world["targets"][label]
                target = t[resource]
                concrete = re.sub(r"\{\w+\}", str(target.id), path)
                if "{" in concrete:
                    pytest.fail(f"unmapped path parameter in {path}")
                if m == "GET" and "{" not in path:
                    # list and export, filtered to the foreign owner and unfiltered
                    for params in (
                        {},
                        {"enterprise_id": t["enterprise"].id},
                        {"park_id": t["park"].id},
                        {"q": MARK},
                    ):
                        if path.endswith("/stream"):  # server-sent events: a short stream
                            params = {**params, "max_seconds": 1}
                        r = _call(as_a, m, concrete, params=params)
                        assert r.status_code in (200, 403), (m, path, r.status_code)
                        if path.endswith("/export"):
                            assert MARK.encode() not in _xlsx_text(r.content), (path, params)
                        else:
                            assert MARK not in r.text, (m, path, params)
                elif m == "GET":
                    r = _call(as_a, m, concrete)
                    assert r.status_code == 404, (m, path, r.status_code)
                    assert MARK not in r.text
                elif m == "POST":
                    body = POST_BODIES.get((resource, path.rsplit("/", 1)[-1]),
                                           _bodies(t)[resource])
                    r = _call(as_a, m, concrete, body=body)
                    assert r.status_code in (403, 404, 422), (m, path, r.status_code, r.text)
                elif m == "PATCH":
                    body = PATCH_BODIES.get(resource, {"name": "HACKED"})
                    r = _call(as_a, m, concrete, body=body)
                    assert r.status_code in (403, 404), (m, path, r.status_code)
                    assert MARK not in r.text
                elif m == "PUT":
                    r = _call(as_a, m, concrete, body=PUT_BODIES.get(resource, {}))
                    assert r.status_code in (403, 404), (m, path, r.status_code)
                    assert MARK not in r.text
                elif m == "DELETE":
                    r = _call(as_a, m, concrete)
                    assert r.status_code in (403, 404), (m, path, r.status_code)
                elif m == "PUT":
                    r = _call(as_a, m, concrete, body=PUT_BODIES[resource])
                    assert r.status_code in (403, 404), (m, path, r.status_code)
                    assert MARK not in r.text
                else:
                    pytest.fail(f"unhandled method {m} {path}")
            checked += 1
    assert _call(as_a, "POST", "/api/v1/auth/logout").status_code == 204
    session.expire_all()
    assert _counts(session) == before
    names = [session.get(Enterprise, world["targets"][x]["enterprise"].id).name for x in "bc"]
    assert all(MARK in name for name in names)
    for x in "bc":
        t = world["targets"][x]
        assert (t["activity_dataset"].status, t["activity_record"].comment,
                t["activity_record"].quantity) == ("submitted", f"{MARK}-{x}-rec", 1)
        assert t["activity_source"].name == f"{MARK}-{x}-src"
        session.refresh(t["hj212_device"])
        assert t["hj212_device"].name == f"{MARK}-{x}-logger"
        assert session.get(type(t["hj212_factor_map"]), t["hj212_factor_map"].id).basis == "dry"
    from dualcarbon.activity.models import AccountingOptions
    from dualcarbon.parkbase.models import ParkBaseData

    assert session.scalar(select(func.count(AccountingOptions.id))) == 0
    assert session.scalar(select(func.count(ParkBaseData.id))) == 2
    for x in "bc":
        row = world["targets"][x]["park_base"]
        assert (row.note, row.gdp_1e4_cny) == (f"{MARK}-{x}-base", Decimal("123.4"))
    assert checked >= 40


def _xlsx_text(content: bytes) -> bytes:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))


def test_enterprise_user_sees_own_enterprise(client, session, world):
    as_a = As(client, token_for(session, world["user"]))
    r = as_a.get("/api/v1/enterprises")
    assert r.status_code == 200
    assert [e["id"] for e in r.json()["items"]] == [world["a"].id]
    parks = as_a.get("/api/v1/parks").json()["items"]
    assert [p["id"] for p in parks] == [world["park1"].id]


def test_park_admin_bounded_by_park(client, session, world):
    admin = make_user(session, "park_admin", park=world["park1"])
    as_admin = As(client, token_for(session, admin))
    ids = {e["id"] for e in as_admin.get("/api/v1/enterprises?size=100").json()["items"]}
    assert world["targets"]["b"]["enterprise"].id in ids
    assert world["targets"]["c"]["enterprise"].id not in ids
    r = as_admin.get(f"/api/v1/facilities/{world['targets']['c']['facility'].id}")
    assert r.status_code == 404
    body = json.loads(as_admin.get("/api/v1/overview").text)
    assert body["enterprise_count"] == 2
