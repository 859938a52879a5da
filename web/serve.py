"""`rasid serve`: the store in Datasette, with the metadata and settings shipped beside this file
(web/metadata.yml: descriptions, facets, canned queries; web/settings.json) and Rasid's plugin
(web/plugin.py, found through the `datasette` entry point).

Read-only by construction: Datasette reads the store through `?mode=ro` connections, accepts
only SELECT in its SQL box, every canned query is a read (none has `write: true`), and the
plugin answers any request but GET, HEAD and OPTIONS with 405. The store is in WAL mode, so the
crawler writes while Datasette reads, neither waiting on the other.
"""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
METADATA = HERE / "metadata.yml"
SETTINGS = HERE / "settings.json"


def metadata(database: str) -> dict:
    """The shipped metadata, for a store served under the name `database`."""
    data = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    data["databases"] = {database: data["databases"]["store"]}
    return data


def datasette(db_path: Path):
    """The Datasette instance `rasid serve` runs (tests drive it in process)."""
    from datasette.app import Datasette

    return Datasette([str(db_path)], metadata=metadata(db_path.stem),
                     settings=json.loads(SETTINGS.read_text(encoding="utf-8")))


def serve(db_path: Path, host: str = "127.0.0.1", port: int = 8001, access_log: bool = False) -> None:
    """Run Datasette on the store until SIGTERM or Ctrl-C, then return: a clean stop. Quiet but
    for warnings and errors, unless `access_log` (a line per request, on standard output)."""
    import uvicorn

    # uvicorn shuts down gracefully on SIGTERM or SIGINT, then raises the same signal again for the
    # handler that was there before it: with Python's default that is death by the signal (exit
    # -15) or a KeyboardInterrupt. A stop asked for is a clean exit here, also before uvicorn runs.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_cleanly)
    app = datasette(db_path)
    asyncio.run(app.invoke_startup())
    uvicorn.run(app.app(), host=host, port=port, log_level="info" if access_log else "warning",
                access_log=access_log, lifespan="on", workers=1)


def _exit_cleanly(signum, frame) -> None:
    raise SystemExit(0)
