"""`dualcarbon calc`, the published JSON Schemas and the example documents."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from accounting_helpers import EXAMPLES

from dualcarbon.core.accounting.calc import calc_json
from dualcarbon.core.accounting.dataio import DocumentInvalid

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = ROOT / "docs" / "schemas"


def _gen():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "gen_accounting_schemas", ROOT / "tools" / "gen_accounting_schemas.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _schema(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))


def test_published_schemas_match_the_code() -> None:
    gen = _gen()
    for name, schema in gen.schemas().items():
        published = (SCHEMAS / name).read_text(encoding="utf-8")
        assert published == gen.render(schema), f"re-run tools/gen_accounting_schemas.py ({name})"
    defaults = (ROOT / "docs" / "accounting-defaults.md").read_text(encoding="utf-8")
    assert defaults == gen.defaults_markdown(), "re-run tools/gen_accounting_schemas.py"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.name)
def test_examples_validate_and_results_match_schema(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    park = "enterprises" in doc
    jsonschema.validate(doc, _schema("park-document" if park else "activity-document"))
    out = json.loads(calc_json(path.read_text(encoding="utf-8"), park=park))
    jsonschema.validate(out, _schema("park-result" if park else "enterprise-result"))


def test_cli_calc_prints_result_json() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "dualcarbon", "calc", str(EXAMPLES / "ex5-enterprise-total.json")],
        capture_output=True, text=True, check=True)
    out = json.loads(proc.stdout)
    assert out["totals"]["total_tco2e"] == "388072.18"
    assert out["intensities"]["intensity_tco2e_per_1e4_cny"] == "1.108778"
    proc = subprocess.run(
        [sys.executable, "-m", "dualcarbon", "calc", "--park", str(EXAMPLES / "ex9-park.json")],
        capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout)["total_tco2e"] == "2009589.46"


def test_cli_calc_reports_every_bad_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"period": {"start": "2023-13-01", "end": "2023-12-31"},
                               "enterprise": {"id": "x"},
                               "fuels": [{"id": "f", "fuel": "diesel", "amount": "abc"}]}))
    proc = subprocess.run([sys.executable, "-m", "dualcarbon", "calc", str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "period/start" in proc.stderr and "fuels/0/amount" in proc.stderr
    with pytest.raises(DocumentInvalid):
        calc_json("{not json")
