"""Labelled reprint pairs built from real pages (../shared/corpus), the ways sites really copy.

    pairs = build_pairs(load_sources(corpus))  # [Pair(a, b, label, how)]

Each source is a real page as Rasid stores it: the page's bytes through Rasid's extraction, its
own site's leftovers and all. A reprint is the same paragraphs put on another site's page (a
different template, with its ticker, "read also" box, promo line, share bar and comment form) and
read back through the same extraction, after what copiers do:
- copy:      the text as it was, under a new headline, a promo line added;
- intro:     a source line ("نقلاً عن …", "(Reuters) –") and an intro paragraph of the copier's own;
- trimmed:   the last paragraphs dropped (up to 40 % of the words) and a middle one;
- reordered: paragraphs moved (the last to the top, two swapped);
- spelling:  orthographic variants: hamza forms dropped, taa marbuta as haa, final yaa as alef
             maqsura, Arabic-Indic digits, tatweel, diacritics;
- rewrite:   a new headline, an intro, the ending trimmed, one word in twelve replaced, variants.
Hard negatives (not reprints):
- same_event: another article's text carrying this one's names (its most frequent words), its
              opening words and one of its sentences, as a quoted statement;
- same_site:  two different real pages of the same site (its template, its leftovers);
- wire:       two short wire items (2–3 sentences) sharing a formulaic opening and closing line.
Short wire items are copied too (`wire_copy`, a positive). Deterministic for a seed, and each
source's pairs depend only on the seed, the source and the sources of its language that rank first
for it (not on which other pages qualify, nor on their order).
"""

from __future__ import annotations

import gzip
import hashlib
import heapq
import html
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from extract.arabic import is_mostly_arabic
from extract.article import extract_article
from extract.encoding import decode_html

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
REFERENCE = "2026-01-01T00:00:00+00:00"
POSITIVE = ("copy", "intro", "trimmed", "reordered", "spelling", "rewrite", "wire_copy")
NEGATIVE = ("same_event", "same_site", "wire")


@dataclass(frozen=True)
class Source:
    id: str
    url: str
    title: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def host(self) -> str:
        url = self.url
        if "web.archive.org/web/" in url:  # the archived site's own host
            url = "http" + url.split("/http", 1)[-1] if "/http" in url else url
        return (urlsplit(url).hostname or "").removeprefix("www.")


@dataclass(frozen=True)
class Pair:
    a: str  # the earlier text, as stored
    b: str  # the later one, as stored
    label: bool  # a reprint
    how: str  # one of POSITIVE or NEGATIVE
    source: str  # the corpus id(s) it was made from
    arabic: bool = False


def _extract(page_html: str, url: str) -> tuple[str, str]:
    article = extract_article(page_html, url, reference=REFERENCE)
    return (article.title or "", article.text) if article else ("", "")


def load_sources(corpus: Path = CORPUS, min_words: int = 120, extra: list[Source] = (), every: int = 1) -> list[Source]:
    """The corpus pages (every `every`-th of each part) whose stored text (Rasid's extraction)
    has at least `min_words` words in three or more paragraphs; `extra` (Arabic texts) joins them."""
    sources = []
    for part in ("extraction", "dates"):
        truth = corpus / part / "truth.jsonl"
        if not truth.exists():
            continue
        for line in [x for x in truth.read_text(encoding="utf-8").splitlines() if x.strip()][::every]:
            row = json.loads(line)
            raw = gzip.decompress((corpus / part / "pages" / f"{row['id']}.html.gz").read_bytes())
            title, text = _extract(decode_html(raw)[0], row["url"])
            paragraphs = tuple(p for p in text.split("\n\n") if p.strip())
            if len(text.split()) >= min_words and len(paragraphs) >= 3:
                sources.append(Source(row["id"], row["url"], title, paragraphs))
    return sources + list(extra)


# --- the copier's page ---------------------------------------------------------------------

_TEMPLATES = ("portal", "blog")


def copier_page(title: str, paragraphs: list[str], others: list[str], style: str, arabic: bool) -> str:
    """Another site's page holding `paragraphs`: its navigation, ticker of `others` (headlines of
    other stories), a "read also" box inside the body, a promo line, share bar and comments."""
    e = html.escape
    read_also = ("اقرأ أيضاً" if arabic else "Read also") + f': <a href="/x/2">{e(others[0])}</a>'
    promo = ("تابعونا على قناتنا في تلغرام لمزيد من الأخبار" if arabic
             else "Follow us on Telegram for more news")
    body = []
    for n, p in enumerate(paragraphs):
        if n == 2:
            body.append(f'<div class="read-also">{read_also}</div>')
        body.append(f"<p>{e(p)}</p>")
    body.append(f'<p class="promo"><a href="https://t.me/x">{e(promo)}</a></p>')
    ticker = "".join(f'<li><a href="/x/{n}">{e(h)}</a></li>' for n, h in enumerate(others[1:6], 3))
    menu = "".join(f'<li><a href="/c/{n}">{w}</a></li>' for n, w in enumerate(
        ("الرئيسية", "سياسة", "اقتصاد", "رياضة", "منوعات") if arabic else ("Home", "World", "Business", "Sport")))
    lang = 'lang="ar" dir="rtl"' if arabic else 'lang="en"'
    if style == "portal":
        main = (f'<div class="breaking"><span>عاجل</span><ul>{ticker}</ul></div><main><article class="news">'
                f'<h1>{e(title)}</h1><div class="news-body">{"".join(body)}</div>'
                '<div class="share">Facebook Twitter WhatsApp</div></article>'
                f'<aside class="most-read"><h3>الأكثر قراءة</h3><ul>{ticker}</ul></aside></main>')
    else:
        main = (f'<div id="content"><article class="post"><h1 class="entry-title">{e(title)}</h1>'
                f'<div class="entry-content">{"".join(body)}</div></article>'
                f'<div class="related-posts"><h3>أخبار ذات صلة</h3><ul>{ticker}</ul></div>'
                '<div id="respond"><h3>اترك رد</h3><form><textarea></textarea></form></div></div>')
    return (f"<!DOCTYPE html><html {lang}><head><meta charset='utf-8'><title>{e(title)}</title>"
            f'<meta property="og:type" content="article"></head><body><header><nav><ul>{menu}</ul></nav>'
            f"</header>{main}<footer>© 2026</footer></body></html>")


# --- what copiers do -------------------------------------------------------------------------

_HAMZA = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا"})
_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def spelling_variants(text: str, rng: random.Random) -> str:
    """The same words as another site spells them (all folded alike by search)."""
    words = []
    for word in text.split(" "):
        r = rng.random()
        if r < 0.5:
            word = word.translate(_HAMZA)
        if word.endswith("ة") and rng.random() < 0.6:
            word = word[:-1] + "ه"
        elif word.endswith("ي") and rng.random() < 0.4:
            word = word[:-1] + "ى"
        if rng.random() < 0.05 and len(word) > 3 and re.match(r"^[\u0621-\u064a]+$", word):
            word = word[:2] + "ـ" + word[2:]
        if rng.random() < 0.05 and re.match(r"^[\u0621-\u064a]{3,}$", word):
            word = word[0] + "َ" + word[1:]
        words.append(word)
    return " ".join(words).translate(_INDIC)


def _trim(paragraphs: list[str], rng: random.Random) -> list[str]:
    words = sum(len(p.split()) for p in paragraphs)
    kept = list(paragraphs)
    while len(kept) > 2 and sum(len(p.split()) for p in kept[:-1]) >= 0.6 * words and rng.random() < 0.7:
        kept.pop()
    if len(kept) > 4:
        del kept[rng.randrange(1, len(kept) - 1)]
    return kept


def _reorder(paragraphs: list[str], rng: random.Random) -> list[str]:
    out = [paragraphs[-1], *paragraphs[:-1]]
    if len(out) > 3:
        i = rng.randrange(1, len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    return out


def _replace_words(text: str, vocabulary: list[str], rng: random.Random, every: int = 12) -> str:
    return " ".join(rng.choice(vocabulary) if rng.random() < 1 / every else w for w in text.split(" "))


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?؟])\s+", text) if len(s.split()) >= 6]


def _names(text: str, count: int = 8) -> list[str]:
    """The words a story is about: its most frequent long words (names, places, the subject)."""
    counts: dict[str, int] = {}
    for word in re.findall(r"\w{5,}", text):
        counts[word] = counts.get(word, 0) + 1
    return [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:count]]


SOURCE_LINES = {True: ("نقلاً عن وكالة الأنباء", "المصدر: وكالات", "(رويترز) –"),
                False: ("(Reuters) –", "Source: agencies", "This article first appeared on")}
WIRE_OPENINGS = {True: ("بغداد – واع – أعلنت وزارة الداخلية، اليوم الأحد، أن", "عمّان – بترا – قال مصدر رسمي، اليوم، إن",
                        "الدوحة – قنا – أكدت وزارة الخارجية، في بيان اليوم، أن"),
                 False: ("WASHINGTON (Reuters) – Officials said on Sunday that", "LONDON (AP) — The government said in a statement on Monday that",
                         "PARIS (AFP) – A spokesperson told reporters on Tuesday that")}
WIRE_CLOSINGS = {True: "وأضاف البيان أن الجهات المختصة ستواصل متابعة الموضوع وإعلان التفاصيل في حينها.",
                 False: "Reporting by staff; editing by the news desk. Our standards: the Trust Principles."}


def _rank(*parts: str) -> int:
    """A fixed pseudo-random rank of `parts` (the same on every run and machine)."""
    return int.from_bytes(hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8).digest(), "big")


class _Builder:
    """Each source's pairs are drawn from its own seed, and the pages it borrows from (another
    story's sentences and words, the headlines on the copier's page) are the ones of its own
    language that rank first for it: a source that joins or leaves the sample (a change to the
    extraction decides which corpus pages qualify) changes no other source's pairs, except where
    it ranks first itself."""

    def __init__(self, sources: list[Source], seed: int):
        self.seed = str(seed)
        self.arabic = {s.id: is_mostly_arabic(s.text) for s in sources}
        self.pools: dict[bool, list[Source]] = {}
        for s in sources:
            self.pools.setdefault(self.arabic[s.id], []).append(s)

    def rng(self, s: Source) -> random.Random:
        return random.Random(f"{self.seed}:{s.id}")

    def others(self, s: Source, purpose: str, count: int = 1) -> list[Source]:
        pool = [p for p in self.pools[self.arabic[s.id]] if p.id != s.id] or [s]
        return heapq.nsmallest(count, pool, key=lambda p: _rank(self.seed, s.id, purpose, p.id))

    def other(self, s: Source, purpose: str) -> Source:
        return self.others(s, purpose)[0]

    def on_copier(self, s: Source, rng: random.Random, title: str, paragraphs: list[str], arabic: bool,
                  purpose: str) -> str:
        others = [o.title or "—" for o in self.others(s, f"ticker:{purpose}", 6)]
        others += ["—"] * (6 - len(others))
        page = copier_page(title, paragraphs, others, rng.choice(_TEMPLATES), arabic)
        return _extract(page, f"https://copier.example/{rng.randrange(10**6)}")[1]

    def positives(self, s: Source, rng: random.Random, arabic: bool) -> list[Pair]:
        p = list(s.paragraphs)
        headline = f"{(s.title or p[0])[:60]} …"
        intro = rng.choice(_sentences(self.other(s, "intro").text) or ["—"])
        line = rng.choice(SOURCE_LINES[arabic])
        vocabulary = sorted(set(self.other(s, "vocabulary").text.split()[:80])) or ["—"]
        made = {
            "copy": (headline, p),
            "intro": (headline, [line, intro, *p]),
            "trimmed": (s.title, _trim(p, rng)),
            "reordered": (s.title, _reorder(p, rng)),
            "spelling": (s.title, [spelling_variants(x, rng) for x in p]),
            "rewrite": (headline, [intro, *[spelling_variants(_replace_words(x, vocabulary, rng), rng)
                                             for x in _trim(p, rng)]]),
        }
        return [Pair(s.text, self.on_copier(s, rng, t, ps, arabic, how), True, how, s.id, arabic)
                for how, (t, ps) in made.items()]

    def same_event(self, s: Source, rng: random.Random, arabic: bool) -> Pair:
        other = self.other(s, "same_event")
        names = _names(s.text)
        quote = rng.choice(_sentences(s.text) or [s.paragraphs[0]])
        quote = " ".join(quote.split()[:25])
        opening = " ".join(s.paragraphs[0].split()[:6])
        paragraphs = []
        for n, par in enumerate(other.paragraphs):
            words = par.split()
            for name in rng.sample(names, min(3, len(names))):
                words.insert(rng.randrange(len(words) + 1), name)
            paragraphs.append(" ".join(words))
            if n == 1:
                paragraphs.append(f"«{quote}»")
        paragraphs[0] = f"{opening} {paragraphs[0]}"
        return Pair(s.text, self.on_copier(s, rng, s.title, paragraphs, arabic, "same_event"), False, "same_event",
                    f"{s.id}+{other.id}", arabic)

    def wire_pair(self, s: Source, rng: random.Random, arabic: bool, copied: bool) -> Pair:
        opening, closing = rng.choice(WIRE_OPENINGS[arabic]), WIRE_CLOSINGS[arabic]

        def item(source: Source) -> list[str]:
            sentences = _sentences(source.text)[:3] or [source.paragraphs[0]]
            return [f"{opening} {sentences[0]}", *sentences[1:], closing]

        first = item(s)
        if copied:
            return Pair("\n\n".join(first), self.on_copier(s, rng, s.title, first, arabic, "wire_copy"), True,
                        "wire_copy", s.id, arabic)
        other = self.other(s, "wire")
        return Pair("\n\n".join(first), self.on_copier(s, rng, other.title, item(other), arabic, "wire"), False,
                    "wire", f"{s.id}+{other.id}", arabic)


def build_pairs(sources: list[Source], seed: int = 18) -> list[Pair]:
    """Every kind of pair for every source, and the same-site negatives the corpus holds."""
    builder = _Builder(sources, seed)
    pairs: list[Pair] = []
    for s in sources:
        arabic, rng = is_mostly_arabic(s.text), builder.rng(s)
        pairs += builder.positives(s, rng, arabic)
        pairs.append(builder.same_event(s, rng, arabic))
        pairs.append(builder.wire_pair(s, rng, arabic, copied=True))
        pairs.append(builder.wire_pair(s, rng, arabic, copied=False))
    by_host: dict[str, list[Source]] = {}
    for s in sources:
        if s.host:
            by_host.setdefault(s.host, []).append(s)
    for group in by_host.values():
        for first, second in zip(group, group[1:], strict=False):
            pairs.append(Pair(first.text, second.text, False, "same_site", f"{first.id}+{second.id}",
                              is_mostly_arabic(first.text)))
    return pairs


def arabic_sources(shared: Path = ROOT.parent / "shared") -> list[Source]:
    """Arabic texts to copy: the five real seed documents (as a naive scraper saved them) and the
    articles of the offline snapshots' corpus (seeds/tools/corpus.toml)."""
    import tomllib

    out = []
    for path in sorted((shared / "seeds").glob("*.txt")):
        lines = [x.strip() for x in path.read_text(encoding="utf-8").splitlines() if len(x.split()) >= 4]
        if len(lines) >= 3:
            out.append(Source(f"seed-{path.stem[:3]}", "https://seed.example/" + path.stem, lines[0], tuple(lines)))
    corpus = tomllib.loads((ROOT / "seeds" / "tools" / "corpus.toml").read_text(encoding="utf-8"))
    for site, items in corpus["other"].items():
        for n, item in enumerate(items):
            out.append(Source(f"snap-{site}-{n}", f"https://{site}.example/{n}", item["title"],
                              tuple(item["paragraphs"])))
    return out
