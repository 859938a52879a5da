"""Replay server -> crawl -> store -> the sites change -> crawl again -> alerts, over loopback."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from crawler.demo.demo import apply_demo_update
from tests.conftest import CLUTTER, ROOT, SNAPSHOT_ARTICLES, base_url_args, rows, run_rasid

pytestmark = pytest.mark.slow  # servers and child processes: `pytest -m "not slow"` skips them

ZONES = {"ina": "Asia/Baghdad", "alaraby": "Europe/London", "kitabat": "Asia/Baghdad", "okaz": "Asia/Baghdad",
         "elaph": "Europe/London"}
SEED_DATES = {  # the five seed articles, as their sites date them
    "https://www.ina.iq/111563--.html": "2020-08-22T20:18:00+03:00",
    "https://soukukkaz.com/archives/52871": "2020-12-30T13:20:00+03:00",
    "https://elaph.com/Web/News/2022/04/1470123.html": "2022-04-06T16:40:00+01:00",
}


def expected_dates() -> dict[str, str]:
    """Title -> publication instant, from the data the snapshots were written from."""
    out = {}
    corpus = tomllib.loads((ROOT / "seeds" / "tools" / "corpus.toml").read_text(encoding="utf-8"))
    for site, items in corpus["other"].items():
        for item in items:
            local = datetime.fromisoformat(item["published"]).replace(tzinfo=ZoneInfo(ZONES[site]))
            out[item["title"]] = local.isoformat()
    return out


def test_crawl_edit_recrawl_gives_exactly_the_expected_alerts(tmp_path, replay, snapshot_root):
    db = tmp_path / "rasid.db"
    first = run_rasid("crawl", "--db", str(db), *base_url_args(replay))
    assert "alaraby" in first.stdout and "okaz" in first.stdout

    articles = rows(db, "SELECT * FROM articles")
    assert {a["site"] for a in articles} == {"ina", "alaraby", "kitabat", "okaz", "elaph"}
    assert len(articles) == SNAPSHOT_ARTICLES
    # URLs are the live sites', never the replay server's
    assert all(a["url"].startswith(("https://www.ina.iq/", "https://www.alaraby.co.uk/", "https://kitabat.com/",
                                    "https://soukukkaz.com/", "https://elaph.com/")) for a in articles)
    dates = expected_dates()
    for a in articles:
        assert a["title"], a["url"]
        assert len(a["text"]) > 200, a["url"]
        leaks = [c for c in CLUTTER if c in a["text"]]
        assert not leaks, f"{a['url']} leaks {leaks}"
        expected = dates.get(a["title"]) or SEED_DATES.get(a["url"])
        if expected:
            assert datetime.fromisoformat(a["published_at"]) == datetime.fromisoformat(expected), a["url"]
        assert a["published_at"] and a["published_precision"] in ("minute", "second"), a["url"]
    kitabat_seed = next(a for a in articles if a["site"] == "kitabat" and "تفجيري بغداد" in a["title"])
    assert kitabat_seed["published_at"].startswith("2021-01-22")
    assert kitabat_seed["section"] == "سياسة"
    alaraby_seed = next(a for a in articles if "لا مكان للخائفين" in a["title"])
    assert alaraby_seed["published_at"].startswith("2020-08-23")
    assert not rows(db, "SELECT * FROM alerts"), "the baseline crawl raises no alerts"
    assert rows(db, "SELECT count(*) AS n FROM versions")[0]["n"] == SNAPSHOT_ARTICLES

    # Unchanged site: nothing new, no version, no alert, and the pages cost 304s.
    run_rasid("crawl", "--db", str(db), *base_url_args(replay))
    assert rows(db, "SELECT count(*) AS n FROM versions")[0]["n"] == SNAPSHOT_ARTICLES
    assert not rows(db, "SELECT * FROM alerts")
    last = rows(db, "SELECT sum(not_modified) AS nm, sum(new) AS new, sum(changed) AS ch FROM crawls "
                    "WHERE id > 5")[0]
    assert (last["new"], last["ch"]) == (0, 0) and last["nm"] == SNAPSHOT_ARTICLES

    apply_demo_update(snapshot_root)
    replay.reload()
    run_rasid("crawl", "--db", str(db), *base_url_args(replay))
    alerts = rows(db, "SELECT kind, site, url, title, diff FROM alerts ORDER BY kind")
    # and on INA's front page a story pulled while its article stays online, a teaser rewritten
    # (alerts kept for the watch rules that ask for them, tests/test_frontpage_crawl.py)
    assert [(a["kind"], a["site"]) for a in alerts] == [("changed", "ina"), ("new", "alaraby"), ("pulled", "ina"),
                                                        ("removed", "okaz"), ("teaser", "ina")]
    changed = alerts[0]
    assert changed["url"] == "https://www.ina.iq/111563--.html"
    assert "{+موسعا+}" in changed["diff"] and "{+وشيوخ العشائر+}" in changed["diff"]
    assert rows(db, "SELECT versions FROM articles WHERE url = ?", [changed["url"]])[0]["versions"] == 2
    assert rows(db, "SELECT status FROM articles WHERE url = ?", [alerts[3]["url"]])[0]["status"] == "removed"
    # Rotating "related" boxes changed on many pages: none of that is an edit.
    assert rows(db, "SELECT count(*) AS n FROM versions")[0]["n"] == SNAPSHOT_ARTICLES + 2

    # And once more: the same changes are not reported twice.
    run_rasid("crawl", "--db", str(db), *base_url_args(replay))
    assert len(rows(db, "SELECT * FROM alerts")) == 5

    integrity = rows(db, "PRAGMA integrity_check")[0]
    assert list(integrity.values()) == ["ok"]
    assert rows(db, "PRAGMA journal_mode")[0]["journal_mode"] == "wal"


def test_demo_command_runs_end_to_end(tmp_path):
    db = tmp_path / "demo.db"
    result = run_rasid("demo", "--db", str(db))
    out = result.stdout
    for site in ("ina", "alaraby", "kitabat", "okaz", "elaph"):
        assert f"\n{site} " in out or f"  {site} " in out
    assert "[changed] ina:" in out and "[new] alaraby:" in out and "[removed] okaz:" in out
    assert out.count("\n[") == 3  # a front page's pulled and teaser alerts are for the rules that ask
    # what moved on the front pages after the second crawl
    front = out.split("\nfront pages (", 1)[1]
    ina = front.split("\nina / (read ", 1)[1].split("\nokaz", 1)[0]
    assert "+ lead #1  «وزارة الكهرباء تعلن إضافة 500 ميغاواط إلى المنظومة الوطنية»  (appeared)" in ina
    assert "↕ lead #1 → آخر الأخبار #1  «الداخلية: ضبط شبكة لتهريب الآثار" in ina
    assert "→ «التربية: امتحانات الدور الثاني للإعدادية تبدأ منتصف الشهر»  (teaser rewritten)" in ina
    assert "«النقل تعلن استئناف الرحلات الجوية بين بغداد والبصرة»  (pulled: left the page, the article still online)" in ina
    assert "«ضبط شحنة مخدرات كبيرة في منفذ حدودي جنوبي البلاد»  (left the page)" in front.split("\nokaz / (read ", 1)[1]
    # the reprint cases of the snapshots: Kitabat's article on Souk Okaz 5 h 35 min later under
    # another headline, INA's wire on Al-Araby and Elaph; Souk Okaz's own report of the same event
    # as the wire is no reprint. All were first seen in one crawl of today, years after the dates
    # they claim: the claims order them and give the delays, shown as claims, none verified
    reprints = out.split("reprints (the source ← who copied", 1)[1].split("\nsnapshot changed", 1)[0]
    assert "2 stories with reprints, 3 reprints" in reprints
    story = reprints.split("kitabat  رداً على تفجيري بغداد", 1)[1]
    assert "← okaz     copy    shared 1.00 jaccard 1.00          ?  بعد تفجيري ساحة الطيران" in story
    assert "← elaph    rewrite shared 1.00 jaccard 0.74" in reprints  # all of it in the wire, not a copy
    assert "\nshared: the share of the shorter text found in the other; jaccard: " in reprints
    assert "claims 2021-01-22 19:40+03:00 (+5h 35m), first seen " in story
    assert story.split("\n")[1].startswith("    claims 2021-01-22 14:05+03:00, first seen ")
    wire = reprints.split("ina      الداخلية: ضبط شبكة لتهريب الآثار", 1)[1].split("kitabat", 1)[0]
    assert "← alaraby" in wire and "(+0h 50m)" in wire and "← elaph" in wire and "(+2h 05m)" in wire
    assert reprints.count("(not verified)") == 5 and "(verified)" not in reprints
    assert "آثار سومرية كادت تباع" not in reprints
    assert db.exists()
    # the way on points to Rasid's own web view of the store (not plain Datasette)
    assert f"browse it with `rasid serve --db {db}`" in out and "`datasette " not in out
    # and the elaph/alaraby datelines were not taken for authors
    assert not rows(db, "SELECT author FROM articles WHERE author LIKE '%إيلاف من%' OR author LIKE '%العربي الجديد%'")
    again = run_rasid("demo", "--db", str(db), check=False)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_an_article_that_now_redirects_to_the_home_page_is_removed(tmp_path, replay, snapshot_root):
    db = tmp_path / "rasid.db"
    run_rasid("crawl", "okaz", "--db", str(db), *base_url_args(replay))
    (snapshot_root / "okaz" / "_replay.toml").write_text('[redirects]\n"/archives/52871" = "/"\n', encoding="utf-8")
    replay.reload()
    run_rasid("crawl", "okaz", "--db", str(db), *base_url_args(replay))
    alerts = rows(db, "SELECT kind, url FROM alerts")
    assert alerts == [{"kind": "removed", "url": "https://soukukkaz.com/archives/52871"}]
    assert rows(db, "SELECT status FROM articles WHERE url = ?", [alerts[0]["url"]])[0]["status"] == "removed"


def test_a_server_without_validators_costs_no_extraction_when_nothing_changed(tmp_path, replay, snapshot_root):
    (snapshot_root / "kitabat" / "_replay.toml").write_text("validators = false\n", encoding="utf-8")
    replay.reload()
    db = tmp_path / "rasid.db"
    run_rasid("crawl", "kitabat", "--db", str(db), *base_url_args(replay))
    run_rasid("crawl", "kitabat", "--db", str(db), *base_url_args(replay))
    second = rows(db, "SELECT pages, not_modified, unchanged, changed FROM crawls ORDER BY id DESC LIMIT 1")[0]
    # the same bytes came back: recognised by their hash, counted as not modified, not extracted again
    assert second == {"pages": 6, "not_modified": 6, "unchanged": 0, "changed": 0}
    assert rows(db, "SELECT count(*) AS n FROM versions")[0]["n"] == 6


def scrapy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_scrapys_own_commands_work_in_the_project(tmp_path, replay):
    assert scrapy("list").stdout.split() == ["news"]
    # `scrapy crawl news -a site=ina` is the crawl `rasid crawl ina` runs
    ours, theirs = tmp_path / "rasid.db", tmp_path / "scrapy.db"
    rasid = run_rasid("crawl", "ina", "--db", str(ours), "--base-url", f"ina={replay.base_urls['ina']}")
    result = scrapy("crawl", "news", "-a", "site=ina", "-a", f"base_url={replay.base_urls['ina']}", "-a",
                    f"db={theirs}")
    assert result.returncode == 0, result.stderr
    # and says what it did as rasid crawl says it: the start line, a line per new article, the summary table
    assert f"crawling ina into {theirs}" in result.stderr
    assert sorted(x for x in result.stderr.splitlines() if x.startswith("  [ina] new")) == \
        sorted(x for x in rasid.stderr.splitlines() if x.startswith("  [ina] new")) and "  [ina] new " in result.stderr
    assert "crawl finished in " in result.stdout
    table = result.stdout.split("crawl finished in ", 1)[1].splitlines()[1:]
    assert table == rasid.stdout.split("crawl finished in ", 1)[1].splitlines()[1:]
    columns = "url, title, text, published_at, author, section"
    assert rows(theirs, f"SELECT {columns} FROM articles ORDER BY url") == \
        rows(ours, f"SELECT {columns} FROM articles ORDER BY url")
    assert rows(theirs, "SELECT site, status, pages FROM crawls") == [{"site": "ina", "status": "ok", "pages": 7}]
    # run again: conditional requests, nothing new, as rasid crawl does
    scrapy("crawl", "news", "-a", "site=ina", "-a", f"base_url={replay.base_urls['ina']}", "-a", f"db={theirs}")
    assert rows(theirs, "SELECT not_modified, new FROM crawls ORDER BY id DESC LIMIT 1") == [
        {"not_modified": 7, "new": 0}]
    missing = scrapy("crawl", "news")
    assert missing.returncode != 0 and "the news spider needs -a site=KEY, one of: ina, alaraby" in missing.stderr
    # Scrapy's own commands are left alone by the project's pipelines and address policy
    fetched = scrapy("fetch", "--nolog", replay.base_urls["ina"] + "/111563--.html")
    assert fetched.returncode == 0 and "ترهيب أهل البصرة" in fetched.stdout
    shell = scrapy("shell", "--nolog", "-c", 'response.css("h1::text").get()', replay.base_urls["ina"] + "/111563--.html")
    assert shell.returncode == 0 and "ترهيب أهل البصرة" in shell.stdout, shell.stderr
