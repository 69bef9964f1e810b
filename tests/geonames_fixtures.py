"""Small files in GeoNames' live dump layouts (tab-separated, no quoting), written for tests."""

from __future__ import annotations

import io
import zipfile

_CITY_ROWS = [
    # geonameid, name, asciiname, alternatenames, lat, lon, class, code, cc, cc2,
    # admin1..4, population, elevation, dem, timezone, modified
    ["1140026", "Herat", "Herat", "Harat,Herat,Hérat,هرات", "34.34817", "62.19967", "P", "PPLA",
     "AF", "", "11", "", "", "", "272806", "", "927", "Asia/Kabul", "2019-09-05"],
    ["1850147", "Tokyo", "Tokyo", "Edo,TYO,Tokio,Tokyo,東京", "35.6895", "139.69171", "P", "PPLC",
     "JP", "", "40", "", "", "", "8336599", "", "44", "Asia/Tokyo", "2022-11-25"],
]
CITIES_TXT = "".join("\t".join(row) + "\n" for row in _CITY_ROWS)

_COUNTRY_HEADER = ("ISO\tISO3\tISO-Numeric\tfips\tCountry\tCapital\tArea(in sq km)\tPopulation\t"
                   "Continent\ttld\tCurrencyCode\tCurrencyName\tPhone\tPostal Code Format\t"
                   "Postal Code Regex\tLanguages\tgeonameid\tneighbours\tEquivalentFipsCode")
COUNTRY_INFO_TXT = (
    "# GeoNames.org Country Information\n"
    "# ================================\n"
    f"#{_COUNTRY_HEADER}\n"
    "AF\tAFG\t004\tAF\tAfghanistan\tKabul\t647500\t37172386\tAS\t.af\tAFN\tAfghani\t93\t\t\t"
    "fa-AF,ps,uz-AF,tk\t1149361\tTM,CN,IR,TJ,PK,UZ\t\n"
    "JP\tJPN\t392\tJA\tJapan\tTokyo\t377835\t126529100\tAS\t.jp\tJPY\tYen\t81\t###-####\t"
    "^\\d{3}-\\d{4}$\tja\t1861060\t\t\n"
)
ADMIN1_TXT = "AF.11\tHerat\tHerat\t1140025\nJP.40\tTokyo\tTokyo\t1850144\n"


def cities_zip(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("cities500.txt", text)
    return buffer.getvalue()
