"""Build the labelled extraction set in tests/labelled/.

    python seeds/tools/build_labelled.py [--shared ../shared]

Writes tests/labelled/labels.jsonl, one line per page, and the pages that are
not snapshot files to tests/labelled/pages/*.html (bytes as a server would
send them, some in windows-1256 or ISO-8859-6, some with wrong charset labels):

    id, file (relative to tests/labelled/), style, site (a key of seeds/sites.toml, or null for a site Rasid
    does not know), url, timezone, content_type (the HTTP header the page came
    with, or null), encoding (what the bytes really are), title, published
    (ISO; a date alone when the page shows no time), paragraphs (the article,
    in order; subheadings are paragraphs), clutter (strings on the page that
    are not the article and must not appear in extracted text).

The labels come from the articles the pages are rendered from, never from an
extractor's output. Pages: the 30 article pages of the five snapshot sites
(same renderers as seeds/snapshots) and 12 pages in the styles of six other
Arab news sites. The output is committed; rerun only to change the set.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tomllib
from pathlib import Path

import lxml.html

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_snapshots import (  # noqa: E402
    LIVE,
    RENDER,
    TODAY,
    UNRELATED,
    ZONES,
    esc,
    menu,
    other_articles,
    reprint_articles,
    seed_articles,
)

# the articles are data, kept as data (corpus_styles.toml)
STYLES = tomllib.loads((Path(__file__).with_name("corpus_styles.toml")).read_text(encoding="utf-8"))["styles"]

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "labelled"
SNAPSHOTS = ROOT / "seeds" / "snapshots"

# Stock strings the snapshot templates put around an article (see build_snapshots.RENDER).
SNAPSHOT_CLUTTER = [
    "تابعونا على تلغرام", "ليصلك المزيد", "اشترك بقناتنا", "المصدر:", "مشاركة:", "العودة للخلف", "الأكثر قراءة",
    "جميع الحقوق محفوظة", "الرئيسية /", "عاجل", "اقرأ أيضاً", "الخط", "شارك", "فيسبوك", "واتساب", "المزيد في",
    "آخر الأخبار", "أخبار ذات صلة", "اترك رد", "لن يتم نشر عنوان بريدك", "الحقول الإلزامية", "إرسال التعليق",
    "زر الذهاب إلى الأعلى", "شاهد أيضاً", "اترك تعليقاً", "تيلقرام", "طباعة", "(Getty)", "(مكتبه)", "(الأناضول)",
    "صورة أرشيفية",
]


def visible_text(page: str) -> str:
    tree = lxml.html.fromstring(page)
    for el in tree.xpath("//script | //style | //head"):
        el.drop_tree()
    return " ".join(tree.text_content().split())


def present(strings: list[str], page: str) -> list[str]:
    """The strings that really are on the page (a clutter label must be able to leak)."""
    text = visible_text(page)
    return list(dict.fromkeys(s for s in strings if s and " ".join(s.split()) in text))


def label(id_: str, style: str, site: str | None, url: str, tz: str, title: str, published: str,
          paragraphs: list[str], clutter: list[str], page: str, encoding: str = "utf-8",
          content_type: str | None = None, file: str | None = None) -> tuple[dict, bytes | None]:
    """One label row, and the page's bytes to write (None when `file` already holds them)."""
    expected = [p[3:] if p.startswith("## ") else p for p in paragraphs]
    # a stock word that this article happens to use is not clutter on this page
    clutter = [c for c in present(clutter, page) if not any(c in p for p in [title, *expected])]
    data = page.encode(encoding, errors="xmlcharrefreplace")
    row = dict(id=id_, file=file or f"pages/{id_}.html", style=style, site=site, url=url, timezone=tz, content_type=content_type,
               encoding=encoding, title=title, published=published, paragraphs=expected, clutter=clutter)
    return row, None if file else data


# --- the five snapshot styles ------------------------------------------------------


def snapshot_pages(shared: Path) -> list[tuple[dict, bytes]]:
    seeds, others = seed_articles(shared), other_articles()
    copies = reprint_articles(seeds, others)
    out = []
    for site in LIVE:
        articles = sorted([seeds[site], *others[site], *copies.get(site, [])], key=lambda a: a.published, reverse=True)
        for n, a in enumerate(articles):
            rest = [o for o in articles if o is not a]
            page = RENDER[site](a, rest, TODAY[site])
            strings = [*SNAPSHOT_CLUTTER, TODAY[site], a.caption, *UNRELATED, *(o.title for o in rest),
                       *(o.paragraphs[0][:60] for o in rest), *([a.promo] if a.promo else [])]
            if site == "alaraby" and not a.caption:
                strings.append(f"{a.title.split(':')[0]} (الأناضول)")
            # the page is the snapshot's own file: labelled where it lies, not copied
            snapshot = SNAPSHOTS / site / (a.path.lstrip("/") + ("index.html" if a.path.endswith("/") else ""))
            if snapshot.read_text(encoding="utf-8") != page:
                sys.exit(f"{snapshot}: differs from its renderer; run build_snapshots.py first")
            out.append(label(f"{site}-{n + 1}", site, site, a.url, ZONES[site], a.title, a.published.isoformat(),
                             a.paragraphs, strings, page, file=os.path.relpath(snapshot, OUT)))
    return out


# --- six other styles ----------------------------------------------------------------


def shell(title: str, head: str, body: str, charset: str | None = "utf-8", lang: str = "ar") -> str:
    meta = f'<meta charset="{charset}">\n' if charset else ""
    return (f'<!DOCTYPE html>\n<html lang="{lang}" dir="rtl">\n<head>\n{meta}<title>{esc(title)}</title>\n{head}\n'
            f"</head>\n<body>\n{body}\n</body>\n</html>\n")


def paras(paragraphs: list[str], tag: str = "p", subheading: str = "h2", wrap: str = "{}") -> list[str]:
    return [f"<{subheading}>{esc(p[3:])}</{subheading}>" if p.startswith("## ") else wrap.format(f"<{tag}>{esc(p)}</{tag}>")
            for p in paragraphs]


def ld_json(a: dict, publisher: str) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a["title"],
            "datePublished": a["published"], "author": {"@type": "Person", "name": a["author"]},
            "publisher": {"@type": "Organization", "name": publisher}}
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


def render_aljazeera(a: dict, other: dict) -> tuple[str, list[str]]:
    teasers = [other["title"], "ما الذي نعرفه عن جولات التفاوض السابقة؟", "خريطة تفاعلية لمواقع الأحداث"]
    body = paras(a["paragraphs"])
    body.insert(2, '<div class="more-on"><h2 class="more-on__heading">اقرأ أيضا</h2><ul class="more-on__list">'
                + "".join(f'<li><article class="article-card"><a href="/news/{n}"><span>{esc(t)}</span></a></article></li>'
                          for n, t in enumerate(teasers)) + "</ul></div>")
    body.append('<p class="article-source">المصدر : الجزيرة + وكالات</p>')
    caption = "مسؤولون خلال اجتماع سابق في العاصمة (رويترز)"
    page = shell(
        f"{a['title']} | الأخبار | الجزيرة نت", ld_json(a, "الجزيرة نت")
        + '\n<meta property="og:site_name" content="الجزيرة نت">',
        '<header class="site-header"><a class="site-logo" href="/">الجزيرة نت</a>'
        + menu(["الرئيسية", "أخبار", "سياسة", "اقتصاد", "رياضة", "ثقافة", "تكنولوجيا"]) + "</header>\n"
        '<div class="breaking-news-banner"><span>عاجل</span> وزير الخارجية الأميركي يصل إلى المنطقة في جولة جديدة</div>\n'
        f'<main id="main-content-area"><div class="article-header"><div class="topics"><a href="/news/">{esc(a["section"])}</a></div>'
        f'<h1>{esc(a["title"])}</h1></div>\n<div class="article-info-block"><div class="article-author-name">{esc(a["author"])}</div>'
        f'<div class="date-simple"><span class="screen-reader-text">نشر في </span>'
        f'<span aria-hidden="true">{int(a["published"][8:10])}/{int(a["published"][5:7])}/{a["published"][:4]}</span></div></div>\n'
        f'<figure class="article-featured-image"><img src="/wp-content/uploads/a.jpg" alt=""><figcaption>{caption}</figcaption></figure>\n'
        '<div class="wysiwyg wysiwyg--all-content">\n' + "\n".join(body) + "\n</div>\n"
        '<div class="newsletter-block"><h3>النشرة البريدية</h3><p>اشترك في النشرة البريدية لتصلك آخر الأخبار والتحليلات</p>'
        '<form><input type="email"><button>اشترك</button></form></div>\n'
        '<div class="article-social-share"><span>شارك</span><a href="#">فيسبوك</a><a href="#">إكس</a><a href="#">واتساب</a></div>\n'
        '<aside class="most-read-container"><h2>الأكثر قراءة</h2><ol><li><a href="/a">انطلاق القمة العربية في جدة وسط ملفات شائكة</a></li>'
        "<li><a href=\"/b\">تعرف على أبرز التعديلات في قانون الضرائب الجديد</a></li></ol></aside></main>\n"
        '<footer class="site-footer"><p>جميع الحقوق محفوظة &copy; 2024 شبكة الجزيرة الإعلامية</p></footer>')
    clutter = [*teasers, "اقرأ أيضا", "المصدر : الجزيرة + وكالات", caption, "النشرة البريدية", "اشترك في النشرة",
               "شارك", "الأكثر قراءة", "انطلاق القمة العربية", "جميع الحقوق محفوظة", "وزير الخارجية الأميركي يصل",
               "نشر في"]
    return page, clutter


def render_bbc(a: dict, other: dict) -> tuple[str, list[str]]:
    # BBC's class names are generated hashes: nothing structural to hold on to but roles and phrases.
    body = [f'<div dir="rtl" class="bbc-19j92fr ebmt73l0">{p}</div>'
            for p in paras(a["paragraphs"], subheading="h2 class=\"bbc-kl1u1v\"")]
    body = [b.replace('</h2 class="bbc-kl1u1v">', "</h2>") for b in body]
    related = [other["title"], "كيف تغيرت خريطة التجارة القديمة في الخليج؟"]
    body.insert(2, '<section aria-labelledby="related-stories" role="region" class="bbc-1c3a2rq">'
                '<a href="#end-of-recommendations" class="bbc-1pjc2b8">تخطى قصص مقترحة وواصل القراءة</a>'
                '<div class="bbc-1ff36h2"><h2 id="related-stories" class="bbc-1lnn2rb">قصص مقترحة</h2><ul>'
                + "".join(f'<li class="bbc-18rgi9"><div><a href="/arabic/articles/c{n}">{esc(t)}</a></div></li>'
                          for n, t in enumerate(related))
                + '</ul></div><p id="end-of-recommendations" class="bbc-1pjc2b8">نهاية قصص مقترحة</p></section>')
    day = a["published"][:10]
    months = {"02": "فبراير/ شباط", "09": "سبتمبر/ أيلول"}
    page = shell(
        f"{a['title']} - BBC News عربي", ld_json(a, "BBC News عربي")
        + f'\n<meta property="og:title" content="{esc(a["title"])}">',
        '<header role="banner" class="bbc-1ltgiqv"><a href="/arabic">بي بي سي نيوز عربي</a>'
        '<a href="#content" class="bbc-skip">تخطى إلى المحتوى</a><nav role="navigation"><ul>'
        + "".join(f'<li><a href="/arabic/{n}">{t}</a></li>' for n, t in enumerate(["الرئيسية", "أخبار", "اقتصاد", "صحة", "علوم وتكنولوجيا", "فن", "التحقيقات"]))
        + '</ul></nav></header>\n<main role="main" class="bbc-1151pbn">\n'
        f'<h1 id="content" class="bbc-14gqcmb" tabindex="-1">{esc(a["title"])}</h1>\n'
        f'<div class="bbc-19j92fr"><span class="bbc-1c7m0jb">{esc(a["author"])}</span>'
        f'<time datetime="{day}" class="bbc-1dafq0j">{int(day[8:])} {months[day[5:7]]} {day[:4]}</time></div>\n'
        '<figure class="bbc-1qn0xuy"><div class="bbc-189y18v"><img src="/img/x.jpg" alt=""></div>'
        '<p class="bbc-1nghpc8">صدر الصورة، Getty Images</p><figcaption class="bbc-1mo1g2c">'
        '<span class="bbc-m04vo2">التعليق على الصورة، </span>صورة جوية لموقع التنقيب في الصحراء</figcaption></figure>\n'
        + "\n".join(body) + "\n"
        '<section aria-labelledby="related-topics" class="bbc-1nxs2ic"><h2 id="related-topics">مواضيع ذات صلة</h2>'
        f'<ul><li><a href="/t1">{esc(a["section"])}</a></li><li><a href="/t2">الشرق الأوسط</a></li></ul></section>\n'
        '<section aria-labelledby="Most-Read" class="bbc-1gx6e2m"><h2 id="Most-Read">الأكثر قراءة</h2><ol>'
        "<li><a href=\"/m1\">لماذا تنخفض أسعار الذهب رغم التوترات العالمية؟</a></li>"
        "<li><a href=\"/m2\">صور: مهرجان الألوان في الهند</a></li></ol></section>\n</main>\n"
        '<footer role="contentinfo"><p>&copy; 2024 بي بي سي. بي بي سي ليست مسؤولة عن محتوى المواقع الخارجية.</p></footer>')
    clutter = [*related, "تخطى قصص مقترحة", "قصص مقترحة", "نهاية قصص مقترحة", "صدر الصورة", "Getty Images",
               "التعليق على الصورة", "صورة جوية لموقع التنقيب", "مواضيع ذات صلة", "الشرق الأوسط", "الأكثر قراءة",
               "لماذا تنخفض أسعار الذهب", "بي بي سي ليست مسؤولة", "تخطى إلى المحتوى"]
    return page, clutter


def render_asharq(a: dict, other: dict, precise_meta: bool) -> tuple[str, list[str]]:
    head = f'<meta property="og:title" content="{esc(a["title"])}">\n<meta property="og:site_name" content="الشرق الأوسط">'
    if precise_meta:
        head += f'\n<meta property="article:published_time" content="{a["published"]}">'
    page = shell(
        f"{a['title']} | الشرق الأوسط", head,
        '<header id="header"><div class="header-date">السبت 1 يونيو 2024</div><a class="logo" href="/">الشرق الأوسط</a>'
        + menu(["الرئيسية", "العالم العربي", "العالم", "اقتصاد", "يوميات الشرق", "رياضة", "ثقافة وفنون"]) + "</header>\n"
        '<div class="container"><div class="node_new_head">'
        f'<span class="section-label"><a href="/economy">{esc(a["section"])}</a></span>\n<h1 class="node-title">{esc(a["title"])}</h1>\n'
        f'<div class="node_new_info"><span class="author">{esc(a["author"])}</span> <span class="date">{a["hijri"]}</span> '
        '<span class="issue">رقم العدد [16522]</span></div></div>\n'
        '<div class="node_new_body">\n<figure><img src="/files/p.jpg" alt=""><figcaption>ألواح شمسية في أحد المشاريع (واس)</figcaption></figure>\n'
        + "\n".join(paras(a["paragraphs"])) + "\n</div>\n"
        '<div class="node_topics"><h3>مواضيع</h3><a href="/t/1">الطاقة الشمسية</a> <a href="/t/2">الاقتصاد العربي</a></div>\n'
        f'<div class="related_news"><h3>ذات صلة</h3><ul><li><a href="/r1">{esc(other["title"])}</a></li>'
        '<li><a href="/r2">خطة خليجية لربط شبكات الكهرباء</a></li></ul></div>\n'
        '<div class="newsletter_signup"><p>اشترك في نشرتنا البريدية لتصلك أهم الأخبار صباح كل يوم</p><form><input></form></div>\n'
        '</div>\n<footer><p>&copy; جميع الحقوق محفوظة لصحيفة الشرق الأوسط 2024</p></footer>')
    clutter = ["السبت 1 يونيو 2024", "رقم العدد", "ألواح شمسية في أحد المشاريع", "(واس)", "مواضيع", "الطاقة الشمسية",
               "الاقتصاد العربي", "ذات صلة", other["title"], "خطة خليجية لربط", "اشترك في نشرتنا", "جميع الحقوق محفوظة"]
    return page, clutter


def render_youm7(a: dict, other: dict, charset: str) -> tuple[str, list[str]]:
    body = paras(a["paragraphs"])
    body.insert(1, '<p><strong>اقرأ أيضا..</strong></p>\n'
                f'<p><a href="/story/2024/5/5/{len(other["title"])}">{esc(other["title"])}</a></p>')
    body.insert(3, '<div class="adsCont"><span class="adsLabel">إعلان</span><div id="div-gpt-ad-1"></div></div>')
    body.append("<p><strong>لمزيد من الأخبار اضغط هنا</strong></p>")
    page = shell(
        f"{a['title']} - اليوم السابع",
        f'<meta property="og:title" content="{esc(a["title"])}">\n<meta property="og:site_name" content="اليوم السابع">',
        '<div class="headerTop"><span class="todayDate">السبت، 01 يونيو 2024</span></div>\n'
        '<div class="mainMenu"><ul>' + "".join(f"<li><a href=\"/s{n}\">{t}</a></li>" for n, t in enumerate(["الرئيسية", "أخبار عاجلة", "سياسة", "اقتصاد وبورصة", "حوادث", "رياضة", "فن"])) + "</ul></div>\n"
        '<div class="newsStory"><div class="articleHeader">'
        f'<h1>{esc(a["title"])}</h1>\n<div class="writeBy">كتب {esc(a["author"])}</div>\n'
        f'<span class="newsStoryDate">{a["visible"]}</span></div>\n'
        '<div class="imgCont"><img src="/images/a.jpg" alt=""><span class="imgDesc">صورة أرشيفية من الموقع</span></div>\n'
        '<div id="articleBody" class="articleCont">\n' + "\n".join(body) + "\n</div>\n"
        '<div class="googleNews"><a href="https://news.google.com/">تابع آخر الأخبار عبر جوجل نيوز</a></div>\n'
        '<div class="tagsCont"><a href="/tags/1">وزارة التموين</a><a href="/tags/2">أسعار السلع</a></div>\n'
        '<div class="moreNewsBox"><h3>أخبار متعلقة</h3><ul><li><a href="/m1">محافظ القاهرة يتفقد أعمال تطوير ميدان التحرير</a></li>'
        "</ul></div></div>\n<div class=\"footerCopy\">جميع الحقوق محفوظة &copy; اليوم السابع 2024</div>",
        charset=charset)
    clutter = ["السبت، 01 يونيو 2024", "اقرأ أيضا", other["title"], "إعلان", "لمزيد من الأخبار", "اضغط هنا",
               "كتب ", "صورة أرشيفية من الموقع", "تابع آخر الأخبار", "جوجل نيوز", "وزارة التموين", "أسعار السلع",
               "أخبار متعلقة", "محافظ القاهرة", "جميع الحقوق محفوظة"]
    return page, clutter


def render_hespress(a: dict, other: dict, charset: str) -> tuple[str, list[str]]:
    comments = ["هذا القرار تأخر كثيرا وكان يجب أن يصدر منذ سنوات لأن آلاف الموظفين يعملون من منازلهم دون أي إطار قانوني يحميهم ويضمن حقوقهم",
                "نتمنى أن يتم تطبيق هذا القانون على أرض الواقع وأن لا يبقى حبرا على ورق كما حدث مع قوانين سابقة كثيرة في هذا المجال"]
    page = shell(
        f"{a['title']} | هسبريس",
        f'<meta property="og:title" content="{esc(a["title"])} | هسبريس">\n<meta property="og:site_name" content="هسبريس">',
        '<header class="site-header"><div class="date-today">السبت 1 يونيو 2024</div><a class="logo" href="/">هسبريس</a>'
        + menu(["الرئيسية", "سياسة", "اقتصاد", "مجتمع", "جهات", "رياضة", "فن وثقافة"]) + "</header>\n"
        '<div class="breadcrumb"><a href="/">الرئيسية</a> &raquo; <a href="/politique">سياسة</a></div>\n'
        f'<article class="post"><h1 class="post-title">{esc(a["title"])}</h1>\n'
        f'<div class="article-info"><span class="author"><a href="/author/1">{esc(a["author"])}</a></span>'
        f'<span class="date-post">{a["visible"]}</span></div>\n'
        '<div class="post-thumbnail"><img src="/img/t.jpg" alt=""><p class="caption">صورة: أرشيف هسبريس</p></div>\n'
        '<div class="article-content">\n' + "\n".join(paras(a["paragraphs"])) + "\n"
        '<div class="app-promo"><p>حمّل تطبيق هسبريس ليصلك كل جديد</p></div>\n</div>\n'
        '<div class="share-post"><a href="#">فيسبوك</a><a href="#">واتساب</a></div>\n'
        '<div class="box-tags"><a href="/tag/1">الحكومة</a><a href="/tag/2">قانون</a></div>\n</article>\n'
        '<div id="comments" class="comments-area"><h3 class="comments-title">تعليقات الزوار</h3><ol class="comment-list">'
        + "".join(f'<li class="comment"><div class="comment-author">زائر {n + 1}</div><p>{esc(c)}</p></li>'
                  for n, c in enumerate(comments))
        + '</ol><div id="respond"><h3>أضف تعليقك</h3><form><textarea></textarea></form></div></div>\n'
        f'<div class="related-posts"><h3>مقالات ذات صلة</h3><a href="/r">{esc(other["title"])}</a></div>\n'
        "<footer><p>هسبريس &copy; 2024 جميع الحقوق محفوظة</p></footer>",
        charset=charset)
    clutter = ["السبت 1 يونيو 2024", "صورة: أرشيف هسبريس", "حمّل تطبيق هسبريس", "ليصلك كل جديد", "تعليقات الزوار",
               comments[0][:40], comments[1][:40], "أضف تعليقك", "مقالات ذات صلة", other["title"], "فيسبوك",
               "جميع الحقوق محفوظة", "زائر 1"]
    return page, clutter


def render_echorouk(a: dict, other: dict, charset: str | None) -> tuple[str, list[str]]:
    # An old table layout: no h1, no classes, paragraphs split by <br>, a site-name prefix in <title>.
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    text = "<br><br>\n".join(esc(p) for p in a["paragraphs"])
    page = (
        f'<html dir="rtl"><head>{meta}<title>الشروق أونلاين - {esc(a["title"])}</title></head>\n'
        '<body><table width="100%" border="0"><tr><td colspan="2"><img src="/logo.gif"> '
        '<font size="2">الجزائر: السبت 01 جوان 2024</font><br>'
        '<a href="/">الرئيسية</a> | <a href="/w">وطني</a> | <a href="/e">اقتصاد</a> | <a href="/d">دولي</a> | <a href="/s">رياضة</a>'
        '</td></tr>\n<tr><td width="70%" valign="top">\n'
        f'<font size="4" color="#990000"><b>{esc(a["title"])}</b></font><br>\n'
        f'<font size="2" color="gray">{a["visible"]}</font><br><br>\n'
        f'<font size="3">{text}</font><br><br>\n'
        '<a href="javascript:history.back()">العودة للخلف</a> | <a href="/print">طباعة</a> | <a href="/send">أرسل لصديق</a><br>\n'
        'عدد القراءات: 1532\n</td>\n'
        f'<td width="30%" valign="top"><b>المزيد من الأخبار</b><br><a href="/n1">{esc(other["title"])}</a><br>'
        '<a href="/n2">وفاق سطيف يتعاقد مع مدرب جديد</a></td></tr>\n'
        '<tr><td colspan="2" align="center">جميع الحقوق محفوظة &copy; الشروق أونلاين 2024</td></tr></table></body></html>\n')
    clutter = ["السبت 01 جوان 2024", "الشروق أونلاين", "العودة للخلف", "طباعة", "أرسل لصديق", "عدد القراءات",
               "المزيد من الأخبار", other["title"], "وفاق سطيف", "جميع الحقوق محفوظة", "وطني | اقتصاد"]
    return page, clutter


# style: (url prefix, time zone, live site)
OTHER_SITES = {
    "aljazeera": ("https://www.aljazeera.net/news/2024/", "Asia/Qatar"),
    "bbc": ("https://www.bbc.com/arabic/articles/", "Europe/London"),
    "asharq": ("https://aawsat.com/", "Asia/Riyadh"),
    "youm7": ("https://www.youm7.com/story/", "Africa/Cairo"),
    "hespress": ("https://www.hespress.com/", "Africa/Casablanca"),
    "echorouk": ("https://www.echoroukonline.com/", "Africa/Algiers"),
}


def style_pages() -> list[tuple[dict, bytes]]:
    out = []
    for style, articles in STYLES.items():
        prefix, tz = OTHER_SITES[style]
        for n, a in enumerate(articles):
            other = articles[1 - n]
            encoding, content_type = "utf-8", None
            published = a["published"]
            if style == "aljazeera":
                page, clutter = render_aljazeera(a, other)
            elif style == "bbc":
                page, clutter = render_bbc(a, other)
            elif style == "asharq":
                page, clutter = render_asharq(a, other, precise_meta=n == 0)
                if n == 1:  # only the visible Hijri + Gregorian line: a day, no time
                    published = published[:10]
                    encoding, content_type = "iso8859_6", "text/html; charset=windows-1256"  # header contradicts meta
                    page = page.replace('<meta charset="utf-8">', '<meta charset="iso-8859-6">')
            elif style == "youm7":
                # the second page is UTF-8 behind a stale windows-1256 meta tag
                page, clutter = render_youm7(a, other, "utf-8" if n == 0 else "windows-1256")
            elif style == "hespress":
                page, clutter = render_hespress(a, other, "utf-8")
                if n == 1:  # windows-1256 bytes, labelled UTF-8 by header and meta
                    encoding, content_type = "cp1256", "text/html; charset=UTF-8"
            else:
                if n == 0:  # windows-1256 declared in the meta tag only
                    page, clutter = render_echorouk(a, other, "windows-1256")
                    encoding = "cp1256"
                else:  # ISO-8859-6 declared in the HTTP header only
                    page, clutter = render_echorouk(a, other, None)
                    encoding, content_type = "iso8859_6", "text/html; charset=ISO-8859-6"
            url = f"{prefix}{n + 1}"
            out.append(label(f"{style}-{n + 1}", style, None, url, tz, a["title"], published, a["paragraphs"],
                             clutter, page, encoding, content_type))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    rows = snapshot_pages(args.shared) + style_pages()
    shutil.rmtree(OUT / "pages", ignore_errors=True)
    (OUT / "pages").mkdir(parents=True)
    for row, data in rows:
        if data is not None:
            (OUT / row["file"]).write_bytes(data)
    with open(OUT / "labels.jsonl", "w", encoding="utf-8") as f:
        for row, _ in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} labelled pages to {OUT}")


if __name__ == "__main__":
    main()
