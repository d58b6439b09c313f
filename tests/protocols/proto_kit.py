"""Helpers for the protocol-door tests: committed master data (the doors commit through their own
sessions) and an HJ 212 data-logger client written from the spec."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from dualcarbon.collection.models import Reading
from dualcarbon.core.codecs import hj212
from dualcarbon.db.engine import make_sessionmaker
from dualcarbon.db.session import unit_of_work
from dualcarbon.protocols import hj212_service
from testkit import make_enterprise, make_park, make_point, n


@dataclass
class World:
    factory: sessionmaker[Session]
    park_id: int
    enterprise_id: int
    mn: str
    points: dict[str, int]  # name -> point id
    codes: dict[str, str]  # name -> point code


def make_world(engine: Engine, *, gap_fill: bool = True) -> World:
    factory = make_sessionmaker(engine)
    i = n()
    mn = f"0100{i:020d}"
    with unit_of_work(factory) as s:
        park = make_park(s)
        ent = make_enterprise(s, park)
        spec = {
            "co2_rt": ("%", "co2"), "flow_rt": ("m3/s", "flue_gas"),
            "co2_h": ("%", "co2"), "flow_h": ("m3/s", "flue_gas"), "co2_kg_h": ("kg", "co2"),
            "o2_rt": ("%", "o2"),
        }
        pts = {k: make_point(s, ent, unit=u, medium=m, measurement="instantaneous")
               for k, (u, m) in spec.items()}
        dev = hj212_service.create_device(s, park_id=park.id, enterprise_id=ent.id, mn=mn,
                                          name="CEMS-1", password="123456", gap_fill=gap_fill)
        for name, cn, factor, suffix in [
            ("co2_rt", 2011, "a05001", "Rtd"), ("flow_rt", 2011, "a00000", "Rtd"),
            ("o2_rt", 2011, "a19001", "Rtd"),
            ("co2_h", 2061, "a05001", "Avg"), ("flow_h", 2061, "a00000", "Avg"),
            ("co2_kg_h", 2061, "a05001", "Cou"),
        ]:
            hj212_service.map_factor(s, dev, cn=cn, factor_code=factor, suffix=suffix,
                                     point_id=pts[name].id, basis="dry")
        world = World(factory, park.id, ent.id, mn, {k: p.id for k, p in pts.items()},
                      {k: p.code for k, p in pts.items()})
    return world


def count_readings(world: World, *names: str) -> int:
    with unit_of_work(world.factory, writes=False) as s:
        return int(s.scalar(select(func.count()).select_from(Reading).where(
            Reading.point_id.in_([world.points[k] for k in names]))) or 0)


_qn = iter(range(1, 10**9))


def next_qn(t: datetime) -> str:
    return t.strftime("%Y%m%d%H%M%S") + f"{next(_qn) % 1000:03d}"


def realtime_packet(mn: str, t: datetime, co2: str = "11.82", flow: str = "91.850", *,
                    qn: str | None = None, flag: int = 5) -> tuple[bytes, str]:
    qn = qn or next_qn(t)
    cp = hj212.format_cp({"DataTime": hj212.format_time(t)}, {
        "a05001": {"Rtd": co2, "Flag": "N"}, "a19001": {"Rtd": "6.35", "Flag": "N"},
        "a00000": {"Rtd": flow, "Flag": "N"}})
    return hj212.build_packet(qn=qn, st="31", cn=2011, pw="123456", mn=mn, flag=flag,
                              cp=cp), qn


def hour_packet(mn: str, t: datetime, *, qn: str | None = None, co2: str = "11.80",
                flow: str = "91.850", cou: str = "76660.0", pnum: int | None = None,
                pno: int | None = None, factors: tuple[str, ...] = ("a05001", "a00000"),
                ) -> tuple[bytes, str]:
    qn = qn or next_qn(t + timedelta(hours=1))
    all_f: dict[str, dict[str, str]] = {
        "a05001": {"Avg": co2, "Cou": cou, "Flag": "N"},
        "a00000": {"Avg": flow, "Flag": "N"}}
    cp = hj212.format_cp({"DataTime": hj212.format_time(t)}, {k: all_f[k] for k in factors})
    flag = hj212.make_flag(ack=True, split=pnum is not None)
    return hj212.build_packet(qn=qn, st="31", cn=2061, pw="123456", mn=mn, flag=flag, cp=cp,
                              pnum=pnum, pno=pno), qn


class Logger:
    """A data logger (数采仪) on a TCP connection: writes bytes, reads the host's packets."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.framer = hj212.Framer()
        self.pending: list[hj212.Packet] = []

    @classmethod
    async def connect(cls, port: int) -> Logger:
        r, w = await asyncio.open_connection("127.0.0.1", port)
        return cls(r, w)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def receive(self, timeout: float = 5.0) -> hj212.Packet | None:
        """The next packet from the host, or None after ``timeout`` seconds of silence."""
        while not self.pending:
            try:
                async with asyncio.timeout(timeout):
                    chunk = await self.reader.read(4096)
            except TimeoutError:
                return None
            if not chunk:
                return None
            for fr in self.framer.feed(chunk):
                assert fr.crc_ok, fr.raw
                self.pending.append(hj212.decode(fr))
        return self.pending.pop(0)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()


def run(coro: Any) -> Any:
    return asyncio.run(coro)
