"""Reading a payout file (CSV in UTF-8, or XLSX) row by row, refusing what it cannot trust.

Cells are text. A spreadsheet that stored a value as a number, a date or a formula has already
changed it, or may (a phone number loses its leading zero and digits past the 15th, an amount
becomes a binary float), so such cells are refused with a message saying to write them as text;
nothing is converted. The one exception is an XLSX whole-number cell in the ``amount`` column:
the file stores its exact digits, so they are taken as written.

XLSX files are read with openpyxl (tablib's XLSX engine) in read-only mode, formulas kept as
formulas (tablib's own import reads cached values instead, which would hide them), so a sheet
is streamed rather than loaded.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from django_momo.services.errors import InvalidRequest

# Payout rows per file: larger runs are split into several files (and several approvals).
MAX_ROWS = 10_000
# Bytes per uploaded file; an XLSX may expand to MAX_XLSX_EXPANDED bytes once unzipped.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_XLSX_EXPANDED = 64 * 1024 * 1024
# Characters per cell (no payout field is longer than 255).
MAX_CELL = 1_000

REQUIRED_COLUMNS = ("operation", "party_id", "amount", "external_id")
COLUMNS = (
    "operation", "party_type", "party_id", "party_name", "bank_code", "amount", "currency",
    "external_id", "message", "account",
)  # fmt: skip
_FORMULA_STARTS = ("=", "+", "-", "@")
_EXPONENT_RE = re.compile(r"[+-]?\d+(?:[.,]\d*)?[eE][+-]?\d+")
_DECODE_CHUNK = 64 * 1024


@dataclass
class Row:
    """One data line of the file: its line number, its cells as text, the cells' problems."""

    line: int
    cells: dict[str, str]
    errors: list[dict[str, str]] = field(default_factory=list)

    def refuse(self, column: str, message: str) -> None:
        self.errors.append({"field": column, "message": message})


def file_error(message: str) -> InvalidRequest:
    """The error of a whole file: nothing of it is read further, nothing is stored."""
    return InvalidRequest("file", message)


def read_rows(filename: str, data: bytes) -> Iterator[Row]:
    """The file's data rows, one at a time; per-file problems raise ``InvalidRequest("file")``."""
    if not isinstance(filename, str) or not filename or len(filename) > 255:
        raise InvalidRequest("filename", "the file's name, at most 255 characters")
    if not isinstance(data, bytes):
        raise InvalidRequest("data", "the file's content as bytes")
    if not data:
        raise file_error("the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise file_error(
            f"the file has {len(data):,} bytes, more than the {MAX_FILE_BYTES:,} allowed: "
            "split it into several files"
        )
    name = filename.lower()
    is_zip = data.startswith(b"PK\x03\x04")
    if name.endswith(".xlsx"):
        if not is_zip:
            raise file_error("this is not an XLSX file (not a zip archive): save it as .xlsx")
        return _rows(_xlsx_records(data))
    if name.endswith(".csv"):
        if is_zip:
            raise file_error("this is an XLSX (zip) file named .csv: name it .xlsx")
        return _rows(_csv_records(data))
    raise file_error(
        "the file must be a .csv (UTF-8) or an .xlsx; for an old .xls, save it again as .xlsx"
    )


# -- cells -----------------------------------------------------------------------------------------
Cell = tuple[str, str]  # (the cell as text, what is wrong with it or "")


def _csv_cell(value: str) -> Cell:
    return value, ""


def _xlsx_cell(value: object, column: str) -> Cell:
    if value is None:
        return "", ""
    if isinstance(value, str):
        return value, ""
    if isinstance(value, bool):
        return str(value).upper(), "is a TRUE/FALSE cell: write the value as text"
    if isinstance(value, int):
        if column == "amount":
            return str(value), ""  # the file stores the exact digits of a whole number
        return str(value), (
            f"is a number cell ({value}): a number loses leading zeros and digits past the "
            "15th; format the column as Text and write it as text"
        )
    if isinstance(value, float):
        return repr(value), (
            f"is a number cell ({value!r}), not an exact value: format the column as Text and "
            "write it as text" + (", e.g. 12.50" if column == "amount" else " with every digit")
        )
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        return str(value), "is a date or time cell: write the value as text"
    return str(value), "is not a text cell: write the value as text"


def check_text(text: str) -> str:
    """What is wrong with a cell's text as such (before any field's own rules), or ""."""
    if len(text) > MAX_CELL:
        return f"has {len(text):,} characters, more than {MAX_CELL:,}"
    if "\x00" in text:
        return "contains a NUL character"
    if text.startswith(_FORMULA_STARTS):
        return (
            f"starts with {text[0]!r}, which a spreadsheet runs as a formula: write the value "
            "without it"
        )
    if _EXPONENT_RE.fullmatch(text):
        return (
            f"{text!r} is a number a spreadsheet rewrote in exponent form (digits are lost): "
            "format the column as Text and write the value as text, every digit"
        )
    return ""


# -- rows ------------------------------------------------------------------------------------------
def _header(cells: list[Cell]) -> list[str]:
    names = [text for text, _ in cells]
    while names and names[-1] == "":
        names.pop()  # trailing empty header cells (formatted but unused columns)
    if len(names) == 1 and names[0].count(";") >= 2:
        raise file_error(
            "the columns are separated by ';': save the file as CSV with commas (CSV UTF-8)"
        )
    problems = []
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        problems.append(f"unknown columns {', '.join(repr(n) for n in unknown)}")
    missing = [n for n in REQUIRED_COLUMNS if n not in names]
    if missing:
        problems.append(f"missing required columns {', '.join(missing)}")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        problems.append(f"columns named twice: {', '.join(twice)}")
    if problems:
        raise file_error(
            "; ".join(problems)
            + f". The header row names the columns exactly (lower case): {', '.join(COLUMNS)} "
            f"(required: {', '.join(REQUIRED_COLUMNS)})"
        )
    return names


def _rows(records: Iterator[tuple[int, list[Cell]]]) -> Iterator[Row]:
    first = next(records, None)
    if first is None:
        raise file_error("the file has no header row")
    names = _header(first[1])
    count = 0
    for line, cells in records:
        if all(text == "" for text, _ in cells):
            continue  # an empty line
        count += 1
        if count > MAX_ROWS:
            raise file_error(f"more than {MAX_ROWS:,} rows: split the file into several files")
        row = Row(line, {})
        extra = [text for text, _ in cells[len(names) :] if text != ""]
        if extra or (isinstance(cells, _CsvCells) and len(cells) < len(names)):
            row.refuse("columns", f"has {len(cells)} cells, the header has {len(names)} columns")
        for name, (text, problem) in zip(names, cells, strict=False):
            problem = problem or check_text(text)
            row.cells[name] = text[:MAX_CELL]
            if problem:
                row.refuse(name, problem)
        for name in names[len(cells) :]:
            row.cells[name] = ""
        yield row


class _CsvCells(list[Cell]):
    """A CSV record's cells: unlike an XLSX row, a CSV record names every cell it has."""


def _utf8_error(data: bytes) -> str:
    """Where ``data`` stops being UTF-8, as a message, or "" (reads it in chunks, keeps nothing)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for start in range(0, len(view), _DECODE_CHUNK):
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(view[start : start + _DECODE_CHUNK], final=False)
        except UnicodeDecodeError as exc:
            return _not_utf8(start - pending + exc.start)
    pending = len(decoder.getstate()[0])
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return _not_utf8(len(data) - pending + exc.start)
    return ""


def _not_utf8(offset: int) -> str:
    return (
        f"not UTF-8 at byte {offset}: save the file as CSV UTF-8 (other encodings, such as "
        "Windows-1252 or UTF-16, are refused)"
    )


def _csv_records(data: bytes) -> Iterator[tuple[int, list[Cell]]]:
    problem = _utf8_error(data)
    if problem:
        raise file_error(problem)
    # BytesIO shares the bytes (no copy); the wrapper decodes a chunk at a time.
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    reader = csv.reader(stream, strict=True)
    number = 0
    try:
        for record in reader:
            number += 1
            yield number, _CsvCells(_csv_cell(value) for value in record)
    except csv.Error as exc:
        raise file_error(f"not a well-formed CSV file near line {reader.line_num}: {exc}") from None


def _xlsx_records(data: bytes) -> Iterator[tuple[int, list[Cell]]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise file_error("this is not a readable XLSX file (a broken zip archive)") from None
    if expanded > MAX_XLSX_EXPANDED:
        raise file_error(
            f"the XLSX expands to {expanded:,} bytes, more than {MAX_XLSX_EXPANDED:,}: "
            "split it into several files"
        )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise file_error(f"this is not a readable XLSX file ({type(exc).__name__})") from None
    try:
        sheets = book.worksheets
        if len(sheets) != 1:
            raise file_error(
                f"the workbook has {len(sheets)} sheets: keep only the sheet of payouts"
            )
        names: list[str] = []
        for number, values in enumerate(sheets[0].iter_rows(values_only=True), start=1):
            if number == 1:
                names = ["" if v is None else str(v) for v in values]
                yield number, [(name, "") for name in names]
                continue
            yield (
                number,
                [_xlsx_cell(v, names[i] if i < len(names) else "") for i, v in enumerate(values)],
            )
    finally:
        book.close()
