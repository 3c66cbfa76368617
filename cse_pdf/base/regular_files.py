"""Open, measure and hash a returned file without ever blocking on it or reading more than allowed.

A folder of returns can hold anything a zip or a shared drive can: a FIFO (opening one for reading
waits for a writer, for ever), a device or a link to one (/dev/zero never ends), a symbolic link to
itself or to nothing, a sparse file of a terabyte that is a few bytes on disk. Ingest touches every
file before its guarded read (to hash it, to quarantine it), so these checks come first, each time a
file is opened: it is opened without blocking, checked to be a regular file through the very handle
that is read (a name swapped for a FIFO after discovery is caught too), and measured before a byte is
read. Every refusal is one line saying what the thing is and what to do.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path
from typing import Iterator

from cse_pdf.base.errors import OverLimitError, PdfInputError

CHUNK = 1024 * 1024  # hashing and copying read this much at a time, never the whole file at once
MB = 1024 * 1024

_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def kind_of(mode: int) -> str | None:
    """What a file that is not a regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def refusal(exc: OSError) -> str:
    """The one-line reason for a path that cannot be looked at or opened (no form contents: only the error)."""
    if exc.errno == errno.ELOOP:
        return "is a symbolic link that leads back to itself (a link loop); remove it or point it at the form"
    if exc.errno == errno.ENOENT:
        return "does not exist (deleted or moved while the batch ran, or a link to nothing); check the path"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot be read (permission denied); check its permissions"
    if exc.errno == errno.ENAMETOOLONG:
        return "has a name too long to open; rename it"
    return f"cannot be opened ({exc.strerror or type(exc).__name__}); check it exists and can be read"


def not_regular(kind: str) -> str:
    return f"is {kind}, not a regular file; only PDF files are read: move it out of the folder"


def check_regular(path: Path) -> str | None:
    """None when `path` is (or links to) a regular file; else the one-line reason it is not read.
    Looks without opening (stat follows links; nothing is read)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT and os.path.islink(path):
            return "is a symbolic link to nothing (its target was moved or deleted); remove it or fix it"
        return refusal(exc)
    except ValueError:  # a NUL in a name given on the command line
        return "has a name that cannot be a file name; check the path"
    kind = kind_of(st.st_mode)
    return not_regular(kind) if kind else None


def too_big(path: Path, size: int, max_bytes: int) -> OverLimitError:
    """The one line for a file over the size limit, wherever its size is first seen."""
    return OverLimitError(f"is {size / MB:.0f} MB, over the {max_bytes / MB:g} MB limit for a returned form; "
                          "check it is the right file (CSE_PDF_MAX_FILE_MB raises the limit)", path)


def open_regular(path: Path, max_bytes: int | None = None) -> tuple[int, int]:
    """(file descriptor, size) of a regular file opened for reading: never blocks (O_NONBLOCK: a FIFO
    opens at once and is then refused), never a controlling terminal, checked through the open handle.
    Raises PdfInputError (OverLimitError past `max_bytes`) with the one line; the caller closes the fd."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise PdfInputError(refusal(exc), path) from None
    except ValueError:
        raise PdfInputError("has a name that cannot be a file name; check the path", path) from None
    try:
        st = os.fstat(fd)
        kind = kind_of(st.st_mode)
        if kind:
            raise PdfInputError(not_regular(kind), path)
        if max_bytes is not None and st.st_size > max_bytes:
            raise too_big(path, st.st_size, max_bytes)
        os.set_blocking(fd, True)  # a regular file: reads are whole either way
    except BaseException:
        os.close(fd)
        raise
    return fd, st.st_size


def iter_regular(path: Path, max_bytes: int | None = None) -> Iterator[bytes]:
    """A regular file's bytes in bounded chunks; one that grows past `max_bytes` while read is refused."""
    fd, _ = open_regular(path, max_bytes)
    total = 0
    try:
        while chunk := os.read(fd, CHUNK):
            total += len(chunk)
            if max_bytes is not None and total > max_bytes:
                raise OverLimitError(f"grew past the {max_bytes / MB:g} MB limit while it was read; check it is "
                                     "the right file (CSE_PDF_MAX_FILE_MB raises the limit)", path)
            yield chunk
    except OSError as exc:
        raise PdfInputError(refusal(exc), path) from None
    finally:
        os.close(fd)


def read_regular(path: Path, max_bytes: int | None = None) -> bytes:
    """The whole of a regular file of at most `max_bytes` (PdfInputError/OverLimitError otherwise)."""
    return b"".join(iter_regular(path, max_bytes))


def sha256_regular(path: Path, max_bytes: int | None = None) -> str:
    """The SHA-256 of a regular file of at most `max_bytes`, streamed: memory stays at one chunk."""
    digest = hashlib.sha256()
    for chunk in iter_regular(path, max_bytes):
        digest.update(chunk)
    return digest.hexdigest()
