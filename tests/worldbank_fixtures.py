"""Small files in the World Bank bulk layout, written for tests (not copies of real data)."""

from __future__ import annotations

import io
import zipfile

YEARS = [str(y) for y in range(2018, 2021)]


def bulk_csv(rows: list[list[str]], *, indicator: str = "SP.POP.TOTL",
             indicator_name: str = "Population, total", years: list[str] = YEARS,
             header: list[str] | None = None, updated: str = "2025-07-01") -> bytes:
    """BOM, CRLF, 4 preamble lines, quoted fields and a trailing comma, as the live file."""
    header = header or ["Country Name", "Country Code", "Indicator Name", "Indicator Code", *years]
    lines = ['"Data Source","World Development Indicators",', "",
             f'"Last Updated Date","{updated}",', "",
             ",".join(f'"{h}"' for h in header) + ","]
    for name, code, *values in rows:
        fields = [name, code, indicator_name, indicator, *values]
        lines.append(",".join(f'"{f}"' for f in fields) + ",")
    return b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode()


def bulk_zip(indicator: str, csv: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"API_{indicator}_DS2_en_csv_v2_123.csv", csv)
        archive.writestr(f"Metadata_Country_API_{indicator}_DS2_en_csv_v2_123.csv",
                         b'"Country Code","Region",\r\n"JPN","East Asia & Pacific",\r\n')
    return buffer.getvalue()


SMALL_POPULATION = bulk_csv([
    ["Japan", "JPN", "126811000", "126633000", "126261000"],
    ["World", "WLD", "7631091040", "7713468100", "7856138000"],
    ["Aruba", "ABW", "105962", "", "106766"],
])
