"""The tables of an uploaded file — Excel (.xlsx/.xlsm) or CSV in UTF-8 or GB 18030 — for every
import (readings, factor parameters, activity data): one way to open them, one way to map a
header row to fields and to locate each cell as (sheet, row, column letter) for the error list.

Each import keeps its own error codes: this module raises :class:`Unreadable` or
:class:`UnknownType` and the caller turns them into its problem."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from dualcarbon.core.errors import FieldError

XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")

Table = tuple[str, Iterator[tuple[Any, ...]]]  # sheet title, rows of cell values


class Unreadable(ValueError):
    """The file is not what its name says: ``reason`` is ``xlsx`` (a broken workbook),
    ``encoding`` (CSV neither UTF-8 nor GB 18030) or ``csv`` (not a CSV table)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnknownType(ValueError):
    """Neither an Excel workbook nor a CSV file by its name."""


def _csv_rows(content: bytes) -> list[tuple[Any, ...]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Unreadable("encoding")
    if "\x00" in text:
        raise Unreadable("csv")
    try:
        return [tuple(r) for r in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise Unreadable("csv") from exc


def open_tables(filename: str, content: bytes, *, csv_suffixes: Sequence[str] = CSV_SUFFIXES,
                others_as_xlsx: bool = False, csv_name: str = "csv") -> Iterator[Table]:
    """Each sheet of a workbook (read-only, values not formulas), or the one table of a CSV
    file named ``csv_name``. ``others_as_xlsx``: a name with neither suffix is tried as a
    workbook (else :class:`UnknownType`)."""
    name = (filename or "").lower()
    if name.endswith(tuple(csv_suffixes)):
        yield csv_name, iter(_csv_rows(content))
        return
    if not (name.endswith(XLSX_SUFFIXES) or others_as_xlsx):
        raise UnknownType(filename)
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise Unreadable("xlsx") from exc
    try:
        for ws in wb.worksheets:
            yield ws.title, ws.iter_rows(values_only=True)
    finally:
        wb.close()


@dataclass(frozen=True, slots=True)
class Row:
    sheet: str
    row: int  # 1-based, as Excel shows it
    cells: dict[str, tuple[str, Any]]  # field -> (column letter, raw value)


def blank(values: Sequence[Any] | None) -> bool:
    return values is None or all(v is None or str(v).strip() == "" for v in values)


def field_rows(sheet: str, table: Iterator[tuple[Any, ...]],
               field_of: Callable[[Any], str | None], required: Sequence[str],
               missing_code: str, errors: list[FieldError]) -> Iterator[Row]:
    """The non-blank rows under the header row, cells keyed by field (the first column whose
    header names it). A required field without a column is one error at row 1 and no rows."""
    header = next(table, None)
    if header is None:
        return
    columns: dict[str, tuple[int, str]] = {}
    for i, h in enumerate(header):
        name = field_of(h)
        if name and name not in columns:
            columns[name] = (i, get_column_letter(i + 1))
    missing = [f for f in required if f not in columns]
    for f in missing:
        errors.append(FieldError((sheet, 1, f), missing_code, {"column": f}))
    if missing:
        return
    for n, values in enumerate(table, start=2):
        if blank(values):
            continue
        yield Row(sheet, n, {f: (letter, values[i] if i < len(values) else None)
                             for f, (i, letter) in columns.items()})
