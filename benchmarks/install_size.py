"""What a plain `pip install` of Rasid puts on a host: the size of a fresh virtualenv's
site-packages and the distributions in it, the largest first.

    python3 benchmarks/install_size.py [SOURCE] [--extras cluster,test]

SOURCE is a checkout (default: this one); run it on an older commit's `git archive` to compare
(BENCHMARKS.md, "Install size"). The virtualenv is made in a temporary folder and removed after;
pip installs SOURCE as a user would (not editable), from whatever index pip is configured with.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(source: Path, extras: str = "") -> dict:
    with tempfile.TemporaryDirectory(prefix="rasid-size-") as folder:
        env = Path(folder) / "venv"
        venv.create(env, with_pip=True)
        target = f"{source}[{extras}]" if extras else str(source)
        subprocess.run([env / "bin" / "pip", "install", "--quiet", target], check=True,
                       stderr=subprocess.DEVNULL)
        (site,) = (env / "lib").glob("python3*/site-packages")
        total = int(subprocess.run(["du", "-sm", site], capture_output=True, text=True, check=True).stdout.split()[0])
        sizes = {}
        for info in site.glob("*.dist-info"):
            name = info.name.split("-")[0]
            files = [line.split(",")[0] for line in (info / "RECORD").read_text(encoding="utf-8").splitlines()]
            sizes[name] = sum((site / f).stat().st_size for f in files if (site / f).is_file()) / 2**20
        return {"site_packages_mb": total, "distributions": len(sizes),
                "largest": sorted(sizes.items(), key=lambda kv: -kv[1])[:8]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", type=Path, default=ROOT)
    parser.add_argument("--extras", default="", help="comma-separated extras, e.g. cluster")
    args = parser.parse_args()
    result = measure(args.source.resolve(), args.extras)
    print(f"{args.source}{'[' + args.extras + ']' if args.extras else ''}: site-packages {result['site_packages_mb']} MB, "
          f"{result['distributions']} distributions (pip and setuptools included)")
    print("largest: " + ", ".join(f"{name} {mb:.0f} MB" for name, mb in result["largest"]))


if __name__ == "__main__":
    sys.exit(main())
