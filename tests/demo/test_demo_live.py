"""The demo park moves: `dualcarbon demo` seeds a CO2 CEMS with its HJ 212 data logger and
streams simulated readings through the real doors (HJ 212 over TCP, MQTT through the broker)
into ingest(), so the real-time page has something to show."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dualcarbon.collection.models import PointLatest, Reading
from dualcarbon.db.engine import make_engine, make_sessionmaker
from dualcarbon.db.migrate import upgrade
from dualcarbon.demo import live, park_data, seed
from dualcarbon.protocols.models import CemsHour, CemsUnit, Hj212Device, Hj212FactorMap
from dualcarbon.registry.models import MeteringPoint
from testkit import drop_fresh_database, free_port, fresh_database_url


def test_demo_cems_seeded_once_and_streams_move(db_kind: str, database_url: str,
                                                settings: Any, tmp_path: Path) -> None:
    url = fresh_database_url(db_kind, database_url, tmp_path, "demo")
    engine = make_engine(url)
    try:
        upgrade(engine)
        factory = make_sessionmaker(engine)
        assert seed.seed_demo(factory, settings)
        assert live.ensure_demo_cems(factory, park_data.PARK_CODE) is True
        assert live.ensure_demo_cems(factory, park_data.PARK_CODE) is False  # idempotent
        with Session(engine) as s:
            dev = s.scalar(select(Hj212Device).where(Hj212Device.mn == live.LOGGER_MN))
            assert dev is not None and len(dev.mn) == 24
            maps = s.scalars(select(Hj212FactorMap).where(Hj212FactorMap.device_id == dev.id))
            assert {m.factor_code for m in maps} == {f[0] for f in live.CEMS_FACTORS}
            unit = s.scalar(select(CemsUnit).where(CemsUnit.code == "CEMS-B1"))
            assert unit is not None and unit.flow_unit == "m3/s"
            co2_point = unit.co2_point_id

        # the demo's past: minute CEMS data makes valid hours near the §2.3 example (76.66 t/h)
        # on the hour (minute 0, where the back-fill starts exactly one day back: once a flake)
        on_the_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        assert live.backfill_history(factory, park_data.PARK_CODE, days=2, cems_days=1,
                                     now=on_the_hour) > 0
        assert live.backfill_history(factory, park_data.PARK_CODE, now=on_the_hour) == 0
        assert live.backfill_history(factory, park_data.PARK_CODE) == 0  # idempotent
        with Session(engine) as s:
            hours = list(s.scalars(select(CemsHour).where(CemsHour.unit_id == unit.id)))
            assert len(hours) >= 23 and all(h.is_valid for h in hours)
            assert all(60_000 < (h.co2_kg or 0) < 95_000 for h in hours)

        started = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
        cfg = settings.model_copy(deep=True)
        cfg.hj212.port = free_port()
        streams = live.start_streams(factory, cfg, park_data.PARK_CODE, interval_s=0.5)
        try:
            assert streams.hj212_port == cfg.hj212.port
            deadline = time.monotonic() + 20
            hj212_rows = mqtt_rows = 0
            while time.monotonic() < deadline:
                with Session(engine) as s:
                    hj212_rows = s.scalar(select(func.count()).select_from(Reading).where(
                        Reading.point_id == co2_point, Reading.ts >= started)) or 0
                    mqtt_rows = s.scalar(select(func.count()).select_from(PointLatest).join(
                        MeteringPoint, MeteringPoint.id == PointLatest.point_id).where(
                        MeteringPoint.code.like("%.CO2-%"))) or 0
                if hj212_rows >= 2 and (mqtt_rows >= 5 or not streams.mqtt):
                    break
                time.sleep(0.3)
            assert hj212_rows >= 2, streams.counter
            assert streams.counter.get("hj212_acked", 0) >= 2
            # the broker runs on this machine kind (CI starts it): the meter edges stream too
            assert streams.mqtt, "Mosquitto not reachable on 127.0.0.1:1883"
            assert mqtt_rows >= 5, streams.counter
        finally:
            streams.close()
        assert streams.thread is not None and not streams.thread.is_alive()
    finally:
        engine.dispose()
        drop_fresh_database(db_kind, url)
