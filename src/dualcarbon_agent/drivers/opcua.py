"""OPC UA source (asyncua client).

* ``mode = "subscription"`` (default, protocols.md §4.2): one subscription with publishing interval
  ``interval_s``; every data change becomes a reading stamped with the server's
  ``SourceTimestamp`` (fallback ``ServerTimestamp``, then the agent clock). On a lost connection
  the client reconnects with back-off and re-subscribes; OPC UA does not replay changes missed
  while disconnected, so the gap is logged.
* ``mode = "poll"``: the scheduler reads all nodes at each slot (one Read service call) and
  stamps the slot time — for servers with poor subscription support.

Status → HJ 212 flag: Good → ``N``; communication-type Bad codes → ``B``; other Bad and
Uncertain → ``D``. Non-numeric values (strings, arrays) are skipped with a warning.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from typing import Any

from asyncua import ua
from asyncua.client.client import Client

from ..clock import Clock
from ..config import SourceConfig
from ..model import Reading, decimal_text, float32_text, ms_from_datetime
from .base import PollingDriver, Sink, StreamingDriver

log = logging.getLogger("dualcarbon_agent.drivers.opcua")

COMM_CODES = {
    "BadCommunicationError",
    "BadNotConnected",
    "BadNoCommunication",
    "BadServerNotConnected",
    "BadConnectionClosed",
    "BadDeviceFailure",
    "BadSensorFailure",
    "BadOutOfService",
    "BadWaitingForInitialData",
}


def quality_of(status: Any) -> str:
    if status is None:
        return "N"
    if status.is_good():
        return "N"
    name = getattr(status, "name", "") or ""
    if status.is_bad() and any(name.startswith(c) for c in COMM_CODES):
        return "B"
    return "D"


def value_text(variant: Any) -> str | None:
    value = getattr(variant, "Value", variant)
    vtype = getattr(variant, "VariantType", None)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return float32_text(value) if vtype == ua.VariantType.Float else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        try:
            return decimal_text(value.strip())
        except ValueError:
            return None
    return None


def reading_from(point: str, dv: Any, fallback_ms: int, *, use_source_ts: bool) -> Reading | None:
    text = value_text(dv.Value)
    if text is None:
        log.warning("OPC UA %s: value %r is not numeric; skipped", point, dv.Value)
        return None
    ts_ms = fallback_ms
    if use_source_ts:
        stamp = dv.SourceTimestamp or dv.ServerTimestamp
        if stamp is not None:
            if stamp.tzinfo is None:
                from datetime import UTC

                stamp = stamp.replace(tzinfo=UTC)
            ts_ms = ms_from_datetime(stamp)
    return Reading(point, ts_ms, text, quality_of(dv.StatusCode))


async def _connect(cfg: SourceConfig) -> Client:
    client = Client(cfg.endpoint, timeout=cfg.timeout_s)
    if cfg.security:
        await client.set_security_string(cfg.security)
    if cfg.username:
        client.set_user(cfg.username)
        client.set_password(cfg.password)
    await client.connect()
    return client


class OpcUaPollDriver(PollingDriver):
    def __init__(self, cfg: SourceConfig) -> None:
        self.cfg = cfg
        self.name = cfg.name
        self.interval_s = cfg.interval_s
        self.timeout_s = cfg.timeout_s * 3 + 2
        self.client: Client | None = None

    async def poll(self, ts_ms: int) -> list[Reading]:
        if self.client is None:
            self.client = await _connect(self.cfg)
        nodes = [self.client.get_node(n.node_id) for n in self.cfg.nodes]
        try:
            values = await self.client.read_attributes(nodes)
        except Exception as exc:
            await self.close()
            raise ConnectionError(f"OPC UA {self.name}: {exc}") from exc
        out = []
        for node_map, dv in zip(self.cfg.nodes, values, strict=True):
            reading = reading_from(node_map.point, dv, ts_ms, use_source_ts=False)
            if reading is not None:
                out.append(reading)
        return out

    async def close(self) -> None:
        if self.client is not None:
            client, self.client = self.client, None
            try:
                await client.disconnect()
            except Exception as exc:  # already gone
                log.debug("OPC UA disconnect: %s", exc)


class _Handler:
    def __init__(self, points: dict[str, str], sink: Sink, clock: Clock) -> None:
        self.points, self.sink, self.clock = points, sink, clock

    def datachange_notification(self, node: Any, val: Any, data: Any) -> None:
        point = self.points.get(node.nodeid.to_string())
        if point is None:
            return
        dv = data.monitored_item.Value
        reading = reading_from(point, dv, int(self.clock.time() * 1000), use_source_ts=True)
        if reading is not None:
            self.sink([reading])

    def status_change_notification(self, status: Any) -> None:
        log.warning("OPC UA subscription status: %s", status)


class OpcUaSubscriptionDriver(StreamingDriver):
    def __init__(self, cfg: SourceConfig, clock: Clock) -> None:
        self.cfg = cfg
        self.clock = clock
        self.name = cfg.name
        self.interval_s = cfg.interval_s
        self.connected = asyncio.Event()

    async def run(self, sink: Sink, stop: asyncio.Event) -> None:
        attempt = 0
        while not stop.is_set():
            client: Client | None = None
            try:
                client = await _connect(self.cfg)
                nodes = [client.get_node(n.node_id) for n in self.cfg.nodes]
                points = {
                    node.nodeid.to_string(): n.point
                    for node, n in zip(nodes, self.cfg.nodes, strict=True)
                }
                period_ms = self.cfg.interval_s * 1000
                sub = await client.create_subscription(
                    period_ms, _Handler(points, sink, self.clock)
                )
                results = await sub.subscribe_data_change(
                    nodes, sampling_interval=ua.Double(period_ms)
                )
                for n, r in zip(
                    self.cfg.nodes, results if isinstance(results, list) else [], strict=False
                ):
                    if isinstance(r, ua.StatusCode):
                        log.error("OPC UA %s: cannot monitor %s: %s", self.name, n.node_id, r)
                attempt = 0
                self.connected.set()
                log.info("OPC UA %s: subscribed to %d nodes", self.name, len(nodes))
                while not stop.is_set():
                    try:
                        async with asyncio.timeout(max(1.0, self.interval_s)):
                            await stop.wait()
                    except TimeoutError:
                        await client.check_connection()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.connected.clear()
                attempt += 1
                delay = random.uniform(0, min(60.0, 2.0**attempt))
                log.warning(
                    "OPC UA %s: %s: %s — data gap until reconnected; retry in %.1f s",
                    self.name,
                    self.cfg.endpoint,
                    exc,
                    delay,
                )
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await stop.wait()
            finally:
                if client is not None:
                    try:
                        await client.disconnect()
                    except Exception as exc:
                        log.debug("OPC UA disconnect: %s", exc)
