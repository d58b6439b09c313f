"""Fault injection end to end: the REAL edge agent uploading to the REAL app served by uvicorn on
a loopback port, over a fresh database of the kind under test. Each test counts the readings at
the source and in the database (and in the month rollups, which must not count a resend twice):
zero lost, zero duplicated.

(a) kill -9 of the agent process while an answer is in flight (the server has committed, the
    agent never hears it), twice, then a clean drain;
(b) the server killed mid-drain and kept down while a simulated week of 15-min readings piles up
    in the agent's outbox, then restarted;
(c) every batch sent twice, and the same readings re-queued in new batches after their ack.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "agent"))

from agent_testkit import KEY_ID, SECRET, T0_MS, keys, readings, write_config

from dualcarbon.collection.models import DeviceKey, Reading, ReadingRollup
from dualcarbon.db.engine import make_engine
from dualcarbon.db.migrate import upgrade
from dualcarbon.registry.models import MeteringPoint
from dualcarbon_agent.config import load_config
from dualcarbon_agent.scheduler import Agent
from dualcarbon_agent.uploader import Outcome
from testkit import LiveServer, fresh_database_url, make_enterprise, make_park, make_point

POINTS = [f"ENT001.E.M{i:03d}.EP_IMP" for i in range(5)]
WEEK_POINTS = [f"ENT002.STM.P{i}" for i in range(6)]


class HoldingProxy:
    """Forwards to the live server; for the n-th request (1-based, in ``hold``) it waits with the
    answer after the server has answered (= committed), so the agent can be killed then."""

    def __init__(self, target: str, hold: set[int]) -> None:
        self.target, self.hold = target, hold
        self.requests = 0
        self.lock = threading.Lock()
        self.holding, self.release = threading.Event(), threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length", "connection")}
                answer = httpx.post(proxy.target + self.path, content=body, headers=headers,
                                    timeout=30)
                with proxy.lock:
                    proxy.requests += 1
                    n = proxy.requests
                if n in proxy.hold:
                    proxy.holding.set()
                    proxy.release.wait(30)
                    proxy.release.clear()
                try:
                    self.send_response(answer.status_code)
                    for k in ("content-type", "date", "retry-after"):
                        if k in answer.headers:
                            self.send_header(k, answer.headers[k])
                    self.send_header("Content-Length", str(len(answer.content)))
                    self.end_headers()
                    self.wfile.write(answer.content)
                except OSError:  # the agent was killed while we held its answer
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def live(db_kind: str, database_url: str, settings: Any,
         tmp_path: Path) -> Iterator[dict[str, Any]]:
    url = fresh_database_url(db_kind, database_url, tmp_path, "live")
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as s:
        park = make_park(s)
        ent = make_enterprise(s, park)
        for code in POINTS + WEEK_POINTS:
            make_point(s, ent, code=code, unit="kWh", measurement="cumulative")
        s.add(DeviceKey(park_id=park.id, enterprise_id=ent.id, key_id=KEY_ID, name="edge",
                        secret=SECRET.decode(), algorithm="hmac-sm3", created_by="test"))
        s.commit()
    server = LiveServer(url, settings.security.secret_key.get_secret_value(), tmp_path / "data")
    server.start()
    try:
        yield {"engine": engine, "server": server, "tmp": tmp_path}
    finally:
        server.kill()
        engine.dispose()
        if db_kind == "postgresql":
            name = url.rsplit("/", 1)[1]
            admin = create_engine(url.rsplit("/", 1)[0] + "/postgres",
                                  isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def db_report(engine: Any, source: list[tuple[str, str]]) -> dict[str, int]:
    src = Counter((p, datetime.fromisoformat(ts.replace("Z", "+00:00"))) for p, ts in source)
    with Session(engine) as s:
        rows = s.execute(select(MeteringPoint.code, Reading.ts)
                         .join(MeteringPoint, MeteringPoint.id == Reading.point_id)).all()
        rollup = s.scalar(select(func.coalesce(func.sum(ReadingRollup.count), 0))
                          .where(ReadingRollup.grain == "m"))
    stored = Counter((code, ts) for code, ts in rows)
    return {"source": sum(src.values()), "stored": sum(stored.values()),
            "missing": sum(1 for k in src if k not in stored),
            "stored_twice": sum(1 for k in stored if stored[k] > 1),
            "unexpected": sum(1 for k in stored if k not in src),
            "rollup_count": int(rollup or 0)}


def exactly_once(report: dict[str, int]) -> None:
    print(report)
    assert report["missing"] == report["stored_twice"] == report["unexpected"] == 0
    assert report["stored"] == report["source"] == report["rollup_count"]


def _agent_cmd(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "dualcarbon_agent", *args, "--config", str(config)]


def test_a_kill_9_agent_mid_upload(live: dict[str, Any]) -> None:
    from dualcarbon_agent.outbox import Outbox

    tmp, server = live["tmp"], live["server"]
    source = readings(POINTS, T0_MS, 200, 60)  # 1 000 readings, batches of 100
    proxy = HoldingProxy(server.url, hold={3, 7})
    try:
        config = write_config(tmp, proxy.url)
        with Outbox(tmp / "outbox.db") as outbox:
            assert outbox.append(source).inserted == 1000
        for _ in range(2):
            proc = subprocess.Popen(_agent_cmd(config, "drain"), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
            try:
                assert proxy.holding.wait(60), proc.stderr.read() if proc.stderr else ""
                os.kill(proc.pid, signal.SIGKILL)
                assert proc.wait(10) == -signal.SIGKILL
            finally:
                if proc.poll() is None:
                    proc.kill()
                proc.communicate()
            proxy.holding.clear()
            proxy.release.set()
        done = subprocess.run(_agent_cmd(config, "drain", "--timeout", "60"),
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
    finally:
        proxy.stop()
    report = db_report(live["engine"], keys(source))
    exactly_once(report)
    with Session(live["engine"]) as s:
        from dualcarbon.collection.models import IngestBatch

        batches = s.scalar(select(func.count()).select_from(IngestBatch))
    assert batches == 10  # the two batches whose answer was lost were replayed, not re-stored


def test_b_server_down_for_a_simulated_week(live: dict[str, Any]) -> None:
    tmp, server = live["tmp"], live["server"]
    slots, slot_ms = 7 * 96, 900_000
    week = readings(WEEK_POINTS, T0_MS, slots, 900)  # 6 points × 672 quarter-hours = 4 032
    cfg = load_config(write_config(tmp, server.url, upload="", signature="hmac-sha256"))
    first_day = [r for r in week if r.ts_ms < T0_MS + 96 * slot_ms]
    rest = [r for r in week if r.ts_ms >= T0_MS + 96 * slot_ms]

    async def some(agent: Agent, n: int) -> list[Outcome]:
        try:
            results = [await agent.uploader.send_once() for _ in range(n)]
        finally:
            await agent.uploader.aclose()
        seen.extend((r.outcome.value, r.status, r.detail[:200]) for r in results)
        return [r.outcome for r in results]

    seen: list[tuple[str, int | None, str]] = []  # for the message when an outcome differs

    agent = Agent(cfg, drivers=[])
    try:
        agent.outbox.append(first_day)
        assert asyncio.run(some(agent, 2)) == [Outcome.ACKED, Outcome.ACKED], seen
        server.kill()  # kill -9 the server mid-drain
        agent.outbox.append(rest)  # the rest of the week arrives while it is down
    finally:
        agent.close()
    agent = Agent(cfg, drivers=[])
    try:
        assert asyncio.run(some(agent, 5)) == [Outcome.RETRY] * 5  # refused, nothing lost
        assert agent.outbox.status().queue_depth == len(week) - 200
    finally:
        agent.close()
    server.start()
    agent = Agent(cfg, drivers=[])
    try:
        assert asyncio.run(agent.drain(120))
        assert agent.outbox.status().queue_depth == 0
    finally:
        agent.close()
    report = db_report(live["engine"], keys(week))
    exactly_once(report)
    assert report["source"] == 4032


class DoubleSend(httpx.AsyncBaseTransport):
    """Sends every request twice; the agent sees only the second answer."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.sent = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        first = await self.inner.handle_async_request(request)
        await first.aread()
        await first.aclose()
        self.sent += 2
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_c_every_batch_sent_twice_and_requeued(live: dict[str, Any]) -> None:
    tmp, server = live["tmp"], live["server"]
    source = readings(POINTS, T0_MS, 200, 60)
    extra = '\n[encryption]\nalg = "sm4-gcm"\n'
    cfg = load_config(write_config(tmp, server.url, extra=extra))
    transport = DoubleSend()
    agent = Agent(cfg, transport=transport, drivers=[])
    try:
        agent.outbox.append(source)
        assert asyncio.run(agent.drain(60))
        assert transport.sent == 20
        first = db_report(live["engine"], keys(source))
        # the same readings again, in new batches with new ids: stored once, answered duplicates
        assert agent.outbox.prune(0) == 1000
        assert agent.outbox.append(source).inserted == 1000
    finally:
        agent.close()
    agent = Agent(cfg, drivers=[])
    try:
        assert asyncio.run(agent.drain(60))
        status = agent.outbox.status()
    finally:
        agent.close()
    exactly_once(first)
    second = db_report(live["engine"], keys(source))
    exactly_once(second)
    assert status.dead_letters == 0
    with Session(live["engine"]) as s:
        from dualcarbon.collection.models import IngestBatch

        dups = s.scalar(select(func.sum(IngestBatch.duplicates)))
        batches = s.scalar(select(func.count()).select_from(IngestBatch))
    assert dups == 1000 and batches == 20
