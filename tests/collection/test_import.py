"""Bulk CSV/Excel import: all or nothing, row-precise errors in zh-CN and en, idempotent."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook
from sqlalchemy import func, select

from dualcarbon.collection.models import Reading
from testkit import As, make_enterprise, make_park, make_point, make_user, token_for


def _xlsx(rows, sheet="读数"):
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _world(client, session):
    park = make_park(session)
    ent = make_enterprise(session, park)
    other = make_enterprise(session, park)
    pt = make_point(session, ent, unit="kWh")
    foreign = make_point(session, other)
    user = As(client, token_for(session, make_user(session, "enterprise_user", enterprise=ent)))
    return pt, foreign, user


def _count(session, pt):
    return session.scalar(select(func.count()).select_from(Reading)
                          .where(Reading.point_id == pt.id))


def test_excel_import_is_idempotent_and_keeps_digits(client, session):
    pt, _, user = _world(client, session)
    content = _xlsx([["计量点编码", "时间", "数值", "标记"],
                     [pt.code, datetime(2026, 1, 1, 8, 0), "100.50", "N"],
                     [pt.code, "2026-01-01T09:00:00+08:00", 101.25, None],
                     [None, None, None, None]])
    files = {"file": ("readings.xlsx", content)}
    r = user.post("/api/v1/readings/import", files=files)
    assert r.status_code == 200, r.text
    assert (r.json()["rows"], r.json()["accepted"], r.json()["replayed"]) == (2, 2, False)
    values = session.execute(select(Reading.ts, Reading.value).where(Reading.point_id == pt.id)
                             .order_by(Reading.ts)).all()
    # naive Excel time = park local time (UTC+8)
    assert [(ts.hour, format(v, "f")) for ts, v in values] == [(0, "100.50"), (1, "101.25")]
    again = user.post("/api/v1/readings/import", files=files).json()
    assert again["replayed"] is True and _count(session, pt) == 2


def test_bad_cells_reported_and_nothing_stored(client, session):
    pt, foreign, user = _world(client, session)
    content = _xlsx([["value", "point", "ts"],
                     ["1", pt.code, "2026-01-01 08:00"],
                     ["abc", pt.code, "2026-01-01 09:00"],
                     ["1", foreign.code, "2026-01-01 09:00"],
                     ["1", pt.code, "2099-01-01 09:00"],
                     ["-5", pt.code, "yesterday"]], sheet="Data")
    r = client.post("/api/v1/readings/import", files={"file": ("r.xlsx", content)},
                    headers={**user.headers, "Accept-Language": "en"})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "collection.import.rejected"
    assert [(e["loc"], e["type"]) for e in body["errors"]] == [
        (["Data", 3, "A"], "ingest.bad-value"),
        (["Data", 4, "B"], "ingest.unknown-point"),
        (["Data", 5, "C"], "ingest.future-timestamp"),
        (["Data", 6, "C"], "ingest.bad-timestamp"),
    ]
    assert body["errors"][0]["msg"].startswith("sheet Data, row 3, column A:")
    assert _count(session, pt) == 0
    zh = user.post("/api/v1/readings/import", files={"file": ("r.xlsx", content)}).json()
    assert zh["errors"][0]["msg"].startswith("工作表 Data 第 3 行 A 列：数值无效")


def test_csv_in_gb18030_and_missing_column(client, session):
    pt, _, user = _world(client, session)
    csv_text = f"计量点编码,时间,数值,单位\n{pt.code},2026-02-01 00:00,12.0,kWh\n"
    r = user.post("/api/v1/readings/import",
                  files={"file": ("r.csv", csv_text.encode("gb18030"))})
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
    r = user.post("/api/v1/readings/import", files={"file": ("r.csv", b"point,value\nx,1\n")})
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["csv", 1, "ts"]
    r = user.post("/api/v1/readings/import", files={"file": ("r.pdf", b"%PDF")})
    assert r.status_code == 422


def test_a_csv_that_is_not_text_is_refused_not_crashed(client, session):
    """A NUL byte (a binary file named .csv) and a broken workbook are refused as unreadable
    (422, the reason named), through the one table reader every import uses."""
    _pt, _, user = _world(client, session)
    r = user.post("/api/v1/readings/import",
                  files={"file": ("r.csv", b"point,ts,value\nA\x00B,2026-02-01 00:00,1\n")})
    assert r.status_code == 422 and r.json()["code"] == "ingest.bad-payload", r.text
    assert "csv" in r.json()["title"]
    r = user.post("/api/v1/readings/import", files={"file": ("r.xlsx", b"PK\x03\x04 not a zip")})
    assert r.status_code == 422 and "xlsx" in r.json()["title"], r.text
