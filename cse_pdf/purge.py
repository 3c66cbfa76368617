"""`cse-pdf purge`: records, stamped copies and quarantined files past a retention date, deleted.

The database rows go first, in one transaction (store/retention.py); the files they named
are deleted after the commit, so a crash leaves at worst an orphan file, never a record
whose copy was deleted. A file is deleted only when it lies inside the output folder: the
path recorded is checked as it is now, and a path that leads outside, or through a symbolic
link anywhere on the way, is left where it is and counted. A file already gone is no error.
Nothing here reports a name, a file name or any form content: only counts.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from cse_pdf.store import Store
from cse_pdf.store.retention import PURGED_BY, PurgePlan, execute_purge, plan_purge

__all__ = ["FileCounts", "PurgePlan", "PurgeSummary", "plan_purge", "purge", "summarise"]

REASON_SUFFIX = ".reason.txt"  # the note ingest writes beside a quarantined file (it names the sender's file)


@dataclass(frozen=True)
class FileCounts:
    """Files a plan names, sorted by what purge can do with them."""

    inside: int = 0  # inside the output folder and present: deleted (or to be)
    missing: int = 0  # inside, but already gone
    outside: int = 0  # outside the output folder or reached through a link: left in place


@dataclass(frozen=True)
class PurgeSummary:
    """Counts only: what a purge would delete, or did."""

    records: int
    failures: int
    stamped: FileCounts
    quarantined: FileCounts


def inside_folder(recorded: str, out: Path) -> Path | None:
    """The file `recorded` names if it lies inside `out` with no symbolic link on the way; else None.

    Recorded paths are absolute and already resolved (ingest writes under the resolved output folder),
    so a path that resolves to anything other than itself went through a link planted since."""
    path = Path(recorded)
    if not path.is_absolute():
        return None
    lexical = Path(os.path.normpath(path))
    real = Path(os.path.realpath(lexical))
    root = Path(os.path.realpath(out))
    if real != lexical or real == root or not real.is_relative_to(root):
        return None
    return real


def _present(path: Path) -> bool | None:
    """True: a regular file; False: gone; None: something else (a link, a folder, a device): never touched."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return False
    return True if stat.S_ISREG(mode) else None


def count_files(recorded: Iterable[str], out: Path) -> FileCounts:
    inside = missing = outside = 0
    for text in recorded:
        path = inside_folder(text, out)
        present = None if path is None else _present(path)
        if present is None:
            outside += 1
        elif present:
            inside += 1
        else:
            missing += 1
    return FileCounts(inside, missing, outside)


def delete_files(recorded: Iterable[str], out: Path) -> FileCounts:
    """Delete each file that `inside_folder` allows; the rest are counted, never touched."""
    deleted = missing = outside = 0
    for text in recorded:
        path = inside_folder(text, out)
        present = None if path is None else _present(path)
        if present is None:
            outside += 1
            continue
        try:
            os.unlink(path)  # type: ignore[arg-type]
            deleted += 1
        except FileNotFoundError:
            missing += 1
    return FileCounts(deleted, missing, outside)


def summarise(plan: PurgePlan, out: Path) -> PurgeSummary:
    """What deleting `plan` would do: counts of records and of the files inside `out` (a quarantined file's
    reason note goes with it and is not counted apart)."""
    return PurgeSummary(len(plan.submissions), len(plan.failures), count_files(plan.stamped, out),
                        count_files(plan.quarantined, out))


def purge(store: Store, confirmed: PurgePlan, out: Path, by: str | None = None,
          role: str | None = None) -> PurgeSummary:
    """Delete the rows of `confirmed` (those still due) in one transaction, then their files inside `out`;
    `by` and `role`: who the purge events name (default "purge")."""
    done = execute_purge(store, confirmed, by or PURGED_BY, role or PURGED_BY)
    stamped = delete_files(done.stamped, out)
    quarantined = delete_files(done.quarantined, out)
    delete_files([q + REASON_SUFFIX for q in done.quarantined], out)
    return PurgeSummary(len(done.submissions), len(done.failures), stamped, quarantined)
