"""core/rollup.aggregate against the plain definition: every reading added to the Acc of its
hour, day and month one by one, and the consumption of each cumulative chain by meter.py's
chain_deltas put in the buckets of its intervals (readings.interval_bucket)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.core import meter
from dualcarbon.core.readings import GRAINS, Acc, bucket_start, interval_bucket
from dualcarbon.core.rollup import aggregate

T0 = datetime(2025, 3, 29, 20, 0, tzinfo=UTC)  # a Sunday night before Berlin's DST change


def reference(point_id, ts, value, tz, consume):  # type: ignore[no-untyped-def]
    accs: dict[tuple[int, str, datetime], Acc] = {}
    for p, t, v in zip(point_id, ts, value, strict=True):
        for g in GRAINS:
            accs.setdefault((p, g, bucket_start(t, g, tz)), Acc()).add_reading(t, v)
    slow = set()
    for p, (multiplier, prior) in consume.items():
        reads = sorted((t, v) for q, t, v in zip(point_id, ts, value, strict=True) if q == p)
        if not reads:
            continue
        if prior is not None and reads[0][0] <= prior[0]:
            slow.add(p)
            continue
        chain = ([prior] if prior is not None else []) + reads
        for t1, delta in meter.chain_deltas(chain, (), multiplier):
            for g in GRAINS:
                accs.setdefault((p, g, interval_bucket(t1, g, tz)), Acc()).add_consumption(
                    delta.value)
    return accs, slow


values = st.decimals(min_value=0, max_value=99999, places=2, allow_nan=False)


@st.composite
def batches(draw):  # type: ignore[no-untyped-def]
    n_points = draw(st.integers(1, 4))
    rows = draw(st.lists(st.tuples(st.integers(1, n_points), st.integers(0, 300), values),
                         min_size=1, max_size=60, unique_by=lambda r: (r[0], r[1])))
    point_id = [p for p, _, _ in rows]
    # quarter-hours from T0, some exactly on hour and day boundaries
    ts = [T0 + timedelta(minutes=15 * k) for _, k, _ in rows]
    value = [v for _, _, v in rows]
    consume = {}
    for p in range(1, n_points + 1):
        if draw(st.booleans()):
            prior = draw(st.one_of(st.none(), st.tuples(
                st.integers(-20, 40).map(lambda k: T0 + timedelta(minutes=15 * k)), values)))
            consume[p] = (draw(st.sampled_from([Decimal(1), Decimal(80), Decimal("0.5")])),
                          prior)
    tz = draw(st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "UTC"]))
    return point_id, ts, value, tz, consume


@settings(max_examples=300, deadline=None)
@given(batches())
def test_one_pass_equals_the_definition(batch) -> None:  # type: ignore[no-untyped-def]
    point_id, ts, value, tz, consume = batch
    got = aggregate(point_id, ts, value, tz, consume)
    want, slow = reference(point_id, ts, value, tz, consume)
    assert got.slow == slow
    assert got.accs == want
    for p, i in got.newest.items():
        assert ts[i] == max(t for q, t in zip(point_id, ts, strict=True) if q == p)


def test_rollover_reset_and_a_read_at_midnight() -> None:
    tz = "Asia/Shanghai"
    midnight = datetime(2025, 1, 1, 16, 0, tzinfo=UTC)  # 2025-01-02 00:00 local
    ts = [midnight - timedelta(minutes=15), midnight, midnight + timedelta(minutes=15)]
    got = aggregate([7, 7, 7], ts, [Decimal("9990"), Decimal("5"), Decimal("2")], tz,
                    {7: (Decimal(2), (midnight - timedelta(minutes=30), Decimal("9980")))})
    day1 = bucket_start(midnight - timedelta(minutes=15), "d", tz)
    day2 = bucket_start(midnight, "d", tz)
    # 9980→9990 and the rollover 9990→5 (10000−9990+5) close day 1; 5→2 is a reset (counts 2)
    assert got.accs[(7, "d", day1)].consumption == (10 + 15) * 2
    assert got.accs[(7, "d", day2)].consumption == 2 * 2
    assert got.accs[(7, "d", day2)].count == 2 and got.accs[(7, "d", day1)].count == 1
    assert not got.slow
