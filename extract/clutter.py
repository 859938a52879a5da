"""Generic rules for the clutter Arabic news pages wrap around an article.

Two layers, both site-independent:
- structural: elements whose tag, class, id or role marks them as page
  furniture (navigation, tickers, share bars, related-story boxes, comment
  forms, captions) are dropped from the HTML before trafilatura reads it;
- textual: paragraphs trafilatura still returns are dropped when they are
  one of the stock phrases these sites use ("اقرأ أيضاً", "اترك رد", ...),
  matched after Arabic folding so hamza and taa-marbuta spellings all match.

Per-site hints (sites.toml) only add to these; a page must come out clean
without them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from extract.arabic import fold

# Tags that never hold article text: always dropped.
TEXTLESS_TAGS = ("button", "select", "noscript", "iframe", "svg", "textarea", "input", "object", "embed")
# Tags of page regions that are furniture unless they hold running text (extract.body decides).
# <form> is in neither: ASP.NET pages wrap the whole document in one.
STRUCTURAL_TAGS = ("nav", "header", "footer", "aside", "figure", "figcaption")

# class/id fragments of furniture. Matched against the lower-cased class and id
# attributes as whole hyphen/underscore-delimited words.
DROP_CLASS_WORDS = (
    "breadcrumb", "breadcrumbs", "ticker", "breaking", "marquee", "latest", "share", "sharing", "social",
    "related", "read-also", "readalso", "see-also", "also", "more-news", "most-read", "popular", "trending",
    "comment", "comments", "respond", "reply", "newsletter", "subscribe", "telegram", "whatsapp", "promo",
    "advert", "ads", "ad", "banner", "sponsored", "tags", "post-tags", "tag-list", "caption", "wp-caption-text",
    "credit", "credits", "photo-credit", "font-size", "font", "print", "back", "back-link", "go-to-top",
    "to-top", "scroll-top", "author-box", "post-cat", "post-cat-wrap", "category", "categories", "meta",
    "post-meta", "entry-meta", "byline", "date", "time", "today", "topbar", "top-bar", "menu", "sidebar",
    "widget", "source", "news-source", "news-date", "article-date", "pagination", "next", "prev", "logo",
    "cookie", "cookies", "consent", "gdpr",
)
# The furniture that lists other stories (and the dates of other stories): a date inside it is
# not the article's.
OTHER_STORIES_CLASS_WORDS = frozenset({"ticker", "breaking", "marquee", "latest", "related", "read-also",
                                       "readalso", "see-also", "more-news", "most-read", "popular", "trending",
                                       "sidebar", "widget"})
_CLASS_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_BOX_HEADINGS = re.compile(
    r"^\s*(?:(?:اقرا|شاهد|طالع) (?:ايضا|المزيد|كذلك)|(?:اخبار|مواضيع|مقالات|قصص) (?:ذات صله|متعلقه|مشابهه|مقترحه)"
    r"|ذات صله|قصص مقترحه|(?:اخر|احدث) الاخبار|الاكثر (?:قراءه|مشاهده)|المزيد (?:في|من) .{1,30}|عاجل"
    r"|(?:اترك|اضف|اكتب) (?:ردا?|تعليقا?|تعليقك)|تعليقات (?:الزوار|القراء))"
    r"[\s:.…]*$"
)

# Whole paragraphs that are stock furniture, as regular expressions over folded
# text (extract.arabic.fold): so "على" is written "علي", "صلة" "صله".
_PHRASES = [
    r"اقرا (ايضا|كذلك)\b.*",
    r"(شاهد|طالع|اقرا) (ايضا|المزيد)\b.*",
    r"(اخبار|مواضيع|مقالات) (ذات صله|متعلقه|مشابهه)",
    r"ليصلك (المزيد|كل جديد)\b.*",
    r"(تابعونا|تابعوا|تابعنا) (علي|عبر|في)\b.*",
    # "تابعوا آخر الأخبار العاجلة على قناتنا في تلغرام": a follow line naming the channel's app
    r"(تابعونا|تابعوا|تابعنا|اشتركوا|انضموا)\b.{0,80}\b(ال)?(تلغرام|تلجرام|تليجرام|تيليجرام|تليكرام|تيلقرام|telegram)\b.{0,20}",
    r"(اشترك|اشتركوا|انضم|انضموا) (في|ب|الى)?\s*(قناتنا|قناه|صفحتنا|مجموعتنا)\b.*",
    r"العوده (للخلف|الى الخلف|للاعلي|الى الاعلي)",
    r"زر الذهاب الى الاعلي",
    r"(اترك|اضف|اكتب) (ردا?|تعليقا?|تعليقك)",
    r"لن يتم نشر (عنوان )?بريدك الالكتروني\.?.*",
    r"الحقول الالزاميه مشار اليها.*",
    r"(اخر|احدث) الاخبار",
    r"(قصص|مواضيع) (مقترحه|ذات صله)",
    r"(نهايه|تخطي|تخطي الي) (قصص مقترحه|المحتوي|الاعلان)\b.*",
    r"(لمزيد|للمزيد|المزيد) من .{1,40}(اضغط|انقر) هنا.*",
    r"(اضغط|انقر) هنا\b.{0,40}",
    r"(حمل|نزل|قم بتحميل) تطبيق\b.*",
    r"(اعلان|إعلان|advertisement|sponsored)",
    r"(طباعه|ارسل لصديق|ارسال لصديق|ارسل الي صديق)",
    r"عدد (القراءات|المشاهدات|الزيارات)\s*:?\s*[\d,]*",
    r"(صدر الصوره|مصدر الصوره|التعليق علي الصوره)\s*[،,:]?.*",
    r"الاكثر (قراءه|مشاهده|تداولا)",
    r"\+?\s*الخط\s*-?",
    r"(مشاركه|شارك|شاركوا)\s*(الخبر|المقال|هذا)?\s*:?.*(فيسبوك|تويتر|واتساب|facebook|twitter).*",
    r"(فيسبوك|تويتر|واتساب|تيلقرام|تلغرام|طباعه|\s)+",
    r"المصدر\s*:\s*(https?://\S+|.{1,40})",
    r"الرئيسيه\s*[/›»>].*",
    r"(جميع )?الحقوق محفوظه.*",
    r"(صوره|الصوره|تصوير)\s*:.*",
    r"\(?(getty|afp|reuters|ap|epa|الاناضول|فرانس برس|رويترز|مواقع التواصل)\)?",
    # BBC's byline block ("Author, …", "Role, …") and its Arabic form, as lines of their own
    r"(author|role|الكاتب|المؤلف|صفة الكاتب|المنصب)\s*[,،:]\s*.{1,60}",
    # a copyright line, in Latin script too: "© 2013 Cable News Network. All Rights Reserved."
    r"(©|\(c\)|copyright\s*(©|\d{4}))\s*(\d{4})?.{0,150}",
    r".{0,100}all rights reserved\.?",
]
_PHRASE_RE = re.compile(r"^\s*(?:" + "|".join(_PHRASES) + r")\s*$", re.IGNORECASE)
# Dates, counters and lone punctuation left over from bylines and widgets.
_JUNK_LINE = re.compile(r"^[\s\d:/.,،\-–|()+*#…]*$")
# A line of several short items between separators is a menu or a link bar.
_BAR_SEPARATORS = re.compile(r"\s+[|•·»]\s+|\s+\\\|\s+")


@lru_cache(maxsize=4096)
def class_words(classes: str) -> frozenset[str]:
    """The words of class/id attributes, lower-cased: "news-date adsCont" gives
    news-date, news, date, adscont, ads, cont. Cached: a page repeats a few class strings on
    thousands of elements."""
    words = set()
    for token in _CLASS_TOKEN.findall(classes):
        words.add(token.lower())
        words.update(w.lower() for w in re.split(r"[-_]", _CAMEL.sub("-", token)) if w)
    return frozenset(words)


def has_furniture_words(words: frozenset[str]) -> bool:
    """True when an element's class/id words (class_words) name page furniture: weak evidence,
    weighed against the element's text by extract.body."""
    return not words.isdisjoint(DROP_CLASS_WORDS)


def is_box_heading(text: str) -> bool:
    """True for the heading of a furniture box: "شاهد أيضاً", "أخبار ذات صلة", ..."""
    return len(text) < 60 and bool(_BOX_HEADINGS.match(fold(text)))


def is_clutter_line(line: str) -> bool:
    """True for a paragraph that is stock furniture rather than article text."""
    if _JUNK_LINE.match(line):
        return True  # also a table's "|---|---|" rule
    if line.startswith("|") and line.endswith("|"):
        # a table row, as trafilatura writes them: data in the article, not a link bar, unless
        # every cell is a stock phrase ("| فيسبوك | تويتر |")
        cells = [c.strip() for c in line.strip("|").split("|") if c.strip()]
        return bool(cells) and all(_PHRASE_RE.match(fold(c)) for c in cells)
    folded = fold(line)
    if _PHRASE_RE.match(folded):
        return True
    parts = [p for p in _BAR_SEPARATORS.split(folded) if p.strip()]
    if len(parts) < 2:
        return False
    # "العودة للخلف | طباعة | أرسل لصديق", "الرئيسية | وطني | اقتصاد | دولي"
    return all(_PHRASE_RE.match(p) or _JUNK_LINE.match(p) for p in parts) or (
        len(parts) >= 3 and all(len(p.split()) <= 3 for p in parts))
