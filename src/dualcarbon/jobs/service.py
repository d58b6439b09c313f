"""Enqueue, claim, run. Enqueue happens inside the caller's transaction (a job exists only if the
request committed). Claiming is safe across processes: PostgreSQL uses FOR UPDATE SKIP LOCKED;
SQLite serialises writers (BEGIN IMMEDIATE), so a claim is an atomic read-and-mark."""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from dualcarbon.db.session import unit_of_work
from dualcarbon.db.types import utcnow
from dualcarbon.jobs.models import Job, Schedule

log = logging.getLogger("dualcarbon.jobs")

JobFn = Callable[[Session, dict[str, Any], "Progress"], dict[str, Any] | None]
_JOBS: dict[str, JobFn] = {}


@dataclass(frozen=True)
class Periodic:
    name: str
    seconds: int
    fn: Callable[[Session], None]


_PERIODIC: dict[str, Periodic] = {}


def job(name: str) -> Callable[[JobFn], JobFn]:
    def register(fn: JobFn) -> JobFn:
        _JOBS[name] = fn
        return fn

    return register


def every(
    seconds: int, name: str
) -> Callable[[Callable[[Session], None]], Callable[[Session], None]]:
    def register(fn: Callable[[Session], None]) -> Callable[[Session], None]:
        _PERIODIC[name] = Periodic(name, seconds, fn)
        return fn

    return register


def registered() -> tuple[set[str], set[str]]:
    return set(_JOBS), set(_PERIODIC)


def enqueue(
    session: Session,
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    park_id: int | None = None,
    enterprise_id: int | None = None,
    delay_seconds: int = 0,
) -> Job:
    row = Job(
        name=name,
        payload=payload or {},
        park_id=park_id,
        enterprise_id=enterprise_id,
        run_after=utcnow() + timedelta(seconds=delay_seconds),
    )
    session.add(row)
    session.flush()
    return row


class Progress:
    def __init__(self, factory: sessionmaker[Session], job_id: int) -> None:
        self._factory, self._job_id = factory, job_id

    def __call__(self, percent: int) -> None:
        with unit_of_work(self._factory) as s:
            row = s.get(Job, self._job_id)
            if row is not None:
                row.progress = max(0, min(100, int(percent)))


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


def claim(session: Session, me: str, lease_seconds: int) -> Job | None:
    now = utcnow()
    stmt = (
        select(Job)
        .where(
            or_(
                Job.status == "queued", (Job.status == "running") & (Job.locked_until < now)
            ),  # a dead worker's job
            Job.run_after <= now,
        )
        .order_by(Job.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    row = session.scalar(stmt)
    if row is None:
        return None
    row.status, row.locked_by = "running", me
    row.locked_until = now + timedelta(seconds=lease_seconds)
    row.attempts += 1
    session.flush()
    return row


def run_one(factory: sessionmaker[Session], me: str, lease_seconds: int = 300) -> bool:
    """Claim and run one job. Returns False when there was nothing to do."""
    with unit_of_work(factory) as s:
        row = claim(s, me, lease_seconds)
        if row is None:
            return False
        job_id, name, payload = row.id, row.name, dict(row.payload)
    fn = _JOBS.get(name)
    try:
        if fn is None:
            raise LookupError(f"no job registered as {name!r}")
        with unit_of_work(factory) as s:
            result = fn(s, payload, Progress(factory, job_id))
        with unit_of_work(factory) as s:
            done = s.get_one(Job, job_id)
            done.status, done.progress, done.result = "done", 100, result
            done.finished_at, done.locked_until = utcnow(), None
    except Exception:
        log.exception("job %s #%s failed", name, job_id)
        with unit_of_work(factory) as s:
            failed = s.get_one(Job, job_id)
            failed.error = traceback.format_exc()[-4000:]
            failed.locked_until = None
            if failed.attempts >= failed.max_attempts:
                failed.status, failed.finished_at = "failed", utcnow()
            else:
                failed.status = "queued"
                failed.run_after = utcnow() + timedelta(seconds=10 * 2**failed.attempts)
    return True


def fire_due_periodic(factory: sessionmaker[Session], me: str) -> int:
    fired = 0
    for p in list(_PERIODIC.values()):
        now = utcnow()
        with unit_of_work(factory) as s:
            stmt = select(Schedule).where(Schedule.name == p.name)
            if s.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            row = s.scalar(stmt)
            if row is None:
                row = Schedule(name=p.name, next_run_at=now)
                s.add(row)
                s.flush()
            if row.next_run_at > now or (row.locked_until and row.locked_until > now):
                continue
            row.locked_by, row.locked_until = me, now + timedelta(seconds=max(p.seconds, 60))
        try:
            with unit_of_work(factory) as s:
                p.fn(s)
            fired += 1
        except Exception:
            log.exception("periodic job %s failed", p.name)
        finally:
            with unit_of_work(factory) as s:
                row = s.get_one(Schedule, p.name)
                row.locked_by, row.locked_until = None, None
                row.next_run_at = utcnow() + timedelta(seconds=p.seconds)
    return fired


class Runner:
    """The worker loop, in a thread (embedded mode) or as `dualcarbon worker`."""

    def __init__(
        self, factory: sessionmaker[Session], poll_seconds: float = 1.0, lease_seconds: int = 300
    ) -> None:
        self.factory, self.poll, self.lease = factory, poll_seconds, lease_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def loop(self) -> None:
        from dualcarbon.jobs.catalogue import import_all_jobs  # domains import jobs, not back

        import_all_jobs()
        me = worker_id()
        while not self._stop.is_set():
            try:
                fire_due_periodic(self.factory, me)
                while not self._stop.is_set() and run_one(self.factory, me, self.lease):
                    pass
            except Exception:
                log.exception("job runner iteration failed")
            self._stop.wait(self.poll)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.loop, name="dualcarbon-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
