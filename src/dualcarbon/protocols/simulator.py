"""Demo simulator speaking the real protocols to the real doors: every configured HJ 212 device
becomes a data logger sending CN 2011 real-time packets over TCP (answering 9014s), and the
instantaneous metering points of a park are published as MQTT envelopes (§4.4) by one simulated
edge per enterprise. Values wander smoothly around plausible levels; nothing bypasses ingest().
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import paho.mqtt.client as mqtt
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dualcarbon.core.codecs import hj212
from dualcarbon.db.session import unit_of_work
from dualcarbon.protocols.hj212_service import to_local
from dualcarbon.protocols.models import Hj212Device, Hj212FactorMap
from dualcarbon.registry.models import Enterprise, MeteringPoint, Park

log = logging.getLogger("dualcarbon.simulate")

# level and amplitude per HJ 212 factor (CO2 % dry, flow m³/s, O2 %, T °C, p kPa, moisture %)
FACTOR_LEVELS = {"a05001": (11.8, 0.4, 2), "a00000": (91.85, 3.0, 3), "a19001": (6.3, 0.3, 2),
                 "a01012": (48.6, 1.5, 1), "a01013": (-0.215, 0.02, 3), "a01014": (8.7, 0.4, 1),
                 "a01011": (12.41, 0.5, 2)}
# a medium's own level where the unit alone would be implausible (flue-gas CO2 is ~12 % v/v,
# a 480 t/h boiler's flue gas several 10^5 m³/h)
MEDIUM_LEVELS = {("co2", "%"): (12.2, 0.6, 2), ("flue_gas", "m3/h"): (420000.0, 18000.0, 0),
                 ("flue_gas", "%"): (8.5, 0.4, 1)}
UNIT_LEVELS = {"%": (40.0, 5.0, 2), "℃": (120.0, 8.0, 1), "MPa": (1.2, 0.1, 3),
               "kPa": (101.0, 1.0, 2), "t/h": (35.0, 4.0, 2), "m3/h": (1200.0, 90.0, 1),
               "Nm3/h": (800.0, 60.0, 1), "kW": (900.0, 80.0, 1)}


def wave(level: float, amp: float, digits: int, t: float, phase: float) -> str:
    value = level + amp * math.sin(t / 300 + phase) + amp * 0.2 * random.uniform(-1, 1)
    return f"{value:.{digits}f}"


@dataclass
class Plan:
    loggers: list[tuple[str, str, str, str, list[str]]] = field(default_factory=list)
    # (mn, st, pw, timezone, factor codes)
    edges: list[tuple[str, str, str, list[tuple[str, str, tuple[float, float, int]]]]] = field(
        default_factory=list)
    # (park code, enterprise code, edge id, [(point code, unit, (level, amplitude, digits))])


def plan(factory: sessionmaker[Session], park_code: str | None = None) -> Plan:
    """What to simulate, read from the configuration in the database."""
    p = Plan()
    with unit_of_work(factory, writes=False) as s:
        dq = select(Hj212Device).where(Hj212Device.is_active)
        if park_code:
            dq = dq.join(Park, Park.id == Hj212Device.park_id).where(Park.code == park_code)
        for dev in s.scalars(dq):
            codes = sorted(set(s.scalars(select(Hj212FactorMap.factor_code).where(
                Hj212FactorMap.device_id == dev.id, Hj212FactorMap.cn == 2011))))
            if codes:
                p.loggers.append((dev.mn, dev.st, dev.password or "123456", dev.timezone, codes))
        q = select(Park.code, Enterprise.code, MeteringPoint.code, MeteringPoint.unit,
                   MeteringPoint.medium).join(
            Enterprise, Enterprise.park_id == Park.id).join(
            MeteringPoint, MeteringPoint.enterprise_id == Enterprise.id).where(
            MeteringPoint.is_active, MeteringPoint.measurement == "instantaneous",
            MeteringPoint.unit.in_(list(UNIT_LEVELS)))
        if park_code:
            q = q.where(Park.code == park_code)
        mapped = set(s.scalars(select(Hj212FactorMap.point_id)))
        mapped_codes = set(s.scalars(select(MeteringPoint.code).where(
            MeteringPoint.id.in_(mapped)))) if mapped else set()
        by_ent: dict[tuple[str, str], list[tuple[str, str, tuple[float, float, int]]]] = {}
        for park, ent, code, unit, medium in s.execute(q):
            if code not in mapped_codes:
                level = MEDIUM_LEVELS.get((medium, unit), UNIT_LEVELS[unit])
                by_ent.setdefault((park, ent), []).append((code, unit, level))
        p.edges = [(park, ent, f"SIM-{ent}", pts) for (park, ent), pts in sorted(by_ent.items())]
    return p


async def run_logger(host: str, port: int, mn: str, st: str, pw: str, tz: str,
                     factors: list[str], interval_s: float, stop: asyncio.Event,
                     counter: dict[str, int]) -> None:
    """One data logger: connect, send 2011 every ``interval_s``, read acks, reconnect on loss."""
    phase = random.uniform(0, 6)
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            await asyncio.sleep(2)
            continue
        framer = hj212.Framer()
        try:
            while not stop.is_set():
                now = to_local(datetime.now(UTC), tz).replace(microsecond=0)
                t = now.timestamp()
                cp = hj212.format_cp({"DataTime": hj212.format_time(now)}, {
                    f: {"Rtd": wave(*FACTOR_LEVELS.get(f, (1.0, 0.1, 2)), t, phase), "Flag": "N"}
                    for f in factors})
                writer.write(hj212.build_packet(qn=hj212.format_qn(now), st=st, cn=2011, pw=pw,
                                                mn=mn, flag=hj212.make_flag(ack=True), cp=cp))
                await writer.drain()
                counter["hj212_sent"] = counter.get("hj212_sent", 0) + 1
                try:
                    async with asyncio.timeout(interval_s):
                        while not stop.is_set():
                            chunk = await reader.read(4096)
                            if not chunk:
                                raise ConnectionError("closed")
                            for fr in framer.feed(chunk):
                                if fr.crc_ok and hj212.decode(fr).cn == hj212.Cn.DATA_ACK:
                                    counter["hj212_acked"] = counter.get("hj212_acked", 0) + 1
                except TimeoutError:
                    pass
        except (ConnectionError, OSError):
            await asyncio.sleep(1)
        finally:
            writer.close()


def mqtt_edge_client(host: str, port: int, client_id: str) -> mqtt.Client:
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    c.reconnect_delay_set(1, 10)
    c.connect_async(host, port)
    c.loop_start()
    return c


def envelope(edge: str, seq: int, epoch: str,
             points: list[tuple[str, str, tuple[float, float, int]]],
             now: datetime, phase: float) -> bytes:
    t = now.timestamp()
    return json.dumps({
        "v": 1, "edge": edge, "epoch": epoch, "seq": seq, "msg_id": f"{edge}:{epoch}:{seq}",
        "sent_at": now.isoformat(), "hist": False,
        "points": [{"pt": code, "ts": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "v": Decimal(wave(*level, t, phase + i)), "u": unit, "q": "good"}
                   for i, (code, unit, level) in enumerate(points)]}, default=str).encode()


async def run(factory: sessionmaker[Session], *, hj212_host: str = "127.0.0.1",
              hj212_port: int = 9212, mqtt_host: str = "127.0.0.1", mqtt_port: int = 1883,
              interval_s: float = 5.0, park_code: str | None = None,
              stop: asyncio.Event | None = None, counter: dict[str, int] | None = None,
              mqtt_enabled: bool = True) -> None:
    stop = stop or asyncio.Event()
    counter = counter if counter is not None else {}
    p = await asyncio.to_thread(plan, factory, park_code)
    log.info("simulating %d HJ 212 loggers and %d MQTT edges", len(p.loggers), len(p.edges))
    tasks = [asyncio.create_task(run_logger(hj212_host, hj212_port, mn, st, pw, tz, f,
                                            interval_s, stop, counter))
             for mn, st, pw, tz, f in p.loggers]
    epoch = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    clients = [(mqtt_edge_client(mqtt_host, mqtt_port, f"{edge}-{epoch}"), park, ent, edge, pts)
               for park, ent, edge, pts in p.edges] if mqtt_enabled else []
    seq = 0
    try:
        while not stop.is_set():
            now = datetime.now(UTC).replace(microsecond=0)
            for c, park, ent, edge, pts in clients:
                if c.is_connected():
                    c.publish(f"cmis/v1/{park}/{ent}/{edge}/rt/meter",
                              envelope(edge, seq, epoch, pts, now, 0.0), qos=1)
                    counter["mqtt_sent"] = counter.get("mqtt_sent", 0) + 1
            seq += 1
            try:
                async with asyncio.timeout(interval_s):
                    await stop.wait()
            except TimeoutError:
                pass
    finally:
        stop.set()
        for c, *_ in clients:
            c.disconnect()
            c.loop_stop()
        await asyncio.gather(*tasks, return_exceptions=True)
