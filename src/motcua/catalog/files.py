"""Reading and writing catalogue files: CSV, XLSX and JSON, chosen by the file's extension.

See IMPORT_FORMAT.md. Row numbers are what a person sees: in CSV and XLSX the header is row 1 and the
first procedure row 2; in JSON the first procedure is item 1.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from motcua.catalog.domain.rows import COLUMNS

FORMATS = ("csv", "xlsx", "json")
LIST_COLUMNS = ("documents", "fees", "steps", "units")


class UnsupportedFormat(ValueError):
    pass


@dataclass
class ReadResult:
    rows: list[tuple[int, dict[str, Any]]]
    headers: list[str]


def file_format(path: Path) -> str:
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UnsupportedFormat(fmt)
    return fmt


def _is_blank(values: Iterable[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def read_rows(path: Path) -> ReadResult:
    """Every procedure row of `path` with its row number; blank rows are skipped."""
    fmt = file_format(path)
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            headers = [h.strip() for h in next(reader, [])]
            rows = [(n, dict(zip(headers, values, strict=False)))
                    for n, values in enumerate(reader, start=2) if not _is_blank(values)]
        return ReadResult(rows, headers)
    if fmt == "xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            iterator = sheet.iter_rows(values_only=True)
            headers = [str(h).strip() if h is not None else "" for h in next(iterator, ())]
            rows = [(n, dict(zip(headers, values, strict=False)))
                    for n, values in enumerate(iterator, start=2) if not _is_blank(values)]
        finally:
            workbook.close()
        return ReadResult(rows, headers)
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("procedures", [])
    if not isinstance(data, list):
        raise ValueError("JSON must be a list of procedures or {\"procedures\": [...]}")
    items = [(n, item if isinstance(item, dict) else {"code": item}) for n, item in enumerate(data, start=1)]
    headers = sorted({key for _n, item in items for key in item}, key=lambda k: (k not in COLUMNS, k))
    return ReadResult(items, headers)


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return "" if value is None else value


def write_rows(path: Path, rows: Iterator[dict[str, Any]]) -> int:
    """Write `rows` (native values, keys = COLUMNS) to `path`; returns how many were written."""
    fmt = file_format(path)
    count = 0
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for row in rows:
                writer.writerow([_cell(row.get(c)) for c in COLUMNS])
                count += 1
        return count
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("procedures")
        sheet.append(list(COLUMNS))
        for row in rows:
            sheet.append([_cell(row.get(c)) for c in COLUMNS])
            count += 1
        workbook.save(path)
        return count
    items = list(rows)
    path.write_text(json.dumps({"procedures": items}, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(items)
