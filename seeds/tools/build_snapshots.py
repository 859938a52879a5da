"""Build the offline snapshots of the five seed sites.

    python seeds/tools/build_snapshots.py [--shared ../shared]

Writes seeds/snapshots/<site>/ (the sites as the first crawl sees them),
seeds/demo-update/<site>/ (the files that differ on the demo's second pass,
plus _removed.txt listing deleted paths) and seeds/demo-third/ (the third
state of the front pages, after the second). The output is committed, so the
demo and the tests never need ../shared; rerun this only to change the snapshots.

Home pages are laid out as news sites lay them out: a breaking-news ticker in
the header, a lead story, a headed list of the latest, a "most read" box, a
menu and a footer. INA's front page changes from state to state (FRONT):
second, a story added at the top (it was not on the front page, only in the
feed), the former lead moved down, a teaser rewritten (the article's own
title unchanged), one story pulled while its article stays online; third, a
story moved up past another, one added to the ticker, one falling off the
end of the latest list (pushed off, not pulled).

Each page is written the way its site writes pages: its CMS's markup, its
date forms, and the clutter the seed documents show leaking into naive
scrapes (menus, breaking-news tickers, "read also" boxes inside the body,
Telegram promos, share bars, comment forms, photo captions, and a header that
shows the snapshot day's date, which is not the publication date).
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
import tomllib
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
# the articles are data, kept as data (corpus.toml)
_CORPUS = tomllib.loads((Path(__file__).with_name("corpus.toml")).read_text(encoding="utf-8"))
OTHER, REPRINTS, DEMO_NEW, DEMO_EDIT, DEMO_REMOVED = (
    _CORPUS[k] for k in ("other", "reprint", "demo_new", "demo_edit", "demo_removed"))

SEEDS = Path(__file__).resolve().parents[1]
ZONES = {"ina": "Asia/Baghdad", "alaraby": "Europe/London", "kitabat": "Asia/Baghdad",
         "okaz": "Asia/Baghdad", "elaph": "Europe/London"}
LIVE = {"ina": "https://www.ina.iq", "alaraby": "https://www.alaraby.co.uk", "kitabat": "https://kitabat.com",
        "okaz": "https://soukukkaz.com", "elaph": "https://elaph.com"}
AR_MONTHS = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر",
             "نوفمبر", "ديسمبر"]
LEVANT = ["كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول", "تشرين الأول",
          "تشرين الثاني", "كانون الأول"]
WEEKDAYS = ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]
INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
UNRELATED = [
    "تعرض أرواح سكان المنطقة للخطر .. كيف تتلاعب إسرائيل بنظام “جي. بي. إس” بالعراق ودول عربية ؟",
    "مغادرة الدفع النقدي تموز المقبل .. “السوداني” يوجه بتوطين رواتب القطاع الخاص !",
    "لإقرار قوانين مؤجلة .. تحرك برلماني لتمديد الفصل التشريعي لشهر إضافي !",
    "بالوثائق .. “النقل” العراقية ترفض الشراكة بين “العامة لإدارة المطارات” والقطاع الخاص !",
    "في طهران .. الزيارة الأربعينية وتأمين الحدود ملفات على طاولة النقاش",
    "الكثير منهم وراء “ترمب” .. أسماء عربية تتأهب لسباق انتخابات الكونغرس الأميركي !",
]


@dataclass
class Article:
    site: str
    path: str
    title: str
    section: str
    published: datetime
    paragraphs: list[str]
    tags: list[str] = field(default_factory=list)
    author: str = ""
    caption: str = ""
    promo: str = ""  # a copier's promo line after the text (clutter: not the article's)

    @property
    def url(self) -> str:
        return LIVE[self.site] + quote(self.path)


# --- the seed articles -------------------------------------------------------


def _lines(text: str, start: str, stop: str) -> list[str]:
    lines = [line.strip() for line in text.splitlines()]
    i = next(n for n, line in enumerate(lines) if line.startswith(start))
    j = next((n for n, line in enumerate(lines) if n > i and stop and line.startswith(stop)), len(lines))
    return [re.sub(r"\s{2,}", " ", line) for line in lines[i:j] if line]


def seed_articles(shared: Path) -> dict[str, Article]:
    seeds = {p.name[:3]: p.read_text(encoding="utf-8") for p in (shared / "seeds").glob("*.txt")}
    tz = {k: ZoneInfo(v) for k, v in ZONES.items()}
    ina = Article(
        "ina", "/111563--.html", "الكاظمي: جماعات خارجة عن القانون تحاول منذ فترة ترهيب أهل البصرة", "أمنية",
        datetime(2020, 8, 22, 20, 18, tzinfo=tz["ina"]), _lines(seeds["000"], "بغداد – واع", "22-08-2020"),
        tags=["الكاظمي", "البصرة"])
    araby = Article(
        "alaraby", "/politics/الكاظمي-من-البصرة-لا-مكان-للخائفين-بالأجهزة-الأمنية",
        "الكاظمي من البصرة: لا مكان للخائفين بالأجهزة الأمنية", "سياسة",
        datetime(2020, 8, 23, 9, 12, tzinfo=tz["alaraby"]), _lines(seeds["001"], "أجرى رئيس", ""),
        tags=["الكاظمي", "البصرة"], author="بغداد - العربي الجديد",
        caption="الكاظمي ترأس اجتماعاً أمنياً رفيعاً (Getty)")
    kitabat = Article(
        "kitabat", "/2021/01/22/رداً-على-تفجيري-بغداد-الكاظمي-يحمل-القيادات/",
        "رداً على تفجيري بغداد.. الكاظمي يحمل القيادات الأمنية مسؤولية “الخرق الأمني”", "سياسة",
        datetime(2021, 1, 22, 14, 5, tzinfo=tz["kitabat"]), _lines(seeds["002"], "حمل رئيس", "اترك رد"),
        tags=["الكاظمي", "تفجير بغداد"])
    okaz = Article(
        "okaz", "/archives/52871", "الكاظمي: عام 2021 سيكون أفضل على المستوى الأمني", "سياسة",
        datetime(2020, 12, 30, 13, 20, tzinfo=tz["okaz"]), _lines(seeds["003"], "اعتبر القائد", "اترك رد"),
        tags=["الكاظمي"])
    elaph_lines = _lines(seeds["004"], "فيما دعا", "شاهد أيضاً")
    caption = next(line for line in elaph_lines if line.endswith("(مكتبه)"))
    subheads = {"الابتعاد عن الطائفية والمذهبية والمناطقية", "التحرك لاستباق الارهاب", "عبور الأزمات",
                "مواجهة داعش واعادة العوائل النازحة لمناطقها"}
    elaph = Article(
        "elaph", "/Web/News/2022/04/1470123.html", "الكاظمي يدعو القوات العراقية إلى الابتعاد عن الطائفية والمناطقية",
        "أخبار", datetime(2022, 4, 6, 16, 40, tzinfo=tz["elaph"]),
        [("## " + p if p in subheads else p) for p in elaph_lines if p != caption],
        tags=["العراق", "الكاظمي"], author="إيلاف من بغداد", caption=caption)
    return {a.site: a for a in (ina, araby, kitabat, okaz, elaph)}


def _slug(title: str) -> str:
    return re.sub(r"[^\w]+", "-", title).strip("-")[:60].strip("-")


def other_articles() -> dict[str, list[Article]]:
    out: dict[str, list[Article]] = {}
    for site, items in OTHER.items():
        tz = ZoneInfo(ZONES[site])
        for n, item in enumerate(items):
            out.setdefault(site, []).append(_article(site, n, item, tz))
    return out


def _article(site: str, n: int, item: dict, tz) -> Article:
    published = datetime.fromisoformat(item["published"]).replace(tzinfo=tz)
    section_paths = {"سياسة": "politics", "اقتصاد": "economy", "مجتمع": "society"}
    path = {
        "ina": f"/{111570 + n * 7}--.html",
        "alaraby": f"/{section_paths.get(item['section'], 'news')}/{_slug(item['title'])}",
        "kitabat": f"/{published:%Y/%m/%d}/{_slug(item['title'])}/",
        "okaz": f"/archives/{52860 + n * 3}",
        "elaph": f"/Web/News/{published:%Y/%m}/{1470100 + n * 5}.html",
    }[site]
    return Article(site, path, item["title"], item["section"], published, list(item["paragraphs"]),
                   tags=item.get("tags", []), author=item.get("author", ""))


_UNHAMZA = str.maketrans({"أ": "ا", "إ": "ا"})


def respelled(paragraph: str) -> str:
    """A copier's spelling: hamza on alef dropped, a final taa marbuta written haa."""
    return re.sub(r"ة\b", "ه", paragraph.translate(_UNHAMZA))


def reprint_articles(seeds: dict[str, Article], others: dict[str, list[Article]]) -> dict[str, list[Article]]:
    """The [[reprint]] articles of corpus.toml: each the paragraphs of the article it copies,
    changed the way its entry says (intro, promo, drop_last, spelling)."""
    out: dict[str, list[Article]] = {}
    for item in REPRINTS:
        kind, _, which = item["of"].partition(":")
        original = seeds[which] if kind == "seed" else others[kind][int(which)]
        paragraphs = [p for p in original.paragraphs if not p.startswith("## ")]
        paragraphs = paragraphs[:len(paragraphs) - item.get("drop_last", 0)]
        if item.get("spelling"):
            paragraphs = [respelled(p) for p in paragraphs]
        paragraphs = [*item.get("intro", []), *paragraphs]
        site = item["site"]
        if "promo" in item and RENDER[site] not in (render_kitabat, render_okaz):
            sys.exit(f"[[reprint]] of {item['of']} on {site}: a promo line is rendered by the WordPress sites only")
        n = len(OTHER[site]) + 1 + len(out.get(site, []))  # paths after every other article's
        copy = _article(site, n, {**item, "paragraphs": paragraphs}, ZoneInfo(ZONES[site]))
        copy.promo = item.get("promo", "")
        out.setdefault(site, []).append(copy)
    return out


# --- page parts shared by every site ----------------------------------------

def esc(text: str) -> str:
    return html.escape(text, quote=True)


def body_html(paragraphs: list[str], read_also: Article | None, at: int = 2) -> str:
    parts = []
    for n, p in enumerate(paragraphs):
        if n == at and read_also is not None:
            parts.append(f'<div class="read-also"><strong>اقرأ أيضاً:</strong> '
                         f'<a href="{esc(read_also.url)}">{esc(read_also.title)}</a></div>')
        if p.startswith("## "):
            parts.append(f"<h2>{esc(p[3:])}</h2>")
        else:
            parts.append(f"<p>{esc(p)}</p>")
    return "\n".join(parts)


def ticker(headlines: list[str], label: str = "عاجل") -> str:
    items = "".join(f"<li><a href=\"#\">{esc(h)}</a></li>" for h in headlines)
    return f'<div class="breaking-news"><span class="label">{label}</span><ul class="ticker">{items}</ul></div>'


def menu(items: list[str]) -> str:
    return "<nav class=\"main-menu\"><ul>" + "".join(f"<li><a href=\"/\">{esc(i)}</a></li>" for i in items) \
        + "</ul></nav>"


def levant_date(d: datetime) -> str:
    return f"{d.day} {LEVANT[d.month - 1]} {d.year}"


# (document, item) templates of the two feed formats the sites publish
FEED_FORMATS = {
    "rss": ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            "<title>{title}</title><link>{base}/</link><language>ar</language>\n{items}</channel></rss>\n",
            "<item><title>{title}</title><link>{url}</link><guid>{url}</guid>"
            "<pubDate>{rfc822}</pubDate><category>{section}</category></item>\n"),
    "atom": ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
             '<title>{title}</title><link href="{base}/"/><id>{base}/</id>\n{items}</feed>\n',
             '<entry><title>{title}</title><link href="{url}"/><id>{url}</id>'
             "<updated>{iso}</updated><published>{iso}</published></entry>\n"),
}


def feed(kind: str, site_title: str, base: str, articles: list[Article]) -> str:
    document, item = FEED_FORMATS[kind]
    items = "".join(item.format(title=esc(a.title), url=esc(a.url), section=esc(a.section),
                                rfc822=format_datetime(a.published), iso=a.published.isoformat())
                    for a in articles)
    return document.format(title=esc(site_title), base=base, items=items)


def sitemap(articles: list[Article], news: bool = False) -> str:
    rows = []
    for a in articles:
        extra = ""
        if news:
            extra = (f"<news:news><news:publication><news:name>{esc(a.site)}</news:name><news:language>ar"
                     f"</news:language></news:publication><news:publication_date>{a.published.isoformat()}"
                     f"</news:publication_date><news:title>{esc(a.title)}</news:title></news:news>")
        rows.append(f"<url><loc>{esc(a.url)}</loc><lastmod>{a.published.date().isoformat()}</lastmod>{extra}</url>")
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
            f"{ns}>\n" + "\n".join(rows) + "\n</urlset>\n")


def sitemap_index(locs: list[str]) -> str:
    rows = "".join(f"<sitemap><loc>{esc(loc)}</loc></sitemap>" for loc in locs)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{rows}</sitemapindex>\n")


def page(title: str, head: str, body: str, charset: str = "utf-8") -> str:
    return (f'<!DOCTYPE html>\n<html lang="ar" dir="rtl">\n<head>\n<meta charset="{charset}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{esc(title)}</title>\n'
            f"{head}\n<script>window.dataLayer=window.dataLayer||[];</script>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def og(a: Article, site_name: str) -> str:
    return (f'<link rel="canonical" href="{esc(a.url)}">\n<meta property="og:title" content="{esc(a.title)}">\n'
            f'<meta property="og:site_name" content="{esc(site_name)}">\n<meta property="og:type" content="article">\n'
            f'<meta property="og:url" content="{esc(a.url)}">\n'
            f'<meta property="og:image" content="{LIVE[a.site]}/images/{zlib.crc32(a.path.encode()) % 10**6}.jpg">')


# --- one renderer per site style ---------------------------------------------


def render_ina(a: Article, others: list[Article], today: str) -> str:
    header = (f'<header class="site-header"><div class="top-bar"><span class="today">{today}</span>'
              f'<a href="https://t.me/inaiq">تابعونا على تلغرام</a></div>'
              f'<a class="logo" href="/">وكالة الأنباء العراقية</a>'
              + menu(["الرئيسية", "سياسية", "أمنية", "اقتصادية", "محليات", "رياضة", "ثقافة", "فيديو"])
              + ticker([o.title for o in others[:4]]) + "</header>")
    body = (f'{header}\n<main class="container"><div class="breadcrumb"><a href="/">الرئيسية</a> / '
            f'<span>{esc(a.title)}</span></div>\n<article class="news-details">\n<h1 class="news-title">{esc(a.title)}</h1>\n'
            f'<div class="telegram-promo"><a href="https://t.me/inaiq">ليصلك المزيد من الأخبار اشترك بقناتنا على التليكرام</a></div>\n'
            f'<div class="news-body">\n{body_html(a.paragraphs, others[0])}\n</div>\n'
            f'<div class="news-date"><i class="icon-clock"></i> {a.published:%d-%m-%Y, %H:%M}</div>\n'
            f'<div class="news-source">المصدر: {esc(a.url)}</div>\n'
            '<div class="share-bar">مشاركة: <a href="#">فيسبوك</a> <a href="#">تويتر</a> <a href="#">واتساب</a></div>\n'
            '<a class="back-link" href="javascript:history.back()">العودة للخلف</a>\n</article>\n'
            '<aside class="most-read"><h3>الأكثر قراءة</h3><ul>'
            + "".join(f'<li><a href="{esc(o.url)}">{esc(o.title)}</a></li>' for o in others[:3])
            + '</ul></aside></main>\n<footer>جميع الحقوق محفوظة لوكالة الأنباء العراقية © 2023</footer>')
    return page(f"{a.title} - وكالة الأنباء العراقية", og(a, "وكالة الأنباء العراقية"), body)


def render_alaraby(a: Article, others: list[Article], today: str) -> str:
    ld = (f'<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle",'
          f'"headline":"{esc(a.title)}","datePublished":"{a.published.isoformat()}",'
          f'"dateModified":"{a.published.isoformat()}","articleSection":"{esc(a.section)}",'
          f'"author":{{"@type":"Person","name":"{esc(a.author)}"}},'
          f'"publisher":{{"@type":"Organization","name":"العربي الجديد"}}}}</script>')
    caption = a.caption or f"{a.title.split(':')[0]} (الأناضول)"
    body = (f'<header class="header"><div class="date-today">{today}</div><a class="logo" href="/">العربي الجديد</a>'
            + menu(["سياسة", "اقتصاد", "مجتمع", "ثقافة", "رياضة", "منوعات", "آراء"]) + "</header>\n"
            f'<main><article class="article">\n<div class="article-header"><a class="category" href="/politics">{esc(a.section)}</a>\n'
            f'<h1 class="article-title">{esc(a.title)}</h1>\n<div class="author">{esc(a.author)}</div>\n'
            f'<div class="article-date">{a.published.day} {AR_MONTHS[a.published.month - 1].replace("أ", "ا")} {a.published.year}</div>\n'
            '<div class="font-size"><button>+</button> الخط <button>-</button></div>\n</div>\n'
            f'<figure class="article-image"><img src="/images/a.jpg" alt=""><figcaption>{esc(caption)}</figcaption></figure>\n'
            f'<div class="article-body">\n{body_html(a.paragraphs, others[0], at=3)}\n</div>\n'
            '<div class="share"><span>شارك</span><a href="#">فيسبوك</a><a href="#">تويتر</a><a href="#">واتساب</a></div>\n'
            '<div class="tags">' + "".join(f'<a href="/tag/{esc(t)}">{esc(t)}</a>' for t in a.tags) + "</div>\n"
            '</article>\n<section class="related"><h3>المزيد في سياسة</h3><ul>'
            + "".join(f'<li><a href="{esc(o.url)}">{esc(o.title)}</a></li>' for o in others[1:4])
            + "</ul></section></main>\n<footer>© العربي الجديد 2023</footer>")
    return page(f"{a.title} | العربي الجديد", og(a, "العربي الجديد") + "\n" + ld, body)


def render_wordpress(a: Article, others: list[Article], today: str, site_name: str, date_text: str,
                     share: bool = True, comments_count: bool = False) -> str:
    head = (og(a, site_name) + f'\n<meta property="article:published_time" content="{a.published.isoformat()}">'
            + f'\n<meta property="article:section" content="{esc(a.section)}">'
            + "".join(f'\n<meta property="article:tag" content="{esc(t)}">' for t in a.tags))
    tags = '<div class="post-tags">' + "".join(f'<a href="/tag/{esc(t)}" rel="tag">{esc(t)}</a>' for t in a.tags) \
        + "</div>"
    body = (f'<div id="tie-wrapper"><header id="theme-header"><div class="topbar-today-date">{today}</div>'
            + ticker(UNRELATED, "آخر الأخبار") + f'<div class="logo"><a href="/">{esc(site_name)}</a></div>'
            + menu(["الرئيسية", "سياسة", "اقتصاد", "أمن", "ثقافة", "مقالات", "اتصل بنا"]) + "</header>\n"
            f'<div id="content"><article id="the-post" class="post">\n<header class="entry-header-outer">'
            f'<span class="post-cat-wrap"><a class="post-cat" href="/category/politics/">{esc(a.section)}</a></span>\n'
            f'<h1 class="post-title entry-title">{esc(a.title)}</h1>\n<div class="post-meta">'
            f'<span class="date meta-item">{date_text}</span>'
            + ('<span class="meta-comment meta-item"><a href="#respond">0</a></span>' if comments_count else "")
            + "</div></header>\n"
            f'<div class="entry-content entry clearfix">\n{body_html(a.paragraphs, others[0], at=4)}\n'
            + (f"<p><strong>{esc(a.promo)}</strong></p>\n" if a.promo else "") + "</div>\n"
            + tags
            + ('\n<div class="share-links"><a href="#">فيسبوك</a><a href="#">تويتر</a><a href="#">واتساب</a>'
               '<a href="#">تيلقرام</a><a href="#">طباعة</a></div>' if share else "")
            + "\n</article>\n"
            '<div class="related-posts"><h3 class="block-title">أخبار ذات صلة</h3><ul>'
            + "".join(f'<li><a href="{esc(o.url)}">{esc(o.title)}</a></li>' for o in others[1:4])
            + "</ul></div>\n"
            '<div id="comments"><div id="respond" class="comment-respond"><h3 id="reply-title">اترك رد</h3>'
            '<form action="/wp-comments-post.php" method="post"><p class="comment-notes">'
            '<span id="email-notes">لن يتم نشر عنوان بريدك الإلكتروني.</span> الحقول الإلزامية مشار إليها بـ *</p>'
            '<textarea name="comment"></textarea><input type="submit" value="إرسال التعليق"></form></div></div>\n'
            '</div>\n<footer id="footer"><div class="copyright">جميع الحقوق محفوظة</div>'
            '<a id="go-to-top" href="#">زر الذهاب إلى الأعلى</a></footer></div>')
    return page(f"{a.title} - {site_name}", head, body)


def render_kitabat(a, others, today):
    return render_wordpress(a, others, today, "كتابات", levant_date(a.published))


def render_okaz(a, others, today):
    date_text = f"{a.published.day} {AR_MONTHS[a.published.month - 1]}، {a.published.year}".translate(INDIC)
    return render_wordpress(a, others, today, "سوق عكاظ", f"{WEEKDAYS[a.published.weekday()]} {date_text}",
                            share=False, comments_count=True)


def render_elaph(a: Article, others: list[Article], today: str) -> str:
    d = a.published
    day_text = f"{WEEKDAYS[d.weekday()].replace('الأ', 'الا')} {d.day} {LEVANT[d.month - 1]} {AR_MONTHS[d.month - 1].replace('أ', 'ا')} {d.year}"
    caption = a.caption or f"صورة أرشيفية ({a.author.replace('إيلاف من ', '')})"
    paragraphs = list(a.paragraphs)
    figure = f'<figure class="wp-caption"><img src="/img/p.jpg" alt=""><figcaption class="wp-caption-text">{esc(caption)}</figcaption></figure>'
    half = len(paragraphs) // 2 + 1
    body = (f'<header class="header"><div class="today-date">{today}</div><div class="logo"><a href="/">إيلاف</a></div>'
            + menu(["أخبار", "اقتصاد", "ثقافة", "رياضة", "صحة", "تكنولوجيا", "آراء"]) + "</header>\n"
            f'<main><article class="article-page">\n<h1 class="entry-title">{esc(a.title)}</h1>\n'
            f'<div class="byline"><span class="author">{esc(a.author)}</span>: '
            f'<span class="article-date">{day_text} - {d:%H:%M}</span></div>\n'
            f'<div class="entry-content">\n{body_html(paragraphs[:half], None)}\n{figure}\n'
            f'{body_html(paragraphs[half:], None)}\n</div>\n'
            f'<div class="see-also"><h4>شاهد أيضاً</h4><a href="{esc(others[0].url)}"><h5>{esc(others[0].title)}</h5></a>'
            f"<p>{esc(others[0].paragraphs[0][:80])} …</p></div>\n"
            '<div id="respond"><h3>اترك تعليقاً</h3><p>لن يتم نشر عنوان بريدك الإلكتروني. الحقول الإلزامية مشار إليها بـ *</p>'
            "<form><textarea></textarea></form></div>\n</article></main>\n<footer>إيلاف © 2001-2023</footer>")
    return page(f"{a.title} | إيلاف", og(a, "إيلاف"), body)


RENDER = {"ina": render_ina, "alaraby": render_alaraby, "kitabat": render_kitabat, "okaz": render_okaz,
          "elaph": render_elaph}
TODAY = {"ina": "الخميس 1 حزيران 2023", "alaraby": "الخميس 1 يونيو 2023", "kitabat": "الخميس, يونيو 1, 2023",
         "okaz": "الخميس ١ يونيو ٢٠٢٣", "elaph": "الخميس , 1 يونيو 2023"}
NAMES = {"ina": "وكالة الأنباء العراقية", "alaraby": "العربي الجديد", "kitabat": "كتابات", "okaz": "سوق عكاظ",
         "elaph": "إيلاف"}


# INA's front page in its three states, by the index of the article in corpus.toml's [[other.ina]]
# ("seed": the seed article, linked by its old URL): the ticker, the lead, the latest list (an
# entry is an index, or (index, the teaser the page shows for it)) and the most read box
FRONT = [
    {"ticker": [5, 4, 3], "lead": [5], "latest": [4, 3, 2, 1, "seed"], "most_read": [1, 4]},
    {"ticker": [5, 4, 3], "lead": [0], "most_read": [1, 4],
     "latest": [5, 4, (3, "التربية: امتحانات الدور الثاني للإعدادية تبدأ منتصف الشهر"), 1, "seed"]},
    {"ticker": [0, 5, 4], "lead": [0], "most_read": [1, 4],
     "latest": [4, 5, (3, "التربية: امتحانات الدور الثاني للإعدادية تبدأ منتصف الشهر"), 1]},
]


def front_of(state: dict, seed: Article, others: list[Article]) -> dict:
    """A FRONT state as (article, teaser) lists."""
    def entry(item):
        index, teaser = item if isinstance(item, tuple) else (item, None)
        article = seed if index == "seed" else others[index]
        return article, teaser or article.title
    return {block: [entry(i) for i in items] for block, items in state.items()}


def default_front(articles: list[Article]) -> dict:
    """A site's front page as its CMS fills it: the newest story leads and heads the ticker, the rest
    by date, the two oldest in the "most read" box."""
    by_date = [(a, a.title) for a in articles]
    return {"ticker": by_date[:3], "lead": by_date[:1], "latest": by_date[1:], "most_read": by_date[-2:]}


def home(site: str, front: dict, old_links: dict[str, str]) -> str:
    def link(article: Article, teaser: str) -> str:
        return f'<a href="{esc(LIVE[site] + old_links.get(article.path, quote(article.path)))}">{esc(teaser)}</a>'

    def items(block: str, css: str = "") -> str:
        return "".join(f"<li{css}>{link(a, t)}</li>" for a, t in front[block])

    lead, teaser = front["lead"][0]
    news_item = ' class="news-item"'
    body = (f'<header><span class="today">{TODAY[site]}</span><a class="logo" href="/">{NAMES[site]}</a>'
            + menu(["الرئيسية", "سياسة", "اقتصاد", "رياضة", "ثقافة"])
            + f'<div class="breaking-news"><span class="label">عاجل</span><ul class="ticker">{items("ticker")}</ul>'
            f'</div></header>\n<main>\n<section class="lead-story"><h2>{link(lead, teaser)}</h2>'
            f"<p>{esc(lead.paragraphs[0][:140])} …</p></section>\n"
            f'<section class="latest"><h3>آخر الأخبار</h3><ul>{items("latest", news_item)}</ul></section>\n'
            f'<aside class="most-read"><h3>الأكثر قراءة</h3><ol>{items("most_read")}</ol></aside>\n'
            '<a class="next" href="/?page=2">المزيد</a></main>\n'
            f'<footer><a href="/about">من نحن</a> · <a href="/contact">اتصل بنا</a> · جميع الحقوق محفوظة © {NAMES[site]}'
            "</footer>")
    return page(NAMES[site], f'<link rel="alternate" type="application/rss+xml" href="{LIVE[site]}/rss.xml">', body)


def site_files(site: str, articles: list[Article], front: dict | None = None) -> dict[str, str]:
    """Every file of one site's snapshot, by URL path; `front`: its home page's blocks (default_front)."""
    articles = sorted(articles, key=lambda a: a.published, reverse=True)
    files: dict[str, str] = {}
    for a in articles:
        others = [o for o in articles if o is not a]
        path = a.path + ("index.html" if a.path.endswith("/") else "")
        files[path] = RENDER[site](a, others, TODAY[site])
    old_links: dict[str, str] = {}
    replay = ""
    if site == "ina":  # the home page still links one story by its old URL, which answers 301
        moved = articles[-1]
        old = "/news/" + moved.path.strip("/").split("--")[0]
        old_links[moved.path] = old
        replay = f'[redirects]\n"{old}" = "{moved.path}"\n\n[gone]\npaths = ["/111001--.html"]\n'
    files["/index.html"] = home(site, front or default_front(articles), old_links)
    disallow = {"ina": ["/search", "/admin/"], "alaraby": ["/search", "/node/"], "kitabat": ["/wp-admin/", "/?s="],
                "okaz": ["/wp-admin/", "/?s="], "elaph": ["/search/"]}[site]
    sitemap_path = {"ina": "/sitemap.xml", "alaraby": "/sitemap-news.xml", "kitabat": "/wp-sitemap.xml",
                    "okaz": "/sitemap_index.xml", "elaph": "/sitemap.xml"}[site]
    files["/robots.txt"] = ("User-agent: *\n" + "".join(f"Disallow: {d}\n" for d in disallow)
                            + f"\nSitemap: {LIVE[site]}{sitemap_path}\n")
    if site == "kitabat":
        files["/feed/index.xml"] = feed("rss", NAMES[site], LIVE[site], articles)
        files["/wp-sitemap.xml"] = sitemap_index([LIVE[site] + "/wp-sitemap-posts-post-1.xml"])
        files["/wp-sitemap-posts-post-1.xml"] = sitemap(articles)
    elif site == "okaz":
        files["/feed/index.xml"] = feed("rss", NAMES[site], LIVE[site], articles)
        files["/sitemap_index.xml"] = sitemap_index([LIVE[site] + "/post-sitemap.xml"])
        files["/post-sitemap.xml"] = sitemap(articles)
    elif site == "elaph":
        files["/rss/news.xml"] = feed("atom", NAMES[site], LIVE[site], articles)
        files["/sitemap.xml"] = sitemap(articles)
    else:
        files["/rss.xml"] = feed("rss", NAMES[site], LIVE[site], articles)
        files[sitemap_path] = sitemap(articles, news=site == "alaraby")
    if replay:
        files["/_replay.toml"] = replay
    return files


def write_tree(root: Path, files: dict[str, dict[str, str]]) -> None:
    for site, site_files_ in files.items():
        for path, text in site_files_.items():
            target = root / site / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=SEEDS.parents[1] / "shared")
    args = parser.parse_args()
    seeds = seed_articles(args.shared)
    others = other_articles()
    copies = reprint_articles(seeds, others)
    fronts = [front_of(state, seeds["ina"], others["ina"]) for state in FRONT]
    day1 = {site: [seeds[site], *others[site], *copies.get(site, [])] for site in LIVE}
    before = {site: site_files(site, arts, fronts[0] if site == "ina" else None) for site, arts in day1.items()}

    # Day two: one edit, one new article, one removal.
    day2 = {site: list(arts) for site, arts in day1.items()}
    edited = seeds[DEMO_EDIT["site"]]
    new_paragraphs = [p.replace(DEMO_EDIT["old"], DEMO_EDIT["new"]) for p in edited.paragraphs]
    assert new_paragraphs != edited.paragraphs, "demo edit text not found in the INA seed"
    day2[edited.site] = [Article(**{**edited.__dict__, "paragraphs": new_paragraphs}) if a is edited else a
                         for a in day2[edited.site]]
    new_site = DEMO_NEW["site"]
    day2[new_site].append(_article(new_site, 9, DEMO_NEW, ZoneInfo(ZONES[new_site])))
    gone = others[DEMO_REMOVED["site"]][DEMO_REMOVED["index"]]
    day2[gone.site] = [a for a in day2[gone.site] if a is not gone]
    # INA's edited seed is the same story: the front page links it as before
    fronts[1:] = [front_of(state, next(a for a in day2["ina"] if a.path == seeds["ina"].path), others["ina"])
                  for state in FRONT[1:]]
    after = {site: site_files(site, arts, fronts[1] if site == "ina" else None) for site, arts in day2.items()}
    third = {**after, "ina": site_files("ina", day2["ina"], fronts[2])}

    out, update, last = SEEDS / "snapshots", SEEDS / "demo-update", SEEDS / "demo-third"
    for d in (out, update, last):
        shutil.rmtree(d, ignore_errors=True)
    write_tree(out, before)
    for folder, old, new in ((update, before, after), (last, after, third)):
        changed = {site: {p: t for p, t in new[site].items() if old[site].get(p) != t} for site in new}
        write_tree(folder, changed)
        removed = sorted(f"{site}{p}" for site in old for p in old[site] if p not in new[site])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "_removed.txt").write_text("".join(r + "\n" for r in removed), encoding="utf-8")
        print(f"{sum(len(f) for f in changed.values())} files changed, {len(removed)} removed in {folder}")
    print(f"wrote {sum(len(f) for f in before.values())} files to {out}")


if __name__ == "__main__":
    main()
