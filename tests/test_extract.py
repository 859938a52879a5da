"""Extraction as a pure function of HTML: no crawl needed."""

from pathlib import Path

import pytest

from extract.article import extract_article
from monitor.config import load_sites
from tests.conftest import CLUTTER

SNAPSHOTS = Path(__file__).resolve().parents[1] / "seeds" / "snapshots"
SITES = load_sites()
REF = "2026-11-23T12:00:00+00:00"

# The seed pages: first and last body paragraph (from ../shared/seeds) and the expected date.
SEEDS = {
    "ina/111563--.html": ("بغداد – واع", "يشار الى ان رئيس الوزراء", "2020-08-22T20:18:00+03:00"),
    "alaraby/politics/الكاظمي-من-البصرة-لا-مكان-للخائفين-بالأجهزة-الأمنية":
        ("أجرى رئيس الوزراء العراقي", "وقال علي ثاني", "2020-08-23T09:12:00+01:00"),
    "kitabat/2021/01/22/رداً-على-تفجيري-بغداد-الكاظمي-يحمل-القيادات/index.html":
        ("حمل رئيس الوزراء العراقي", "وأدانت عدة جهات محلية", "2021-01-22T14:05:00+03:00"),
    "okaz/archives/52871": ("اعتبر القائد العام", "و تأتي هذه التصريحات", "2020-12-30T13:20:00+03:00"),
    "elaph/Web/News/2022/04/1470123.html": ("فيما دعا الكاظمي", "وطالب القادة الامنيين",
                                            "2022-04-06T16:40:00+01:00"),
}


def extract(relative: str, hints=True):
    site = SITES[relative.split("/")[0]]
    html = (SNAPSHOTS / relative).read_text(encoding="utf-8")
    return extract_article(html, site.base_url + "/" + relative.split("/", 1)[1],
                           hints=site.hints if hints else None, reference=REF, tz=site.timezone)


@pytest.mark.parametrize("relative", SEEDS)
@pytest.mark.parametrize("hints", [True, False], ids=["with-hints", "generic-rules-only"])
def test_seed_pages_come_out_whole_and_clean(relative, hints):
    first, last, published = SEEDS[relative]
    article = extract(relative, hints)
    paragraphs = article.paragraphs
    assert paragraphs[0].startswith(first)
    assert paragraphs[-1].startswith(last)
    assert not [c for c in CLUTTER if c in article.text]
    assert article.title and article.title not in article.text  # the title is not repeated in the body
    assert not article.title.endswith(("وكالة الأنباء العراقية", "العربي الجديد", "إيلاف", "كتابات"))
    if hints or relative.split("/")[0] not in ("ina", "elaph"):  # those two print dates only for people
        assert article.published.iso == published


def test_generic_rules_still_find_visible_dates_of_ina_and_elaph():
    # Without the date_selector hint the generic byline search still finds the date, and never
    # the header's "today" date (1 June 2023).
    assert extract("ina/111563--.html", hints=False).published.iso == "2020-08-22T20:18:00+03:00"
    assert extract("elaph/Web/News/2022/04/1470123.html", hints=False).published.iso == "2022-04-06T16:40:00+01:00"


def test_subheadings_are_kept_and_captions_dropped():
    article = extract("elaph/Web/News/2022/04/1470123.html")
    assert "الابتعاد عن الطائفية والمذهبية والمناطقية" in article.paragraphs
    assert "عبور الأزمات" in article.paragraphs
    assert "(مكتبه)" not in article.text and "بضرورة تنفيذ عمليات استباقية" not in article.text


def test_metadata():
    article = extract("okaz/archives/52871")
    assert article.section == "سياسة" and article.tags == ["الكاظمي"]
    assert article.canonical_url == "https://soukukkaz.com/archives/52871"
    assert article.lang == "ar"
    araby = extract("alaraby/politics/الكاظمي-من-البصرة-لا-مكان-للخائفين-بالأجهزة-الأمنية")
    assert araby.author is None and araby.section == "سياسة"  # "بغداد - العربي الجديد" is a dateline


UNSEEN = """<!doctype html><html lang="ar"><head><meta charset="utf-8">
<title>ارتفاع منسوب دجلة في بغداد — موقع الخبر</title><meta property="og:site_name" content="موقع الخبر"></head>
<body><div class="topbar"><span>الأحد 5 مايو 2024</span></div>
<div class="crumbs"><a href="/">الرئيسية</a> › محليات</div>
<div class="story"><h1>ارتفاع منسوب دجلة في بغداد</h1>
<div class="story-info">نشر في: ٢ آذار ٢٠٢٤ - ٠٩:١٥ صباحاً</div>
<p>أعلنت وزارة الموارد المائية ارتفاع منسوب نهر دجلة في بغداد بعد موجة الأمطار الأخيرة التي شهدتها المحافظات الشمالية.</p>
<p><b>اقرأ أيضاً:</b> <a href="/x">أمطار غزيرة في أربيل</a></p>
<p>وقال المتحدث باسم الوزارة إن الفرق الفنية تتابع الموقف على مدار الساعة وإن السدود قادرة على استيعاب الكميات الواردة.</p>
<p>تابعونا على تلغرام لمزيد من الأخبار</p>
<p>ودعت الوزارة المواطنين إلى الابتعاد عن ضفاف النهر خلال الأيام المقبلة حفاظاً على سلامتهم.</p>
<div><h3>أخبار ذات صلة</h3><ul><li><a href="/1">خبر أول عن السدود</a></li><li><a href="/2">خبر ثان</a></li></ul></div>
</div><div id="disqus_thread"><h3>اترك تعليقاً</h3></div></body></html>"""


def test_a_site_we_have_never_seen_comes_out_clean_without_hints():
    article = extract_article(UNSEEN, "https://news.example/a/1", reference=REF, tz="Asia/Baghdad")
    assert article.title == "ارتفاع منسوب دجلة في بغداد"
    assert len(article.paragraphs) == 3
    assert all(p.startswith(("أعلنت", "وقال", "ودعت")) for p in article.paragraphs)
    assert article.published.iso == "2024-03-02T09:15:00+03:00"  # the byline, not the top bar's today


@pytest.mark.parametrize("html", ["", "   ", "<html></html>", "\x00\x01binary", "<p>قصير</p>"])
def test_pages_with_no_article_give_none_or_empty_never_raise(html):
    article = extract_article(html, "https://news.example/x")
    assert article is None or not article.text or len(article.text) < 20


def test_title_keeps_its_own_separators_when_the_site_name_is_cut():
    html = ('<html><head><title>العراق | الكويت - مباحثات الحدود | إيلاف</title>'
            '<meta property="og:site_name" content="إيلاف"></head><body><p>نص</p></body></html>')
    assert extract_article(html, "https://elaph.com/x").title == "العراق | الكويت - مباحثات الحدود"


# Another style no fixture uses: camelCase classes, a cookie banner, an author box, teaser paragraphs
# that are nothing but a link, a "more" line, and the date in an unmarked line under the headline.
UNSEEN_2 = """<!doctype html><html><head><meta charset="utf-8"><title>موقع النبأ - افتتاح معرض الكتاب في عمّان</title>
</head><body><div class="cookieNotice">نستخدم ملفات تعريف الارتباط لتحسين تجربتك. موافق</div>
<div class="siteTop"><span>السبت 1 حزيران 2024</span> | <a href="/">الرئيسية</a> | <a href="/c">ثقافة</a> | <a href="/s">رياضة</a></div>
<div class="mainCol"><h1>افتتاح معرض الكتاب في عمّان</h1><div>الأربعاء 25 أيلول 2024 - 11:40</div>
<div class="storyText">
<p>افتتح معرض عمّان الدولي للكتاب دورته الجديدة بمشاركة أكثر من ثلاثمئة دار نشر من عشرين دولة عربية وأجنبية.</p>
<p><a href="/news/88">وزير الثقافة يلتقي وفد اتحاد الناشرين العرب</a></p>
<p>وقال رئيس اتحاد الناشرين الأردنيين إن المعرض يضم هذا العام جناحا خاصا لكتب الأطفال وبرنامجا ثقافيا يوميا.</p>
<p>للمزيد من أخبار الثقافة اضغط هنا</p>
<p>ويستمر المعرض عشرة أيام، ويفتح أبوابه للزوار من العاشرة صباحا حتى العاشرة مساء.</p>
</div><div class="authorBox"><img src="/a.jpg"><span>محرر الشؤون الثقافية</span></div>
<div class="shareTools"><a>فيسبوك</a> <a>إكس</a></div></div></body></html>"""


def test_another_unseen_style_comes_out_clean_without_hints():
    article = extract_article(UNSEEN_2, "https://nabaa.example/n/1", reference=REF, tz="Asia/Amman")
    assert article.title == "افتتاح معرض الكتاب في عمّان"
    assert [p[:8] for p in article.paragraphs] == ["افتتح مع", "وقال رئي", "ويستمر ا"]
    assert article.published.iso == "2024-09-25T11:40:00+03:00"
    assert article.lang == "ar"


@pytest.mark.parametrize("byline, site_name, author", [
    ("إيلاف من بغداد", "إيلاف", None),  # the site and a place: a dateline
    ("بيروت - العربي الجديد", "العربي الجديد", None),
    ("بغداد - واع", "وكالة الأنباء العراقية", None),  # a wire service
    ("الرباط - فرانس برس", None, None),
    ("https://twitter.com/someone", None, None),  # a profile link
    ("بقلم: محمد علي", "العربي الجديد", "محمد علي"),
    ("محمد علي - بغداد", "العربي الجديد", "محمد علي - بغداد"),  # a person (and where they write from)
    ("Jane Doe", "The Paper", "Jane Doe"),
])
def test_a_dateline_or_a_link_is_not_an_author(byline, site_name, author):
    from extract.article import _clean_author

    assert _clean_author(byline, site_name) == author


def test_metadata_families_seen_wrong_on_real_pages():
    body = "".join(f"<p>{'فقرة من نص الخبر الكامل تروي ما جرى في المدينة أمس بالتفصيل. ' * 4}{n}</p>" for n in range(3))
    html = ('<html><head><title>المدينة نيوز - وزير الخارجية يزور عمّان</title>'
            '<meta property="og:site_name" content="المدينة نيوز">'
            '<meta property="article:tag" content="الأردن, السياسة، الأردن"><meta property="article:tag" content="عمان">'
            '</head><body><h1>وزير الخارجية يزور عمّان</h1>'
            '<div itemprop="author"><img src="https://cdn.example/logo.png"><span itemprop="name">سارة أحمد</span>'
            '<a href="https://twitter.com/sara">@sara</a></div>'
            f'<article>{body}<p>Author, Sara Ahmad</p><p>Role, BBC News Arabic</p>'
            '<p>© 2013 Cable News Network. Turner Broadcasting System, Inc. All Rights Reserved.</p></article>'
            '</body></html>')
    article = extract_article(html, "https://almadenahnews.example/a/1")
    assert article.title == "وزير الخارجية يزور عمّان"  # the site name as a prefix goes
    assert article.author == "سارة أحمد"  # the byline's name, not its logo URL or profile link
    assert article.tags == ["الأردن", "السياسة", "عمان"]  # split on both commas, each once
    assert "Author," not in article.text and "Role," not in article.text and "©" not in article.text
    social = html.replace('<span itemprop="name">سارة أحمد</span>', "").replace(
        '<div itemprop="author">', '<meta name="author" content="https://www.facebook.com/almadenah"><div>')
    assert extract_article(social, "https://almadenahnews.example/a/1").author is None


def test_zero_width_joiners_of_persian_and_urdu_text_are_kept():
    text = "می‌خواهم این را بگویم که کتاب‌ها در کتابخانه‌ها هستند و ما آنها را می‌خوانیم. " * 5
    html = f"<html lang='fa'><head><title>خبر</title></head><body><h1>عنوان خبر</h1><p>{text}</p></body></html>"
    article = extract_article(html, "https://fa.example/a")
    assert "می\u200cخواهم" in article.text and article.text.count("\u200c") == text.count("\u200c")


def test_a_page_with_comments_and_an_xml_declaration_extracts():
    html = ('<?xml version="1.0" encoding="UTF-8"?><html><body><h1>عنوان</h1><!-- top --><div class="entry-content">'
            '<p>نص <!-- inline --> الخبر الأول الذي يروي تفاصيل ما جرى في المدينة أمس بكل دقة ووضوح.</p>'
            + "<p>فقرة ثانية تكمل الخبر وتذكر الأرقام التي أعلنتها الوزارة في بيانها الرسمي.</p>" * 3
            + "<!-- end --></div></body></html>")
    article = extract_article(html, "https://news.example/a")
    assert article.rules_error is None
    assert "نص الخبر الأول الذي يروي" in article.text  # the text after an inline comment stays


def test_a_timed_local_byline_is_not_overruled_by_a_utc_marker_one_day_off():
    # an Egyptian page published just after local midnight, with a UTC timestamp in a meta tag only
    # htmldate reads: the byline's local day stands (trafilatura gives the day before here)
    body = "".join(f"<p>{'نص الخبر الذي نشر بعد منتصف الليل بتوقيت القاهرة وفيه تفاصيل كثيرة. ' * 3}{n}</p>" for n in range(3))
    html = ('<html><head><title>خبر</title><meta name="date" content="2021-03-03T22:30:00Z"></head><body>'
            f'<h1>قرار جديد من الحكومة</h1><div class="date">الخميس 4 مارس 2021 - 00:30</div><article>{body}</article>'
            "</body></html>")
    article = extract_article(html, "https://news.example/a", reference="2021-03-05T00:00:00+00:00", tz="Africa/Cairo")
    assert article.published.iso == "2021-03-04T00:30:00+02:00"
