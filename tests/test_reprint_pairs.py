"""Reprint detection on labelled pairs made from real pages nobody here wrote (a fixed sample of
../shared/corpus, every k-th page) and the Arabic texts, each copied the ways sites copy and paired
with hard negatives (benchmarks/reprint_pairs.py); decided as monitor.stories decides (an LSH
band shared, then the exact shingle sets). The whole corpus is benchmarks/bench_reprints.py's."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_reprints import judge, scores  # noqa: E402
from reprint_pairs import CORPUS, NEGATIVE, POSITIVE, Source, arabic_sources, build_pairs, load_sources  # noqa: E402

# extraction of ~150 real pages and ~1,500 copier pages; one xdist worker runs the module, so its shared fixtures are built once (`make test`)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reprint_pairs")]


@pytest.fixture(scope="module")
def pairs():
    assert CORPUS.is_dir(), f"{CORPUS}: the real-page corpus must sit beside the repository (../shared)"
    made = build_pairs(load_sources(CORPUS, every=6, extra=arabic_sources()))
    assert {p.how for p in made} == set(POSITIVE) | set(NEGATIVE)
    return made


@pytest.fixture(scope="module")
def judged(pairs):
    return [judge(p)[0] for p in pairs]


def test_precision_and_recall_at_the_default_threshold(pairs, judged):
    result = scores(pairs, judged)
    assert result["positives"] >= 800 and result["pairs"] - result["positives"] >= 300
    assert result["precision"] >= 0.98, result
    assert result["recall"] >= 0.95, result


def test_every_kind_of_copy_is_found_and_no_kind_of_hard_negative_is_taken_for_one(pairs, judged):
    for kind in POSITIVE:
        found = [c for p, c in zip(pairs, judged, strict=True) if p.how == kind]
        assert sum(found) / len(found) >= 0.9, (kind, sum(found), len(found))
    for kind in NEGATIVE:
        wrong = [p.source for p, c in zip(pairs, judged, strict=True) if p.how == kind and c]
        assert len(wrong) <= 0.02 * sum(1 for p in pairs if p.how == kind), (kind, wrong[:5])


def test_arabic_copies_spelled_their_own_way_are_found(pairs, judged):
    arabic = [(p, c) for p, c in zip(pairs, judged, strict=True) if p.arabic]
    assert sum(1 for p, _ in arabic if p.label) >= 150
    result = scores([p for p, _ in arabic], [c for _, c in arabic])
    assert result["precision"] >= 0.98 and result["recall"] >= 0.95, result
    assert all(c for p, c in arabic if p.how in ("copy", "spelling", "intro", "reordered"))


def _english(n: int) -> Source:
    paragraphs = tuple(f"Story {n} paragraph {k}: the council met on Monday to discuss the budget, the roads and "
                       f"the schools of district {n}, and officials said a vote would follow next week." for k in range(3))
    return Source(f"en-{n}", f"https://en{n}.example/story", f"Council of district {n} meets", paragraphs)


def test_which_other_pages_qualify_does_not_change_the_arabic_pairs():
    # a change to extraction decides which corpus pages qualify as sources: the Arabic pairs, the
    # ones the Arabic bar is held on, must stay the same pairs
    arabic = arabic_sources()[:3]
    english = [_english(n) for n in range(4)]

    def arabic_pairs(sources):
        return [p for p in build_pairs(sources) if p.arabic]

    made = arabic_pairs([*english, *arabic])
    assert made and made == arabic_pairs([english[2], *arabic]) == arabic_pairs([*reversed(arabic), *english[1:]][::-1])
