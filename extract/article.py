"""Article extraction: a pure function of HTML (and its URL) to clean text and metadata.

    extract_article(html, url, hints=..., reference=..., tz=...) -> ExtractedArticle

Order of work, each step a small function:
1. metadata from what the page declares for machines (JSON-LD, Open Graph,
   article:* meta, <link rel=canonical>, <time datetime>), read before any
   cleaning;
2. the page's furniture removed by the generic rules in extract.clutter (and
   a site's optional hints);
3. trafilatura finds the article body in what is left;
4. stock-phrase paragraphs, the repeated title and photo captions dropped;
5. dates through extract.dates: machine-readable first, then the visible
   byline inside the article, never a header that shows today's date.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from urllib.parse import urljoin

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import use_config

from extract.arabic import fold, is_mostly_arabic
from extract.clutter import DROP_TAGS, class_words, is_box_heading, is_clutter_line, is_furniture
from extract.dates import ParsedDate, parse_date
from extract.hints import ExtractionHints

# trafilatura falls back to a one-line "baseline" text below 250 characters,
# which loses paragraph breaks on short news items: lower the threshold.
_TRAFILATURA_CONFIG = use_config()
_TRAFILATURA_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "50")

_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:«»]\s+")
_DATE_WORDS = {"date", "time", "published", "pubdate", "datetime", "timestamp"}
_HEADER_LIKE = re.compile(r"today|topbar|top-bar|header|site-date|current-date", re.I)
# Containers of a picture and its caption or credit.
_IMAGE_WORDS = {"img", "image", "photo", "pic", "picture", "media", "thumbnail", "thumb", "gallery"}


@dataclass
class ExtractedArticle:
    title: str | None
    text: str
    published: ParsedDate | None = None
    modified: ParsedDate | None = None
    author: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    canonical_url: str | None = None
    lang: str | None = None
    site_name: str | None = None

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.text.split("\n\n") if p]

    def content_hash(self) -> str:
        """Hash of what a reader sees: title and text, whitespace-insensitive."""
        return content_hash(self.title or "", self.text)

    def as_dict(self) -> dict:
        data = asdict(self)
        for key in ("published", "modified"):
            value: ParsedDate | None = getattr(self, key)
            data[key] = value.iso if value else None
            data[f"{key}_precision"] = value.precision if value else None
        return data


def content_hash(title: str, text: str) -> str:
    normalised = " ".join(title.split()) + "\n" + " ".join(text.split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


# --- 1. what the page declares -------------------------------------------------


def _json_ld(tree) -> dict:
    """The first NewsArticle/Article-like object in the page's JSON-LD."""
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                kind = item.get("@type")
                kinds = kind if isinstance(kind, list) else [kind]
                if any(isinstance(k, str) and k.endswith("Article") or k == "Report" for k in kinds):
                    return item
                stack.extend(item.get("@graph", []))
    return {}


def _meta(tree, *names: str) -> str | None:
    for name in names:
        values = tree.xpath(f'//meta[@property="{name}" or @name="{name}"]/@content')
        for value in values:
            if value and value.strip():
                return value.strip()
    return None


def _meta_all(tree, name: str) -> list[str]:
    return [v.strip() for v in tree.xpath(f'//meta[@property="{name}" or @name="{name}"]/@content') if v.strip()]


def _name_of(value) -> str | None:
    if isinstance(value, list):
        names = [n for n in (_name_of(v) for v in value) if n]
        return ", ".join(names) or None
    if isinstance(value, dict):
        return value.get("name")
    return value if isinstance(value, str) and value.strip() else None


def _text(el) -> str:
    return " ".join(el.text_content().split())


def _strip_site_name(title: str, site_names: list[str], hints: ExtractionHints) -> str:
    """The title without a trailing " | Site name" (or a short trailing segment
    when the site's name is unknown). The rest is kept exactly as published."""
    if hints.title_suffix and title.endswith(hints.title_suffix):
        title = title[: -len(hints.title_suffix)]
    folded_names = {fold(n) for n in site_names if n}
    while True:
        separators = list(_TITLE_SEPARATORS.finditer(title))
        if not separators:
            return title.strip()
        tail = title[separators[-1].end():].strip()
        if fold(tail) not in folded_names and (folded_names or len(tail) >= 25):
            return title.strip()
        title = title[: separators[-1].start()]


def _headline(tree, page_title: str | None):
    """The element that shows the headline: the first <h1>, or on pages without
    one (old table layouts), the first element whose text is a part of <title>."""
    h1 = tree.xpath("//h1")
    if h1:
        return h1[0]
    if not page_title:
        return None
    parts = {fold(part) for part in _TITLE_SEPARATORS.split(page_title) if len(part) > 10}
    body = tree.find("body")
    for el in (body if body is not None else tree).iter("font", "b", "strong", "h2", "h3", "div", "span", "td", "p"):
        if fold(_text(el)) in parts:
            return el
    return None


# Wire services and the words of a credit line: a byline naming one of them is a source, not a person.
_AGENCIES = re.compile(r"(?<!\w)(?:وكاله|وكالات|رويترز|فرانس برس|ا ف ب|اف ب|الاناضول|اسوشيتد برس|د ب ا|واع|واس|قنا|"
                       r"بترا|سانا|وام|كونا|المحرر|محرر|التحرير|reuters|afp|ap|staff)(?!\w)")
_LINKISH = re.compile(r"https?://|www\.|\.(?:com|net|org|png|jpe?g|svg)\b|@\w", re.I)


def _dateline(text: str, site_name: str | None) -> bool:
    """"إيلاف من بغداد", "بيروت - العربي الجديد", "بغداد - واع": where and from whom the
    story comes (the site itself or a wire service), not who wrote it."""
    folded = fold(text)
    if site_name and len(site_name) > 2 and fold(site_name) in folded:
        return True
    return _AGENCIES.search(folded) is not None


def _clean_author(value: str | None, site_name: str | None) -> str | None:
    """A person's name from a byline, or None: never a dateline, a URL or a logo."""
    if not value:
        return None
    value = " ".join(value.split()).strip(" -–—|:،,")
    for prefix in ("بقلم", "كتب", "كتبت", "تقرير", "By", "by"):
        if value.startswith(prefix + " ") or value.startswith(prefix + ":"):
            value = value[len(prefix) + 1:].strip(" :")
    if not 1 < len(value) < 80 or _LINKISH.search(value) or _dateline(value, site_name):
        return None
    return value


def _author(tree, ld: dict, site_name: str | None) -> str | None:
    """The author: JSON-LD, then author meta tags, then a byline element (its itemprop=name
    when it has one, so a logo or a profile link beside the name stays out)."""
    declared = [_name_of(ld.get("author")), _meta(tree, "author"), _meta(tree, "article:author")]
    for value in declared:
        if _clean_author(value, site_name):
            return _clean_author(value, site_name)
    bylines = tree.xpath('//*[@rel="author" or @itemprop="author" or contains(concat(" ", @class, " "), " author ")]')
    for el in bylines:
        named = el.xpath('.//*[@itemprop="name"]')
        author = _clean_author(_text(named[0]) if named else _text(el), site_name)
        if author:
            return author
    return None


# --- 2. furniture --------------------------------------------------------------


def _holds_article(el) -> bool:
    """An element with several long paragraphs is a container, whatever its class says."""
    long_paragraphs = sum(1 for p in el.iter("p") if len(p.text_content()) > 120)
    return long_paragraphs >= 3


def _attached(el, root) -> bool:
    """Still in the document (not inside a subtree dropped earlier in the same pass)."""
    for ancestor in el.iterancestors():
        if ancestor is root:
            return True
    return False


def _unwrap_layout_tables(tree) -> None:
    """Tables that lay out a whole page (a cell of running text) become plain
    blocks, so the article is read as paragraphs rather than as a table row."""
    for table in tree.xpath("//table[.//td[string-length(normalize-space()) > 300]]"):
        for el in table.iter("table", "tbody", "thead", "tfoot", "tr", "td", "th"):
            el.tag = "div"


def _only_links(el) -> bool:
    """A paragraph or list item whose every word is link text: a teaser of another page."""
    text = _text(el)
    linked = " ".join(_text(a) for a in el.iter("a"))
    return bool(text) and len(linked) >= len(text) - 3


def _mostly_links(box, heading) -> bool:
    """A box of links under a heading ("read also" and its teasers), not a part of
    the article that happens to contain such a heading."""
    rest = len(_text(box)) - len(_text(heading))
    linked = sum(len(_text(a)) for a in box.iter("a")) - sum(len(_text(a)) for a in heading.iter("a"))
    return rest <= 0 or linked >= 0.3 * rest


def _remove_furniture(tree, hints: ExtractionHints) -> list[str]:
    """Drop furniture in place; return the caption texts seen (to drop them from text later)."""
    _unwrap_layout_tables(tree)
    captions = [_text(el) for el in tree.iter("figcaption")]
    captions += [_text(el) for el in tree.xpath('//*[contains(@class, "caption")]')]
    for selector in hints.remove:
        for el in tree.cssselect(selector):
            if _attached(el, tree):
                el.drop_tree()
    for el in list(tree.iter()):
        if not isinstance(el.tag, str) or not _attached(el, tree):
            continue
        tag = el.tag.lower()
        if tag in ("body", "html", "main", "article"):
            continue
        words = class_words(f"{el.get('class', '')} {el.get('id', '')}")  # once per element: a hot loop
        if tag in DROP_TAGS or (is_furniture(tag, words) and not _holds_article(el)):
            el.drop_tree()
        elif tag in ("p", "li") and _only_links(el):
            el.drop_tree()
        elif not _IMAGE_WORDS.isdisjoint(words) and el.find(".//img") is not None \
                and len(_text(el)) < 200:
            el.drop_tree()
    for el in list(tree.iter("h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "span", "div", "p")):
        if not _attached(el, tree) or not is_box_heading(_text(el)):
            continue
        box = el.getparent()
        if box.getparent() is not None and box.getparent().tag in ("section", "aside") \
                and not _holds_article(box.getparent()):
            box = box.getparent()  # the whole region: its skip link and "end of" line too
        if box.tag not in ("body", "main", "article") and not _holds_article(box) and len(_text(box)) < 800 \
                and _mostly_links(box, el):
            box.drop_tree()
        else:  # a heading inside the body: drop it and the link list right after it
            following = el.getnext()
            if following is not None and following.tag in ("ul", "ol"):
                following.drop_tree()
            el.drop_tree()
    return [c for c in captions if c]


# --- 4. paragraphs ---------------------------------------------------------------


_DIGIT = re.compile(r"\d")


def _has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None


def _clean_paragraphs(text: str, title: str | None, captions: list[str]) -> list[str]:
    drop = {fold(c) for c in captions}
    if title:
        drop.add(fold(title))
    out: list[str] = []
    for line in text.splitlines():
        line = " ".join(line.split())
        if not line or is_clutter_line(line):
            continue
        folded = fold(line)
        if folded in drop or any(folded in c for c in drop if len(folded) > 15):
            continue
        if len(line) < 60 and _has_digit(line) and parse_date(line) is not None:
            continue  # a byline date left in the body: "05 جوان 2024 | 14:20"
        if out and fold(out[-1]) == folded:
            continue
        out.append(line)
    return out


# --- 5. dates ----------------------------------------------------------------------


def _in_site_header(el) -> bool:
    """Inside the site's header or top bar, whose date is "today", not the article's.
    An article's own header holds its headline; a site's header does not."""
    return any((a.tag in ("header", "nav") or _HEADER_LIKE.search(a.get("class", ""))) and not a.xpath(".//h1")
               for a in el.iterancestors())


def _visible_dates(tree, hints: ExtractionHints, headline) -> list[str]:
    """Texts that may show the publication date, best first: the site's hint,
    elements whose class says date/time, then short lines just after the title
    (where bylines sit on sites we have never seen)."""
    found: list[str] = []
    if hints.date_selector:
        found += [_text(el) for el in tree.cssselect(hints.date_selector)]
    for el in tree.xpath("//*[@class or @itemprop]"):
        marker = f"{el.get('class', '')} {el.get('itemprop', '')}"
        if not _DATE_WORDS.isdisjoint(class_words(marker)) and not _HEADER_LIKE.search(marker) \
                and not _in_site_header(el):
            found.append(_text(el))
    if headline is not None:
        for n, el in enumerate(headline.itersiblings()):
            if n >= 6:
                break
            text = _text(el)
            if 0 < len(text) < 80 and not _in_site_header(el):
                found.append(text)
    return [f for f in found if f and len(f) < 120]


def _first_date(candidates: list[str | None], reference, tz) -> ParsedDate | None:
    for candidate in candidates:
        if candidate:
            parsed = parse_date(candidate, reference, tz)
            if parsed is not None:
                return parsed
    return None


# --- the function ---------------------------------------------------------------


# Control characters lxml refuses in text (it raises when a subtree is dropped and texts are
# re-joined); they carry nothing a reader sees.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def parse_html(html: str | bytes) -> etree._Element | None:
    if isinstance(html, str):
        html = _CONTROL.sub("", html)
    try:
        tree = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    return tree if tree is not None and len(tree) else None


def extract_article(
    html: str,
    url: str | None = None,
    *,
    hints: ExtractionHints | None = None,
    reference: datetime | str | None = None,
    tz: str | None = None,
    feed_published: str | None = None,
) -> ExtractedArticle | None:
    """Clean article text and metadata from one page; None if there is no article.

    `reference` is the instant relative dates on the page are read against
    (the fetch time); `tz` the site's zone; `feed_published` a date the feed
    or sitemap gave for this URL, used when the page declares none itself.
    """
    hints = hints or ExtractionHints()
    tree = parse_html(html)
    if tree is None:
        return None
    ld = _json_ld(tree)
    site_name = _meta(tree, "og:site_name") or _name_of(ld.get("publisher"))
    page_title = " ".join((tree.findtext(".//title") or "").split()) or None
    headline = _headline(tree, page_title)
    raw_title = (ld.get("headline") if isinstance(ld.get("headline"), str) else None) or _meta(tree, "og:title")
    raw_title = raw_title or (_text(headline) if headline is not None else page_title)
    title = _strip_site_name(" ".join(raw_title.split()), [site_name or ""], hints) if raw_title else None

    canonical = tree.xpath('//link[@rel="canonical"]/@href') or [_meta(tree, "og:url")]
    canonical_url = urljoin(url or "", canonical[0]) if canonical and canonical[0] else None
    image = _meta(tree, "og:image")
    if not image and isinstance(ld.get("image"), str | dict):
        image = ld["image"] if isinstance(ld["image"], str) else ld["image"].get("url")
    section = (_meta(tree, "article:section") or (ld.get("articleSection") if isinstance(
        ld.get("articleSection"), str) else None))
    tags = _meta_all(tree, "article:tag")
    if not tags and isinstance(ld.get("keywords"), str):
        tags = [t.strip() for t in ld["keywords"].split(",") if t.strip()]
    elif not tags and isinstance(ld.get("keywords"), list):
        tags = [str(t) for t in ld["keywords"]]
    if not tags:
        tags = [_text(a) for a in tree.xpath('//a[@rel="tag"]') if _text(a)]
    if not section:
        cats = tree.xpath('//*[contains(@class, "post-cat") or contains(@class, "category")]//a')
        section = _text(cats[0]) if cats else None
    author = _author(tree, ld, site_name)
    lang = tree.get("lang") or _meta(tree, "og:locale")

    machine_published = [ld.get("datePublished"), _meta(tree, "article:published_time", "datePublished",
                                                           "pubdate", "publishdate")]
    machine_published += tree.xpath("//article//time/@datetime | //main//time/@datetime")
    machine_modified = [ld.get("dateModified"), _meta(tree, "article:modified_time", "dateModified")]
    visible = _visible_dates(tree, hints, headline)

    published = _first_date([*machine_published, feed_published], reference, tz)
    if published is None:
        published = _first_date(visible, reference, tz)
    modified = _first_date(machine_modified, reference, tz)

    captions = _remove_furniture(tree, hints)
    body = trafilatura.extract(tree, url=url, include_comments=False, include_tables=True,
                               include_images=False, include_links=False, favor_recall=True,
                               deduplicate=False, with_metadata=False, output_format="txt",
                               config=_TRAFILATURA_CONFIG)
    paragraphs = _clean_paragraphs(body or "", title, captions)
    if not paragraphs and not title:
        return None
    text = "\n\n".join(paragraphs)
    if not lang and is_mostly_arabic(text):
        lang = "ar"
    return ExtractedArticle(
        title=title, text=text, published=published, modified=modified,
        author=author, section=section, tags=tags, image=image, canonical_url=canonical_url,
        lang=lang, site_name=site_name,
    )
