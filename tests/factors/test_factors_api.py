"""Factor-library API: query, versions, history, import (all or nothing), export, permissions."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from dualcarbon.audit.models import AuditEvent
from dualcarbon.factors import service
from dualcarbon.factors.models import FactorParameter
from testkit import As, make_enterprise, make_park, make_user, token_for


def _as(client, session, role, **kw):
    return As(client, token_for(session, make_user(session, role, **kw)))


def _body(**kw):
    b = {"methodology": "custom", "key": "ef.test", "version": "v1", "value": "2.0123456789012",
         "unit": "tCO2/t", "valid_from": "2023-01-01", "source_document": "测试文件",
         "clause": "附录A", "tier": "verified"}
    b.update(kw)
    return b


def test_query_and_get(client, session):
    service.sync_catalogue(session)
    park = make_park(session)
    ent = make_enterprise(session, park)
    user = _as(client, session, "enterprise_user", enterprise=ent)
    r = user.get("/api/v1/factors", params={"q": "natural_gas", "size": 500})
    assert r.status_code == 200
    items = r.json()["items"]
    assert items and all("natural_gas" in i["key"] for i in items)
    r = user.get("/api/v1/factors", params={"key": "grid.location.national",
                                             "valid_on": "2022-06-30"})
    versions = [i["version"] for i in r.json()["items"]]
    assert versions == ["2022"]
    one = user.get(f"/api/v1/factors/{items[0]['id']}").json()
    assert one["value"] == items[0]["value"] and one["tier_label_zh"]
    tiers = {i["tier"] for i in user.get("/api/v1/factors", params={"tier": "verified",
                                                                    "size": 500}).json()["items"]}
    assert tiers == {"verified"}


def test_versions_history_and_audit(client, session):
    park = make_park(session)
    admin = _as(client, session, "park_admin", park=park)
    r = admin.post("/api/v1/factors", json=_body(park_id=park.id))
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["value"] == "2.0123456789012" and first["park_id"] == park.id
    r = admin.post("/api/v1/factors", json=_body(park_id=park.id, version="v2", value="3",
                                                 valid_from="2024-07-01"))
    assert r.status_code == 201
    # never overwritten: same version again is a conflict
    r = admin.post("/api/v1/factors", json=_body(park_id=park.id, version="v2"))
    assert r.status_code == 409
    hist = admin.get("/api/v1/factors/keys/custom/ef.test/history").json()
    assert [(h["version"], h["valid_to"]) for h in hist] == [("v1", "2024-06-30"), ("v2", None)]
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "factor_parameter")).all()
    assert actions.count("create") == 2 and "close" in actions
    # a park admin cannot write platform rows; an enterprise user cannot write at all
    assert admin.post("/api/v1/factors", json=_body(version="p1")).status_code == 404
    ent = make_enterprise(session, park)
    user = _as(client, session, "enterprise_user", enterprise=ent)
    assert user.post("/api/v1/factors", json=_body(park_id=park.id, version="x")
                     ).status_code == 403
    # the platform admin (global grant) writes platform rows, visible to every park's users
    platform = _as(client, session, "park_admin")
    r = platform.post("/api/v1/factors", json=_body(version="platform-1", key="ef.platform"))
    assert r.status_code == 201 and r.json()["park_id"] is None
    assert user.get(f"/api/v1/factors/{r.json()['id']}").status_code == 200


def test_invalid_range_and_language(client, session):
    park = make_park(session)
    admin = As(client, token_for(session, make_user(session, "park_admin", park=park)),
               locale="en")
    r = admin.post("/api/v1/factors", json=_body(park_id=park.id, valid_to="2022-01-01"))
    assert r.status_code == 422
    assert "end date" in r.text


def _xlsx(rows, headers=("方法学", "参数键", "版本", "数值", "单位", "生效日期", "可信等级")):
    wb = Workbook()
    ws = wb.active
    ws.title = "参数"
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _count(session):
    return session.scalar(select(func.count(FactorParameter.id)))


def test_import_all_or_nothing_reports_every_cell(client, session):
    park = make_park(session)
    admin = _as(client, session, "park_admin", park=park)
    before = _count(session)
    content = _xlsx([
        ("custom", "k.a", "v1", "1.5", "t", "2023-01-01", "verified"),
        ("custom", "k.b", "v1", "abc", "t", "2023-13-01", "bogus"),
        ("custom", "", "v1", "2", "t", None, None),
    ])
    r = admin.post("/api/v1/factors/import", data={"park_id": str(park.id)},
                   files={"file": ("f.xlsx", content)})
    assert r.status_code == 422, r.text
    errs = {(tuple(e["loc"]), e["type"]) for e in r.json()["errors"]}
    assert (("参数", 3, "D"), "factors.import.number") in errs
    assert (("参数", 3, "F"), "factors.import.date") in errs
    assert (("参数", 3, "G"), "factors.import.tier") in errs
    assert (("参数", 4, "B"), "factors.import.required") in errs
    assert len(errs) == 4
    assert _count(session) == before
    r_en = As(client, admin.headers["Authorization"][7:], locale="en").post(
        "/api/v1/factors/import", data={"park_id": str(park.id)},
        files={"file": ("f.xlsx", content)})
    assert "Must be a decimal number" in r_en.text
    # a refused version (not newer than an existing one) also rejects the whole file
    ok = _xlsx([("custom", "k.a", "v1", "1.5", "t", "2023-01-01", "verified"),
                ("custom", "k.a", "v0", "1.4", "t", "2022-01-01", "verified")])
    r = admin.post("/api/v1/factors/import", data={"park_id": str(park.id)},
                   files={"file": ("f.xlsx", ok)})
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["参数", 3, "C"]
    assert _count(session) == before
    good = _xlsx([("custom", "k.a", "v1", "1.50", "t", "2023-01-01", "verified"),
                  ("custom", "k.a", "v2", "1.6", "t", "2024-01-01", "cited")])
    r = admin.post("/api/v1/factors/import", data={"park_id": str(park.id)},
                   files={"file": ("f.xlsx", good)})
    assert r.status_code == 201, r.text
    assert r.json()["created"] == 2
    hist = admin.get("/api/v1/factors/keys/custom/k.a/history").json()
    assert [(h["value"], h["valid_to"]) for h in hist] == [("1.50", "2023-12-31"), ("1.6", None)]


def test_csv_import_and_exports_round_trip(client, session):
    park = make_park(session)
    admin = _as(client, session, "park_admin", park=park)
    text = ("methodology,key,version,value,unit,valid_from,tier,note\n"
            "custom,k.csv,v1,0.000000123456789012345,t,2023-01-01,user,=cmd()\n")
    r = admin.post("/api/v1/factors/import", data={"park_id": str(park.id)},
                   files={"file": ("f.csv", text.encode("utf-8"))})
    assert r.status_code == 201, r.text
    r = admin.get("/api/v1/factors/export", params={"format": "csv", "park_id": park.id})
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["编号", "适用范围", "方法学", "参数键"]
    assert rows[1][5] == "0.000000123456789012345"
    assert rows[1][12] == "'=cmd()"
    r = admin.get("/api/v1/factors/export", params={"park_id": park.id})
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb.active
    assert ws.cell(row=2, column=6).value == "0.000000123456789012345"
    # the exported workbook imports again (as new versions of another park's overrides)
    other = make_park(session)
    admin2 = _as(client, session, "park_admin", park=other)
    r = admin2.post("/api/v1/factors/import", data={"park_id": str(other.id)},
                    files={"file": ("back.xlsx", r.content)})
    assert r.status_code == 201, r.text
    row = session.get(FactorParameter, r.json()["ids"][0])
    assert row.value_text == "0.000000123456789012345" and row.park_id == other.id


def test_other_parks_overrides_are_invisible(client, session):
    park1, park2 = make_park(session), make_park(session)
    ent = make_enterprise(session, park1)
    a2 = _as(client, session, "park_admin", park=park2)
    r = a2.post("/api/v1/factors", json=_body(park_id=park2.id, key="k.secret", note="P2ONLY"))
    assert r.status_code == 201
    pid = r.json()["id"]
    for who in (_as(client, session, "enterprise_user", enterprise=ent),
                _as(client, session, "park_admin", park=park1)):
        assert who.get(f"/api/v1/factors/{pid}").status_code == 404
        assert who.get("/api/v1/factors/keys/custom/k.secret/history").status_code == 404
        assert "P2ONLY" not in who.get("/api/v1/factors", params={"q": "P2ONLY"}).text
        assert b"P2ONLY" not in who.get("/api/v1/factors/export",
                                        params={"format": "csv"}).content
    assert a2.get(f"/api/v1/factors/{pid}").status_code == 200


def test_unreadable_files_are_refused(client, session):
    park = make_park(session)
    admin = _as(client, session, "park_admin", park=park)
    for name, content in (("f.csv", b"methodology,key\x00\n"), ("f.xlsx", b"not a zip"),
                          ("f.pdf", b"%PDF")):
        r = admin.post("/api/v1/factors/import", data={"park_id": str(park.id)},
                       files={"file": (name, content)})
        assert r.status_code == 422, (name, r.status_code, r.text)
