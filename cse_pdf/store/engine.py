"""Which database, and a connection to it set up for safe concurrent use.

`--db` (or CSE_PDF_DB) takes a file path or an `sqlite:///` URL for the embedded
database, or a `postgresql://` URL. With neither, the database is
`$XDG_DATA_HOME/cse-pdf/cse-pdf.sqlite3` (`~/.local/share/cse-pdf/…`).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError

from cse_pdf.base.errors import StoreError
from cse_pdf.base.private_files import FILE_MODE, make_private_dir

ENV_VAR = "CSE_PDF_DB"
WRITE = "cse_pdf_write"  # execution option: this transaction will write
BUSY_TIMEOUT_MS = 60_000  # a concurrent ingest holds the SQLite write lock only while it records one file


def default_db_path() -> Path:
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "cse-pdf" / "cse-pdf.sqlite3"


def is_default(db: str | None = None) -> bool:
    """True when neither --db nor CSE_PDF_DB names a database: only then may its folder be made."""
    return not db and not os.environ.get(ENV_VAR)


def resolve_url(db: str | None = None) -> URL:
    """The database URL from `--db`, else CSE_PDF_DB, else the default file; postgresql:// uses psycopg 3."""
    text = db or os.environ.get(ENV_VAR) or str(default_db_path())
    if "://" not in text:
        return URL.create("sqlite+pysqlite", database=str(Path(text).expanduser().resolve()))
    try:
        url = make_url(text)
    except ArgumentError:
        raise StoreError("is not a database URL; give a file path, sqlite:///PATH or postgresql://…",
                         _redact(text)) from None
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and url.database not in (None, "", ":memory:"):
        return url.set(drivername="sqlite+pysqlite", database=str(Path(url.database).expanduser().resolve()))
    raise StoreError("is not a supported database; give a file path, sqlite:///PATH or postgresql://…",
                     display(url))


def display(url: URL) -> str:
    """The URL as safe to show: never a password."""
    return url.render_as_string(hide_password=True)


def _redact(text: str) -> str:
    scheme, _, rest = text.partition("://")
    return f"{scheme}://…" if "@" in rest else text


def create_engine(url: URL, create: bool = True, make_folder: bool = True) -> Engine:
    """An engine for `url`; a SQLite file is created owner-only, in WAL mode, with a busy timeout.

    `create=False`: a SQLite file that does not exist is refused, never made (a mistyped --db must not
    become a new, empty database). `make_folder=False`: a missing folder is refused, never made.

    Bound parameters are names, dates of birth and notes: `hide_parameters` keeps them out of SQLAlchemy's
    logs and out of the text of its errors, which reach the user's terminal and log files."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, create, make_folder)
    return sa.create_engine(url, pool_pre_ping=True, hide_parameters=True)


NEVER_SET_UP = (f"holds no cse-pdf records (it was never set up by cse-pdf); check --db (or {ENV_VAR}), or run "
                "`cse-pdf ingest` first")


def _check_sqlite_made(path: Path) -> None:
    """Refuse a file cse-pdf never set up, looking read-only: the engine's first connection switches the
    file to WAL, which would write a database header into an empty file."""
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            made = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
                                ).fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open the database ({exc}); check --db or {ENV_VAR}", path) from None
    if not made:
        raise StoreError(NEVER_SET_UP, path)


def _sqlite_engine(url: URL, create: bool, make_folder: bool) -> Engine:
    path = Path(url.database or "")
    if not create:
        if not os.path.isfile(path):
            raise StoreError(f"no database here; check --db (or {ENV_VAR}), or run `cse-pdf ingest` first to "
                             "make one", path)
        _check_sqlite_made(path)
    elif not os.path.isdir(path.parent) and not make_folder:
        raise StoreError(f"the folder {path.parent} does not exist; create it first, or give --db a path in an "
                         "existing folder", path)
    else:
        try:
            make_private_dir(path.parent)
            # Made here, owner-only, before SQLite opens it: its -wal and -shm files copy this mode.
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE))
        except OSError as exc:
            raise StoreError(f"cannot create the database file ({exc.strerror}); choose another with --db or "
                             f"{ENV_VAR}", path) from None
    options: dict = {}
    if not create:  # SQLite itself must not make the file either, should it vanish before the first connect
        # check_same_thread off, as SQLAlchemy sets it for the connections it makes itself: the pool hands a
        # connection to one thread at a time, and the web app's requests run in a thread pool
        options["creator"] = lambda: sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True,
                                                     timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, hide_parameters=True,
                              **options)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we say BEGIN ourselves (below)
        cur = dbapi_connection.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")  # readers never block the writer, nor it them
        cur.execute("PRAGMA synchronous = FULL")  # a committed record survives a power cut
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        # A writer takes the write lock up front, so two ingests queue (busy timeout) instead of one
        # failing when it turns a read into a write.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")

    return engine
