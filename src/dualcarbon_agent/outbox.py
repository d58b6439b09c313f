"""Durable store-and-forward queue: one SQLite file in WAL mode (protocols.md §6.2).

* ``readings``: one row per (point, ts) — ``UNIQUE(point, ts)``, first write wins, so a re-poll of
  the same slot is a no-op. ``batch_seq`` is NULL while the reading waits for a batch.
* ``batches``: a claimed batch keeps its id until the server answers. After a crash the same open
  batch — same id, same readings, same order — is claimed again, so the server answers it from its
  stored result instead of storing it twice.
* ``dead_letter``: readings the server refused (4xx other than 401/429, or a per-reading rejection
  inside a 200 answer), with the status and reason. Nothing is dropped silently;
  ``requeue_dead_letters`` puts them back once the cause is fixed.
* ``meta``: counters and watermarks (``last_acked_ts``, ``last_ack_at``, ``overflow_dropped``).

Every write is one transaction (``BEGIN IMMEDIATE``), ``synchronous=FULL`` — durable on power loss.
Only one process may write: :meth:`Outbox.lock` takes an exclusive ``flock`` on ``<path>.lock``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import Reading, iso_from_ms

log = logging.getLogger("dualcarbon_agent.outbox")

#: Measured footprint per pending reading (row + UNIQUE index + partial index, WAL checkpointed),
#: rounded up; the capacity check uses it. ``test_outbox_bytes_per_row`` keeps it honest.
BYTES_PER_ROW = 200

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches(
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  batch_id    TEXT NOT NULL UNIQUE,
  state       TEXT NOT NULL CHECK (state IN ('open', 'acked', 'rejected', 'released')),
  created_at  REAL NOT NULL,
  n           INTEGER NOT NULL,
  first_ts    INTEGER NOT NULL,
  last_ts     INTEGER NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  last_error  TEXT,
  closed_at   REAL,
  http_status INTEGER,
  answer      TEXT
);
CREATE INDEX IF NOT EXISTS batches_state ON batches(state, seq);
CREATE TABLE IF NOT EXISTS readings(
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  point       TEXT NOT NULL,
  ts          INTEGER NOT NULL,
  value       TEXT NOT NULL,
  quality     TEXT NOT NULL DEFAULT 'N',
  enqueued_at REAL NOT NULL,
  batch_seq   INTEGER REFERENCES batches(seq),
  UNIQUE (point, ts)
);
CREATE INDEX IF NOT EXISTS readings_pending ON readings(ts, id) WHERE batch_seq IS NULL;
CREATE INDEX IF NOT EXISTS readings_batch ON readings(batch_seq);
CREATE TABLE IF NOT EXISTS dead_letter(
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  point       TEXT NOT NULL,
  ts          INTEGER NOT NULL,
  value       TEXT NOT NULL,
  quality     TEXT NOT NULL,
  batch_id    TEXT NOT NULL,
  http_status INTEGER,
  reason      TEXT NOT NULL,
  at          REAL NOT NULL,
  UNIQUE (point, ts, batch_id)
);
"""


class OutboxLocked(RuntimeError):
    """Another agent process holds the outbox."""


@dataclass(frozen=True, slots=True)
class Batch:
    batch_id: str
    seq: int
    readings: list[Reading]
    attempts: int
    resumed: bool  # True when this batch was claimed before (crash or failed send)


@dataclass(frozen=True, slots=True)
class AppendResult:
    inserted: int
    duplicates: int
    overflow: int


@dataclass(slots=True)
class OutboxStatus:
    pending: int
    in_flight: int
    in_flight_batch: str | None
    oldest_unsent_ts: str | None
    newest_unsent_ts: str | None
    last_acked_ts: str | None
    last_ack_at: float | None
    acked_batches: int
    rejected_batches: int
    dead_letters: int
    overflow_dropped: int
    rows: int
    capacity_rows: int | None
    file_bytes: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def queue_depth(self) -> int:
        return self.pending + self.in_flight

    def as_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__slots__ if k != "extra"}
        out["queue_depth"] = self.queue_depth
        out.update(self.extra)
        return out


class Outbox:
    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        capacity_rows: int | None = None,
        now: Any = None,
    ) -> None:
        import time

        self.path = Path(path)
        self.capacity_rows = capacity_rows
        self._now = now or time.time
        self._lock_fd: int | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)
        self._rows = self._count_rows()
        self._warned_level = 0

    # ------------------------------------------------------------------ plumbing

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def lock(self) -> None:
        """Exclusive writer lock (released by the kernel if the process dies)."""
        fd = os.open(str(self.path) + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutboxLocked(f"{self.path} is in use by another agent process") from None
        self._lock_fd = fd

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _count_rows(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM readings").fetchone()[0])

    def _meta_get(self, key: str) -> str | None:
        row = self.db.execute("SELECT v FROM meta WHERE k = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _meta_set(self, key: str, value: object) -> None:
        self.db.execute(
            "INSERT INTO meta(k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
            (key, str(value)),
        )

    def _meta_add(self, key: str, amount: int) -> None:
        self.db.execute(
            "INSERT INTO meta(k, v) VALUES (?, ?) "
            "ON CONFLICT(k) DO UPDATE SET v = CAST(v AS INTEGER) + excluded.v",
            (key, amount),
        )

    # ------------------------------------------------------------------ append

    def append(self, readings: Iterable[Reading]) -> AppendResult:
        """Store readings; (point, ts) already present are ignored (first write wins)."""
        rows = list(readings)
        if not rows:
            return AppendResult(0, 0, 0)
        room = len(rows)
        if self.capacity_rows is not None:
            room = max(0, self.capacity_rows - self._rows)
        accepted, overflow = rows[:room], rows[room:]
        now = self._now()
        with self._tx() as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO readings(point, ts, value, quality, enqueued_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [(r.point, r.ts_ms, r.value, r.quality, now) for r in accepted],
            )
            inserted = db.total_changes - before
            if overflow:
                self._meta_add("overflow_dropped", len(overflow))
        self._rows += inserted
        if overflow:
            log.error(
                "outbox full (%d rows): %d new readings NOT stored (first %s @ %s); "
                "the uplink has been down longer than the buffer — see overflow_dropped",
                self._rows,
                len(overflow),
                overflow[0].point,
                overflow[0].iso_ts,
            )
        self._warn_fill()
        return AppendResult(inserted, len(accepted) - inserted, len(overflow))

    def _warn_fill(self) -> None:
        if not self.capacity_rows:
            return
        fill = self._rows / self.capacity_rows
        level = 2 if fill >= 0.8 else 1 if fill >= 0.5 else 0
        if level > self._warned_level:
            log.warning(
                "outbox %.0f %% full (%d of %d rows)", fill * 100, self._rows, self.capacity_rows
            )
        self._warned_level = level

    # ------------------------------------------------------------------ batches

    def _load_batch(self, seq: int, batch_id: str, attempts: int, resumed: bool) -> Batch:
        rows = self.db.execute(
            "SELECT point, ts, value, quality FROM readings WHERE batch_seq = ? ORDER BY ts, id",
            (seq,),
        ).fetchall()
        readings = [Reading(p, int(t), v, q) for p, t, v, q in rows]
        return Batch(batch_id, seq, readings, attempts, resumed)

    def open_batch(self) -> Batch | None:
        row = self.db.execute(
            "SELECT seq, batch_id, attempts FROM batches WHERE state = 'open' ORDER BY seq LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return self._load_batch(int(row[0]), str(row[1]), int(row[2]), True)

    def claim_batch(self, limit: int) -> Batch | None:
        """The open batch if there is one (resume), else a new batch of the oldest readings."""
        if limit < 1:
            raise ValueError("batch size must be ≥ 1")
        existing = self.open_batch()
        if existing is not None:
            if existing.readings:
                return existing
            with self._tx() as db:  # cannot normally happen; never leave an empty open batch
                db.execute("UPDATE batches SET state = 'released' WHERE seq = ?", (existing.seq,))
        with self._tx() as db:
            ids = db.execute(
                "SELECT id, ts FROM readings WHERE batch_seq IS NULL ORDER BY ts, id LIMIT ?",
                (limit,),
            ).fetchall()
            if not ids:
                return None
            batch_id = str(uuid.uuid4())
            cur = db.execute(
                "INSERT INTO batches(batch_id, state, created_at, n, first_ts, last_ts) "
                "VALUES (?, 'open', ?, ?, ?, ?)",
                (batch_id, self._now(), len(ids), ids[0][1], ids[-1][1]),
            )
            seq = int(cur.lastrowid or 0)
            db.executemany(
                "UPDATE readings SET batch_seq = ? WHERE id = ?", [(seq, i) for i, _ in ids]
            )
        return self._load_batch(seq, batch_id, 0, False)

    def record_attempt(self, batch_id: str, error: str | None) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE batches SET attempts = attempts + 1, last_error = ? WHERE batch_id = ?",
                (error, batch_id),
            )

    def mark_acked(
        self,
        batch_id: str,
        *,
        http_status: int = 200,
        answer: dict[str, Any] | None = None,
        rejected: Iterable[tuple[int, str]] = (),
    ) -> None:
        """The server committed the batch. ``rejected`` = (index, reason) of readings it refused
        inside the 200 answer; they move to the dead-letter table."""
        now = self._now()
        with self._tx() as db:
            row = db.execute(
                "SELECT seq, state, last_ts FROM batches WHERE batch_id = ?", (batch_id,)
            ).fetchone()
            if row is None or row[1] != "open":
                log.warning("ack for batch %s which is not open (%s)", batch_id, row)
                return
            seq, last_ts = int(row[0]), int(row[2])
            refused = list(rejected)
            if refused:
                ids = [
                    r[0]
                    for r in db.execute(
                        "SELECT id FROM readings WHERE batch_seq = ? ORDER BY ts, id", (seq,)
                    ).fetchall()
                ]
                for index, reason in refused:
                    if 0 <= index < len(ids):
                        self._dead_letter(db, [ids[index]], batch_id, http_status, reason, now)
                    else:
                        log.error("server rejected index %s outside batch %s", index, batch_id)
            db.execute(
                "UPDATE batches SET state = 'acked', closed_at = ?, http_status = ?, answer = ? "
                "WHERE seq = ?",
                (now, http_status, json.dumps(answer, ensure_ascii=False) if answer else None, seq),
            )
            previous = self._meta_get("last_acked_ts")
            if previous is None or int(previous) < last_ts:
                self._meta_set("last_acked_ts", last_ts)
            self._meta_set("last_ack_at", now)
            self._meta_add("acked_batches", 1)

    def _dead_letter(
        self,
        db: sqlite3.Connection,
        ids: list[int],
        batch_id: str,
        http_status: int | None,
        reason: str,
        now: float,
    ) -> int:
        """Move readings (by row id) to the dead-letter table, in the caller's transaction."""
        db.executemany(
            "INSERT OR IGNORE INTO dead_letter"
            "(point, ts, value, quality, batch_id, http_status, reason, at) "
            "SELECT point, ts, value, quality, ?, ?, ?, ? FROM readings WHERE id = ?",
            [(batch_id, http_status, reason[:2000], now, i) for i in ids],
        )
        db.executemany("DELETE FROM readings WHERE id = ?", [(i,) for i in ids])
        self._rows -= len(ids)
        return len(ids)

    def mark_rejected(self, batch_id: str, http_status: int | None, reason: str) -> int:
        """The server refused the whole batch for good: keep it in the dead-letter table."""
        now = self._now()
        with self._tx() as db:
            row = db.execute(
                "SELECT seq, state FROM batches WHERE batch_id = ?", (batch_id,)
            ).fetchone()
            if row is None or row[1] != "open":
                return 0
            seq = int(row[0])
            ids = [
                int(r[0]) for r in db.execute("SELECT id FROM readings WHERE batch_seq = ?", (seq,))
            ]
            moved = self._dead_letter(db, ids, batch_id, http_status, reason, now)
            db.execute(
                "UPDATE batches SET state = 'rejected', closed_at = ?, http_status = ?, "
                "last_error = ? WHERE seq = ?",
                (now, http_status, reason[:2000], seq),
            )
            self._meta_add("rejected_batches", 1)
        log.error(
            "batch %s rejected (HTTP %s): %s — %d readings kept in dead_letter",
            batch_id,
            http_status,
            reason,
            moved,
        )
        return moved

    def release_batch(self, batch_id: str, reason: str) -> None:
        """Give the readings back to the queue (the server stored nothing, e.g. 413)."""
        with self._tx() as db:
            row = db.execute(
                "SELECT seq, state FROM batches WHERE batch_id = ?", (batch_id,)
            ).fetchone()
            if row is None or row[1] != "open":
                return
            db.execute("UPDATE readings SET batch_seq = NULL WHERE batch_seq = ?", (row[0],))
            db.execute(
                "UPDATE batches SET state = 'released', closed_at = ?, last_error = ? "
                "WHERE seq = ?",
                (self._now(), reason, row[0]),
            )

    # ------------------------------------------------------------------ maintenance

    def prune(self, keep_acked_s: float = 0.0) -> int:
        """Delete acked readings (and closed batches) older than ``keep_acked_s``."""
        cutoff = self._now() - keep_acked_s
        with self._tx() as db:
            deleted = db.execute(
                "DELETE FROM readings WHERE batch_seq IN "
                "(SELECT seq FROM batches WHERE state = 'acked' AND closed_at <= ?)",
                (cutoff,),
            ).rowcount
            db.execute(
                "DELETE FROM batches WHERE state IN ('acked', 'released') AND closed_at <= ? "
                "AND NOT EXISTS (SELECT 1 FROM readings WHERE batch_seq = batches.seq)",
                (cutoff,),
            )
        self._rows -= deleted
        return int(deleted)

    def requeue_dead_letters(self) -> int:
        """Move dead letters back to the queue (after the cause was fixed on the server)."""
        now = self._now()
        with self._tx() as db:
            before = db.total_changes
            db.execute(
                "INSERT OR IGNORE INTO readings(point, ts, value, quality, enqueued_at) "
                "SELECT point, ts, value, quality, ? FROM dead_letter ORDER BY id",
                (now,),
            )
            added = db.total_changes - before
            db.execute("DELETE FROM dead_letter")
        self._rows += added
        return added

    def dead_letters(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT point, ts, value, quality, batch_id, http_status, reason, at "
            "FROM dead_letter ORDER BY id LIMIT ?",
            (limit,),
        ).fetchall()
        keys = ("point", "ts", "value", "quality", "batch_id", "http_status", "reason", "at")
        out = [dict(zip(keys, r, strict=True)) for r in rows]
        for item in out:
            item["ts"] = iso_from_ms(int(item["ts"]))
        return out

    def status(self) -> OutboxStatus:
        db = self.db
        pending, oldest, newest = db.execute(
            "SELECT count(*), min(ts), max(ts) FROM readings WHERE batch_seq IS NULL"
        ).fetchone()
        in_flight_row = db.execute(
            "SELECT b.batch_id, b.n, b.first_ts FROM batches b WHERE b.state = 'open' "
            "ORDER BY seq LIMIT 1"
        ).fetchone()
        in_flight = 0
        if in_flight_row is not None:
            in_flight = int(
                db.execute(
                    "SELECT count(*) FROM readings r JOIN batches b ON r.batch_seq = b.seq "
                    "WHERE b.state = 'open'"
                ).fetchone()[0]
            )
            first = int(in_flight_row[2])
            oldest = first if oldest is None else min(int(oldest), first)
        last_acked = self._meta_get("last_acked_ts")
        last_ack_at = self._meta_get("last_ack_at")
        size = 0
        for suffix in ("", "-wal"):
            with contextlib.suppress(OSError):
                size += os.path.getsize(str(self.path) + suffix)
        return OutboxStatus(
            pending=int(pending),
            in_flight=in_flight,
            in_flight_batch=None if in_flight_row is None else str(in_flight_row[0]),
            oldest_unsent_ts=None if oldest is None else iso_from_ms(int(oldest)),
            newest_unsent_ts=None if newest is None else iso_from_ms(int(newest)),
            last_acked_ts=None if last_acked is None else iso_from_ms(int(last_acked)),
            last_ack_at=None if last_ack_at is None else float(last_ack_at),
            acked_batches=int(self._meta_get("acked_batches") or 0),
            rejected_batches=int(self._meta_get("rejected_batches") or 0),
            dead_letters=int(db.execute("SELECT count(*) FROM dead_letter").fetchone()[0]),
            overflow_dropped=int(self._meta_get("overflow_dropped") or 0),
            rows=self._count_rows(),
            capacity_rows=self.capacity_rows,
            file_bytes=size,
        )

    def pending_count(self) -> int:
        return int(
            self.db.execute("SELECT count(*) FROM readings WHERE batch_seq IS NULL").fetchone()[0]
        )

    def has_work(self) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM readings WHERE batch_seq IS NULL "
            "UNION ALL SELECT 1 FROM batches WHERE state = 'open' LIMIT 1"
        ).fetchone()
        return row is not None
