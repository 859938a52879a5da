"""Arabic pages in UTF-8, windows-1256 and ISO-8859-6, labelled rightly, wrongly or not at all."""

from __future__ import annotations

import pytest

from extract.article import extract_article
from extract.encoding import decode_html

PARAGRAPH = ("أعلنت وزارة الموارد المائية ارتفاع منسوب نهر دجلة في بغداد بعد موجة الأمطار الأخيرة التي شهدتها "
             "المحافظات الشمالية، وقالت إن السدود تعمل بطاقتها الكاملة.")
TITLE = "ارتفاع منسوب دجلة في بغداد"


def page(meta: str | None) -> str:
    head = f'<meta charset="{meta}">' if meta else ""
    return (f"<html><head>{head}<title>{TITLE}</title></head><body><h1>{TITLE}</h1>"
            + f"<p>{PARAGRAPH}</p>" * 3 + "</body></html>")


ENCODINGS = {"utf-8": "utf-8", "windows-1256": "cp1256", "iso-8859-6": "iso8859_6"}
LABELS = [None, "utf-8", "windows-1256", "iso-8859-6", "iso-8859-1"]


@pytest.mark.parametrize("header", LABELS, ids=lambda v: f"header={v}")
@pytest.mark.parametrize("meta", LABELS, ids=lambda v: f"meta={v}")
@pytest.mark.parametrize("real", list(ENCODINGS))
def test_any_label_right_wrong_or_missing_gives_correct_arabic(real, meta, header):
    body = page(meta).encode(ENCODINGS[real])
    content_type = f"text/html; charset={header}" if header else None
    text, encoding = decode_html(body, content_type)
    assert encoding == ENCODINGS[real]
    article = extract_article(text, "https://example.com/a")
    assert article.title == TITLE
    assert article.paragraphs == [PARAGRAPH]


def test_a_byte_order_mark_wins():
    text, encoding = decode_html("\ufeff".encode() + page("windows-1256").encode("utf-8"), "text/html; charset=cp1256")
    assert encoding == "utf-8" and TITLE in text


def test_undecodable_bytes_do_not_raise():
    text, _ = decode_html(b"\x81\x8d\x8f\x90\x9d" * 100 + page(None).encode("cp1256"))
    assert TITLE in text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("label", ["text/html; charset=utf-16", "text/html", None])
def test_utf16_and_utf32_without_a_bom_are_read_by_their_nul_bytes(codec, label):
    # such bytes are valid UTF-8 too (ASCII and NULs): stored as mojibake before, with status ok
    html = '<html><head><meta charset="utf-16"></head><body><p>وزارة الموارد المائية في بغداد</p></body></html>'
    text, encoding = decode_html(html.encode(codec), label)
    assert encoding == codec and "وزارة الموارد المائية في بغداد" in text
