"""A listing page read as its editors laid it out: the article links it shows, in order, each with
the headline shown for it (its teaser), its position on the page and in its block.

    read_listing(root, page_url, resolve) -> tuple[Placement, ...]

`root` is the page's parsed tree (lxml.html; the crawl hands over the one Scrapy parsed), `page_url`
the address it was fetched from (a <base href> wins over it), `resolve` the caller's judgement of a
link: the public, canonical URL of the article it leads to, or None for anything that is not an
article of the site (a section, a tag, an author, another site). Pure: no clock, no I/O, no site list.

Written here because no maintained library reads a news home page into blocks: readability,
trafilatura and goose find one article's body, and boilerplate segmenters drop link lists, which
are what a home page is made of. What is recognised, and how:

- never a placement: a link inside <nav> or <footer>, an element whose role is navigation,
  contentinfo, menu, menubar or search, or whose class or id says menu, nav, navbar, navigation,
  footer, breadcrumb, pagination, pager, social, share, copyright or dropdown; a list shaped like a
  menu (five items or more, four in five of them one or two words); a link whose text is no
  headline (fewer than two words with letters: «المزيد», «فيديو», a slide's number); a link with
  neither text nor a title (an image: the card's text link carries its teaser).
- ticker: a <marquee>, an element whose class or id says ticker, marquee, breaking or urgent, or a
  block labelled «عاجل» or «شريط الأخبار».
- ranking: a "most read / most commented" box: class or id words (most read, most viewed, popular,
  trending), or its heading or tab label «الأكثر ...» ("most ...").
- lead: the first slider, slideshow, carousel, hero, featured or "main news" / "top story" element
  (class or id words) holding article links; on a page with none, its first block that is neither a
  ticker nor a ranking.
- tab panes: the element a tab link points at (data-toggle="tab", role="tab"), named by the tab.
- headed blocks: the links after a heading (h1-h6, or an element whose class says title, heading or
  section name, linking to no article but by a name of three words at most) inside the heading's
  container, named by the heading («سياسة», «تحقيقات و ملفات»); a "more" link's words are not part
  of the name, and a card's own headline (an element of the same tag and class as the next card)
  heads nothing.
- any other list: the element holding several article cards (a card: the largest element around a
  link that leads to one article only), named by its id or class.
A block's articles are numbered in page order, each once, with its best teaser (a link's own text
before a title attribute); blocks in the order they start on the page, positions running on
across them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin

from extract.arabic import search_text
from extract.model import Placement

Resolve = Callable[[str], "str | None"]

_SKIP_TAGS = frozenset({"nav", "footer", "script", "style", "noscript", "template", "svg", "select", "button",
                        "iframe", "object", "head"})
_SKIP_ROLES = frozenset({"navigation", "contentinfo", "menu", "menubar", "search"})
_SKIP_WORDS = frozenset({"menu", "nav", "navbar", "navigation", "footer", "breadcrumb", "breadcrumbs", "pagination",
                         "pager", "social", "share", "sharing", "copyright", "dropdown", "submenu", "mainmenu"})
_TICKER_WORDS = frozenset({"ticker", "marquee", "breaking", "urgent", "newsticker", "breakingnews", "newsbar"})
_RANKING_WORDS = frozenset({"popular", "trending", "mostread", "mostviewed", "mostcommented", "mostpopular",
                            "mostshared", "mostvisited"})
_LEAD_WORDS = frozenset({"slider", "slideshow", "carousel", "hero", "featured", "spotlight", "mainnews",
                         "mainstory", "topstory", "topstories", "leadstory"})
_HEADING_WORDS = frozenset({"title", "heading", "sectionname"})
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_MORE = frozenset({"المزيد", "مزيد", "الكل", "more", "all"})
_TICKER_LABELS = frozenset({"عاجل", "شريط اخبار", "شريط عاجل", "breaking", "breaking news", "ticker"})
KIND_NAMES = {"lead": "lead", "ticker": "ticker", "ranking": "most read"}  # a block without a label

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_SEPARATORS = " -–—|•·"  # what a ticker puts between its items (stripped at a teaser's ends)


def read_listing(root, page_url: str, resolve: Resolve) -> tuple[Placement, ...]:
    """The placements of a listing page (see the module's doc for what is one)."""
    return _Reader(root, page_url, resolve).read()


def _marks(el) -> frozenset[str]:
    """The words of an element's class and id (camelCase and dashes split, lower case), and each two
    neighbours joined: "BigImageSlider" -> big, image, slider, bigimage, imageslider."""
    words = [w.lower() for w in _WORD.findall(f"{el.get('class') or ''} {el.get('id') or ''}")]
    return frozenset(words) | frozenset(a + b for a, b in zip(words, words[1:], strict=False))


def _text(el) -> str:
    return " ".join("".join(el.itertext()).split())


def _words_with_letters(text: str) -> int:
    return sum(1 for word in text.split() if any(c.isalpha() for c in word))


def _label_kind(label: str) -> str | None:
    """What a block's label says it is: a ranking («الأكثر قراءة», "most read"), a ticker («عاجل»)."""
    folded, lowered = search_text(label), label.lower()
    if folded.startswith("اكثر ") or lowered.startswith("most ") or lowered in ("popular", "trending"):
        return "ranking"
    if folded in _TICKER_LABELS or lowered in _TICKER_LABELS:
        return "ticker"
    return None


@dataclass
class _Block:
    container: object
    kind: str  # lead (a hint until the page is read), ticker, ranking, list
    label: str | None
    first: int = -1  # page order of its first placement
    entries: dict = field(default_factory=dict)  # url -> [teaser, quality, page order]


class _Reader:
    def __init__(self, root, page_url: str, resolve: Resolve):
        self.root, self.resolve = root, resolve
        self.base = page_url
        for base in root.iter("base"):
            if base.get("href"):
                try:
                    self.base = urljoin(page_url, base.get("href").strip())
                except ValueError:
                    pass
                break
        self.order: dict = {}
        self.ids: dict[str, object] = {}
        for n, el in enumerate(root.iter()):
            if isinstance(el.tag, str):
                self.order[el] = n
                if el.get("id"):
                    self.ids.setdefault(el.get("id"), el)
        self.skipped_memo: dict = {}
        self.special_memo: dict = {}
        self.heading_memo: dict = {}
        self.inner_heading_memo: dict = {}
        self.blocks: dict = {}  # container -> _Block
        self.labels: set = set()  # the headings that name a block: their own links are no placements
        self.under: dict = {}  # element -> the article URLs linked below it
        self.tabs = self._tab_labels()

    # --- which links --------------------------------------------------------------------

    def _links(self):
        """(link element, article URL) of every article link outside navigation, in page order."""
        for a in self.root.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
                continue
            try:
                url = self.resolve(urljoin(self.base, href))
            except ValueError:  # an address urljoin cannot read ("http://[::1")
                continue
            if url is None or self._skipped(a):
                continue
            yield a, url

    def _skipped(self, el) -> bool:
        """Inside navigation, a footer, a menu (memoised up the tree)."""
        path, node, result = [], el, False
        while node is not None:
            if node in self.skipped_memo:
                result = self.skipped_memo[node]
                break
            path.append(node)
            if isinstance(node.tag, str) and self._skip_here(node):
                result = True
                break
            node = node.getparent()
        for seen in path:
            self.skipped_memo[seen] = result
        return result

    def _skip_here(self, el) -> bool:
        if el.tag in _SKIP_TAGS or (el.get("role") or "").lower() in _SKIP_ROLES or _marks(el) & _SKIP_WORDS:
            return True
        return el.tag in ("ul", "ol") and self._menu_shaped(el)

    @staticmethod
    def _menu_shaped(el) -> bool:
        """Five items or more, four in five of them one or two words: a menu, however it is marked."""
        items = [li for li in el if getattr(li, "tag", None) == "li"]
        if len(items) < 5:
            return False
        short = sum(1 for li in items if _words_with_letters(_text(li)) <= 2)
        return short * 5 >= len(items) * 4

    # --- a link's teaser ------------------------------------------------------------------

    @staticmethod
    def _teaser(a) -> tuple[str, int]:
        """The headline a link shows and how good a source it is: 2 its own text, 1 a title
        attribute (a card drawn by a script), 0 none that is a headline."""
        text = _text(a).strip(_SEPARATORS)
        if _words_with_letters(text) >= 2:
            return text, 2
        for el in a.iter():
            if not isinstance(el.tag, str) or el.tag == "img":  # an image's title is its caption
                continue
            title = " ".join((el.get("title") or "").split()).strip(_SEPARATORS)
            if _words_with_letters(title) >= 2:
                return title, 1
        return text, 0

    # --- blocks ---------------------------------------------------------------------------

    def _tab_labels(self) -> dict:
        """element -> the label of the tab that shows it."""
        labels: dict = {}
        for a in self.root.iter("a"):
            toggle = (a.get("data-toggle") or a.get("data-bs-toggle") or a.get("role") or "").lower()
            if toggle not in ("tab", "pill"):
                continue
            target = (a.get("data-target") or a.get("data-bs-target") or a.get("href") or "").strip()
            label = _text(a)
            if not label or len(target) < 2:
                continue
            if target.startswith("#") and target[1:] in self.ids:
                labels.setdefault(self.ids[target[1:]], label)
            elif target.startswith("."):
                wanted = target[1:]
                for el in self.order:
                    if wanted in (el.get("class") or "").split():
                        labels.setdefault(el, label)
        return labels

    def _special(self, el) -> tuple[str, str | None] | None:
        """(kind, label) when the element is a block of its own by its marks or its tab."""
        if el in self.special_memo:
            return self.special_memo[el]
        marks = _marks(el)
        found = None
        if el.tag == "marquee" or marks & _TICKER_WORDS:
            found = ("ticker", None)
        elif el in self.tabs:
            found = (_label_kind(self.tabs[el]) or "list", self.tabs[el])
        elif marks & _RANKING_WORDS:
            found = ("ranking", None)
        elif marks & _LEAD_WORDS:
            found = ("lead", None)
        self.special_memo[el] = found
        return found

    def _heading_before(self, child) -> str | None:
        """The label of the heading that opens what `child` is part of in its parent: the nearest
        earlier sibling that is, or holds, a heading and links to no article but from the heading
        itself (a section's name linking to its page, on a site whose article links cannot be told
        from section links by their address)."""
        if child in self.heading_memo:
            return self.heading_memo[child]
        found = None
        for sibling in child.itersiblings(preceding=True):
            if not isinstance(sibling.tag, str) or self._skip_here(sibling):
                continue
            if sibling.tag == child.tag and sibling.get("class") == child.get("class") and sibling in self.under:
                continue  # another card of the same list: its headline heads no block
            found = self._heading_in(sibling)
            if found:
                break
        self.heading_memo[child] = found
        return found

    def _heading_in(self, el) -> str | None:
        if el in self.inner_heading_memo:
            return self.inner_heading_memo[el]
        found, linked = None, self.under.get(el, set())
        for node in el.iter():
            if not isinstance(node.tag, str) or self._skipped(node):
                continue
            if node.tag in _HEADING_TAGS or _marks(node) & _HEADING_WORDS:
                own = self.under.get(node, set())
                if linked - own:
                    continue  # the sibling links elsewhere too: another block, not a heading
                found = self._label(node, short=bool(own))
                if found:
                    self.labels.add(node)
                    break
        self.inner_heading_memo[el] = found
        return found

    @staticmethod
    def _label(el, short: bool = False) -> str | None:
        """A heading's words without a trailing "more" link's; None if it is no label (more than
        eight words, or three for a heading that links where articles are, no letters)."""
        words = _text(el).split()
        while words and (search_text(words[-1]) in _MORE or words[-1].lower() in _MORE):
            words.pop()
        label = " ".join(words).strip(_SEPARATORS)
        return label if 1 <= len(words) <= (3 if short else 8) and _words_with_letters(label) else None

    def _label_near(self, el) -> str | None:
        """A label for a block found by its marks: a heading it opens with (before its first article
        link), else one just before it, or before its parent's."""
        for child in el:
            if not isinstance(child.tag, str):
                continue
            if child in self.under:
                break
            label = self._heading_in(child)
            if label:
                return label
        for _ in range(3):
            parent = el.getparent()
            if parent is None or parent.tag == "body":
                return None
            label = self._heading_before(el)
            if label:
                return label
            el = parent
        return None

    def _block(self, a, url: str) -> _Block:
        # the card: the largest element around the link that leads to this article only (a heading
        # inside it is the card's own, a byline or a kicker, not its block's)
        card, parent = a, a.getparent()
        while parent is not None and parent.tag not in ("body", "html") and self.under.get(parent) == {url}:
            card, parent = parent, parent.getparent()
        child, in_card = a, a is not card
        for ancestor in a.iterancestors():
            if not isinstance(ancestor.tag, str) or ancestor.tag in ("body", "html"):
                break
            special = self._special(ancestor)
            if special:
                kind, label = special
                return self._block_for(ancestor, kind, label or self._label_near(ancestor))
            label = None if in_card else self._heading_before(child)
            if label:
                return self._block_for(ancestor, _label_kind(label) or "list", label)
            in_card = in_card and ancestor is not card
            child = ancestor
        # no heading, no marks: the element that holds this article's card and others
        return self._block_for(parent if parent is not None else card, "list", None)

    def _block_for(self, container, kind: str, label: str | None) -> _Block:
        block = self.blocks.get(container)
        if block is None:
            block = self.blocks[container] = _Block(container, kind, label)
        elif label and not block.label:  # found first from a link of its heading, which named nothing yet
            block.kind, block.label = kind, label
        return block

    # --- the reading ------------------------------------------------------------------------

    def read(self) -> tuple[Placement, ...]:
        links = list(self._links())
        for a, url in links:
            for ancestor in a.iterancestors():
                self.under.setdefault(ancestor, set()).add(url)
        found = [(a, url, self._block(a, url)) for a, url in links]  # first: which headings are labels
        for a, url, block in found:
            teaser, quality = self._teaser(a)
            if not quality or any(node in self.labels for node in a.iterancestors()) or a in self.labels:
                continue
            order = self.order.get(a, 0)
            entry = block.entries.get(url)
            if entry is None:
                block.entries[url] = [teaser, quality, order]
                if block.first < 0:
                    block.first = order
            elif quality > entry[1]:
                entry[0], entry[1] = teaser, quality
        blocks = sorted((b for b in self.blocks.values() if b.entries), key=lambda b: b.first)
        lead = next((b for b in blocks if b.kind == "lead"), None) or next(
            (b for b in blocks if b.kind == "list"), None)
        for block in blocks:
            if block.kind == "lead" and block is not lead:
                block.kind = "list"
        if lead is not None:
            lead.kind = "lead"
        placements, names = [], set()
        for block in blocks:
            name = block.label or KIND_NAMES.get(block.kind) or self._element_name(block.container)
            base, n = name, 1
            while name in names:
                n += 1
                name = f"{base} {n}"
            names.add(name)
            for number, (url, (teaser, _, _)) in enumerate(block.entries.items(), 1):
                placements.append(Placement(url, teaser, len(placements) + 1, name, block.kind, number))
        return tuple(placements)

    @staticmethod
    def _element_name(el) -> str:
        return el.get("id") or " ".join((el.get("class") or "").split()[:2]) or el.tag
