"""Arabic text normalisation: one place for the folding rules used by search,
watch rules and the date layer.

Text is always *stored* as published; these functions build the folded copies
used for matching. Written by hand because the rules are a handful of
character maps: no maintained library does exactly this fold (PyArabic's
``normalize_*`` helpers do parts of it, with different choices for taa marbuta).
"""

from __future__ import annotations

import re

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
        "\u200c": None,  # zero-width non-joiner
        "\u200d": None,
        "\u200e": None,  # LRM / RLM / ALM: invisible direction marks
        "\u200f": None,
        "\u061c": None,
    }
)

# Harakat, shadda, sukun, superscript alef and Quranic marks.
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")


def to_ascii_digits(text: str) -> str:
    """Replace Arabic-Indic and Persian digits with ASCII ones."""
    return text.translate(_DIGITS)


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
