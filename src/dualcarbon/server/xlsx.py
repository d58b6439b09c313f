"""Excel export of any list: one sheet, a header row in the user's language, values as typed
cells (numbers stay numbers; decimals are written as numbers but keep their text in a note-free
way by using the exact Decimal)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return float(value) if abs(value.as_tuple().exponent) <= 10 else format(value, "f")  # type: ignore[arg-type]
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, date | int | float) or value is None:
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def workbook_bytes(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[tuple[str, str]],
    sheet: str = "Sheet1",
    bool_labels: tuple[str, str] = ("是", "否"),
) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet[:31]
    ws.append([label for _, label in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for r, row in enumerate(rows, start=2):
        for c, (key, _) in enumerate(columns, start=1):
            v = row.get(key)
            if isinstance(v, bool):
                v = bool_labels[0] if v else bool_labels[1]
            cell = ws.cell(row=r, column=c, value=_cell(v))
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # user text is never a formula (no formula injection)
    for i, (_, label) in enumerate(columns, start=1):
        width = max(
            [len(str(label)) * 2] + [len(str(r.get(columns[i - 1][0]) or "")) for r in rows[:200]]
        )
        ws.column_dimensions[get_column_letter(i)].width = min(max(10, width + 2), 50)
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_response(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type=XLSX,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"
            )
        },
    )
