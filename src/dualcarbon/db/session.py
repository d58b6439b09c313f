"""Units of work. The only place that commits: services flush, callers own the transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker


@contextmanager
def unit_of_work(factory: sessionmaker[Session], *, writes: bool = True) -> Iterator[Session]:
    session = factory()
    try:
        if writes:
            begin_writing(session)
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def commit(session: Session) -> None:
    session.commit()


def begin_writing(session: Session) -> None:
    """Start the transaction as a writer (BEGIN IMMEDIATE on SQLite; no-op on PostgreSQL)."""
    session.connection(execution_options={"dc_immediate": True})
