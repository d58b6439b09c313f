"""Writes the JSON Schemas of the accounting interchange documents into docs/schemas/.

Run: python tools/gen_accounting_schemas.py. tests/core/accounting/test_calc_cli.py checks that
the published files match what this generates (re-run after changing model.py or result.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from dualcarbon.core.accounting.model import ActivityDocument, ParkDocument
from dualcarbon.core.accounting.result import EnterpriseResult, ParkResult

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "schemas"
BASE = "https://dualcarbon.example/schemas/"

TYPES: dict[str, tuple[Any, str, str]] = {
    "activity-document": (ActivityDocument, "validation",
                          "Enterprise activity document (企业活动水平数据) — input of `dualcarbon calc`"),
    "park-document": (ParkDocument, "validation",
                      "Park activity document — input of `dualcarbon calc --park`"),
    "enterprise-result": (EnterpriseResult, "validation",
                          "Enterprise accounting result with provenance — output of `dualcarbon calc`"),
    "park-result": (ParkResult, "validation",
                    "Park accounting result — output of `dualcarbon calc --park`"),
}


def schemas() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, (tp, mode, title) in TYPES.items():
        s = TypeAdapter(tp).json_schema(mode=mode)
        s = {"$schema": "https://json-schema.org/draft/2020-12/schema",
             "$id": f"{BASE}{name}.schema.json", "title": title,
             **{k: v for k, v in s.items() if k != "title"}}
        out[f"{name}.schema.json"] = s
    return out


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, s in schemas().items():
        (OUT / name).write_text(render(s), encoding="utf-8")
        print(f"wrote docs/schemas/{name}")


if __name__ == "__main__":
    main()
