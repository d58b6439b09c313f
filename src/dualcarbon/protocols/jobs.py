"""Scheduled CEMS work: the hours that just ended are computed (and re-computed while late data
can still arrive), so reports and the CEMS-vs-calculated comparison need no manual step."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcarbon.db.types import utcnow
from dualcarbon.jobs.service import every
from dualcarbon.protocols import cems_service
from dualcarbon.protocols.models import CemsUnit

RECENT_HOURS = 3


@every(600, "cems.compute-recent-hours")
def compute_recent_hours(session: Session) -> None:
    end = utcnow().replace(minute=0, second=0, microsecond=0)
    for unit in session.scalars(select(CemsUnit).where(CemsUnit.is_active)):
        cems_service.compute_hours(session, unit, end - timedelta(hours=RECENT_HOURS), end)
