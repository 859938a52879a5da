"""Bytes of an HTML page to text, trusting declared charsets only as far as they hold; and what
is refused before parsing (too_big_to_parse), light enough for the crawl to import at start.

Arabic sites still serve windows-1256 and ISO-8859-6, and often label them
wrongly: a UTF-8 page with a leftover `<meta charset=windows-1256>`, a
windows-1256 page behind a server that says UTF-8. Browsers (and Scrapy) take
the first declaration; decoding Arabic with the wrong one yields mojibake
that looks like text, so every later step would store garbage silently.

Order:
1. a byte-order mark is never wrong; UTF-16/32 without one is read from the side its NUL bytes
   fall on, however few (an Arabic page in UTF-16 has NULs only in its markup; such bytes are
   valid UTF-8 too, as ASCII and NULs, so this comes before step 2);
2. bytes that decode as strict UTF-8 are UTF-8 (Arabic in a single-byte code
   page essentially never forms valid multi-byte sequences), whatever the label;
3. otherwise the declared charsets (HTTP header, then <meta>) and the two
   Arabic code pages compete, and charset_normalizer (already installed by
   trafilatura) picks the one whose text is least chaotic: a wrong Arabic
   code page produces Latin letters and symbols inside words, or fails.
"""

from __future__ import annotations

import re

import charset_normalizer
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

ARABIC_CODE_PAGES = ("cp1256", "iso8859_6")
_NON_ASCII = re.compile("[^\x00-\x7f\ufffd]")


def _wide_encoding(body: bytes) -> str | None:
    """UTF-16 or UTF-32 without a byte-order mark, by where its NUL bytes fall: HTML has no NUL
    byte of its own, and its markup is ASCII, which UTF-16LE writes with a NUL in every odd byte
    (UTF-16BE in every even one). Their share is no test: Arabic letters in UTF-16 have no NUL
    byte (U+0627 is 27 06), so a page of Arabic text has few, but they all fall on one side.
    Such bytes also pass as valid UTF-8 (ASCII plus NULs), so this must come before the UTF-8
    test. UTF-32 has two NULs in every four bytes at fixed places whatever the letter."""
    head = body[:4096]
    nuls = head.count(0)
    if len(head) < 8 or nuls < 8:
        return None
    head = head[: len(head) // 4 * 4]
    if not any(head[3::4]) and not any(head[2::4]):  # every character below U+10000 in UTF-32LE
        return "utf-32-le"
    if not any(head[0::4]) and not any(head[1::4]):
        return "utf-32-be"
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd > 9 * even:
        return "utf-16-le"
    if even > 9 * odd:
        return "utf-16-be"
    return None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(text, encoding) of an HTML page; `content_type` is the HTTP header, if any."""
    bom, bom_bytes = read_bom(body)
    if bom:
        return body[len(bom_bytes):].decode(bom, errors="replace"), bom
    wide = _wide_encoding(body)
    if wide:
        return body.decode(wide, errors="replace"), wide
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # A page cut short mid-character, or with a stray bad byte, is still UTF-8 when
        # nearly all of its non-ASCII text decodes as such.
        text = body.decode("utf-8", errors="replace")
        bad = text.count("\ufffd")
        if len(_NON_ASCII.findall(text)) >= 20 * bad:
            return text, "utf-8"
    declared = [http_content_type_encoding(content_type) if content_type else None,
                html_body_declared_encoding(body[:4096])]
    candidates: list[str] = []
    for name in [*declared, *ARABIC_CODE_PAGES]:
        codec = resolve_encoding(name) if name else None
        if codec and codec not in candidates and codec != "utf-8":
            candidates.append(codec)
    best = charset_normalizer.from_bytes(body, cp_isolation=candidates).best()
    encoding = best.encoding if best else candidates[0]
    return body.decode(encoding, errors="replace"), encoding


# Signatures of formats a saved "page" is sometimes by mistake: images, PDF, archives, executables.
_BINARY_MAGIC = (b"\x89PNG", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"%PDF-", b"PK\x03\x04", b"\x1f\x8b",
                 b"\x7fELF", b"wOFF", b"wOF2", b"\xfd7zXZ")
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
_MARKUP = re.compile(r"<(?:!doctype|html|head|body|title|meta|div|p|article|main|section|span|a|h[1-6]|\?xml)\b",
                     re.I)


def looks_like_html(body: bytes, text: str) -> bool:
    """Whether `body` (decoded as `text` by decode_html) is a markup page at all, not an
    image, an executable or random bytes that decode_html would still turn into text."""
    if body.startswith(_BINARY_MAGIC):
        return False
    head = text[:65536]
    if len(_CONTROL.findall(head)) > max(2, len(head) // 1000):  # text has next to no control characters
        return False
    return _MARKUP.search(head) is not None


# Pages that cannot be an article, refused before parsing: libxml2 and lxml slow down
# quadratically on huge attribute lists (RELIABILITY.md: a page of a million attributes). A large
# news page has a few thousand tags.
MAX_TAGS = 150_000
MAX_ATTRIBUTES = 200_000


def too_big_to_parse(html: str) -> str | None:
    """Why `html` is refused before parsing, or None."""
    tags = html.count("<")
    if tags > MAX_TAGS:
        return f"{tags} tags (more than {MAX_TAGS}): not an article page"
    attributes = html.count("=")
    if attributes > MAX_ATTRIBUTES:
        return f"{attributes} attributes (more than {MAX_ATTRIBUTES}): not an article page"
    return None
