"""Re-account when approved inputs change: the activity package enqueues "accounting.rerun"
with {enterprise_id, period_start, period_end} when it approves activity data."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from dualcarbon.accounting import service
from dualcarbon.core.context import Actor
from dualcarbon.jobs.service import Progress, job

JOB_ACTOR = Actor(user_id=None, username="job:accounting.rerun", roles="system")


@job("accounting.rerun")
def rerun_on_approval(session: Session, payload: dict[str, Any],
                      progress: Progress) -> dict[str, Any]:
    run = service.run_enterprise(
        session, int(payload["enterprise_id"]), date.fromisoformat(payload["period_start"]),
        date.fromisoformat(payload["period_end"]), actor=JOB_ACTOR, trigger="job")
    return {"run_id": run.id, "status": run.status,
            "total_tco2e": None if run.total_tco2e is None else format(run.total_tco2e, "f")}
