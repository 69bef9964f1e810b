"""Small Wikidata Query Service answers in the real application/sparql-results+json layout
(2-space indent, " : ", optional variables absent), written for tests."""

from __future__ import annotations

import json

ENTITY = "http://www.wikidata.org/entity/"


def _uri(qid: str) -> dict:
    return {"type": "uri", "value": ENTITY + qid}


def _literal(value: str, lang: str | None = "en") -> dict:
    return {"xml:lang": lang, "type": "literal", "value": value} if lang else {"type": "literal", "value": value}


def _point(lon: float, lat: float) -> dict:
    return {"datatype": "http://www.opengis.net/ont/geosparql#wktLiteral", "type": "literal",
            "value": f"Point({lon} {lat})"}


def sparql_json(variables: list[str], bindings: list[dict]) -> bytes:
    body = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    return json.dumps(body, indent=2, ensure_ascii=False).replace('": ', '" : ').encode()


MEMBERS_VARS = ["city", "cityLabel", "countryCode", "coord", "geonames", "start"]
MEMBERS = sparql_json(MEMBERS_VARS, [
    {"city": _uri("Q84"), "cityLabel": _literal("London"), "countryCode": _literal("GB", None),
     "coord": _point(-0.1275, 51.507222222), "geonames": _literal("2643743", None),
     "start": {"datatype": "http://www.w3.org/2001/XMLSchema#dateTime", "type": "literal",
               "value": "2005-10-01T00:00:00Z"}},
    # optional variables simply absent
    {"city": _uri("Q38283"), "cityLabel": _literal("Yokohama")},
])
MEMBERS_MISSING_LABEL = sparql_json(MEMBERS_VARS, [
    {"city": _uri("Q84"), "cityLabel": _literal("London")},
    {"city": _uri("Q38283"), "coord": _point(139.638, 35.444)},
])
EMPTY = b'{\n  "head" : {\n    "vars" : [ "city", "cityLabel" ]\n  },\n  "results" : {\n    "bindings" : [ ]\n  }\n}'

TWINS_VARS = ["city", "cityLabel", "cityCountry", "cityCoord", "cityGeonames",
              "twin", "twinLabel", "twinCountry", "twinCoord", "twinGeonames", "start", "end"]
TWINS = sparql_json(TWINS_VARS, [
    {"city": _uri("Q38283"), "cityLabel": _literal("Yokohama"), "cityCountry": _literal("JP", None),
     "cityCoord": _point(139.638, 35.444), "cityGeonames": _literal("1848354", None),
     "twin": _uri("Q456"), "twinLabel": _literal("Lyon"), "twinCountry": _literal("FR", None),
     "twinCoord": _point(4.84, 45.76), "twinGeonames": _literal("2996944", None),
     # the statement's start time (P580): Yokohama and Lyon, 1959
     "start": {"datatype": "http://www.w3.org/2001/XMLSchema#dateTime", "type": "literal",
               "value": "1959-04-01T00:00:00Z"}},
    {"city": _uri("Q456"), "cityLabel": _literal("Lyon"), "cityCountry": _literal("FR", None),
     "cityCoord": _point(4.84, 45.76),
     "twin": _uri("Q38283"), "twinLabel": _literal("Yokohama"), "twinCountry": _literal("JP", None),
     "twinCoord": _point(139.638, 35.444)},
])
