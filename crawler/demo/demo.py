"""`rasid demo`: Rasid end to end, offline, on the shipped snapshots of the five seed sites."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from crawler import report
from crawler.crawl.run import ChildCrawl, CrawlExit
from crawler.demo.replay import ReplayServer
from db.store import Store
from monitor.config import DEMO_UPDATE, SNAPSHOTS
from monitor.frontpage import FRONT_ALERTS
from monitor.recorder import front_changes

ROUNDS = ("first crawl (baseline)", "second crawl (after the sites changed)")


class DemoError(RuntimeError):
    """A crawl of the demo failed: one line."""


def copy_snapshots(target: Path) -> Path:
    """A writable copy of the shipped snapshots (the demo edits it)."""
    shutil.copytree(SNAPSHOTS, target)
    return target


def apply_demo_update(snapshot_root: Path, update: Path = DEMO_UPDATE) -> None:
    """Turn day one of the snapshots into day two (or, with update=DEMO_THIRD, day two into the
    front pages' third state): the files of `update` replace or join the snapshot, and the paths
    in its _removed.txt disappear."""
    for source in update.rglob("*"):
        if source.is_file() and source.name != "_removed.txt":
            target = snapshot_root / source.relative_to(update)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    for line in (update / "_removed.txt").read_text(encoding="utf-8").splitlines():
        if line.strip():
            (snapshot_root / line.strip()).unlink(missing_ok=True)


def run_demo(db_path: Path, say: Callable[[str], None]) -> None:
    """Serve a copy of the snapshots on 127.0.0.1, crawl it (the baseline), change it (one article
    edited, one new, one removed), crawl again; `say` each round's figures and the alerts."""
    with tempfile.TemporaryDirectory(prefix="rasid-demo-") as tmp:
        root = copy_snapshots(Path(tmp) / "snapshots")
        with ReplayServer(root) as server:
            say("replay servers: " + ", ".join(f"{k} {u}" for k, u in server.base_urls.items()))
            for n, label in enumerate(ROUNDS):
                if n == 1:
                    apply_demo_update(root)
                    server.reload()
                    say("\nsnapshot changed: one article edited (ina), one added (alaraby), one removed (okaz); "
                        "ina's front page: a story added at the top, the lead moved down, a teaser rewritten, "
                        "one story pulled while its article stays online")
                before = _last_crawl_id(db_path)
                code = ChildCrawl(db_path, base_urls=server.base_urls, quiet=True).wait()
                if code != CrawlExit.OK:
                    raise DemoError(f"the {label} failed (exit code {int(code)})")
                for line in _round_lines(db_path, before, baseline=n == 0):
                    say(line)


def _last_crawl_id(db_path: Path) -> int:
    with Store(db_path) as store:
        return store.last_crawl_id()


def _round_lines(db_path: Path, before: int, baseline: bool) -> list[str]:
    with Store(db_path) as store:
        lines = [f"\n{ROUNDS[0 if baseline else 1]}:", *report.table(store.crawl_summary(before))]
        if baseline:
            lines += ["\narticles stored:", *report.article_lines(store.article_list())]
            lines += ["\nreprints (the source ← who copied, kind, similarity, delay on evidence; "
                      "each one's claimed publication beside Rasid's first sight):",
                      *report.reprint_lines(store.reprint_list(), as_json=False)]
            if store.count_alerts():
                lines.append(f"({store.count_alerts()} alerts on the baseline crawl)")
        else:
            alerts = store.alerts(after_crawl_id=before)
            lines += ["\nalerts:", *report.alert_lines([a for a in alerts if a["kind"] not in FRONT_ALERTS])]
            lines += ["\nfront pages (what moved on each site's listing pages; `pulled` and `teaser` alerts "
                      "go only to watch rules that ask for them):", *report.front_change_lines(front_changes(store, before))]
        return lines
