"""A source serving several facilities or processes carries its split by measured use (分摊):
checked when configured, passed by build_document to the engine as the source's own allocation
key, and the facility and process results of a run add up to the enterprise total."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from dualcarbon.accounting import service as runs
from dualcarbon.activity.service import build_document
from dualcarbon.audit.models import AuditEvent
from dualcarbon.factors import service as factors
from testkit import (
    As,
    make_enterprise,
    make_facility,
    make_park,
    make_process,
    make_user,
    token_for,
)

API = "/api/v1"
EPS = Decimal("1e-15")


def _world(client, session):
    park = make_park(session)
    ent = make_enterprise(session, park)
    fac = {c: make_facility(session, ent, code=c, name=c) for c in ("A", "B", "U")}
    proc = {c: make_process(session, ent, code=c, name=c) for c in ("P1", "P2")}
    user = As(client, token_for(session, make_user(session, "enterprise_user", enterprise=ent)))
    admin = As(client, token_for(session, make_user(session, "park_admin", park=park)))
    return park, ent, fac, proc, user, admin


def _source(user, ent, **body):
    return user.post(f"{API}/activity-sources", json={"enterprise_id": ent.id, **body})


def test_split_is_checked_when_configured(client, session):
    _park, ent, fac, proc, user, _admin = _world(client, session)
    stranger = make_facility(session, make_enterprise(session, make_park(session)))
    steam = {"code": "steam-in", "name": "外购蒸汽", "kind": "heat", "unit": "t",
             "settings": {"direction": "purchase", "medium": "steam"}}
    r = _source(user, ent, **steam, allocation={"level": "facility", "shares": [
        {"target_id": fac["A"].id, "use": "6000"}, {"target_id": fac["A"].id, "use": "1"},
        {"target_id": stranger.id, "use": "4000"}]})
    assert r.status_code == 422
    assert [(e["loc"], e["msg"]) for e in r.json()["errors"]] == [
        (["body", "allocation", "shares", 1, "target_id"], "同一分摊对象重复出现"),
        (["body", "allocation", "shares", 2, "target_id"], "引用的对象不存在或不属于该企业")]
    r = _source(user, ent, **steam, process_id=proc["P1"].id, allocation={
        "level": "process", "basis": "fraction",
        "shares": [{"target_id": proc["P1"].id, "use": "0.5"},
                   {"target_id": proc["P2"].id, "use": "0.4"}]})
    assert r.status_code == 422
    assert [(e["loc"], e["msg"]) for e in r.json()["errors"]] == [
        (["body", "allocation"], "已指定生产工艺的排放源全部计入该工艺，不能再分摊"),
        (["body", "allocation", "shares"], "分摊比例合计应为 1（现为 0.9）")]
    r = _source(user, ent, code="ng-feed", name="原料气", kind="fuel", unit="1e4_nm3",
                settings={"fuel": "natural_gas", "use": "feedstock"},
                allocation={"level": "facility", "shares": [{"target_id": fac["A"].id,
                                                             "use": "0"}]})
    assert r.status_code == 422
    assert {e["msg"] for e in r.json()["errors"]} == {
        "只有燃烧的化石燃料、碳酸盐、硝酸/己二酸、CO2回收、电力和热力可以分摊（原料和含碳物料在所属工艺的碳平衡中）",
        "分摊用量合计应大于 0"}
    en = As(client, user.headers["Authorization"][7:], locale="en")
    r = _source(en, ent, **steam, allocation={"level": "process", "basis": "fraction",
                                              "shares": [{"target_id": proc["P1"].id,
                                                          "use": "0.7"}]})
    assert r.json()["errors"][0]["msg"] == "The fractions must add up to 1 (they add up to 0.7)"
    r = _source(user, ent, **steam, allocation={"level": "facility", "shares": [
        {"target_id": fac["A"].id, "use": "6000"}, {"target_id": fac["B"].id, "use": "4000"}]})
    assert r.status_code == 201, r.text
    src = r.json()
    assert src["allocation"] == {"level": "facility", "basis": "measured", "shares": [
        {"target_id": fac["A"].id, "use": "6000"}, {"target_id": fac["B"].id, "use": "4000"}]}
    # changing the settings to something that cannot be split is refused; null removes it
    r = user.patch(f"{API}/activity-sources/{src['id']}", json={"process_id": proc["P1"].id})
    assert r.status_code == 422
    r = user.patch(f"{API}/activity-sources/{src['id']}", json={"allocation": None})
    assert r.status_code == 200 and r.json()["allocation"] is None
    ev = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "activity_source",
                                                  AuditEvent.action == "update")).all()
    assert ev[-1].before["allocation"]["shares"][1]["use"] == "4000"
    assert ev[-1].after["allocation"] is None


def _approve_month(user, admin, ent, month, records):
    ds = user.post(f"{API}/activity-datasets", json={"enterprise_id": ent.id,
                                                     "month": month}).json()
    for rec in records:
        r = user.post(f"{API}/activity-datasets/{ds['id']}/records", json=rec)
        assert r.status_code == 200, r.text
    r = user.post(f"{API}/activity-datasets/{ds['id']}/submit")
    assert r.status_code == 200, r.text
    assert admin.post(f"{API}/activity-datasets/{ds['id']}/approve", json={}).status_code == 200


def test_the_split_reaches_the_engine_and_facilities_add_up(client, session):
    factors.sync_catalogue(session)
    _park, ent, fac, proc, user, admin = _world(client, session)
    ids = {}
    for body in (
        {"code": "steam-in", "name": "外购蒸汽", "kind": "heat", "unit": "GJ",
         "settings": {"direction": "purchase", "medium": "heat"}, "facility_id": fac["U"].id,
         "allocation": {"level": "facility", "shares": [
             {"target_id": fac["A"].id, "use": "6000"},
             {"target_id": fac["B"].id, "use": "3000"},
             {"target_id": fac["U"].id, "use": "1000"}]}},
        {"code": "grid-in", "name": "外购电力", "kind": "electricity", "unit": "MWh",
         "settings": {"direction": "purchase"},
         "allocation": {"level": "process", "basis": "fraction", "shares": [
             {"target_id": proc["P1"].id, "use": "0.25"},
             {"target_id": proc["P2"].id, "use": "0.75"}]}},
        {"code": "coal", "name": "烟煤", "kind": "fuel", "unit": "t",
         "settings": {"fuel": "bituminous_coal", "use": "fuel"}, "facility_id": fac["A"].id},
    ):
        r = _source(user, ent, **body)
        assert r.status_code == 201, r.text
        ids[body["code"]] = r.json()["id"]
    for month, steam in (("2023-01", "10000"), ("2023-02", "8000")):
        _approve_month(user, admin, ent, month, [
            {"source_id": ids["steam-in"], "quantity": steam},
            {"source_id": ids["grid-in"], "quantity": "500"},
            {"source_id": ids["coal"], "quantity": "100"}])
    start, end = date(2023, 1, 1), date(2023, 2, 28)
    doc = build_document(session, ent.id, start, end)
    keys = {k.inputs[0].split("@")[0]: k for k in doc.allocation_keys}
    assert keys["steam-in"].inputs == ["steam-in@2023-01", "steam-in@2023-02"]
    assert keys["steam-in"].shares == {"A": 6000, "B": 3000, "U": 1000}
    assert (keys["grid-in"].level.value, keys["grid-in"].basis.value) == ("process", "fraction")
    run = runs.run_enterprise(session, ent.id, start, end)
    assert run.status == "succeeded", run.error
    res = run.result
    total = Decimal(res["totals"]["total_tco2e"])
    heat = Decimal(res["totals"]["heat_tco2"])
    el = Decimal(res["totals"]["electricity_tco2"])
    combustion = Decimal(res["totals"]["combustion_tco2"])
    assert heat == 18000 * Decimal("0.11") and el > 0 and combustion > 0
    facs = {x["id"]: Decimal(x["emissions_tco2e"]) for x in res["facilities"]}
    procs = {x["id"]: Decimal(x["emissions_tco2e"]) for x in res["processes"]}
    # steam by metered use; the coal (tagged A) to A; electricity to the processes, which have
    # no facility in the registry, so at facility level it is unallocated
    assert abs(facs["A"] - (heat * Decimal("0.6") + combustion)) < EPS
    assert abs(facs["B"] - heat * Decimal("0.3")) < EPS
    assert abs(facs["U"] - heat * Decimal("0.1")) < EPS
    assert abs(facs["(unallocated)"] - el) < EPS
    assert abs(procs["P1"] - el / 4) < EPS and abs(procs["P2"] - el * 3 / 4) < EPS
    for level in (facs, procs):
        assert abs(sum(level.values(), Decimal(0)) - total) < EPS
    # the breakdown route of the run reads the same levels
    got = user.get(f"{API}/accounting/runs/{run.id}/breakdown", params={"by": "facility"})
    assert {x["key"] for x in got.json()} == {"A", "B", "U", "(unallocated)"}
