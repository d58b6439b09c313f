"""The ingestion service: validation, values as read, dedupe, late data, rollups, latest."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from dualcarbon.collection.models import IngestBatch, PointLatest, Reading, ReadingRollup
from dualcarbon.collection.service import ReadingIn, ingest
from dualcarbon.core import meter
from dualcarbon.core.readings import GRAINS, bucket_start, interval_bucket
from testkit import make_enterprise, make_park, make_point

T0 = datetime(2026, 3, 31, 15, 0, tzinfo=UTC)  # 23:00 Asia/Shanghai, last day of March
NOW = datetime(2026, 4, 2, tzinfo=UTC)


def _setup(session):
    park = make_park(session)
    ent = make_enterprise(session, park)
    meter_pt = make_point(session, ent, unit="kWh", measurement="cumulative")
    gauge = make_point(session, ent, unit="%", measurement="instantaneous", medium="co2")
    return park, ent, meter_pt, gauge


def _rollups(session, point_id):
    return {(r.grain, r.bucket): r for r in session.scalars(
        select(ReadingRollup).where(ReadingRollup.point_id == point_id))}


def test_accepts_keeps_digits_and_dedupes(session):
    park, _, _mp, gauge = _setup(session)
    rs = [ReadingIn(gauge.code, T0, "12.30"), ReadingIn(gauge.code, T0 + timedelta(minutes=15),
                                                         Decimal("12.300"))]
    first = ingest(session, park_id=park.id, readings=rs, source="api", batch_ref=None, now=NOW)
    assert (first.accepted, first.duplicates, first.rejected) == (2, 0, [])
    values = session.scalars(select(Reading.value).where(Reading.point_id == gauge.id)
                             .order_by(Reading.ts)).all()
    assert [str(v) for v in values] == ["12.30", "12.300"]
    again = ingest(session, park_id=park.id, readings=rs, source="api", batch_ref=None, now=NOW)
    assert (again.accepted, again.duplicates) == (0, 2)
    assert session.scalar(select(func.count()).select_from(Reading)
                          .where(Reading.point_id == gauge.id)) == 2
    h = _rollups(session, gauge.id)[("h", T0)]
    assert h.count == 2 and h.sum_value == Decimal("24.6")


def test_known_batch_ref_answers_stored_result(session):
    park, _, _, gauge = _setup(session)
    rs = [ReadingIn(gauge.code, T0, "1"), ReadingIn("nope", T0, "1")]
    a = ingest(session, park_id=park.id, readings=rs, source="http", batch_ref="b-1",
               device_key_id=7, now=NOW)
    b = ingest(session, park_id=park.id, readings=rs, source="http", batch_ref="b-1",
               device_key_id=7, now=NOW)
    assert not a.replayed and b.replayed
    assert (b.accepted, b.duplicates, b.rejected, b.batch_id) == (1, 0, a.rejected, a.batch_id)
    assert session.scalar(select(func.count()).select_from(IngestBatch)
                          .where(IngestBatch.park_id == park.id)) == 1


def test_rejections_are_per_reading(session):
    park, ent, mp, gauge = _setup(session)
    other_ent = make_enterprise(session, park)
    foreign = make_point(session, other_ent)
    inactive = make_point(session, ent, is_active=False)
    rs = [
        ReadingIn("missing", T0, "1"),
        ReadingIn(gauge.code, T0, "120"),  # % above 100
        ReadingIn(mp.code, T0, "-1"),  # cumulative register below zero
        ReadingIn(mp.code, NOW + timedelta(minutes=10), "1"),  # future
        ReadingIn(mp.code, T0, "abc"),
        ReadingIn(mp.code, T0, "1", unit="MWh"),
        ReadingIn(foreign.code, T0, "1"),  # not the device's enterprise
        ReadingIn(inactive.code, T0, "1"),
        ReadingIn(mp.code, T0, "5", quality="X"),
        ReadingIn(mp.code, T0, "5", quality="n"),
        ReadingIn(mp.code, T0, "6"),  # same (point, ts) twice in one batch
    ]
    res = ingest(session, park_id=park.id, readings=rs, source="api", batch_ref=None,
                 enterprise_id=ent.id, now=NOW)
    assert res.accepted == 1 and res.duplicates == 1
    assert [(i, c) for i, _, c in res.rejected] == [
        (0, "ingest.unknown-point"), (1, "ingest.out-of-range"), (2, "ingest.out-of-range"),
        (3, "ingest.future-timestamp"), (4, "ingest.bad-value"), (5, "ingest.unit-mismatch"),
        (6, "ingest.unknown-point"), (7, "ingest.inactive-point"), (8, "ingest.bad-quality")]
    assert session.scalar(select(Reading.quality).where(Reading.point_id == mp.id)) == "N"


def _expected(reads, tz="Asia/Shanghai", swaps=(), multiplier=Decimal(1)):
    """Oracle: rollups computed from scratch over the full sorted set."""
    reads = sorted(reads)
    out = defaultdict(lambda: {"count": 0, "sum": Decimal(0), "min": None, "max": None,
                               "last": None, "consumption": Decimal(0)})
    for ts, v in reads:
        for g in GRAINS:
            e = out[(g, bucket_start(ts, g, tz))]
            e["count"] += 1
            e["sum"] += v
            e["min"] = v if e["min"] is None else min(e["min"], v)
            e["max"] = v if e["max"] is None else max(e["max"], v)
            e["last"] = v
    for t1, d in meter.chain_deltas(reads, swaps, multiplier):
        for g in GRAINS:
            out[(g, interval_bucket(t1, g, tz))]["consumption"] += d.value
    return out


@pytest.mark.parametrize("shuffle", [True, False])
def test_batches_in_any_order_equal_one_sorted_batch(session, shuffle):
    park, ent, _, _ = _setup(session)
    mp = make_point(session, ent, unit="kWh", measurement="cumulative",
                    multiplier=Decimal("1.5"))
    rng = random.Random(7)
    reads, v = [], Decimal("99997000")  # crosses a rollover of the 8-digit register
    for i in range(4 * 30):
        v += Decimal(rng.randint(0, 900)) / 10
        if v >= Decimal("100000000"):
            v -= Decimal("100000000")
        reads.append((T0 + timedelta(minutes=15 * i), v))
    shuffled = reads[:]
    if shuffle:
        rng.shuffle(shuffled)
    for k in range(0, len(shuffled), 17):
        part = shuffled[k:k + 17]
        ingest(session, park_id=park.id, readings=[ReadingIn(mp.code, t, x) for t, x in part],
               source="api", batch_ref=None, now=NOW)
    got = _rollups(session, mp.id)
    want = _expected(reads, multiplier=Decimal("1.5"))
    assert set(got) == set(want)
    for key, e in want.items():
        r = got[key]
        assert (r.count, r.sum_value, r.min_value, r.max_value, r.last_value) == (
            e["count"], e["sum"], e["min"], e["max"], e["last"]), key
        assert (r.consumption or 0) == e["consumption"], key
    total = sum(r.consumption or 0 for (g, _), r in got.items() if g == "m")
    assert total == sum(d.value for _, d in meter.chain_deltas(sorted(reads), (),
                                                               Decimal("1.5")))
    assert any(d.kind == "rollover" for _, d in meter.chain_deltas(sorted(reads)))
    latest = session.get(PointLatest, mp.id)
    assert (latest.ts, latest.value) == reads[-1]


def test_overlapping_resends_store_only_the_new_reads(session):
    """An agent resends part of what it sent (lost answer, restart): the known reads are
    duplicates, the new ones are stored and rolled up exactly once, late ones spliced in."""
    park, ent, _, gauge = _setup(session)
    mp = make_point(session, ent, unit="kWh", measurement="cumulative")
    reads = [(T0 + timedelta(minutes=15 * i), Decimal(1000 + 7 * i)) for i in range(24)]
    gauge_reads = [(t, Decimal(i % 90) + Decimal("0.5")) for i, (t, _) in enumerate(reads)]

    def batch(idx):
        return ([ReadingIn(mp.code, *reads[i]) for i in idx]
                + [ReadingIn(gauge.code, *gauge_reads[i]) for i in idx])

    # the last batch carries a read of the gap left by the first: late, spliced in
    for idx, want in (([0, 1, *range(3, 10)], 18), (range(5, 16), 12), (range(12, 24), 16),
                      ([3, 20, 2, 23], 2)):
        res = ingest(session, park_id=park.id, readings=batch(idx), source="api",
                     batch_ref=None, now=NOW)
        assert (res.accepted, res.duplicates) == (want, 2 * len(idx) - want)
    for pid, rs, oracle in ((mp.id, reads, _expected(reads)),
                            (gauge.id, gauge_reads, _expected(gauge_reads))):
        got = _rollups(session, pid)
        assert set(got) == set(oracle)
        for key, e in oracle.items():
            r = got[key]
            assert (r.count, r.sum_value, r.min_value, r.max_value, r.last_value) == (
                e["count"], e["sum"], e["min"], e["max"], e["last"]), key
            if pid == mp.id:
                assert (r.consumption or 0) == e["consumption"], key
            else:
                assert r.consumption is None, key
        assert session.scalar(select(func.count()).select_from(Reading)
                              .where(Reading.point_id == pid)) == len(rs)
        latest = session.get(PointLatest, pid)
        assert (latest.ts, latest.value) == rs[-1]


def test_day_and_month_buckets_are_local(session):
    park, _, mp, _ = _setup(session)
    # 2026-03-31 15:45Z = 23:45 local, 16:00Z = 00:00 local on 1 April
    rs = [ReadingIn(mp.code, T0 + timedelta(minutes=45), "100"),
          ReadingIn(mp.code, T0 + timedelta(minutes=60), "110"),
          ReadingIn(mp.code, T0 + timedelta(minutes=75), "125")]
    ingest(session, park_id=park.id, readings=rs, source="api", batch_ref=None, now=NOW)
    got = _rollups(session, mp.id)
    march = datetime(2026, 2, 28, 16, tzinfo=UTC)
    april = datetime(2026, 3, 31, 16, tzinfo=UTC)
    # the read at local 00:00 closes March: 100 → 110 belongs to March, 110 → 125 to April
    assert got[("m", march)].consumption == 10 and got[("m", april)].consumption == 15
    assert got[("m", march)].count == 1 and got[("m", april)].count == 2
    assert got[("d", april)].first_value == 110


def test_alarm_rules_evaluated_on_arrival(session):
    from dualcarbon.monitoring.models import AlarmEvent, AlarmRule

    park, ent, _, gauge = _setup(session)
    session.add(AlarmRule(park_id=park.id, enterprise_id=ent.id, name="高", kind="threshold_high",
                          point_id=gauge.id, threshold=Decimal(90)))
    session.flush()
    now = T0 + timedelta(minutes=1)
    ingest(session, park_id=park.id, readings=[ReadingIn(gauge.code, T0, "50")], source="api",
           batch_ref=None, now=now)
    assert session.scalar(select(func.count()).select_from(AlarmEvent)
                          .where(AlarmEvent.point_id == gauge.id)) == 0
    ingest(session, park_id=park.id, readings=[ReadingIn(gauge.code, now, "95.5")],
           source="api", batch_ref=None, now=now)
    event = session.scalar(select(AlarmEvent).where(AlarmEvent.point_id == gauge.id))
    assert event.value == Decimal("95.5") and event.reason == "monitoring.alarm.threshold-high"


@pytest.mark.pg_only
def test_two_transactions_creating_the_same_partition_both_succeed(engine):
    """Two batches carrying a month without a partition, at the same time: the second waits for
    the first instead of failing with "relation already exists" when the first commits."""
    import threading
    from datetime import date

    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from dualcarbon.collection import partitions

    month = date(2091, 3, 1)
    name = partitions.partition_name(month)
    outcome: list[object] = []
    try:
        with Session(engine) as first:
            assert partitions.ensure(first, [month]) == [name]

            def second() -> None:
                try:
                    with Session(engine) as s:
                        outcome.append(partitions.ensure(s, [month]))
                        s.commit()
                except Exception as exc:  # the failure under test
                    outcome.append(exc)

            t = threading.Thread(target=second)
            t.start()
            t.join(0.5)
            assert t.is_alive(), outcome  # waits for the first transaction
            first.commit()
            t.join(10)
        assert outcome == [[]]
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {name}"))


@pytest.mark.pg_only
def test_two_batches_of_one_register_at_once_count_each_interval_once(engine):
    """Batch A (reads 1–4) is being stored when batch B (reads 5–8) of the same meter arrives:
    B waits for A's lock on the meter's latest read, then takes A's last read as the start of its
    first interval — the month's consumption is last − first, not that plus A's share again."""
    import threading

    from sqlalchemy import delete, text
    from sqlalchemy.orm import Session

    from dualcarbon.collection import partitions
    from dualcarbon.registry.models import Enterprise, MeteringPoint, Park

    # a month of its own, whose partition this test drops again (the data is committed)
    t0 = datetime(2092, 5, 10, 2, tzinfo=UTC)
    now = t0 + timedelta(days=1)
    with Session(engine) as s:
        park = make_park(s)
        ent = make_enterprise(s, park)
        meter = make_point(s, ent, measurement="cumulative")
        ingest(s, park_id=park.id, readings=[ReadingIn(meter.code, t0, "100")], source="api",
               batch_ref=None, now=now)
        s.commit()
        ids = (park.id, ent.id, meter.id, meter.code)
    park_id, ent_id, point_id, code = ids

    def reads(first: int) -> list[ReadingIn]:
        return [ReadingIn(code, t0 + timedelta(minutes=15 * k), str(100 + 10 * k))
                for k in range(first, first + 4)]

    outcome: list[object] = []
    try:
        with Session(engine) as a:
            ingest(a, park_id=park_id, readings=reads(1), source="api", batch_ref=None, now=now)

            def batch_b() -> None:
                try:
                    with Session(engine) as b:
                        outcome.append(ingest(b, park_id=park_id, readings=reads(5),
                                              source="api", batch_ref=None, now=now).accepted)
                        b.commit()
                except Exception as exc:  # the failure under test
                    outcome.append(exc)

            t = threading.Thread(target=batch_b)
            t.start()
            t.join(0.5)
            assert t.is_alive(), outcome  # waits for A
            a.commit()
            t.join(10)
        assert outcome == [4]
        with Session(engine) as s:
            month = s.scalar(select(ReadingRollup).where(
                ReadingRollup.point_id == point_id, ReadingRollup.grain == "m"))
            assert month is not None and month.count == 9
            assert month.consumption == Decimal(80)  # 180 − 100
    finally:
        with Session(engine) as s:
            for model in (Reading, ReadingRollup, PointLatest):
                s.execute(delete(model).where(model.point_id == point_id))
            s.execute(delete(IngestBatch).where(IngestBatch.park_id == park_id))
            s.execute(delete(MeteringPoint).where(MeteringPoint.id == point_id))
            s.execute(delete(Enterprise).where(Enterprise.id == ent_id))
            s.execute(delete(Park).where(Park.id == park_id))
            s.execute(text("DROP TABLE IF EXISTS "
                           f"{partitions.partition_name(partitions.month_of(t0))}"))
            s.commit()
