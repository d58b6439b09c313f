"""Hour/day/month aggregates of a batch of new readings, in one pass (pure; both databases).

The ingestion service hands the accepted *new* readings of a batch as columns (point id, UTC
instant, value) and gets back one :class:`~dualcarbon.core.readings.Acc` per (point, grain,
bucket) that the batch changes, ready to be merged into the stored rollups. Buckets are local
hours/days/months of the park's time zone (:func:`~dualcarbon.core.readings.bucket_start`).

Interval consumption of a cumulative register needs the read before each new one. For a point
in ``consume`` whose new reads all come after its newest stored read (``prior``; None when it
has none), the chain is ``prior → new reads``, computed here (core/meter.py's rules: rollover
and reset; the delta of the interval ending at ``t`` belongs to the bucket of ``t − 1 µs``).
Every other cumulative point — a new read at or before the stored one (late data), or a meter
replacement (the caller keeps those out of ``consume``) — is returned in ``slow``: the caller
splices its reads into the stored chain (collection.service.point_consumption) and adds the
consumption changes itself.

Why a hand-written pass: this runs for every batch at every door; bucketing each distinct
instant once and walking the readings sorted by (point, time) costs about a microsecond per
reading (docs/decisions/0036-ingest-rollups-in-one-pass.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from dualcarbon.core.meter import interval_delta
from dualcarbon.core.readings import Acc, bucket_start

Key = tuple[int, str, datetime]  # (point id, grain, bucket start UTC)
_TICK = timedelta(microseconds=1)


@dataclass(slots=True)
class Aggregates:
    accs: dict[Key, Acc] = field(default_factory=dict)
    newest: dict[int, int] = field(default_factory=dict)  # point id -> index of its newest read
    slow: set[int] = field(default_factory=set)  # cumulative points left to the caller


def _buckets(instants: set[datetime], tz: str) -> dict[datetime, tuple[datetime, ...]]:
    """For each instant: its hour, day and month buckets, and those of the interval ending at it
    (the bucket of ``t − 1 µs``). Instants of a batch repeat for every point: once each."""
    out: dict[datetime, tuple[datetime, ...]] = {}
    hours: dict[datetime, tuple[datetime, datetime]] = {}  # hour -> (day, month)
    for t in instants:
        cells: list[datetime] = []
        for at in (t, t - _TICK):
            h = bucket_start(at, "h", tz)
            dm = hours.get(h)
            if dm is None:
                dm = hours[h] = (bucket_start(at, "d", tz), bucket_start(at, "m", tz))
            cells += (h, dm[0], dm[1])
        out[t] = tuple(cells)
    return out


def aggregate(
    point_id: Sequence[int],
    ts: Sequence[datetime],
    value: Sequence[Decimal],
    tz: str,
    consume: Mapping[int, tuple[Decimal, tuple[datetime, Decimal] | None]],
) -> Aggregates:
    """Aggregates of the new readings (no two share (point, ts)). ``consume``: cumulative points
    whose consumption is wanted here, each with its multiplier and newest stored read."""
    out = Aggregates()
    accs = out.accs
    n = len(ts)
    if not n:
        return out
    cells = _buckets(set(ts), tz)
    rank = {t: r for r, t in enumerate(sorted(cells))}
    keys = [p << 32 | rank[t] for p, t in zip(point_id, ts, strict=True)]
    order = sorted(range(n), key=keys.__getitem__)

    consumption: dict[tuple[int, datetime], Decimal] = {}  # (point, interval hour) -> delta
    interval_cells: dict[datetime, tuple[datetime, datetime]] = {}  # interval hour -> (d, m)
    cur_p = -1
    hour: Acc | None = None
    hour_key: datetime | None = None
    chain: tuple[Decimal, datetime, Decimal] | None = None  # multiplier, previous read
    last_i = -1

    def close_hour() -> None:
        # fold a finished hour into its day and month; the walk is in time order, so the hour
        # comes after everything already in them
        assert hour is not None
        for key in ((cur_p, "d", cells_of_hour[1]), (cur_p, "m", cells_of_hour[2])):
            acc = accs.get(key)
            if acc is None:
                accs[key] = Acc(hour.count, hour.sum_value, hour.min_value, hour.max_value,
                                hour.first_ts, hour.first_value, hour.last_ts, hour.last_value)
            else:
                acc.count += hour.count
                acc.sum_value += hour.sum_value
                if hour.min_value < acc.min_value:  # type: ignore[operator]
                    acc.min_value = hour.min_value
                if hour.max_value > acc.max_value:  # type: ignore[operator]
                    acc.max_value = hour.max_value
                acc.last_ts, acc.last_value = hour.last_ts, hour.last_value

    cells_of_hour: tuple[datetime, ...] = ()
    for i in order:
        p = point_id[i]
        t = ts[i]
        v = value[i]
        c = cells[t]
        if p != cur_p:
            if hour is not None:
                close_hour()
                out.newest[cur_p] = last_i
            cur_p, hour, hour_key = p, None, None
            chain = None
            spec = consume.get(p)
            if spec is not None:
                multiplier, prior = spec
                if prior is None:  # no stored read: the chain starts at the first new one
                    chain = (multiplier, t, v)
                elif t <= prior[0]:
                    out.slow.add(p)
                else:
                    chain = (multiplier, prior[0], prior[1])
        if c[0] != hour_key:
            if hour is not None:
                close_hour()
            hour_key, cells_of_hour = c[0], c
            hour = accs[(p, "h", hour_key)] = Acc(1, v, v, v, t, v, t, v)
        else:
            assert hour is not None
            hour.count += 1
            hour.sum_value += v
            if v < hour.min_value:  # type: ignore[operator]
                hour.min_value = v
            elif v > hour.max_value:  # type: ignore[operator]
                hour.max_value = v
            hour.last_ts, hour.last_value = t, v
        last_i = i
        if chain is not None:
            multiplier, t0, v0 = chain
            if t0 == t:  # the first read of a new chain closes no interval
                continue
            if v >= v0:
                delta = v - v0 if multiplier == 1 else (v - v0) * multiplier
            else:  # rollover or reset
                delta = interval_delta(t0, v0, t, v, (), multiplier).value
            ck = (p, c[3])
            have = consumption.get(ck)
            consumption[ck] = delta if have is None else have + delta
            interval_cells[c[3]] = (c[4], c[5])
            chain = (multiplier, t, v)
    close_hour()
    out.newest[cur_p] = last_i

    for (p, ih), delta in consumption.items():
        day, month = interval_cells[ih]
        for grain, bucket in (("h", ih), ("d", day), ("m", month)):
            acc = accs.get((p, grain, bucket))
            if acc is None:
                acc = accs[(p, grain, bucket)] = Acc()
            acc.add_consumption(delta)
    return out
