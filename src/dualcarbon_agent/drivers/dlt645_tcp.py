"""DL/T 645-2007 meters behind a serial-to-TCP converter (transparent mode) or on a local RS-485
port (optional pyserial; 2400 bit/s 8E1 by default).

One request in flight per bus: meters and DIs are read strictly one after the other. Each reply is
checked against the request (address, control ``91``, DI); an abnormal reply (``D1``, e.g. "no
requested data") skips that DI; a timeout or a broken link fails the poll and the link is reopened
on the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from typing import Any, Protocol

from dualcarbon.core.codecs import dlt645

from ..config import DIMap, Meter, SourceConfig
from ..model import Reading, decimal_text
from .base import PollingDriver

log = logging.getLogger("dualcarbon_agent.drivers.dlt645")


def answers(request: dlt645.Frame, reply: dlt645.Frame) -> bool:
    """Is ``reply`` the meter's answer to ``request``? (Stale replies of a timed-out request and
    echoes of our own request on a 2-wire bus are skipped.)"""
    if not reply.is_response or reply.function != request.function:
        return False
    if request.address != dlt645.WILDCARD_ADDRESS and reply.address != request.address:
        return False
    return reply.is_abnormal or reply.data[:4] == request.data[:4]


class Link(Protocol):
    async def exchange(self, request: bytes, timeout: float) -> dlt645.Frame: ...

    async def close(self) -> None: ...


class TcpLink:
    def __init__(self, host: str, port: int, connect_timeout: float = 5.0) -> None:
        self.host, self.port, self.connect_timeout = host, port, connect_timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.reader is not None and self.writer is not None and not self.writer.is_closing():
            return self.reader, self.writer
        async with asyncio.timeout(self.connect_timeout):
            reader, writer = await asyncio.open_connection(self.host, self.port)
        self.reader, self.writer = reader, writer
        return reader, writer

    async def exchange(self, request: bytes, timeout: float) -> dlt645.Frame:
        sent = dlt645.parse_frame(request)
        reader, writer = await self._open()
        writer.write(request)
        await writer.drain()
        buf = b""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame, used = dlt645.find_frame(buf)
            buf = buf[used:]
            if frame is not None:
                if answers(sent, frame):
                    return frame
                log.debug("skipping frame %s %02X (not our reply)", frame.address, frame.control)
                continue
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError("no complete DL/T 645 reply")
            async with asyncio.timeout(remaining):
                chunk = await reader.read(1024)
            if not chunk:
                raise ConnectionError("connection closed by the converter")
            buf += chunk

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


class SerialLink:
    """RS-485 through pyserial (blocking I/O in a worker thread)."""

    def __init__(
        self, port: str, baudrate: int = 2400, parity: str = "E", serial_factory: Any = None
    ) -> None:
        self.port, self.baudrate, self.parity = port, baudrate, parity
        self.factory = serial_factory
        self.handle: Any = None

    def _open(self) -> Any:
        if self.handle is None:
            factory = self.factory
            if factory is None:
                import serial

                factory = serial.Serial
            self.handle = factory(
                self.port,
                baudrate=self.baudrate,
                bytesize=8,
                parity=self.parity,
                stopbits=1,
                timeout=0.1,
            )
        return self.handle

    def _exchange(self, request: bytes, timeout: float) -> dlt645.Frame:
        import time

        sent = dlt645.parse_frame(request)
        handle = self._open()
        handle.reset_input_buffer()
        handle.write(request)
        handle.flush()
        buf = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            buf += handle.read(256) or b""
            while True:
                frame, used = dlt645.find_frame(buf)
                buf = buf[used:]
                if frame is None:
                    break
                if answers(sent, frame):
                    return frame
        raise TimeoutError("no complete DL/T 645 reply")

    async def exchange(self, request: bytes, timeout: float) -> dlt645.Frame:
        return await asyncio.to_thread(self._exchange, request, timeout)

    async def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


class Dlt645Driver(PollingDriver):
    def __init__(self, cfg: SourceConfig, link: Link | None = None) -> None:
        self.cfg = cfg
        self.name = cfg.name
        self.interval_s = cfg.interval_s
        reads = sum(len({d.di for d in m.dis}) for m in cfg.meters)
        self.timeout_s = max(5.0, cfg.timeout_s * reads + 2)
        self.link: Link = link or (
            SerialLink(cfg.serial_port, cfg.baudrate, cfg.parity)
            if cfg.transport == "serial"
            else TcpLink(cfg.host, cfg.port, cfg.timeout_s)
        )

    async def poll(self, ts_ms: int) -> list[Reading]:
        readings: list[Reading] = []
        for meter in self.cfg.meters:
            readings.extend(await self._poll_meter(meter, ts_ms))
        return readings

    async def _poll_meter(self, meter: Meter, ts_ms: int) -> list[Reading]:
        readings: list[Reading] = []
        by_di: dict[int, list[DIMap]] = defaultdict(list)
        for item in meter.dis:
            by_di[item.di].append(item)
        for di, maps in by_di.items():
            label = f"{self.name}: meter {meter.address} DI {dlt645.format_di(di)}"
            try:
                frame = await self.link.exchange(
                    dlt645.build_read(meter.address, di), self.cfg.timeout_s
                )
                reply = dlt645.decode_read_response(frame, di, address=meter.address)
            except dlt645.DLT645Error as exc:  # abnormal reply (D1), bad frame, mismatch
                log.warning("%s: %s", label, exc)
                continue
            except TimeoutError:  # a silent meter must not stop the rest of the bus
                log.warning("%s: no answer; skipping this meter for this poll", label)
                return readings
            except OSError as exc:  # the link itself is broken
                await self.close()
                raise ConnectionError(f"{label}: {type(exc).__name__} {exc}") from exc
            for item in maps:
                value = reply.values[item.index]
                if value is None or isinstance(value, str):
                    continue
                readings.append(Reading(item.point, ts_ms, decimal_text(value)))
        return readings

    async def close(self) -> None:
        await self.link.close()
