"""Files and folders that hold case data: owner-only, and never seen half-written.

A file is written under a temporary name in its own folder, flushed to disk, then
renamed over the target in one step, so a crash (even `kill -9`) leaves either the
old file or the new one, never a torn one. A crash can leave the temporary file
behind; `sweep_stale_temps` removes those whose writer is no longer running.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
from pathlib import Path
from typing import Iterable

from cse_pdf.base.errors import OutputError

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


def write_private(path: Path | str, data: bytes, replace: bool = True) -> None:
    """Create or replace `path` atomically, readable and writable by its owner only.

    `replace=False`: an existing `path` is never replaced, not even one made a moment ago by another
    process (FileExistsError); the new file appears whole, or not at all."""
    _write_atomic(Path(path), (data,), FILE_MODE, replace)


def _write_atomic(path: Path, chunks: Iterable[bytes], mode: int | None, replace: bool) -> None:
    """Write under a temporary name, flush, then rename (`replace`) or hard-link (no clobber) into place.
    `mode=None`: the usual mode for a new file (0666 less the umask), for files that hold no case data."""
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE if mode is not None else 0o666)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        for chunk in chunks:
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        temp.unlink(missing_ok=True)
        raise
    os.close(fd)
    try:
        if replace:
            os.replace(temp, path)
        else:
            _link_no_clobber(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _link_no_clobber(temp: Path, path: Path) -> None:
    """Move `temp` to `path` unless `path` exists: link(2) fails with EEXIST instead of replacing."""
    try:
        os.link(temp, path)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV):
            raise
        if os.path.lexists(path):  # a file system without hard links: check, then rename
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path)) from None
        os.replace(temp, path)
        return
    os.unlink(temp)


# ---- what a command writes: checked before any work, and every failure one line naming the path ----

def same_file(a: Path, b: Path) -> bool:
    """True when `a` and `b` name one file (also through a link, or a hard link)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(os.path.abspath(a)) == Path(os.path.abspath(b))


def check_folder_of(path: Path) -> None:
    """Refuse a file whose folder does not exist: a mistyped -o must not make folders, nor fail late."""
    folder = Path(os.path.abspath(path)).parent
    if not _is_dir(folder):
        what = "is not a folder" if os.path.lexists(folder) else "does not exist"
        raise OutputError(f"the folder {folder} {what}; create it first, or choose another place", path)


def check_output(path: Path, force: bool, inputs: Iterable[Path] = ()) -> None:
    """Refuse, before any work is done, to write `path` where it would replace a file without --force,
    replace one of the command's own inputs, or go into a folder that does not exist (never made)."""
    path = Path(path)
    check_folder_of(path)
    if _is_dir(path):
        raise OutputError("is a folder; give the name of a file to write", path)
    for source in inputs:
        if os.path.lexists(path) and same_file(path, source):
            raise OutputError("is also what this command reads; choose another output", path)
    if os.path.lexists(path) and not force:
        raise OutputError("exists; give --force to replace it", path)


def _is_dir(folder: Path) -> bool:
    """Never an exception (a name too long, a folder that may not be searched): those are not folders
    we can write in, and writing then says why, about the path."""
    return os.path.isdir(folder)


def check_output_dir(folder: Path, make: bool = True, parents: bool = False) -> Path:
    """Check that files can be made in the output folder `folder`, so a read-only place fails before any
    work is done. `make`: make it if missing; only its own level unless `parents` (a missing parent of a
    folder the user named is refused, never made). `make=False` only checks: nothing is made."""
    folder = Path(folder)
    parent = Path(os.path.abspath(folder)).parent
    if not parents and not _is_dir(parent):
        raise OutputError(f"the folder {parent} does not exist; create it first, or choose another place", folder)
    if os.path.lexists(folder) and not _is_dir(folder):
        raise OutputError("is not a folder; choose another place", folder)
    try:
        if not folder.is_dir():
            if not make:
                if not parents and not os.access(parent, os.W_OK | os.X_OK):
                    code = errno.EROFS if os.statvfs(parent).f_flag & os.ST_RDONLY else errno.EACCES
                    raise OSError(code, os.strerror(code), str(parent))
                return folder
            if parents:
                make_private_dir(folder)
            else:
                os.mkdir(folder, DIR_MODE)
                os.chmod(folder, DIR_MODE)
        probe = folder / f".probe.tmp-{os.getpid()}-{secrets.token_hex(4)}"
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
        os.unlink(probe)
    except FileExistsError:  # made by another process meanwhile
        return check_output_dir(folder, make, parents)
    except OSError as exc:
        raise output_error(folder, exc) from None
    return folder


def write_output(path: Path, data: bytes, force: bool, private: bool = True) -> None:
    """Write one file a command was asked to make: atomically, never replacing a file without `force`,
    and every failure (full disk, read-only place, missing folder) an OutputError naming the path."""
    path = Path(path)
    try:
        _write_atomic(path, (data,), FILE_MODE if private else None, replace=force)
    except FileExistsError:
        raise OutputError("exists; give --force to replace it", path) from None
    except OSError as exc:
        raise output_error(path, exc) from None


_ADVICE = {
    errno.ENOSPC: "the disk is full; free some space, or write it elsewhere",
    errno.EDQUOT: "your disk quota is used up; free some space, or write it elsewhere",
    errno.EROFS: "the place is read-only; write it elsewhere",
    errno.EACCES: "permission denied; write it somewhere you may write",
    errno.EPERM: "permission denied; write it somewhere you may write",
    errno.EISDIR: "is a folder; give the name of a file to write",
    errno.ENAMETOOLONG: "the name is too long; choose a shorter one",
    errno.EFBIG: "the file is too large for this place; write it elsewhere",
}


def output_error(path: Path, exc: OSError) -> OutputError:
    """The one line for a file or folder that could not be written."""
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        folder = Path(os.path.abspath(path)).parent
        return OutputError(f"cannot be written: the folder {folder} does not exist; create it first", path)
    advice = _ADVICE.get(exc.errno or 0)
    if advice is None:
        advice = f"{exc.strerror or type(exc).__name__}; check the place and try again"
    return OutputError(f"cannot be written: {advice}", path)


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
    _write_atomic(Path(path), chunks, FILE_MODE, replace=True)
