"""Word diffs of an article's edits, as alerts and the edits view show them."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from extract.model import Article


def word_ops(old: str, new: str) -> list[tuple[str, str, str]]:
    """The edit from `old` to `new` word by word: (tag, old words, new words) runs, tag one of
    equal, delete, insert, replace (difflib's opcodes, words joined by one space)."""
    a, b = old.split(), new.split()
    return [(tag, " ".join(a[i1:i2]), " ".join(b[j1:j2]))
            for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()]


def word_diff(old: str, new: str, context: int = 6) -> str:
    """A readable word-level diff: [-removed words-] {+added words+}, with a few
    words of context around each change and … between distant changes."""
    ops = word_ops(old, new)
    parts: list[str] = []
    for n, (tag, removed, added) in enumerate(ops):
        if tag == "equal":
            words = removed.split()
            if len(words) > 2 * context:
                head = words[:context] if parts else []
                tail = words[-context:] if n < len(ops) - 1 else []
                parts.append(" ".join(head + ["…"] + tail).strip())
            else:
                parts.append(removed)
            continue
        if removed:
            parts.append("[-" + removed + "-]")
        if added:
            parts.append("{+" + added + "+}")
    return " ".join(p for p in parts if p)


def edit_diff(stored: Mapping, article: Article) -> str:
    """The edit from the stored title and text to the article's: a title line
    (العنوان: …) when the title changed, then the text's word diff."""
    parts = []
    if (stored["title"] or "") != (article.title or ""):
        parts.append("العنوان: " + word_diff(stored["title"] or "", article.title or ""))
    text = word_diff(stored["text"] or "", article.text or "")
    if text:
        parts.append(text)
    return "\n".join(parts)
