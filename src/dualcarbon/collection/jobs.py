"""Scheduled collection work: monthly partitions of `readings` created ahead (PostgreSQL)."""

from sqlalchemy.orm import Session

from dualcarbon.collection import partitions
from dualcarbon.db.types import utcnow
from dualcarbon.jobs.service import every


@every(86400, "collection.partitions-ahead")
def partitions_ahead(session: Session) -> None:
    partitions.ensure_ahead(session, utcnow(), months_ahead=3)
