"""Readers of the file layouts several sources share, with errors that name source, file and row."""

from __future__ import annotations

import io
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
    try:
        frame = pl.read_csv(io.BytesIO(path.read_bytes()), infer_schema=False, separator=separator,
                            quote_char=quote_char)
    except pl.exceptions.PolarsError as exc:
        raise ParseError(source, file, f"malformed CSV ({exc})") from exc
    if frame.columns != header:
        raise ParseError(source, file, f"header {frame.columns}, expected {header}", row=1)
    return frame.with_row_index("source_row", offset=2)


def excel_sheet(path: Path, source: str, sheet: str, *, grid: bool = False, required: bool = True,
                columns: list[str] | tuple[str, ...] = ()) -> pl.DataFrame | None:
    """One sheet of an .xlsx or legacy .xls workbook (calamine, through fastexcel), every cell as
    text: with the first row as header (which must hold `columns`), or (grid) every row from Excel
    row 1 so that grid row i is Excel row i + 1. A missing sheet is a ParseError, or None when not
    required."""
    file = str(path)
    try:
        workbook = fastexcel.read_excel(file)
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


def zip_member(content: bytes, member: str, *, source: str, where: str, error=ParseError) -> bytes:
    """One member of a zip archive; `error` (ParseError or FetchError) when the archive is
    unreadable, corrupt or lacks the member."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        if archive.testzip() is not None:
            raise zipfile.BadZipFile("a member is corrupt (truncated download?)")
        return archive.read(member)
    except KeyError:
        reason = f"zip holds no {member}"
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        reason = f"not a readable zip ({exc})"
    raise error(source, where, reason)


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
