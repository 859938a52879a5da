"""Every command explains itself; the date command speaks JSON."""

import json
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.crawl.processes import alive
from db.store import Store
from tests.conftest import ROOT, free_port
from tests.factories import fetched, record


@pytest.mark.parametrize("command", [[], ["crawl"], ["demo"], ["replay"], ["replay", "serve"], ["dates"], ["extract"], ["reextract"], ["serve"], ["search"], ["reprints"], ["import", "warc"], ["export", "warc"], ["daemon"], ["status"], ["backup"],
                                     ["dates", "parse"]])
def test_every_command_has_a_manual(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output and len(result.output) > 200


def test_dates_parse_prints_json():
    result = CliRunner().invoke(main, ["dates", "parse", "منذ 3 ساعات", "--reference", "2022-04-06T18:30:00+03:00",
                                       "--tz", "Asia/Baghdad"])
    assert json.loads(result.output) == {"iso": "2022-04-06T15:30:00+03:00", "precision": "minute",
                                         "calendar": "gregorian"}


def test_dates_parse_jsonl_keeps_order_and_nulls():
    lines = [{"text": "5 رمضان 1443 هـ"}, {"text": "العودة للخلف"}, {"text": "أيار 2022"}]
    result = CliRunner().invoke(main, ["dates", "parse", "--jsonl"],
                                input="\n".join(json.dumps(x, ensure_ascii=False) for x in lines))
    answers = [json.loads(line) for line in result.output.splitlines()]
    assert [a["iso"] for a in answers] == ["2022-04-06", None, "2022-05"]
    assert answers[0]["calendar"] == "hijri"


def test_dates_parse_bad_input_is_exit_2():
    result = CliRunner().invoke(main, ["dates", "parse", "--jsonl"], input="not json\n")
    assert result.exit_code == 2 and "stdin line 1" in result.output


def test_dates_parse_jsonl_answers_every_line_even_after_a_bad_one():
    lines = ['{"text": "3 يناير 2021"}', "not json", '{"txt": "x"}', '{"text": "أيار 2022"}']
    result = CliRunner().invoke(main, ["dates", "parse", "--jsonl"], input="\n".join(lines) + "\n")
    assert result.exit_code == 2
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["iso"] for a in answers] == ["2021-01-03", None, None, "2022-05"]
    assert "stdin line 2" in answers[1]["error"] and "stdin line 3" in answers[2]["error"]
    assert "error" not in answers[0] and "error" not in answers[3]
    assert result.stderr.count("rasid: stdin line") == 2


# --- rasid extract ---------------------------------------------------------------------

LABELLED = Path(__file__).parent / "labelled" / "pages"


def test_extract_a_saved_page_in_windows_1256_prints_the_article_as_json():
    result = CliRunner().invoke(main, ["extract", str(LABELLED / "echorouk-1.html"), "--tz", "Africa/Algiers"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["title"] == "الجزائر تطلق خطا بحريا جديدا نحو موريتانيا"
    assert data["text"].startswith("أعلنت وزارة النقل الجزائرية") and data["text"].count("\n\n") == 2
    assert data["published"] == "2024-06-05T14:20:00+01:00" and data["published_precision"] == "minute"
    assert data["encoding"] == "cp1256" and data["lang"] == "ar" and data["site"] is None
    assert set(data) >= {"title", "text", "published", "modified", "author", "section", "tags", "image",
                         "canonical_url", "lang", "site"}


@pytest.mark.slow
def test_extract_a_url_from_a_known_site_uses_its_hints(replay):
    url = replay.base_urls["ina"] + "/111563--.html"
    result = CliRunner().invoke(main, ["extract", url, "--site", "ina"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["site"] == "ina" and data["published"] == "2020-08-22T20:18:00+03:00"
    assert data["title"] == "الكاظمي: جماعات خارجة عن القانون تحاول منذ فترة ترهيب أهل البصرة"
    assert data["canonical_url"] == "https://www.ina.iq/111563--.html"
    assert "ليصلك المزيد" not in data["text"] and "العودة للخلف" not in data["text"]


def test_extract_a_saved_page_knows_its_site_from_url():
    page = Path(__file__).parents[1] / "seeds" / "snapshots" / "okaz" / "archives" / "52871"
    result = CliRunner().invoke(main, ["extract", str(page), "--url", "https://soukukkaz.com/archives/52871"])
    data = json.loads(result.output)
    assert data["site"] == "okaz" and data["section"] == "سياسة" and data["tags"] == ["الكاظمي"]


SNAPSHOT_PAGES = Path(__file__).parents[1] / "seeds" / "snapshots"


def test_extract_finds_the_site_from_the_pages_own_canonical_url():
    # no --url, no --site: the page's <link rel=canonical> is on ina.iq, one of sites.toml's hosts
    result = CliRunner().invoke(main, ["extract", str(SNAPSHOT_PAGES / "ina" / "111563--.html")])
    data = json.loads(result.output)
    assert data["site"] == "ina" and data["timezone"] == "Asia/Baghdad"
    assert data["published"] == "2020-08-22T20:18:00+03:00" and data["timezone_assumed"] is False


def test_extract_of_a_page_of_no_known_zone_says_the_zone_was_assumed(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>خبر</title></head><body><h1>خبر عاجل من مكان ما</h1>"
                    "<div class='date'>22 آب 2020 - 20:18</div><p>" + "نص الخبر الكامل هنا. " * 20 + "</p></body></html>",
                    encoding="utf-8")
    data = json.loads(CliRunner().invoke(main, ["extract", str(page)]).output)
    assert data["site"] is None and data["timezone"] is None
    assert data["published"] == "2020-08-22T20:18:00+00:00" and data["timezone_assumed"] is True
    data = json.loads(CliRunner().invoke(main, ["extract", str(page), "--tz", "Asia/Beirut"]).output)
    assert data["published"] == "2020-08-22T20:18:00+03:00" and data["timezone_assumed"] is False


def test_extract_of_bytes_that_are_not_html_is_a_one_line_error(tmp_path):
    png = tmp_path / "photo.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    noise = tmp_path / "noise.html"
    noise.write_bytes(bytes((i * 7919 + 13) % 256 for i in range(20000)))
    for source in (png, noise, Path(sys.executable).resolve()):
        result = CliRunner().invoke(main, ["extract", str(source)])
        assert result.exit_code == 2 and f"{source}: not an HTML page" in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("source, code, message", [
    ("/no/such/page.html", 2, "/no/such/page.html: cannot read"),
    ("file:///etc/passwd", 2, "only http and https"),
    ("http://127.0.0.1:9/page", 2, "http://127.0.0.1:9/page: cannot fetch"),
])
def test_extract_bad_sources_are_one_line_errors(source, code, message):
    result = CliRunner().invoke(main, ["extract", source])
    assert result.exit_code == code and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_extract_a_page_without_an_article_exits_1(tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"<html><body><nav><a href='/'>home</a></nav></body></html>")
    result = CliRunner().invoke(main, ["extract", str(empty)])
    assert result.exit_code == 1 and "no article text found" in result.output


@pytest.mark.slow
def test_extract_a_missing_url_on_the_replay_server_is_an_http_error(replay):
    result = CliRunner().invoke(main, ["extract", replay.base_urls["ina"] + "/nope.html"])
    assert result.exit_code == 2 and "HTTP 404" in result.output


# --- status, serve and the store's whereabouts -------------------------------------------------


def test_a_missing_default_store_hints_at_the_demo_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Store(tmp_path / "demo.db").close()
    for command in (["status"], ["search", "x"], ["serve"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2 and "rasid.db: no such store (the demo's store is demo.db: add --db demo.db)" \
            in result.output, result.output


def test_status_says_when_no_daemon_runs_the_schedule(tmp_path):
    db = tmp_path / "rasid.db"
    store = Store(db)
    store.ensure_site("ina", "INA", "https://www.ina.iq", "Asia/Baghdad")
    store.finish_crawl(store.start_crawl("ina", alive), {"pages": 3}, [], "ok")
    store.close()
    # the schedule an earlier daemon left: ina's job due in the past, nothing running it now
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    from crawler.daemon.scheduler import JOBS_TABLE

    scheduler = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{db}", tablename=JOBS_TABLE)},
                                    timezone="UTC")
    scheduler.start(paused=True)
    scheduler.add_job("crawler.daemon:run_site_job", "interval", minutes=30, args=["ina"], id="crawl:ina",
                      next_run_time=datetime(2023, 11, 14, 22, 13, tzinfo=UTC))
    scheduler.shutdown()
    result = CliRunner().invoke(main, ["status", "--db", str(db)])
    assert result.exit_code == 0, result.output
    ina = next(line for line in result.output.splitlines() if line.startswith("ina "))
    assert "no daemon running" in ina and "2023-11-14" not in ina  # no past time passed off as the next run
    assert "+00:00" in ina  # the last run with its offset
    assert "daemon: not running" in result.output


def test_serve_on_a_busy_port_is_a_one_line_error(tmp_path):
    db = tmp_path / "rasid.db"
    Store(db).close()
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--db", str(db), "--port", str(port)])
    assert result.exit_code == 2 and f"--port {port}: cannot listen there" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_read_only_commands_do_not_call_the_store_one_to_write():
    for command in ("status", "serve", "search"):
        help_text = CliRunner().invoke(main, [command, "--help"]).output
        assert "store to read" in help_text and "store to write" not in help_text


@pytest.mark.slow
def test_extract_follows_no_redirect_to_the_machine_or_the_metadata_service():
    from tests.hostile import Answer, HostileServer

    server, other = HostileServer(), HostileServer()
    try:
        page = b"<html><body><h1>x</h1><p>" + "نص خبر سري لا يخرج من هذا الجهاز. ".encode() * 20 + b"</p></body></html>"
        other.route("/secret", Answer(200, page))
        server.route("/meta", Answer(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"}))
        server.route("/port", Answer(302, b"", {"Location": f"{other.base_url}/secret"}))
        server.route("/same", Answer(302, b"", {"Location": "/fine"}))
        server.route("/fine", Answer(200, page))
        for path, target in (("/meta", "169.254.169.254"), ("/port", other.base_url)):
            result = CliRunner().invoke(main, ["extract", server.base_url + path])
            assert result.exit_code == 2 and "refused" in result.output and target in result.output, result.output
        assert other.hits["/secret"] == 0
        ok = CliRunner().invoke(main, ["extract", server.base_url + "/same"])  # the user's own origin
        assert ok.exit_code == 0, ok.output
    finally:
        server.close()
        other.close()


def test_offline_commands_import_no_scrapy_module():
    # extract, reextract, search, status and serve work on files and the store: they must not pay
    # for (or break with) the crawling framework
    code = ("import sys, crawler.cli, crawler.reextract, crawler.daemon.scheduler, crawler.daemon.alerts, crawler.extract_one, crawler.report, crawler.archive.importer, crawler.archive.exporter, monitor.recorder, web.serve; "
            "print(sorted(m for m in sys.modules if m == 'scrapy' or m.startswith('scrapy.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_an_incomplete_crawl_says_why_in_its_first_error_lines():
    from crawler.report import first_errors

    rows = [{"site": "ina", "error_log": json.dumps([f"https://www.ina.iq/{n}: HTTP 500" for n in range(5)])},
            {"site": "okaz", "error_log": None}, {"site": "elaph", "error_log": "not json"}]
    assert list(first_errors(rows)) == ["  [ina] https://www.ina.iq/0: HTTP 500", "  [ina] https://www.ina.iq/1: HTTP 500",
                                        "  [ina] https://www.ina.iq/2: HTTP 500", "  [ina] … and 2 more",
                                        "  [elaph] not json"]


def test_status_counts_an_open_cluster_round_as_no_failure(tmp_path):
    db = tmp_path / "rasid.db"
    store = Store(db)
    store.ensure_site("ina", "INA", "https://www.ina.iq", "Asia/Baghdad")
    store.finish_round(store.start_round("ina"), "ok")
    store.start_round("ina")  # the round the cluster works on now
    store.close()
    result = CliRunner().invoke(main, ["status", "--db", str(db)])
    ina = next(line for line in result.output.splitlines() if line.startswith("ina "))
    assert " cluster " in ina and ina.split()[-1] == "0", ina  # failed_24h


def test_status_shows_the_next_run_in_utc_as_its_footer_says():
    from crawler.report import status, status_lines

    baghdad = datetime.fromisoformat("2026-12-04T09:00:00+03:00")  # a cron job's next run comes in its site's zone
    report = status([{"site": "ina", "last_run": "2026-12-04T05:00:00+00:00"}], {"ina": baghdad}, 1234, [], 0,
                    datetime(2026, 12, 4, 5, 30, tzinfo=UTC))
    lines = list(status_lines(report))
    ina = next(line for line in lines if line.startswith("ina "))
    assert "2026-12-04T06:00:00+00:00" in ina and "+03:00" not in ina
    assert any("times are UTC (+00:00)" in line for line in lines)


def test_a_missing_store_says_where_it_was_looked_for_and_how_one_is_made(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["status"])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert f"rasid.db: no such store (looked for {tmp_path / 'rasid.db'}, the default" in result.output
    assert "a first crawl makes it there (rasid crawl or rasid daemon" in result.output
    config = tmp_path / "rasid.toml"
    config.write_text('db = "news.db"\n', encoding="utf-8")
    from_config = CliRunner().invoke(main, ["search", "x", "--config", str(config)])
    assert f"no such store (looked for {tmp_path / 'news.db'}, the db of {config})" in from_config.output


@pytest.mark.slow
@pytest.mark.parametrize("access_log", [False, True])
def test_serve_is_quiet_unless_asked_and_a_sigterm_is_a_clean_stop(tmp_path, access_log):
    import urllib.request

    db = tmp_path / "rasid.db"
    Store(db).close()
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "crawler", "serve", "--db", str(db), "--port", str(port),
                                *(["--access-log"] if access_log else [])], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):  # bounds a broken start only: each turn waits for the server to answer
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=2).read()
                break
            except OSError:
                assert process.poll() is None, process.communicate()
                time.sleep(0.1)
        for path in ("/", "/rasid", "/-/search?q=x"):
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30).read()
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, out + err  # a clean stop, not death by the signal (-15)
    assert ("GET /rasid" in out + err) is access_log
    if not access_log:  # one line saying where it serves, and nothing per request
        assert out == "" and err.strip().splitlines() == [
            f"rasid serve: {db} on http://127.0.0.1:{port}/ (read-only); SIGTERM or Ctrl-C to stop"]


# --- times the user types ------------------------------------------------------------------


def test_one_reader_of_typed_times_reads_durations_partial_dates_iso_and_arabic():
    from crawler.usertime import UserTimeError, read_time

    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    cases = {"3d": ("2026-12-01T12:00:00+00:00", "2026-12-01T12:00:00+00:00"), "90m": ("2026-12-04T10:30:00+00:00",) * 2,
             "2020": ("2020", "2020-01-01T00:00:00+00:00"), "2020-08": ("2020-08", "2020-08-01T00:00:00+00:00"),
             "2020-8": ("2020-08", "2020-08-01T00:00:00+00:00"), "2020-08-28": ("2020-08-28", "2020-08-28T00:00:00+00:00"),
             "2020-08-28T10:00+03:00": ("2020-08-28T10:00:00+03:00", "2020-08-28T10:00:00+03:00"),
             "1 آب 2020": ("2020-08-01", "2020-08-01T00:00:00+00:00"), "منذ 3 أيام": ("2026-12-01", "2026-12-01T00:00:00+00:00"),
             "أمس": ("2026-12-03", "2026-12-03T00:00:00+00:00")}
    for typed, (iso, start) in cases.items():
        read = read_time(typed, now, "--since")
        assert (read.iso, read.start.isoformat()) == (iso, start), typed
    for nonsense in ("كلام فارغ", "", "3x", "0d", "2020-13", "yesterday-ish"):
        with pytest.raises(UserTimeError) as refused:
            read_time(nonsense, now, "--since")
        assert str(refused.value).startswith(f"--since {nonsense!r}: ")


TIME_OPTIONS = [(["search", "x"], "--since"), (["reprints"], "--since"), (["export", "warc", "OUT"], "--since"),
                (["extract", "PAGE"], "--reference"), (["dates", "parse", "منذ 3 ساعات"], "--reference")]


@pytest.mark.parametrize("command, option", TIME_OPTIONS)
def test_every_option_that_asks_for_a_time_takes_the_same_forms(tmp_path, command, option):
    db = tmp_path / "rasid.db"
    store = Store(db)
    store.ensure_site("ina", "INA", "https://www.ina.iq", "Asia/Baghdad")

    record(store, fetched("https://www.ina.iq/1.html", "الكاظمي في البصرة لبحث الوضع الأمني.", "x x",
                          published="2020-08-28T10:00:00+03:00", html="<html><body><article><h1>x</h1><p>" +
                          "الكاظمي في البصرة لبحث الوضع الأمني مع القادة. " * 20 + "</p></article></body></html>"))
    store.close()
    page = tmp_path / "page.html"
    page.write_text("<html><body><article><h1>عنوان</h1><p>" + "نص الخبر في بغداد اليوم. " * 30 +
                    "</p></article></body></html>", encoding="utf-8")
    stores = [] if command[0] in ("extract", "dates") else ["--db", str(db)]
    for n, typed in enumerate(("3d", "2020-08", "2020", "2020-08-28", "2020-08-28T10:00+03:00", "1 آب 2020",
                               "منذ 3 أيام")):
        argv = [str(tmp_path / f"out{n}.warc.gz") if a == "OUT" else str(page) if a == "PAGE" else a for a in command]
        result = CliRunner().invoke(main, [*argv, option, typed, *stores])
        assert result.exit_code == 0, (typed, result.output)
    refused = CliRunner().invoke(main, [*[str(page) if a == "PAGE" else str(tmp_path / "x.warc.gz") if a == "OUT"
                                          else a for a in command], option, "كلام فارغ", *stores])
    assert refused.exit_code == 2 and len(refused.output.strip().splitlines()) == 1
    assert f"{option} 'كلام فارغ': not a time; give a duration back from now (30m, 12h, 3d), a year, month or day" \
        in refused.output


def test_since_a_duration_or_a_month_selects_what_it_says(tmp_path):
    db = tmp_path / "rasid.db"
    store = Store(db)
    store.ensure_site("ina", "INA", "https://www.ina.iq", "Asia/Baghdad")

    now = datetime.now(UTC)
    for n, published in enumerate(["2020-07-30T10:00:00+03:00", "2020-08-28T10:00:00+03:00",
                                   (now.replace(microsecond=0)).isoformat()]):
        record(store, fetched(f"https://www.ina.iq/{n}.html", f"الكاظمي في البصرة رقم {n}.", f"خبر {n}",
                              published=published, at=now.isoformat()))
    store.close()

    def found(since: str) -> list[str]:
        result = CliRunner().invoke(main, ["search", "الكاظمي", "--since", since, "--json", "--db", str(db)])
        assert result.exit_code == 0, result.output
        return sorted(json.loads(line)["title"] for line in result.stdout.splitlines())

    assert found("3d") == ["خبر 2"]
    assert found("2020-08") == ["خبر 1", "خبر 2"]
    assert found("آب 2020") == ["خبر 1", "خبر 2"]


def test_dates_parse_of_no_date_exits_1():
    result = CliRunner().invoke(main, ["dates", "parse", "كلام فارغ"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"iso": None, "precision": None, "calendar": None}
    assert "no date read in 'كلام فارغ'" in result.stderr


def test_a_store_a_newer_rasid_wrote_is_refused_in_one_line(tmp_path):
    db = tmp_path / "rasid.db"
    store = Store(db)
    store.db["_sqlite_migrations"].insert({"migration_set": "rasid", "name": "m999_future", "applied_at": "2027"})
    store.close()
    for command in (["status"], ["crawl", "ina"], ["reextract"]):
        result = CliRunner().invoke(main, [*command, "--db", str(db)])
        assert result.exit_code == 2 and result.output.strip().splitlines() == [
            f"Error: {db}: written by a newer Rasid (schema step m999_future); upgrade Rasid to open it"], result.output
