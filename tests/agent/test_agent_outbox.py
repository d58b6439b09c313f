"""SQLite outbox: dedup, oldest-first batches, persistent batch ids, ack/prune, dead letters."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from agent_testkit import T0_MS, readings

from dualcarbon_agent.model import Reading, iso_from_ms
from dualcarbon_agent.outbox import BYTES_PER_ROW, Outbox, OutboxLocked


class Now:
    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_wal_and_full_sync(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as ob:
        assert ob.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert ob.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_append_is_first_write_wins_on_point_ts(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as ob:
        first = ob.append([Reading("P", T0_MS, "1.50"), Reading("Q", T0_MS, "2")])
        again = ob.append([Reading("P", T0_MS, "9.99"), Reading("P", T0_MS + 1, "3")])
        assert (first.inserted, first.duplicates) == (2, 0)
        assert (again.inserted, again.duplicates) == (1, 1)
        values = dict(ob.db.execute("SELECT point || '@' || ts, value FROM readings").fetchall())
        assert values[f"P@{T0_MS}"] == "1.50"  # text kept exactly, first write wins


def test_batches_oldest_first_and_stable_order(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as ob:
        ob.append(readings(["B"], T0_MS + 60_000, 3, 60))
        ob.append(readings(["A"], T0_MS, 3, 60))  # older data arriving later
        b1 = ob.claim_batch(4)
        assert b1 is not None
        assert [r.ts_ms for r in b1.readings] == sorted(r.ts_ms for r in b1.readings)
        assert b1.readings[0] == Reading("A", T0_MS, "1000.00")
        again = ob.claim_batch(4)  # still open: the same batch again
        assert again is not None and again.resumed
        assert (again.batch_id, again.readings) == (b1.batch_id, b1.readings)
        ob.mark_acked(b1.batch_id)
        b2 = ob.claim_batch(4)
        assert b2 is not None and b2.batch_id != b1.batch_id and len(b2.readings) == 2
        assert min(r.ts_ms for r in b2.readings) >= max(r.ts_ms for r in b1.readings)


def test_open_batch_survives_a_restart_with_the_same_id(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    ob = Outbox(path)
    ob.append(readings(["P", "Q"], T0_MS, 10, 60))
    claimed = ob.claim_batch(7)
    ob.record_attempt(claimed.batch_id, "ConnectError")  # type: ignore[union-attr]
    ob.db.close()  # no clean shutdown
    ob2 = Outbox(path)
    resumed = ob2.claim_batch(100)  # a bigger limit does not change the resumed batch
    assert resumed is not None and claimed is not None
    assert resumed.batch_id == claimed.batch_id and resumed.readings == claimed.readings
    assert resumed.resumed and resumed.attempts == 1
    status = ob2.status()
    assert (status.in_flight, status.pending, status.queue_depth) == (7, 13, 20)
    assert status.in_flight_batch == claimed.batch_id
    assert status.oldest_unsent_ts == iso_from_ms(T0_MS)
    ob2.close()


def test_ack_updates_watermarks_and_prune_respects_keep_window(tmp_path: Path) -> None:
    now = Now()
    with Outbox(tmp_path / "o.db", now=now) as ob:
        ob.append(readings(["P"], T0_MS, 5, 60))
        batch = ob.claim_batch(3)
        assert batch is not None
        ob.mark_acked(batch.batch_id, answer={"accepted": 3})
        status = ob.status()
        assert status.last_acked_ts == iso_from_ms(T0_MS + 120_000)
        assert status.last_ack_at == 1000.0 and status.acked_batches == 1
        assert status.queue_depth == 2 and status.rows == 5
        assert ob.prune(keep_acked_s=3600) == 0  # kept for re-poll dedup
        now.t += 3601
        assert ob.prune(keep_acked_s=3600) == 3
        assert ob.status().rows == 2
        ob.mark_acked(batch.batch_id)  # a late duplicate ack is harmless
        assert ob.status().acked_batches == 1


def test_rejected_batch_goes_to_dead_letters_and_can_be_requeued(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as ob:
        ob.append(readings(["P", "Q"], T0_MS, 3, 60))
        batch = ob.claim_batch(4)
        assert batch is not None
        assert ob.mark_rejected(batch.batch_id, 422, "HTTP 422: unknown point") == 4
        status = ob.status()
        assert (status.dead_letters, status.queue_depth, status.rejected_batches) == (4, 2, 1)
        letters = ob.dead_letters()
        assert {d["reason"] for d in letters} == {"HTTP 422: unknown point"}
        assert {d["http_status"] for d in letters} == {422}
        assert letters[0]["ts"] == iso_from_ms(T0_MS)
        assert ob.requeue_dead_letters() == 4
        assert ob.status().dead_letters == 0 and ob.status().queue_depth == 6


def test_per_reading_rejections_inside_an_ack(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as ob:
        ob.append(readings(["P", "Q"], T0_MS, 2, 60))
        batch = ob.claim_batch(10)
        assert batch is not None
        refused = batch.readings[1]
        ob.mark_acked(batch.batch_id, rejected=[(1, "unknown point"), (99, "bogus index")])
        letters = ob.dead_letters()
        assert [(d["point"], d["reason"]) for d in letters] == [(refused.point, "unknown point")]
        assert ob.status().queue_depth == 0


def test_release_gives_readings_back(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as ob:
        ob.append(readings(["P"], T0_MS, 4, 60))
        batch = ob.claim_batch(4)
        assert batch is not None
        ob.release_batch(batch.batch_id, "HTTP 413")
        smaller = ob.claim_batch(2)
        assert smaller is not None and smaller.batch_id != batch.batch_id
        assert smaller.readings == batch.readings[:2]


def test_overflow_is_counted_never_silent(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with Outbox(tmp_path / "o.db", capacity_rows=10) as ob:
        result = ob.append(readings(["P"], T0_MS, 15, 60))
        assert (result.inserted, result.overflow) == (10, 5)
        assert ob.status().overflow_dropped == 5
        assert "NOT stored" in caplog.text
        batch = ob.claim_batch(10)
        assert batch is not None
        ob.mark_acked(batch.batch_id)
        ob.prune(0)
        assert ob.append(readings(["P"], T0_MS + 15 * 60_000, 3, 60)).inserted == 3


def test_single_writer_lock(tmp_path: Path) -> None:
    a, b = Outbox(tmp_path / "o.db"), Outbox(tmp_path / "o.db")
    a.lock()
    with pytest.raises(OutboxLocked):
        b.lock()
    a.close()
    b.lock()  # released with its holder
    b.close()


def test_bytes_per_row_estimate_holds(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    n = 20_000
    points = [f"ENT{e:03d}.E.M{m:03d}.EP_IMP" for e in range(10) for m in range(10)]
    with Outbox(path) as ob:
        rows = [
            Reading(points[i % 100], T0_MS + (i // 100) * 900_000, f"{123456.78 + i / 100:.2f}")
            for i in range(n)
        ]
        ob.append(rows)
        while (batch := ob.claim_batch(500)) is not None and len(batch.readings) == 500:
            if batch.readings[0].ts_ms > T0_MS + 100 * 900_000:
                break
            ob.mark_acked(batch.batch_id)
        ob.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    per_row = os.path.getsize(path) / n
    print(f"outbox footprint {per_row:.0f} B/row")
    assert per_row <= BYTES_PER_ROW
