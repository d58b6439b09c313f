"""Drivers against real peers on loopback: a pymodbus TCP server, a DL/T 645 TCP responder built
from the codec, an asyncua server, an HJ 212 upstream; plus the scheduler end to end."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from agent_testkit import T0_MS, FakeIngestServer, free_port, write_config

from dualcarbon.core.codecs import dlt645
from dualcarbon_agent.config import RegisterMap, load_config, parse_config
from dualcarbon_agent.drivers.dlt645_tcp import Dlt645Driver, SerialLink
from dualcarbon_agent.drivers.hj212_forward import Hj212Forwarder
from dualcarbon_agent.drivers.modbus import ModbusDriver, plan_reads
from dualcarbon_agent.model import Reading, iso_from_ms
from dualcarbon_agent.scheduler import Agent

BASE = """
[agent]
id = "E"
[server]
url = "http://127.0.0.1:9"
[device_key]
key_id = "k"
secret = "s"
[outbox]
path = "o.db"
capacity_rows = 100000000
max_mb = 100
"""


def source_cfg(tmp_path: Path, toml: str) -> Any:
    import tomllib

    return parse_config(tomllib.loads(BASE + toml), base=tmp_path).sources[0]


def values(readings: list[Reading]) -> dict[str, str]:
    return {r.point: r.value for r in readings}


# --------------------------------------------------------------------------- Modbus TCP


MODBUS_SOURCE = """
[[sources]]
type = "modbus"
name = "mb"
host = "127.0.0.1"
port = {port}
unit = 1
interval_s = 1
timeout_s = 1
[[sources.registers]]
point = "FLOW"
address = 0
type = "float32"
[[sources.registers]]
point = "TOTAL"
address = 2
type = "uint32"
scale = 0.01
[[sources.registers]]
point = "TEMP"
address = 4
type = "int16"
scale = "0.1"
offset = -10
[[sources.registers]]
point = "LITTLE"
address = 10
type = "int32"
word_order = "little"
[[sources.registers]]
point = "F64"
address = 20
type = "float64"
[[sources.registers]]
point = "IR"
address = 0
table = "input"
type = "uint16"
[[sources.registers]]
point = "MISSING"
address = 300
type = "uint16"
"""


@contextlib.asynccontextmanager
async def modbus_server(port: int = 0) -> Any:
    from pymodbus.client import AsyncModbusTcpClient as C
    from pymodbus.server import ModbusTcpServer
    from pymodbus.simulator import DataType, SimData, SimDevice

    def regs(value: Any, dtype: Any, word_order: str = "big") -> list[int]:
        return list(C.convert_to_registers(value, dtype, word_order=word_order))  # type: ignore[arg-type]

    hr = [0] * 40
    hr[0:2] = regs(12345.678, C.DATATYPE.FLOAT32)
    hr[2:4] = regs(987654321, C.DATATYPE.UINT32)
    hr[4:5] = regs(-5, C.DATATYPE.INT16)
    hr[10:12] = regs(-123456, C.DATATYPE.INT32, "little")
    hr[20:24] = regs(0.1, C.DATATYPE.FLOAT64)
    bits = [SimData(0, values=False, datatype=DataType.BITS)]
    device = SimDevice(
        id=1,
        simdata=(
            bits,
            list(bits),
            [SimData(0, values=hr, datatype=DataType.REGISTERS)],
            [SimData(0, values=[7, 8, 9], datatype=DataType.REGISTERS)],
        ),
    )
    server = ModbusTcpServer(device, address=("127.0.0.1", port))
    task = asyncio.create_task(server.serve_forever())
    for _ in range(200):
        if server.transport is not None:
            break
        await asyncio.sleep(0.01)
    try:
        yield server.transport.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    finally:
        await server.shutdown()
        task.cancel()
        with contextlib.suppress(BaseException):
            await task


def test_modbus_plan_groups_contiguous_registers() -> None:
    regs = [
        RegisterMap("a", 0, "float32"),
        RegisterMap("b", 2, "uint32"),
        RegisterMap("c", 9, "uint16"),  # gap of 5 ≤ 8 → same read
        RegisterMap("d", 200, "uint16"),  # far → own read
        RegisterMap("e", 0, "uint16", table="input"),
    ]
    blocks = plan_reads(regs)
    assert [(b.table, b.start, b.count) for b in blocks] == [
        ("holding", 0, 10),
        ("holding", 200, 1),
        ("input", 0, 1),
    ]
    wide = [RegisterMap(f"p{i}", i * 2, "float32") for i in range(100)]
    assert max(b.count for b in plan_reads(wide)) <= 125


def test_modbus_driver_reads_a_real_server(tmp_path: Path) -> None:
    async def scenario() -> list[Reading]:
        async with modbus_server() as port:
            driver = ModbusDriver(source_cfg(tmp_path, MODBUS_SOURCE.format(port=port)))
            try:
                first = await driver.poll(T0_MS)
                second = await driver.poll(T0_MS + 1000)  # same connection reused
                assert values(first) == values(second)
                return first
            finally:
                await driver.close()

    readings = asyncio.run(scenario())
    assert values(readings) == {
        "FLOW": "12345.678",
        "TOTAL": "9876543.21",
        "TEMP": "-10.5",
        "LITTLE": "-123456",
        "F64": "0.1",
        "IR": "7",
    }  # MISSING (illegal address) is skipped, the rest still read
    assert {r.ts_ms for r in readings} == {T0_MS}


def test_modbus_driver_reconnects_after_server_restart(tmp_path: Path) -> None:
    port = free_port()
    cfg = source_cfg(tmp_path, MODBUS_SOURCE.format(port=port))

    async def scenario() -> None:
        driver = ModbusDriver(cfg)
        with pytest.raises(ConnectionError):
            await driver.poll(T0_MS)  # nobody listening
        async with modbus_server(port):
            assert values(await driver.poll(T0_MS))["FLOW"] == "12345.678"
        with pytest.raises(ConnectionError):
            await driver.poll(T0_MS + 1000)  # server gone mid-life
        async with modbus_server(port):
            assert len(await driver.poll(T0_MS + 2000)) == 6
        await driver.close()

    asyncio.run(scenario())


# --------------------------------------------------------------------------- DL/T 645 TCP


METERS: dict[str, dict[int, tuple[Any, ...]]] = {
    "123456789012": {
        0x00010000: (Decimal("12345.67"),),
        0x0001FF00: tuple(Decimal(v) for v in ("36.30", "2.56", "0.19", "0.38", "33.17")),
        0x02030000: (Decimal("-1.2345"),),
        0x0201FF00: (Decimal("225.6"), None, None),
    },
    "000000193600": {0x00010000: (Decimal("0.01"),)},
}


@contextlib.asynccontextmanager
async def dlt645_responder(meters: dict[str, dict[int, tuple[Any, ...]]]) -> Any:
    """A converter with meters behind it; replies in two chunks with a wake-up preamble."""
    seen: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        buf = b""
        while chunk := await reader.read(1024):
            buf += chunk
            while True:
                frame, used = dlt645.find_frame(buf)
                buf = buf[used:]
                if frame is None:
                    break
                seen.append(bytes(frame.data))
                table = meters.get(frame.address)
                if table is None:
                    continue  # no such meter on the bus: silence
                di = int.from_bytes(frame.data[:4], "little")
                if di in table:
                    reply = dlt645.build_read_response(frame.address, di, table[di], preamble=2)
                else:
                    reply = dlt645.build_error_response(frame.address, 0x02, preamble=1)
                writer.write(reply[:5])
                await writer.drain()
                await asyncio.sleep(0.01)
                writer.write(reply[5:])
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], seen
    finally:
        server.close()
        await server.wait_closed()


DLT645_SOURCE = """
[[sources]]
type = "dlt645"
name = "bus1"
host = "127.0.0.1"
port = {port}
interval_s = 60
timeout_s = 0.5
[[sources.meters]]
address = "123456789012"
dis = [
  {{ di = "00010000", point = "M1.EP_IMP" }},
  {{ di = "0001FF00", index = 4, point = "M1.EP_IMP_T4" }},
  {{ di = "0001FF00", index = 1, point = "M1.EP_IMP_T1" }},
  {{ di = "02030000", point = "M1.P" }},
  {{ di = "0201FF00", index = 1, point = "M1.UB" }},
  {{ di = "00020000", point = "M1.EP_EXP" }},
]
[[sources.meters]]
address = "999999999998"
dis = [{{ di = "00010000", point = "GHOST.EP_IMP" }}]
[[sources.meters]]
address = "000000193600"
dis = [{{ di = "00010000", point = "M2.EP_IMP" }}]
"""


def test_dlt645_driver_against_a_codec_responder(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[Reading], list[bytes]]:
        async with dlt645_responder(METERS) as (port, seen):
            driver = Dlt645Driver(source_cfg(tmp_path, DLT645_SOURCE.format(port=port)))
            try:
                return await driver.poll(T0_MS), seen
            finally:
                await driver.close()

    readings, seen = asyncio.run(scenario())
    assert values(readings) == {
        "M1.EP_IMP": "12345.67",
        "M1.EP_IMP_T4": "33.17",
        "M1.EP_IMP_T1": "2.56",
        "M1.P": "-1.2345",
        "M2.EP_IMP": "0.01",
    }  # M1.UB unsupported (FF), M1.EP_EXP answered D1, GHOST silent: skipped, bus goes on
    assert len(seen) == 7  # one request per distinct DI, the block DI read once


def test_dlt645_driver_fails_the_poll_when_the_converter_is_down(tmp_path: Path) -> None:
    driver = Dlt645Driver(source_cfg(tmp_path, DLT645_SOURCE.format(port=free_port())))
    with pytest.raises(ConnectionError):
        asyncio.run(driver.poll(T0_MS))


class FakeSerial:
    """pyserial stand-in: answers each request from the codec, a few bytes per read."""

    def __init__(self, port: str, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.out = b""
        self.closed = False

    def reset_input_buffer(self) -> None:
        self.out = b""

    def write(self, data: bytes) -> None:
        frame = dlt645.parse_frame(data)
        di = int.from_bytes(frame.data[:4], "little")
        self.out += dlt645.build_read_response(frame.address, di, METERS[frame.address][di])

    def flush(self) -> None:
        pass

    def read(self, n: int) -> bytes:
        chunk, self.out = self.out[:7], self.out[7:]
        return chunk

    def close(self) -> None:
        self.closed = True


def test_dlt645_serial_link_with_a_fake_port() -> None:
    link = SerialLink("/dev/ttyUSB0", 2400, "E", serial_factory=FakeSerial)

    async def scenario() -> dlt645.Frame:
        return await link.exchange(dlt645.build_read("123456789012", "00010000"), 1.0)

    frame = asyncio.run(scenario())
    reply = dlt645.decode_read_response(frame, "00010000", address="123456789012")
    assert reply.values == (Decimal("12345.67"),)
    assert link.handle.kwargs == {
        "baudrate": 2400, "bytesize": 8, "parity": "E", "stopbits": 1, "timeout": 0.1
    }  # fmt: skip
    asyncio.run(link.close())


# --------------------------------------------------------------------------- OPC UA


class UaServer:
    """asyncua server in its own thread and event loop (module-scoped: ~1 s to start)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"opc.tcp://127.0.0.1:{self.port}/dc/"
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.vars: dict[str, Any] = {}

    def call(self, coro: Any) -> Any:
        # asyncua start-up can take tens of seconds on a loaded machine
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(120)

    async def _start(self) -> None:
        from asyncua import Server, ua

        self.server = Server()
        await self.server.init()
        self.server.set_endpoint(self.endpoint)
        idx = await self.server.register_namespace("urn:park:test")
        self.ns = idx
        obj = await self.server.nodes.objects.add_object(idx, "Steam01")
        self.vars["Flow"] = await obj.add_variable(ua.NodeId("Steam01.Flow", idx), "Flow", 12.5)
        self.vars["Total"] = await obj.add_variable(
            ua.NodeId("Steam01.Total", idx), "Total", ua.Variant(12345.678, ua.VariantType.Float)
        )
        self.vars["Run"] = await obj.add_variable(ua.NodeId("Steam01.Run", idx), "Run", True)
        self.vars["Name"] = await obj.add_variable(ua.NodeId("Steam01.Name", idx), "Name", "B1")
        await self.server.start()

    def start(self) -> UaServer:
        self.thread.start()
        self.call(self._start())
        return self

    def write(self, name: str, value: Any) -> None:
        self.call(self.vars[name].write_value(value))

    def stop(self) -> None:
        self.call(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def ua_server() -> Iterator[UaServer]:
    server = UaServer().start()
    try:
        yield server
    finally:
        server.stop()


def opcua_source(server: UaServer, mode: str) -> str:
    ns = server.ns
    return f"""
[[sources]]
type = "opcua"
name = "dcs"
endpoint = "{server.endpoint}"
mode = "{mode}"
interval_s = 0.1
timeout_s = 3
nodes = [
  {{ node_id = "ns={ns};s=Steam01.Flow", point = "STM.FLOW" }},
  {{ node_id = "ns={ns};s=Steam01.Total", point = "STM.TOTAL" }},
  {{ node_id = "ns={ns};s=Steam01.Run", point = "STM.RUN" }},
  {{ node_id = "ns={ns};s=Steam01.Name", point = "STM.NAME" }},
]
"""


def test_opcua_poll_driver(tmp_path: Path, ua_server: UaServer) -> None:
    from dualcarbon_agent.drivers.opcua import OpcUaPollDriver

    driver = OpcUaPollDriver(source_cfg(tmp_path, opcua_source(ua_server, "poll")))

    async def scenario() -> list[Reading]:
        try:
            return await driver.poll(T0_MS)
        finally:
            await driver.close()

    readings = asyncio.run(scenario())
    assert values(readings) == {"STM.FLOW": "12.5", "STM.TOTAL": "12345.678", "STM.RUN": "1"}
    assert {r.ts_ms for r in readings} == {T0_MS} and {r.quality for r in readings} == {"N"}


def test_opcua_subscription_driver_uses_source_timestamps(
    tmp_path: Path, ua_server: UaServer
) -> None:
    from dualcarbon_agent.clock import SystemClock
    from dualcarbon_agent.drivers.opcua import OpcUaSubscriptionDriver

    driver = OpcUaSubscriptionDriver(
        source_cfg(tmp_path, opcua_source(ua_server, "subscription")), SystemClock()
    )
    got: list[Reading] = []

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(driver.run(got.extend, stop))
        try:
            await asyncio.wait_for(driver.connected.wait(), 10)
            for _ in range(100):
                if {"STM.FLOW", "STM.TOTAL", "STM.RUN"} <= {r.point for r in got}:
                    break
                await asyncio.sleep(0.05)
            before = time.time()
            await asyncio.to_thread(ua_server.write, "Flow", 13.25)
            for _ in range(100):
                if any(r.value == "13.25" for r in got):
                    break
                await asyncio.sleep(0.05)
            changed = next(r for r in got if r.value == "13.25")
            assert abs(changed.ts_ms / 1000 - before) < 5  # the server's SourceTimestamp
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)

    asyncio.run(scenario())
    flows = [r.value for r in got if r.point == "STM.FLOW"]
    assert flows[:1] == ["12.5"] and "13.25" in flows
    assert "STM.NAME" not in {r.point for r in got}  # non-numeric string skipped


# --------------------------------------------------------------------------- HJ 212 relay

HJ212_FRAME = (
    b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;"
    b"Flag=5;CP=&&RtdInterval=30&&1C80\r\n"
)
HJ212_ACK = (
    b"##0087QN=20240315110000001;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;"
    b"Flag=4;CP=&&&&3C00\r\n"
)


def test_hj212_forwarder_relays_both_ways(tmp_path: Path) -> None:
    async def scenario() -> tuple[bytes, bytes, bytes]:
        received = bytearray()

        async def upstream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while chunk := await reader.read(4096):
                received.extend(chunk)
                if received.endswith(b"\r\n"):
                    writer.write(HJ212_ACK)
                    await writer.drain()
            writer.close()

        up = await asyncio.start_server(upstream, "127.0.0.1", 0)
        up_port = up.sockets[0].getsockname()[1]
        cfg = source_cfg(
            tmp_path,
            f'[[sources]]\ntype = "hj212_forward"\nname = "cems"\nhost = "127.0.0.1"\n'
            f'port = {up_port}\nlisten_host = "127.0.0.1"\nlisten_port = 0\n',
        )
        relay = Hj212Forwarder(cfg)
        stop = asyncio.Event()
        task = asyncio.create_task(relay.run(stop))
        await relay.ready.wait()
        reader, writer = await asyncio.open_connection("127.0.0.1", relay.port)
        writer.write(HJ212_FRAME[:40])
        await writer.drain()
        await asyncio.sleep(0.02)
        writer.write(HJ212_FRAME[40:])
        await writer.drain()
        answer = await asyncio.wait_for(reader.readuntil(b"\r\n"), 5)
        writer.close()
        up.close()
        await up.wait_closed()
        # upstream down: the logger's connection is closed at once (it keeps its data)
        r2, w2 = await asyncio.open_connection("127.0.0.1", relay.port)
        eof = await asyncio.wait_for(r2.read(), 5)
        w2.close()
        stop.set()
        await task
        assert relay.packets_up == 1
        return bytes(received), answer, eof

    received, answer, eof = asyncio.run(scenario())
    assert received == HJ212_FRAME and answer == HJ212_ACK and eof == b""


# --------------------------------------------------------------------------- end to end


def test_agent_run_modbus_to_fake_server_end_to_end(tmp_path: Path) -> None:
    """Real clock: a Modbus source polled every 0.2 s, uploaded as it goes; stop; drain."""

    async def scenario(server: FakeIngestServer) -> tuple[Agent, int]:
        async with modbus_server() as port:
            src = MODBUS_SOURCE.format(port=port).replace("interval_s = 1", "interval_s = 0.2")
            cfg = load_config(
                write_config(tmp_path, server.url, sources=src, upload="idle_s = 0.05")
            )
            agent = Agent(cfg)
            stop = asyncio.Event()
            task = asyncio.create_task(agent.run(stop))
            for _ in range(200):
                if len(server.stored) >= 18:  # three slots of six points
                    break
                await asyncio.sleep(0.02)
            latency = time.time() - agent.outbox.status().last_ack_at  # type: ignore[operator]
            stop.set()
            await asyncio.wait_for(task, 10)
            return agent, int(latency)

    with FakeIngestServer() as server:
        agent, _ = asyncio.run(scenario(server))
        try:
            polled = agent.stats["mb"].readings
            rows = agent.outbox.db.execute("SELECT point, ts FROM readings").fetchall()
            source = [(p, iso_from_ms(t)) for p, t in rows]
            uploader = agent.uploader.__class__(
                agent.outbox,
                url=agent.uploader.url,
                agent_id="EDGE-TEST",
                key_id=agent.uploader.key_id,
                secret=agent.uploader.secret,
            )
            asyncio.run(uploader.drain())
            report = server.report(source)
        finally:
            agent.close()
    assert polled == len(source) >= 18
    assert report["stored"] == report["source"] and report["stored_twice"] == 0
    assert report["missing"] == 0
    stored_values = {r["value"] for r in server.stored.values()}
    assert {"12345.678", "9876543.21", "-10.5"} <= stored_values


def test_poll_loop_aligns_slots_and_skips_repolls(tmp_path: Path) -> None:
    from dualcarbon_agent.clock import ManualClock

    sim = (
        '[[sources]]\ntype = "simulated"\nname = "sim"\ninterval_s = 60\n'
        '[[sources.points]]\npoint = "S.C"\nkind = "counter"\n'
    )
    cfg = load_config(write_config(tmp_path, "http://127.0.0.1:9", sources=sim))
    clock = ManualClock(start=T0_MS / 1000 + 17)  # 17 s into a minute
    agent = Agent(cfg, clock=clock)
    driver = agent.drivers[0]

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(agent._poll_loop(driver, stop))  # type: ignore[arg-type]
        for _ in range(50):
            await asyncio.sleep(0)
        task.cancel()  # cancellation must not be swallowed mid-poll
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)
        assert await agent.poll_once(driver, T0_MS) == 0  # re-poll of a slot: no new row # type: ignore[arg-type]

    try:
        asyncio.run(scenario())
        ts = [t for (t,) in agent.outbox.db.execute("SELECT ts FROM readings ORDER BY ts")]
    finally:
        agent.close()
    assert ts[0] == T0_MS and all(b - a == 60_000 for a, b in itertools.pairwise(ts))
    assert agent.stats["sim"].duplicates == 1
