"""Files and folders that hold case data: owner-only, and never seen half-written.

A file is written under a temporary name in its own folder, flushed to disk, then
renamed over the target in one step, so a crash (even `kill -9`) leaves either the
old file or the new one, never a torn one. A crash can leave the temporary file
behind; `sweep_stale_temps` removes those whose writer is no longer running.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Iterable

FILE_MODE = 0o600
DIR_MODE = 0o700
_TEMP = re.compile(r"^\..+\.tmp-(\d+)-[0-9a-f]{8}$")  # .NAME.tmp-PID-RANDOM


def make_private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) owner-only; an existing folder is left as it is."""
    missing = []
    p = Path(path)
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            os.mkdir(d, DIR_MODE)
        except FileExistsError:  # made by a concurrent ingest meanwhile
            continue
        os.chmod(d, DIR_MODE)  # mkdir's mode is masked by the umask; say it plainly
    return Path(path)


def write_private(path: Path | str, data: bytes) -> None:
    """Create or replace `path` atomically, readable and writable by its owner only."""
    path = Path(path)
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        temp.unlink(missing_ok=True)
        raise
    os.close(fd)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def is_temp_name(name: str) -> bool:
    return _TEMP.match(name) is not None


def sweep_stale_temps(folder: Path) -> int:
    """Remove temporary files left in `folder` by writers that died; returns how many."""
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return 0
    for entry in entries:
        m = _TEMP.match(entry.name)
        if m and entry.is_file(follow_symlinks=False) and not _alive(int(m.group(1))):
            try:
                os.unlink(entry.path)
                removed += 1
            except FileNotFoundError:
                pass
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def write_private_chunks(path: Path | str, chunks: Iterable[bytes]) -> None:
    """`write_private` for data that comes in chunks (a quarantined file copied without holding it all in
    memory): the same owner-only temporary file, renamed into place only once every chunk is written."""
    path = Path(path)
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        for chunk in chunks:
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(temp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
