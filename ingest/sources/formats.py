"""Readers of the file layouts several sources share, with errors that name source, file and row."""

from __future__ import annotations

import csv
import io
import os
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import fastexcel
import polars as pl

from ingest.errors import ParseError


def csv_with_header(path: Path, source: str, header: list[str], *, separator: str = ",",
                    quote_char: str | None = '"') -> pl.DataFrame:
    """A CSV (or TSV) file whose header must be exactly `header`, every cell read as text, with
    `source_row` = the file line of each row (the header is line 1)."""
    file = str(path)
    content = path.read_bytes()
    try:
        frame = pl.read_csv(io.BytesIO(content), infer_schema=False, separator=separator,
                            quote_char=quote_char)
    except pl.exceptions.PolarsError as exc:
        line, reason = _first_bad_csv_line(content, separator, quote_char)
        raise ParseError(source, file, f"malformed CSV: {reason or exc}", row=line) from exc
    if frame.columns != header:
        raise ParseError(source, file, f"header {frame.columns}, expected {header}", row=1)
    return frame.with_columns(source_row=pl.Series(_record_lines(content, separator, quote_char, frame.height),
                                                   dtype=pl.UInt32))


def _record_lines(content: bytes, separator: str, quote_char: str | None, records: int) -> list[int]:
    """The file line each data record starts on: a quoted cell may hold line breaks, so the n-th
    record is not always on line n + 1."""
    if quote_char is None or f"{quote_char}".encode() not in content:
        return list(range(2, records + 2))
    reader = csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=separator, quotechar=quote_char)
    starts, previous_end = [], 0
    for record in reader:
        if record:  # polars skips blank lines too
            starts.append(previous_end + 1)
        previous_end = reader.line_num
    starts = starts[1:]  # the header
    return starts if len(starts) == records else list(range(2, records + 2))


def _first_bad_csv_line(content: bytes, separator: str, quote_char: str | None) -> tuple[int | None, str | None]:
    """Where a CSV polars refused goes wrong: the first line that is not UTF-8, or whose field
    count differs from the header's."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        return content[:exc.start].count(b"\n") + 1, f"not UTF-8 ({exc.reason} at byte {exc.start})"
    reader = csv.reader(io.StringIO(text), delimiter=separator, quotechar=quote_char or "\0",
                        quoting=csv.QUOTE_MINIMAL if quote_char else csv.QUOTE_NONE)
    try:
        header = next(reader, [])
        for record in reader:
            if record and len(record) != len(header):
                return reader.line_num, f"{len(record)} fields where the header has {len(header)}"
    except csv.Error as exc:
        return reader.line_num, str(exc)
    return None, None


# One CSV field that Python's csv module (excel dialect) and polars read alike: unquoted with no
# quote, comma, line break or NUL; or quoted, "" for a quote, with no line break.
_PLAIN_FIELD = r'(?:[^",\n\r\x00]*|"(?:[^"\n\r\x00]|"")*")'


def plain_csv(text: str, width: int) -> tuple[list[str], pl.DataFrame] | None:
    """(header, rows) of a comma-separated text exactly as csv.reader reads it, read by polars:
    `width` cells a row, "" where empty, row i from line i + 2. Only when every line is plainly
    one record of `width` fields (no blank line, no line break inside quotes, no stray quote, no
    carriage return, no field over the csv module's size limit); None otherwise, for the caller's
    csv-module reader to decide and name what is wrong."""
    first, _, body = text.partition("\n")
    if not body or "\r" in text or body.startswith("\ufeff"):  # polars would drop a BOM there
        return None
    lines = pl.Series([first, *body.removesuffix("\n").split("\n")])
    plain = lines.str.contains(f"^{_PLAIN_FIELD}(?:,{_PLAIN_FIELD}){{{width - 1}}}$")
    if not plain.all() or (lines == "").any() or lines.str.len_chars().max() > csv.field_size_limit():
        return None
    rows = pl.read_csv(body.encode(), has_header=False, infer_schema=False,
                       new_columns=[f"column_{i}" for i in range(width)])
    if rows.height != lines.len() - 1:
        return None
    return next(csv.reader([first])), rows.with_columns(pl.all().fill_null(""))


def excel_workbook(path: Path, source: str) -> fastexcel.ExcelReader:
    """An .xlsx or legacy .xls workbook opened with calamine (through fastexcel); an .xlsx is a
    zip, its sizes are checked (bomb, corrupt) before calamine reads it."""
    file = str(path)
    with path.open("rb") as handle:
        is_xlsx = handle.read(4) == b"PK\x03\x04"
    if is_xlsx:
        open_zip(path.read_bytes(), source=source, where=file, what="Excel workbook")
    try:
        return fastexcel.read_excel(file)
    except (fastexcel.FastExcelError, zipfile.BadZipFile) as exc:
        raise ParseError(source, file, f"not a readable Excel workbook ({exc})") from exc


def excel_sheet(path: Path, source: str, sheet: str, *, grid: bool = False, required: bool = True,
                columns: list[str] | tuple[str, ...] = (),
                workbook: fastexcel.ExcelReader | None = None) -> pl.DataFrame | None:
    """One sheet of a workbook (excel_workbook; or `workbook`, already open), every cell as
    text: with the first row as header (which must hold `columns`), or (grid) every row from Excel
    row 1 so that grid row i is Excel row i + 1. A missing sheet is a ParseError, or None when not
    required."""
    file = str(path)
    workbook = workbook or excel_workbook(path, source)
    try:
        if sheet not in workbook.sheet_names:
            if not required:
                return None
            raise ParseError(source, file, f"workbook has no sheet {sheet!r} (sheets: {workbook.sheet_names})")
        if grid:
            return workbook.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string").to_polars()
        frame = workbook.load_sheet(sheet, dtypes="string").to_polars()
    except (fastexcel.FastExcelError, zipfile.BadZipFile) as exc:
        raise ParseError(source, file, f"not a readable Excel workbook ({exc})") from exc
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParseError(source, file, f"header lacks column(s) {missing}", row=1, field=missing[0],
                         row_kind="Excel row")
    return frame


MAX_UNCOMPRESSED_BYTES = int(os.environ.get("CITYWH_MAX_UNCOMPRESSED_BYTES", str(2 * 1024**3)))
MAX_COMPRESSION_RATIO = 200  # real files compress 5-30x; a zip bomb 1,000x and more


def open_zip(content: bytes, *, source: str, where: str, error=ParseError, what: str = "zip") -> zipfile.ZipFile:
    """A sound zip archive, its sizes checked before anything is decompressed: more than
    CITYWH_MAX_UNCOMPRESSED_BYTES in all, or a member compressed over 200x, is refused as a zip
    bomb; `error` (ParseError or FetchError) names source and file."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
        total = sum(m.file_size for m in members)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise error(source, where, f"zip would expand to {total:,} bytes, over the "
                        f"{MAX_UNCOMPRESSED_BYTES:,} allowed (CITYWH_MAX_UNCOMPRESSED_BYTES): refused")
        bomb = next((m for m in members if m.file_size > 1_000_000
                     and m.file_size > MAX_COMPRESSION_RATIO * max(m.compress_size, 1)), None)
        if bomb is not None:
            raise error(source, where, f"zip member {bomb.filename!r} expands {bomb.compress_size:,} bytes "
                        f"to {bomb.file_size:,} (over {MAX_COMPRESSION_RATIO}x): a zip bomb, refused")
        if archive.testzip() is not None:
            raise zipfile.BadZipFile("a member is corrupt (truncated download?)")
        return archive
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise error(source, where, f"not a readable {what} ({exc})") from exc


def zip_member(content: bytes, member: str, *, source: str, where: str, error=ParseError) -> bytes:
    """One member of a zip archive (open_zip's checks first); `error` when the archive is
    unreadable, corrupt, a bomb, or lacks the member."""
    archive = open_zip(content, source=source, where=where, error=error)
    try:
        return archive.read(member)
    except KeyError:
        raise error(source, where, f"zip holds no {member}") from None


BLOCK_TAGS = {"address", "article", "aside", "br", "dd", "div", "dl", "dt", "figcaption", "footer",
              "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol",
              "p", "section", "table", "td", "th", "tr", "ul"}


class _TextLines(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template", "noscript"):
            self.skipping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template", "noscript"):
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_text_lines(content: bytes) -> list[str]:
    """The visible text of an HTML page, one line per block element (paragraph, list item,
    heading, cell), whitespace collapsed: what a reader sees, independent of class names."""
    parser = _TextLines()
    parser.feed(content.decode("utf-8", errors="replace"))
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return [line for line in lines if line]


def partial_date(column: pl.Expr) -> pl.Expr:
    """'2010', '2010-06' or '2010-06-01' as the first day of the period it names (null if blank)."""
    text = column.str.strip_chars()
    return pl.when(text.str.len_chars() == 4).then(text + "-01-01") \
        .when(text.str.len_chars() == 7).then(text + "-01").otherwise(text).str.to_date(strict=False)


def parsed_strictly(frame: pl.DataFrame, column: str, parsed: pl.Expr, *, what: str, source: str, file: str,
                    row_kind: str = "line") -> pl.Expr:
    """`parsed` (a cast or date parse of `column` that gives null where it fails), after checking
    that it failed on no cell holding text: a typo never becomes a silent null. The error names
    the row (`source_row`) and the field."""
    blank = pl.col(column).is_null() | (pl.col(column).str.strip_chars() == "")
    bad = frame.filter(parsed.is_null() & ~blank)
    if bad.height:
        row = bad.row(0, named=True)
        raise ParseError(source, file, f"{column} {row[column]!r} is not {what}", row=row["source_row"],
                         field=column, row_kind=row_kind)
    return parsed
