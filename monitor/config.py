"""The site list (seeds/sites.toml) and the user's config file, validated.

Every problem is reported as one ConfigError line naming the file, the line
(when it can be found) and the field, so `rasid` can print it and exit 2
before anything is crawled.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from extract.hints import ExtractionHints
from monitor.changes import ALERT_KINDS, DEFAULT_ALERTS
from monitor.site import Site

SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"
DEFAULT_SITES = SEEDS_DIR / "sites.toml"
SNAPSHOTS = SEEDS_DIR / "snapshots"
DEMO_UPDATE = SEEDS_DIR / "demo-update"
DEMO_THIRD = SEEDS_DIR / "demo-third"  # the front pages' third state (the tests' ground, after the demo's second)

SITE_FIELDS = {"name", "base_url", "hosts", "timezone", "feeds", "sitemaps", "listings", "article_patterns",
               "revisit", "cron", "download_delay", "hints", "enabled"}
REQUIRED_FIELDS = {"name", "base_url", "timezone"}
HINT_FIELDS = {"date_selector", "remove", "title_suffix"}
CONFIG_FIELDS = {"db", "sites_file", "revisit_schedule", "crawl_timeout", "deliver_every", "download_timeout",
                 "max_store_mb", "alerts", "watch", "sites", "cluster"}
CONFIG_SITE_FIELDS = {"base_url", "enabled", "revisit", "cron", "download_delay"}
ALERT_FIELDS = {"urls", "jsonl", "console"}
WATCH_FIELDS = {"name", "all", "any", "none", "sites", "kinds"}
# Recently published articles are fetched again for edits: every 15 minutes in their first
# 6 hours, hourly until a day old, every 6 hours until 3 days, daily until a week; then never.
DEFAULT_REVISIT_SCHEDULE = ("15m until 6h", "1h until 1d", "6h until 3d", "1d until 7d")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_SCHEDULE_STEP = re.compile(r"^\s*(\S+)\s+until\s+(\S+)\s*$")


class ConfigError(ValueError):
    """A mistake in a site list or config file, as one readable line."""


@dataclass(frozen=True)
class AlertSettings:
    """Where alerts go: Apprise URLs (secrets inside them never logged), a JSON-lines file, the console."""

    urls: tuple[str, ...] = ()
    jsonl: Path | None = None
    console: bool = True


@dataclass(frozen=True)
class WatchRule:
    """Alert only on articles that contain every `all` phrase, at least one `any` phrase (when
    given) and no `none` phrase, on `sites` (all when empty), for `kinds` of change."""

    name: str
    all: tuple[str, ...] = ()
    any: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    kinds: tuple[str, ...] = DEFAULT_ALERTS  # `reprint` only when asked for


@dataclass(frozen=True)
class Config:
    sites: dict[str, Site]
    db: Path = Path("rasid.db")
    # (revisit interval, until age) in seconds, youngest first; older articles are not revisited
    revisit_schedule: tuple[tuple[int, int], ...] = ()
    crawl_timeout: int = 1800
    deliver_every: int = 30
    download_timeout: int = 30  # seconds for one page: a server that never answers, or trickles
    max_store_mb: float | None = None
    alerts: AlertSettings = field(default_factory=lambda: AlertSettings())
    watch: tuple[WatchRule, ...] = ()
    source: Path | None = None
    sites_file: Path | None = None  # the site list, when not seeds/sites.toml (a daemon's crawls are told it)
    redis: str | None = None  # [cluster] redis: workers, writer and daemon share a Redis frontier (DEPLOY.md)

    def __post_init__(self):
        if not self.revisit_schedule:
            object.__setattr__(self, "revisit_schedule", parse_schedule(DEFAULT_REVISIT_SCHEDULE, "default"))

    def select(self, keys: list[str] | tuple[str, ...]) -> list[Site]:
        if not keys:
            return [s for s in self.sites.values() if s.enabled]
        unknown = [k for k in keys if k not in self.sites]
        if unknown:
            raise ConfigError(f"unknown site {unknown[0]!r}; known sites: {', '.join(self.sites)}")
        return [self.sites[k] for k in keys]

    def with_base_urls(self, overrides: dict[str, str]) -> Config:
        sites = dict(self.sites)
        for key, url in overrides.items():
            if key not in sites:
                raise ConfigError(f"--base-url: unknown site {key!r}; known sites: {', '.join(sites)}")
            sites[key] = replace(sites[key], fetch_base=_check_url(url, f"--base-url {key}"))
        return replace(self, sites=sites)


# --- loading ---------------------------------------------------------------


def _line_of(text: str, table: str, key: str | None = None) -> int | None:
    """Line number of `[table]` (or of `key` inside it) in TOML source: for messages."""
    lines = text.splitlines()
    header = re.compile(r"^\s*\[\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*\]")
    for n, line in enumerate(lines, 1):
        if header.match(line):
            if key is None:
                return n
            for m, inner in enumerate(lines[n:], n + 1):
                if inner.lstrip().startswith("["):
                    break
                if re.match(r"^\s*" + re.escape(key) + r"\s*=", inner):
                    return m
            return n
    return None


def _where(path: Path, text: str, table: str, key: str | None = None) -> str:
    line = _line_of(text, table, key)
    return f"{path}:{line}" if line else str(path)


def _check_url(url: object, what: str) -> str:
    if not isinstance(url, str):
        raise ConfigError(f"{what}: expected a URL string, got {url!r}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{what}: not an http(s) URL: {url!r}")
    return url.rstrip("/")


def _is_number(value: object) -> bool:
    """A real, finite number: TOML's true is not 1, nan and inf are no amount of anything."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _seconds(value: object, what: str) -> float:
    if not _is_number(value) or value < 0:
        raise ConfigError(f"{what}: expected a number of seconds >= 0, got {value!r}")
    return float(value)


def _bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):  # "false" as a string would be true to bool()
        raise ConfigError(f"{what}: expected true or false, got {value!r}")
    return value


def _optional_str(value: object, what: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{what}: expected a string, got {value!r}")
    return value


def _selector(value: object, what: str) -> str | None:
    """A CSS selector that lxml's engine (cssselect) can compile: checked here, once, rather than
    failing on every page of the crawl."""
    value = _optional_str(value, what)
    if value is None:
        return None
    from cssselect import GenericTranslator, SelectorError

    try:
        GenericTranslator().css_to_xpath(value)
    except SelectorError as exc:
        raise ConfigError(f"{what}: not a CSS selector lxml can use: {value!r} ({exc})") from None
    return value


_RE2_OPTIONS = None


def _linear_pattern(pattern: str, what: str):
    """An article URL pattern compiled by RE2, whose matching time is linear in the URL's length:
    Python's `re` backtracks exponentially on patterns like `([a-z0-9]+-?)+`, and one such
    pattern with one hostile feed link hangs the crawl. RE2 refuses what it cannot do in linear
    time (back-references, look-around) at load, with the reason."""
    global _RE2_OPTIONS
    import re2

    if _RE2_OPTIONS is None:
        _RE2_OPTIONS = re2.Options()
        _RE2_OPTIONS.log_errors = False  # the error is ours to report, in one line
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else exc
        raise ConfigError(f"{what}: bad regular expression {pattern!r} (RE2, linear-time): {reason}") from None


def linear_patterns(patterns: list[str], what: str) -> tuple:
    """Article URL patterns compiled as the site list compiles them (RE2, linear time)."""
    return tuple(_linear_pattern(pattern, what) for pattern in patterns)


def parse_duration(value: object, what: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value * 60
    m = _DURATION.match(str(value))
    if not m or int(m.group(1)) == 0:
        raise ConfigError(f"{what}: expected a duration like \"15m\", \"2h\" or \"1d\", got {value!r}")
    return int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def parse_schedule(steps: object, what: str) -> tuple[tuple[int, int], ...]:
    """["15m until 6h", "1h until 1d", ...] -> ((900, 21600), (3600, 86400), ...)."""
    if not isinstance(steps, list | tuple) or not steps:
        raise ConfigError(f"{what}: expected a list like [\"15m until 6h\", \"1h until 1d\"], got {steps!r}")
    out = []
    for step in steps:
        m = _SCHEDULE_STEP.match(str(step))
        if not m:
            raise ConfigError(f"{what}: {step!r}: expected \"INTERVAL until AGE\", like \"15m until 6h\"")
        out.append((parse_duration(m.group(1), what), parse_duration(m.group(2), what)))
    if [u for _, u in out] != sorted({u for _, u in out}):
        raise ConfigError(f"{what}: the ages after \"until\" must grow from one step to the next")
    return tuple(out)


def check_cron(value: object, what: str) -> str:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(str(value))
    except ValueError as exc:
        raise ConfigError(f"{what}: not a crontab line (minute hour day month weekday): {value!r}: {exc}") from None
    return str(value)


def _read_toml(path: Path) -> tuple[dict, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML syntax error: {exc}") from None


def _str_list(value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{what}: expected a list of strings, got {value!r}")
    return tuple(value)


def load_sites(path: Path = DEFAULT_SITES) -> dict[str, Site]:
    data, text = _read_toml(path)
    tables = data.get("sites")
    if not isinstance(tables, dict) or not tables:
        raise ConfigError(f"{path}: no [sites.NAME] tables found")
    return {key: _site(path, text, key, entry) for key, entry in tables.items()}


def _site(path: Path, text: str, key: str, entry: dict) -> Site:
    """One [sites.KEY] table of the site list, every field checked."""
    table = f"sites.{key}"
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", key):
        raise ConfigError(f"{_where(path, text, table)}: site key {key!r}: use lower-case letters, digits, - or _")
    unknown = sorted(set(entry) - SITE_FIELDS)
    if unknown:
        raise ConfigError(f"{_where(path, text, table, unknown[0])}: [{table}] unknown field {unknown[0]!r}")
    missing = sorted(REQUIRED_FIELDS - set(entry))
    if missing:
        raise ConfigError(f"{_where(path, text, table)}: [{table}] missing field {missing[0]!r}")

    def at(field_name: str) -> str:
        return f"{_where(path, text, table, field_name)}: [{table}] {field_name}"

    try:
        ZoneInfo(str(entry["timezone"]))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{at('timezone')}: unknown time zone {entry['timezone']!r}") from None
    site = Site(
        key=key, name=str(entry["name"]), base_url=_check_url(entry["base_url"], at("base_url")),
        timezone=str(entry["timezone"]),
        article_patterns=linear_patterns(_str_list(entry.get("article_patterns", []), at("article_patterns")),
                                         at("article_patterns")),
        hosts=_str_list(entry.get("hosts", []), at("hosts")),
        feeds=_str_list(entry.get("feeds", []), at("feeds")),
        sitemaps=_str_list(entry.get("sitemaps", []), at("sitemaps")),
        listings=_str_list(entry.get("listings", []), at("listings")),
        revisit_seconds=parse_duration(entry.get("revisit", "30m"), at("revisit")),
        cron=check_cron(entry["cron"], at("cron")) if "cron" in entry else None,
        download_delay=_seconds(entry.get("download_delay", 1.0), at("download_delay")),
        enabled=_bool(entry.get("enabled", True), at("enabled")),
        hints=_hints(path, text, table, entry.get("hints", {}), at),
    )
    if not (site.feeds or site.sitemaps or site.listings):
        raise ConfigError(f"{_where(path, text, table)}: [{table}] needs at least one of feeds, sitemaps, listings")
    return site


def _hints(path: Path, text: str, table: str, hints: object, at) -> ExtractionHints:
    if not isinstance(hints, dict):
        raise ConfigError(f"{at('hints')}: expected a table [{table}.hints]")
    unknown = sorted(set(hints) - HINT_FIELDS)
    if unknown:
        raise ConfigError(f"{_where(path, text, table + '.hints', unknown[0])}: [{table}.hints] "
                          f"unknown field {unknown[0]!r}")
    return ExtractionHints(
        date_selector=_selector(hints.get("date_selector"), at("hints.date_selector")),
        remove=tuple(_selector(s, at("hints.remove")) for s in _str_list(hints.get("remove", []), at("hints.remove"))),
        title_suffix=_optional_str(hints.get("title_suffix"), at("hints.title_suffix")),
    )


def load_config(path: Path | None = None, sites_file: Path | None = None) -> Config:
    """The site list with the user's config file applied. No config: defaults."""
    if path is None:
        return Config(sites=load_sites(sites_file or DEFAULT_SITES), sites_file=sites_file)
    data, text = _read_toml(path)
    unknown = sorted(set(data) - CONFIG_FIELDS)
    if unknown:  # the key as written, quoted or not ("(((" = 1 is a valid TOML key)
        key = re.escape(unknown[0])
        line = next((n for n, ln in enumerate(text.splitlines(), 1)
                     if re.match(rf"^\s*\[?\s*[\"']?{key}[\"']?\s*[=\]]", ln)), None)
        raise ConfigError(f"{path}{':' + str(line) if line else ''}: unknown field {unknown[0]!r}")
    if sites_file is None and "sites_file" in data:
        sites_file = (path.parent / str(data["sites_file"])).resolve()
    sites = load_sites(sites_file or DEFAULT_SITES)
    for key, override in data.get("sites", {}).items():
        sites[key] = _site_override(path, text, key, override, sites)
    def top(key: str) -> str:
        line = next((n for n, ln in enumerate(text.splitlines(), 1) if re.match(rf"^\s*{key}\s*=", ln)), None)
        return f"{path}{':' + str(line) if line else ''}: {key}"

    schedule = parse_schedule(data.get("revisit_schedule", list(DEFAULT_REVISIT_SCHEDULE)), top("revisit_schedule"))
    crawl_timeout = parse_duration(data.get("crawl_timeout", "30m"), top("crawl_timeout"))
    deliver_every = parse_duration(data.get("deliver_every", "30s"), top("deliver_every"))
    download_timeout = parse_duration(data.get("download_timeout", "30s"), top("download_timeout"))
    max_store_mb = data.get("max_store_mb")
    if max_store_mb is not None and (not _is_number(max_store_mb) or max_store_mb <= 0):
        raise ConfigError(f"{top('max_store_mb')}: expected a number of megabytes > 0, got {max_store_mb!r}")
    db = _relative_to(path, data["db"]) if "db" in data else Path("rasid.db")
    return Config(sites=sites, db=db, revisit_schedule=schedule, crawl_timeout=crawl_timeout,
                  deliver_every=deliver_every, download_timeout=download_timeout, max_store_mb=max_store_mb,
                  alerts=_alert_settings(path, text, data.get("alerts", {})),
                  watch=_watch_rules(path, text, data.get("watch", []), sites), source=path, sites_file=sites_file,
                  redis=_cluster(path, text, data.get("cluster", {})))


def _site_override(path: Path, text: str, key: str, override: dict, sites: dict[str, Site]) -> Site:
    """A [sites.KEY] table of the config file applied to the site list's entry."""
    table = f"sites.{key}"
    if key not in sites:
        raise ConfigError(f"{_where(path, text, table)}: [{table}] is not a site in the site list")
    bad = sorted(set(override) - CONFIG_SITE_FIELDS)
    if bad:
        raise ConfigError(f"{_where(path, text, table, bad[0])}: [{table}] unknown field {bad[0]!r}")

    def at(field_name: str) -> str:
        return f"{_where(path, text, table, field_name)}: [{table}] {field_name}"

    changes: dict = {}
    if "base_url" in override:
        changes["fetch_base"] = _check_url(override["base_url"], at("base_url"))
    if "enabled" in override:
        changes["enabled"] = _bool(override["enabled"], at("enabled"))
    if "revisit" in override:
        changes["revisit_seconds"] = parse_duration(override["revisit"], at("revisit"))
        changes["cron"] = None
    if "cron" in override:
        changes["cron"] = check_cron(override["cron"], at("cron"))
    if "download_delay" in override:
        changes["download_delay"] = _seconds(override["download_delay"], at("download_delay"))
    return replace(sites[key], **changes)


def _relative_to(config_path: Path, value: object) -> Path:
    target = Path(str(value))
    return target if target.is_absolute() else config_path.parent / target


def check_redis_url(url: object, what: str) -> str:
    """A Redis URL (redis://, rediss:// or unix://), or a one-line error naming `what`."""
    if not isinstance(url, str) or urlsplit(url).scheme not in ("redis", "rediss", "unix") or not (
            urlsplit(url).hostname or urlsplit(url).path):
        raise ConfigError(f"{what}: expected a Redis URL such as redis://127.0.0.1:6379/0, got {url!r}")
    return url


def _cluster(path: Path, text: str, table: object) -> str | None:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [cluster] must be a table")
    bad = sorted(set(table) - {"redis"})
    if bad:
        raise ConfigError(f"{_where(path, text, 'cluster', bad[0])}: [cluster] unknown field {bad[0]!r}")
    if "redis" not in table:
        return None
    return check_redis_url(table["redis"], f"{_where(path, text, 'cluster', 'redis')}: [cluster] redis")


def _alert_settings(path: Path, text: str, table: object) -> AlertSettings:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [alerts] must be a table")
    bad = sorted(set(table) - ALERT_FIELDS)
    if bad:
        raise ConfigError(f"{_where(path, text, 'alerts', bad[0])}: [alerts] unknown field {bad[0]!r}")
    urls = _str_list(table.get("urls", []), f"{_where(path, text, 'alerts', 'urls')}: [alerts] urls")
    for n, url in enumerate(urls):
        scheme = url.split("://", 1)[0] if "://" in url else ""
        if not re.fullmatch(r"[a-z][a-z0-9+.-]*", scheme):
            # the URL itself may hold a token: name its position, never its text
            raise ConfigError(f"{_where(path, text, 'alerts', 'urls')}: [alerts] urls[{n}]: not an Apprise URL "
                              "(scheme://…)")
    jsonl = table.get("jsonl")
    return AlertSettings(urls=urls, jsonl=_relative_to(path, jsonl) if jsonl else None,
                         console=bool(table.get("console", True)))


def _watch_rules(path: Path, text: str, tables: object, sites: dict[str, Site]) -> tuple[WatchRule, ...]:
    if not isinstance(tables, list):
        raise ConfigError(f"{path}: watch: expected [[watch]] tables")
    rules = []
    for n, table in enumerate(tables):
        what = f"{path}: [[watch]] #{n + 1}"
        bad = sorted(set(table) - WATCH_FIELDS)
        if bad:
            raise ConfigError(f"{what}: unknown field {bad[0]!r}")
        rule = WatchRule(
            name=str(table.get("name", f"watch {n + 1}")),
            all=_str_list(table.get("all", []), f"{what} all"), any=_str_list(table.get("any", []), f"{what} any"),
            none=_str_list(table.get("none", []), f"{what} none"),
            sites=_str_list(table.get("sites", []), f"{what} sites"),
            kinds=_str_list(table.get("kinds", list(DEFAULT_ALERTS)), f"{what} kinds"),
        )
        if not (rule.all or rule.any):
            raise ConfigError(f"{what}: needs `all` or `any` phrases")
        unknown = [s for s in rule.sites if s not in sites]
        if unknown:
            raise ConfigError(f"{what} sites: unknown site {unknown[0]!r}")
        wrong = [k for k in rule.kinds if k not in ALERT_KINDS]
        if wrong:
            raise ConfigError(f"{what} kinds: {wrong[0]!r} is not one of {', '.join(ALERT_KINDS)}")
        rules.append(rule)
    return tuple(rules)
