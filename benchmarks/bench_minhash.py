"""Rasid's own MinHash (monitor/reprints.py, numpy) beside datasketch's, in one run: the same values
for every text, the time to sign a text, and the memory a process pays to import each.

    .venv/bin/python benchmarks/bench_minhash.py [--every 2] [--repeat 5]

The texts are the real pages of ../shared/corpus as Rasid extracts them (benchmarks/reprint_pairs.py
load_sources). datasketch is the test extra's (`make test` installs it); a plain install has none.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from reprint_pairs import load_sources  # noqa: E402

from monitor import reprints  # noqa: E402

# the peak memory of a fresh process that imports one side and signs one text (VmHWM: the
# process's own, where getrusage's maxrss can report the forking parent's)
_RSS = """{imports}
items = [("word %d" % i).encode() for i in range(300)]
{sign}
print(next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM:")) / 1024)
"""
SIDES = {
    "rasid": ("from monitor import reprints", "reprints.minhash(items)"),
    "datasketch": ("from datasketch import MinHash", "m = MinHash(num_perm=64); m.update_batch(items)"),
}


def peak_mb(side: str) -> float:
    imports, sign = SIDES[side]
    out = subprocess.run([sys.executable, "-c", _RSS.format(imports=imports, sign=sign)], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return float(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", type=int, default=1, help="every n-th corpus page")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes over the texts (the median is kept)")
    args = parser.parse_args()
    from datasketch import MinHash

    sets = [[s.encode("utf-8") for s in reprints.shingles(source.text)] for source in load_sources(every=args.every)]
    sets = [s for s in sets if len(s) >= reprints.MIN_SHINGLES]
    for items in sets:  # the same values, text by text
        theirs = MinHash(num_perm=reprints.NUM_PERM)
        theirs.update_batch(items)
        assert (theirs.hashvalues.astype("<u4") == reprints.minhash(items)).all()
    # datasketch as Rasid used it before: the permutations drawn once, reused for every text
    first = MinHash(num_perm=reprints.NUM_PERM)
    times = {"rasid": [], "datasketch": []}
    for _ in range(args.repeat):  # alternated, so both see the machine's load alike
        started = time.perf_counter()
        for items in sets:
            reprints.minhash(items)
        times["rasid"].append(time.perf_counter() - started)
        started = time.perf_counter()
        for items in sets:
            theirs = MinHash(num_perm=reprints.NUM_PERM, permutations=first.permutations, scheme=first.scheme)
            theirs.update_batch(items)
        times["datasketch"].append(time.perf_counter() - started)
    per_text = {side: statistics.median(t) / len(sets) * 1000 for side, t in times.items()}
    memory = {side: peak_mb(side) for side in SIDES}
    print(f"{len(sets)} corpus texts, {statistics.mean(len(s) for s in sets):.0f} shingles each on average: "
          "the same 64 values for every one")
    print(f"signing, median of {args.repeat}: Rasid {per_text['rasid']:.3f} ms a text, datasketch "
          f"{per_text['datasketch']:.3f} ms; Rasid / datasketch = {per_text['rasid'] / per_text['datasketch']:.2f}")
    print(f"peak memory of a process that imports it and signs a text: Rasid {memory['rasid']:.0f} MB, datasketch "
          f"{memory['datasketch']:.0f} MB ({memory['datasketch'] - memory['rasid']:+.0f} MB)")


if __name__ == "__main__":
    main()
