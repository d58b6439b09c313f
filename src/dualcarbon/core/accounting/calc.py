"""Text in, text out: what `dualcarbon calc` and the API use (no file or network I/O here)."""

from __future__ import annotations

from .dataio import activity_from_json, dumps_json, park_from_json
from .engine import account
from .parameters import ParameterSet
from .park import account_park


def calc_json(text: str, *, park: bool = False, exact: bool = False,
              params: ParameterSet | None = None) -> str:
    """Account an enterprise (or, with `park`, a park) activity document given as JSON and return
    the full result as JSON; quantities rounded half-up to 0.01 (t, tCO2e, tce, GJ, MWh) and
    factors/intensities to 6 places unless `exact`."""
    if park:
        return dumps_json(account_park(park_from_json(text), params), rounded=not exact)
    return dumps_json(account(activity_from_json(text), params), rounded=not exact)
