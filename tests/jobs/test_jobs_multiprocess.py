"""Jobs survive restarts and several worker processes split them without running one twice."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy import func, select, text

from dualcarbon.db.engine import make_engine, make_sessionmaker
from dualcarbon.db.migrate import upgrade
from dualcarbon.db.session import unit_of_work
from dualcarbon.jobs import service as jobs
from dualcarbon.jobs.models import Job
from testkit import fresh_database_url

WORKER = textwrap.dedent('''
    import sys, time
    from sqlalchemy import text
    from dualcarbon.db.engine import make_engine, make_sessionmaker
    from dualcarbon.jobs import service as jobs

    @jobs.job("test.mark")
    def mark(session, payload, progress):
        session.execute(text("INSERT INTO marks (job, worker) VALUES (:j, :w)"),
                        {"j": payload["n"], "w": sys.argv[2]})
        time.sleep(0.05)
        return None

    factory = make_sessionmaker(make_engine(sys.argv[1]))
    # Start barrier: both processes are up before the first claim, so neither can drain the
    # queue alone while the other is still importing.
    barrier = sys.argv[4]
    open(f"{barrier}/ready-{sys.argv[2]}", "w").close()
    while not __import__("os").path.exists(f"{barrier}/go"):
        time.sleep(0.02)
    deadline = time.time() + float(sys.argv[3])
    while time.time() < deadline:
        if jobs.run_one(factory, sys.argv[2], 60):
            time.sleep(0.01)  # handler work outside the database; lets the other claim
        else:
            time.sleep(0.05)
''')


def _fresh(db_kind: str, database_url: str, tmp_path: Path) -> str:
    return fresh_database_url(db_kind, database_url, tmp_path, "jobs")


def test_two_workers_run_each_job_once(db_kind, database_url, tmp_path):
    url = _fresh(db_kind, database_url, tmp_path)
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE marks (job INTEGER, worker VARCHAR(20))"))
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as s:  # enqueued, committed: survives any restart from here on
        for n in range(60):
            jobs.enqueue(s, "test.mark", {"n": n})
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    procs = [subprocess.Popen([sys.executable, str(script), url, f"w{i}", "30", str(tmp_path)])
             for i in range(2)]
    ready_by = time.time() + 30
    while time.time() < ready_by and not all(
            (tmp_path / f"ready-w{i}").exists() for i in range(2)):
        time.sleep(0.05)
    (tmp_path / "go").touch()
    deadline = time.time() + 25
    while time.time() < deadline:
        with engine.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM marks")).scalar() >= 60:
                break
        time.sleep(0.2)
    for p in procs:
        p.kill()
        p.wait()
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT job, worker FROM marks")).all()
    assert sorted(r.job for r in rows) == list(range(60))  # each exactly once
    assert len({r.worker for r in rows}) == 2  # both workers took part
    with unit_of_work(factory) as s:
        assert s.scalar(select(func.count()).select_from(Job).where(Job.status == "done")) == 60
    engine.dispose()
