"""Extraction on real pages nobody here wrote: a fixed sample of ../shared/corpus (about 200
pages of all three sources, every k-th page of each), Rasid beside bare trafilatura in the same
run. The whole corpus is benchmarks/bench_real.py's; this sample keeps CI honest about it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_real import CORPUS, compare, load_corpus, run_bare, run_rasid, score_page, words_kept  # noqa: E402

# two extractors over ~200 pages; one xdist worker runs the module, so its shared fixtures are built once (`make test`)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("real_pages")]


@pytest.fixture(scope="module")
def sample() -> list[dict]:
    assert CORPUS.is_dir(), f"{CORPUS}: the real-page corpus must sit beside the repository (../shared)"
    pages = load_corpus(sample=200)
    assert len(pages) >= 150 and {p["id"].split("-", 1)[0] for p in pages} == {"traf", "aeb", "mc"}
    return pages


@pytest.fixture(scope="module")
def result(sample) -> dict:
    return compare(sample)


def test_no_page_raises_and_no_more_bodies_are_lost_than_by_trafilatura(result):
    ours, bare = result["rasid"], result["trafilatura"]
    assert ours.raised == 0, [r.raised for r, _ in result["pages"] if r.raised][:3]
    assert ours.lost <= bare.lost, [r.id for r, b in result["pages"] if r.lost and not b.lost]


def test_scores_are_not_below_trafilatura(result):
    ours, bare = result["rasid"], result["trafilatura"]
    assert ours.snippet.f1 >= bare.snippet.f1 - 0.005
    assert ours.body.f1 >= bare.body.f1 - 0.005
    assert ours.day_right >= bare.day_right


def test_trafilaturas_words_are_kept_unless_the_truth_says_they_were_clutter(sample):
    # Wherever trafilatura finds 300 characters or more, Rasid keeps 60 % of its words; it may keep
    # fewer only where the page's own truth shows the dropped words were not the article: every
    # snippet trafilatura finds is found, with no more `without` snippets, or the body F1 is higher.
    failures = []
    for page in sample:
        bare, ours = run_bare(page), run_rasid(page)
        if len(" ".join(bare.text.split())) < 300 or words_kept(ours.text, bare.text) >= 0.6:
            continue
        mine, theirs = score_page(page, ours), score_page(page, bare)
        truth_agrees = (page.get("with") and mine.tp >= theirs.tp and mine.fp <= theirs.fp) or (
            mine.f1 is not None and mine.f1 >= theirs.f1)
        if not truth_agrees:
            failures.append((page["id"], round(words_kept(ours.text, bare.text), 2)))
    assert not failures
