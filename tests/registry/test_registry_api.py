"""Registry API: create/read/update/delete, validation in zh-CN and en, paging, filters, sort,
Excel export, audit records for each change."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from dualcarbon.audit.models import AuditEvent
from testkit import As, credit_code, make_device, make_enterprise, make_park, make_user, token_for


def _admin(client, session, park=None):
    park = park or make_park(session)
    return park, As(client, token_for(session, make_user(session, "park_admin", park=park)))


def _enterprise_body(park_id, **kw):
    return {
        "park_id": park_id,
        "code": "HX01",
        "name": "江东化学有限公司",
        "credit_code": credit_code(9001),
        "industry_code": "2614",
        "is_key_emitter": True,
        **kw,
    }


class TestEnterprise:
    def test_create_read_update_delete_with_audit(self, client, session):
        park, admin = _admin(client, session)
        r = admin.post("/api/v1/enterprises", json=_enterprise_body(park.id))
        assert r.status_code == 201, r.text
        ent = r.json()
        assert ent["industry_name"] == "有机化学原料制造"
        assert ent["park_name"] == park.name
        r = admin.patch(f"/api/v1/enterprises/{ent['id']}", json={"contact_phone": "0512-5555"})
        assert r.status_code == 200 and r.json()["contact_phone"] == "0512-5555"
        assert admin.delete(f"/api/v1/enterprises/{ent['id']}").status_code == 204
        assert admin.get(f"/api/v1/enterprises/{ent['id']}").status_code == 404
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "enterprise", AuditEvent.object_id == str(ent["id"]))
            .order_by(AuditEvent.id)
        ).all()
        assert [e.action for e in events] == ["create", "update", "delete"]
        assert events[1].before == {"contact_phone": None}
        assert events[1].after == {"contact_phone": "0512-5555"}
        assert events[2].before["credit_code"] == ent["credit_code"]

    def test_bad_credit_code_named_in_zh_and_en(self, client, session):
        park, admin = _admin(client, session)
        good = credit_code(9002)
        bad = good[:-1] + ("0" if good[-1] != "0" else "1")
        for lang, text in (("zh-CN", "校验码"), ("en", "check digit")):
            admin.headers["Accept-Language"] = lang
            r = admin.post("/api/v1/enterprises", json=_enterprise_body(park.id, credit_code=bad))
            assert r.status_code == 422
            assert r.headers["content-type"].startswith("application/problem+json")
            body = r.json()
            err = next(e for e in body["errors"] if e["field"] == "credit_code")
            assert err["type"] == "registry.credit-code.check-digit"
            assert text in err["msg"]
            assert body["type"] == "/problems/validation-error"

    def test_every_bad_field_reported(self, client, session):
        park, admin = _admin(client, session)
        r = admin.post(
            "/api/v1/enterprises",
            json={
                "park_id": park.id,
                "code": "bad code!",
                "credit_code": "123",
                "industry_code": "9999x",
                "contact_email": "not-an-email",
            },
        )
        fields = {e["field"] for e in r.json()["errors"]}
        assert {"code", "name", "credit_code", "industry_code", "contact_email"} <= fields

    def test_duplicate_code_and_credit_code(self, client, session):
        park, admin = _admin(client, session)
        body = _enterprise_body(park.id)
        assert admin.post("/api/v1/enterprises", json=body).status_code == 201
        r = admin.post("/api/v1/enterprises", json=body)
        assert r.status_code == 409 and r.json()["errors"][0]["field"] == "code"
        r = admin.post("/api/v1/enterprises", json={**body, "code": "HX02"})
        assert r.status_code == 409 and r.json()["errors"][0]["field"] == "credit_code"

    def test_delete_in_use_is_a_conflict(self, client, session):
        park, admin = _admin(client, session)
        ent = make_enterprise(session, park)
        make_device(session, ent)
        r = admin.delete(f"/api/v1/enterprises/{ent.id}")
        assert r.status_code == 409 and r.json()["code"] == "registry.in-use"

    def test_paging_filter_sort_search(self, client, session):
        park, admin = _admin(client, session)
        for i in range(25):
            make_enterprise(
                session,
                park,
                code=f"C{i:02d}",
                name=f"企业{i:02d}",
                is_key_emitter=i % 2 == 0,
                industry_code="2621" if i < 5 else "2614",
            )
        page = admin.get("/api/v1/enterprises?page=2&size=10&sort=-code").json()
        assert page["total"] == 25 and len(page["items"]) == 10
        assert page["items"][0]["code"] == "C14"
        assert admin.get("/api/v1/enterprises?industry_code=2621").json()["total"] == 5
        assert admin.get("/api/v1/enterprises?is_key_emitter=true").json()["total"] == 13
        assert admin.get("/api/v1/enterprises?q=企业0").json()["total"] == 10
        assert admin.get("/api/v1/enterprises?sort=drop table").status_code == 200

    def test_export_is_a_real_workbook_with_zh_headers(self, client, session):
        park, admin = _admin(client, session)
        make_enterprise(session, park, code="X1", name="导出企业", is_key_emitter=True)
        r = admin.get("/api/v1/enterprises/export?q=导出")
        assert r.status_code == 200
        wb = load_workbook(io.BytesIO(r.content))
        ws = wb.active
        header = [c.value for c in ws[1]]
        assert header[:3] == ["编码", "名称", "统一社会信用代码"]
        assert ws.max_row == 2 and ws["B2"].value == "导出企业"
        assert ws.cell(2, header.index("控排企业") + 1).value == "是"
        exports = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
        assert exports and exports[-1].object_type == "enterprise"


class TestOtherResources:
    def test_device_calibration_due_and_status(self, client, session):
        park, admin = _admin(client, session)
        ent = make_enterprise(session, park)
        r = admin.post(
            "/api/v1/devices",
            json={
                "enterprise_id": ent.id,
                "code": "EM-001",
                "name": "1#进线电能表",
                "device_type": "electricity_meter",
                "accuracy_class": "0.5S",
                "calibration_interval_months": 12,
                "last_calibrated_on": "2020-01-31",
            },
        )
        assert r.status_code == 201, r.text
        d = r.json()
        assert d["calibration_due_on"] == "2021-01-31"
        assert d["calibration_status"] == "overdue"
        overdue = admin.get(f"/api/v1/devices?calibration_status=overdue&enterprise_id={ent.id}")
        assert overdue.json()["total"] == 1
        today = date.today().isoformat()
        r = admin.patch(f"/api/v1/devices/{d['id']}", json={"last_calibrated_on": today})
        assert r.json()["calibration_status"] == "ok"

    def test_metering_point_refers_to_own_enterprise_only(self, client, session):
        park, admin = _admin(client, session)
        e1, e2 = make_enterprise(session, park), make_enterprise(session, park)
        dev2 = make_device(session, e2)
        r = admin.post(
            "/api/v1/metering-points",
            json={
                "enterprise_id": e1.id,
                "code": "E1-EL-01",
                "name": "总进线",
                "medium": "electricity",
                "unit": "kWh",
                "device_id": dev2.id,
            },
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "device_id"

    def test_park_create_is_platform_only(self, client, session):
        _, admin = _admin(client, session)
        r = admin.post(
            "/api/v1/parks", json={"code": "NEW", "name": "新园区", "province_code": "320000"}
        )
        assert r.status_code == 403
        platform = As(client, token_for(session, make_user(session, "park_admin")))
        r = platform.post(
            "/api/v1/parks", json={"code": "NEW", "name": "新园区", "province_code": "320000"}
        )
        assert r.status_code == 201 and r.json()["grid_region"]
        assert r.json()["province_name"] == "江苏省"

    def test_enterprise_user_writes_only_own_facilities(self, client, session):
        park = make_park(session)
        mine, other = make_enterprise(session, park), make_enterprise(session, park)
        user = As(
            client, token_for(session, make_user(session, "enterprise_user", enterprise=mine))
        )
        ok = user.post(
            "/api/v1/facilities",
            json={
                "enterprise_id": mine.id,
                "code": "B1",
                "name": "1#锅炉",
                "kind": "boiler",
                "capacity": "75.5",
                "capacity_unit": "t/h",
            },
        )
        assert ok.status_code == 201 and ok.json()["capacity"] == "75.5000"
        no = user.post(
            "/api/v1/facilities",
            json={"enterprise_id": other.id, "code": "B1", "name": "x", "kind": "boiler"},
        )
        assert no.status_code == 422 and no.json()["errors"][0]["field"] == "enterprise_id"


def test_overview_counts_and_breakdowns(client, session):
    park, admin = _admin(client, session)
    e = make_enterprise(session, park, industry_code="2621", is_key_emitter=True)
    make_enterprise(session, park, industry_code="2614")
    make_device(session, e, calibration_due_on=date(2000, 1, 1))
    body = admin.get(f"/api/v1/overview?park_id={park.id}").json()
    assert body["enterprise_count"] == 2 and body["key_emitter_count"] == 1
    assert body["calibration_overdue_count"] == 1
    assert {x["industry_code"] for x in body["enterprises_by_industry"]} == {"2621", "2614"}
    assert body["park"]["id"] == park.id


def test_reference_lists(client, session):
    who = As(client, token_for(session, make_user(session, "verifier", park=make_park(session))))
    industries = who.get("/api/v1/reference/industries").json()
    assert any(i["code"] == "2621" for i in industries)
    provinces = who.get("/api/v1/reference/provinces").json()
    assert len(provinces) >= 31


def test_contacts_encrypted_at_rest(client, session):
    from sqlalchemy import text

    park, admin = _admin(client, session)
    r = admin.post("/api/v1/enterprises", json=_enterprise_body(
        park.id, contact_name="张三", contact_phone="13812345678",
        contact_email="zhang@example.cn", legal_representative="李四"))
    assert r.status_code == 201 and r.json()["contact_phone"] == "13812345678"
    raw = session.execute(text(
        "SELECT contact_name, contact_phone, contact_email, legal_representative "
        "FROM enterprises WHERE id = :i"), {"i": r.json()["id"]}).one()
    for value, plain in zip(raw, ("张三", "13812345678", "zhang@example.cn", "李四"), strict=True):
        assert value.startswith("enc1:") and plain not in value
    assert admin.get(f"/api/v1/enterprises/{r.json()['id']}").json()["contact_name"] == "张三"


def test_export_never_writes_formulas_or_illegal_characters(client, session):
    park, admin = _admin(client, session)
    make_enterprise(session, park, code="F1", name='=HYPERLINK("http://x","点我")\x01')
    r = admin.get("/api/v1/enterprises/export?q=F1")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws["B2"].data_type == "s"
    assert ws["B2"].value == '=HYPERLINK("http://x","点我")'
