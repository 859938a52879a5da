"""`rasid backup`: a consistent copy of a store, taken while crawls, the daemon or the writer write.

The store is SQLite in WAL mode: pages committed a moment ago may still be in `rasid.db-wal`, not
in `rasid.db`, and a file copy made while a crawl commits can hold half of a checkpoint, a state
the store was never in. SQLite's online backup API (sqlite3's Connection.backup) copies the store
as one read transaction sees it: every transaction committed before the copy began, none after,
whatever is written meanwhile (the writers do not wait for it). The copy is written beside OUT,
checked with `PRAGMA integrity_check`, made one self-contained file (no -wal beside it) and only
then renamed to OUT. The store is only read: not migrated, so a backup taken before an upgrade
holds the schema of the Rasid that wrote it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


class BackupError(Exception):
    """What stopped a backup, in one line naming the file; nothing is left at OUT."""


def backup(db_path: Path, out: Path, force: bool = False) -> dict:
    """Copy the store at `db_path` to `out`; an existing `out` only with `force`. Returns what the
    copy holds: its size in bytes and, when it is a Rasid store, its articles and versions."""
    _check_out(db_path, out, force)
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=60)
    except sqlite3.Error as exc:
        raise BackupError(f"{db_path}: cannot open the store: {exc}") from None
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # every page in one step: one read transaction, one moment of the store
            copy.execute("PRAGMA journal_mode=DELETE")  # the copy alone is the whole store
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
            held = _held(copy)
        finally:
            copy.close()
        if problems != ["ok"]:
            raise BackupError(f"{out}: the copy fails integrity_check ({problems[0]}; the store itself may be "
                              f"damaged: PRAGMA integrity_check on {db_path}); nothing was written")
        os.replace(partial, out)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{db_path}: cannot back up: {exc}") from None
    except OSError as exc:
        raise BackupError(f"{out}: cannot write the copy: {exc.strerror or exc}") from None
    finally:
        source.close()
        partial.unlink(missing_ok=True)
    return {"bytes": out.stat().st_size, **held}


def _check_out(db_path: Path, out: Path, force: bool) -> None:
    if not db_path.is_file():
        raise BackupError(f"{db_path}: no such store")
    if out.is_dir():
        raise BackupError(f"{out}: is a folder: give the backup's file name")
    if not out.parent.is_dir():
        raise BackupError(f"{out}: folder {out.parent} does not exist")
    if out.exists():
        if out.resolve() == db_path.resolve():
            raise BackupError(f"{out}: that is the store itself")
        if not force:
            raise BackupError(f"{out} already exists: pass --force to overwrite it, or choose another name")


def _held(copy: sqlite3.Connection) -> dict:
    tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {name: copy.execute(f"SELECT count(*) FROM {name}").fetchone()[0]  # noqa: S608 (our table names)
            for name in ("articles", "versions") if name in tables}
