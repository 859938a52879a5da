"""Rasid's processes and commands, one package per job (ARCHITECTURE.md names the module of each):

    net/       what every request keeps to (addresses, limits, back-off, secrets in URLs) and the
               one HTTP client outside Scrapy
    crawl/     a crawl with Scrapy: settings, middlewares, resolver, pipelines, the runner
    cluster/   cluster mode: what Redis holds, `rasid worker`, `rasid writer`
    archive/   web archives: reading WARC files, `rasid import warc`, `rasid export warc`
    sites/     `rasid sites add`, `rasid sites check`
    daemon/    `rasid daemon`: the schedule and alert delivery
    demo/      `rasid demo` and `rasid replay serve`
    cli.py     the command line; report.py what it prints; extract_one.py `rasid extract`;
               reextract.py `rasid reextract`

Imports run one way inside it too: net ← crawl ← cluster, archive, sites ← daemon ← the commands
(tests/test_layers.py)."""
