"""Build seeds/discovery/: five more offline sites, built the ways Arabic news sites are built, for
`rasid sites add` to find with no prior config (issue 17's test ground; tests/test_discovery_ground.py).

    .venv/bin/python seeds/tools/build_discovery.py

- wpnews   (Jordan)   WordPress: /YYYY/MM/DD/slug/, /feed/, /wp-sitemap.xml index, Yoast JSON-LD
- masr     (Egypt)    Drupal: /rss.xml, a Google News sitemap, NewsArticle JSON-LD, Egyptian dates
- watan    (Saudi)    a custom CMS: /news/123456, /rss, no JSON-LD or og:type, Hijri and Gregorian dates
- maghrib  (Morocco)  listing pages only: no feed, no sitemap; Maghreb month names
- khaleej  (UAE)      a sitemap index only, language segments /ar/...

Each has a home page, section, tag and author pages (lists of headlines) beside six articles, and
`TRUTH.json` names every article, every page that is not one, and the site's zone. The article
texts are the snapshot corpus's (corpus.toml), set in these sites' templates and dates.
"""

from __future__ import annotations

import html
import json
import shutil
import tomllib
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

TOOLS = Path(__file__).resolve().parent
OUT = TOOLS.parent / "discovery"
CORPUS = [item for items in tomllib.loads((TOOLS / "corpus.toml").read_text(encoding="utf-8"))["other"].values()
          for item in items]
MONTHS = {"levant": ["كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول",
                     "تشرين الأول", "تشرين الثاني", "كانون الأول"],
          "egypt": ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر",
                    "نوفمبر", "ديسمبر"],
          "maghreb": ["يناير", "فبراير", "مارس", "أبريل", "ماي", "يونيو", "يوليوز", "غشت", "شتنبر", "أكتوبر",
                      "نونبر", "دجنبر"]}
HIJRI_MAY_2024 = {12: "4 ذو القعدة 1445", 13: "5 ذو القعدة 1445", 14: "6 ذو القعدة 1445", 15: "7 ذو القعدة 1445",
                  16: "8 ذو القعدة 1445", 17: "9 ذو القعدة 1445"}
SITES = {
    "wpnews": {"host": "www.sawt-alurdun.jo", "name": "صوت الأردن", "zone": "Asia/Amman", "months": "levant"},
    "masr": {"host": "www.masr-alyoum.eg", "name": "مصر اليوم", "zone": "Africa/Cairo", "months": "egypt"},
    "watan": {"host": "www.alwatan-news.sa", "name": "الوطن الإخبارية", "zone": "Asia/Riyadh", "months": "egypt"},
    "maghrib": {"host": "www.maghrib-press.ma", "name": "مغرب بريس", "zone": "Africa/Casablanca", "months": "maghreb"},
    "khaleej": {"host": "www.khaleej-today.ae", "name": "الخليج اليوم", "zone": "Asia/Dubai", "months": "egypt"},
}
FURNITURE = ('<nav class="main-menu"><ul><li><a href="/">الرئيسية</a></li><li>سياسة</li><li>اقتصاد</li></ul></nav>'
             '<div class="ticker">عاجل: آخر الأخبار على مدار الساعة</div>')
FOOTER = '<footer><p>جميع الحقوق محفوظة © 2024</p><div class="share">شارك: فيسبوك · واتساب · تلغرام</div></footer>'


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def slug(title: str) -> str:
    return "-".join("".join(c for c in w if c.isalnum()) for w in title.split()[:6] if any(c.isalnum() for c in w))


def article_path(key: str, n: int, item: dict, when: datetime) -> str:
    return {"wpnews": f"/{when:%Y/%m/%d}/{slug(item['title'])}/", "masr": f"/news/{slug(item['title'])}-{5000 + n}",
            "watan": f"/news/{123450 + n}", "maghrib": f"/articles/{slug(item['title'])}-{9000 + n}.html",
            "khaleej": f"/ar/politics/{when:%Y/%m/%d}/{slug(item['title'])}"}[key]


def visible_date(key: str, when: datetime) -> str:
    months = MONTHS[SITES[key]["months"]]
    day = f"{when.day} {months[when.month - 1]} {when.year}"
    if key == "watan":
        return f"{HIJRI_MAY_2024[when.day]} هـ الموافق {day} م - {when:%H:%M}"
    return f"{day} - {when:%H:%M}"


def head(key: str, title: str, kind: str, when: datetime | None, url: str) -> str:
    """The <head> each CMS writes: WordPress (og + Yoast graph), Drupal (og + NewsArticle), the custom
    CMS nothing for machines, the others a NewsArticle."""
    meta = f"<title>{esc(title)} - {esc(SITES[key]['name'])}</title>"
    if key != "watan":
        meta += f'<meta property="og:type" content="{"article" if kind == "article" else "website"}">'
        meta += f'<meta property="og:site_name" content="{esc(SITES[key]["name"])}">'
    if kind == "article" and key != "watan":
        graph = {"@type": "NewsArticle", "headline": title, "datePublished": when.isoformat(), "url": url}
        if key == "wpnews":
            graph = {"@graph": [{"@type": "WebPage", "url": url}, {**graph, "@type": "Article"}]}
        meta += f'<script type="application/ld+json">{json.dumps(graph, ensure_ascii=False)}</script>'
        meta += f'<meta property="article:published_time" content="{when.isoformat()}">'
    if kind == "listing" and key in ("wpnews", "masr"):
        meta += '<script type="application/ld+json">{"@type": "CollectionPage"}</script>'
    return meta


def page(key: str, title: str, body: str, kind: str, when: datetime | None = None, url: str = "") -> str:
    return (f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">{head(key, title, kind, when, url)}'
            f"</head><body><header>{FURNITURE}</header><main>{body}</main>{FOOTER}</body></html>\n")


def article_html(key: str, item: dict, when: datetime, url: str) -> str:
    paragraphs = "".join(f"<h2>{esc(p[3:])}</h2>" if p.startswith("## ") else f"<p>{esc(p)}</p>"
                         for p in item["paragraphs"])
    author = f'<span class="author">{esc(item.get("author") or "محرر الموقع")}</span>'
    body = (f'<article><h1>{esc(item["title"])}</h1><div class="post-meta">{author} · '
            f'<span class="date">{visible_date(key, when)}</span></div><div class="entry-content">{paragraphs}</div>'
            '<div class="related"><h3>اقرأ أيضاً</h3><ul><li><a href="/">أخبار ذات صلة</a></li></ul></div></article>')
    return page(key, item["title"], body, "article", when, url)


def listing_html(key: str, title: str, links: list[tuple[str, str]]) -> str:
    items = "".join(f'<li><a href="{esc(href)}">{esc(text)}</a></li>' for href, text in links)
    return page(key, title, f"<h1>{esc(title)}</h1><ul class=\"headlines\">{items}</ul>", "listing")


def build_site(key: str, items: list[dict]) -> dict:
    site, zone = SITES[key], ZoneInfo(SITES[key]["zone"])
    live = f"https://{site['host']}"
    root = OUT / key
    files: dict[str, str] = {}
    articles = []
    for n, item in enumerate(items):
        when = datetime(2024, 5, 12 + n, 9 + n, 5 * n, tzinfo=zone)
        path = article_path(key, n, item, when)
        url = live + quote(path)
        files[path + ("index.html" if path.endswith("/") else "")] = article_html(key, item, when, url)
        articles.append({"path": path, "url": url, "title": item["title"], "published": when.isoformat()})
    heads = [(a["url"], a["title"]) for a in articles]
    listings = {"wpnews": ["/category/politics/", "/tag/amman/", "/author/editor/"],
                "masr": ["/section/politics/", "/taxonomy/term/12/", "/user/5/"],
                "watan": ["/section/economy/", "/tags/riyadh/", "/writers/45/"],
                "maghrib": ["/rubrique/politique/", "/mot-cle/rabat/", "/auteur/redaction/"],
                "khaleej": ["/ar/politics/", "/ar/tags/dubai/", "/ar/authors/staff/"]}[key]
    for path in listings:
        files[path + "index.html"] = listing_html(key, "أخبار " + path.strip("/").split("/")[-1], heads)
    home_links = heads + [(live + path, "المزيد") for path in listings]
    files["/index.html"] = listing_html(key, site["name"], home_links)
    sitemap_of = {"wpnews": "/wp-sitemap.xml", "masr": "/sitemap.xml", "khaleej": "/sitemap_index.xml"}.get(key)
    files["/robots.txt"] = "User-agent: *\nDisallow: /admin/\n" + (f"\nSitemap: {live}{sitemap_of}\n" if sitemap_of else "")
    feed = {"wpnews": "/feed/index.xml", "masr": "/rss.xml", "watan": "/rss"}.get(key)
    if feed:
        entries = "".join(f"<item><title>{esc(a['title'])}</title><link>{esc(a['url'])}</link><guid>{esc(a['url'])}</guid>"
                          f"<pubDate>{format_datetime(datetime.fromisoformat(a['published']))}</pubDate></item>"
                          for a in articles)
        files[feed] = f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{esc(site["name"])}' \
                      f"</title><link>{live}/</link>{entries}</channel></rss>\n"
    urlset = '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"' \
             ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
    locs = "".join(f"<url><loc>{esc(a['url'])}</loc><lastmod>{a['published'][:10]}</lastmod>"
                   + (f"<news:news><news:publication_date>{a['published']}</news:publication_date></news:news>"
                      if key == "masr" else "") + "</url>" for a in articles)
    index = '<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' \
            "<sitemap><loc>{}</loc></sitemap></sitemapindex>\n"
    if key == "wpnews":
        files["/wp-sitemap.xml"] = index.format(live + "/wp-sitemap-posts-post-1.xml")
        files["/wp-sitemap-posts-post-1.xml"] = urlset + locs + "</urlset>\n"
    elif key == "masr":
        files["/sitemap.xml"] = urlset + locs + "</urlset>\n"
    elif key == "khaleej":
        files["/sitemap_index.xml"] = index.format(live + "/sitemaps/ar-1.xml")
        files["/sitemaps/ar-1.xml"] = urlset + locs + "</urlset>\n"
    for path, text in files.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return {"live": live, "zone": site["zone"], "articles": articles,
            "not_articles": [live + quote(p) for p in ["/", *listings]]}


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    truth = {key: build_site(key, [CORPUS[(n * 6 + i) % len(CORPUS)] for i in range(6)]) for n, key in enumerate(SITES)}
    (OUT / "TRUTH.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {sum(1 for _ in OUT.rglob('*') if _.is_file())} files for {len(truth)} sites to {OUT}")


if __name__ == "__main__":
    main()
