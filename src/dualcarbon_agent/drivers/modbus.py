"""Modbus TCP source (pymodbus ≥ 3.10 client API: keyword ``count``/``device_id``).

Registers are 0-based protocol addresses (PLC "40001" = holding 0). Contiguous registers of one
table are read together (≤ 125 registers per request, gaps ≤ 8 registers bridged). Decoding uses
``convert_from_registers`` with the register's (or the source's) word order; the engineering value
is ``raw × scale + offset`` in exact decimal arithmetic. float32 values are written with the
shortest text that reads back as the same single-precision number.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException

from ..config import RegisterMap, SourceConfig
from ..model import Reading, float32_text, scaled
from .base import PollingDriver

log = logging.getLogger("dualcarbon_agent.drivers.modbus")

MAX_REGISTERS = 125
MAX_GAP = 8
DATATYPES = {
    "int16": AsyncModbusTcpClient.DATATYPE.INT16,
    "uint16": AsyncModbusTcpClient.DATATYPE.UINT16,
    "int32": AsyncModbusTcpClient.DATATYPE.INT32,
    "uint32": AsyncModbusTcpClient.DATATYPE.UINT32,
    "int64": AsyncModbusTcpClient.DATATYPE.INT64,
    "uint64": AsyncModbusTcpClient.DATATYPE.UINT64,
    "float32": AsyncModbusTcpClient.DATATYPE.FLOAT32,
    "float64": AsyncModbusTcpClient.DATATYPE.FLOAT64,
}


@dataclass(frozen=True)
class ReadBlock:
    table: str
    start: int
    count: int
    registers: tuple[RegisterMap, ...]


def plan_reads(registers: tuple[RegisterMap, ...] | list[RegisterMap]) -> list[ReadBlock]:
    """Group registers into as few requests as possible."""
    blocks: list[ReadBlock] = []
    for table in ("holding", "input"):
        regs = sorted((r for r in registers if r.table == table), key=lambda r: r.address)
        current: list[RegisterMap] = []
        start = end = 0
        for reg in regs:
            reg_end = reg.address + reg.count
            if (
                current
                and reg.address <= end + MAX_GAP
                and max(end, reg_end) - start <= (MAX_REGISTERS)
            ):
                current.append(reg)
                end = max(end, reg_end)
                continue
            if current:
                blocks.append(ReadBlock(table, start, end - start, tuple(current)))
            current, start, end = [reg], reg.address, reg_end
        if current:
            blocks.append(ReadBlock(table, start, end - start, tuple(current)))
    return blocks


def decode_register(reg: RegisterMap, words: list[int], default_word_order: str) -> str | None:
    word_order = reg.word_order or default_word_order
    raw = AsyncModbusTcpClient.convert_from_registers(
        words, DATATYPES[reg.type], word_order="little" if word_order == "little" else "big"
    )
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return None
        text = float32_text(raw) if reg.type == "float32" else repr(raw)
        return scaled(text, reg.scale, reg.offset)
    if not isinstance(raw, int):
        raise TypeError(f"unexpected register value {raw!r}")
    return scaled(raw, reg.scale, reg.offset)


class ModbusDriver(PollingDriver):
    def __init__(self, cfg: SourceConfig) -> None:
        self.cfg = cfg
        self.name = cfg.name
        self.interval_s = cfg.interval_s
        self.timeout_s = cfg.timeout_s * 2 * max(1, len(plan_reads(cfg.registers)))
        self.blocks = plan_reads(cfg.registers)
        self.client: AsyncModbusTcpClient | None = None

    async def _connect(self) -> AsyncModbusTcpClient:
        if self.client is not None and self.client.connected:
            return self.client
        await self.close()
        client = AsyncModbusTcpClient(
            self.cfg.host,
            port=self.cfg.port,
            timeout=self.cfg.timeout_s,
            retries=1,
            reconnect_delay=0,
        )
        if not await client.connect():
            client.close()
            raise ConnectionError(f"modbus {self.cfg.host}:{self.cfg.port} unreachable")
        self.client = client
        return client

    async def poll(self, ts_ms: int) -> list[Reading]:
        client = await self._connect()
        readings: list[Reading] = []
        for block in self.blocks:
            read = (
                client.read_holding_registers
                if block.table == "holding"
                else client.read_input_registers
            )
            try:
                response = await read(block.start, count=block.count, device_id=self.cfg.unit)
            except (ModbusException, OSError) as exc:
                await self.close()
                raise ConnectionError(f"modbus {self.name}: {exc}") from exc
            if response.isError():
                log.warning(
                    "modbus %s: %s %d+%d answered %s",
                    self.name,
                    block.table,
                    block.start,
                    block.count,
                    response,
                )
                continue
            words = list(response.registers)
            for reg in block.registers:
                offset = reg.address - block.start
                value = decode_register(
                    reg, words[offset : offset + reg.count], self.cfg.word_order
                )
                if value is None:
                    log.warning("modbus %s: %s is not a finite number", self.name, reg.point)
                    continue
                readings.append(Reading(reg.point, ts_ms, value))
        return readings

    async def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
