"""The `rasid` command line. Each command's help is its manual.

Commands are thin: they parse options, call one function from crawler/,
extract/ or db/, and print. Errors a person can fix (a bad file, a bad URL, a
bad option) become one line naming the culprit and exit code 2.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import shlex
import signal
import socket
import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import click

from db.store import Store, StoreError
from extract.dates import parse_date
from monitor.config import DEFAULT_SITES, SNAPSHOTS, Config, ConfigError, load_config


class UserError(click.ClickException):
    """A problem in what the user gave us: one line, exit code 2."""

    exit_code = 2


class RasidGroup(click.Group):
    """Every command's mistakes in the site list or config file become one line and exit 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise UserError(str(exc)) from None


@click.group(cls=RasidGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="rasid")
def main() -> None:
    """Rasid (راصد): a monitoring crawler for Arabic news sites.

    Rasid revisits the news sites listed in seeds/sites.toml, finds new
    articles through their feeds, sitemaps and listing pages, extracts the
    article text without the site's clutter, reads Arabic dates into exact
    timestamps, and records every article and every later edit in a SQLite
    store, with an alert for each new, changed or removed article.

    Start with `rasid demo`: it serves offline snapshots of the five seed
    sites on 127.0.0.1, crawls them, changes them, and crawls again.
    """


# --- what commands share: the config, the store --------------------------------------------


def open_store(path: Path, max_mb: float | None = None) -> Store:
    """The store at `path` (created or migrated), or a one-line error; a context manager."""
    try:
        return Store(path, max_mb)
    except StoreError as exc:
        raise UserError(str(exc)) from None


_CONFIG_HELP = "Config file (TOML): store path, per-site overrides, revisit schedule, alerts, watch rules."
_WRITE_HELP = "SQLite store to write. Default: the config's `db`, else ./rasid.db."
_READ_HELP = ("SQLite store to read (it is not changed). Default: the config's `db`, else ./rasid.db; "
              "`make demo` leaves demo.db.")
# how each kind of command takes its store: --db's help, whether it must exist, whether it is
# opened before the command runs (created or migrated: a store that cannot be is one line before
# any work starts)
_STORES = {
    "write": (_WRITE_HELP, False, True),  # crawls, the daemon, the writer
    "update": (_WRITE_HELP, True, True),  # rewrites what is stored
    "read": (_READ_HELP, True, True),
    "later": (_WRITE_HELP, False, False),  # opened by the command, once what it reads is checked
    "optional": (_READ_HELP, False, False),  # read if it exists
    "copy": ("SQLite store to copy (read as it is: not changed, not migrated). Default: the config's `db`, "
             "else ./rasid.db.", True, False),
}


_SITES_FILE_HELP = "Site list (TOML) instead of seeds/sites.toml (and of the config's sites_file)."


def with_config(command):
    """`--config FILE` and `--sites-file FILE`: the command is called with `config`, the site list
    with the config applied (a mistake in either is one line, exit 2: RasidGroup)."""

    @click.option("--config", "config_path", type=click.Path(path_type=Path), help=_CONFIG_HELP)
    @click.option("--sites-file", type=click.Path(path_type=Path), help=_SITES_FILE_HELP)
    @functools.wraps(command)
    def run(*args, config_path: Path | None, sites_file: Path | None, **kwargs):
        return command(*args, config=load_config(config_path, sites_file), **kwargs)

    return run


def with_store(mode: str):
    """`--db PATH` and `--config FILE`: the command is called with `config` and `db`, the store's
    path (the config's `db` unless given), taken as _STORES says for `mode`."""
    help_text, must_exist, open_now = _STORES[mode]

    def decorate(command):
        @click.option("--db", "db_path", type=click.Path(path_type=Path), help=help_text)
        @click.option("--config", "config_path", type=click.Path(path_type=Path), help=_CONFIG_HELP)
        @click.option("--sites-file", type=click.Path(path_type=Path), help=_SITES_FILE_HELP)
        @functools.wraps(command)
        def run(*args, db_path: Path | None, config_path: Path | None, sites_file: Path | None, **kwargs):
            config = load_config(config_path, sites_file)
            db = Path(db_path or config.db)
            if must_exist and not db.is_file():
                raise UserError(_no_store(db, db_path is not None, config.source))
            if open_now:
                with open_store(db):
                    pass
            return command(*args, config=config, db=db, **kwargs)

        return run

    return decorate


def _no_store(db: Path, given: bool, config_file: Path | None) -> str:
    """Which store was looked for, where, why there, and how one is made: one line."""
    if not given and config_file is None and Path("demo.db").is_file():
        return f"{db}: no such store (the demo's store is demo.db: add --db demo.db)"
    why = ("given by --db" if given else f"the db of {config_file}" if config_file
           else "the default, as neither --db nor a config's db names one")
    return (f"{db}: no such store (looked for {db.resolve()}, {why}); a first crawl makes it there (rasid crawl or "
            "rasid daemon with the same --db or --config), and rasid demo makes the offline demo's in demo.db")


def _typed_time(ctx, param, value: str | None):
    """An option that asks for a time (--since, --reference): crawler/usertime.py reads it against
    now, or it is one line listing the accepted forms. The value is a UserTime."""
    from crawler.usertime import UserTimeError, read_time

    if value is None:
        return None
    try:
        return read_time(value, datetime.now(UTC), param.opts[0])
    except UserTimeError as exc:
        raise UserError(str(exc)) from None


_TIME = "a duration back from now (3d), a year, month or day (2020-08), an ISO time, or Arabic (\"1 آب 2020\")"


def since_option(what: str):
    return click.option("--since", metavar="TIME", callback=_typed_time, help=f"Only {what} on or after TIME: {_TIME}.")


def reference_option(what: str):
    return click.option("--reference", metavar="TIME", callback=_typed_time,
                        help=f"{what} (default: now): {_TIME}, e.g. 2022-04-06T18:30:00+03:00.")


# --- dates -------------------------------------------------------------------


@main.group()
def dates() -> None:
    """Read Arabic dates into exact timestamps."""


def _date_answer(text: str, reference: str | None, tz: str | None) -> dict:
    result = parse_date(text, reference, tz)
    if result is None:
        return {"iso": None, "precision": None, "calendar": None}
    return result.as_dict()


@dates.command("parse")
@click.argument("text", required=False)
@reference_option("The instant relative dates and weekdays are read against")
@click.option("--tz", metavar="ZONE", help="IANA time zone for times written without an offset "
                                          "(the site's zone), e.g. Asia/Baghdad. Default: UTC.")
@click.option("--jsonl", is_flag=True,
              help="Read JSON lines with `text` and optional `reference` and `tz` on standard "
                   "input; write one JSON object per line, in the same order. A bad line gets an "
                   "object with `error` (and a line on stderr); the exit code is then 2.")
def dates_parse(text: str | None, reference, tz: str | None, jsonl: bool) -> None:
    """Parse TEXT, an Arabic (or machine-format) date, and print it as JSON.

    The answer has `iso` (cut to the precision it was written with: 2021,
    2021-07, 2021-07-14, or a full timestamp with offset), `precision` (year,
    month, day, hour, minute, second) and `calendar` (gregorian or hijri).
    Text that is not a date, or names an impossible date, gives null, a
    line on stderr and exit code 1.

    \b
    Examples:
      rasid dates parse "الاربعاء 6 نيسان ابريل 2022"
      rasid dates parse "منذ 3 ساعات" --reference 2022-04-06T18:30:00+03:00 --tz Asia/Baghdad
      echo '{"text": "5 رمضان 1443 هـ"}' | rasid dates parse --jsonl
    """
    when = (reference.start if reference else datetime.now(UTC)).isoformat()
    if jsonl:
        if text is not None:
            raise UserError("give either TEXT or --jsonl, not both")
        if _answer_lines(sys.stdin, when, tz):
            raise SystemExit(2)
        return
    if text is None:
        raise UserError("missing TEXT (or use --jsonl)")
    try:
        answer = _date_answer(text, when, tz)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    click.echo(json.dumps(answer, ensure_ascii=False))
    if answer["iso"] is None:  # a script must tell "no date" from a date
        click.echo(f"rasid: no date read in {text!r}", err=True)
        sys.exit(1)


def _answer_lines(lines, reference: str, tz: str | None) -> int:
    """`dates parse --jsonl`: every line gets its answer, in order; a bad line an error object (and
    a line on stderr), the rest still read. Returns how many lines were bad."""
    bad = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
            if not isinstance(case, dict) or not isinstance(case.get("text"), str):
                raise ValueError('expected an object with a "text" string')
            answer = _date_answer(case["text"], case.get("reference") or reference, case.get("tz") or tz)
        except (ValueError, TypeError) as exc:
            bad += 1
            answer = {"iso": None, "precision": None, "calendar": None, "error": f"stdin line {number}: {exc}"}
            click.echo(f"rasid: stdin line {number}: {exc}", err=True)
        click.echo(json.dumps(answer, ensure_ascii=False))
    return bad


# --- crawling ----------------------------------------------------------------------


def _base_urls(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, url = value.partition("=")
        if not sep or not key or not url:
            raise UserError(f"--base-url {value!r}: expected SITE=URL, e.g. ina=http://127.0.0.1:8001")
        out[key.strip()] = url.strip()
    return out


def echo_lines(lines, err: bool = False) -> None:
    for line in lines:
        click.echo(line, err=err)


@main.command()
@click.argument("sites", nargs=-1)
@with_store("write")
@click.option("--base-url", "base_urls", multiple=True, metavar="SITE=URL",
              help="Fetch SITE from URL instead of its live base URL (a replay server, a mirror). "
                   "Stored URLs stay the live ones. Repeatable.")
@click.option("--due-only", is_flag=True, help="Revisit only the stored articles whose step of the config's "
                                               "revisit_schedule has come round (what the daemon does); by default "
                                               "every article within the schedule's window is revisited.")
@click.option("--quiet", is_flag=True, help="No progress lines and no summary table.")
@click.option("--log-level", default="WARNING", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
              help="Scrapy log level.")
@click.option("--die-with-parent", is_flag=True, hidden=True,
              help="The kernel stops this crawl if the process that started it dies (the daemon's crawls).")
def crawl(sites, db, config, base_urls, due_only, quiet, log_level, die_with_parent):
    """Crawl SITES once (default: every enabled site) into the store.

    Each site's feeds, sitemaps and listing pages are read for article links;
    articles already in the store and first seen within the revisit schedule's
    window (a week by default) are fetched again with conditional requests. New articles, edits (a new
    version with a word diff) and removals (404/410) are recorded, with an
    alert each. The first crawl of a site is its baseline: its articles are
    stored without `new` alerts.

    Ctrl-C or SIGTERM stops it from its first moment: the pages being
    written are written (again: at once), the crawls are recorded as
    `stopped` and the summary says so; exit 130.

    \b
    Examples:
      rasid crawl                       # every site in seeds/sites.toml, live
      rasid crawl ina elaph --db news.db
      rasid crawl --base-url ina=http://127.0.0.1:8001 ina
    """
    from crawler import report as report_lines
    from crawler.crawl.run import STOP, CrawlExit, SitesBusy, crawl

    STOP.install()  # Ctrl-C and SIGTERM from now on: honoured, and the summary says so
    if die_with_parent:
        from crawler.crawl.processes import die_with_parent as ask_the_kernel

        ask_the_kernel()
    config = config.with_base_urls(_base_urls(base_urls))
    selected = config.select(list(sites))
    if not quiet:
        click.echo(f"crawling {', '.join(s.key for s in selected)} into {db}", err=True)
    started = time.monotonic()
    try:
        report = crawl(config, selected, db, progress=not quiet, log_level=log_level.upper(), due_only=due_only)
    except (SitesBusy, StoreError) as exc:
        click.echo(f"rasid: nothing crawled: {exc}", err=True)
        sys.exit(CrawlExit.BUSY if isinstance(exc, SitesBusy) else CrawlExit.INCOMPLETE)
    for line in report.skipped:
        click.echo(f"rasid: {line}", err=True)
    if not quiet:
        click.echo(report_lines.crawl_ended(time.monotonic() - started, report.stopped))
        echo_lines(report_lines.table(report.rows))
    if report.failed:
        click.echo(f"crawl incomplete for {', '.join(report.failed)}: see the crawls table (error_log), "
                   "or rerun with --log-level INFO", err=True)
        echo_lines(report_lines.first_errors(report.rows), err=True)
    sys.exit(report.exit)


# --- the daemon ---------------------------------------------------------------------------


redis_option = click.option("--redis", "redis_url", metavar="URL",
                            help="Cluster mode: the Redis the cluster shares (redis://host:6379/0). Default: the "
                                 "config's [cluster] redis.")


def _cluster_client(config: Config, given: str | None):
    """A connection to the cluster's Redis, or a one-line error."""
    from crawler.cluster import shared

    try:
        return shared.connect(_redis(config, given))
    except shared.ClusterError as exc:
        raise UserError(str(exc)) from None


def _redis(config: Config, given: str | None, required: bool = True, libraries: tuple[str, ...] = ()) -> str | None:
    """The cluster's Redis URL (None: not in cluster mode, when not `required`), its `libraries`
    (redis-py by default) installed, or a one-line error."""
    from crawler.cluster import shared
    from monitor.config import check_redis_url

    url = check_redis_url(given, "--redis") if given else config.redis
    if url is None and required:
        raise UserError("no Redis: give --redis redis://HOST:6379/0, or [cluster] redis in the config file")
    if url is not None:
        try:
            shared.require(*libraries)
        except shared.ClusterError as exc:
            raise UserError(str(exc)) from None
    return url


@main.command()
@with_store("write")
@redis_option
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
              help="How much the daemon logs (crawls log warnings and errors only, unless DEBUG).")
def daemon(db, config, redis_url, log_level):
    """Crawl every enabled site on its schedule and deliver alerts, until stopped.

    Each site runs on its `revisit` interval or its `cron` line (site list or
    config file). Schedules live in the store (table scheduler_jobs): a
    restart resumes them, and runs missed while stopped become one run. A
    crawl still running when its next turn comes is not started twice; one
    that outlives `crawl_timeout` is stopped and recorded as failed. Stored
    articles are revisited on the config's decaying `revisit_schedule`.

    Alerts go to the config's [alerts] channels (Apprise URLs, a JSON-lines
    file, the console), filtered by its [[watch]] rules; a channel that is
    down is retried with backoff, and alerts left undelivered by a stopped or
    killed daemon are delivered on restart.

    SIGTERM or Ctrl-C stops it cleanly: running crawls stop after the page
    being written (pages still downloading are fetched again next time),
    nothing is half-written, and those crawls are recorded as `stopped`,
    not failed. See `rasid status` for what it has done.

    In cluster mode (--redis, or [cluster] redis in the config) a site's turn
    pushes its round (discovery and due revisits) to the shared frontier for
    `rasid worker` processes instead of crawling here; `rasid writer` stores
    the pages (DEPLOY.md).
    """
    from crawler.daemon.alerts import RedactingFilter
    from crawler.daemon.scheduler import Daemon, DaemonLock

    # stopped before it has started anything: a clean exit (Daemon.run takes over the signals)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    redis_url = _redis(config, redis_url, required=False)
    lock = DaemonLock(db)  # held until this process ends
    if not lock.acquire():
        raise UserError(f"{db}: another rasid daemon (pid {lock.holder()}) is already running on this store")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(config.alerts))
    logging.basicConfig(level=log_level.upper(), handlers=[handler], force=True)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    try:
        runner = Daemon(config, db, config.source, log_level="DEBUG" if log_level.upper() == "DEBUG" else "WARNING",
                        redis_url=redis_url)
    except ValueError as exc:
        raise UserError(f"{config.source}: {exc}") from None
    sites = ", ".join(f"{s.key} ({s.cron or f'every {s.revisit_seconds} s'})" for s in runner.sites)
    click.echo(f"rasid daemon: {db}; sites: {sites or 'none enabled'}; "
               f"{len(runner.outlets)} alert channel(s); Ctrl-C or SIGTERM to stop", err=True)
    sys.exit(runner.run())


@main.command()
@with_store("read")
def status(db, config):
    """What each site's crawls did and when the daemon runs them next.

    Per site: the last run (start, duration, result), the next scheduled
    run, live and removed articles, articles first seen in the last 24 hours,
    and failures; then the recent errors and the alerts not yet delivered.
    """
    from crawler.daemon.scheduler import daemon_status
    from crawler.report import status as site_status
    from crawler.report import status_lines

    with open_store(db) as store:
        rows, errors, undelivered = store.site_status(), store.recent_errors(limit=10), store.count_alerts(undelivered=True)
    try:
        next_runs, daemon_pid = daemon_status(db)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    echo_lines(status_lines(site_status(rows, next_runs, daemon_pid, errors, undelivered, datetime.now(UTC))))


# --- reading the store --------------------------------------------------------------------


@main.command()
@with_store("read")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True, help="Port to listen on.")
@click.option("--access-log", is_flag=True, help="A line per request on standard output (by default only "
                                                 "warnings and errors are written).")
def serve(db, config, host, port, access_log):
    """Browse and query the store in Datasette, read-only.

    Tables and columns are described in Arabic and English, Arabic text is
    shown right-to-left, tables sort newest first with facets by site,
    section and day, and canned queries answer the daily questions: latest
    articles, today's new articles, edits of the last 24 hours with their
    diffs, alerts, per-site health, and search (hamza forms, alef maqsura,
    taa marbuta, tatweel, diacritics and a fused "ال" do not matter).

    Nothing can be written through the web view: the store is opened
    read-only and only SELECT runs. A crawl may write while it is served.
    SIGTERM or Ctrl-C stops it cleanly (exit 0).
    """
    from web.serve import serve as run

    try:  # a busy port is the user's to fix: say so before Datasette starts and fails on it
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise UserError(f"--host {host} --port {port}: cannot listen there: {exc.strerror or exc}"
                        " (another server? choose another --port)") from None
    click.echo(f"rasid serve: {db} on http://{host}:{port}/ (read-only); SIGTERM or Ctrl-C to stop", err=True)
    run(db, host, port, access_log)


@main.command()
@click.argument("query")
@with_store("read")
@click.option("--site", "site_key", metavar="NAME", help="Only this site's articles.")
@since_option("articles published (first seen, when unknown)")
@click.option("--limit", type=click.IntRange(1, 10000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per result (id, site, url, title, "
                                                      "published_at, excerpt).")
def search(query, db, config, site_key, since, limit, as_json):
    """Full-text search of the stored articles, newest first.

    Words are matched after Arabic normalisation: hamza forms, alef maqsura
    and yaa, taa marbuta and haa, tatweel and diacritics do not matter, nor a
    definite article fused with a preposition (البصرة finds بالبصرة).
    Every word must appear (AND may be written or left out); "quoted words"
    must appear together; OR between two terms accepts either; -word or NOT
    word excludes articles with that word; word* matches the words it begins.

    \b
    Examples:
      rasid search الكاظمى --db demo.db
      rasid search '"رئيس الوزراء" OR الكاظمي' --site ina --since 2020-08-01
      rasid search 'الكاظمي -البصرة'     # without البصرة
      rasid search 'الكاظ*'              # الكاظمي, الكاظمية, ...
    """
    from crawler.report import search_lines

    if site_key:
        config.select([site_key])  # an unknown site is a one-line error naming the known ones
    with open_store(db) as store:
        try:
            results = store.search(query, site=site_key, since=since and since.iso, limit=limit)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    echo_lines(search_lines(results, query, as_json))
    if not as_json:
        click.echo(f"{len(results)} result{'s' if len(results) != 1 else ''}", err=True)


@main.command()
@with_store("read")
@click.option("--site", "site_key", metavar="NAME", help="Only stories this site published first or copied.")
@since_option("stories first published (their source first seen, when unknown)")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per story: its source and its reprints "
                                                      "(site, url, title, similarity, kind, delay_seconds on "
                                                      "evidence, published_at claimed, first_seen, evidence).")
def reprints(db, config, site_key, since, as_json):
    """Who published first, who copied: stories found on more than one site.

    Each story is the article Rasid has evidence of first (its source) and
    the stored articles carrying its text: `copy` (near-identical) or
    `rewrite` (substantially shared, with changes), with the similarity (the
    share of the shorter text found in the other) and how long after the
    source each appeared, on evidence. A claimed publication time counts only
    when Rasid's own first sight of the article (a crawl, an archive capture)
    is within an hour of it (verified); otherwise it is shown as a claim,
    beside the first sight, and never makes an article the source. The delay
    runs from the source's verified publication (else its first sight) to
    the reprint's; `?` when both were first seen within the hour and not both
    verified, the claims' delay in brackets. Times in each site's zone.
    Found as articles are stored; `rasid reextract` indexes a store written
    before Rasid tracked reprints and orders its stories on evidence.

    \b
    Examples:
      rasid reprints --db demo.db
      rasid reprints --site okaz --since 2021-01-01 --json
    """
    from crawler.report import reprint_lines

    if site_key:
        config.select([site_key])
    with open_store(db) as store:
        rows = store.reprint_list(since=since and since.iso, site=site_key)
    echo_lines(reprint_lines(rows, as_json))


@main.command()
@click.argument("out", type=click.Path(path_type=Path), metavar="OUT")
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists (by default an existing file is left "
                                            "alone and the backup refused).")
@with_store("copy")
def backup(out, force, db, config):
    """Copy the store to OUT, consistently, even while crawls write to it.

    The store is SQLite in WAL mode, so copying its file while the daemon,
    a crawl or the writer commits is unsafe (recent pages may be in the -wal
    file beside it, and a copy can catch it mid-checkpoint). This uses
    SQLite's online backup: OUT holds every article committed before the
    backup began, in one self-contained file checked with PRAGMA
    integrity_check, written beside OUT and renamed into place when whole.
    The store is not migrated. To restore: stop Rasid, delete the store's
    -wal and -shm files, copy OUT over the store, start Rasid (DEPLOY.md).

    \b
    Example:
      rasid backup /var/backups/rasid-$(date +%F).db --db /srv/rasid/rasid.db
    """
    from crawler.report import counted
    from db.backup import BackupError
    from db.backup import backup as run

    try:
        held = run(db, out, force=force)
    except BackupError as exc:
        raise UserError(str(exc)) from None
    counts = ", ".join(counted(held[table], table[:-1]) for table in ("articles", "versions") if table in held)
    click.echo(f"{db} backed up to {out}: {held['bytes'] / 2**20:,.1f} MB" + (f", {counts}" if counts else "")
               + "; integrity_check ok")


@main.command()
@click.argument("site_key", metavar="SITE")
@click.option("--at", metavar="TIME", callback=_typed_time,
              help=f"The moment to show (default: now): {_TIME}; a day alone is its start in the site's zone.")
@click.option("--listing", "path", metavar="PATH", help="Which listing page of the site (one of its `listings`). "
                                                        "Default: its first, the home page.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: site, listing, url, at, and the placements "
                                                      "(position, block, kind, block_position, teaser, url, "
                                                      "article_id, title, opened_at, appeared_at).")
@with_store("read")
def frontpage(site_key, at, path, as_json, db, config):
    """A site's front page as it stood at a moment, as Rasid read it.

    Every article link of the listing page in the page's order: its
    position, its block (the lead, the ticker, a "most read" box, a headed
    list: see extract/frontpage.py for how each is recognised), its place
    in the block, the headline the page showed for it (its teaser), and the
    stored article's own title where it differs. Rasid stores only what
    changed on the page, crawl after crawl; the page at any moment since
    its first reading is rebuilt from that.

    \b
    Examples:
      rasid frontpage ina --db demo.db
      rasid frontpage ina --at 2026-12-04T10:00:00+03:00 --db demo.db
      rasid frontpage alaraby --at "4 كانون الأول 2026" --json --db demo.db
    """
    from crawler.report import front_page_lines
    from extract import instants
    from monitor.recorder import front_page_at

    (site,) = config.select([site_key])
    moment = datetime.now(UTC)
    if at is not None:
        moment = at.start
        if at.precision in ("year", "month", "day"):  # a date: its first moment where the site is
            moment = at.start.replace(tzinfo=instants.zone(site.timezone))
    with open_store(db) as store:
        try:
            listing, rows = front_page_at(store, site.key, path or (site.listings or ("/",))[0], moment)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    echo_lines(front_page_lines(listing, rows, moment.isoformat(), site.timezone, as_json))


# --- extraction -----------------------------------------------------------------------


@main.command()
@click.argument("source", metavar="FILE_OR_URL")
@click.option("--url", help="The page's URL, when SOURCE is a saved file: resolves relative links and "
                            "identifies the site.")
@click.option("--site", "site_key", metavar="NAME", help="Use this site's time zone and extraction hints "
                                                         "(default: the site whose host the URL has).")
@reference_option("The fetch time: relative dates are read against it, and a date later than it is refused")
@click.option("--tz", metavar="ZONE", help="IANA zone of times the page prints without an offset, for a page "
                                           "of no known site (default: the site's zone, else UTC).")
@with_config
def extract(source: str, url: str | None, site_key: str | None, reference, tz: str | None, config: Config):
    """Extract one article page and print it as JSON.

    SOURCE is a saved HTML file or an http(s) URL. The page's bytes are
    decoded whatever charset it declares (UTF-8, windows-1256, ISO-8859-6,
    labelled rightly or wrongly), then the same code the crawler uses returns
    the article: title (without the site name), text (paragraphs separated by
    blank lines, subheadings kept, clutter removed), published and modified
    (ISO; with their precision), author, section, tags, image, canonical_url,
    lang, site (the sites.toml key, when known) and site_name (as the page
    declares it). A date the page claims more than a day after the fetch
    (--reference) is refused: it is in published_refused or modified_refused,
    not in published or modified, and said on stderr. Exit 1 if the page
    holds no article.

    \b
    Examples:
      rasid extract page.html --url https://www.ina.iq/111563--.html
      rasid extract http://127.0.0.1:8001/111563--.html --site ina
    """
    from crawler.extract_one import PageError, extract_one, refusals

    try:
        data = extract_one(config, source, url, site_key, reference and reference.start.isoformat(), tz)
    except PageError as exc:
        raise UserError(str(exc)) from None
    if data is None:
        click.echo(f"{source}: no article text found", err=True)
        sys.exit(1)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    for line in refusals(data):
        click.echo(f"rasid: {line}", err=True)


@main.command()
@with_store("update")
@click.option("--site", "site_key", metavar="NAME", help="Only this site's articles.")
def reextract(db, config, site_key):
    """Rebuild every article's text and metadata from its stored HTML.

    Every version keeps the raw page, compressed, so after extraction improves
    the whole store can be brought up to date without refetching anything. The
    newest version of each article is extracted again with the current code
    and the site's current hints. This is not an edit: no new version, no
    alert; the next crawl compares against the re-extracted text.
    """
    from crawler.reextract import reextract as run

    if site_key:
        config.select([site_key])
    started = time.monotonic()
    with open_store(db) as store:
        counts = run(store, config.sites, site_key,
                     progress=lambda site, url: click.echo(f"  [{site}] changed  {unquote(url)}", err=True))
    click.echo(f"re-extracted {counts['pages']} pages in {time.monotonic() - started:.1f} s: "
               f"{counts['changed']} changed, {counts['unchanged']} unchanged, {counts['empty']} without article "
               f"text (kept as they were), {counts['unknown_site']} of sites no longer listed (skipped), "
               f"{counts['newer']} with a newer version written by a crawl meanwhile (left as it is); "
               f"{counts['indexed']} signed for reprints")


# --- cluster mode -------------------------------------------------------------------------------


@main.command()
@click.argument("sites", nargs=-1)
@with_config
@redis_option
@click.option("--concurrency", type=click.IntRange(1, 512), help="Requests in flight at once (default 16).")
@click.option("--log-level", default="WARNING", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False), help="Scrapy log level.")
def worker(sites, config, redis_url, concurrency, log_level):
    """Crawl for a cluster: take requests from the shared Redis frontier, extract, send pages on.

    One Scrapy process whose scheduler and duplicate filter live in Redis
    (scrapy-redis): it takes the jobs the daemon pushes for SITES (default:
    every enabled site), fetches and extracts here, and adds each page to the
    stream `rasid writer` stores. Run as many as wanted, on as many machines;
    SIGTERM or Ctrl-C stops one (what it had in flight is fetched again on
    the site's next round).
    """
    url = _redis(config, redis_url, libraries=("redis", "scrapy_redis"))  # before importing them
    from crawler.crawl.pool import start_pool

    start_pool()  # before Scrapy is imported, which the extraction workers would otherwise carry
    from crawler.cluster.shared import ClusterError
    from crawler.cluster.worker import run_worker

    try:
        run_worker(config, config.select(list(sites)), url, concurrency, log_level.upper())
    except ClusterError as exc:
        raise UserError(str(exc)) from None


@main.command()
@with_store("write")
@redis_option
def writer(db, config, redis_url):
    """Store a cluster's pages: the one process that writes the SQLite store.

    Reads the workers' page stream as a consumer group, records each page as a
    local crawl does (new articles, edits, removals, their alerts in the
    outbox), a batch a transaction, and acknowledges a page only once it is
    committed; pages a killed writer left unacknowledged are claimed and
    written once. One writer a store; Datasette and `rasid serve` read it as
    always. SIGTERM or Ctrl-C stops it after the batch being written.
    """
    url = _redis(config, redis_url)  # before importing redis-py
    from redis import RedisError

    from crawler.cluster import shared
    from crawler.cluster.writer import Writer

    try:
        runner = Writer(config, db, url, clock=lambda: datetime.now(UTC), say=lambda line: click.echo(line, err=True))
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: runner.stop.set())
        click.echo(f"rasid writer {runner.name}: {db} from {shared.shown(url)}", err=True)
        counts = runner.run()
    except shared.ClusterError as exc:
        raise UserError(str(exc)) from None
    except RedisError as exc:  # Redis refused something (a lost connection is waited for): what is committed stays
        click.echo(f"rasid: {shared.shown(url)}: Redis error: {shared.redact(str(exc), url)}; the writer stops",
                   err=True)
        sys.exit(1)
    except (sqlite3.Error, StoreError) as exc:  # the batch was rolled back: its pages wait in the stream
        click.echo(f"rasid: {db}: cannot write to the store: {exc}; the writer stops, the pages not "
                   "written wait in the stream for the next writer", err=True)
        sys.exit(1)
    clocks = counts["clock ahead"] + counts["clock wrong"]
    click.echo(f"rasid writer stopped: {counts['pages']} pages written ({counts['new']} new, "
               f"{counts['changed']} changed, {counts['removed']} removed)"
               + (f"; {clocks} dated by a worker's clock after now or before the web, stored at the writer's time"
                  if clocks else ""), err=True)


@main.group("cluster")
def cluster_group() -> None:
    """A cluster's frontier, stream, workers and writer."""


@cluster_group.command("status")
@with_config
@redis_option
def cluster_status(config, redis_url):
    """Queue and stream lengths, live workers, pages/s, the writer and its lag."""
    from crawler.cluster import shared
    from crawler.report import cluster_lines

    client = _cluster_client(config, redis_url)
    echo_lines(cluster_lines(shared.status(client, list(config.sites))))


@cluster_group.command("crawl")
@click.argument("sites", nargs=-1)
@with_store("write")
@redis_option
@click.option("--due-only", is_flag=True, help="Revisit only the stored articles whose step of the schedule has "
                                               "come round (what the daemon pushes).")
def cluster_crawl(sites, db, config, redis_url, due_only):
    """Push one round of SITES (default: every enabled site) to the workers now."""
    from crawler.cluster import shared

    selected = config.select(list(sites))
    client = _cluster_client(config, redis_url)
    with open_store(db) as store:
        for site in selected:
            try:
                jobs = shared.schedule_round(store, client, site, config.revisit_schedule, due_only=due_only)
            except shared.RoundOpen as exc:
                click.echo(str(exc))
                continue
            click.echo(f"{site.key}: round pushed ({jobs - 1} revisits and its discovery)")


# --- web archives ---------------------------------------------------------------------------


@main.group("import")
def import_group() -> None:
    """Import news from web archives into the store."""


@import_group.command("warc")
@click.argument("sources", nargs=-1, required=True, metavar="FILE_OR_URL...")
@click.option("--site", "site_keys", multiple=True, metavar="NAME",
              help="Only this site's pages (repeatable). Default: every enabled site of the site list.")
@click.option("--all-sites", is_flag=True, help="Also every page of hosts not in the site list whose own "
                                                "signals say it is an article, stored under its host's name.")
@click.option("--alerts", is_flag=True, help="Raise new/changed/removed alerts as a crawl would (by default an "
                                             "archive's history is stored without alerts).")
@click.option("--workers", type=click.IntRange(0, 64), help="Extraction processes (default: one per core; 0: "
                                                             "extract in this process).")
@with_store("later")
@click.option("--quiet", is_flag=True, help="No progress lines.")
def import_warc(sources, site_keys, all_sites, alerts, workers, db, config, quiet):
    """Import the articles in WARC or ARC files (CC-NEWS, Wayback, Browsertrix).

    Each FILE_OR_URL (a path, or an http(s) URL read as it downloads; gzip per
    record, whole-file gzip or none) is streamed, and each response record of a
    listed site's article URL goes through the same extraction, dates and
    monitor as a crawl, its WARC-Date standing in for the fetch time: an article
    captured three times with different text gets three versions. Importing a
    file again adds nothing. Damaged records are counted and skipped.

    \b
    Examples:
      rasid import warc CC-NEWS-20240101000000-00000.warc.gz --site alaraby
      rasid import warc https://data.commoncrawl.org/crawl-data/CC-NEWS/2024/01/CC-NEWS-20240101000000-00000.warc.gz
    """
    from crawler import report
    from crawler.archive.importer import Importer, WarcSourceError, open_source

    selected = config.select(list(site_keys))
    for source in sources:  # every file and URL opens before anything is written (a URL is asked again in its turn)
        try:
            open_source(source).close()
        except WarcSourceError as exc:
            raise UserError(str(exc)) from None
    with open_store(db, config.max_store_mb) as store:
        importer = Importer(store, selected, now=datetime.now(UTC), all_sites=all_sites, alerts=alerts,
                            progress=None if quiet else lambda counts: click.echo(report.import_progress(counts), err=True),
                            workers=os.cpu_count() or 1 if workers is None else workers)
        try:
            counts = importer.run(list(sources))
        except (sqlite3.Error, StoreError) as exc:  # the page's transaction was rolled back; what came before stays
            click.echo(f"rasid: {db}: cannot write to the store: {exc}; the import stops here, "
                       f"the {importer.counts.stored:,} articles stored before are kept", err=True)
            sys.exit(1)
    echo_lines(report.import_summary(counts))
    if counts.damaged:
        sys.exit(1)


@main.group("export")
def export_group() -> None:
    """Export the store's captures for web archives."""


def _warc_out(ctx, param, out: Path) -> Path:
    """OUT of `export warc`, checked before the store is: a .warc(.gz) name in a folder that exists."""
    if not str(out).endswith((".warc.gz", ".warc")):
        raise UserError(f"{out}: expected a .warc.gz file name")
    if not out.parent.exists():
        raise UserError(f"{out}: folder {out.parent} does not exist")
    return out


@export_group.command("warc")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False), metavar="OUT.warc.gz", callback=_warc_out)
@click.option("--site", "site_key", metavar="NAME", help="Only this site's articles.")
@since_option("versions fetched")
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists (by default an existing file is left "
                                            "alone and the export refused).")
@with_store("read")
def export_warc(out, site_key, since, force, db, config):
    """Write every stored version as a WARC response record (and each removal as its 404/410).

    The file is WARC/1.1, gzipped per record, with a warcinfo record first:
    readable by warcio, pywb and the Wayback tooling, and by `rasid import warc`.
    It is written beside OUT and renamed into place when whole; an existing
    OUT is refused unless --force.
    """
    from crawler.archive.exporter import ExportError
    from crawler.archive.exporter import export_warc as run
    from crawler.report import counted

    with open_store(db) as store:
        try:
            counts = run(store, out, site_key, since and since.iso, force=force)
        except ExportError as exc:
            raise UserError(str(exc)) from None
        except (sqlite3.Error, StoreError) as exc:
            click.echo(f"rasid: {db}: cannot read the store: {exc}; nothing was written to {out}", err=True)
            sys.exit(1)
    click.echo(f"{out}: {counted(counts['records'], 'record')} ({counted(counts['versions'], 'version')}, "
               f"{counted(counts['removals'], 'removal')}) of {counted(counts['articles'], 'article')}")
    if counts["undated"]:
        click.echo(f"{out}: {counts['undated']} captures left out: their stored fetch time is not a time", err=True)


@main.command()
@click.option("--db", "db_path", type=click.Path(path_type=Path), default=Path("demo.db"), show_default=True,
              help="Where to leave the demo's store.")
@click.option("--replace", is_flag=True, help="Overwrite the store at --db if it already exists.")
def demo(db_path: Path, replace: bool):
    """Run Rasid end to end, offline, on snapshots of the five seed sites.

    \b
    1. serves the snapshots in seeds/snapshots on free 127.0.0.1 ports;
    2. crawls every site into a fresh store (the baseline);
    3. changes the snapshot: one article edited, one new, one removed;
    4. crawls again, and prints per-site figures and the alerts it raised.

    The store is left at --db for `rasid serve --db demo.db`, `rasid search` or sqlite3.
    """
    from crawler.demo.demo import DemoError, run_demo

    if db_path.exists():
        if not replace:
            raise UserError(f"{db_path} already exists: pass --replace to overwrite it, or choose another --db")
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
    with open_store(db_path):
        pass  # created now: a store that cannot be is one line before any server starts
    try:
        run_demo(db_path, click.echo)
    except DemoError as exc:
        raise click.ClickException(str(exc)) from None
    db_arg = shlex.quote(str(db_path))
    click.echo(f"\nstore left at {db_path}: browse it with `rasid serve --db {db_arg}` "
               "(http://127.0.0.1:8001: the home page, each article with its edits, search), "
               f"search it with `rasid search الكاظمي --db {db_arg}`; "
               "after `make demo` the command is .venv/bin/rasid")


# --- sites ----------------------------------------------------------------------------


@main.group()
def sites() -> None:
    """The monitored sites: are they working as configured?"""


@sites.command("add")
@click.argument("url")
@click.option("--key", help="The site's short name (default: from its host name, e.g. ina for www.ina.iq).")
@click.option("--write", is_flag=True, help="Append the entry to the sites file (only when the verdict is good).")
@click.option("--sites-file", type=click.Path(path_type=Path), default=DEFAULT_SITES, show_default=True,
              help="The site list to append to.")
def sites_add(url, key, write, sites_file):
    """Find a site's feeds, sitemaps, time zone and article URLs from its address.

    The home page and robots.txt are fetched first (a site whose robots.txt forbids Rasid is not
    added); then its feeds and sitemaps (declared, or at the common paths of WordPress, Drupal,
    Joomla and custom CMSs), the article URLs they list, URL patterns confirmed on a sample of up
    to ten articles fetched and extracted as a crawl would, and the zone its own dates fit. Prints
    the entry for seeds/sites.toml and the sample; --write appends the entry, leaving the rest of
    the file as it is. Exit 1 when the address is not a site Rasid can monitor.

    \b
    Example:
      rasid sites add https://www.example-news.iq --write
    """
    from crawler.report import discovery_lines
    from crawler.sites.add import NotASite, discover, entry_toml, write_entry

    if urlsplit(url).scheme not in ("http", "https"):
        raise UserError(f"{url}: give the site's address, http:// or https://")
    try:
        found = discover(url, key)
    except NotASite as exc:
        click.echo(f"rasid: {exc}", err=True)
        sys.exit(1)
    echo_lines(discovery_lines(found))
    if found.problems:
        sys.exit(1)
    try:
        entry = write_entry(found, sites_file) if write else entry_toml(found)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    click.echo(f"\n{'appended to ' + str(sites_file) if write else 'the entry (add --write to append it)'}:\n{entry}")
    if write and found.fetched_from != found.base_url:  # a mirror or replay server was asked, not the live site
        listed = [] if sites_file == DEFAULT_SITES else ["--sites-file", str(sites_file)]
        click.echo("crawl it from there with: " + shlex.join(
            ["rasid", "crawl", found.key, *listed, "--base-url", f"{found.key}={found.fetched_from}"]))


@sites.command("check")
@click.argument("site_keys", nargs=-1, metavar="[SITE]...")
@with_store("optional")
@click.option("--base-url", "base_urls", multiple=True, metavar="SITE=URL",
              help="Check SITE at URL instead of its live base URL (a replay server, a mirror). Repeatable.")
@click.option("--stale-after", default="3d", show_default=True, metavar="DURATION",
              help="A site whose newest article is older than this is reported (e.g. 12h, 3d).")
def sites_check(site_keys, db, config, base_urls, stale_after):
    """Whether each site's feeds and sitemaps answer, what they list and how new it is.

    For every site (default: every enabled one): each feed and sitemap fetched now, the URLs it
    lists, how many of them are articles by the site's article_patterns, and its newest date;
    then one verdict line per site: ok, or what is wrong (a feed that stopped answering, listed
    URLs that no longer look like articles, no article for longer than --stale-after, with the
    store's newest article counted). Exit 1 if any site has a problem.
    """
    from crawler.report import health_lines
    from crawler.sites.check import check
    from monitor.config import parse_duration

    config = config.with_base_urls(_base_urls(base_urls))
    selected = config.select(list(site_keys))
    stale = parse_duration(stale_after, "--stale-after") / 86400
    checks = [check(site, db, stale) for site in selected]
    echo_lines(health_lines(checks))
    if not all(h.ok for h in checks):
        sys.exit(1)


# --- replay ----------------------------------------------------------------------


@main.group()
def replay() -> None:
    """Offline snapshots of news sites, served like the real thing."""


@replay.command("serve")
@click.option("--root", type=click.Path(path_type=Path, file_okay=False), default=SNAPSHOTS, show_default=True,
              help="Snapshot tree: one folder per site, files laid out by URL path.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port of the first site; the others take the next ones. 0: any free ports.")
@click.option("--verbose", is_flag=True, help="Log every request.")
@with_config
def replay_serve(root: Path, port: int, verbose: bool, config: Config):
    """Serve a snapshot tree on 127.0.0.1 until interrupted (Ctrl-C).

    Each site folder gets its own port and answers as a web server would:
    ETag and Last-Modified with 304 to conditional requests, the 301
    redirects and 410s listed in the folder's _replay.toml, 404 for missing
    pages, and Content-Type with the file's charset. Prints the command that
    crawls the sites of the site list it serves (--base-url options), and
    `rasid sites add` for each folder that is no site of the list.
    """
    from crawler.demo.replay import ReplayServer

    try:
        server = ReplayServer(root, first_port=port, quiet=not verbose).start()
    except (FileNotFoundError, OSError) as exc:
        raise UserError(f"replay: {exc}") from None
    for key, url in server.base_urls.items():
        click.echo(f"{key:10} {url}")
    echo_lines(_replay_hints(server.base_urls, config))
    click.echo("serving until Ctrl-C")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


def _replay_hints(base_urls: dict[str, str], config: Config) -> list[str]:
    """What to run on served sites: a crawl of those in the site list, `sites add` for the others
    (a crawl naming a site the list lacks answers `unknown site`)."""
    options = [*(["--config", str(config.source)] if config.source else []),
               *(["--sites-file", str(config.sites_file)] if config.sites_file else [])]
    known = {k: u for k, u in base_urls.items() if k in config.sites}
    lines = []
    if known:
        bases = [arg for k, u in known.items() for arg in ("--base-url", f"{k}={u}")]
        lines.append("crawl with: " + shlex.join(["rasid", "crawl", *known, *options, *bases]))
    unknown = [k for k in base_urls if k not in known]
    if unknown:
        lines.append(f"not in the site list: {', '.join(unknown)}; what Rasid finds on each "
                     "(add --write to append it to the list):")
        lines += ["  " + shlex.join(["rasid", "sites", "add", base_urls[k], "--key", k]) for k in unknown]
    return lines


if __name__ == "__main__":
    main()
