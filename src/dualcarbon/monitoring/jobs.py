"""Scheduled alarm evaluation: calibration due dates once an hour, missing data (completeness
against the points' expected intervals) every five minutes."""

from sqlalchemy.orm import Session

from dualcarbon.jobs.service import every
from dualcarbon.monitoring import service


@every(3600, "monitoring.calibration-overdue")
def calibration_overdue(session: Session) -> None:
    service.evaluate_calibration(session)


@every(300, "monitoring.missing-data")
def missing_data(session: Session) -> None:
    service.evaluate_missing_data(session)
