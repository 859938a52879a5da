"""Processes: whether one is alive (a crawl row's process), and children that never outlive their
parent (a crawl the daemon started, the extraction workers of a crawl). Linux's PR_SET_PDEATHSIG has the kernel signal the child when its parent dies,
however the parent dies (SIGKILL included), so no orphan keeps burning a core."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Ask Linux to send this process `sig` when its parent dies; elsewhere, nothing."""
    if sys.platform == "linux":
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, sig)
        except (OSError, AttributeError):
            pass


def die_with_crawl() -> None:
    """An extraction worker's first act: SIGKILL when the crawl process dies (a worker holds no
    state of its own to lose; a page it was extracting is recorded by the crawl, or fetched again
    by the next)."""
    die_with_parent(signal.SIGKILL)


def alive(pid: int | None) -> bool:
    """Whether a process runs: a zombie (exited, not yet reaped by its new parent) does not."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return True  # no /proc (not Linux): kill(pid, 0) is all we know
