"""HJ 212-2017 TCP server (asyncio). Data loggers connect and keep the socket open; the server

* frames the byte stream (split and sticky packets, garbage resync) and checks length and CRC;
* a corrupt upload is dropped and counted, never answered, so the logger re-sends; a corrupt
  request is answered 9011 ``QnRtn=9`` (§1.10 rule 2);
* stores real-time/minute/hour/day data (CN 2011/2051/2061/2031, split packets each on their own)
  through the one ingestion service and answers 9014 **only after the commit**;
* sends history requests (BeginTime/EndTime) for detected gaps over the same socket and tracks
  the logger's 9011/9012 answers; answers 1013 with 9013 then 1012 (time sync).

Database work runs in a thread (``asyncio.to_thread``); packets of one connection are handled in
order. Nothing is kept in memory that a second server process would need.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from dualcarbon.core.codecs import hj212
from dualcarbon.db.types import utcnow
from dualcarbon.protocols import hj212_service as service

log = logging.getLogger("dualcarbon.hj212")


@dataclass(slots=True)
class Stats:
    connections: int = 0
    frames: int = 0
    crc_errors: int = 0
    parse_errors: int = 0
    stored: int = 0
    acks: int = 0
    not_acked: int = 0
    history_requests: int = 0
    garbage_bytes: int = 0


class Hj212Server:
    def __init__(self, factory: sessionmaker[Session], host: str = "0.0.0.0",  # noqa: S104
                 port: int = 9212, *, read_timeout_s: float = 600.0) -> None:
        self.factory = factory
        self.host = host
        self.requested_port = port
        self.read_timeout_s = read_timeout_s
        self.stats = Stats()
        self.server: asyncio.Server | None = None
        self.ready = asyncio.Event()

    @property
    def port(self) -> int:
        if self.server is None or not self.server.sockets:
            return 0
        return int(self.server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, self.host, self.requested_port)
        log.info("HJ 212 server listening on %s:%d", self.host, self.port)
        self.ready.set()

    async def run(self, stop: asyncio.Event) -> None:
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.close()

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer_info = writer.get_extra_info("peername")
        peer = f"{peer_info[0]}:{peer_info[1]}" if peer_info else None
        self.stats.connections += 1
        framer = hj212.Framer()
        try:
            while True:
                try:
                    async with asyncio.timeout(self.read_timeout_s):
                        chunk = await reader.read(65536)
                except TimeoutError:
                    log.info("HJ 212 %s idle for %ss; closing", peer, self.read_timeout_s)
                    break
                if not chunk:
                    break
                before = framer.skipped
                for frame in framer.feed(chunk):
                    await self._frame(frame, writer, peer)
                self.stats.garbage_bytes += framer.skipped - before
        except (ConnectionError, OSError) as exc:
            log.info("HJ 212 %s connection ended: %s", peer, exc)
        finally:
            with contextlib.suppress(Exception):
                writer.close()
                await writer.wait_closed()

    async def _frame(self, frame: hj212.RawFrame, writer: asyncio.StreamWriter,
                     peer: str | None) -> None:
        self.stats.frames += 1
        if not frame.crc_ok:
            self.stats.crc_errors += 1
            log.warning("HJ 212 %s: CRC error (%s), packet dropped", peer, frame.crc_text)
            with contextlib.suppress(hj212.HJ212Error, UnicodeDecodeError):
                p = hj212.parse_segment(frame.segment.decode("utf-8"))
                if not p.is_data and p.needs_ack:
                    await self._send(writer, hj212.build_request_reply(p, hj212.QnRtn.CRC_ERROR))
            return
        try:
            packet = hj212.decode(frame)
        except hj212.HJ212Error as exc:
            self.stats.parse_errors += 1
            log.warning("HJ 212 %s: unparseable packet dropped: %s", peer, exc)
            return
        if packet.is_data:
            await self._data(packet, frame.raw, writer, peer)
        elif packet.cn in (hj212.Cn.REQUEST_REPLY, hj212.Cn.EXECUTION_RESULT):
            await asyncio.to_thread(service.handle_reply, self.factory, packet)
        elif packet.cn == hj212.Cn.TIME_CALIBRATION_REQUEST:
            await self._send(writer, hj212.build_notify_reply(packet))
            tz = await asyncio.to_thread(service.device_time_zone, self.factory, packet.mn)
            if tz is not None:
                now = service.to_local(utcnow(), tz)
                await self._send(writer, hj212.build_set_time(
                    qn=hj212.format_qn(now), st=packet.st or "31", pw=packet.pw or "",
                    mn=packet.mn, system_time=now))
        elif packet.cn == hj212.Cn.DATA_ACK:
            return
        elif packet.needs_ack:
            await self._send(writer, hj212.build_data_ack(packet))

    async def _data(self, packet: hj212.Packet, raw: bytes, writer: asyncio.StreamWriter,
                    peer: str | None) -> None:
        try:
            out = await asyncio.to_thread(service.handle_data, self.factory, packet, raw,
                                          peer=peer)
        except Exception:
            # not stored → not acknowledged: the logger keeps the record and re-sends it
            self.stats.not_acked += 1
            log.exception("HJ 212 %s: storing %s QN=%s failed; no ack", peer, packet.mn, packet.qn)
            return
        self.stats.stored += out.accepted
        if out.ack:
            await self._send(writer, hj212.build_data_ack(packet))
            self.stats.acks += 1
        else:
            self.stats.not_acked += 1
            if out.status != "stored":
                log.warning("HJ 212 %s: MN %s packet %s", peer, packet.mn, out.status)
        for ask in out.history:
            dev = out.device
            assert dev is not None
            await self._send(writer, hj212.build_history_request(
                qn=ask.qn, st=packet.st or dev.st, cn=ask.cn, pw=packet.pw or "", mn=packet.mn,
                begin=ask.begin_local, end=ask.end_local))
            self.stats.history_requests += 1
            log.info("HJ 212 %s: asked %s for CN %d history %s … %s", peer, packet.mn, ask.cn,
                     ask.begin_local, ask.end_local)

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        await writer.drain()


def run(factory: sessionmaker[Session], host: str, port: int,
        stop: asyncio.Event | None = None) -> None:
    """Blocking entry point (CLI, or a thread started by ``serve``)."""

    async def _main() -> None:
        server = Hj212Server(factory, host, port)
        await server.run(stop or asyncio.Event())

    asyncio.run(_main())


def local_now(tz: str) -> datetime:
    return service.to_local(utcnow(), tz)
