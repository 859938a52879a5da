"""Fuzzing: whatever bytes or markup arrive, decoding, extraction and alert formatting never
raise, and an alert headed for an HTML channel arrives escaped."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crawler.daemon.alerts import AppriseChannel, message
from extract.article import extract_article
from extract.encoding import decode_html

ARABIC = st.text(alphabet=st.sampled_from(list("ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإؤئىةـًٌٍَُِّْ٠١٢٣ ")), max_size=80)
TAGS = ["p", "div", "h1", "h2", "article", "nav", "aside", "table", "td", "tr", "br", "span", "figure", "script",
        "style", "time", "a", "li", "ul", "header", "footer", "iframe", "form", "meta", "title", "b"]
PIECES = st.one_of(
    ARABIC,
    st.sampled_from(TAGS).map(lambda t: f"<{t}>"),
    st.sampled_from(TAGS).map(lambda t: f"</{t}>"),
    st.sampled_from(['<meta charset="windows-1256">', '<script type="application/ld+json">{"@type":',
                     '"datePublished": "2024-13-45"}</script>', "اقرأ أيضاً:", "<!--", "]]>", "&#0;", "&nbsp;",
                     '<time datetime="9999-99-99">', "\x00", "\ufeff", '<link rel="canonical" href="javascript:x">',
                     '<meta property="og:title" content="">', "5 رمضان 1443 هـ", "منذ 3 ساعات"]),
    st.text(max_size=30),
)
PAGES = st.lists(PIECES, max_size=60).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000), st.sampled_from([None, "text/html", "text/html; charset=utf-8",
                                                   "text/html; charset=windows-1256", "text/html; charset=bogus",
                                                   "text/html; charset=iso-8859-6"]))
def test_decoding_any_bytes_never_raises(body, content_type):
    text, encoding = decode_html(body, content_type)
    assert isinstance(text, str) and encoding


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PAGES, st.sampled_from([None, "https://news.example/a/1", "not a url"]))
@example("\x1f<nav></nav>ء", None)  # found by this test: lxml refused the control character on drop_tree
def test_extracting_any_markup_never_raises(html, url):
    article = extract_article(html, url, reference="2026-11-23T12:00:00+00:00", tz="Asia/Baghdad")
    if article is not None:
        assert isinstance(article.text, str) and "\n\n\n" not in article.text
        assert article.published is None or article.published.iso


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200), st.text(max_size=300))
def test_alert_messages_never_raise(title, diff):
    alert = {"kind": "changed", "site": "ina", "site_name": title, "timezone": "Asia/Baghdad", "url": "https://x/%ZZ",
             "title": title, "published_at": "garbage", "created_at": "2026-11-23T07:00:00+00:00", "diff": diff}
    subject, body = message(alert)
    assert isinstance(subject, str) and isinstance(body, str)


def test_alerts_to_html_channels_are_escaped():
    from apprise.decorators import notify

    received = []

    @notify(on="rasidhtmltest", body_format="html")
    def html_channel(body, title, notify_type, *args, **kwargs):
        received.append((title, body))

    channel = AppriseChannel("rasidhtmltest://")
    channel.send('<img src=x onerror="alert(1)">', "<script>alert(1)</script> & بيان", {})
    title, body = received[0]
    assert "<script>" not in body and "&lt;script&gt;" in body and "&amp;" in body
    assert "<img" not in title + body
