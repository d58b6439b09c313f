"""Monthly partitions of ``readings`` on PostgreSQL (no-op on SQLite).

Partitions are created ahead of time by the ``collection.partitions-ahead`` job and on demand for
late data (a batch carrying a month that has no partition yet). Creation is serialised by a
transaction-level advisory lock and the lookup repeated under it: two transactions creating the
same partition at once would otherwise both pass ``IF NOT EXISTS`` and the second fail with
"relation already exists" when the first commits. No in-process cache: a rolled-back transaction
would leave it wrong; the check is one catalogue lookup per month touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

_ADVISORY_KEY = 0x7265616470617274  # "readpart": serialises partition creation


def month_of(ts: datetime) -> date:
    ts = ts.astimezone(UTC)
    return date(ts.year, ts.month, 1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"readings_y{month.year:04d}m{month.month:02d}"


def ensure(session: Session, months: Iterable[date]) -> list[str]:
    """Create the partitions for ``months`` (UTC months) that do not exist yet."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    created = []
    locked = False
    for month in sorted(set(months)):
        name = partition_name(month)
        exists = session.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar()
        if exists is None and not locked:
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
            locked = True  # held to the end of the transaction
        if exists is None:
            # look again under the lock, in pg_class itself: to_regclass may still answer from
            # this backend's catalogue cache what it saw before another transaction committed
            exists = session.execute(text(
                "SELECT oid FROM pg_class WHERE relname = :n AND pg_table_is_visible(oid)"),
                {"n": name}).scalar()
        if exists is None:
            start, end = month, add_months(month, 1)
            session.execute(text(
                f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF readings "
                f"FOR VALUES FROM ('{start.isoformat()} 00:00:00+00') "
                f"TO ('{end.isoformat()} 00:00:00+00')"))
            created.append(name)
    return created


def ensure_ahead(session: Session, now: datetime, months_ahead: int = 3) -> list[str]:
    this = month_of(now)
    return ensure(session, (add_months(this, i) for i in range(-1, months_ahead + 1)))
