"""The demo simulator drives the real doors: HJ 212 over TCP to the server and MQTT through the
real Mosquitto to the subscriber; readings land through ingest()."""

from __future__ import annotations

import asyncio

from proto_kit import count_readings, make_world
from sqlalchemy import select

from dualcarbon.db.session import unit_of_work
from dualcarbon.protocols import simulator
from dualcarbon.protocols.hj212_server import Hj212Server
from dualcarbon.protocols.mqtt_ingest import MqttIngestor
from dualcarbon.registry.models import Enterprise, Park
from testkit import make_point, n


def test_simulator_streams_through_hj212_and_mqtt(engine) -> None:  # type: ignore[no-untyped-def]
    world = make_world(engine)
    with unit_of_work(world.factory) as s:
        ent = s.get(Enterprise, world.enterprise_id)
        steam = make_point(s, ent, unit="t/h", medium="steam", measurement="instantaneous")
        park_code = s.scalar(select(Park.code).where(Park.id == world.park_id))
    world.points["steam"], world.codes["steam"] = steam.id, steam.code
    sub = MqttIngestor(world.factory, port=1883, group=f"sim{n()}", client_id=f"sim-sub-{n()}",
                       topics=(f"cmis/v1/{park_code}/+/+/rt/+",))
    sub.start()
    assert sub.subscribed.wait(10)
    counter: dict[str, int] = {}

    async def main() -> None:
        server = Hj212Server(world.factory, "127.0.0.1", 0)
        await server.start()
        stop = asyncio.Event()
        task = asyncio.create_task(simulator.run(
            world.factory, hj212_port=server.port, interval_s=0.6, park_code=park_code,
            stop=stop, counter=counter))
        await asyncio.sleep(4)
        stop.set()
        await task
        await server.close()

    try:
        asyncio.run(main())
        assert counter.get("hj212_sent", 0) >= 2 and counter.get("hj212_acked", 0) >= 2
        assert counter.get("mqtt_sent", 0) >= 2
        assert count_readings(world, "co2_rt", "flow_rt", "o2_rt") >= 3
        for _ in range(50):
            if count_readings(world, "steam") >= 2:
                break
            asyncio.run(asyncio.sleep(0.1))
        assert count_readings(world, "steam") >= 2
    finally:
        sub.stop()
