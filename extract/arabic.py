"""Arabic text normalisation: one place for the folding rules used by search,
watch rules and the date layer.

Text is always *stored* as published; these functions build the folded copies
used for matching. Written by hand because the rules are a handful of
character maps: no maintained library does exactly this fold (PyArabic's
``normalize_*`` helpers do parts of it, with different choices for taa marbuta).
"""

from __future__ import annotations

import re

# Characters a reader never sees as text, which a site can slip into an article without changing
# what it shows: C0 and C1 controls (not tab, newline, carriage return), noncharacters (U+FDD0-FDEF
# and the last two code points of every plane), lone surrogates, bidi marks, embeddings, overrides
# and isolates, zero-width spaces, joiners and the word joiner, the byte-order mark, the soft hyphen,
# invisible operators, variation selectors and tag characters. Left in, one of them inside a word
# makes it another word to every comparison: an edit hidden in a hash, a word split in a diff, a
# word search and watch rules no longer find. They are dropped for comparing (content hashes, diffs,
# search, watch rules, dates), never from the text as stored.
_INVISIBLE_RANGES = ((0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F), (0xAD, 0xAD), (0x34F, 0x34F),
                     (0x61C, 0x61C), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F),
                     (0xD800, 0xDFFF), (0xFDD0, 0xFDEF), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB),
                     (0xE0000, 0xE007F), (0xE0100, 0xE01EF),
                     *((plane + 0xFFFE, plane + 0xFFFF) for plane in range(0, 0x110000, 0x10000)))
INVISIBLE = frozenset(chr(c) for first, last in _INVISIBLE_RANGES for c in range(first, last + 1))
_VISIBLE = str.maketrans(dict.fromkeys(INVISIBLE, None))


def visible(text: str) -> str:
    """`text` without the characters no reader sees (INVISIBLE): what hashes and diffs compare."""
    return text.translate(_VISIBLE)


# Arabic-Indic (٠-٩) and Eastern Arabic / Persian (۰-۹) digits to ASCII.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# Letter folds: hamza forms on alef to bare alef, alef maqsura to yaa,
# taa marbuta to haa, hamza on waw/yaa to bare hamza, Persian kaf/yeh.
_LETTERS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ؤ": "ء",  # مسؤولية and مسئولية are one word to a reader
        "ئ": "ء",
        "ی": "ي",
        "ک": "ك",
        "ـ": None,  # tatweel
    }
    | dict.fromkeys(INVISIBLE, None)
)

# Harakat, shadda, sukun, superscript alef and Quranic marks.
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")


_NON_ASCII_DIGIT = re.compile("[\u0660-\u0669\u06f0-\u06f9]")


def to_ascii_digits(text: str) -> str:
    """Replace Arabic-Indic and Persian digits with ASCII ones."""
    # str.translate looks every character up in the table (a whole page: milliseconds); a search for
    # the digits first runs in C and most texts have none
    return text.translate(_DIGITS) if _NON_ASCII_DIGIT.search(text) else text


def fold(text: str) -> str:
    """Fold Arabic text for matching: digits, diacritics, tatweel, hamza forms,
    alef maqsura, taa marbuta. Latin letters are lower-cased.
    fold("الكاظمى") == fold("الكاظمي"); fold("مسؤولية") == fold("مسئولية")."""
    text = _DIACRITICS.sub("", text)
    return text.translate(_LETTERS).translate(_DIGITS).lower()


_ARABIC_LETTER = re.compile("[\u0621-\u064a\u0671-\u06d3]")
_LATIN_LETTER = re.compile("[A-Za-z]")


def is_mostly_arabic(text: str) -> bool:
    """True when Arabic letters outnumber Latin ones: the language of a page that does not declare one."""
    arabic = len(_ARABIC_LETTER.findall(text))
    return arabic > 0 and arabic > len(_LATIN_LETTER.findall(text))


# --- search --------------------------------------------------------------------------
#
# SQLite's FTS5 tokenizers cannot be extended from Python's sqlite3, so the
# search index holds a folded copy of each article (search_text) and queries
# are folded the same way (search_query). Besides the letter folds, the
# definite article and the prepositions and conjunctions fused to it are cut
# ("والبصرة", "بالبصرة", "للبصرة" are all "بصره"), because Arabic writes them
# as one word with the noun and a reader searching "البصرة" wants them all.
# Nothing else is cut: a leading و or ب is too often part of the word (وزير, بغداد).

_WORD = re.compile(r"\w+")
_ARTICLE = re.compile(r"^(?:[وف]?[بكل]?ال|[وف]?لل)(?=\w{2,})")


def search_word(word: str) -> str:
    """One folded word as the index stores it: without a fused definite article."""
    return _ARTICLE.sub("", word)


# the same cut at the start of every word of a text at once: one pass of the pattern over the text,
# not one call a word (search_text runs on every stored page)
_ARTICLES = re.compile(r"(?<!\w)" + _ARTICLE.pattern[1:])


def search_text(text: str) -> str:
    """The indexed form of a text: folded words without their definite article, in order."""
    return " ".join(_WORD.findall(_ARTICLES.sub("", fold(text))))


class QueryError(ValueError):
    """A search query that cannot mean anything (only exclusions, no words): one readable line."""


_QUERY_TERM = re.compile(r'(-?)"([^"]*)"(\*?)|(\S+)')


def _query_terms(query: str) -> list[tuple[str, str]]:
    """What a person typed as (kind, folded text) terms: ("word", "بصره"), ("prefix", "كاظ"),
    ("not", ...) for a -word or NOT word, ("or", "") between alternatives. AND is the default."""
    terms: list[tuple[str, str]] = []
    negate = False
    for match in _QUERY_TERM.finditer(query):
        minus, phrase, star, raw = match.groups()
        if raw in ("OR", "AND", "NOT"):
            if raw == "OR" and terms and terms[-1][0] != "or":
                terms.append(("or", ""))
            negate = raw == "NOT"
            continue
        if raw is not None:
            minus = "-" if raw.startswith("-") and len(raw) > 1 else ""
            star = "*" if raw.endswith("*") else ""
            phrase = raw[len(minus): len(raw) - len(star)]
        words = search_text(phrase).split()
        if not words:
            continue
        kind = "not" if (negate or minus) else ("prefix" if star else "word")
        negate = False
        terms.append((kind, " ".join(words)))
    while terms and terms[0][0] == "or":
        terms.pop(0)
    while terms and terms[-1][0] == "or":
        terms.pop()
    return terms


def search_query(query: str) -> str:
    """An FTS5 MATCH expression for what a person typed.

    Words are folded like the index and must all appear (AND may be written, or not);
    "quoted words" must appear together in that order; OR between two terms accepts either;
    -word or NOT word excludes; word* matches every word it begins (on the folded text).
    Every term is quoted for FTS5, so punctuation in the query is never syntax. Raises
    QueryError for a query that only excludes."""
    terms = _query_terms(query)
    exclusions = [f'"{text}"' for kind, text in terms if kind == "not"]
    positive: list[str] = []
    for kind, text in terms:
        if kind == "or":
            if positive and positive[-1] != "OR":
                positive.append("OR")
        elif kind != "not":
            positive.append(f'"{text}"' + ("*" if kind == "prefix" else ""))
    while positive and positive[-1] == "OR":
        positive.pop()
    if not positive:
        if exclusions:
            raise QueryError(f"query {query!r} only excludes words: say what to find too")
        return ""
    if not exclusions:
        return " ".join(positive)
    return f"({' '.join(positive)}) " + " ".join(f"NOT {e}" for e in exclusions)


def _matcher(query: str):
    """A test of one word of a text: does search match it for `query` (its words and prefixes)?"""
    terms = [(kind, t) for kind, t in _query_terms(query) if kind in ("word", "prefix")]
    words = {w for kind, t in terms if kind == "word" for w in t.split()}
    prefixes = tuple(t.split()[-1] for kind, t in terms if kind == "prefix")
    return lambda folded: folded in words or bool(prefixes and folded.startswith(prefixes))


def matching_paragraph(text: str, query: str, width: int = 200) -> str:
    """The first paragraph of `text` holding a word of `query` (as search matches it),
    cut to about `width` characters: the excerpt shown under a search result."""
    matches = _matcher(query)
    for paragraph in text.split("\n\n"):
        if any(matches(w) for w in search_text(paragraph).split()):
            return paragraph if len(paragraph) <= width else paragraph[:width].rsplit(" ", 1)[0] + " …"
    return ""


def highlighted(text: str, query: str) -> list[tuple[str, bool]]:
    """`text` as published, in pieces, each marked True where it is a word search matched for
    `query` (الكاظمي for الكاظمى, بالبصرة for البصرة): the query's words found back in the
    original spelling, for a reader to see."""
    matches = _matcher(query)
    pieces: list[tuple[str, bool]] = []
    last = 0
    for m in _WORD.finditer(text):
        if matches(search_word(fold(m.group()))):
            pieces += [(text[last:m.start()], False), (m.group(), True)]
            last = m.end()
    pieces.append((text[last:], False))
    return [(piece, hit) for piece, hit in pieces if piece]
