"""Scheduled alarm evaluation: calibration due dates once an hour."""

from sqlalchemy.orm import Session

from dualcarbon.jobs.service import every
from dualcarbon.monitoring import service


@every(3600, "monitoring.calibration-overdue")
def calibration_overdue(session: Session) -> None:
    service.evaluate_calibration(session)
