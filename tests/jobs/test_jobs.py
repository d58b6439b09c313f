"""Durable jobs: enqueued in the caller's transaction, claimed once, retried, progress recorded,
periodic jobs fired by one worker only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from dualcarbon.jobs import service as jobs
from dualcarbon.jobs.models import Job, Schedule

calls: list[dict] = []


@jobs.job("test.echo")
def _echo(session, payload, progress):
    progress(50)
    calls.append(payload)
    return {"echo": payload["x"]}


@jobs.job("test.fail")
def _fail(session, payload, progress):
    raise RuntimeError("boom")


def _factory(session):
    return sessionmaker(
        bind=session.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )


def test_enqueue_claim_run(session):
    job = jobs.enqueue(session, "test.echo", {"x": 7})
    factory = _factory(session)
    assert jobs.run_one(factory, "w1") is True
    session.expire_all()
    done = session.get(Job, job.id)
    assert (done.status, done.progress, done.result, done.attempts) == ("done", 100, {"echo": 7}, 1)
    assert jobs.run_one(factory, "w1") is False


def test_failure_retries_then_fails(session):
    job = jobs.enqueue(session, "test.fail", {})
    factory = _factory(session)
    jobs.run_one(factory, "w1")
    session.expire_all()
    row = session.get(Job, job.id)
    assert row.status == "queued" and "boom" in row.error
    row.max_attempts = 1
    row.run_after = row.created_at
    session.flush()
    jobs.run_one(factory, "w1")
    session.expire_all()
    assert session.get(Job, job.id).status == "failed"


def test_claim_skips_running_jobs_with_live_lease(session):
    jobs.enqueue(session, "test.echo", {"x": 1})
    first = jobs.claim(session, "w1", 300)
    assert first is not None
    assert jobs.claim(session, "w2", 300) is None


def test_periodic_fires_once_per_interval(session):
    fired = []
    jobs.every(3600, "test.periodic")(lambda s: fired.append(1))
    factory = _factory(session)
    jobs.fire_due_periodic(factory, "w1")
    jobs.fire_due_periodic(factory, "w2")
    assert fired == [1]
    assert session.scalar(select(Schedule).where(Schedule.name == "test.periodic")) is not None
    jobs._PERIODIC.pop("test.periodic")
