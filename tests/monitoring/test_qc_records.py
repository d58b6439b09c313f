"""CEMS quality-control records with review (8.4-c)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dualcarbon.core.qc import passes, qc_result
from testkit import As, make_device, make_enterprise, make_park, make_user, token_for


@pytest.mark.parametrize(("kind", "ref", "meas", "fs", "expected"), [
    ("zero_drift", "0", "0.3", "20", "1.500"),
    ("span_drift", "16", "16.6", "20", "3.000"),
    ("relative_accuracy", "12.00", "12.96", None, "8.000"),
    ("temperature", "140", "137.5", None, "2.500"),
])
def test_qc_figures(kind, ref, meas, fs, expected):
    result = qc_result(kind, Decimal(ref), Decimal(meas), Decimal(fs) if fs else None)
    assert result == Decimal(expected)


def test_limits():
    assert passes("zero_drift", Decimal("2.5")) and not passes("span_drift", Decimal("3.000"))


def test_submit_review_flow(client, session):
    park = make_park(session)
    ent = make_enterprise(session, park)
    dev = make_device(session, ent, device_type="cems_analyser")
    user = As(client, token_for(session, make_user(session, "enterprise_user", enterprise=ent)))
    admin = As(client, token_for(session, make_user(session, "park_admin", park=park)))
    r = user.post("/api/v1/qc-records", json={
        "enterprise_id": ent.id, "kind": "span_drift", "device_id": dev.id,
        "performed_at": "2026-11-20T02:00:00Z", "reference_value": "16",
        "measured_value": "16.6", "full_scale": "20"})
    assert r.status_code == 201, r.text
    rec = r.json()
    assert (rec["result_value"], rec["passed"], rec["limit_tier"]) == ("3.000000", False, "M")
    url = f"/api/v1/qc-records/{rec['id']}/review"
    assert user.post(url, json={"decision": "approve"}).status_code == 403
    r = admin.post(url, json={"decision": "reject", "comment": "漂移超限，请重新标定"})
    assert r.json()["status"] == "rejected" and r.json()["reviewed_by"]
    assert admin.post(url, json={"decision": "approve"}).status_code == 409
    r = user.post("/api/v1/qc-records", json={
        "enterprise_id": ent.id, "kind": "zero_drift", "performed_at": "2026-11-20T02:00:00Z",
        "reference_value": "0", "measured_value": "0.1"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "full_scale"
