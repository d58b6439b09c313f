"""HJ 212 TCP server against a data-logger client speaking the spec on loopback: ack only after
the data is durable, corrupt CRC dropped, resends change nothing, gaps → history requests,
split and sticky packets, unknown MN."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from proto_kit import Logger, World, count_readings, hour_packet, make_world, realtime_packet, run
from sqlalchemy import select

from dualcarbon.collection.models import Reading, ReadingRollup
from dualcarbon.core.codecs import hj212
from dualcarbon.db.session import unit_of_work
from dualcarbon.protocols import hj212_service
from dualcarbon.protocols.hj212_server import Hj212Server
from dualcarbon.protocols.models import Hj212HistoryRequest, Hj212Packet


@pytest.fixture
def world(engine) -> World:  # type: ignore[no-untyped-def]
    return make_world(engine)


@asynccontextmanager
async def serving(world: World) -> AsyncIterator[tuple[Hj212Server, Logger]]:
    server = Hj212Server(world.factory, "127.0.0.1", 0)
    await server.start()
    logger = await Logger.connect(server.port)
    try:
        yield server, logger
    finally:
        await logger.close()
        await server.close()


def local_hour(hours_ago: int) -> datetime:
    now = hj212_service.to_local(datetime.now().astimezone(), "Asia/Shanghai")
    return now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours_ago)


def test_ack_only_after_commit(world: World) -> None:
    t = local_hour(1) + timedelta(minutes=30)

    async def main() -> None:
        async with serving(world) as (server, logger):
            pkt, qn = realtime_packet(world.mn, t)
            await logger.send(pkt)
            ack = await logger.receive()
            assert ack is not None and (ack.cn, ack.qn, ack.st, ack.flag) == (9014, qn, "91", 4)
            # the moment the ack is read, another connection sees the committed readings
            assert count_readings(world, "co2_rt", "flow_rt", "o2_rt") == 3
            assert server.stats.acks == 1

    run(main())
    with unit_of_work(world.factory, writes=False) as s:
        v = s.scalar(select(Reading.value).where(Reading.point_id == world.points["flow_rt"]))
        assert str(v) == "91.850"  # as read
        row = s.scalars(select(Hj212Packet).where(Hj212Packet.mn == world.mn)).one()
        assert row.status == "stored" and row.raw.encode() == realtime_packet(
            world.mn, t, qn=row.qn)[0].decode().encode()


def test_no_ack_when_storing_fails(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    t = local_hour(1)

    def broken(*a: object, **kw: object) -> None:
        raise RuntimeError("database down")

    async def main() -> None:
        async with serving(world) as (server, logger):
            monkeypatch.setattr(hj212_service, "handle_data", broken)
            await logger.send(realtime_packet(world.mn, t)[0])
            assert await logger.receive(timeout=1.0) is None  # no 9014: the logger keeps it
            assert server.stats.not_acked == 1
            monkeypatch.undo()
            pkt, qn = realtime_packet(world.mn, t)  # the logger's retry
            await logger.send(pkt)
            ack = await logger.receive()
            assert ack is not None and ack.qn == qn

    run(main())
    assert count_readings(world, "co2_rt", "flow_rt", "o2_rt") == 3


def test_corrupt_crc_rejected_and_not_stored(world: World) -> None:
    t_bad, t_good = local_hour(2), local_hour(1)

    async def main() -> None:
        async with serving(world) as (server, logger):
            bad, _bad_qn = realtime_packet(world.mn, t_bad, co2="11.11")
            corrupt = bad.replace(b"11.11", b"11.12")  # same length, CRC no longer matches
            assert not hj212.Framer().feed(corrupt)[0].crc_ok
            good, good_qn = realtime_packet(world.mn, t_good)
            await logger.send(corrupt + good)
            ack = await logger.receive()
            assert ack is not None and ack.qn == good_qn
            assert await logger.receive(timeout=0.5) is None  # nothing for the corrupt one
            assert server.stats.crc_errors == 1

    run(main())
    assert count_readings(world, "co2_rt") == 1
    with unit_of_work(world.factory, writes=False) as s:
        assert [p.data_time is not None for p in s.scalars(
            select(Hj212Packet).where(Hj212Packet.mn == world.mn))] == [True]
        assert s.scalar(select(Reading.value).where(
            Reading.point_id == world.points["co2_rt"])) == Decimal("11.82")


def test_corrupt_request_answered_qnrtn_9(world: World) -> None:
    seg = f"QN=20240101000000000;ST=31;CN=1062;PW=123456;MN={world.mn};Flag=5;CP=&&RtdInterval=30&&"
    frame = hj212.build_frame(seg)
    corrupt = frame[:-6] + (b"0000" if frame[-6:-2] != b"0000" else b"0040") + b"\r\n"

    async def main() -> None:
        async with serving(world) as (_server, logger):
            await logger.send(corrupt)
            reply = await logger.receive()
            assert reply is not None and reply.cn == 9011 and reply.cp.fields == {"QnRtn": "9"}

    run(main())


def _rollup_state(world: World) -> list[tuple[object, ...]]:
    with unit_of_work(world.factory, writes=False) as s:
        return [(r.point_id, r.grain, r.bucket, r.count, r.sum_value) for r in s.scalars(
            select(ReadingRollup).where(ReadingRollup.point_id.in_(world.points.values()))
            .order_by(ReadingRollup.point_id, ReadingRollup.grain, ReadingRollup.bucket))]


def test_duplicate_resend_changes_nothing(world: World) -> None:
    t = local_hour(3)
    pkt, qn = hour_packet(world.mn, t)

    async def main() -> None:
        async with serving(world) as (_server, logger):
            await logger.send(pkt)
            assert (await logger.receive()).qn == qn  # type: ignore[union-attr]
            before = (count_readings(world, "co2_h", "flow_h", "co2_kg_h"), _rollup_state(world))
            await logger.send(pkt)  # ack lost → the logger re-sends the same packet
            assert (await logger.receive()).qn == qn  # type: ignore[union-attr]
            # a history replay of the same hour carries a new QN: still nothing new
            await logger.send(hour_packet(world.mn, t)[0])
            assert await logger.receive() is not None
            after = (count_readings(world, "co2_h", "flow_h", "co2_kg_h"), _rollup_state(world))
            assert before == after and before[0] == 3

    run(main())
    with unit_of_work(world.factory, writes=False) as s:
        statuses = s.scalars(select(Hj212Packet.status).where(Hj212Packet.mn == world.mn)
                             .order_by(Hj212Packet.id)).all()
    assert statuses == ["stored", "duplicate", "duplicate"]


def test_gap_triggers_history_request_and_fill(world: World) -> None:
    first, latest = local_hour(6), local_hour(2)

    async def main() -> None:
        async with serving(world) as (server, logger):
            await logger.send(hour_packet(world.mn, first)[0])
            assert (await logger.receive()).cn == 9014  # type: ignore[union-attr]
            await logger.send(hour_packet(world.mn, latest)[0])
            assert (await logger.receive()).cn == 9014  # type: ignore[union-attr]
            req = await logger.receive()
            assert req is not None and req.cn == 2061 and req.needs_ack
            begin, end = req.cp.time("BeginTime"), req.cp.time("EndTime")
            assert (begin, end) == (first + timedelta(hours=1), latest - timedelta(hours=1))
            # the logger: accept, replay every hour in the window (new QNs), report done
            await logger.send(hj212.build_request_reply(req, hj212.QnRtn.READY))
            t = begin
            while t <= end:  # type: ignore[operator]
                await logger.send(hour_packet(world.mn, t)[0])
                assert (await logger.receive()).cn == 9014  # type: ignore[union-attr]
                t += timedelta(hours=1)
            await logger.send(hj212.build_exe_result(req, hj212.ExeRtn.SUCCESS))
            assert await logger.receive(timeout=0.5) is None  # no further gap
            assert server.stats.history_requests == 1

    run(main())
    assert count_readings(world, "co2_h") == 5
    with unit_of_work(world.factory, writes=False) as s:
        req = s.scalars(select(Hj212HistoryRequest).join(
            Hj212Packet, Hj212Packet.device_id == Hj212HistoryRequest.device_id).where(
            Hj212Packet.mn == world.mn)).first()
        assert req is not None and (req.status, req.result_code) == ("done", 1)


def test_split_and_sticky_packets(world: World) -> None:
    t = local_hour(4)
    p1, q1 = hour_packet(world.mn, t, pnum=2, pno=1, factors=("a05001",))
    p2, q2 = hour_packet(world.mn, t, pnum=2, pno=2, factors=("a00000",))

    async def main() -> None:
        async with serving(world) as (_server, logger):
            stream = b"\x00\xff junk" + p1 + p2
            for i in range(0, len(stream), 5):  # dribbled 5 bytes at a time
                await logger.send(stream[i:i + 5])
                await asyncio.sleep(0)
            acks = [await logger.receive(), await logger.receive()]
            assert [a.qn for a in acks if a] == [q1, q2]

    run(main())
    assert count_readings(world, "co2_h", "co2_kg_h", "flow_h") == 3


def test_unknown_mn_and_wrong_password_not_acked(world: World) -> None:
    t = local_hour(1)
    stranger = realtime_packet("FFFF0000FFFF0000FFFF0000", t)[0]
    wrong_pw = realtime_packet(world.mn, t)[0].replace(b"PW=123456", b"PW=654321")
    wrong_pw = hj212.build_frame(wrong_pw[6:-6].decode())

    async def main() -> None:
        async with serving(world) as (server, logger):
            await logger.send(stranger + wrong_pw)
            assert await logger.receive(timeout=0.7) is None
            assert server.stats.not_acked == 2

    run(main())
    assert count_readings(world, "co2_rt") == 0
