"""The demo park in motion: a CO2 CEMS with its HJ 212 data logger on the park CHP's 1# boiler,
and, when `dualcarbon demo` starts, an HJ 212 server, an MQTT subscriber (when a broker answers)
and the simulator — all in this process, all through the real doors and ingest(), so the
real-time pages move (issue 4 §8)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dualcarbon.db.session import unit_of_work
from dualcarbon.protocols import cems_service, hj212_service, simulator
from dualcarbon.protocols.models import CemsUnit, Hj212Device, Hj212FactorMap
from dualcarbon.registry.models import Enterprise, Facility, MeteringPoint, Park

log = logging.getLogger("dualcarbon.demo")

CEMS_ENTERPRISE = "NT-CHP"
CEMS_FACILITY = "B1"
LOGGER_MN = "3206000000NTCHPB1CEMS001"  # 24 characters (HJ 212-2017 §6.3.2)
LOGGER_PW = "123456"
# factor → (point suffix, name, medium, unit, basis, state) — the CEMS of protocols.md §2.3
CEMS_FACTORS = (
    ("a05001", "CO2", "1#锅炉烟气CO2浓度（CEMS）", "co2", "%", "dry", None),
    ("a00000", "FLOW", "1#锅炉烟气流量（CEMS，标干）", "flue_gas", "m3/s", "dry", "standard"),
    ("a19001", "O2", "1#锅炉烟气含氧量（CEMS）", "flue_gas", "%", "dry", None),
    ("a01012", "TEMP", "1#锅炉烟气温度（CEMS）", "flue_gas", "℃", None, None),
    ("a01013", "PRES", "1#锅炉烟气静压（CEMS）", "flue_gas", "kPa", None, None),
    ("a01014", "H2O", "1#锅炉烟气湿度（CEMS）", "flue_gas", "%", None, None),
)


def ensure_demo_cems(factory: sessionmaker[Session], park_code: str) -> bool:
    """Create the demo CEMS (points, HJ 212 logger, factor map, CEMS unit) if it is missing.
    Idempotent, so a demo database seeded before this existed gets it too."""
    with unit_of_work(factory) as s:
        if s.scalar(select(Hj212Device.id).where(Hj212Device.mn == LOGGER_MN)) is not None:
            return False
        ent = s.scalar(select(Enterprise).join(Park, Park.id == Enterprise.park_id).where(
            Park.code == park_code, Enterprise.code == CEMS_ENTERPRISE))
        if ent is None:
            return False
        fac = s.scalar(select(Facility).where(Facility.enterprise_id == ent.id,
                                              Facility.code == CEMS_FACILITY))
        points: dict[str, MeteringPoint] = {}
        for _, key, name, medium, unit, _, _ in CEMS_FACTORS:
            code = f"{ent.code}.CEMS-{CEMS_FACILITY}-{key}"
            pt = s.scalar(select(MeteringPoint).where(MeteringPoint.code == code))
            if pt is None:
                pt = MeteringPoint(park_id=ent.park_id, enterprise_id=ent.id,
                                   facility_id=fac.id if fac else None, code=code, name=name,
                                   medium=medium, unit=unit, measurement="instantaneous",
                                   direction="internal", expected_interval_seconds=60)
                s.add(pt)
                s.flush()
            points[key] = pt
        dev = hj212_service.create_device(
            s, park_id=ent.park_id, enterprise_id=ent.id, mn=LOGGER_MN,
            name="1#锅炉烟气CEMS数采仪", password=LOGGER_PW, min_interval_minutes=1)
        for factor, key, _, _, _, basis, state in CEMS_FACTORS:
            hj212_service.map_factor(s, dev, cn=2011, factor_code=factor,
                                     point_id=points[key].id, basis=basis, state=state)
        cems_service.create_unit(
            s, enterprise_id=ent.id, code="CEMS-B1", name="1#锅炉CO2连续排放监测系统",
            co2_point_id=points["CO2"].id, flow_point_id=points["FLOW"].id,
            moisture_point_id=points["H2O"].id, temperature_point_id=points["TEMP"].id,
            pressure_point_id=points["PRES"].id, facility_id=fac.id if fac else None,
            co2_basis="dry", flow_state="standard_dry", flow_unit="m3/s")
    return True


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _broker_up(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@dataclass
class DemoStreams:
    hj212_port: int = 0
    mqtt: bool = False
    counter: dict[str, int] = field(default_factory=dict)
    stop: asyncio.Event | None = None
    loop: asyncio.AbstractEventLoop | None = None
    ready: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def close(self, timeout: float = 15) -> None:
        if self.loop is not None and self.stop is not None:
            self.loop.call_soon_threadsafe(self.stop.set)
        if self.thread is not None:
            self.thread.join(timeout)

    def describe(self) -> str:
        mqtt = ("MQTT 采集网关模拟已启动" if self.mqtt
                else "未连接到 MQTT 代理（仅模拟 HJ 212 数采仪）/ no MQTT broker: HJ 212 only")
        return (f"模拟数据 / simulated data: HJ 212 server on 127.0.0.1:{self.hj212_port}; "
                f"{mqtt}")


def start_streams(factory: sessionmaker[Session], settings: object, park_code: str,
                  interval_s: float = 5.0) -> DemoStreams:
    """HJ 212 server + MQTT subscriber + simulator on a daemon thread of this process."""
    from dualcarbon.protocols.hj212_server import Hj212Server
    from dualcarbon.protocols.mqtt_ingest import MqttIngestor

    mqtt_cfg = settings.mqtt  # type: ignore[attr-defined]
    hj_cfg = settings.hj212  # type: ignore[attr-defined]
    streams = DemoStreams()
    preferred = hj_cfg.port if _port_free("127.0.0.1", hj_cfg.port) else 0
    streams.mqtt = _broker_up(mqtt_cfg.host, mqtt_cfg.port)

    async def main() -> None:
        streams.stop = asyncio.Event()
        streams.loop = asyncio.get_running_loop()
        server = Hj212Server(factory, "127.0.0.1", preferred)
        await server.start()
        streams.hj212_port = server.port
        ingestor = None
        if streams.mqtt:
            # a group of its own: two demo servers on one broker each see every message
            tag = f"demo-{os.getpid()}"
            ingestor = MqttIngestor(factory, host=mqtt_cfg.host, port=mqtt_cfg.port,
                                    group=tag, client_id=tag,
                                    topics=(f"cmis/v1/{park_code}/+/+/rt/+",))
            ingestor.start()
        streams.ready.set()
        try:
            await simulator.run(factory, hj212_port=server.port, mqtt_host=mqtt_cfg.host,
                                mqtt_port=mqtt_cfg.port, mqtt_enabled=streams.mqtt,
                                interval_s=interval_s, park_code=park_code,
                                stop=streams.stop, counter=streams.counter)
        finally:
            if ingestor is not None:
                ingestor.stop()
            await server.close()

    def thread() -> None:
        try:
            asyncio.run(main())
        except Exception:  # the demo must keep serving the UI even if the simulation fails
            log.exception("demo streams stopped")
            streams.ready.set()

    streams.thread = threading.Thread(target=thread, name="demo-streams", daemon=True)
    streams.thread.start()
    streams.ready.wait(15)
    return streams


# --------------------------------------------------------------------------- history backfill

# enterprise main incoming meters: mean load (kW) by enterprise code, the rest get DEFAULT_KW
DEFAULT_KW = 6000.0


def backfill_history(factory: sessionmaker[Session], park_code: str, days: int = 14,
                     cems_days: int = 3, now: datetime | None = None) -> int:
    """Give the demo a past: ``cems_days`` of minute CEMS data for the CHP boiler (an hour is
    valid with ≥ 45 minute values) and ``days`` of hourly register reads of every enterprise's
    incoming electricity meter, through ingest() as an import would, then the CEMS hours.
    Idempotent: once the CEMS has data a day old or older, nothing is added. Returns the count
    of readings stored."""
    import math
    import random

    from dualcarbon.collection.models import Reading
    from dualcarbon.collection.service import ReadingIn, ingest

    now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    start = (now - timedelta(days=days)).replace(minute=0)
    rng = random.Random(2026)
    with unit_of_work(factory, writes=False) as s:
        park = s.scalar(select(Park).where(Park.code == park_code))
        dev = s.scalar(select(Hj212Device).where(Hj212Device.mn == LOGGER_MN))
        if park is None or dev is None:
            return 0
        maps = {m.factor_code: m.point_id for m in s.scalars(
            select(Hj212FactorMap).where(Hj212FactorMap.device_id == dev.id))}
        codes: dict[int, str] = dict(s.execute(select(
            MeteringPoint.id, MeteringPoint.code).where(MeteringPoint.park_id == park.id)).all())
        # ≤: a back-fill started on the hour (minute 0) begins exactly one day back
        old = s.scalar(select(Reading.ts).where(Reading.point_id == maps.get("a05001"),
                                                Reading.ts <= now - timedelta(days=1)).limit(1))
        if old is not None:
            return 0
        meters = list(s.execute(select(MeteringPoint.code, MeteringPoint.enterprise_id).where(
            MeteringPoint.park_id == park.id, MeteringPoint.code.like("%.EL-IN"))))
        park_id, ent_id = park.id, dev.enterprise_id
    stored = 0
    # CEMS: minute values, a daily load swing
    cems: list[ReadingIn] = []
    cems_start = (now - timedelta(days=cems_days)).replace(minute=0)
    t = cems_start
    while t < now - timedelta(minutes=1):
        swing = math.sin((t.hour + 8) / 24 * 2 * math.pi - 1.2)
        for factor, pid in maps.items():
            level, amp, digits = simulator.FACTOR_LEVELS.get(factor, (1.0, 0.1, 2))
            v = level + amp * (0.8 * swing + 0.3 * rng.uniform(-1, 1))
            cems.append(ReadingIn(codes[pid], t, f"{v:.{digits}f}"))
        t += timedelta(minutes=1)
    for i in range(0, len(cems), 5000):
        with unit_of_work(factory) as s:
            stored += ingest(s, park_id=park_id, readings=cems[i:i + 5000], source="import",
                             batch_ref=f"demo-backfill-cems-{i}", enterprise_id=ent_id,
                             created_by="demo").accepted
    # incoming electricity registers: hourly reads, day/night pattern
    for code, enterprise_id in meters:
        kw = DEFAULT_KW * (0.5 + rng.random())
        register, reads = 1_000_000.0 * rng.random(), []
        t = start
        while t < now - timedelta(minutes=30):
            reads.append(ReadingIn(code, t, f"{register:.1f}"))
            day = 1.0 + 0.25 * math.sin((t.hour + 8 - 9) / 24 * 2 * math.pi)
            register += kw * day * (0.9 + 0.2 * rng.random())
            t += timedelta(hours=1)
        with unit_of_work(factory) as s:
            stored += ingest(s, park_id=park_id, readings=reads, source="import",
                             batch_ref=f"demo-backfill-{code}", enterprise_id=enterprise_id,
                             created_by="demo").accepted
    with unit_of_work(factory) as s:
        for unit in s.scalars(select(CemsUnit).where(CemsUnit.enterprise_id == ent_id)):
            cems_service.compute_hours(s, unit, cems_start, now.replace(minute=0))
    return stored
