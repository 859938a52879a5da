"""Print pip constraints that pin every dependency pyproject.toml declares (the test extra's too)
to its floor: `name>=X` becomes `name==X`. `make test-floors` installs Rasid with them and runs the
unit tests, so that each floor pyproject.toml states is one the code has been run on."""

import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8"))["project"]
requirements = project["dependencies"] + [r for extra in project.get("optional-dependencies", {}).values() for r in extra]
for requirement in requirements:
    floor = re.match(r"^\s*([A-Za-z0-9_.\-\[\]]+?)(\[[^\]]*\])?\s*>=\s*([^,;\s]+)", requirement)
    if floor is None:
        sys.exit(f"pyproject.toml: {requirement!r} states no floor (name>=version)")
    print(f"{floor.group(1)}=={floor.group(3)}")
