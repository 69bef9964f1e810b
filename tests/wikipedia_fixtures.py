"""Small answers in the live formats of the Wikipedia twin-town source, written by hand.

CSV: the two files of Hekman/twincities (header and quoting as in the real files).
MediaWiki: action=parse&prop=text&format=json&formatversion=2 answers, {"parse": {"title",
"pageid", "text"}}, whose HTML has the shape of the real list pages (legacy parser output): a
div.mw-parser-output; headings as div.mw-heading > h2 with an edit-section link; on continent
pages one h2 per country, a "Main article" hatnote for countries with their own page; each
listing city a <p> with the city in bold and a citation; its partners as <li> in a div.div-col,
each a span.flagicon ({{flagdeco}}: image only; {{flagicon}}: image linked to the country), the
partner's link and ", Country" (sometimes a year); "See also" and "References" at the end."""

from __future__ import annotations

import json

PAIRS_CSV = (
    "city1,country1,city2,country2\n"
    "Berat,Albania,Amasya,Turkey\n"
    "Berat,Albania,Bérat,France\n"
    '"Suzhou, Jiangsu",China,Pointe-Noire,Congo\n'
    "Esquel,Argentina,Aberystwyth,\"Wales, United Kingdom\"\n"
    "Berat,Albania,Amasya,Turkey\n"  # an exact duplicate: dropped, the first kept
).encode()

GEOCODED_CSV = (
    b"city1,country1,lat1,lng1,city2,country2,lat2,lng2\n"
    b"Berat,Albania,40.7022,19.9583,Amasya,Turkey,40.65,35.8331\n"
    b"Yokohama,Japan,35.4442,139.6381,San Diego,United States,32.715,-117.1625\n"
)

HTML_ERROR_PAGE = (b"<!DOCTYPE html>\n<html><head><title>Error 503</title></head><body><h1>Service "
                   b"Unavailable</h1><p>Varnish cache server</p></body></html>")

EDIT = ('<span class="mw-editsection"><span class="mw-editsection-bracket">[</span><a href="/w/index.php?'
        'title={page}&amp;action=edit&amp;section={n}" title="Edit section: {name}"><span>edit</span></a>'
        '<span class="mw-editsection-bracket">]</span></span>')
DIV_COL_STYLE = ('<style data-mw-deduplicate="TemplateStyles:r1184024115">.mw-parser-output .div-col'
                 '{margin-top:0.3em;column-width:30em}</style>')


def flagdeco(country: str) -> str:
    """{{flagdeco|X}}: an unlinked flag image with an empty alt."""
    file = country.replace(" ", "_")
    return ('<span class="flagicon"><span class="mw-image-border" typeof="mw:File"><span><img alt="" '
            f'src="//upload.wikimedia.org/wikipedia/commons/thumb/x/xx/Flag_of_{file}.svg/23px-Flag_of_'
            f'{file}.svg.png" decoding="async" width="23" height="15" class="mw-file-element" '
            'data-file-width="900" data-file-height="600" /></span></span></span>&#160;')


def flagicon(country: str) -> str:
    """{{flagicon|X}}: the flag image linked to the country's article."""
    file = country.replace(" ", "_")
    return (f'<span class="flagicon"><span class="mw-image-border" typeof="mw:File"><a href="/wiki/{file}" '
            f'title="{country}"><img alt="{country}" src="//upload.wikimedia.org/wikipedia/commons/thumb/'
            f'x/xx/Flag_of_{file}.svg/23px-Flag_of_{file}.svg.png" decoding="async" width="23" height="15" '
            'class="mw-file-element" /></a></span></span>&#160;')


def heading(page: str, n: int, name: str) -> str:
    anchor = name.replace(" ", "_")
    return (f'<div class="mw-heading mw-heading2"><h2 id="{anchor}">{name}</h2>'
            + EDIT.format(page=page.replace(" ", "_"), n=n, name=name) + "</div>\n")


def cite(n: int) -> str:
    return (f'<sup id="cite_ref-{n}" class="reference"><a href="#cite_note-{n}"><span class="cite-bracket">'
            f'[</span>{n}<span class="cite-bracket">]</span></a></sup>')


def host(link: str, label: str, note: int) -> str:
    return f'<p><b><a href="/wiki/{link}" title="{label}">{label}</a></b>{cite(note)}\n</p>\n'


def partners(*items: str) -> str:
    return (DIV_COL_STYLE + '<div class="div-col" style="column-width: 25em;">\n<ul>'
            + "".join(f"<li>{item}</li>\n" for item in items) + "</ul></div>\n")


def page(title: str, pageid: int, body: str) -> bytes:
    html = ('<div class="mw-content-ltr mw-parser-output" lang="en" dir="ltr">'
            '<div class="shortdescription nomobile noexcerpt noprint searchaux" style="display:none">'
            'Wikimedia list article</div>\n' + body + "</div>")
    return json.dumps({"parse": {"title": title, "pageid": pageid, "text": html}}).encode()


EUROPE_TITLE = "List of twin towns and sister cities in Europe"
GERMANY_TITLE = "List of twin towns and sister cities in Germany"

EUROPE = page(EUROPE_TITLE, 4_095_361, (
    "<p>This is a list of municipalities in <b>Europe</b> which have standing links to local "
    "communities in other countries, known as \"town twinning\" (usually in Europe) or \"sister "
    "cities\" (usually in the rest of the world). The list is organised by country; several countries "
    "have lists of their own, linked below.\n</p>\n"
    '<meta property="mw:PageProp/toc" />\n'
    + heading(EUROPE_TITLE, 1, "Albania")
    + host("Berat", "Berat", 1)
    + partners(f'{flagdeco("Turkey")}<a href="/wiki/Amasya" title="Amasya">Amasya</a>, Turkey',
               f'{flagdeco("France")}<a href="/wiki/B%C3%A9rat" title="Bérat">Bérat</a>, France',
               f'{flagdeco("Italy")}<a href="/wiki/Fermo" title="Fermo">Fermo</a>, Italy{cite(2)}',
               # the same item twice: dropped, the first kept
               f'{flagdeco("Turkey")}<a href="/wiki/Amasya" title="Amasya">Amasya</a>, Turkey')
    + heading(EUROPE_TITLE, 2, "Germany")
    + '<div role="note" class="hatnote navigation-not-searchable">Main article: <a href="/wiki/List_of_'
      'twin_towns_and_sister_cities_in_Germany" title="List of twin towns and sister cities in Germany">'
      "List of twin towns and sister cities in Germany</a></div>\n"
    + heading(EUROPE_TITLE, 3, "See also")
    + '<ul><li><a href="/wiki/Town_twinning" title="Town twinning">Town twinning</a></li>\n'
      '<li><a href="/wiki/List_of_twin_towns_and_sister_cities_in_Asia" title="List of twin towns and '
      'sister cities in Asia">List of twin towns and sister cities in Asia</a></li></ul>\n'
    + heading(EUROPE_TITLE, 4, "References")
    + '<div class="reflist"><ol class="references"><li id="cite_note-1">Twin towns of Berat.</li></ol></div>\n'
))

GERMANY = page(GERMANY_TITLE, 2_441_105, (
    "<p>This is a list of places in Germany which have standing links to local communities in other "
    "countries, or in other parts of Germany, known as town twinning or partner towns.\n</p>\n"
    + heading(GERMANY_TITLE, 1, "A")
    + host("Aachen", "Aachen", 1)
    + partners(
        f'{flagdeco("Spain")}<a href="/wiki/Toledo,_Spain" title="Toledo, Spain">Toledo</a>, Spain',
        f'{flagdeco("Russia")}<a href="/wiki/Kostroma" title="Kostroma">Kostroma</a>, Russia (2005){cite(2)}',
        # {{flagicon}} and nothing after the link: the flag gives the country
        f'{flagicon("Bulgaria")}<a href="/wiki/Varna" title="Varna">Varna</a>',
        f'{flagdeco("England")}<a href="/wiki/Halifax,_West_Yorkshire" title="Halifax, West Yorkshire">'
        "Halifax</a>, England, United Kingdom")
    + heading(GERMANY_TITLE, 2, "N")
    + host("Nienburg/Weser", "Nienburg", 3)
    + partners(
        f'{flagdeco("Poland")}<a href="/wiki/Bartoszyce" title="Bartoszyce">Bartoszyce</a>, Poland',
        # a namesake with its own article: skipped, not refused
        f'{flagdeco("Germany")}<a href="/wiki/Nienburg_(Saale)" title="Nienburg (Saale)">Nienburg</a>, Germany')
    + heading(GERMANY_TITLE, 3, "References")
    + '<div class="reflist"><ol class="references"><li id="cite_note-1">Städtepartnerschaften.</li></ol></div>\n'
))


def continent(name: str, pageid: int, country: str, city: str, twin: str, twin_country: str) -> bytes:
    title = f"List of twin towns and sister cities in {name}"
    return page(title, pageid, heading(title, 1, country) + host(city.replace(" ", "_"), city, 1)
                + partners(f'{flagdeco(twin_country)}<a href="/wiki/{twin.replace(" ", "_")}" '
                           f'title="{twin}">{twin}</a>, {twin_country}'))


# in the fetch order: the six continent pages, then the country pages they link to
LIVE_ANSWERS = {
    "List of twin towns and sister cities in Africa":
        continent("Africa", 1, "Ghana", "Accra", "Chicago", "United States"),
    "List of twin towns and sister cities in Asia":
        continent("Asia", 2, "Japan", "Yokohama", "San Diego", "United States"),
    EUROPE_TITLE: EUROPE,
    "List of twin towns and sister cities in North America":
        continent("North America", 3, "Mexico", "Guadalajara", "Kraków", "Poland"),
    "List of twin towns and sister cities in Oceania":
        continent("Oceania", 4, "Fiji", "Suva", "Nouméa", "France"),
    "List of twin towns and sister cities in South America":
        continent("South America", 5, "Argentina", "Esquel", "Aberystwyth", "Wales"),
    GERMANY_TITLE: GERMANY,
}

MISSING_PAGE = json.dumps({"error": {"code": "missingtitle", "info": "The page you specified doesn't exist.",
                                     "*": "See https://en.wikipedia.org/w/api.php for API usage."},
                           "servedby": "mw-api-ext.eqiad.main-5c4d8b7b9c-abcde"}).encode()
