"""How a source and its figures become lines of the engine's activity document
(core.accounting.model). The one mapping behind both the document built from approved monthly
data (`service.build_document`) and the enterprise workbook `dualcarbon calc FILE.xlsx` reads
(`workbook.read`). Plain values in, a checked `ActivityDocument` out; no database here."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date
from decimal import Decimal
from typing import Any

from dualcarbon.activity import kinds as K
from dualcarbon.core.accounting import dataio
from dualcarbon.core.accounting.model import ActivityDocument


def _measured(value: Any, quality: str) -> dict[str, Any]:
    return {"value": str(value), "quality": quality}


def line_id(code: str, month: date | None) -> str:
    """`<source code>@<YYYY-MM>` for a month's figure, the code alone for a whole period."""
    return f"{code}@{month:%Y-%m}" if month is not None else code


class DocumentBuilder:
    """Collects lines into the engine document's JSON shape; `build()` checks it with the
    engine's own reader. Each line remembers an origin (the caller's tag: a line id, a sheet
    row …) so that an engine complaint can be reported where the figure came from."""

    def __init__(self, head: dict[str, Any]) -> None:
        self.doc: dict[str, Any] = dict(head)
        self.value_added: Decimal | None = None
        self.power: dict[str, dict[str, Any]] = {}
        self.origins: dict[tuple[str | int, ...], Hashable] = {}

    def add(self, *, kind: str, code: str, name: str, unit: str | None,
            settings: dict[str, Any], quantity: Decimal, year: int, month: date | None = None,
            ncv: Decimal | None = None, carbon_content: Decimal | None = None,
            params: dict[str, Any] | None = None, data_source: str = "meter_ledger",
            comment: str | None = None, facility: str | None = None,
            process: str | None = None, origin: Hashable = None) -> None:
        k = K.KINDS[kind]
        quality = "default" if data_source == "default" else "measured"
        tag = origin if origin is not None else line_id(code, month)
        if k.code == "value_added":
            self.value_added = (self.value_added or Decimal(0)) + quantity
            return
        values: dict[str, Any] = dict(params or {})
        if ncv is not None:
            values["ncv"] = ncv
        if carbon_content is not None:
            values["carbon_content"] = carbon_content
        if k.code == "power_coal":
            pf_id = settings["power_facility"]
            pf = self.power.setdefault(pf_id, {"id": pf_id, "coal": []})
            coal: dict[str, Any] = {"month": month.month if month is not None else None,
                                    "amount_t": str(quantity), "quality": quality}
            if "ncv" in values:
                coal["ncv_ar_gj_per_t"] = _measured(values["ncv"], quality)
            if "carbon_content" in values:
                coal["carbon_ar"] = _measured(values["carbon_content"], quality)
            for name_ in k.plain:
                if name_ in values:
                    coal[name_] = str(values[name_])
            self.origins[("power_facilities", list(self.power).index(pf_id), "coal",
                          len(pf["coal"]))] = tag
            pf["coal"].append(coal)
            return
        line: dict[str, Any] = {"id": line_id(code, month)}
        line.update(settings)
        if k.code in ("fuel", "material", "biomass") and unit is not None:
            line["unit"] = unit
        if k.code in ("fuel", "material", "biomass", "product"):
            line["name"] = name
        qty_field = k.quantity_field
        if k.code == "heat" and unit == "t":
            qty_field = "mass_t"
        line[qty_field] = str(quantity)
        if k.code == "green_power":
            line["year"] = month.year if month is not None else year
            line["evidence"] = comment or ""
        elif k.code != "product":
            line["quality"] = quality
        for name_ in k.measured:
            if name_ in values:
                line[name_] = _measured(values[name_], quality)
        for name_ in k.plain:
            if name_ in values:
                line[name_] = str(values[name_])
        if k.code not in ("green_power", "product") and facility is not None:
            line["facility"] = facility
        if k.code != "green_power" and process is not None:
            line["process"] = process
        lst = self.doc.setdefault(k.doc_list, [])
        self.origins[(k.doc_list, len(lst))] = tag
        lst.append(line)

    def as_dict(self) -> dict[str, Any]:
        doc = dict(self.doc)
        if self.value_added is not None:
            doc["enterprise"] = {**doc["enterprise"],
                                 "value_added_1e4_cny": str(self.value_added)}
        if self.power:
            doc["power_facilities"] = list(self.power.values())
        return doc

    def origin_of(self, loc: tuple[str | int, ...]) -> tuple[Hashable, tuple[str | int, ...]]:
        """(origin tag, the rest of the path) of an engine field error's path; (None, loc) when
        the path is not inside one of the lines added."""
        for n in (4, 2):
            if tuple(loc[:n]) in self.origins:
                return self.origins[tuple(loc[:n])], tuple(loc[n:])
        return None, tuple(loc)

    def build(self) -> ActivityDocument:
        """The engine document; `dataio.DocumentInvalid` lists what the engine refuses."""
        return dataio.from_dict(ActivityDocument, self.as_dict())
