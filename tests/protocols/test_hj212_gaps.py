"""HJ 212 gap filling for minute (CN 2051) and day (CN 2031) data, as the hourly case in
test_hj212_server.py: a detected gap becomes one history request for exactly the missing records
(BeginTime/EndTime in site local time), the logger's replay fills it, and nothing else is asked."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from proto_kit import Logger, World, count_readings, make_world, next_qn, run
from sqlalchemy import select

from dualcarbon.core.codecs import hj212
from dualcarbon.db.session import unit_of_work
from dualcarbon.protocols import hj212_service
from dualcarbon.protocols.hj212_server import Hj212Server
from dualcarbon.protocols.models import Hj212Device, Hj212HistoryRequest
from testkit import make_point


def _with_kinds(engine, *, min_interval: int, max_gap_hours: int = 168) -> World:  # type: ignore[no-untyped-def]
    world = make_world(engine)
    with unit_of_work(world.factory) as s:
        dev = s.scalar(select(Hj212Device).where(Hj212Device.mn == world.mn))
        assert dev is not None
        dev.min_interval_minutes, dev.max_gap_hours = min_interval, max_gap_hours
        from dualcarbon.registry.models import Enterprise

        ent = s.get(Enterprise, world.enterprise_id)
        for name, cn in (("co2_min", 2051), ("co2_day", 2031)):
            p = make_point(s, ent, unit="%", medium="co2", measurement="instantaneous")
            hj212_service.map_factor(s, dev, cn=cn, factor_code="a05001", point_id=p.id)
            world.points[name], world.codes[name] = p.id, p.code
    return world


def packet(mn: str, cn: int, t: datetime, value: str = "11.80") -> bytes:
    cp = hj212.format_cp({"DataTime": hj212.format_time(t)},
                         {"a05001": {"Avg": value, "Flag": "N"}})
    return hj212.build_packet(qn=next_qn(t), st="31", cn=cn, pw="123456", mn=mn, flag=5, cp=cp)


def local_now() -> datetime:
    return hj212_service.to_local(datetime.now().astimezone(), "Asia/Shanghai")


async def _gap_and_replay(world: World, cn: int, first: datetime, latest: datetime,
                          step: timedelta) -> tuple[datetime, datetime, list[datetime]]:
    """Send ``first`` and ``latest``; answer the history request by replaying its window."""
    server = Hj212Server(world.factory, "127.0.0.1", 0)
    await server.start()
    logger = await Logger.connect(server.port)
    try:
        for t in (first, latest):
            await logger.send(packet(world.mn, cn, t))
            assert (await logger.receive()).cn == 9014  # type: ignore[union-attr]
        req = await logger.receive()
        assert req is not None and req.cn == cn and req.needs_ack
        begin, end = req.cp.time("BeginTime"), req.cp.time("EndTime")
        assert begin is not None and end is not None
        await logger.send(hj212.build_request_reply(req, hj212.QnRtn.READY))
        replayed = []
        t = begin
        while t <= end:
            await logger.send(packet(world.mn, cn, t, "11.90"))
            assert (await logger.receive()).cn == 9014  # type: ignore[union-attr]
            replayed.append(t)
            t += step
        await logger.send(hj212.build_exe_result(req, hj212.ExeRtn.SUCCESS))
        assert await logger.receive(timeout=0.5) is None  # the series is whole: no new request
        assert server.stats.history_requests == 1
        return begin, end, replayed
    finally:
        await logger.close()
        await server.close()


def _stored_times(world: World, name: str) -> list[datetime]:
    from dualcarbon.collection.models import Reading

    with unit_of_work(world.factory, writes=False) as s:
        return [hj212_service.to_local(ts, "Asia/Shanghai") for ts in s.scalars(
            select(Reading.ts).where(Reading.point_id == world.points[name])
            .order_by(Reading.ts))]


def _request(world: World, cn: int) -> Hj212HistoryRequest:
    with unit_of_work(world.factory, writes=False) as s:
        req = s.scalars(select(Hj212HistoryRequest).join(
            Hj212Device, Hj212Device.id == Hj212HistoryRequest.device_id).where(
            Hj212Device.mn == world.mn, Hj212HistoryRequest.cn == cn)).one()
        s.expunge(req)
        return req


@pytest.mark.parametrize("interval", [1, 10])
def test_minute_gap_asks_for_exactly_the_missing_minutes(engine, interval: int) -> None:  # type: ignore[no-untyped-def]
    world = _with_kinds(engine, min_interval=interval)
    step = timedelta(minutes=interval)
    base = local_now().replace(second=0, microsecond=0)
    base -= timedelta(minutes=base.minute % interval)
    first, latest = base - 7 * step, base - step  # records 2…6 (five of them) are missing
    begin, end, replayed = run(_gap_and_replay(world, 2051, first, latest, step))
    assert (begin, end) == (first + step, latest - step)
    assert replayed == [first + k * step for k in range(1, 6)]
    assert _stored_times(world, "co2_min") == [first + k * step for k in range(7)]
    req = _request(world, 2051)
    assert (req.status, req.result_code) == ("done", 1)
    assert count_readings(world, "co2_h", "co2_day") == 0  # other kinds untouched


def test_day_gap_asks_for_exactly_the_missing_days(engine) -> None:  # type: ignore[no-untyped-def]
    world = _with_kinds(engine, min_interval=10)
    day = timedelta(days=1)
    today = local_now().replace(hour=0, minute=0, second=0, microsecond=0)
    first, latest = today - 5 * day, today - day  # DataTime of day data: local 00:00
    begin, end, replayed = run(_gap_and_replay(world, 2031, first, latest, day))
    assert (begin, end) == (today - 4 * day, today - 2 * day)
    assert replayed == [today - 4 * day, today - 3 * day, today - 2 * day]
    assert _stored_times(world, "co2_day") == [today - k * day for k in range(5, 0, -1)]
    assert all(t.hour == 0 and t.minute == 0 for t in _stored_times(world, "co2_day"))
    assert _request(world, 2031).status == "done"


def test_gap_older_than_the_horizon_is_asked_from_the_first_whole_record(engine) -> None:  # type: ignore[no-untyped-def]
    """max_gap_hours cuts the request; the cut falls on the record grid (a whole minute of the
    MinInterval series), not on the odd second the server happened to compute it."""
    world = _with_kinds(engine, min_interval=5, max_gap_hours=1)
    step = timedelta(minutes=5)
    base = local_now().replace(second=0, microsecond=0)
    base -= timedelta(minutes=base.minute % 5)
    first, latest = base - timedelta(hours=3), base - step

    async def main() -> tuple[datetime | None, datetime | None]:
        server = Hj212Server(world.factory, "127.0.0.1", 0)
        await server.start()
        logger = await Logger.connect(server.port)
        try:
            for t in (first, latest):
                await logger.send(packet(world.mn, 2051, t))
                assert (await logger.receive()).cn == 9014  # type: ignore[union-attr]
            req = await logger.receive()
            assert req is not None
            return req.cp.time("BeginTime"), req.cp.time("EndTime")
        finally:
            await logger.close()
            await server.close()

    begin, end = run(main())
    assert begin is not None and end == latest - step
    assert (begin - first) % step == timedelta(0)  # on the series' grid
    horizon = local_now() - timedelta(hours=1)
    assert horizon - step <= begin <= horizon + step  # from the horizon on, nothing older
