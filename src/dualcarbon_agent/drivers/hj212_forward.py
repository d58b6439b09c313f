"""HJ 212 pass-through: data loggers (数采仪) connect to the agent, the agent relays the byte stream
to the platform's HJ 212 server and relays the answers (9014 acks, history requests) back.

Nothing is buffered: HJ 212 has its own recovery — a logger keeps its records until it gets a 9014
and the platform fills gaps with history requests (CN 2051/2061/2031). If the upstream server is
unreachable the logger's connection is closed at once, so it retries instead of believing the
data was delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from ..config import SourceConfig
from .base import Service

log = logging.getLogger("dualcarbon_agent.drivers.hj212")


class Hj212Forwarder(Service):
    def __init__(self, cfg: SourceConfig) -> None:
        self.cfg = cfg
        self.name = cfg.name
        self.server: asyncio.Server | None = None
        self.ready = asyncio.Event()
        self.bytes_up = 0
        self.bytes_down = 0
        self.packets_up = 0
        self.connections = 0

    @property
    def port(self) -> int:
        if self.server is None or not self.server.sockets:
            return 0
        return int(self.server.sockets[0].getsockname()[1])

    async def run(self, stop: asyncio.Event) -> None:
        self.server = await asyncio.start_server(
            self._serve, self.cfg.listen_host, self.cfg.listen_port
        )
        log.info(
            "HJ 212 forwarder %s: %s:%d → %s:%d",
            self.name,
            self.cfg.listen_host,
            self.port,
            self.cfg.host,
            self.cfg.port,
        )
        self.ready.set()
        try:
            await stop.wait()
        finally:
            self.server.close()
            await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        self.connections += 1
        try:
            async with asyncio.timeout(self.cfg.timeout_s):
                up_reader, up_writer = await asyncio.open_connection(self.cfg.host, self.cfg.port)
        except (OSError, TimeoutError) as exc:
            log.warning(
                "HJ 212 %s: upstream %s:%d unreachable (%s); closing logger %s",
                self.name,
                self.cfg.host,
                self.cfg.port,
                exc,
                peer,
            )
            writer.close()
            return
        log.info("HJ 212 %s: logger %s connected", self.name, peer)
        await asyncio.gather(
            self._pipe(reader, up_writer, up=True), self._pipe(up_reader, writer, up=False)
        )

    async def _pipe(
        self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, *, up: bool
    ) -> None:
        try:
            while chunk := await src.read(4096):
                dst.write(chunk)
                await dst.drain()
                if up:
                    self.bytes_up += len(chunk)
                    self.packets_up += chunk.count(b"##")
                else:
                    self.bytes_down += len(chunk)
        except (ConnectionError, OSError) as exc:
            log.info("HJ 212 %s: connection ended: %s", self.name, exc)
        finally:
            with contextlib.suppress(Exception):
                dst.close()
