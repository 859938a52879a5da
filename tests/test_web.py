"""`rasid serve`: a real Datasette on the demo store, checked through its JSON API and in Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from db.store import Store
from tests.conftest import ROOT, base_url_args, free_port, run_rasid
from tests.factories import fetched, record

# servers and child processes: `pytest -m "not slow"` skips them; one xdist worker runs the module, so its shared fixtures are built once (`make test`)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("web")]

SPELLED_WITH_YAA_HAMZA = "https://example-news.iq/a/1"  # an article that writes مسئولية, not مسؤولية


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("web") / "demo.db"
    run_rasid("demo", "--db", str(db))
    store = Store(db)
    store.ensure_site("other", "موقع آخر", "https://example-news.iq", "Asia/Baghdad")
    record(store, fetched(
        SPELLED_WITH_YAA_HAMZA, site="other", at="2026-11-23T08:00:00+00:00",
        title="الحكومة تتحمل المسئولية عن انقطاع الكهرباء",
        text="قال نائب في البرلمان إن الحكومة تتحمل مسئولية انقطاع الكهرباء في المحافظات الجنوبية.",
        published="2026-11-23T10:00:00+03:00"))
    store.close()
    return db


SERVERS: dict[str, subprocess.Popen] = {}  # base URL -> the `rasid serve` process


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024  # the peak


def serve(db: Path):
    """`rasid serve` on the store, on a free port, once it answers: (base URL, its process)."""
    port = free_port()
    log = db.with_name("serve.log")  # a file, not a pipe: nobody reads the access log while tests run
    process = subprocess.Popen([sys.executable, "-m", "crawler", "serve", "--db", str(db), "--port", str(port)],
                               cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60  # bounds a broken start only: the loop waits for the server to answer
    while True:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2).read()
            return base, process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError("rasid serve did not start:\n" + log.read_text()) from None
            time.sleep(0.2)


@pytest.fixture(scope="module")
def datasette(demo_db):
    base, process = serve(demo_db)
    SERVERS[base] = process
    yield base
    process.terminate()
    process.wait(timeout=10)


def get(url: str) -> tuple[int, dict | str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            body = response.read().decode("utf-8")
            status = response.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read().decode("utf-8"), exc.code
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body


def query(base: str, name: str, **params) -> list[dict]:
    status, data = get(f"{base}/demo/{name}.json?_shape=array&" + urllib.parse.urlencode(params))
    assert status == 200, data
    return data


def search(base: str, q: str) -> set[str]:
    return {row["url"] for row in query(base, "search", q=q)}


def test_search_ignores_hamza_alef_maqsura_and_taa_marbuta(datasette, demo_db):
    store = Store(demo_db)
    try:
        all_urls = {r["url"]: r for r in store.db["articles"].rows}
    finally:
        store.close()
    kadhimi = {u for u, r in all_urls.items() if "الكاظمي" in (r["title"] or "") + (r["text"] or "")}
    assert len(kadhimi) >= 5
    assert search(datasette, "الكاظمى") == kadhimi  # alef maqsura typed for yaa
    security = {u for u, r in all_urls.items() if re.search(r"(?<!\w)[وفبكل]?(?:ال)?أمن(?!\w)", r["text"])}
    assert security and security <= search(datasette, "امن")  # bare alef typed for hamza
    assert SPELLED_WITH_YAA_HAMZA in search(datasette, "مسؤولية")  # waw-hamza typed, yaa-hamza stored
    waw_hamza = {u for u, r in all_urls.items() if "مسؤولية" in r["text"]}
    assert waw_hamza and waw_hamza <= search(datasette, "مسئولية")
    assert search(datasette, "البصره") == search(datasette, "البصرة")  # haa typed for taa marbuta
    assert not search(datasette, "كلمةلاتوجد")


def test_search_operators_and_an_empty_query_in_the_browser(datasette):
    assert search(datasette, "الكاظمي -البصرة") == search(datasette, "الكاظمي") - search(datasette, "البصرة")
    assert search(datasette, "الكاظ*") >= search(datasette, "الكاظمي")
    for empty in ("", '"', '""', "-البصرة", "OR"):  # the form again, with no rows: never an FTS5 error
        status, page = get(f"{datasette}/demo/search?" + urllib.parse.urlencode({"q": empty}))
        assert status == 200 and "syntax error" not in page and "fts5" not in page.lower(), empty
        assert query(datasette, "search", q=empty) == []


def test_canned_queries_answer(datasette):
    latest = query(datasette, "latest")
    assert len(latest) >= 31 and latest[0]["published_at"] >= latest[-1]["published_at"]
    assert query(datasette, "today")  # the demo ran today
    edits = query(datasette, "edits")
    assert [e["site"] for e in edits] == ["ina"] and "{+موسعا+}" in edits[0]["diff"]
    # a front page's pulled and teaser alerts are stored as every alert is (sent only to rules that ask)
    assert {a["kind"] for a in query(datasette, "alerts")} == {"new", "changed", "removed", "pulled", "teaser"}
    health = query(datasette, "site_health")
    assert {h["site"] for h in health} >= {"ina", "alaraby", "kitabat", "okaz", "elaph"}
    assert all(h["status"] == "ok" for h in health if h["site"] != "other")


def test_who_was_first_is_shown_on_evidence_in_the_article_pages_and_the_canned_queries(tmp_path):
    # the backdating copier of issue 26: INA seen four minutes after it published; Al-Araby's copy
    # first seen 19 days later, claiming a day before INA
    from crawler.crawl.processes import alive
    from tests.test_reprints import BACKDATED_CLAIM, COPY_SEEN, SOURCE_CLAIM, SOURCE_SEEN, WIRE, copy_of

    db = tmp_path / "demo.db"
    store = Store(db)
    for key in ("ina", "alaraby"):
        store.ensure_site(key, key, f"https://{key}.example", "Asia/Baghdad")
        store.finish_crawl(store.start_crawl(key, alive), {}, [], "ok")
    record(store, fetched("https://ina.example/1", "\n\n".join(WIRE), "خبر الكهرباء", site="ina",
                          published=SOURCE_CLAIM, at=SOURCE_SEEN))
    record(store, fetched("https://alaraby.example/1", copy_of(WIRE), "منقول", site="alaraby",
                          published=BACKDATED_CLAIM, at=COPY_SEEN))
    source, copy = (store.article(f"https://{k}.example/1")["id"] for k in ("ina", "alaraby"))
    store.close()
    base, process = serve(db)
    try:
        status, page = get(f"{base}/-/article/{copy}")
        assert status == 200
        reprint_of = page.split('id="reprint-of"', 1)[1].split("</section>", 1)[0]
        assert f'href="/-/article/{source}"' in reprint_of and "ina · " in reprint_of
        assert "2026-11-01 10:00+03:00</time>" in reprint_of and "(مؤكد · verified)" in reprint_of
        assert "+19d 0h" in reprint_of and "(verified publication to first sight)" in reprint_of
        this = reprint_of.split('id="this-article"', 1)[1]
        assert "claims <time" in this and "2026-10-31 10:00+03:00</time>" in this
        assert "2026-11-20 10:00+03:00</time>" in this and "not verified" in this
        assert "claims a publication before its source, not verified" in this
        status, page = get(f"{base}/-/article/{source}")
        reprinted = page.split('id="reprinted-by"', 1)[1].split("</section>", 1)[0]
        assert "alaraby · copy" in reprinted and "claims an earlier publication, not verified" in reprinted

        (first,) = query(base, "first_to_publish")
        assert (first["site"], first["evidence"], first["published_at"]) == ("ina", "verified", SOURCE_CLAIM)
        assert first["first_seen"].startswith("2026-11-01T07:04:00")
        assert first["copied_by"] == ("alaraby +456.0h copy (claims 2026-10-31 10:00+03:00, first seen 2026-11-20 "
                                      "10:00+03:00 (not verified); earlier than its source)")
        (pair,) = query(base, "who_copies_whom")
        assert {k: pair[k] for k in (
            "first_site", "copied_by", "fastest_hours", "seen_together", "verified_sources", "earlier_claims")} == {
            "first_site": "ina", "copied_by": "alaraby", "fastest_hours": 456.0, "seen_together": 0,
            "verified_sources": 1, "earlier_claims": 1}
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_tables_are_described_sorted_newest_first_and_faceted(datasette):
    status, data = get(f"{datasette}/demo/articles.json?_shape=objects&_size=5")
    assert status == 200
    dates = [r["published_at"] for r in data["rows"]]
    assert dates == sorted(dates, reverse=True)
    assert {"site", "section"} <= set(data["facet_results"])
    status, meta = get(f"{datasette}/-/metadata.json")
    columns = meta["databases"]["demo"]["tables"]["articles"]["columns"]
    assert "العنوان" in columns["title"] and "headline" in columns["title"]


def test_nothing_can_be_written_through_the_web_view(datasette, demo_db):
    before = Store(demo_db).db["articles"].count
    status, data = get(f"{datasette}/demo.json?" + urllib.parse.urlencode({"sql": "DELETE FROM articles"}))
    assert status == 400 and "SELECT" in data["error"]
    status, _ = get(f"{datasette}/demo.json?" + urllib.parse.urlencode(
        {"sql": "SELECT 1; DROP TABLE articles"}))
    assert status == 400
    for path in ("/demo/latest", "/demo/articles/-/insert", "/demo/-/create", "/demo/articles/1/-/delete"):
        request = urllib.request.Request(datasette + path, data=b'{"row": {"title": "x"}}', method="POST",
                                         headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 405, path
    assert Store(demo_db).db["articles"].count == before


def test_one_query_cannot_take_the_servers_memory(datasette):
    # 1.8 GB of blob in one SELECT: refused by SQLite's heap cap, the server stays small and up
    status, data = get(f"{datasette}/demo.json?" + urllib.parse.urlencode(
        {"sql": "select length(zeroblob(900000000) || zeroblob(900000000))"}))
    assert status >= 400 and data["ok"] is False, (status, data)  # SQLite's "out of memory", not a result
    assert peak_rss_mb(SERVERS[datasette].pid) < 600
    assert get(f"{datasette}/demo/latest.json?_shape=array")[0] == 200


def test_memory_is_held_per_request_and_a_refused_query_gets_datasettes_error_page(demo_db):
    # six concurrent randomblob(250000000): one took the server to 1.95 GB, the other five answered 500
    base, process = serve(demo_db)  # a server of its own: its peak is this attack's
    try:
        answers: list[tuple[int, dict | str]] = []

        def ask(sql: str, page: str = ".json") -> None:
            answers.append(get(f"{base}/demo{page}?" + urllib.parse.urlencode({"sql": sql})))

        rows_of_8mb = ("with recursive n(i) as (select 1 union all select i + 1 from n limit 60) "
                       "select randomblob(8000000) from n")  # 480 MB of rows in one answer
        for sql, error in (("select randomblob(250000000)", "string or blob too big"),
                           (rows_of_8mb, "the rows of this query hold more than 16 MB")):
            answers.clear()
            threads = [threading.Thread(target=ask, args=(sql,)) for _ in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert len(answers) == 6
            for status, data in answers:
                assert status == 400 and data["ok"] is False and data["error"].startswith(error), (status, data)
        assert peak_rss_mb(process.pid) < 600
        answers.clear()
        ask("select randomblob(250000000)", "")  # the HTML page: Datasette's own, with its SQL form
        status, page = answers[0]
        assert status == 400 and "string or blob too big" in page and 'name="sql"' in page
        assert get(f"{base}/demo/latest.json?_shape=array")[0] == 200  # and it goes on answering
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_sqlites_heap_cap_is_answered_with_datasettes_error_page_not_500(demo_db):
    # SQLITE_NOMEM reaches Python as MemoryError, which Datasette answers 500 (no query reaches the cap
    # on demand, the heap being shared by the process: the hook is asked directly)
    import asyncio

    from datasette.utils.asgi import Request

    from web import plugin
    from web.serve import datasette

    app = datasette(demo_db)
    for path in ("/demo.json?sql=select+1", "/demo?sql=select+1"):
        answer = plugin.handle_exception(datasette=app, request=Request.fake(path), exception=MemoryError())
        assert answer is not None, "MemoryError is left to Datasette's 500"
        response = asyncio.run(answer())
        assert response.status == 400 and "more memory than the server gives a query" in response.body
    assert plugin.handle_exception(datasette=app, request=Request.fake("/"), exception=ValueError()) is None


def test_a_crawl_writes_while_datasette_reads_without_lock_errors(datasette, demo_db, replay):
    failures: list[str] = []
    reads = 0
    stop = threading.Event()

    def read_constantly():
        nonlocal reads
        while not stop.is_set():
            for name, params in (("search", {"q": "الكاظمي"}), ("latest", {}), ("site_health", {})):
                status, data = get(f"{datasette}/demo/{name}.json?_shape=array&" + urllib.parse.urlencode(params))
                reads += 1
                if status != 200:
                    failures.append(f"{name}: {status} {data}")

    reader = threading.Thread(target=read_constantly)
    reader.start()
    try:
        crawl = run_rasid("crawl", "--db", str(demo_db), *base_url_args(replay), check=False)
    finally:
        stop.set()
        reader.join()
    assert crawl.returncode == 0, crawl.stderr
    assert "locked" not in crawl.stderr
    assert not failures and reads > 10
    # the crawl went back to day one of the snapshots: the INA edit is reverted, and search sees it at once
    assert search(datasette, "وشيوخ العشائر") == set()


def chromium_paths() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.mark.skipif(chromium_paths() is None and os.environ.get("CI") != "true",
                    reason="Debian's chromium and chromium-driver are not installed (make test installs them as root)")
def test_search_page_renders_arabic_right_to_left_in_chromium(datasette, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    paths = chromium_paths()
    assert paths, "chromium and chromedriver must be installed (.ci/run installs them)"
    options = webdriver.ChromeOptions()
    options.binary_location = paths[0]
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(paths[1]), options=options)
    try:
        driver.get(f"{datasette}/demo/search?" + urllib.parse.urlencode({"q": "الكاظمى"}))
        cells = driver.find_elements(By.CSS_SELECTOR, "td.col-title .rasid-ar")
        assert len(cells) >= 5
        for cell in cells:
            assert "الكاظمي" in cell.text or cell.text
            assert driver.execute_script("return getComputedStyle(arguments[0]).direction", cell) == "rtl"
        # right-to-left for real: a short title sits against the right edge of its box, not the left
        left_gap, right_gap = driver.execute_script(
            "const c = arguments[0], r = document.createRange(); r.selectNodeContents(c);"
            "const box = c.getBoundingClientRect(), text = r.getBoundingClientRect();"
            "return [text.left - box.left, box.right - text.right];", min(cells, key=lambda c: len(c.text)))
        assert right_gap < left_gap
    finally:
        driver.quit()

