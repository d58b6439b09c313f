"""Fault injection with counting: every reading at the source must be stored exactly once.

(a) kill -9 of the agent process while the server holds its answer, restart, drain;
(b) server down for a simulated week of 15-min readings (virtual clock), then up;
(c) every batch sent twice, and readings re-queued after their ack;
(d) tampered body, wrong signature, stale timestamp — refused by the door, nothing lost.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from agent_testkit import (
    KEY_ID,
    PATH,
    SECRET,
    T0_MS,
    FakeIngestServer,
    free_port,
    keys,
    readings,
    write_config,
)

from dualcarbon.core import devicecrypto
from dualcarbon_agent.clock import ManualClock
from dualcarbon_agent.config import load_config
from dualcarbon_agent.model import iso_from_ms
from dualcarbon_agent.outbox import Outbox
from dualcarbon_agent.scheduler import Agent
from dualcarbon_agent.uploader import Outcome

POINTS = [f"ENT001.E.M{i:03d}.EP_IMP" for i in range(5)]
EXACTLY_ONCE = {"missing": 0, "stored_twice": 0, "unexpected": 0}


def _once(report: dict[str, int]) -> None:
    print(report)
    assert {k: report[k] for k in EXACTLY_ONCE} == EXACTLY_ONCE
    assert report["stored"] == report["source"]


def _agent_cmd(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "dualcarbon_agent", *args, "--config", str(config)]


# --------------------------------------------------------------------------- (a) kill -9


def test_a_kill_9_mid_upload_restart_drain_exactly_once(tmp_path: Path) -> None:
    source = readings(POINTS, T0_MS, 200, 60)  # 1000 readings → 10 batches of 100
    with FakeIngestServer() as server:
        server.hold_after_commit = {3, 7}  # committed, answer held → the agent never sees it
        config = write_config(tmp_path, server.url)
        with Outbox(tmp_path / "outbox.db") as outbox:
            assert outbox.append(source).inserted == 1000
        for _ in range(2):
            proc = subprocess.Popen(
                _agent_cmd(config, "drain"), stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            try:
                assert server.holding.wait(30), proc.stderr.read() if proc.stderr else ""
                os.kill(proc.pid, signal.SIGKILL)
                assert proc.wait(10) == -signal.SIGKILL
            finally:
                if proc.poll() is None:
                    proc.kill()
                proc.communicate()
            server.holding.clear()
            server.release.set()
        done = subprocess.run(
            _agent_cmd(config, "drain", "--timeout", "30"),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        report = server.report(keys(source))
    _once(report)
    assert report["duplicates_in_new_batches"] == 0  # the killed batch came back with its id
    assert report["replayed_batches"] == 2
    held = [b["batch_id"] for b in server.batch_log if b["replay"]]
    firsts = [b["batch_id"] for b in server.batch_log if not b["replay"]]
    assert set(held) <= set(firsts)
    status = subprocess.run(
        _agent_cmd(config, "status", "--json"), capture_output=True, text=True, check=True
    )
    assert '"queue_depth": 0' in status.stdout
    assert iso_from_ms(source[-1].ts_ms) in status.stdout  # last_acked_ts


# --------------------------------------------------------------------------- (b) a week down


def test_b_server_down_for_a_simulated_week(tmp_path: Path) -> None:
    port = free_port()  # nothing listens: connection refused
    n_points, slot_s, slots = 6, 900, 7 * 96
    sim = "\n".join(
        f'[[sources.points]]\npoint = "ENT002.STM.P{i}"\nkind = "{"counter" if i % 2 else "gauge"}"'
        for i in range(n_points)
    )
    config = write_config(
        tmp_path,
        f"http://127.0.0.1:{port}",
        upload="batch_size_override = 0",
        sources=f'[[sources]]\ntype = "simulated"\nname = "sim"\ninterval_s = {slot_s}\n{sim}\n',
    )
    text = config.read_text().replace("batch_size_override = 0", "")
    text = text.replace("backoff_base_s = 0.05", "backoff_base_s = 1")
    text = text.replace("backoff_cap_s = 0.5", "backoff_cap_s = 300").replace(
        "batch_size = 100", "batch_size = 500"
    )
    config.write_text(text)
    cfg = load_config(config)
    clock = ManualClock(start=T0_MS / 1000)
    agent = Agent(cfg, clock=clock)
    driver = agent.drivers[0]
    t0, end = T0_MS / 1000, T0_MS / 1000 + slots * slot_s
    source: list[tuple[str, str]] = []

    async def scenario() -> dict[str, int]:
        attempts, slot = 0, 0
        while clock.time() < end:
            while slot < slots and t0 + slot * slot_s <= clock.time():
                before = agent.outbox.pending_count()
                await agent.poll_once(driver, T0_MS + slot * slot_s * 1000)  # type: ignore[arg-type]
                assert agent.outbox.pending_count() - before == n_points
                slot += 1
            result = await agent.uploader.step()  # refused → back-off on the virtual clock
            assert result.outcome is Outcome.RETRY
            attempts += 1
        assert slot == slots
        status = agent.outbox.status()
        assert status.queue_depth == slots * n_points
        assert status.oldest_unsent_ts == iso_from_ms(T0_MS)
        rows = agent.outbox.db.execute("SELECT point, ts FROM readings").fetchall()
        source.extend((p, iso_from_ms(t)) for p, t in rows)
        with FakeIngestServer(port=port, now=clock.time) as server:
            await agent.uploader.drain()
            report = server.report(source)
            order = [b for b in server.batch_log if not b["replay"]]
        for earlier, later in itertools.pairwise(order):
            assert earlier["last_ts"] <= later["first_ts"]  # oldest first
        report["attempts_while_down"] = attempts
        return report

    async def scenario_and_close() -> dict[str, int]:
        try:
            return await scenario()
        finally:
            await agent.uploader.aclose()

    try:
        report = asyncio.run(scenario_and_close())
        status = agent.outbox.status()
    finally:
        agent.close()
    _once(report)
    assert report["source"] == slots * n_points == 4032
    assert report["duplicates_in_new_batches"] == 0
    assert max(clock.slept) <= 300  # back-off capped
    assert report["attempts_while_down"] > 2000  # kept trying all week (≈ every 150 s)
    assert status.queue_depth == 0
    assert status.last_acked_ts == iso_from_ms(T0_MS + (slots - 1) * slot_s * 1000)


# --------------------------------------------------------------------------- (c) double send


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


def test_c_every_batch_sent_twice_and_requeued_readings(tmp_path: Path) -> None:
    source = readings(POINTS, T0_MS, 200, 60)
    with FakeIngestServer() as server:
        cfg = load_config(write_config(tmp_path, server.url))
        transport = DoubleSend()
        agent = Agent(cfg, transport=transport, drivers=[])
        try:
            agent.outbox.append(source)
            assert asyncio.run(agent.drain(30))
            first = server.report(keys(source))
            assert transport.sent == 20
            # the same readings polled again: the outbox refuses them while they are kept ...
            assert agent.outbox.append(source).inserted == 0
            # ... and once pruned they go out in new batches: the server counts duplicates
            assert agent.outbox.prune(0) == 1000
            assert agent.outbox.append(source).inserted == 1000
            agent.uploader = agent.uploader.__class__(
                agent.outbox,
                url=server.url + PATH,
                agent_id="EDGE-TEST",
                key_id=KEY_ID,
                secret=SECRET,
                batch_size=300,
            )
            assert asyncio.run(agent.drain(30))
            second = server.report(keys(source))
        finally:
            agent.close()
    _once(first)
    assert first["replayed_batches"] == 10 and first["duplicates_in_new_batches"] == 0
    _once(second)
    assert second["duplicates_in_new_batches"] == 1000  # answered as duplicates, stored once


# --------------------------------------------------------------------------- (d) refused


class Tamper(httpx.AsyncBaseTransport):
    """Flips one body byte after signing for the first ``times`` requests."""

    def __init__(self, times: int) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.times = times

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        if self.times > 0:
            self.times -= 1
            bad = bytearray(body)
            bad[len(bad) // 2] ^= 0x20
            request = httpx.Request(
                request.method, request.url, headers=request.headers, content=bytes(bad)
            )
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.parametrize("encryption", [None, "sm4-gcm"])
def test_d_tampered_body_refused_then_delivered(tmp_path: Path, encryption: str | None) -> None:
    source = readings(POINTS, T0_MS, 40, 60)
    extra = f'\n[encryption]\nalg = "{encryption}"\n' if encryption else ""
    with FakeIngestServer() as server:
        cfg = load_config(write_config(tmp_path, server.url, extra=extra))
        agent = Agent(cfg, transport=Tamper(3), drivers=[])
        try:
            agent.outbox.append(source)
            assert asyncio.run(agent.drain(30))
        finally:
            agent.close()
        report = server.report(keys(source))
    assert server.refusals == [(401, "ingest.bad-signature")] * 3
    _once(report)


def test_d_wrong_secret_refused_nothing_lost(tmp_path: Path) -> None:
    source = readings(POINTS, T0_MS, 40, 60)
    with FakeIngestServer() as server:
        bad = load_config(write_config(tmp_path, server.url, secret=b"not-the-secret"))
        agent = Agent(bad, drivers=[])
        agent.outbox.append(source)

        async def three_attempts() -> list[tuple[Outcome, int | None]]:
            try:
                return [
                    (r.outcome, r.status)
                    for r in [await agent.uploader.send_once() for _ in range(3)]
                ]
            finally:
                await agent.uploader.aclose()

        assert asyncio.run(three_attempts()) == [(Outcome.RETRY, 401)] * 3
        assert server.report(keys(source))["stored"] == 0
        assert agent.outbox.status().queue_depth == 200  # kept, not dead-lettered
        assert agent.outbox.status().dead_letters == 0
        agent.close()
        good = load_config(write_config(tmp_path, server.url))
        agent = Agent(good, drivers=[])
        try:
            assert asyncio.run(agent.drain(30))
        finally:
            agent.close()
        report = server.report(keys(source))
    assert {code for _, code in server.refusals} == {"ingest.bad-signature"}
    _once(report)


def test_d_stale_timestamp_refused_then_clock_corrected(tmp_path: Path) -> None:
    import time

    source = readings(POINTS, T0_MS, 40, 60)
    with FakeIngestServer() as server:  # server on real time
        cfg = load_config(write_config(tmp_path, server.url))
        clock = ManualClock(start=time.time() - 600)  # agent clock 10 min slow
        agent = Agent(cfg, clock=clock, drivers=[])
        try:
            agent.outbox.append(source)

            async def scenario() -> bool:
                first = await agent.uploader.send_once()
                assert (first.outcome, first.status) == (Outcome.RETRY, 401)
                assert server.refusals == [(401, "ingest.stale-timestamp")]
                assert server.report(keys(source))["stored"] == 0
                assert agent.uploader.clock_offset == pytest.approx(600, abs=5)
                return await agent.drain(30)

            assert asyncio.run(scenario())
        finally:
            agent.close()
        report = server.report(keys(source))
    _once(report)


def test_d_door_refuses_forged_requests() -> None:
    """Direct requests against the fake door: what a valid batch may not survive."""
    import gzip
    import json
    import time

    body = gzip.compress(
        json.dumps(
            {
                "batch_id": "b-1",
                "agent_id": "x",
                "readings": [
                    {"point": "P", "ts": "2026-11-24T05:00:00Z", "value": "1.5", "quality": "N"}
                ],
            }
        ).encode()
    )
    with FakeIngestServer() as server:
        ts = int(time.time())

        def post(**over: object) -> int:
            headers = {
                "X-Device-Key": KEY_ID,
                "X-Timestamp": str(ts),
                "X-Batch-Id": "b-1",
                "Content-Encoding": "gzip",
                "X-Signature": devicecrypto.sign(SECRET, "hmac-sm3", ts, "b-1", body),
            }
            content = over.pop("content", body)
            headers.update({k: str(v) for k, v in over.items()})
            return httpx.post(server.url + PATH, content=content, headers=headers).status_code

        assert post(**{"X-Timestamp": ts - 301}) == 401  # replayed later: stale
        assert post(**{"X-Timestamp": ts + 1}) == 401  # timestamp altered
        assert post(**{"X-Batch-Id": "b-2"}) == 401  # batch id altered
        assert post(content=body[:-1] + bytes([body[-1] ^ 1])) == 401  # body altered
        assert post(**{"X-Device-Key": "dk-unknown"}) == 401
        sha = devicecrypto.sign(SECRET, "hmac-sha256", ts, "b-1", body).split("=")[1]
        assert post(**{"X-Signature": "hmac-sm3=" + sha}) == 401  # other algorithm's MAC
        assert server.report([])["stored"] == 0
        assert post() == 200  # the genuine request
        assert post() == 200 and server.report([])["replayed_batches"] == 1
    assert [c for _, c in server.refusals] == [
        "ingest.stale-timestamp",
        "ingest.bad-signature",
        "ingest.bad-signature",
        "ingest.bad-signature",
        "ingest.unknown-key",
        "ingest.bad-signature",
    ]
    assert server.store_count == {("P", "2026-11-24T05:00:00Z"): 1}
