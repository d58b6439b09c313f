"""Writes docs/requirements-trace.md from ../shared/spec/requirements.md and the map below.

Run: python tools/gen_trace.py. Each entry: clause → (status, where it is built, its tests).
Status: built | partly | not yet. A clause missing from the map is listed as "not yet".
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT.parent / "shared" / "spec" / "requirements.md"
OUT = ROOT / "docs" / "requirements-trace.md"

TRACE: dict[str, tuple[str, str, str]] = {
    "R4.1.1": ("partly", "layers per docs/decisions/0001 (collection, db, services, API, web UI); standards/security systems partly", "tests/server, tests/tenancy"),
    "R4.1.2": ("partly", "public JSON API /api/v1 + OpenAPI, bearer tokens for integration", "tests/server/test_server.py::test_openapi_published"),
    "R4.3": ("partly", "health/readiness/metrics endpoints (server/app.py); infrastructure itself is the operator's", "tests/server/test_server.py::test_health_ready_metrics"),
    "R4.4": ("partly", "SQLite embedded / PostgreSQL production (db/), migrations", "tests/migrations"),
    "R4.5.1": ("partly", "FastAPI app server, durable job queue (jobs/)", "tests/jobs"),
    "R4.5.2": ("partly", "role-based services for park, enterprises, verifiers, administrators (identity/roles.py)", "tests/tenancy/test_permissions.py"),
    "R4.6.1": ("partly", "web UI (web/): park overview with ECharts, master data, monitoring records and admin pages, zh-CN/en switchable; no personalisation yet", "web/e2e, web/tests/unit"),
    "R4.6.2": ("partly", "overview summary cards and charts (web/src/views/OverviewView.vue, components/DcChart.vue)", "web/e2e"),
    "R4.8.1": ("partly", "identity, access control, audit (identity/, audit/, db/tenancy.py)", "tests/identity, tests/tenancy, tests/audit"),
    "R4.8.2": ("partly", "等保 level-3 application controls: argon2id, lockout, session timeouts, TOTP, 三权分立, audit chain", "tests/identity, tests/audit"),
    "R5.1.1-f": ("partly", "user and role management (identity/)", "tests/identity"),
    "R5.2.1.2-a": ("partly", "factor library (factors/), accounting runs with results API (accounting/), annual GHG report .docx/.xlsx (accounting/report.py); 数据报送 not yet", "tests/factors, tests/accounting"),
    "R5.2.1.2-d": ("built", "factor/parameter library: query, new versions (never overwritten), history, Excel/CSV import all or nothing with per-cell zh/en errors, xlsx/CSV export; park overrides over platform defaults (factors/)", "tests/factors/test_factors_api.py, tests/factors/test_library.py"),
    "R5.2.1.2-i": ("partly", "every run stores its input snapshot and the exact parameter versions; rerun reproduces identical numbers; provenance drill-down per result line (accounting/)", "tests/accounting/test_runs.py::test_rerun_reproduces_identical_numbers"),
    "R5.1.1-d": ("partly", "measured element carbon, NCV, carbon per heat, oxidation, gas composition per datum with 检测值/计算值/缺省值 tier (core/accounting/model.py Measured)", "tests/core/accounting/test_golden.py"),
    "R5.1.1-e": ("built", "embedded defaults with source, clause and provenance tier (core/accounting/catalogue/, docs/accounting-defaults.md)", "tests/core/accounting/test_parameters.py"),
    "R5.1.3.2": ("built", "supplier heat factor preferred over the 0.11 default; park CHP supply factors (core/accounting/flows.py, park.py)", "tests/core/accounting/test_park.py"),
    "R5.1.4.2": ("built", "location grid factor: province, else region, else national, latest published year (core/accounting/flows.py)", "tests/core/accounting/test_engine_rules.py::test_location_factor_province_region_national, tests/core/test_grid_regions.py"),
    "R5.1.8": ("partly", "CO2 recovery deduction Q × PUR × ρ, no double deduction of product carbon (core/accounting/sources.py)", "tests/core/accounting/test_engine_rules.py"),
    "R5.2.1.1": ("partly", "engine per NDRC 2013 chemical guideline / GB/T 32151.10-2015 and MEE power guideline; §7 golden examples (core/accounting/)", "tests/core/accounting/test_golden.py"),
    "R5.2.1.2-c": ("built", "self-owned power plant by the MEE power guideline inside a chemical enterprise, counted once (core/accounting/power_facility.py)", "tests/core/accounting/test_engine_rules.py::test_captive_power_plant_counted_once_in_chemical_enterprise"),
    "R5.2.1.2-g": ("built", "enterprise, facility, process and product emissions, intensities and energy; shared utilities allocated by measured use (core/accounting/levels.py, energy.py, allocation; activity source allocation); results UI with breakdowns by source/facility/process/product", "tests/core/accounting/test_engine_rules.py::test_ex5_levels_process_product_facility, tests/core/accounting/test_allocation.py, tests/activity/test_source_allocation.py"),
    "R5.2.1.2-h": ("built", "park and industry-group accounting with internal supply netted and the boundary exchange shown (core/accounting/park.py); park runs for month/quarter/year, breakdowns by enterprise and industry, indicators per GDP, park report .docx/.xlsx, 园区核算 page (accounting/)", "tests/core/accounting/test_park.py, tests/accounting/test_park_report.py, web/e2e/activity-workflow.spec.ts"),
    "R5.2.1.2-b": ("partly", "enterprise base information (registry) and monthly activity data: product output, fossil fuels (fuel/feedstock), purchased/sold electricity and heat, carbon-containing inputs and wastes, acid technology and abatement, value added (activity/)", "tests/registry, tests/activity"),
    "R5.2.1.2-e": ("built", "enterprise accounting configuration: products, fuels tagged fuel/feedstock, processes (nitric/adipic acid, carbonates), CO2 recovery, energy flows, captive plant coal, each optionally bound to a metering point (activity/ sources)", "tests/activity/test_activity.py"),
    "R5.1.5.1": ("partly", "process activity data entered by form or the Excel/CSV template (report tables, per-cell errors zh/en, all or nothing), submit → approve/return, locked when approved, corrections as new versions (activity/)", "tests/activity"),
    "R5.1.5.2": ("partly", "measured parameters per month (NCV, carbon content, purity, N2O generation/abatement) with data source 检测报告 and evidence attachments (sha256) (activity/)", "tests/activity/test_activity.py, tests/activity/test_sheets.py"),
    "R5.2.1.2-f": ("built", "park base information (registry: parks); park base data per year or month: area, GDP, industrial output and value added, population, employees, purchased/exported electricity and heat at the park boundary, fossil fuels consumed, general and hazardous waste, with CRUD, audit and Excel export (parkbase/); park runs show indicators per 10^4 CNY GDP and the cross-check of the boundary figures against the enterprises' sums (core/accounting/park_base.py)", "tests/parkbase/test_parkbase.py"),
    "R5.2.2.2-a": ("partly", "实时监测 page over server-sent events (collection/live.py, web/src/views/monitoring/RealtimeView.vue), history from rollups, alarm rules evaluated on arrival + events workflow (monitoring/), CEMS CO2 hours; 碳排放分析 as charts per point/report only", "tests/collection/test_live_stream.py, tests/monitoring, web/e2e/realtime.spec.ts"),
    "R5.2.2.2-b": ("partly", "real-time monitoring with stale/flag indicators, alarms (threshold, rate, flat line, missing data, CEMS validity, calibration overdue), history query, basic information of devices and points (registry)", "tests/collection/test_live_stream.py, tests/monitoring, tests/registry, web/e2e/realtime.spec.ts"),
    "R5.2.2.2-c": ("partly", "O&M records: maintenance, 报备 (filing), materials, personnel (monitoring/ OmRecord, web 运维记录)", "tests/monitoring/test_monitoring_api.py, web/e2e/records.spec.ts"),
    "R5.2.2.2-d": ("built", "在线监测日报/月报/年报 per enterprise from rollups with CEMS CO2 mass, summary rows, Excel export (collection/reports.py, web 监测报表)", "tests/collection/test_monitoring_report.py, web/e2e/realtime.spec.ts"),
    "R6.1-c": ("partly", "sensor data pushed to the page within 0.3 s p95 (bench/live_latency.py, docs/performance.md); the 5-minute update frequency is the devices' configuration", "tests/collection/test_live_stream.py (< 2 s end to end)"),
    "R8.4-c": ("partly", "QC records (zero/span drift, calibration, comparison) with review workflow, calibration-overdue alarms (monitoring/)", "tests/monitoring/test_qc_records.py"),
    "R5.1.1-a": ("partly", "energy readings through HTTP/MQTT/HJ 212/import doors into one ingestion service; activity data for fuels, electricity, heat (collection/, activity/)", "tests/collection, tests/protocols, tests/activity"),
    "R5.1.7": ("partly", "GHG-CEMS over HJ 212: CO2 rate and mass from concentration, flow, moisture, T, p; validity and substitution; CEMS-vs-calculated comparison (core/cems.py, protocols/cems_service.py); manual data as import", "tests/core/test_cems.py, tests/protocols/test_cems_service.py"),
    "R6.3-a": ("partly", "/healthz, /readyz, Prometheus /metrics", "tests/server/test_server.py"),
    "R7": ("partly", "docs/decisions/0001-foundation.md; security checklist controls for identity, access, audit", "tests/identity, tests/tenancy, tests/audit"),
    "R8.1-e": ("built", "device calibration interval and due date, overdue/due-soon status and filter (registry/service.py, core/registry_rules.py)", "tests/registry/test_registry_api.py::TestOtherResources::test_device_calibration_due_and_status"),
    "R4.2.1": ("partly", "one ingestion service for every door: validation, dedup, rollups (collection/service.py, pg_bulk.py); HJ 212/MQTT doors by the protocols work", "tests/collection/test_ingest_service.py"),
    "R4.2.3-a": ("partly", "manual/invoice monthly entries (collection/ledgers.py, /invoice-entries)", "tests/collection/test_ledgers_api.py"),
    "R4.2.3-b": ("built", "HTTP batch door and CSV/Excel bulk import (collection/devicekeys.py, imports.py)", "tests/collection/test_door_api.py, tests/collection/test_import.py"),
    "R4.2.3-c": ("partly", "edge agent → signed HTTP batch door (collection/devicekeys.py)", "tests/collection/test_agent_to_server.py"),
    "R5.1.2.1": ("partly", "remote meter reading, daily records, monthly ledgers from rollups (collection/ledgers.py, core/meter.py)", "tests/collection/test_ledgers_api.py"),
    "R5.1.3.1": ("partly", "heat/steam points: daily records and monthly ledgers from rollups (collection/ledgers.py)", "tests/collection/test_ledgers_api.py"),
    "R5.1.4.1": ("partly", "electricity meters: interval consumption with rollover and replacement, daily records, monthly ledgers (core/meter.py, collection/ledgers.py)", "tests/core/test_meter.py, tests/collection/test_ledgers_api.py"),
    "R8.2": ("built", "values stored as read, significant digits kept (DecimalAsRead; decimal strings end to end)", "tests/collection/test_ingest_service.py::test_accepts_keeps_digits_and_dedupes, tests/collection/test_door_api.py"),
    "R8.3-a": ("partly", "device door: HMAC-SM3/SHA-256 signature, SM4/AES payload encryption, idempotent resend (collection/devicekeys.py); HJ 212 door: CRC/length check, 9014 only after commit, gap → history request (protocols/hj212_server.py); MQTT door: PUBACK after commit + application ack, broker-restart recovery (protocols/mqtt_ingest.py)", "tests/collection/test_door_api.py, tests/collection/test_agent_to_server.py, tests/protocols"),
    "R8.3-b": ("partly", "server side of store-and-forward: idempotent batch ids, dedup on (point, ts), week-long backlog accepted", "tests/collection/test_agent_to_server.py"),
    "R8.4-b": ("partly", "meter ledger vs settlement invoice cross-check with deviation % per month (core/meter.py, /ledger-cross-check)", "tests/core/test_meter.py, tests/collection/test_ledgers_api.py"),
    "R8.5": ("partly", "web UI + public OpenAPI for secondary development", "tests/server, web/e2e"),
    "R9-b": ("partly", "migrations (dualcarbon migrate), master-data dictionaries (reference API)", "tests/migrations"),
    "R8.1-d": ("partly", "GHG-CEMS CO2 arithmetic per HJ 212 Annex D: dry/wet, standard state, rate and mass (core/cems.py); HJ 212 CEMS packets ingested", "tests/core/test_cems.py, tests/protocols/test_hj212_server.py"),
    "R5.2.2.1": ("partly", "CO2 CEMS validity (45 min/h, 20 h/d, 25 d/month), configurable substitution, CEMS-vs-calculated comparison (core/cems.py); hours computed every 10 min and again at once when a reading is corrected (protocols/cems_service.py)", "tests/core/test_cems.py, tests/protocols/test_cems_service.py::test_a_corrected_reading_recomputes_its_cems_hour"),
    "R9-c": ("partly", "security policy administration, audit log", "tests/identity, tests/audit"),
}


def main() -> None:
    rows = []
    for line in SPEC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\| (R[\w.\-]+) \| ([^|]*) \| (.*) \|$", line)
        if not m:
            continue
        cid, level, text = m.group(1), m.group(2).strip(), m.group(3).strip()
        status, where, tests = TRACE.get(cid, ("not yet", "", ""))
        short = text if len(text) <= 60 else text[:58] + "…"
        rows.append(f"| {cid} | {level} | {short} | {status} | {where} | {tests} |")
    counts = {s: sum(1 for r in rows if f"| {s} |" in r) for s in ("built", "partly", "not yet")}
    OUT.write_text(
        "# Requirements trace\n\n"
        "Generated by `python tools/gen_trace.py` from `../shared/spec/requirements.md` and the map "
        "in that script — edit the map, not this file.\n\n"
        f"Status counts: built {counts['built']}, partly {counts['partly']}, "
        f"not yet {counts['not yet']}.\n\n"
        "| clause | level | text | status | where | tests |\n|---|---|---|---|---|---|\n"
        + "\n".join(rows) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(rows)} clauses; {counts})")


if __name__ == "__main__":
    main()
