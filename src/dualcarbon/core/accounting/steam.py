"""Heat content of steam and hot water (methodology.md §1.7). Steam enthalpy from temperature and
pressure with the IAPWS-IF97 formulation (`iapws` package)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from iapws import IAPWS97

from dualcarbon.core.errors import Invalid


class SteamStateInvalid(Invalid):
    code = "accounting-steam-state-invalid"


@lru_cache(maxsize=4096)
def _enthalpy(temperature_c: str, pressure_mpa: str) -> Decimal:
    t_k = float(Decimal(temperature_c)) + 273.15
    try:
        state = IAPWS97(P=float(Decimal(pressure_mpa)), T=t_k)
        h = getattr(state, "h", None)
    except (NotImplementedError, ValueError, ZeroDivisionError):
        h = None
    if h is None:
        raise SteamStateInvalid(
            f"no IAPWS-IF97 state at {temperature_c} °C, {pressure_mpa} MPa",
            params={"temperature_c": temperature_c, "pressure_mpa": pressure_mpa},
        )
    return Decimal(repr(round(float(h), 3)))


def steam_enthalpy_kj_per_kg(temperature_c: Decimal, pressure_mpa: Decimal) -> Decimal:
    """Specific enthalpy (kJ/kg, rounded to 0.001) of water/steam at T (°C) and absolute P (MPa)."""
    return _enthalpy(str(temperature_c), str(pressure_mpa))
