"""What an edit changed, as alerts, the timeline and the edits view show it: the word diff of title
and text, and the lines that say which metadata moved (publication time, author, section).

Both compare what a reader sees (extract.arabic.visible): a character nobody sees neither hides an
edit nor shows as one, and a word is never split by one."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from datetime import datetime

from extract.arabic import visible
from extract.instants import instant
from extract.model import Article


def word_ops(old: str, new: str) -> list[tuple[str, str, str]]:
    """The edit from `old` to `new` word by word: (tag, old words, new words) runs, tag one of
    equal, delete, insert, replace (difflib's opcodes, words joined by one space)."""
    a, b = visible(old).split(), visible(new).split()
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
    if _words(stored["title"]) != _words(article.title):
        parts.append("العنوان: " + word_diff(stored["title"] or "", article.title or ""))
    text = word_diff(stored["text"] or "", article.text or "")
    if text:
        parts.append(text)
    return "\n".join(parts)


def _words(value: str | None) -> str:
    return " ".join(visible(value or "").split())


# --- metadata ------------------------------------------------------------------------------
#
# An article's metadata as the store keeps it (the articles columns, and each version's): the
# publication time (ISO text, its precision, and whether Rasid estimated it), author, section.
METADATA = ("published_at", "published_precision", "published_estimated", "author", "section")
_TIMED = ("hour", "minute", "second")


def metadata_of(article: Article) -> dict:
    """The metadata columns of an extracted article."""
    published = article.published
    return {"published_at": published.iso if published else None,
            "published_precision": published.precision if published else None,
            "published_estimated": article.published_estimated, "author": article.author,
            "section": article.section}


def metadata_moves(before: Mapping, after: Mapping) -> list[str]:
    """What moved from `before` to `after` (METADATA mappings), one line each, in the alert's words:
    "published 2022-04-05 10:00+03:00 → 2022-04-04 22:00+03:00", "author: X → none",
    "section: A → B". A byline or section that appears, goes or changes has moved. A publication
    time has moved only when both are the page's own (none estimated, published_estimated 0; None
    is a store from before Rasid knew) and they are not the same time: one instant written in
    another offset is the same, and so is a day beside a time of that day (or of the day next to
    it: the zone a bare day was read in). A time found once and not the next time has not moved."""
    lines = []
    if _publication_moved(before, after):
        lines.append(f"published {_shown(before)} → {_shown(after)}")
    for field in ("author", "section"):
        old, new = _words(before.get(field)), _words(after.get(field))
        if old != new:
            lines.append(f"{field}: {old or 'none'} → {new or 'none'}")
    return lines


def _publication_moved(before: Mapping, after: Mapping) -> bool:
    if not before.get("published_at") or not after.get("published_at"):
        return False
    if before.get("published_estimated") != 0 or after.get("published_estimated") != 0:
        return False
    old, new = _instant(before), _instant(after)
    if old is not None and new is not None:
        return old != new
    if old is None and new is None:  # days (or months, years): compared at the coarser precision
        shorter = min(len(before["published_at"]), len(after["published_at"]))
        return before["published_at"][:shorter] != after["published_at"][:shorter]
    day, timed = (before, after) if old is None else (after, before)
    if len(day["published_at"]) < 10:  # a month or a year beside a time: compared as far as it goes
        return not timed["published_at"].startswith(day["published_at"])
    try:
        apart = abs((datetime.fromisoformat(timed["published_at"][:10]) -
                     datetime.fromisoformat(day["published_at"][:10])).days)
    except ValueError:
        return timed["published_at"][:10] != day["published_at"][:10]
    return apart > 1


def _instant(metadata: Mapping) -> datetime | None:
    """The publication time as an aware instant, None when it is a day or less (or unreadable)."""
    return instant(metadata["published_at"]) if metadata.get("published_precision") in _TIMED else None


def _shown(metadata: Mapping) -> str:
    """A publication time as the alert says it: "2022-04-05 10:00+03:00" (seconds only when given),
    a day or less as written."""
    value = metadata["published_at"]
    try:
        moment = datetime.fromisoformat(value) if len(value) > 10 else None
    except ValueError:
        moment = None
    if moment is None:
        return value
    clock = moment.strftime("%H:%M:%S" if metadata.get("published_precision") == "second" and moment.second
                            else "%H:%M")
    offset = moment.isoformat()[-6:] if moment.tzinfo else ""
    return f"{moment.date().isoformat()} {clock}{offset}"
