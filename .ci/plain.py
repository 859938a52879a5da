"""`make test-plain`: the plain install (Rasid without extras, in the virtualenv given) is what one
host needs and no more, and it runs: nothing of the test tools, of cluster mode or scipy is in it,
and the offline demo runs end to end from a folder outside the checkout (so the installed package
is what runs, its snapshots and all), reprints found by Rasid's own MinHash.

    python3 .ci/plain.py .venv-plain
"""

import subprocess
import sys
import tempfile
from pathlib import Path

NOT_IN_A_PLAIN_INSTALL = {"scipy", "datasketch", "redis", "scrapy-redis", "pytest", "hypothesis", "ruff", "selenium"}

env = Path(sys.argv[1]).resolve()
listed = subprocess.run([env / "bin" / "python", "-m", "pip", "list", "--format=freeze"], capture_output=True,
                        text=True, check=True).stdout
installed = {line.split("==")[0].lower().replace("_", "-") for line in listed.splitlines() if "==" in line}
extra = sorted(installed & NOT_IN_A_PLAIN_INSTALL)
if extra:
    sys.exit(f"plain install: {', '.join(extra)} installed without being asked for")
with tempfile.TemporaryDirectory(prefix="rasid-plain-") as folder:
    demo = subprocess.run([env / "bin" / "rasid", "demo", "--db", "demo.db"], cwd=folder, capture_output=True,
                          text=True, timeout=900)
    if demo.returncode != 0:
        sys.exit(f"plain install: `rasid demo` exited {demo.returncode}\n{demo.stdout}\n{demo.stderr}")
    for expected in ("[changed] ina:", "[removed] okaz:", "[new] alaraby:", "2 stories with reprints"):
        if expected not in demo.stdout:
            sys.exit(f"plain install: `rasid demo` did not print {expected!r}\n{demo.stdout}")
print(f"plain install: {len(installed)} distributions, none of {', '.join(sorted(NOT_IN_A_PLAIN_INSTALL))}; "
      "`rasid demo` ran from outside the checkout")
