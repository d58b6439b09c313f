"""End to end: approved activity data → the "accounting.rerun" job the approval enqueues → a
stored run on the document built from the approved data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from dualcarbon.accounting import jobs, service
from dualcarbon.activity.service import build_document
from dualcarbon.core.accounting.engine import account
from dualcarbon.factors import service as factors
from dualcarbon.jobs.models import Job
from testkit import As, make_enterprise, make_park, make_user, token_for

API = "/api/v1"


def test_approval_job_runs_accounting_on_approved_data(client, session):
    factors.sync_catalogue(session)
    park = make_park(session)
    ent = make_enterprise(session, park)
    user = As(client, token_for(session, make_user(session, "enterprise_user", enterprise=ent)))
    admin = As(client, token_for(session, make_user(session, "park_admin", park=park)))
    r = user.post(f"{API}/activity-sources", json={
        "enterprise_id": ent.id, "code": "coal", "name": "烟煤", "kind": "fuel", "unit": "t",
        "settings": {"fuel": "bituminous_coal", "use": "fuel"}})
    assert r.status_code == 201, r.text
    src = r.json()["id"]
    ds = user.post(f"{API}/activity-datasets", json={"enterprise_id": ent.id,
                                                     "month": "2023-03"}).json()
    assert user.post(f"{API}/activity-datasets/{ds['id']}/records",
                     json={"source_id": src, "quantity": "1000"}).status_code == 200
    user.post(f"{API}/activity-datasets/{ds['id']}/submit")
    assert admin.post(f"{API}/activity-datasets/{ds['id']}/approve", json={}).status_code == 200
    job = session.scalar(select(Job).where(Job.name == "accounting.rerun",
                                           Job.enterprise_id == ent.id))
    assert job is not None
    out = jobs.rerun_on_approval(session, dict(job.payload), lambda p: None)
    run = service.get_run(session, service.SYSTEM_SCOPE, out["run_id"])
    assert run.status == "succeeded" and run.trigger == "job"
    assert (run.period_start, run.period_end, run.period_kind) == (
        date(2023, 3, 1), date(2023, 3, 31), "month")
    doc = build_document(session, ent.id, date(2023, 3, 1), date(2023, 3, 31))
    expected = account(doc, factors.parameter_set(session, park.id)).totals.total_tco2e
    assert Decimal(run.result["totals"]["total_tco2e"]) == expected > 0
    assert Decimal(run.document["fuels"][0]["amount"]) == 1000
