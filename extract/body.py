"""The article body: found first, protected, then the page's furniture removed around it.

    main_content(tree, ld) -> (element | None, evidence)
    remove_furniture(tree, hints, body) -> captions seen (to drop from the text later)

Class names lie ("font-16 …-articleBody", "entry-content no-share", "…-breaking-news" are article
bodies; ASP.NET wraps whole pages in a <form>), so a word in a class name is weak evidence and the
amount and density of text strong evidence: on the real pages of ../shared/corpus, dropping
every element with a furniture word in its class lost the article many times more often than bare
trafilatura does (BENCHMARKS.md). So:

1. the main content is located before any rule runs — `itemprop=articleBody`, the element holding
   JSON-LD's `articleBody`, the containers trafilatura itself looks for first (BODY_GUESSES), else
   the element whose own paragraphs hold the most text;
2. no rule removes it or any of its ancestors;
3. inside it, an element goes only when the block itself looks like clutter (mostly links, or short
   and a small share of the body), never for a class word alone; outside it, furniture goes unless
   it holds running text.
"""

from __future__ import annotations

import copy
import re

from lxml import etree

from extract.arabic import fold
from extract.clutter import STRUCTURAL_TAGS, TEXTLESS_TAGS, class_words, has_furniture_words, is_box_heading
from extract.hints import ExtractionHints
from extract.trafilatura_rules import BODY_GUESSES, PRUNING

# Containers of a picture and its caption or credit.
_IMAGE_WORDS = {"img", "image", "photo", "pic", "picture", "media", "thumbnail", "thumb", "gallery"}
_NEVER_DROPPED = ("body", "html", "main", "article")
_SENTENCE_END = re.compile(r"[.!?؟](?:\s|$)")


def text_of(el) -> str:
    return " ".join(el.text_content().split())


def _link_text(el) -> int:
    return sum(len(text_of(a)) for a in el.iter("a"))


def _link_density(el, text: str | None = None) -> float:
    text = text_of(el) if text is None else text
    return _link_text(el) / len(text) if text else 1.0


def holds_running_text(el) -> bool:
    """An element with real prose in it is a container, whatever its class says: several long
    paragraphs, or (bodies built with <br> or short paragraphs) plenty of text that is not links."""
    if sum(1 for p in el.iter("p") if len(p.text_content()) > 120) >= 3:
        return True
    text = text_of(el)
    return len(text) >= 600 and _link_density(el, text) < 0.35


# --- 1. where the article is ------------------------------------------------------------------


def _largest(elements, minimum: int = 200):
    best, best_len = None, minimum - 1
    for el in elements:
        size = len(el.text_content())
        if size > best_len:
            best, best_len = el, size
    return best


def _holding_json_ld_body(tree, ld: dict):
    """The element whose paragraphs carry the start of JSON-LD's articleBody."""
    body = ld.get("articleBody")
    if not isinstance(body, str) or len(body) < 200:
        return None
    probe = fold(" ".join(body.split())[:60])
    for p in tree.iter("p", "div"):
        own = fold(" ".join((p.text or "").split()))
        if len(own) >= 40 and (own[:60] in probe or probe[:40] in own):
            return p.getparent() if p.tag == "p" else p
    return None


def _paragraph_text(tree) -> tuple[dict, int]:
    """Characters of <p> text (and of <br>-separated lines) by parent element, and in all."""
    totals: dict = {}
    for p in tree.iter("p"):
        parent = p.getparent()
        if parent is not None:
            totals[parent] = totals.get(parent, 0) + len(p.text_content())
    lined = set()
    for br in tree.iter("br"):
        parent = br.getparent()
        if parent is not None and parent.tag != "p":
            if parent not in lined:  # the first line, before the first <br>
                lined.add(parent)
                totals[parent] = totals.get(parent, 0) + len((parent.text or "").strip())
            totals[parent] = totals.get(parent, 0) + len((br.tail or "").strip())
    return totals, sum(totals.values())


def _share(el, totals: dict, everything: int) -> float:
    """Share of the page's paragraph text that lies inside `el`."""
    inside = totals.get(el, 0) + sum(totals.get(d, 0) for d in el.iterdescendants())
    return inside / everything if everything else 0.0


def looks_like_comments(el) -> bool:
    """A readers' comment section: a "comment" class or id on it or above it, and several comments
    inside it. (One container merely named so, around an article, has no comments inside.)"""
    named = any("comment" in f"{a.get('class', '')} {a.get('id', '')}".lower() for a in (el, *el.iterancestors()))
    return named and len(_COMMENT_ITEMS(el)) >= 2


_COMMENT_ITEMS = etree.XPath(".//*[contains(@class, 'comment') or contains(@id, 'comment')]")


def _densest(tree, totals: dict, everything: int):
    """The element whose own paragraphs hold the most text, widened to the nearest ancestor that
    holds most of the page's paragraphs (an article split into several blocks); None when only
    the whole page does."""
    candidates = sorted((el for el in totals if totals[el] >= 200), key=totals.get, reverse=True)
    best = next((el for el in candidates if not looks_like_comments(el)), None)  # prose, but readers'
    if best is None:
        return None
    el = best
    while _share(el, totals, everything) < 0.6:
        el = el.getparent()
        if el is None or el.tag in ("body", "html"):
            return None
    return el


def main_content(tree, ld: dict) -> tuple[etree._Element | None, str | None]:
    """The element holding the article body and the evidence it was found by, strongest first:
    "itemprop", "json-ld", "trafilatura" (its own first guesses), "density"; "weak" for a guess
    of trafilatura's holding little of the page's paragraphs; (None, None)."""
    found = _largest(tree.xpath('//*[@itemprop="articleBody"]'))
    if found is not None:
        return found, "itemprop"
    found = _holding_json_ld_body(tree, ld)
    if found is not None:
        return found, "json-ld"
    totals, everything = _paragraph_text(tree)
    for xpath in BODY_GUESSES:  # trafilatura's own two strongest guesses: article-body classes, <article>
        try:
            candidates = xpath(tree)
        except etree.XPathError:
            continue
        found = _largest(candidates)
        if found is not None and holds_running_text(found):
            # a container holding a small part of the page's paragraphs (a question without its
            # answers, one block of several) is protected, but not trusted to be the whole article
            return found, "trafilatura" if _share(found, totals, everything) >= 0.3 else "weak"
    found = _densest(tree, totals, everything)
    return found, "density" if found is not None else None


_BLOCKS = ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "tr", "section", "article", "pre")


def pruned_by_trafilatura(tree, body) -> bool:
    """Whether trafilatura's own discard rules (class and id patterns such as "comment",
    "sidebar", "share"; "caption", which it prunes whenever images are not extracted, as here) hit
    the body or one of its ancestors: then it drops the article itself, and bare trafilatura's
    text of the page would bring the menu and the "read also" box back with it."""
    chain = {body, *body.iterancestors()}
    for xpath in PRUNING:
        try:
            if any(el in chain for el in xpath(tree)):
                return True
        except etree.XPathError:
            continue
    return False


def block_text(el) -> str:
    """The text of `el` with a line per block and per <br>: the protected body read directly, for
    a page where trafilatura's own pruning drops it (it removes every element whose class says
    "comment" when comments are not wanted, whatever that element holds)."""
    el = copy.deepcopy(el)
    for node in el.iter():
        if node.tag == "br" or node.tag in _BLOCKS:
            node.tail = "\n" + (node.tail or "")
        if node.tag in _BLOCKS:
            node.text = "\n" + (node.text or "")
    text = el.text_content().replace("\u00ad", "")  # soft hyphens: invisible, and they split words for search
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


# --- 2. and 3. furniture around it --------------------------------------------------------------


def _attached(el, root) -> bool:
    """Still in the document (not inside a subtree dropped earlier in the same pass)."""
    for ancestor in el.iterancestors():
        if ancestor is root:
            return True
    return False


def _unwrap_layout_tables(tree) -> None:
    """Tables that lay out a whole page (a cell of running text) become plain blocks, so the
    article is read as paragraphs rather than as a table row."""
    for table in tree.xpath("//table[.//td[string-length(normalize-space()) > 300]]"):
        for el in table.iter("table", "tbody", "thead", "tfoot", "tr", "td", "th"):
            el.tag = "div"


def _only_links(el) -> bool:
    """A paragraph or list item whose every word is link text: a teaser of another page."""
    text = text_of(el)
    return bool(text) and _link_text(el) >= len(text) - 3


def _mostly_links(box, heading) -> bool:
    """A box of links under a heading ("read also" and its teasers), not a part of the article
    that happens to contain such a heading."""
    rest = len(text_of(box)) - len(text_of(heading))
    linked = _link_text(box) - _link_text(heading)
    return rest <= 0 or linked >= 0.3 * rest


def _clutter_inside(el, body_length: int) -> bool:
    """Inside the article body an element goes only when the block itself is clutter: mostly
    links (a "read also" box, tags, share bar), or short and a small share of the body (a
    byline, a date line, a print/font-size bar)."""
    text = text_of(el)
    if not text:
        return True
    if _link_density(el, text) >= 0.5:
        return True
    return len(text) < 300 and len(text) < 0.15 * body_length


def remove_furniture(tree, hints: ExtractionHints, body) -> list[str]:
    """Drop furniture in place around the protected `body`; return the captions seen."""
    _unwrap_layout_tables(tree)
    protected = set() if body is None else {body, *body.iterancestors()}
    # a caption is a line or two; a "caption" class on a page-wide wrapper is not one
    captions = [text_of(el) for el in [*tree.iter("figcaption"), *tree.xpath('//*[contains(@class, "caption")]')]
                if el not in protected]
    captions = [c for c in captions if c and len(c) < 400 and len(_SENTENCE_END.findall(c)) < 3]  # 3: a lede
    body_length = len(text_of(body)) if body is not None else 0
    for selector in hints.remove:  # a site's own hints are taken at their word
        for el in tree.cssselect(selector):
            if _attached(el, tree) and el not in protected:
                el.drop_tree()
    # Decided top-down on the untouched tree, without descending into what is dropped, then
    # dropped: the same verdicts as dropping one by one in document order, without re-checking
    # for every element whether an ancestor went already.
    doomed: list = []
    stack = [tree]
    while stack:
        for el in reversed(stack.pop()):
            if isinstance(el.tag, str):
                if el not in protected and _furniture(el, body, body_length):
                    doomed.append(el)
                else:
                    stack.append(el)
    for el in doomed:
        el.drop_tree()
    _drop_boxes(tree, protected)
    return captions


def _within(el, body) -> bool:
    return body is not None and any(a is body for a in el.iterancestors())


def _furniture(el, body, body_length: int) -> bool:
    """Whether `el` is page furniture to drop (see the module doc for the rules)."""
    tag = el.tag.lower()
    if tag in _NEVER_DROPPED:
        return False
    if tag in TEXTLESS_TAGS:
        return True
    if tag == "form":  # a comment, search or newsletter form, not ASP.NET's around the whole page
        return not holds_running_text(el)
    classes, ident = el.get("class"), el.get("id")
    words = class_words(f"{classes or ''} {ident or ''}") if classes or ident else frozenset()
    if tag in STRUCTURAL_TAGS or has_furniture_words(words):
        return _clutter_inside(el, body_length) if _within(el, body) else not holds_running_text(el)
    if tag in ("p", "li") and _only_links(el):
        return True
    return not _IMAGE_WORDS.isdisjoint(words) and el.find(".//img") is not None and len(text_of(el)) < 200


_SHORT_BLOCKS = etree.XPath("//*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6 or self::strong "
                            "or self::b or self::span or self::div or self::p][string-length(.) < 200]")


def _drop_boxes(tree, protected: set) -> None:
    """"Read also" / "related" boxes found by their heading's words."""
    for el in _SHORT_BLOCKS(tree):  # a heading is short: libxml2 measures, so big blocks cost nothing here
        if el in protected or not _attached(el, tree) or not is_box_heading(text_of(el)):
            continue
        box = el.getparent()
        if box.getparent() is not None and box.getparent().tag in ("section", "aside") \
                and box.getparent() not in protected and not holds_running_text(box.getparent()):
            box = box.getparent()  # the whole region: its skip link and "end of" line too
        if box not in protected and box.tag not in _NEVER_DROPPED and not holds_running_text(box) \
                and len(text_of(box)) < 800 and _mostly_links(box, el):
            box.drop_tree()
        else:  # a heading inside the body: drop it and the link list right after it
            following = el.getnext()
            if following is not None and following.tag in ("ul", "ol") and following not in protected:
                following.drop_tree()
            el.drop_tree()
