"""Errors that name what went wrong and where: source, file or URL, row or field."""

from __future__ import annotations


class CitywhError(Exception):
    """Base class: every message is meant to be shown to an operator as is."""


class FetchError(CitywhError):
    def __init__(self, source: str, url: str, reason: str):
        self.source, self.url, self.reason = source, url, reason
        super().__init__(f"[{source}] fetch failed for {url}: {reason}")


class ParseError(CitywhError):
    def __init__(self, source: str, file: str, reason: str, *, row: int | None = None,
                 field: str | None = None, row_kind: str = "line"):
        # row_kind: "line" for text files, "Excel row" for workbooks (1-based as Excel shows it)
        self.source, self.file, self.reason, self.row, self.field = source, file, reason, row, field
        self.row_kind = row_kind
        self.quarantine_path: str | None = None
        where = file
        if row is not None:
            where += f", {row_kind} {row}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"[{source}] cannot parse {where}: {reason}")

    def quarantined(self, folder, raw_table: str) -> ParseError:
        """The same error, saying where the rejected file is kept and that nothing changed."""
        error = ParseError(self.source, self.file, f"{self.reason}. File quarantined at {folder}; "
                           f"raw.{raw_table} and the last good snapshot left unchanged",
                           row=self.row, field=self.field, row_kind=self.row_kind)
        error.quarantine_path = str(folder)
        return error


class SchemaDrift(CitywhError):
    """A batch lacks a column its raw table has."""


class MissingSnapshotError(CitywhError):
    """No snapshot in the store, none in the offline bundle, and no live fetch possible."""

    def __init__(self, missing: list[tuple[str, str, str]]):
        self.missing = missing
        lines = [f"  - {source}: {what}; put the file at {where}" for source, what, where in missing]
        super().__init__("no snapshot available for:\n" + "\n".join(lines))


class ValidationFailed(CitywhError):
    def __init__(self, source: str, table: str, failed: list[str], quarantine_path: str,
                 *, file: str | None = None):
        self.source, self.table, self.failed, self.quarantine_path = source, table, failed, quarantine_path
        self.file = file  # the snapshot file the batch was parsed from
        super().__init__(
            f"[{source}] {file + ': ' if file else ''}batch for raw.{table} failed validation "
            f"({len(failed)} expectation(s)): " + "; ".join(failed)
            + f". Batch quarantined at {quarantine_path}; raw.{table} left unchanged."
        )
