"""The agent: poll every source at its rate into the outbox and run the uploader beside it.

Slots are aligned to the clock (``floor(now / interval) × interval``): a 60 s source polls at each
full minute and stamps the slot start, so a re-poll of the same slot (restart, retry) hits the
outbox's ``UNIQUE(point, ts)`` and is not queued twice. A slot missed because a poll overran is
skipped and logged, not made up with wrong timestamps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from .clock import Clock, SystemClock
from .config import AgentConfig
from .drivers import Driver, PollingDriver, Service, Sink, StreamingDriver, build_driver
from .model import Reading
from .outbox import Outbox
from .uploader import Backoff, Uploader

log = logging.getLogger("dualcarbon_agent")

MAINTENANCE_S = 60.0


@dataclass
class SourceStats:
    polls: int = 0
    failures: int = 0
    readings: int = 0
    duplicates: int = 0
    skipped_slots: int = 0
    last_error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def tls_verify(cfg: AgentConfig) -> Any:
    """httpx ``verify``: an SSL context with the CA bundle and client certificate (mutual TLS)."""
    server = cfg.server
    if not server.url.startswith("https://"):
        return True
    if not server.verify_tls:
        return False
    ctx = ssl.create_default_context(cafile=str(server.ca_file) if server.ca_file else None)
    if server.client_cert:
        ctx.load_cert_chain(
            str(server.client_cert), str(server.client_key) if server.client_key else None
        )
    return ctx


def make_uploader(
    cfg: AgentConfig,
    outbox: Outbox,
    clock: Clock,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Uploader:
    return Uploader(
        outbox,
        url=cfg.server.ingest_url,
        agent_id=cfg.agent_id,
        key_id=cfg.device_key.key_id,
        secret=cfg.device_key.secret,
        signature_alg=cfg.device_key.signature,
        encryption_alg=cfg.encryption.alg if cfg.encryption else None,
        encryption_key=cfg.encryption.key if cfg.encryption else None,
        batch_size=cfg.upload.batch_size,
        use_gzip=cfg.upload.gzip,
        clock=clock,
        transport=transport,
        timeout_s=cfg.server.timeout_s,
        verify=tls_verify(cfg),
        backoff=Backoff(cfg.upload.backoff_base_s, cfg.upload.backoff_cap_s),
        max_batches_per_s=cfg.upload.max_batches_per_s,
        idle_s=cfg.upload.idle_s,
    )


class Agent:
    def __init__(
        self,
        cfg: AgentConfig,
        *,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        drivers: Iterable[Driver] | None = None,
        outbox: Outbox | None = None,
    ) -> None:
        self.cfg = cfg
        self.clock = clock or SystemClock()
        self.outbox = outbox or Outbox(
            cfg.outbox.path, capacity_rows=cfg.outbox.capacity_rows, now=self.clock.time
        )
        self.uploader = make_uploader(cfg, self.outbox, self.clock, transport)
        self.drivers: list[Driver] = (
            list(drivers)
            if drivers is not None
            else [build_driver(s, self.clock) for s in cfg.sources if s.enabled]
        )
        self.stats: dict[str, SourceStats] = {d.name: SourceStats() for d in self.drivers}

    # ------------------------------------------------------------------ collection

    def store(self, source: str, readings: list[Reading]) -> None:
        if not readings:
            return
        result = self.outbox.append(readings)
        stats = self.stats.setdefault(source, SourceStats())
        stats.readings += result.inserted
        stats.duplicates += result.duplicates
        if result.inserted:
            self.uploader.wake.set()

    def _sink(self, source: str) -> Sink:
        def sink(readings: list[Reading]) -> None:
            self.store(source, readings)

        return sink

    async def poll_once(self, driver: PollingDriver, slot_ms: int) -> int:
        stats = self.stats.setdefault(driver.name, SourceStats())
        stats.polls += 1
        try:
            async with asyncio.timeout(driver.timeout_s):  # wait_for may swallow a cancel (3.11)
                readings = await driver.poll(slot_ms)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            stats.failures += 1
            stats.last_error = f"{type(exc).__name__}: {exc}"
            log.warning("source %s: poll failed: %s", driver.name, stats.last_error)
            with contextlib.suppress(Exception):
                await driver.close()
            return 0
        before = stats.readings
        self.store(driver.name, readings)
        return stats.readings - before

    async def _poll_loop(self, driver: PollingDriver, stop: asyncio.Event) -> None:
        interval = driver.interval_s
        last_slot: int | None = None
        while not stop.is_set():
            now = self.clock.time()
            slot = math.floor(now / interval)
            if last_slot is not None and slot > last_slot + 1:
                skipped = slot - last_slot - 1
                self.stats[driver.name].skipped_slots += skipped
                log.warning(
                    "source %s: %d slot(s) skipped (poll slower than %g s)",
                    driver.name,
                    skipped,
                    interval,
                )
            if slot != last_slot:
                await self.poll_once(driver, round(slot * interval * 1000))
                last_slot = slot
            await self.clock.sleep(max(0.0, (slot + 1) * interval - self.clock.time()))

    async def _maintenance(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.clock.sleep(MAINTENANCE_S)
            pruned = self.outbox.prune(self.cfg.outbox.keep_acked_hours * 3600)
            status = self.outbox.status()
            log.info(
                "queue %d (oldest %s), last ack %s, dead letters %d, pruned %d",
                status.queue_depth,
                status.oldest_unsent_ts,
                status.last_acked_ts,
                status.dead_letters,
                pruned,
            )

    # ------------------------------------------------------------------ run

    async def run(self, stop: asyncio.Event | None = None) -> None:
        stop = stop or asyncio.Event()
        tasks = [
            asyncio.create_task(self.uploader.run(stop), name="uploader"),
            asyncio.create_task(self._maintenance(stop), name="maintenance"),
        ]
        for driver in self.drivers:
            if isinstance(driver, PollingDriver):
                coro: Any = self._poll_loop(driver, stop)
            elif isinstance(driver, StreamingDriver):
                coro = driver.run(self._sink(driver.name), stop)
            elif isinstance(driver, Service):
                coro = driver.run(stop)
            else:  # pragma: no cover
                raise TypeError(driver)
            tasks.append(asyncio.create_task(coro, name=f"source:{driver.name}"))
        log.info(
            "agent %s running: %d source(s) → %s",
            self.cfg.agent_id,
            len(self.drivers),
            self.cfg.server.ingest_url,
        )
        stopper = asyncio.create_task(stop.wait())
        try:
            done, _ = await asyncio.wait([*tasks, stopper], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is not stopper and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        finally:
            stop.set()
            await asyncio.sleep(0.05)  # let streaming drivers and services see the stop
            for task in [*tasks, stopper]:
                task.cancel()
            await asyncio.gather(*tasks, stopper, return_exceptions=True)
            for driver in self.drivers:
                if isinstance(driver, PollingDriver):
                    with contextlib.suppress(Exception):
                        await driver.close()
            await self.uploader.aclose()

    async def drain(self, timeout_s: float | None = None) -> bool:
        """Upload everything queued, without polling. True when the queue is empty."""
        try:
            async with asyncio.timeout(timeout_s):
                await self.uploader.drain()
        except TimeoutError:
            return False
        finally:
            await self.uploader.aclose()
        return not self.outbox.has_work()

    def close(self) -> None:
        self.outbox.close()
