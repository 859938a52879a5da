"""The newsroom pages' pieces alone (web/render.py, extract.arabic.highlighted): pure functions of
their data, no server."""

from __future__ import annotations

from extract.arabic import highlighted
from web import render


def test_an_edit_is_every_word_kept_with_deletions_and_insertions_marked():
    html = render.diff_html("عقد اجتماعا مع القيادات", "عقد اجتماعا موسعا مع القيادات والشيوخ")
    assert html == ('عقد اجتماعا <ins class="rasid-ins">موسعا</ins> مع القيادات '
                    '<ins class="rasid-ins">والشيوخ</ins>')
    assert render.diff_html("قال الوزير", "قال المتحدث") == \
        'قال <del class="rasid-del">الوزير</del> <ins class="rasid-ins">المتحدث</ins>'


def test_a_text_edit_shows_only_the_paragraphs_that_changed():
    old = "فقرة أولى.\n\nفقرة ثانية.\n\nفقرة ثالثة."
    html = render.text_diff_html(old, old.replace("ثانية", "ثانية معدلة"))
    assert "فقرة أولى" not in html and "فقرة ثالثة" not in html
    assert '<ins class="rasid-ins">ثانية معدلة.</ins>' in html and html.count("unchanged paragraphs") == 2
    assert "did not change" in render.text_diff_html(old, old)


def test_the_page_is_escaped_not_trusted():
    assert "<script>" not in render.diff_html("<script>x</script>", "<script>y</script>")
    assert "&lt;b&gt;" in render.marked("<b>الكاظمي</b>", "الكاظمي")


def test_search_words_are_found_back_in_the_spelling_published():
    pieces = highlighted("زار الكاظمي البصرة، وقال بالبصرة إن الأمن مستتب", "الكاظمى البصرة")
    assert [p for p, hit in pieces if hit] == ["الكاظمي", "البصرة", "بالبصرة"]
    assert "".join(p for p, _ in pieces) == "زار الكاظمي البصرة، وقال بالبصرة إن الأمن مستتب"  # nothing lost
    assert [p for p, hit in highlighted("استقبل الكاظميون وفدا", "الكاظ*") if hit] == ["الكاظميون"]
    assert render.marked("قال الكاظمي", "الكاظمى") == "قال <mark>الكاظمي</mark>"


def test_times_are_shown_in_the_sites_zone_with_utc_beside():
    shown = render.local_time("2020-08-22T17:18:00+00:00", "Asia/Baghdad")
    assert shown == {"local": "2020-08-22 20:18+03:00", "utc": "2020-08-22 17:18 UTC",
                     "iso": "2020-08-22T17:18:00+00:00"}
    assert render.local_time("2020-08-22", "Asia/Baghdad")["local"] == "2020-08-22"  # a day stays a day
    assert render.local_time(None, "Asia/Baghdad") is None


def test_the_charts_are_inline_svg_with_a_bar_per_day_and_site():
    svg = render.bar_chart(["2026-11-30", "2026-12-01"], {"ina": [0, 3], "elaph": [1, 2]}, "articles")
    assert svg.startswith("<figure") and "http" not in svg.replace("http://www.w3.org", "")
    assert svg.count("<rect") == 3 and "2026-12-01 ina: 3" in svg
