"""Uploader against an injected transport (httpx.MockTransport) and an injected clock."""

from __future__ import annotations

import asyncio
import gzip
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from agent_testkit import KEY_ID, SECRET, T0_MS, readings

from dualcarbon.core import devicecrypto
from dualcarbon_agent.clock import ManualClock
from dualcarbon_agent.outbox import Outbox
from dualcarbon_agent.uploader import Backoff, Outcome, Uploader

URL = "https://mis.park.example/api/v1/ingest/batches"


def make(
    tmp_path: Path,
    handler: Callable[[httpx.Request], httpx.Response],
    clock: ManualClock | None = None,
    **kw: Any,
) -> Uploader:
    outbox = Outbox(tmp_path / "o.db")
    outbox.append(readings(["ENT001.P1", "ENT001.P2"], T0_MS, 10, 900))
    return Uploader(
        outbox,
        url=URL,
        agent_id="EDGE-1",
        key_id=KEY_ID,
        secret=SECRET,
        clock=clock or ManualClock(),
        transport=httpx.MockTransport(handler),
        backoff=Backoff(1, 300, random.Random(7)),
        **kw,
    )


def run(up: Uploader, coro: Any) -> Any:
    async def main() -> Any:
        try:
            return await coro
        finally:
            await up.aclose()

    try:
        return asyncio.run(main())
    finally:
        up.outbox.close()


def once(up: Uploader) -> tuple[Any, Any, list[dict[str, Any]]]:
    """One attempt; returns the result, the outbox status and the dead letters after it."""

    async def main() -> Any:
        try:
            return await up.send_once()
        finally:
            await up.aclose()

    try:
        result = asyncio.run(main())
        return result, up.outbox.status(), up.outbox.dead_letters()
    finally:
        up.outbox.close()


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"batch_id": request.headers["x-batch-id"], "accepted": 1})


@pytest.mark.parametrize(
    ("signature", "encryption", "use_gzip"),
    [
        ("hmac-sm3", None, True),
        ("hmac-sha256", None, False),
        ("hmac-sm3", "sm4-gcm", True),
        ("hmac-sm3", "sm4-cbc-hmac-sm3", True),
        ("hmac-sha256", "aes-256-gcm", True),
    ],
)
def test_request_follows_the_door_contract(
    tmp_path: Path, signature: str, encryption: str | None, use_gzip: bool
) -> None:
    seen: list[dict[str, Any]] = []
    clock = ManualClock(start=1_795_500_000)

    def door(request: httpx.Request) -> httpx.Response:
        h = request.headers
        body = request.content
        ts, batch_id = int(h["x-timestamp"]), h["x-batch-id"]
        assert ts == 1_795_500_000 and h["x-device-key"] == KEY_ID
        assert h["x-signature"].startswith(signature + "=")
        assert devicecrypto.verify(SECRET, h["x-signature"], ts, batch_id, body)
        if encryption:
            assert h["x-encryption"] == encryption
            body = devicecrypto.decrypt(
                devicecrypto.derive_key(SECRET, encryption), encryption, body
            )
        else:
            assert "x-encryption" not in h
        if use_gzip:
            assert h["content-encoding"] == "gzip"
            body = gzip.decompress(body)
        doc = json.loads(body)
        seen.append(doc)
        assert doc["batch_id"] == batch_id and doc["agent_id"] == "EDGE-1"
        return ok(request)

    up = make(
        tmp_path,
        door,
        clock,
        signature_alg=signature,
        encryption_alg=encryption,
        use_gzip=use_gzip,
        batch_size=8,
    )
    stats = run(up, up.drain())
    assert stats.acked == 3 and stats.readings_acked == 20
    first = seen[0]["readings"][0]
    assert first == {
        "point": "ENT001.P1",
        "ts": "2025-11-24T16:00:00Z",
        "value": "1000.00",
        "quality": "N",
    }
    all_ts = [r["ts"] for d in seen for r in d["readings"]]
    assert all_ts == sorted(all_ts)  # oldest first


@pytest.mark.parametrize(
    ("status", "outcome", "queue_after", "dead_after"),
    [
        (200, Outcome.ACKED, 10, 0),
        (201, Outcome.ACKED, 10, 0),
        (204, Outcome.ACKED, 10, 0),
        (401, Outcome.RETRY, 20, 0),
        (408, Outcome.RETRY, 20, 0),
        (429, Outcome.RETRY, 20, 0),
        (500, Outcome.RETRY, 20, 0),
        (503, Outcome.RETRY, 20, 0),
        (400, Outcome.REJECTED, 10, 10),
        (403, Outcome.REJECTED, 10, 10),
        (404, Outcome.REJECTED, 10, 10),
        (422, Outcome.REJECTED, 10, 10),
        (413, Outcome.SPLIT, 20, 0),
    ],
)
def test_status_handling(
    tmp_path: Path, status: int, outcome: Outcome, queue_after: int, dead_after: int
) -> None:
    def door(request: httpx.Request) -> httpx.Response:
        if status == 204:
            return httpx.Response(204)
        body = (
            {"batch_id": request.headers["x-batch-id"]}
            if status < 300
            else {"code": f"x.{status}", "title": "nope"}
        )
        return httpx.Response(status, json=body)

    up = make(tmp_path, door, batch_size=10)
    result, after, letters = once(up)
    assert result.outcome is outcome and result.status == status
    assert after.queue_depth == queue_after
    assert after.dead_letters == dead_after
    if outcome is Outcome.REJECTED:
        assert letters[0]["reason"] == f"HTTP {status}: x.{status} — nope"
    if outcome is Outcome.SPLIT:
        assert up.batch_size == 5


def test_retry_keeps_the_batch_id_and_backs_off_with_full_jitter(tmp_path: Path) -> None:
    ids: list[str] = []
    answers = [503, 503, 429, 500, 200]

    def door(request: httpx.Request) -> httpx.Response:
        ids.append(request.headers["x-batch-id"])
        code = answers.pop(0)
        headers = {"Retry-After": "42"} if code == 429 else {}
        return httpx.Response(code, json={"ok": True}, headers=headers)

    clock = ManualClock()
    up = make(tmp_path, door, clock, batch_size=50)
    results = run(up, _steps(up, 5))
    assert [r.outcome for r in results] == [Outcome.RETRY] * 4 + [Outcome.ACKED]
    assert len(set(ids)) == 1  # one batch id across all retries
    assert clock.slept[2] >= 42  # Retry-After honoured
    for attempt, delay in enumerate(clock.slept[:4]):
        assert 0 <= delay <= max(min(300, 2**attempt), 42 if attempt == 2 else 0)
    assert up.backoff.attempt == 0  # reset by the success


async def _steps(up: Uploader, n: int) -> list[Any]:
    return [await up.step() for _ in range(n)]


def test_backoff_is_capped() -> None:
    b = Backoff(1, 300, random.Random(1))
    delays = [b.next_delay() for _ in range(40)]
    assert max(delays) <= 300 and max(delays[12:]) > 100
    b.reset()
    assert b.next_delay() <= 1


def test_network_errors_are_retried(tmp_path: Path) -> None:
    def door(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    result, after, letters = once(make(tmp_path, door, batch_size=10))
    assert result.outcome is Outcome.RETRY and "ConnectError" in result.detail
    assert (after.queue_depth, after.in_flight, letters) == (20, 10, [])


def test_per_reading_rejections_are_dead_lettered(tmp_path: Path) -> None:
    def door(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "batch_id": request.headers["x-batch-id"],
                "accepted": 19,
                "duplicates": 0,
                "rejected": [
                    {"index": 0, "point": "ENT001.P1", "reason": "unknown metering point"}
                ],
            },
        )

    result, status, letters = once(make(tmp_path, door, batch_size=100))
    assert result.outcome is Outcome.ACKED
    assert [(d["point"], d["reason"]) for d in letters] == [("ENT001.P1", "unknown metering point")]
    assert status.queue_depth == 0 and status.dead_letters == 1


def test_non_json_2xx_is_still_an_ack(tmp_path: Path) -> None:
    up = make(tmp_path, lambda r: httpx.Response(200, text="OK"), batch_size=100)
    stats = run(up, up.drain())
    assert stats.acked == 1
