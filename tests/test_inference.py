"""What a new site's entry says, inferred from what it publishes (monitor/inference.py): pure."""

from __future__ import annotations

from datetime import datetime

import re2

from monitor.inference import url_patterns, zone_for


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def test_a_zone_is_the_one_whose_offset_fits_every_date_the_site_wrote():
    london = [at("2022-04-06T16:40:00+01:00"), at("2022-01-10T09:00:00+00:00")]  # summer and winter time
    assert zone_for(london, "elaph.com")[0] == "Europe/London"
    assert zone_for([at("2020-08-22T20:18:00+03:00")], "www.ina.iq")[0] == "Asia/Baghdad"
    assert zone_for([at("2021-01-04T10:00:00+01:00")], "hespress.ma")[0] == "Africa/Casablanca"
    cairo = [at("2024-07-01T10:00:00+03:00"), at("2024-01-01T10:00:00+02:00")]  # Egypt's summer time
    zone, how = zone_for(cairo, "www.youm7.com")
    assert zone == "Africa/Cairo" and "+02:00, +03:00" in how


def test_without_local_offsets_the_country_decides_and_without_a_country_nothing_is_guessed():
    utc_only = [at("2022-04-06T15:40:00+00:00")]  # a site may write UTC: says nothing of its zone
    assert zone_for(utc_only, "www.alaraby.co.uk")[0] == "Europe/London"
    assert zone_for([], "www.okaz.com.sa")[0] == "Asia/Riyadh"
    assert zone_for(utc_only, "news.example") == (None, "no local offset in its dates and no country domain")


def test_patterns_generalise_numbers_dates_and_slugs_and_keep_shared_literals():
    assert url_patterns(["/archives/52871", "/archives/52860", "/archives/52866"]) == [r"^/archives/\d+/?$"]
    assert url_patterns(["/2021/01/20/a-b/", "/2021/01/21/c-d/"]) == [r"^/\d{4}/\d{1,2}/\d{1,2}/[^/]+/?$"]
    assert url_patterns(["/ar/news/123456", "/ar/news/123457", "/ar/news/99"]) == [r"^/ar/news/\d+/?$"]
    assert url_patterns([]) == []


def test_inferred_patterns_run_in_linear_time_and_match_what_they_were_made_from():
    paths = ["/Web/News/2022/04/1470123.html", "/111563--.html", "/politics/لبنان-تحقيقات"]
    for pattern in url_patterns(paths, share=0.3):
        compiled = re2.compile(pattern)  # RE2 refuses back-references and the like
        assert any(compiled.search(p) for p in paths)
