"""A page is an article by its own signals (extract/kind.py); a site needs no URL patterns."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from extract.article import extract_article, parse_html
from extract.kind import article_evidence, ld_types
from monitor.config import load_sites

PROSE = "قال رئيس الوزراء إن الحكومة ماضية في خطتها لإعادة الإعمار في المحافظات المتضررة خلال العام المقبل."


def test_what_the_page_declares_comes_first():
    assert article_evidence({"newsarticle"}, None, "نص") == (True, "JSON-LD newsarticle")
    assert article_evidence(set(), "article", "نص") == (True, "og:type article")
    listing = article_evidence({"collectionpage", "breadcrumblist"}, None, "\n\n".join([PROSE] * 5))
    assert listing == (False, "JSON-LD collectionpage: a list of articles, not one")
    assert article_evidence({"newsarticle"}, None, "")[0] is False  # nothing to store


def test_otherwise_prose_is_an_article_and_a_list_of_headlines_is_not():
    assert article_evidence(set(), None, "\n\n".join([PROSE] * 5)) == (True, "5 paragraphs of prose")
    assert article_evidence(set(), None, PROSE)[0] is False  # one paragraph is a teaser
    headlines = "\n\n".join(["الكاظمي في البصرة", "أمطار في أربيل", "ارتفاع أسعار الدولار"] * 5)
    is_article, why = article_evidence(set(), "website", headlines)
    assert not is_article and why.endswith("a list of headlines, not an article")


def test_json_ld_types_are_read_from_graphs_and_lists_and_broken_scripts_are_skipped():
    tree = parse_html('<html><head><script type="application/ld+json">{"@graph": [{"@type": "WebSite"}, '
                      '{"@type": ["NewsArticle", "Article"]}]}</script><script type="application/ld+json">{oops'
                      '</script><script type="application/ld+json">[{"@type": "BreadcrumbList"}]</script></head>'
                      "<body><p>x</p></body></html>")
    assert ld_types(tree) == {"website", "newsarticle", "article", "breadcrumblist"}


def test_extraction_says_whether_the_page_is_an_article():
    home = extract_article(open("seeds/snapshots/ina/index.html", encoding="utf-8").read(), "https://www.ina.iq/")
    article = extract_article(open("seeds/snapshots/ina/111563--.html", encoding="utf-8").read(),
                              "https://www.ina.iq/111563--.html")
    assert (home.is_article, article.is_article) == (False, True)
    assert article.evidence == "og:type article"


def test_without_patterns_every_page_of_the_site_is_a_candidate_but_its_own_documents():
    site = replace(load_sites()["ina"], article_patterns=())
    assert site.checks_pages
    assert site.is_article("https://www.ina.iq/any/path/42") and site.is_article("https://m.ina.iq/x")
    for not_a_page in ("https://www.ina.iq/", "https://www.ina.iq/rss.xml", "https://www.ina.iq/sitemap.xml",
                       "https://www.ina.iq/logo.png", "https://www.ina.iq/tag/basra", "https://www.ina.iq/author/ali/",
                       "https://elsewhere.example/42"):
        assert not site.is_article(not_a_page), not_a_page


def test_extraction_says_where_the_publication_date_came_from():
    watan = extract_article(open("seeds/discovery/watan/news/123450", encoding="utf-8").read(), None,
                            tz="Asia/Riyadh")  # a custom CMS: nothing for machines, a Hijri and Gregorian byline
    assert (watan.published.iso, watan.published_from) == ("2024-05-12T09:00:00+03:00", "the visible byline")
    page = next(Path("seeds/discovery/masr/news").iterdir())  # Drupal: NewsArticle JSON-LD
    masr = extract_article(page.read_text(encoding="utf-8"))
    assert masr.published_from == "declared for machines (JSON-LD, meta)"
    fed = extract_article("<html><body><article><p>" + PROSE + "</p></article></body></html>", None,
                          feed_published="2024-05-12T09:00:00+03:00")
    assert fed.published_from == "the feed or sitemap"
