"""Batch ingest: every returned form in some files and folders read, scored, stamped and recorded.

Worker processes read, score and stamp (the slow part); this process writes the
stamped copies and the database, one file at a time, so that each file is either
wholly done or not done at all and a second run finishes whatever a crash left.
A bad file is copied to `quarantine/` beside a note of the one-line reason and
recorded as a failure; it never stops the batch, and neither does a worker that
crashes on a file.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import multiprocessing
import os
import signal
import stat
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Iterator

from cse_pdf.assess.claims import assess_return
from cse_pdf.assess.history import PreviousAssessment
from cse_pdf.assess.person import PersonKeys, keys_of
from cse_pdf.assess.review import review_reasons
from cse_pdf.assess.review_codes import cautions, with_not_issued
from cse_pdf.base.errors import CsePdfError, OverLimitError, PdfInputError, internal_error
from cse_pdf.base.exit_codes import ExitCode
from cse_pdf.base.private_files import make_private_dir, sweep_stale_temps, write_private, write_private_chunks
from cse_pdf.base.regular_files import check_regular, iter_regular, read_regular, refusal, sha256_regular
from cse_pdf.base.safe_names import safe_file, safe_part, shown, stored_path
from cse_pdf.form.catalog import current_forms
from cse_pdf.form.identity import Identity
from cse_pdf.pdf.encryption import Passwords, encrypt_pdf
from cse_pdf.pdf.form_font import can_draw, register_for_measuring
from cse_pdf.returned.disarm import own_scripts
from cse_pdf.returned.guard import MB, GuardedReader, Limits, die_with_parent
from cse_pdf.returned.read import Response, parse_pdf, read_opened
from cse_pdf.stamp.stamped_copy import STAMPED_COPY, is_stamped_copy, stamp_read
from cse_pdf.stamp.summary_page import render_summary
from cse_pdf.store import NewSubmission, Store
from cse_pdf.store.distribution import was_issued

EXIT_OK = ExitCode.OK  # every file ingested or already known
log = logging.getLogger(__name__)  # file paths, outcomes and codes only: never anything read from a form

EXIT_FAILED = ExitCode.BAD_FILE  # some files were set aside (as for any unusable file elsewhere in cse-pdf)
EXIT_NEEDS_REVIEW = ExitCode.NEEDS_REVIEW  # nothing failed, but some recorded forms need review

INGESTED, KNOWN, NEEDS_REVIEW, FAILED = "ingested", "known", "needs_review", "failed"
SKIPPED = "skipped"  # not a return, on purpose not read or recorded: cse-pdf's own stamped copy, its output folder
OWN_COPY = f"{STAMPED_COPY}; nothing recorded (the return it was made from is ingested as itself)"
READING = "while reading it"  # what a bug on one file interrupted, in its line
CRASHED = ("the reading process crashed on this file, twice; it may be damaged: ask the sender to send it again, "
           "and report it")


@dataclass(frozen=True)
class FileOutcome:
    """What became of one file; never anything typed into it."""

    path: Path
    kind: str  # INGESTED, KNOWN, NEEDS_REVIEW, FAILED or SKIPPED
    record_id: int | None = None
    reason: str | None = None  # FAILED, SKIPPED: the one-line reason
    review: tuple[str, ...] = ()  # NEEDS_REVIEW: the codes (cse_pdf.assess.review_codes.ReviewCode)
    revision: int = 1
    stamped: Path | None = None
    quarantined: Path | None = None

    def describe(self) -> str:
        """One line for a verbose log: the outcome, the record and the reason codes."""
        record = f" as record {self.record_id}" if self.record_id is not None else ""
        if self.kind == FAILED:
            return f"failed: {self.reason}"
        if self.kind == SKIPPED:
            return f"skipped: {self.reason}"
        if self.kind == KNOWN:
            return f"already known{record}"
        revision = f", revision {self.revision}" if self.revision > 1 else ""
        review = f" (needs review: {', '.join(self.review)})" if self.review else ""
        return f"ingested{record}{revision}{review}"


@dataclass
class BatchReport:
    outcomes: list[FileOutcome] = field(default_factory=list)

    def of(self, kind: str) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.kind == kind]

    @property
    def exit_code(self) -> int:
        """0 only when every file was ingested, already known or skipped on purpose (cse-pdf's own
        output); failures outrank needs-review."""
        if self.of(FAILED):
            return EXIT_FAILED
        return EXIT_NEEDS_REVIEW if self.of(NEEDS_REVIEW) else EXIT_OK


# ---- finding the files ------------------------------------------------------------------------


DEFAULT_OUT = Path("cse-pdf-out")  # the CLI's default --out; never searched, whatever --out this run has
OUTPUT_PARTS = ("stamped", "quarantine")


@dataclass
class Discovered:
    """What `discover` found: the regular files to ingest, and one outcome for each path it will not read
    (a FIFO, a device, a link loop, a folder that cannot be listed…), in the order found."""

    files: list[Path] = field(default_factory=list)
    refused: list[FileOutcome] = field(default_factory=list)

    @property
    def missing(self) -> list[Path]:
        return [o.path for o in self.refused if o.reason == NO_SUCH_PATH]

    def __iter__(self) -> Iterator[list[Path]]:
        """`files, missing = discover(...)`, as before `refused` said more than "missing"."""
        return iter((self.files, self.missing))


NO_SUCH_PATH = "no such file or folder; check the path"


def _folder_id(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISDIR(st.st_mode) else None


def output_folders(out: Path | None) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """(folders never searched, folders searched only if named): cse-pdf's output, known by device and inode,
    so a relative --out, a link to it or a folder inside the input is the same folder. Its stamped/ and
    quarantine/ (and the default --out's) are never searched; --out itself only when named (ingest P --out P)."""
    never: set[tuple[int, int]] = set()
    named_only: set[tuple[int, int]] = set()
    for base in ([out] if out is not None else []) + [DEFAULT_OUT]:
        for part in OUTPUT_PARTS:
            if (found := _folder_id(base / part)) is not None:
                never.add(found)
        if (found := _folder_id(base)) is not None:
            named_only.add(found)
    return never, named_only


def discover(paths: Iterable[Path], exclude: Path | None = None) -> Discovered:
    """The files to ingest. Folders are searched for *.pdf at any depth, skipping hidden names, links to
    folders and cse-pdf's own output (`exclude`, the --out folder: its stamped copies are not returns);
    a file named directly is taken whatever its name. Only regular files are taken: everything else
    (and every folder that cannot be listed) is one outcome in `refused`, never opened."""
    never, named_only = output_folders(exclude)
    found: dict[Path, None] = {}
    refused: list[FileOutcome] = []
    for path in map(Path, paths):
        try:
            st = os.stat(path)
        except (OSError, ValueError) as exc:
            if not os.path.lexists(path):
                refused.append(FileOutcome(path, FAILED, reason=NO_SUCH_PATH))
            else:
                refused.append(FileOutcome(path, FAILED, reason=refusal(exc) if isinstance(exc, OSError) else
                                           "has a name that cannot be a file name; check the path"))
            continue
        if stat.S_ISDIR(st.st_mode):
            if (st.st_dev, st.st_ino) in never:
                refused.append(FileOutcome(path, SKIPPED, reason="cse-pdf's own output folder (stamped copies or "
                                           "set-aside files), not returned forms; not searched"))
            else:
                _walk(path, never | named_only, found, refused)
        elif (reason := check_regular(path)) is not None:
            refused.append(FileOutcome(path, FAILED, reason=reason))
        else:
            found.setdefault(path)
    return Discovered(list(found), refused)


def _walk(root: Path, skip: set[tuple[int, int]], found: dict[Path, None], refused: list[FileOutcome]) -> None:
    """Every regular *.pdf under `root`, depth first in name order; what cannot be read is said, not skipped."""
    stack = [root]
    while stack:
        here = stack.pop()
        try:
            with os.scandir(here) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            why = exc.strerror.lower() if exc.strerror else type(exc).__name__
            refused.append(FileOutcome(here, FAILED, reason=f"is a folder that cannot be read ({why}): its files "
                                       "were not ingested; check its permissions and run again"))
            continue
        folders: list[Path] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
                is_link = entry.is_symlink()
            except OSError:
                is_folder = is_link = False
            full = Path(entry.path)
            if is_folder:
                if _folder_id(full) not in skip:
                    folders.append(full)
                else:
                    log.info("%s: not searched: cse-pdf's own output", shown(full))
            elif entry.name.lower().endswith(".pdf"):
                if (reason := check_regular(full)) is not None:
                    refused.append(FileOutcome(full, FAILED, reason=reason))
                else:
                    found.setdefault(full)
            elif is_link and _folder_id(full) is not None:
                refused.append(FileOutcome(full, SKIPPED, reason="a link to a folder; links to folders are not "
                                           "followed (name the folder itself to ingest it)"))
        stack.extend(reversed(folders))


def max_file_bytes() -> int:
    """The per-file size limit (guard.py's, CSE_PDF_MAX_FILE_MB): nothing bigger is read, hashed or copied."""
    return int(Limits.from_env().max_file_mb * MB)


def sha256_of(path: Path) -> str | None:
    """The file's SHA-256, streamed; None for anything not a regular file within the size limit."""
    try:
        return sha256_regular(path, max_file_bytes())
    except CsePdfError:
        return None


# A file that failed over the size limit is still fingerprinted (streamed) and set aside, so that its
# failure is one row however often it is sent, and it is in quarantine with the others; up to this size.
MAX_SET_ASIDE = 1024 * MB


def fingerprint(path: Path) -> str | None:
    """The SHA-256 of a file that failed, streamed, if it is a regular file of at most MAX_SET_ASIDE."""
    try:
        return sha256_regular(path, max(MAX_SET_ASIDE, max_file_bytes()))
    except CsePdfError:
        return None


def source_of(path: Path) -> str:
    """The absolute path as recorded: any bytes (stored_path), and a link loop or vanished folder on the way
    is no reason to fail (the path as given, made absolute)."""
    try:
        full = path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symbolic link loop (Python 3.11)
        full = path.absolute()
    return stored_path(full)


# ---- the work done in worker processes --------------------------------------------------------


@dataclass
class Processed:
    """A file read, scored and stamped by a worker, ready for this process to write and record."""

    submission: NewSubmission
    stamped_pdf: bytes | None  # None when the batch records without stamping
    previous_id: int | None  # the previous assessment shown on the stamped page


@dataclass
class Failed:
    path: str
    sha256: str | None
    reason: str  # one line, no form contents
    exit_code: int


@dataclass
class Skipped:
    """A file read and found to be no return at all (cse-pdf's own stamped copy): nothing recorded."""

    path: str
    reason: str


_worker_store: Store | None = None
_worker_reader: GuardedReader | None = None
_worker_passwords = Passwords()
_worker_stamps = True


def _init_worker(db: str | None, passwords: Passwords = Passwords(), stamps: bool = True,
                 parent: int | None = None) -> None:
    global _worker_store, _worker_passwords, _worker_stamps
    if parent is not None:
        die_with_parent(parent)  # a killed ingest leaves no worker (nor, through it, a reader) behind
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _worker_passwords = passwords  # through the pool's pipe, never a command line or the environment
    _worker_stamps = stamps
    _warm_up()
    if db is not None:
        _worker_store = Store.open(db, migrate=False)
        _warm_queries(_worker_store)
    gc.freeze()  # what the children inherit is never scanned by their collector, so its pages stay shared


def _warm_up() -> None:
    """Load once, in the worker, what each file's reading child would otherwise load again for every
    file: the children are forked from the worker (guard.py) and inherit only what it has loaded.
    That is every layout (parsed from YAML), the fonts and their metrics, and reportlab's page
    machinery. Measured on a 2-core machine: a cold child took about 180 ms a file, a warm one 80."""
    for spec in current_forms():  # (loads the archived versions too)
        own_scripts(spec)
        if spec.scoring is None:  # a Board's unscored layout ($CSE_PDF_LAYOUTS) must not stop every form's ingest
            continue
        blank = Response(spec, Identity(spec.id, spec.version, spec.content_hash, ""),
                         {f.id: None for f in spec.fields})
        render_summary(blank, assess_return(blank))
    can_draw("warm")
    register_for_measuring()


def _warm_queries(store: Store) -> None:
    """Compile, once, the queries each file's child asks (SQLAlchemy caches them in the engine, which the
    children inherit), then close the connection: a child opens its own, never one shared across fork."""
    spec = current_forms()[0]
    store.previous_for(PersonKeys(spec.id, "warm", date(2000, 1, 1), date(2000, 1, 2), None))
    was_issued(store, spec.id, "warm")
    store.engine.dispose()


def process_file(path: str) -> Processed | Failed | Skipped:
    """Read, score and stamp one file (in a worker process); a bad file gives Failed, never an exception.

    The work itself runs in a child of the worker under the per-file limits (guard.py): a hostile
    file that would hang or eat memory is stopped, set aside with one line, and the batch goes on."""
    global _worker_reader
    p = Path(path)
    try:
        if _worker_reader is None:  # forked from this worker, warmed up, on its first file
            _worker_reader = GuardedReader(_read_score_stamp)
        return _worker_reader.read(p)
    except CsePdfError as exc:  # e.g. over a limit: fingerprinted (streamed, up to MAX_SET_ASIDE) if it can be
        return Failed(path, fingerprint(p), exc.message, exc.exit_code)
    except Exception as exc:  # a bug on one file must not stop the batch; its message may quote the form
        return Failed(path, None, internal_error(exc, READING), ExitCode.INTERNAL_ERROR)


def _read_score_stamp(p: Path) -> Processed | Failed | Skipped:
    path = str(p)
    try:  # a regular file only, opened without blocking, within the size limit: read_regular says why not
        data = read_regular(p, max_file_bytes())
    except CsePdfError as exc:
        return Failed(path, None, exc.message, exc.exit_code)
    sha = hashlib.sha256(data).hexdigest()
    store = None
    opened = None
    try:
        opened = parse_pdf(data, p, _worker_passwords.read)
        response = read_opened(opened, p)
        if is_stamped_copy(opened, response):  # cse-pdf's own output: never a new assessment or revision
            return Skipped(path, OWN_COPY)
        spec = response.spec
        assessment = assess_return(response)
        keys = keys_of(spec, response.values)
        store = _worker_store  # its engine's first connection is made here, in this child: never shared
        previous = store.previous_for(keys) if store is not None else None
        not_issued = store is not None and was_issued(store, spec.id, response.identity.instance) is False
        review = review_reasons(response, assessment, keys, not_issued)
        stamped = (stamp_read(opened, response, assessment, previous=previous, path=p, cautions=cautions(review))
                   if _worker_stamps else None)
    except CsePdfError as exc:
        return Failed(path, sha, exc.message, exc.exit_code)
    except MemoryError:
        raise  # over the per-file memory limit: guard.py says so in one line
    except Exception as exc:  # a bug on one file must not stop the batch; its message may quote the form
        return Failed(path, sha, internal_error(exc, READING), ExitCode.INTERNAL_ERROR)
    finally:
        if store is not None:
            store.engine.dispose()  # this child's connection (the engine itself is the worker's)
        if opened is not None:
            opened.close()  # qpdf's copy of the file: freed now, not whenever the collector gets to it
    submission = NewSubmission(
        sha256=sha, source_path=source_of(p), form_id=spec.id, form_version=spec.version,
        layout_hash=response.identity.hash, instance_id=response.identity.instance, flattened=response.flattened,
        review=review, warnings=list(response.warnings), stamped_path=None,
        keys=keys, values=dict(response.values), field_types={f.id: f.type for f in spec.fields},
        assessment=assessment)
    pdf = stamped.pdf if stamped is not None else None
    if pdf is not None and _worker_passwords.output:
        pdf = encrypt_pdf(pdf, _worker_passwords.output)
    return Processed(submission, pdf, previous.record_id if previous else None)


# ---- the batch --------------------------------------------------------------------------------

Process = Callable[[str], "Processed | Failed | Skipped"]


class Batch:
    """One ingest run: owns the output folders and turns each worker result into an outcome."""

    def __init__(self, store: Store, out: Path, on_outcome: Callable[[FileOutcome], None] | None = None,
                 passwords: Passwords = Passwords(), stamps: bool = True) -> None:
        self.store = store
        self.passwords = passwords
        self.stamps = stamps
        self.out = make_private_dir(out).resolve()
        self.stamped_root = self.out / "stamped"
        self.quarantine = self.out / "quarantine"
        self.report = BatchReport()
        self.on_outcome = on_outcome
        for folder in (self.out, self.quarantine, self.stamped_root,
                       *(self.stamped_root.iterdir() if self.stamped_root.is_dir() else ())):
            if folder.is_dir():
                sweep_stale_temps(folder)  # left by a run that was killed mid-write

    def add(self, outcome: FileOutcome) -> None:
        self.report.outcomes.append(outcome)
        log.info("%s: %s", shown(outcome.path), outcome.describe())
        if self.on_outcome:
            self.on_outcome(outcome)

    def finish(self, path: Path, result: Processed | Failed | Skipped) -> None:
        if isinstance(result, Failed):
            self.fail(path, result)
            return
        if isinstance(result, Skipped):
            self.add(FileOutcome(path, SKIPPED, reason=result.reason))
            return
        try:
            self.add(self._record(path, result))
        except CsePdfError as exc:
            self.fail(path, Failed(str(path), result.submission.sha256, exc.message, exc.exit_code))

    def _record(self, path: Path, done: Processed) -> FileOutcome:
        sub = done.submission
        previous = self.store.previous_for(sub.keys)
        # The register may have changed since the worker looked (a `distribute` meanwhile): ask again.
        not_issued = was_issued(self.store, sub.form_id, sub.instance_id) is False
        pdf = done.stamped_pdf
        if not_issued != ("not-issued" in sub.review):
            sub = replace(sub, review=with_not_issued(sub.review, not_issued))
        if self.stamps and ((previous.record_id if previous else None) != done.previous_id
                            or sub.review != done.submission.review):
            # A record of the same young person landed after the worker looked (earlier in this batch, or
            # from another ingest), or the register changed: stamp again so the summary says so.
            pdf = self._restamp(path, sub.sha256, previous, cautions(sub.review))
            if self.passwords.output:
                pdf = encrypt_pdf(pdf, self.passwords.output)
        target = None
        if pdf is not None:
            # never the source file's name: it is often the child's
            folder = make_private_dir(self.stamped_root / safe_part(sub.form_id))
            target = safe_file(folder, sub.form_id, sub.instance_id or "copy", sub.sha256[:12], suffix=".pdf")
            write_private(target, pdf)  # before the record: a crash between the two is redone by the next run
        try:
            recorded = self.store.record(replace(sub, stamped_path=str(target) if target else None))
        except BaseException:
            if target is not None:
                target.unlink(missing_ok=True)  # never a stamped copy without its record
            raise
        if recorded.known:  # another ingest recorded this very file first; its stamped copy stands
            if target is not None and recorded.stamped_path != str(target):
                target.unlink(missing_ok=True)
            return FileOutcome(path, KNOWN, recorded.record_id)
        kind = NEEDS_REVIEW if sub.review else INGESTED
        return FileOutcome(path, kind, recorded.record_id, review=tuple(sub.review), revision=recorded.revision,
                           stamped=target)

    def _restamp(self, path: Path, sha: str, previous: PreviousAssessment | None, notes: list[str]) -> bytes:
        """Stamp the file again, from bytes read as safely as the worker read them, and only if they are still
        the bytes the worker read and recorded (a file replaced meanwhile is refused, not mixed up)."""
        data = read_regular(path, max_file_bytes())
        if hashlib.sha256(data).hexdigest() != sha:
            raise PdfInputError("changed while the batch was reading it; run the ingest again", path)
        with parse_pdf(data, path, self.passwords.read) as opened:
            response = read_opened(opened, path)
            return stamp_read(opened, response, assess_return(response), previous=previous, path=path,
                              cautions=notes).pdf

    def _set_aside(self, path: Path, failed: Failed) -> Path | None:
        """Copy the file that failed into quarantine, streamed (never whole in memory) and read as safely
        as for reading it; only the very bytes that failed (a file changed since is not copied)."""
        assert failed.sha256 is not None
        make_private_dir(self.quarantine)
        suffix = ".pdf" if path.suffix.lower() == ".pdf" else ".bin"
        target = safe_file(self.quarantine, "failed", failed.sha256[:12], suffix=suffix)
        digest = hashlib.sha256()

        def chunks() -> Iterator[bytes]:
            for chunk in iter_regular(path, max(MAX_SET_ASIDE, max_file_bytes())):
                digest.update(chunk)
                yield chunk

        write_private_chunks(target, chunks())
        if digest.hexdigest() != failed.sha256:
            target.unlink(missing_ok=True)
            return None
        write_private(target.with_name(target.name + ".reason.txt"),
                      f"{shown(path.name)}: {failed.reason}\n".encode("utf-8", "backslashreplace"))
        return target

    def fail(self, path: Path, failed: Failed) -> None:
        """Set the file aside with a note of why, record the failure, report it; nothing here may stop the
        batch. A file without a fingerprint (not a regular file, gone, over MAX_SET_ASIDE) is not copied."""
        quarantined = None
        if failed.sha256 is not None:
            try:
                quarantined = self._set_aside(path, failed)
            except CsePdfError:
                pass  # gone or changed since it failed: nothing to copy (it says so in its line already)
            except OSError as exc:  # e.g. a full disk: said in the reason, the batch goes on
                failed = replace(failed, reason=f"{failed.reason} (not copied to {shown(self.quarantine)}: "
                                                f"{exc.strerror or type(exc).__name__})")
        try:
            self.store.record_failure(source_of(path), failed.sha256, failed.reason, failed.exit_code,
                                      str(quarantined) if quarantined else None)
        except CsePdfError:
            pass  # the quarantine note and the closing table still say it; the next run records it
        self.add(FileOutcome(path, FAILED, reason=failed.reason, quarantined=quarantined))


def ingest(files: list[Path], store: Store, out: Path, workers: int = 1,
           on_outcome: Callable[[FileOutcome], None] | None = None, process: Process = process_file,
           passwords: Passwords = Passwords(), stamps: bool = True) -> BatchReport:
    """Ingest `files` (from `discover`) into `store`, stamped copies and quarantine under `out`.

    `passwords.read` opens returns sent with a password; with `passwords.output` every stamped copy is
    AES-256 encrypted (quarantined files stay as they came). Without `stamps` the forms are recorded
    and no stamped copy is written. `process` is what the workers run on each file (tests swap in one
    that crashes)."""
    store.key_secret  # a database that lost its linking-key secret is refused before any file is touched
    batch = Batch(store, out, on_outcome, passwords, stamps)
    shas: dict[Path, str] = {}
    limit = max_file_bytes()
    for path in files:  # hashed here, streamed, after the checks the reading child makes: size, regular file
        try:
            shas[path] = sha256_regular(path, limit)
        except OverLimitError as exc:  # never read; fingerprinted and set aside (streamed) if not absurdly big
            batch.fail(path, Failed(str(path), fingerprint(path), exc.message, exc.exit_code))
        except CsePdfError as exc:  # gone, not a regular file (any more): one line, never read
            batch.fail(path, Failed(str(path), None, exc.message, exc.exit_code))
    known = store.known(shas.values())
    first_of: dict[str, Path] = {}
    todo: list[Path] = []
    repeats: list[tuple[Path, Path]] = []  # (this path, the earlier path in this batch with the same bytes)
    for path in files:
        if path not in shas:
            continue
        sha = shas[path]
        if sha in known:
            batch.add(FileOutcome(path, KNOWN, known[sha]))
        elif sha in first_of:
            repeats.append((path, first_of[sha]))
        else:
            first_of[sha] = path
            todo.append(path)
    log.info("%d file(s): %d refused before reading, %d already recorded, %d repeated in this batch, %d to read "
             "with %d worker(s)", len(files), len(files) - len(shas), len(shas) - len(todo) - len(repeats),
             len(repeats), len(todo), max(1, workers))
    _run_pool(todo, batch, store, max(1, workers), process, passwords, stamps)
    by_path = {o.path: o for o in batch.report.outcomes}
    for path, first in repeats:  # the same file sent twice: known once its first copy is recorded
        o = by_path[first]
        if o.kind == FAILED:
            batch.add(FileOutcome(path, FAILED, reason=f"{o.reason} (same file as {shown(first.name)})",
                                  quarantined=o.quarantined))
        elif o.kind == SKIPPED:
            batch.add(FileOutcome(path, SKIPPED, reason=o.reason))
        else:
            batch.add(FileOutcome(path, KNOWN, o.record_id))
    return batch.report


def _run_pool(todo: list[Path], batch: Batch, store: Store, workers: int, process: Process,
              passwords: Passwords, stamps: bool) -> None:
    """Keep `workers` processes busy; when one dies, find the file that killed it and carry on."""
    db = store.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")  # no inherited database connections or threads

    def new_pool(n: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(n, mp_context=ctx, initializer=_init_worker,
                                   initargs=(db, passwords, stamps, os.getpid()))

    queue = deque(todo)
    pool = new_pool(workers)
    inflight: dict[Future, Path] = {}
    try:
        while queue or inflight:
            broken = False
            while queue and len(inflight) < workers * 2:
                path = queue.popleft()
                try:
                    inflight[pool.submit(process, str(path))] = path
                except BrokenProcessPool:  # a worker died since the last look
                    queue.appendleft(path)
                    broken = True
                    break
            suspects: list[Path] = []
            if not broken:
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for future in done:
                    path = inflight.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        suspects.append(path)
                        broken = True
                        continue
                    except Exception as exc:  # e.g. a result that would not pickle: this file only
                        result = Failed(str(path), sha256_of(path), internal_error(exc, READING),
                                        ExitCode.INTERNAL_ERROR)
                    batch.finish(path, result)
            if broken:
                # A worker died and took the pool with it: every file in flight is a suspect. Try each
                # alone; the one that kills its worker again is failed, the others are ingested.
                suspects += list(inflight.values())
                inflight.clear()
                log.warning("a reading process died; trying the %d file(s) it may have been reading one at a time",
                            len(suspects))
                pool.shutdown(wait=False, cancel_futures=True)
                for path in suspects:
                    with new_pool(1) as solo:
                        try:
                            result = solo.submit(process, str(path)).result()
                        except BrokenProcessPool:
                            result = Failed(str(path), sha256_of(path), CRASHED, ExitCode.INTERNAL_ERROR)
                    batch.finish(path, result)
                pool = new_pool(workers)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
