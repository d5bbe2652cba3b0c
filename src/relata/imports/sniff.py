"""Reading an uploaded file into rows of text, and finding out how it was written.

Handles CSV as Excel writes it in Dutch and English locales (',' ';' or tab; UTF-8 with or
without BOM, UTF-16 'Unicode text', Windows-1252; an Excel 'sep=;' first line) and XLSX
workbooks. Anything else gets a clear :class:`ImportFileError`, never a traceback.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from relata.imports.headers import ImportFileError
from relata.imports.parsing import COMMA, POINT

# A cell longer than this is a row error whatever the field (no field is that long); the
# csv module's own limit is raised so that such a cell is reported, not a crash.
MAX_CELL_CHARS = 10_000
csv.field_size_limit(2**31 - 1)

DELIMITERS = (";", ",", "\t")
DELIMITER_NAMES = {";": "semicolon", ",": "comma", "\t": "tab"}

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)
_MAGIC = (
    (b"%PDF", gettext_lazy("a PDF document")),
    (b"\xd0\xcf\x11\xe0", gettext_lazy("an Excel 97-2003 workbook (.xls)")),
    (b"\x89PNG", gettext_lazy("a PNG image")),
    (b"\xff\xd8\xff", gettext_lazy("a JPEG image")),
    (b"\x1f\x8b", gettext_lazy("a gzip archive")),
    (b"Rar!", gettext_lazy("a RAR archive")),
    (b"7z\xbc\xaf", gettext_lazy("a 7-Zip archive")),
)
SOURCE_LABELS = {
    "detected": gettext_lazy("detected"),
    "given": gettext_lazy("given"),
    "assumed": gettext_lazy("assumed"),
}


@dataclass
class FileSettings:
    """How the file was read; shown to the user before anything is imported."""

    file_format: str = "csv"  # csv | xlsx
    encoding: str = ""
    bom: bool = False
    delimiter: str = ""
    sheet: str = ""
    decimal: str = POINT
    dayfirst: bool = True
    # Per setting: 'detected', 'given' (by the user) or 'assumed' (no evidence either way).
    sources: dict[str, str] = field(default_factory=dict)

    def describe(self) -> list[tuple[str, str, str]]:
        """(setting, value, source) rows for the preview and the command's output."""
        rows: list[tuple[str, str, str]] = [(_("Format"), self.file_format.upper(), "")]
        if self.file_format == "csv":
            encoding = (
                _("%(encoding)s with BOM") % {"encoding": self.encoding}
                if self.bom
                else self.encoding
            )
            rows.append((_("Encoding"), encoding, self.sources.get("encoding", "")))
            rows.append(
                (_("Delimiter"), delimiter_label(self.delimiter), self.sources.get("delimiter", ""))
            )
        else:
            rows.append((_("Sheet"), self.sheet, self.sources.get("sheet", "")))
        decimal = _("decimal comma (1.234,56)") if self.decimal == COMMA else _(
            "decimal point (1,234.56)"
        )
        rows.append((_("Numbers"), decimal, self.sources.get("decimal", "")))
        order = _("day first (31-12-2024)") if self.dayfirst else _("month first (12/31/2024)")
        rows.append((_("Dates"), order, self.sources.get("dayfirst", "")))
        return rows

    def as_dict(self) -> dict[str, object]:
        return {
            "file_format": self.file_format,
            "encoding": self.encoding,
            "bom": self.bom,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "decimal": self.decimal,
            "dayfirst": self.dayfirst,
            "sources": dict(self.sources),
        }


def delimiter_label(delimiter: str) -> str:
    labels = {";": _("semicolon ( ; )"), ",": _("comma ( , )"), "\t": _("tab")}
    return labels.get(delimiter, delimiter)


@dataclass
class ReadOptions:
    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | None = None


@dataclass
class Table:
    """The data rows of a file, stored by column (``columns[j][i]`` is row i's cell j)."""

    headers: list[str]
    columns: list[list[str]]
    # The spreadsheet row number of each data row (the header is row 1).
    row_numbers: list[int]
    settings: FileSettings
    # (data row index, message) for rows whose cell count differs from the header's.
    ragged: list[tuple[int, str]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.row_numbers)

    def row(self, index: int) -> list[str]:
        return [column[index] for column in self.columns]

    @property
    def rows(self) -> list[list[str]]:
        return [self.row(i) for i in range(self.size)]


def read_table(data: bytes, filename: str, options: ReadOptions) -> Table:
    if not data.strip(b" \t\r\n\x00") or data in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        raise ImportFileError(_("The file “%(name)s” is empty.") % {"name": filename})
    file_format = detect_format(data, filename)
    if file_format == "xlsx":
        return _read_xlsx(data, filename, options)
    return _read_csv(data, filename, options)


def detect_format(data: bytes, filename: str) -> str:
    head = data[:8]
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise ImportFileError(
                _("“%(name)s” is %(what)s, not a CSV file or an Excel workbook (.xlsx). "
                  "Save the data as CSV or XLSX and import that.")
                % {"name": filename, "what": what}
            )
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if PurePath(filename).suffix.lower() in (".xlsx", ".xlsm"):
        raise ImportFileError(
            _("“%(name)s” is named like an Excel workbook but is not one (an .xlsx file is a "
              "zip archive). If it is a CSV file, rename it to .csv.")
            % {"name": filename}
        )
    return "csv"


def decode(data: bytes, encoding: str | None) -> tuple[str, str, bool, str]:
    """Bytes → (text, encoding name, had BOM, source)."""
    if encoding:
        codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
        try:
            text = data.decode(codec)
        except LookupError:
            raise ImportFileError(
                _("“%(encoding)s” is not a known text encoding.") % {"encoding": encoding}
            ) from None
        except UnicodeDecodeError as exc:
            raise _decode_error(data, exc, encoding) from None
        return text, encoding, data.startswith(b"\xef\xbb\xbf"), "given"
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), label, True, "detected"
            except UnicodeDecodeError as exc:
                raise _decode_error(data, exc, label) from None
    if b"\x00" not in data[:65536]:
        try:
            return data.decode("utf-8"), "UTF-8", False, "detected"
        except UnicodeDecodeError:
            pass
        try:
            return data.decode("cp1252"), "Windows-1252", False, "detected"
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    if best is not None and best.encoding:
        try:
            text = data.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
        else:
            if "\x00" not in text:
                return text, best.encoding, False, "detected"
    raise ImportFileError(
        _("The text encoding of the file could not be recognised (it is not UTF-8 or "
          "Windows-1252), or it is not a text file. In Excel choose “Save as” → “CSV UTF-8”.")
    )


def _decode_error(data: bytes, exc: UnicodeDecodeError, label: str) -> ImportFileError:
    line = data.count(b"\n", 0, exc.start) + 1
    return ImportFileError(
        _("The file is not valid %(encoding)s: byte 0x%(byte)02X on line %(line)d cannot be "
          "read. Choose another encoding (Excel on Windows writes Windows-1252, "
          "“CSV UTF-8” writes UTF-8).")
        % {"encoding": label, "byte": data[exc.start], "line": line}
    )


def detect_delimiter(text: str) -> str | None:
    """The delimiter that splits the first lines into the most consistent number of cells."""
    sample_lines = text[:65536].splitlines()[:50]
    sample = "\n".join(line for line in sample_lines if line.strip())
    best: tuple[float, int, str] | None = None
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter)]
        if not counts or counts[0] < 2:
            continue
        consistency = sum(1 for c in counts if c == counts[0]) / len(counts)
        score = (consistency, counts[0], delimiter)
        if best is None or score[:2] > best[:2]:
            best = score
    return best[2] if best else None


_SEP_LINE = re.compile(r'^"?sep=(.)"?\s*$', re.IGNORECASE)


def _read_csv(data: bytes, filename: str, options: ReadOptions) -> Table:
    text, encoding, bom, encoding_source = decode(data, options.encoding)
    settings = FileSettings(file_format="csv", encoding=encoding, bom=bom)
    settings.sources["encoding"] = encoding_source
    first_line, _newline, rest = text.partition("\n")
    sep_line = _SEP_LINE.match(first_line.strip("\r"))
    if sep_line:
        text = rest
    delimiter = options.delimiter
    if delimiter:
        delimiter = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ","}.get(
            delimiter, delimiter
        )
        if len(delimiter) != 1:
            raise ImportFileError(
                _("The delimiter must be one character, not “%(value)s”.") % {"value": delimiter}
            )
        settings.sources["delimiter"] = "given"
    elif sep_line:
        delimiter = sep_line.group(1)
        settings.sources["delimiter"] = "detected"
    else:
        detected = detect_delimiter(text)
        settings.sources["delimiter"] = "detected" if detected else "assumed"
        delimiter = detected or ","
    settings.delimiter = delimiter
    body = text.replace("\r\n", "\n")
    if '"' not in body and "\r" not in body:
        # Without quotes a CSV record is a line split at the delimiter: the same result as
        # the csv module's, several times faster on large files.
        table = _split_columns(body, delimiter, settings)
        if table is not None:
            return table
        records = [line.split(delimiter) for line in body.split("\n")]
        return _collect(records, filename, settings)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise _csv_error(text, delimiter, exc) from None
    return _collect(records, filename, settings)


def _split_columns(body: str, delimiter: str, settings: FileSettings) -> Table | None:
    """The fastest path, for the regular file: no quotes, no blank or ragged lines. Splits
    the whole text at once and slices the columns out; None when the file is not regular."""
    if "\x00" in body:
        return None
    header_line, _newline, rest = body.rstrip("\n").partition("\n")
    headers = [cell.strip() for cell in header_line.split(delimiter)]
    width = len(headers)
    if not rest or not all(headers) or width < 2:
        return None
    lines = rest.count("\n") + 1
    if rest.count(delimiter) != (width - 1) * lines:
        return None
    # Mark each line start, so a line with a missing and one with an extra cell cannot
    # pass for two regular lines.
    cells = rest.replace("\n", delimiter + "\x00").split(delimiter)
    first = cells[0::width]
    if len(cells) != width * lines or "".join(first).count("\x00") != lines - 1:
        return None
    columns = [first, *(cells[j::width] for j in range(1, width))]
    columns[0] = "\n".join(first).replace("\x00", "").split("\n")
    if "" in columns[0]:
        for i in (i for i, cell in enumerate(columns[0]) if not cell):
            if not any(column[i] for column in columns):
                return None  # a blank line of delimiters: the general path drops it
    return Table(headers=headers, columns=columns, row_numbers=list(range(2, lines + 2)),
                 settings=settings)


def _csv_error(text: str, delimiter: str, exc: csv.Error) -> ImportFileError:
    """Find the line where the unreadable record starts (slow path, only on error)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    record_end = 0
    try:
        for _record in reader:
            record_end = reader.line_num
    except csv.Error:
        pass
    start = record_end + 1
    if "end of data" in str(exc):
        message = _("The quoted cell in the row starting on line %(line)d is never closed "
                    "(a \" is missing).") % {"line": start}
    else:
        message = _("The CSV file cannot be read in the row starting on line %(line)d: "
                    "%(reason)s.") % {"line": start, "reason": str(exc)}
    return ImportFileError(message)


def _collect(
    records: list[list[str]],
    filename: str,
    settings: FileSettings,
    *,
    pad_short: bool = False,
) -> Table:
    """Header = the first non-blank record; blank records are dropped; rows with another
    number of cells than the header are padded or cut and reported as ragged."""
    first = 0
    while first < len(records) and not any(cell.strip() for cell in records[first]):
        first += 1
    if first == len(records):
        raise ImportFileError(_("The file “%(name)s” is empty.") % {"name": filename})
    headers = [cell.strip() for cell in records[first]]
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    data = records[first + 1 :]
    ragged: list[tuple[int, str]] = []
    # Vectorised checks first; the per-row work below only touches irregular rows.
    irregular = (
        [] if set(map(len, data)) <= {width} else
        [i for i, n in enumerate(map(len, data)) if n != width]
    )
    blank = {i for i in [i for i, r in enumerate(data) if not r or not r[0]] if not any(data[i])}
    for i in irregular:
        record = data[i]
        if i in blank:
            continue
        if len(record) > width and not any(c.strip() for c in record[width:]):
            data[i] = record[:width]
        elif pad_short and len(record) < width:
            data[i] = [*record, *([""] * (width - len(record)))]
        else:
            cells = len(record)
            ragged.append((i, ngettext("the row has %(cells)d cell, the header has %(width)d",
                                       "the row has %(cells)d cells, the header has %(width)d",
                                       cells)
                           % {"cells": cells, "width": width}))
            data[i] = [*record[:width], *([""] * (width - len(record)))]
    numbers = range(first + 2, first + 2 + len(data))
    if blank:
        keep = [i for i in range(len(data)) if i not in blank]
        position = {old: new for new, old in enumerate(keep)}
        ragged = [(position[i], reason) for i, reason in ragged]
        rows = [data[i] for i in keep]
        row_numbers = [numbers[i] for i in keep]
    else:
        rows = data
        row_numbers = list(numbers)
    if not rows:
        raise ImportFileError(
            _("The file “%(name)s” has a header row but no data rows.") % {"name": filename}
        )
    columns = [list(column) for column in zip(*rows, strict=True)]
    return Table(headers=headers, columns=columns, row_numbers=row_numbers, settings=settings,
                 ragged=sorted(ragged))


def _read_xlsx(data: bytes, filename: str, options: ReadOptions) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ImportFileError(
            _("“%(name)s” is a zip archive but not a readable Excel workbook (%(reason)s).")
            % {"name": filename, "reason": exc.__class__.__name__}
        ) from None
    try:
        if options.sheet:
            if options.sheet not in workbook.sheetnames:
                raise ImportFileError(
                    _("The workbook has no sheet “%(sheet)s”; its sheets are: %(sheets)s.")
                    % {"sheet": options.sheet, "sheets": ", ".join(workbook.sheetnames)}
                )
            sheet: Any = workbook[options.sheet]
            source = "given"
        else:
            sheet = workbook.worksheets[0]
            source = "detected"
        settings = FileSettings(file_format="xlsx", sheet=sheet.title)
        settings.sources["sheet"] = source
        try:
            records = [
                [_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)
            ]
            return _collect(records, filename, settings, pad_short=True)
        except ImportFileError:
            raise
        except Exception as exc:  # a damaged sheet XML raises many kinds of errors
            raise ImportFileError(
                _("The workbook “%(name)s” is damaged and cannot be read (%(reason)s).")
                % {"name": filename, "reason": exc.__class__.__name__}
            ) from None
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # Spreadsheet arithmetic leaves float noise (19.889999999999997); keep 9 decimals.
        return repr(round(value, 9))
    return str(value)


# --- Number and date style detection ------------------------------------------------------

# '1,234' and '1.234' can be read both ways; these patterns only match unambiguous numbers.
_COMMA_SURE = re.compile(
    r"[+-]?\d{1,3}(\.\d{3}){2,}|[+-]?\d{1,3}(\.\d{3})+,\d+|[+-]?\d*,(\d{1,2}|\d{4,})"
)
_POINT_SURE = re.compile(
    r"[+-]?\d{1,3}(,\d{3}){2,}|[+-]?\d{1,3}(,\d{3})+\.\d+|[+-]?\d*\.(\d{1,2}|\d{4,})"
)


def detect_decimal(values: Iterable[str]) -> str | None:
    """'comma' or 'point' by majority of the values that can only be read one way."""
    votes: Counter[str] = Counter()
    for value in values:
        s = value.strip().lstrip("€$£ ").rstrip("€ ")
        if _COMMA_SURE.fullmatch(s):
            votes[COMMA] += 1
        elif _POINT_SURE.fullmatch(s):
            votes[POINT] += 1
    if not votes:
        return None
    return COMMA if votes[COMMA] > votes[POINT] else POINT


_NUMERIC_DATE = re.compile(r"\s*(\d{1,2})[-/.](\d{1,2})[-/.]\d{2,4}")


def detect_dayfirst(values: Iterable[str]) -> bool | None:
    """True when a date has a first part above 12, False when the second part is."""
    day_first = month_first = 0
    for value in values:
        match = _NUMERIC_DATE.match(value)
        if match:
            first, second = int(match.group(1)), int(match.group(2))
            if first > 12 >= second:
                day_first += 1
            elif second > 12 >= first:
                month_first += 1
    if not day_first and not month_first:
        return None
    return day_first >= month_first


def distinct_sample(values: Sequence[str], limit: int = 5000) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
            if len(seen) >= limit:
                break
    return list(seen)
