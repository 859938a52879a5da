"""Site list and config: every mistake is one line naming file, line and field."""

import pytest

from monitor.config import DEFAULT_SITES, ConfigError, load_config, load_sites
from tests.conftest import run_rasid

GOOD = """
[sites.demo]
name = "Demo"
base_url = "https://news.example"
timezone = "Asia/Baghdad"
feeds = ["/rss.xml"]
article_patterns = ['^/\\d+\\.html$']
"""


def write(tmp_path, text, name="sites.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_site_list_loads_with_five_sites():
    sites = load_sites(DEFAULT_SITES)
    assert set(sites) == {"ina", "alaraby", "kitabat", "okaz", "elaph"}
    assert sites["ina"].timezone == "Asia/Baghdad" and sites["elaph"].timezone == "Europe/London"
    assert sites["ina"].is_article("https://www.ina.iq/111563--.html")
    assert not sites["ina"].is_article("https://www.ina.iq/search?q=x")
    assert not sites["ina"].is_article("https://evil.example/111563--.html")


def test_a_sixth_site_needs_only_an_entry(tmp_path):
    site = load_sites(write(tmp_path, GOOD))["demo"]
    assert site.is_article("https://news.example/42.html")
    assert site.revisit_seconds == 1800


def test_base_url_override_maps_both_ways(tmp_path):
    config = load_config(None, write(tmp_path, GOOD)).with_base_urls({"demo": "http://127.0.0.1:9000"})
    site = config.sites["demo"]
    assert site.to_fetch("https://news.example/42.html?x=1") == "http://127.0.0.1:9000/42.html?x=1"
    assert site.to_public("http://127.0.0.1:9000/42.html") == "https://news.example/42.html"
    assert site.to_fetch("https://other.example/42.html") == "https://other.example/42.html"


@pytest.mark.parametrize(
    "text, message",
    [
        (GOOD + 'colour = "red"\n', r"sites.toml:\d+: \[sites.demo\] unknown field 'colour'"),
        (GOOD.replace('timezone = "Asia/Baghdad"\n', ""), r"sites.toml:2: \[sites.demo\] missing field 'timezone'"),
        (GOOD.replace("https://news.example", "ftp://news.example"), r"sites.toml:4: \[sites.demo\] base_url: not an http"),
        (GOOD.replace("Asia/Baghdad", "Asia/Atlantis"), r"sites.toml:5: .*unknown time zone 'Asia/Atlantis'"),
        (GOOD.replace("^/", "(^/"), r"article_patterns: bad regular expression"),
        (GOOD + "revisit = \"often\"\n", r"revisit: expected a duration"),
        ("[sites.demo\nname = 1", r"sites.toml: TOML syntax error"),
    ],
)
def test_site_list_mistakes_name_file_line_and_field(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_sites(write(tmp_path, text))


def test_config_file_overrides_and_its_mistakes(tmp_path):
    sites = write(tmp_path, GOOD)
    config = write(tmp_path, f'sites_file = "{sites}"\ndb = "x.db"\n[sites.demo]\nbase_url = "http://127.0.0.1:1"\n',
                   "rasid.toml")
    loaded = load_config(config)
    assert loaded.sites["demo"].fetch_origin == "http://127.0.0.1:1" and loaded.db == tmp_path / "x.db"
    bad = write(tmp_path, f'sites_file = "{sites}"\n[sites.nope]\nbase_url = "http://x"\n', "bad.toml")
    with pytest.raises(ConfigError, match=r"bad.toml:2: \[sites.nope\] is not a site"):
        load_config(bad)
    typo = write(tmp_path, 'dbb = "x.db"\n', "typo.toml")
    with pytest.raises(ConfigError, match=r"typo.toml:1: unknown field 'dbb'"):
        load_config(typo)


def test_the_cluster_table_names_its_redis_and_its_mistakes(tmp_path):
    sites = write(tmp_path, GOOD)
    assert load_config(write(tmp_path, f'sites_file = "{sites}"\n', "local.toml")).redis is None  # no cluster
    config = write(tmp_path, f'sites_file = "{sites}"\n[cluster]\nredis = "redis://10.0.0.5:6379/2"\n', "c.toml")
    assert load_config(config).redis == "redis://10.0.0.5:6379/2"
    bad = write(tmp_path, f'sites_file = "{sites}"\n[cluster]\nredis = "http://10.0.0.5"\n', "bad.toml")
    with pytest.raises(ConfigError, match=r"bad.toml:3: \[cluster\] redis: expected a Redis URL"):
        load_config(bad)
    typo = write(tmp_path, f'sites_file = "{sites}"\n[cluster]\nredis_url = "redis://x"\n', "typo.toml")
    with pytest.raises(ConfigError, match=r"typo.toml:3: \[cluster\] unknown field 'redis_url'"):
        load_config(typo)


@pytest.mark.slow
def test_cli_reports_config_errors_in_one_line_with_exit_2(tmp_path):
    config = write(tmp_path, "crawl_timeout = \"soon\"\n", "rasid.toml")
    result = run_rasid("crawl", "--config", str(config), "--db", str(tmp_path / "x.db"), check=False)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "rasid.toml:1: crawl_timeout" in result.stderr
    assert not (tmp_path / "x.db").exists()
    result = run_rasid("crawl", "nosuchsite", "--db", str(tmp_path / "x.db"), check=False)
    assert result.returncode == 2 and "unknown site 'nosuchsite'" in result.stderr
    result = run_rasid("crawl", "--base-url", "ina", "--db", str(tmp_path / "x.db"), check=False)
    assert result.returncode == 2 and "expected SITE=URL" in result.stderr
    result = run_rasid("crawl", "--db", str(tmp_path / "no" / "x.db"), check=False)
    assert result.returncode == 2 and "does not exist" in result.stderr


DAEMON_CONFIG = """revisit_schedule = ["10m until 2h", "2h until 2d"]
crawl_timeout = "5m"
deliver_every = "10s"
[alerts]
urls = ["json://127.0.0.1:8080/hook", "tgram://123:ABC/456"]
jsonl = "alerts.jsonl"
console = false
[[watch]]
name = "basra"
all = ["الكاظمي", "البصرة"]
sites = ["demo"]
[sites.demo]
cron = "*/20 6-23 * * *"
"""


def test_daemon_config_loads(tmp_path):
    sites = write(tmp_path, GOOD)
    config = load_config(write(tmp_path, f'sites_file = "{sites}"\n' + DAEMON_CONFIG, "rasid.toml"))
    assert config.revisit_schedule == ((600, 7200), (7200, 172800))
    assert (config.crawl_timeout, config.deliver_every) == (300, 10)
    assert config.alerts.urls[1].startswith("tgram://") and config.alerts.jsonl == tmp_path / "alerts.jsonl"
    assert config.watch[0].all == ("الكاظمي", "البصرة") and config.watch[0].sites == ("demo",)
    assert config.sites["demo"].cron == "*/20 6-23 * * *"
    assert load_config(None, sites).revisit_schedule[0] == (900, 6 * 3600)  # the default decaying schedule


@pytest.mark.parametrize("change, message", [
    (("2h until 2d", "2h until 1h"), r"rasid.toml:2: revisit_schedule: .*must grow"),
    (("10m until 2h", "10 minutes"), r"revisit_schedule: '10 minutes': expected \"INTERVAL until AGE\""),
    (('cron = "*/20 6-23 * * *"', 'cron = "every hour"'), r"\[sites.demo\] cron: not a crontab line"),
    (('name = "basra"', 'name = "basra"\ncolour = 1'), r"\[\[watch\]\] #1: unknown field 'colour'"),
    (('sites = ["demo"]', 'sites = ["nope"]'), r"\[\[watch\]\] #1 sites: unknown site 'nope'"),
    (('all = ["الكاظمي", "البصرة"]', ""), r"\[\[watch\]\] #1: needs `all` or `any`"),
    (('"tgram://123:ABC/456"', '"no scheme here"'), r"\[alerts\] urls\[1\]: not an Apprise URL"),
    (("console = false", "colour = false"), r"rasid.toml:\d+: \[alerts\] unknown field 'colour'"),
])
def test_daemon_config_mistakes(tmp_path, change, message):
    sites = write(tmp_path, GOOD)
    text = f'sites_file = "{sites}"\n' + DAEMON_CONFIG.replace(*change)
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text, "rasid.toml"))


@pytest.mark.parametrize("config_text, message", [
    ('[sites.demo]\ndownload_delay = "abc"\n', r"rasid.toml:\d+: \[sites.demo\] download_delay: expected a number"),
    ("[sites.demo]\ndownload_delay = -5\n", r"\[sites.demo\] download_delay: expected a number of seconds >= 0"),
    ('[sites.demo]\nenabled = "false"\n', r"\[sites.demo\] enabled: expected true or false"),
    ('"(((" = 1\n', r"rasid.toml:2: unknown field '\(\(\('"),
    ("max_store_mb = nan\n", r"max_store_mb: expected a number of megabytes > 0, got nan"),
    ("max_store_mb = inf\n", r"max_store_mb: expected a number of megabytes > 0, got inf"),
    ("max_store_mb = true\n", r"max_store_mb: expected a number of megabytes > 0, got True"),
    ("crawl_timeout = true\n", r"crawl_timeout: expected a duration"),
])
def test_config_values_of_the_wrong_kind_are_refused_in_one_line(tmp_path, config_text, message):
    sites = write(tmp_path, GOOD)
    config = write(tmp_path, f'sites_file = "{sites}"\n' + config_text, "rasid.toml")
    with pytest.raises(ConfigError, match=message):
        load_config(config)


@pytest.mark.parametrize("addition, message", [
    ('[sites.demo.hints]\ndate_selector = "[[[[!!"\n', r"hints.date_selector: not a CSS selector lxml can use"),
    ('[sites.demo.hints]\nremove = ["div >> p"]\n', r"hints.remove: not a CSS selector"),
    ("enabled = 0\n", r"enabled: expected true or false"),
])
def test_site_hints_and_flags_are_checked_at_load(tmp_path, addition, message):
    text = GOOD.replace("[sites.demo]\n", "[sites.demo]\n" + (addition if not addition.startswith("[") else ""))
    if addition.startswith("["):
        text = GOOD + addition
    with pytest.raises(ConfigError, match=message):
        load_sites(write(tmp_path, text))


def test_article_patterns_run_in_linear_time_or_are_refused(tmp_path):
    # the pattern that hung a crawl with a feed link of "/" + 40 × "a" + "!"
    text = GOOD.replace(r"'^/\d+\.html$'", r"'^/([a-z0-9]+-?)+\.html$'")
    assert text != GOOD
    (site,) = load_sites(write(tmp_path, text)).values()
    assert not site.is_article("https://news.example/" + "a" * 5000 + "!")  # answered at once
    assert site.is_article("https://news.example/some-story-12.html")
    refused = GOOD.replace(r"'^/\d+\.html$'", r"'^/(\d+)-\1\.html$'")  # a back-reference: not linear
    with pytest.raises(ConfigError, match=r"article_patterns: bad regular expression .*RE2"):
        load_sites(write(tmp_path, refused))
