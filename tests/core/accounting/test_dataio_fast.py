"""`dataio.from_dict` reads valid input with a converter compiled per type and falls back to the
careful reader (every problem with its JSON path) at the first doubt: both must give the same
document for valid input, and bad input must still be reported exactly as before."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest
from accounting_helpers import EXAMPLES

from dualcarbon.core.accounting import dataio
from dualcarbon.core.accounting.model import ActivityDocument, ParkDocument

DOCS = sorted(p.name for p in EXAMPLES.glob("*.json"))


def _cls(data: dict[str, Any]) -> type:
    return ParkDocument if "enterprises" in data else ActivityDocument


def _same(a: Any, b: Any) -> None:
    """Equal, and every Decimal written the same way (1.0 is not 1.00 in a stored document)."""
    assert a == b
    assert json.dumps(dataio.to_dict(a), sort_keys=True) == json.dumps(dataio.to_dict(b),
                                                                        sort_keys=True)


@pytest.mark.parametrize("name", DOCS)
def test_fast_reader_equals_careful_reader(name: str) -> None:
    data = dataio.loads_json((EXAMPLES / name).read_text(encoding="utf-8"))
    data = {k: v for k, v in data.items() if not k.startswith("$")}  # take the fast path
    cls = _cls(data)
    fast = dataio._converter(cls)(data)  # raises _Slow if it cannot read it
    careful, errors = dataio.read_carefully(cls, data)
    assert errors == []
    _same(fast, careful)
    _same(dataio.from_dict(cls, data), careful)


def test_round_trip_of_read_documents_is_exact() -> None:
    for name in DOCS:
        data = dataio.loads_json((EXAMPLES / name).read_text(encoding="utf-8"))
        cls = _cls(data)
        doc = dataio.from_dict(cls, data)
        again = dataio.from_dict(cls, json.loads(json.dumps(dataio.to_dict(doc))))
        _same(again, doc)


def _ex1() -> dict[str, Any]:
    return dataio.loads_json((EXAMPLES / "ex1-combustion.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path,value,code", [
    (("fuels", 0, "amount"), "abc", "decimal"),
    (("fuels", 0, "amount"), "NaN", "decimal"),
    (("fuels", 0, "amount"), True, "decimal"),
    (("fuels", 0, "use"), "burnt", "enum"),
    (("fuels", 0, "id"), 7, "type"),
    (("period", "start"), "2023-13-01", "date"),
    (("options", "electricity_equal_value"), "yes", "type"),
    (("options", "grid_year"), "2023", "type"),
    (("fuels",), {"not": "a list"}, "type"),
    (("fuels", 0, "surprise"), 1, "unknown"),
])
def test_bad_input_is_reported_with_its_path(path: tuple[Any, ...], value: Any,
                                             code: str) -> None:
    data = _ex1()
    target = data
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = value
    with pytest.raises(dataio.DocumentInvalid) as exc:
        dataio.from_dict(ActivityDocument, data)
    assert [(e.loc, e.code) for e in exc.value.field_errors] == [(path, code)]


def test_missing_required_field_is_reported() -> None:
    data = _ex1()
    del data["fuels"][1]["amount"]
    with pytest.raises(dataio.DocumentInvalid) as exc:
        dataio.from_dict(ActivityDocument, data)
    assert [(e.loc, e.code) for e in exc.value.field_errors] == [
        (("fuels", 1, "amount"), "required")]


def test_numbers_and_comments_read_as_before() -> None:
    """Floats go through their text, ints and Decimals stay exact, `$` keys are comments."""
    data = _ex1()
    data["$comment"] = "ignored"
    data["fuels"][0]["amount"] = 12.1
    data["fuels"][1]["amount"] = 7
    data["fuels"][2]["amount"] = Decimal("1.50")
    doc = dataio.from_dict(ActivityDocument, copy.deepcopy(data))
    careful, errors = dataio.read_carefully(ActivityDocument, data)
    assert errors == []
    _same(doc, careful)
    assert [str(f.amount) for f in doc.fuels[:3]] == ["12.1", "7", "1.50"]
