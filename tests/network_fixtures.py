"""Pages in the live formats of the network and partner-list sources, written for the tests.

C40_HOMEPAGE: c40.org's homepage carousel as the stored copy of the page shows it (January 2025
or later): 97 city names in three blocks, each block rendered twice (the carousel loops), then the
counter "C40 has / 97 / member cities". The markup (class names) is ours: the parser reads the
visible text only.
YOKOHAMA_EXCHANGE: Yokohama's "横浜市の国際交流について" page (updated 2024-10-21) in its text layout:
the sister/friendship list complete as stored, and the partner list as far as the stored copy goes
(Beijing and Taipei; the copy breaks off at Busan).
"""

from __future__ import annotations

from html import escape

C40_NAMES = [
    "Bengaluru",
    "Vancouver",
    "Dalian",
    "Zhenjiang",
    "Karachi",
    "Salvador",
    "Melbourne",
    "Seoul",
    "São Paulo",
    "Phoenix",
    "Nanjing",
    "Wuhan",
    "Cape Town",
    "Houston",
    "Amsterdam",
    "Freetown",
    "Quezon City",
    "Casablanca",
    "New Orleans",
    "Lima",
    "Istanbul",
    "Philadelphia",
    "Kuala Lumpur",
    "Tshwane",
    "Portland",
    "Buenos Aires",
    "Guadalajara",
    "Dhaka (North & South)",
    "Sydney",
    "Hong Kong",
    "San Francisco",
    "Accra",
    "Delhi NCT",
    "Guangzhou",
    "Addis Ababa",
    "Dubai",
    "Milan",
    "Bogotá",
    "London",
    "Fortaleza",
    "Chengdu",
    "Stockholm",
    "Rio de Janeiro",
    "Seattle",
    "Oslo",
    "Barcelona",
    "Mexico City",
    "Ho Chi Minh City",
    "Hangzhou",
    "Medellín",
    "Chicago",
    "Heidelberg",
    "Athens",
    "Los Angeles",
    "Lagos",
    "Miami",
    "Johannesburg",
    "Quito",
    "Madrid",
    "Auckland",
    "Mumbai",
    "Tel Aviv – Yafo",
    "Montréal",
    "Curitiba",
    "Shenzhen",
    "Copenhagen",
    "Amman",
    "Berlin",
    "Hanoi",
    "Austin",
    "Jakarta",
    "Paris",
    "Toronto",
    "Bangkok",
    "Dakar",
    "Santiago",
    "Durban (eThekwini)",
    "Nairobi",
    "Lisbon",
    "Washington, DC",
    "Yokohama",
    "Shanghai",
    "New York City",
    "Abidjan",
    "Tokyo",
    "Ahmedabad",
    "Rotterdam",
    "Ekurhuleni",
    "Warsaw",
    "Boston",
    "Singapore",
    "Beijing",
    "Qingdao",
    "Rome",
    "Fuzhou",
    "Dar es Salaam",
    "Chennai",
]


def c40_homepage(names=C40_NAMES, stated: int | None = None, counter: bool = True) -> bytes:
    blocks = [names[i:i + 33] for i in range(0, len(names), 33)]
    slides = "".join(
        '<div class="carousel__track">' + "".join(
            f'<div class="city-slide"><a href="/cities/"><span>{escape(name)}</span></a></div>' for name in block
        ) * 2 + "</div>"
        for block in blocks)
    count = (f'<div class="stat"><p>C40 has</p><p class="stat__number">{stated or len(names)}</p>'
             "<p>member cities</p><p>Making up more than</p><p>22%</p></div>") if counter else ""
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><title>C40 Cities</title>"
        "<script>window.dataLayer = [];</script></head><body>"
        "<h2>C40 Cities: When local action meets global ambition</h2>"
        "<p>Behind every climate solution is a community and a city that dared to lead.</p>"
        f'<section class="cities-carousel">{slides}</section>{count}</body></html>'
    ).encode()


YOKOHAMA_SISTERS = """
<h3>姉妹・友好都市(8都市)</h3>
<p>横浜市は8つの姉妹・友好都市と、スポーツ・文化・技術などを通して、目的や期間に特別な取り決めをせず、包括的な交流を行っています。</p>
<ul>
<li>サンディエゴ市(アメリカ)-1957(昭和32)年10月締結</li>
<li>リヨン市(フランス)-1959(昭和34)年4月締結</li>
<li>ムンバイ市(インド)-1965(昭和40)年6月締結</li>
<li>マニラ市(フィリピン)-1965(昭和40)年7月締結</li>
<li>オデーサ市(ウクライナ)-1965(昭和40)年7月締結</li>
<li>バンクーバー市(カナダ)-1965(昭和40)年7月締結</li>
<li>上海市(友好都市)(中国)-1973(昭和48)年11月締結</li>
<li>コンスタンツァ市(ルーマニア)-1977(昭和52)年10月締結</li>
</ul>
<p><a href="/kinen/">&lt;これまでの記念事業~2023(令和5)年まで&gt;</a></p>
"""
YOKOHAMA_PARTNERS_AS_STORED = """
<h3>パートナー都市(7都市)</h3>
<p>横浜市は7つのパートナー都市と、横浜市の重点政策に合わせ、具体的なテーマや期限を定めて戦略的な交流を行っています。</p>
<ul>
<li><a href="https://www.beijing.gov.cn/">北京市(中国)<span>(外部サイト)</span></a>-2006(平成18)年5月締結</li>
<li><a href="https://www.gov.taipei/">台北市(台湾)<span>(外部サイト)</span></a>-2006(平成18)年5月締結</li>
</ul>
"""


def yokohama_exchange(*sections: str) -> bytes:
    return ("<!DOCTYPE html><html lang=\"ja\"><head><title>横浜市の国際交流について 横浜市</title></head><body>"
            "<p>ここから本文です。</p><h1>横浜市の国際交流について</h1><p>最終更新日 2024年10月21日</p>"
            "<ul><li>8つの姉妹・友好都市、7つのパートナー都市及び5つの共同声明をはじめ、海外諸都市との連携・協力関係を活かして"
            "様々な分野の政策課題の解決を図り、本市のプレゼンスや国際競争力を高めていきます。</li></ul>"
            "<h2>海外都市との連携</h2>" + "".join(sections) + "</body></html>").encode()
