"""Upload batches to the ingestion door (docs/api.md, "Device ingestion door").

body = gzip(JSON) → optional encryption → signature over ``f"{ts}\\n{batch_id}\\n" + body``.

Outcome of one attempt:

* 2xx → ack (the only ack); per-reading ``rejected`` entries go to the dead-letter table;
* 401 (bad signature, stale timestamp, unknown key), 408, 425, 429, 5xx, network errors → retry the
  *same* batch id with exponential back-off and full jitter (``Retry-After`` honoured); on a stale
  timestamp the server's ``Date`` header corrects our clock offset;
* 413 → the batch is released and re-cut at half the size (the server stored nothing);
* any other 4xx → the batch is rejected: its readings are kept in ``dead_letter`` with the reason.

The batch id is stored in the outbox before the first send, so a crash or kill at any point resends
the same id (断点续传), and the server answers a known id with its stored result.
"""

from __future__ import annotations

import asyncio
import email.utils
import enum
import gzip
import json
import logging
import random
from dataclasses import dataclass
from typing import Any

import httpx

from dualcarbon.core import devicecrypto

from .clock import Clock, SystemClock
from .outbox import Batch, Outbox

log = logging.getLogger("dualcarbon_agent.uploader")

RETRY_STATUSES = frozenset({401, 408, 425, 429})


class Outcome(enum.Enum):
    IDLE = "idle"
    ACKED = "acked"
    RETRY = "retry"
    REJECTED = "rejected"
    SPLIT = "split"


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    batch_id: str | None = None
    readings: int = 0
    status: int | None = None
    detail: str = ""
    retry_after: float | None = None


@dataclass(slots=True)
class UploaderStats:
    sent: int = 0
    acked: int = 0
    retries: int = 0
    rejected: int = 0
    readings_acked: int = 0


class Backoff:
    """``sleep = uniform(0, min(cap, base·2^attempt))`` — full jitter, reset on success."""

    def __init__(self, base: float = 1.0, cap: float = 300.0, rng: random.Random | None = None):
        self.base, self.cap = base, cap
        self.attempt = 0
        self.rng = rng or random.Random()

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * (2 ** min(self.attempt, 30)))
        self.attempt += 1
        return self.rng.uniform(0, ceiling)

    def reset(self) -> None:
        self.attempt = 0


class Uploader:
    def __init__(
        self,
        outbox: Outbox,
        *,
        url: str,
        agent_id: str,
        key_id: str,
        secret: bytes,
        signature_alg: str = "hmac-sm3",
        encryption_alg: str | None = None,
        encryption_key: bytes | None = None,
        batch_size: int = 500,
        use_gzip: bool = True,
        clock: Clock | None = None,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_s: float = 30.0,
        verify: Any = True,
        backoff: Backoff | None = None,
        max_batches_per_s: float = 0.0,
        idle_s: float = 1.0,
    ) -> None:
        self.outbox = outbox
        self.url = url
        self.agent_id = agent_id
        self.key_id = key_id
        self.secret = secret
        self.signature_alg = signature_alg
        devicecrypto.sign(secret, signature_alg, 0, "probe", b"")  # fail fast on a bad alg
        self.encryption_alg = encryption_alg
        self.encryption_key = encryption_key
        if encryption_alg:
            self.encryption_key = encryption_key or devicecrypto.derive_key(secret, encryption_alg)
        self.batch_size = batch_size
        self.use_gzip = use_gzip
        self.clock = clock or SystemClock()
        self._own_client = client is None
        self.client = client or httpx.AsyncClient(
            transport=transport, timeout=timeout_s, verify=verify
        )
        self.backoff = backoff or Backoff()
        self.min_interval = 1.0 / max_batches_per_s if max_batches_per_s > 0 else 0.0
        self.idle_s = idle_s
        self.clock_offset = 0.0
        self.stats = UploaderStats()
        self.wake = asyncio.Event()

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()

    # ------------------------------------------------------------------ encoding

    def encode(self, batch: Batch) -> tuple[bytes, dict[str, str]]:
        doc = {
            "batch_id": batch.batch_id,
            "agent_id": self.agent_id,
            "readings": [
                {"point": r.point, "ts": r.iso_ts, "value": r.value, "quality": r.quality}
                for r in batch.readings
            ],
        }
        body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        if self.use_gzip:
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
        if self.encryption_alg and self.encryption_key:
            body = devicecrypto.encrypt(self.encryption_key, self.encryption_alg, body)
            headers["X-Encryption"] = self.encryption_alg
            headers["Content-Type"] = "application/octet-stream"
        return body, headers

    def sign(self, batch_id: str, body: bytes) -> dict[str, str]:
        ts = int(self.clock.time() + self.clock_offset)
        return {
            "X-Device-Key": self.key_id,
            "X-Timestamp": str(ts),
            "X-Batch-Id": batch_id,
            "X-Signature": devicecrypto.sign(self.secret, self.signature_alg, ts, batch_id, body),
        }

    # ------------------------------------------------------------------ one attempt

    async def send_once(self) -> Result:
        batch = self.outbox.claim_batch(self.batch_size)
        if batch is None:
            return Result(Outcome.IDLE)
        if batch.resumed:
            log.info(
                "resuming batch %s (%d readings, %d earlier attempts)",
                batch.batch_id,
                len(batch.readings),
                batch.attempts,
            )
        body, headers = self.encode(batch)
        headers |= self.sign(batch.batch_id, body)
        self.stats.sent += 1
        try:
            response = await self.client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            detail = f"{type(exc).__name__}: {exc}"
            self.outbox.record_attempt(batch.batch_id, detail)
            return Result(Outcome.RETRY, batch.batch_id, len(batch.readings), None, detail)
        return self._handle(batch, response)

    def _handle(self, batch: Batch, response: httpx.Response) -> Result:
        status = response.status_code
        n = len(batch.readings)
        if 200 <= status < 300:
            answer = _json(response)
            rejected = []
            for item in answer.get("rejected") or []:
                if isinstance(item, dict) and isinstance(item.get("index"), int):
                    rejected.append((item["index"], str(item.get("reason", "rejected"))))
            self.outbox.mark_acked(
                batch.batch_id, http_status=status, answer=answer, rejected=rejected
            )
            if rejected:
                log.error(
                    "batch %s: server refused %d of %d readings (kept in dead_letter)",
                    batch.batch_id,
                    len(rejected),
                    n,
                )
            return Result(Outcome.ACKED, batch.batch_id, n, status)
        detail = _problem_text(response)
        if status in RETRY_STATUSES or status >= 500:
            self.outbox.record_attempt(batch.batch_id, f"HTTP {status}: {detail}")
            if status == 401:
                self._maybe_fix_clock(response, detail)
                log.error(
                    "batch %s refused 401 (%s): check the device key, secret and clock",
                    batch.batch_id,
                    detail,
                )
            return Result(Outcome.RETRY, batch.batch_id, n, status, detail, _retry_after(response))
        if status == 413 and n > 1:
            self.outbox.release_batch(batch.batch_id, f"HTTP 413: {detail}")
            self.batch_size = max(1, n // 2)
            log.warning("HTTP 413 for %d readings: batch size now %d", n, self.batch_size)
            return Result(Outcome.SPLIT, batch.batch_id, n, status, detail)
        self.outbox.mark_rejected(batch.batch_id, status, f"HTTP {status}: {detail}")
        return Result(Outcome.REJECTED, batch.batch_id, n, status, detail)

    def _maybe_fix_clock(self, response: httpx.Response, detail: str) -> None:
        if "stale" not in detail or "date" not in response.headers:
            return
        try:
            server = email.utils.parsedate_to_datetime(response.headers["date"]).timestamp()
        except (TypeError, ValueError):
            return
        offset = server - self.clock.time()
        if abs(offset) > 60:
            log.error("clock differs from the server by %+.0f s — fix NTP; compensating", offset)
            self.clock_offset = offset

    # ------------------------------------------------------------------ loops

    async def step(self) -> Result:
        """One attempt plus the wait that follows it (back-off, pacing or idle)."""
        result = await self.send_once()
        if result.outcome is Outcome.ACKED:
            self.backoff.reset()
            self.stats.acked += 1
            self.stats.readings_acked += result.readings
            if self.min_interval:
                await self.clock.sleep(self.min_interval)
        elif result.outcome is Outcome.RETRY:
            self.stats.retries += 1
            delay = self.backoff.next_delay()
            if result.retry_after is not None:
                delay = max(delay, result.retry_after)
            log.warning(
                "upload of %s failed (%s %s); retry in %.1f s",
                result.batch_id,
                result.status or "network",
                result.detail[:200],
                delay,
            )
            await self.clock.sleep(delay)
        elif result.outcome is Outcome.REJECTED:
            self.stats.rejected += 1
        return result

    async def drain(self, *, max_attempts: int | None = None) -> UploaderStats:
        """Send until the queue is empty (or ``max_attempts`` attempts were made)."""
        attempts = 0
        while max_attempts is None or attempts < max_attempts:
            result = await self.step()
            attempts += 1
            if result.outcome is Outcome.IDLE:
                break
        return self.stats

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            result = await self.step()
            if result.outcome is Outcome.IDLE:
                self.wake.clear()
                waiter = asyncio.ensure_future(self.wake.wait())
                stopper = asyncio.ensure_future(stop.wait())
                sleeper = asyncio.ensure_future(self.clock.sleep(self.idle_s))
                try:
                    await asyncio.wait(
                        {waiter, stopper, sleeper}, return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
                    for task in (waiter, stopper, sleeper):
                        task.cancel()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        log.warning("2xx answer is not JSON; treated as ack")
        return {}
    return data if isinstance(data, dict) else {}


def _problem_text(response: httpx.Response) -> str:
    data: Any
    try:
        data = response.json()
    except ValueError:
        return response.text[:500]
    if isinstance(data, dict):
        parts = [str(data[k]) for k in ("code", "title", "detail") if data.get(k)]
        if parts:
            return " — ".join(parts)
    return json.dumps(data, ensure_ascii=False)[:500]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - email.utils.localtime().timestamp())
