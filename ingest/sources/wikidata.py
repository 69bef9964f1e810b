"""Wikidata Query Service: the endpoint, and the `application/sparql-results+json` format.

Every WDQS answer is {"head": {"vars": [...]}, "results": {"bindings": [{var: {"type": "uri" |
"literal", "value": ..., "datatype"?: ..., "xml:lang"?: ...}}, ...]}}; an OPTIONAL variable with
no value is simply absent from its binding; coordinates are WKT "Point(lon lat)" (longitude
first). Used by the network-members and sister-city connectors."""

from __future__ import annotations

import json
import re

from ingest.catalog import WDQS as ENDPOINT  # noqa: F401
from ingest.catalog import sparql_url  # noqa: F401
from ingest.errors import ParseError

ENTITY_PREFIX = "http://www.wikidata.org/entity/"


def looks_wrong(content: bytes) -> str | None:
    return None if b'"results"' in content[:4096] and b'"head"' in content[:4096] \
        else "response is not SPARQL JSON results"


def parse_bindings(content: bytes, *, source: str, file: str,
                   required: tuple[str, ...]) -> list[dict[str, str | None]]:
    """Bindings as {var: value or None}; ParseError naming the binding and variable when a
    required variable is missing."""
    try:
        document = json.loads(content)
        variables = document["head"]["vars"]
        bindings = document["results"]["bindings"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ParseError(source, file, f"not SPARQL results JSON ({exc!r})") from exc
    absent = [v for v in required if v not in variables]
    if absent:
        raise ParseError(source, file, f"the query returns no variable(s) {absent} (vars: {variables})")
    rows = []
    for number, binding in enumerate(bindings, start=1):
        missing = [v for v in required if v not in binding]
        if missing:
            raise ParseError(source, file, f"binding {number} lacks required variable {missing[0]!r}",
                             row=number, field=missing[0], row_kind="binding")
        rows.append({v: (binding[v]["value"] if v in binding else None) for v in variables})
    return rows


def qid(uri: str | None) -> str | None:
    if uri is None:
        return None
    return uri.removeprefix(ENTITY_PREFIX) if uri.startswith(ENTITY_PREFIX) else None


def point(wkt: str | None) -> tuple[float | None, float | None]:
    """(latitude, longitude) from WKT "Point(lon lat)"."""
    match = re.match(r"\s*Point\(\s*(-?[\d.eE+-]+)\s+(-?[\d.eE+-]+)\s*\)", wkt or "")
    return (float(match.group(2)), float(match.group(1))) if match else (None, None)
