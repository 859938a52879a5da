"""The newsroom's web view in a real browser (headless Chromium) against `rasid serve` on a fresh
demo store: the home page leads to every view, an article reads comfortably with its edit
highlighted, search marks the words it found, the alerts feed, and no request leaves the machine.
Screenshots of the pages are kept in test-artifacts/ (or $RASID_ARTIFACTS)."""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_rasid
from tests.test_web import chromium_paths, get, serve

# a server, a demo crawl and a browser; one xdist worker runs the module, so its shared fixtures are built once (`make test`)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("newsroom")]


@pytest.fixture(scope="module")
def datasette(tmp_path_factory):
    db = tmp_path_factory.mktemp("newsroom") / "demo.db"
    run_rasid("demo", "--db", str(db))
    base, process = serve(db)
    yield base
    process.terminate()
    process.wait(timeout=10)


def query(base: str, name: str, **params) -> list[dict]:
    status, data = get(f"{base}/demo/{name}.json?_shape=array&" + urllib.parse.urlencode(params))
    assert status == 200, data
    return data


ARTIFACTS = Path(os.environ.get("RASID_ARTIFACTS") or ROOT / "test-artifacts")  # screenshots kept for people


@pytest.fixture(scope="module")
def browser(datasette, tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    paths = chromium_paths()
    if paths is None:
        if os.environ.get("CI") == "true":
            raise AssertionError("chromium and chromedriver must be installed (.ci/run installs them)")
        pytest.skip("Debian's chromium and chromium-driver are not installed (make test installs them as root)")
    options = webdriver.ChromeOptions()
    options.binary_location = paths[0]
    profile = tmp_path_factory.mktemp("chromium")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,1000"):
        options.add_argument(flag)
    # the browser's console and its network log: every request the pages make, to any host
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(paths[1]), options=options)
    ARTIFACTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()


def visit(driver, url: str, screenshot: str | None = None):
    """Open a page; return the console errors and the hosts of every request it made."""
    driver.get_log("browser"), driver.get_log("performance")  # what earlier pages left
    driver.get(url)
    if screenshot:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1280, min(height, 3000))
        driver.save_screenshot(str(ARTIFACTS / f"{screenshot}.png"))
        driver.set_window_size(1280, 1000)
    errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    hosts = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = urllib.parse.urlsplit(message["params"]["request"]["url"])
            if url.scheme in ("http", "https", "ws", "wss"):  # not the browser's own chrome://, data:
                hosts.add(url.netloc)
    return errors, hosts


def edited_article(base: str) -> int:
    """The article the demo edits (INA's seed article: "موسعا" and "وشيوخ العشائر" added)."""
    (row,) = [r for r in query(base, "edits") if r["url"] == "https://www.ina.iq/111563--.html"]
    return row["article_id"]


def test_the_home_page_leads_to_every_view(datasette, browser):
    from selenium.webdriver.common.by import By

    errors, hosts = visit(browser, datasette + "/", "home")
    assert errors == [] and hosts == {urllib.parse.urlsplit(datasette).netloc}
    assert browser.find_element(By.CSS_SELECTOR, "form[role=search] input[name=q]")
    for view in ("latest", "edits", "alerts", "removed", "first", "copies", "health", "front", "pulled", "teasers", "feed"):
        href = browser.find_element(By.ID, f"link-{view}").get_attribute("href")
        with urllib.request.urlopen(href, timeout=30) as response:
            assert response.status == 200, href
    charts = browser.find_elements(By.CSS_SELECTOR, "figure.rasid-chart svg rect")
    assert charts, "the charts draw the demo's articles and its edit"
    edit_link = browser.find_element(By.CSS_SELECTOR, "a[href^='/-/article/']")
    assert edit_link.text


def test_an_edited_article_reads_comfortably_and_shows_the_inserted_words(datasette, browser):
    from selenium.webdriver.common.by import By

    article_id = edited_article(datasette)
    errors, hosts = visit(browser, f"{datasette}/-/article/{article_id}", "article")
    assert errors == [] and hosts == {urllib.parse.urlsplit(datasette).netloc}
    text = browser.find_element(By.ID, "article-text")
    assert text.size["width"] >= 600
    assert browser.execute_script("return getComputedStyle(arguments[0]).direction", text) == "rtl"
    assert browser.execute_script("return document.documentElement.scrollWidth <= "
                                  "document.documentElement.clientWidth")  # no horizontal scroll at 1280 px
    inserted = [ins.text for ins in browser.find_elements(By.CSS_SELECTOR, "#versions ins.rasid-ins")]
    assert inserted == ["موسعا", "وشيوخ العشائر"]  # the demo's edit, word for word
    colour = browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor",
                                    browser.find_element(By.CSS_SELECTOR, "ins.rasid-ins"))
    assert colour == "rgb(212, 248, 212)"  # green
    # any two versions compared, and each version's raw page downloadable
    versions = [li.get_attribute("id").split("-")[1] for li in browser.find_elements(By.CSS_SELECTOR, "#versions > li")]
    visit(browser, f"{datasette}/-/article/{article_id}?from={versions[0]}&to={versions[-1]}")
    assert "وشيوخ العشائر" in browser.find_element(By.CSS_SELECTOR, "#compare ins.rasid-ins:last-of-type").text
    with urllib.request.urlopen(f"{datasette}/-/article/{article_id}/version/{versions[-1]}.html") as response:
        assert "attachment" in response.headers["content-disposition"]
        assert "وشيوخ العشائر" in response.read().decode("utf-8")


def test_the_edits_view_links_titles_and_colours_the_diff(datasette, browser):
    from selenium.webdriver.common.by import By

    errors, _ = visit(browser, f"{datasette}/demo/edits", "edits")
    assert errors == []
    row = next(tr for tr in browser.find_elements(By.CSS_SELECTOR, "tbody tr") if "111563" in tr.text)
    title = row.find_element(By.CSS_SELECTOR, "td.col-title a.rasid-title")
    assert title.get_attribute("href").endswith(f"/-/article/{edited_article(datasette)}")
    assert [i.text for i in row.find_elements(By.CSS_SELECTOR, "td.col-diff ins")] == ["موسعا", "وشيوخ العشائر"]
    assert not browser.find_elements(By.CSS_SELECTOR, "pre.sql, textarea")  # no SQL above the answer
    label = browser.execute_script("return getComputedStyle(arguments[0], '::before').content",
                                   browser.find_element(By.CSS_SELECTOR, "th.col-title"))
    assert "العنوان" in label and browser.find_element(By.CSS_SELECTOR, "th.col-title").text.endswith("title")
    created = row.find_element(By.CSS_SELECTOR, "td.col-created_at time")
    assert created.text.endswith("+03:00")  # in Baghdad's time, as the console alerts say


def test_search_marks_the_words_found_in_their_spelling_and_opens_the_article(datasette, browser):
    from selenium.webdriver.common.by import By

    errors, hosts = visit(browser, f"{datasette}/-/search?" + urllib.parse.urlencode({"q": "الكاظمى"}), "search")
    assert errors == [] and hosts == {urllib.parse.urlsplit(datasette).netloc}
    results = browser.find_elements(By.CSS_SELECTOR, "#results .rasid-result")
    assert len(results) >= 5
    marks = {m.text for m in browser.find_elements(By.CSS_SELECTOR, "#results .rasid-excerpt mark")}
    assert marks == {"الكاظمي"}  # the query's alef maqsura found as the published yaa
    first = results[0].find_element(By.CSS_SELECTOR, "a.rasid-title")
    title = first.text
    first.click()
    assert browser.current_url.split("/-/article/")[1].isdigit()
    assert browser.find_element(By.ID, "article-title").text == title


@pytest.mark.parametrize("q, says", [("", None), ("   ", None), ("-البصرة", "only excludes")])
def test_an_empty_or_unusable_search_shows_the_form_not_an_error(datasette, q, says):
    status, page = get(f"{datasette}/-/search?" + urllib.parse.urlencode({"q": q}))
    assert status == 200 and 'name="q"' in page and "Error" not in page
    if says:
        assert says in page
    status, page = get(f"{datasette}/demo/search?" + urllib.parse.urlencode({"q": q}))
    assert status == 200 and "syntax error" not in page.lower()


def test_the_alerts_feed_follows_the_store_and_its_filters(datasette):
    import xml.etree.ElementTree as ET

    atom = "{http://www.w3.org/2005/Atom}"
    with urllib.request.urlopen(datasette + "/-/alerts.atom") as response:
        assert response.headers["content-type"].startswith("application/xml")
        entries = ET.fromstring(response.read()).findall(f"{atom}entry")
    alerts = query(datasette, "alerts")
    assert len(entries) == len(alerts)
    with urllib.request.urlopen(datasette + "/-/alerts.atom?kind=changed&site=ina") as response:
        (entry,) = ET.fromstring(response.read()).findall(f"{atom}entry")
    assert entry.find(f"{atom}title").text.startswith("[changed] ina: ")
    assert "{+موسعا+}" in entry.find(f"{atom}content").text


def test_who_published_first_is_answered_in_the_browser(datasette, browser):
    from selenium.webdriver.common.by import By

    errors, hosts = visit(browser, f"{datasette}/demo/first_to_publish", "first_to_publish")
    assert errors == [] and hosts == {urllib.parse.urlsplit(datasette).netloc}
    rows = {tr.find_element(By.CSS_SELECTOR, "td.col-site").text: tr
            for tr in browser.find_elements(By.CSS_SELECTOR, "tbody tr")}
    assert set(rows) == {"kitabat", "ina"}  # two stories; Souk Okaz's own report of the wire's event is none
    # first seen in one crawl, years after the dates they claim: the claims order them, as claims
    assert "okaz claims +5.6h copy" == rows["kitabat"].find_element(By.CSS_SELECTOR, "td.col-copied_by").text
    wire = rows["ina"].find_element(By.CSS_SELECTOR, "td.col-copied_by").text
    assert wire == "alaraby claims +0.8h copy · elaph claims +2.1h rewrite"  # fastest first
    assert rows["kitabat"].find_element(By.CSS_SELECTOR, "td.col-published_at time").text.endswith("+03:00")
    assert rows["kitabat"].find_element(By.CSS_SELECTOR, "td.col-first_seen time").text.endswith("+03:00")
    assert rows["kitabat"].find_element(By.CSS_SELECTOR, "td.col-evidence").text == "claimed"
    # the source's title opens its article page, which lists who reprinted it; that copy's page names its source
    rows["kitabat"].find_element(By.CSS_SELECTOR, "td.col-title a.rasid-title").click()
    source_url = browser.current_url
    reprinted = browser.find_elements(By.CSS_SELECTOR, "#reprinted-by li")
    assert len(reprinted) == 1 and "okaz" in reprinted[0].text and "claims +5h 35m" in reprinted[0].text
    assert "not verified" in reprinted[0].text
    reprinted[0].find_element(By.CSS_SELECTOR, "a.rasid-title").click()
    assert "بعد تفجيري ساحة الطيران" in browser.find_element(By.ID, "article-title").text
    source = browser.find_element(By.CSS_SELECTOR, "#reprint-of a.rasid-title")
    assert source.get_attribute("href") == source_url and "تفجيري بغداد" in source.text
    visit(browser, f"{datasette}/demo/who_copies_whom", "who_copies_whom")
    pairs = [(tr.find_element(By.CSS_SELECTOR, "td.col-first_site").text,
              tr.find_element(By.CSS_SELECTOR, "td.col-copied_by").text) for tr in
             browser.find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert sorted(pairs) == [("ina", "alaraby"), ("ina", "elaph"), ("kitabat", "okaz")]


def test_an_article_page_shows_its_front_page_history_with_each_teaser_beside_its_title(datasette, browser):
    from selenium.webdriver.common.by import By

    # INA's story whose front-page headline the demo rewrote, its own title unchanged
    (row,) = [r for r in query(datasette, "teaser_changes") if r["how"] == "rewritten"]
    errors, hosts = visit(browser, f"{datasette}/-/article/{row['article_id']}", "article-front-page")
    assert errors == [] and hosts == {urllib.parse.urlsplit(datasette).netloc}
    section = browser.find_element(By.ID, "front-page")
    assert browser.execute_script("return getComputedStyle(arguments[0]).direction", section) == "rtl"
    title = browser.find_element(By.ID, "article-title").text
    teasers = section.find_elements(By.CSS_SELECTOR, "tr.front-teaser")
    shown = [(tr.find_element(By.CSS_SELECTOR, "td.teaser").text, tr.find_element(By.CSS_SELECTOR, "td.title").text)
             for tr in teasers]
    assert shown == [(title, title), ("التربية: امتحانات الدور الثاني للإعدادية تبدأ منتصف الشهر", title)]
    # side by side on one line, the rewritten one marked
    first, second = (tr.find_element(By.CSS_SELECTOR, "td.teaser") for tr in teasers)
    beside = second.find_element(By.XPATH, "following-sibling::td[1]")
    assert abs(second.location["y"] - beside.location["y"]) < 5 and second.location["x"] != beside.location["x"]
    assert "rasid-differs" in teasers[1].get_attribute("class")
    assert browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor", second) \
        != browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor", first)
    assert section.find_element(By.CSS_SELECTOR, ".front-appeared").text
    assert section.find_element(By.CSS_SELECTOR, ".front-best").text == "#3"  # third in the ticker, the top of the page
    assert "ما زال على الواجهة" in section.find_element(By.CSS_SELECTOR, ".front-left").text
    # the story pulled while its article stayed online says so, with when it left
    (pulled,) = query(datasette, "pulled_early", site="ina")
    visit(browser, f"{datasette}/-/article/{pulled['article_id']}")
    section = browser.find_element(By.ID, "front-page")
    assert section.find_element(By.CSS_SELECTOR, "time.front-left").text
    assert "pulled, the article still online" in section.find_element(By.CSS_SELECTOR, ".front-pulled").text
    # and the site's front page hour by hour: the story that leads now, linked to its page
    errors, _ = visit(browser, section.find_element(By.CSS_SELECTOR, "p.rasid-meta a").get_attribute("href"),
                      "front-timeline")
    assert errors == []
    leads = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#front-timeline .front-lead a")]
    assert "وزارة الكهرباء تعلن إضافة 500 ميغاواط إلى المنظومة الوطنية" in leads
