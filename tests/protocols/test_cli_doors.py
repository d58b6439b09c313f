"""`dualcarbon hj212 --port N` as its own process, answering a logger on loopback."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from proto_kit import Logger, count_readings, make_world, realtime_packet
from sqlalchemy import Engine
from test_hj212_server import local_hour

from dualcarbon.db.engine import make_engine
from dualcarbon.db.migrate import upgrade


@pytest.fixture
def sqlite_file_engine(tmp_path: Path, settings) -> Engine:  # type: ignore[no-untyped-def]
    eng = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    upgrade(eng)
    return eng


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_hj212_cli_serves_and_acks_after_storing(sqlite_file_engine: Engine, tmp_path: Path,
                                                 settings) -> None:  # type: ignore[no-untyped-def]
    world = make_world(sqlite_file_engine)
    port = _port()
    env = {**os.environ, "DUALCARBON_DATABASE_URL": str(sqlite_file_engine.url),
           "DUALCARBON_DATA_DIR": str(settings.data_dir),
           "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-m", "dualcarbon", "hj212", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)

        async def main() -> None:
            logger = await Logger.connect(port)
            pkt, qn = realtime_packet(world.mn, local_hour(1))
            await logger.send(pkt)
            ack = await logger.receive(timeout=10)
            assert ack is not None and (ack.cn, ack.qn) == (9014, qn)
            await logger.close()

        asyncio.run(main())
        assert count_readings(world, "co2_rt", "flow_rt", "o2_rt") == 3
    finally:
        proc.terminate()
        proc.wait(timeout=10)
