"""Nothing is overwritten by accident, and every failure to write is one line naming the path.

stamp, generate, export, report and distribute keep an existing file unless given --force (exit 7),
never write over their own input, never make a missing folder for -o, and end a full disk, a
read-only place or a closed pipe in one line (or quietly, for the pipe): never "internal error".
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner
from helpers.cli import Ran, cse, environment
from helpers.forms import REPO, fictional_return, write_return

from cse_pdf.cli import main
from cse_pdf.form.catalog import find_form
from cse_pdf.ingest import ingest
from cse_pdf.store import Store

HIL, RV = "hillingdon-cse", "cse-risk-vulnerability"
SENDER = "CSE Board <cse@board.example>"
AGENCIES = ("agency,address,cse_lead_contact,send_to\n"
            "Larkspur Academy,1 Example Road,A. Lead,lead@larkspur.example\n"
            "Harbour Street Clinic,2 Example Road,B. Lead,lead@harbour.example\n")


def cli(*args: object, cwd: Path, env: dict[str, str] | None = None) -> Ran:
    return cse(*args, cwd=cwd, env=environment({"HOME": str(cwd), **(env or {})},
                                               without=("CSE_PDF_DB", "XDG_DATA_HOME", "CSE_PDF_DEBUG")))


def one_line(done: Ran | object, code: int = 7) -> str:
    stderr = done.stderr  # type: ignore[attr-defined]
    rc = done.returncode if isinstance(done, Ran) else done.exit_code  # type: ignore[attr-defined]
    assert rc == code, stderr
    lines = [line for line in stderr.strip().splitlines() if line.startswith("cse-pdf: error")]
    assert len(lines) == 1, stderr
    assert "internal error" not in stderr and "Traceback" not in stderr
    return lines[0]


def _return(path: Path, name: str, form: str = HIL, completed: str = "05/03/2024") -> Path:
    spec = find_form(form)
    return write_return(path, spec, fictional_return(spec, name=name, dob="01/02/2010", completed=completed))


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two forms' worth of fictional returns, recorded."""
    tmp = tmp_path_factory.mktemp("outputs-db")
    files = [_return(tmp / "a.pdf", "Alex Example"), _return(tmp / "b.pdf", "Bo Fictional", RV)]
    db = tmp / "db.sqlite3"
    with Store.open(str(db)) as store:
        ingest(files, store, tmp / "out", workers=1, stamps=False)
    return db


# ---- stamp -------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_stamp_keeps_another_childs_return_unless_forced(tmp_path: Path) -> None:
    a, b = _return(tmp_path / "a.pdf", "Alex Example"), _return(tmp_path / "b.pdf", "Bo Fictional")
    before = b.read_bytes()
    line = one_line(cli("stamp", a, "-o", b, cwd=tmp_path))
    assert str(b) in line and "exists; give --force to replace it" in line
    assert b.read_bytes() == before
    assert cli("stamp", a, "-o", b, "--force", cwd=tmp_path).returncode == 0
    assert b.read_bytes() != before and b.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("how", ["same path", "relative path", "symlink", "hard link"])
@pytest.mark.slow
def test_stamp_never_writes_over_its_own_return_without_force(tmp_path: Path, how: str) -> None:
    a = _return(tmp_path / "a.pdf", "Alex Example")
    before = a.read_bytes()
    out = {"same path": a, "relative path": Path("a.pdf"), "symlink": tmp_path / "link.pdf",
           "hard link": tmp_path / "hard.pdf"}[how]
    if how == "symlink":
        out.symlink_to(a)
    elif how == "hard link":
        os.link(a, out)
    line = one_line(cli("stamp", a, "-o", out, cwd=tmp_path))
    assert "must not overwrite the returned form" in line and "--force" in line
    assert a.read_bytes() == before


def test_stamp_over_its_own_return_with_force_is_whole_and_atomic(tmp_path: Path) -> None:
    a = _return(tmp_path / "a.pdf", "Alex Example")
    inode = a.stat().st_ino
    assert cli("stamp", a, "-o", a, "--force", cwd=tmp_path).returncode == 0
    assert a.stat().st_ino != inode  # a new file renamed into place, never the return rewritten in place
    assert cli("score", a, cwd=tmp_path).returncode == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


@pytest.mark.parametrize("target", ["missing/stamped.pdf", "missing/deeper/stamped.pdf", "a.pdf/stamped.pdf"])
@pytest.mark.slow
def test_stamp_into_a_missing_folder_is_refused_and_nothing_made(tmp_path: Path, target: str) -> None:
    a = _return(tmp_path / "a.pdf", "Alex Example")
    line = one_line(cli("stamp", a, "-o", target, cwd=tmp_path))
    assert target in line and ("does not exist; create it first" in line or "is not a folder" in line)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]


@pytest.mark.slow
def test_stamp_onto_a_folder_or_a_dangling_link_is_refused(tmp_path: Path) -> None:
    a = _return(tmp_path / "a.pdf", "Alex Example")
    (tmp_path / "folder.pdf").mkdir()
    done = cli("stamp", a, "-o", "folder.pdf", "--force", cwd=tmp_path)  # a usage error, caught by click
    assert done.returncode == 2 and "is a directory" in done.stderr and "Traceback" not in done.stderr
    assert list((tmp_path / "folder.pdf").iterdir()) == []
    (tmp_path / "dangling.pdf").symlink_to(tmp_path / "nowhere.pdf")
    assert "exists; give --force" in one_line(cli("stamp", a, "-o", "dangling.pdf", cwd=tmp_path))
    assert not (tmp_path / "nowhere.pdf").exists()


# ---- generate ----------------------------------------------------------------------------------------------

def test_generate_keeps_an_existing_blank_unless_forced(tmp_path: Path) -> None:
    (tmp_path / f"{HIL}.pdf").write_bytes(b"an older copy")
    line = one_line(cli("generate", HIL, cwd=tmp_path))  # the default name, here
    assert f"{HIL}.pdf" in line and "--force" in line
    assert (tmp_path / f"{HIL}.pdf").read_bytes() == b"an older copy"
    assert cli("generate", HIL, "--force", cwd=tmp_path).returncode == 0
    assert (tmp_path / f"{HIL}.pdf").read_bytes().startswith(b"%PDF")


def test_generate_never_writes_over_its_prefill_or_layout_even_forced(tmp_path: Path) -> None:
    values = tmp_path / "values.json"
    values.write_text('{"client.name": "Alex Example"}', encoding="utf-8")
    line = one_line(cli("generate", HIL, "--prefill", values, "-o", values, "--force", cwd=tmp_path))
    assert "is also what this command reads" in line
    assert values.read_text(encoding="utf-8") == '{"client.name": "Alex Example"}'
    layout = tmp_path / "layout.yaml"
    layout.write_bytes((REPO / "layouts" / f"{HIL}.yaml").read_bytes())
    one_line(cli("generate", layout, "-o", layout, "--force", cwd=tmp_path))
    assert layout.read_bytes() == (REPO / "layouts" / f"{HIL}.yaml").read_bytes()


def test_generate_into_a_missing_folder_is_refused(tmp_path: Path) -> None:
    line = one_line(cli("generate", RV, "-o", "forms/blank.pdf", cwd=tmp_path))
    assert "does not exist; create it first" in line
    assert list(tmp_path.iterdir()) == []


# ---- export ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt, name, extra", [("json", "board.json", ()), ("xlsx", "board.xlsx", ()),
                                              ("csv", "board.csv", ("--form", HIL))])
@pytest.mark.slow
def test_export_keeps_an_existing_file_unless_forced(database: Path, tmp_path: Path, fmt: str, name: str,
                                                     extra: tuple[str, ...]) -> None:
    (tmp_path / name).write_bytes(b"last month's")
    line = one_line(cli("export", "--db", database, "--format", fmt, "-o", name, *extra, cwd=tmp_path))
    assert name in line and "--force" in line
    assert (tmp_path / name).read_bytes() == b"last month's"
    assert cli("export", "--db", database, "--format", fmt, "-o", name, *extra, "--force",
               cwd=tmp_path).returncode == 0
    assert (tmp_path / name).read_bytes() != b"last month's"


def test_export_csv_per_form_writes_none_if_any_exists(database: Path, tmp_path: Path) -> None:
    (tmp_path / f"board-{RV}.csv").write_text("kept", encoding="utf-8")
    line = one_line(cli("export", "--db", database, "--format", "csv", "-o", "board.csv", cwd=tmp_path))
    assert f"board-{RV}.csv" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"board-{RV}.csv"]  # not even the other form's
    assert cli("export", "--db", database, "--format", "csv", "-o", "board.csv", "--force",
               cwd=tmp_path).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"board-{HIL}.csv", f"board-{RV}.csv"])


def test_export_encrypted_zip_is_kept_unless_forced(database: Path, tmp_path: Path) -> None:
    (tmp_path / "board.json.zip").write_bytes(b"kept")
    env = {"CSE_PDF_OUTPUT_PASSWORD": "correct horse battery staple"}
    line = one_line(cli("export", "--db", database, "--format", "json", "-o", "board.json", "--encrypt",
                        cwd=tmp_path, env=env))
    assert "board.json.zip" in line
    assert (tmp_path / "board.json.zip").read_bytes() == b"kept"


def test_export_into_a_missing_folder_is_refused(database: Path, tmp_path: Path) -> None:
    line = one_line(cli("export", "--db", database, "--format", "csv", "-o", "nope/board.csv", cwd=tmp_path))
    assert "does not exist; create it first" in line
    assert list(tmp_path.iterdir()) == []


# ---- report ------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_report_keeps_an_existing_report_unless_forced(database: Path, tmp_path: Path) -> None:
    (tmp_path / "board.html").write_text("last quarter", encoding="utf-8")
    line = one_line(cli("report", "--db", database, "-o", "board.html", cwd=tmp_path))
    assert "board.html" in line and "--force" in line
    assert (tmp_path / "board.html").read_text(encoding="utf-8") == "last quarter"
    assert cli("report", "--db", database, "-o", "board.html", "--force", cwd=tmp_path).returncode == 0


def test_report_csv_tables_are_kept_unless_forced_and_nothing_else_written(database: Path, tmp_path: Path) -> None:
    assert cli("report", "--db", database, "-o", "first.pdf", "--csv", "tables", cwd=tmp_path).returncode == 0
    index = (tmp_path / "tables" / "index.csv").read_bytes()
    line = one_line(cli("report", "--db", database, "-o", "second.pdf", "--csv", "tables", cwd=tmp_path))
    assert "tables" in line and "--force" in line
    assert not (tmp_path / "second.pdf").exists()  # refused before the report was written
    assert (tmp_path / "tables" / "index.csv").read_bytes() == index
    assert cli("report", "--db", database, "-o", "second.pdf", "--csv", "tables", "--force",
               cwd=tmp_path).returncode == 0


def test_report_csv_folder_with_a_missing_parent_is_refused(database: Path, tmp_path: Path) -> None:
    line = one_line(cli("report", "--db", database, "-o", "board.pdf", "--csv", "a/b/tables", cwd=tmp_path))
    assert "does not exist" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# ---- distribute --------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_distribute_sends_nothing_twice_by_accident(tmp_path: Path) -> None:
    (tmp_path / "agencies.csv").write_text(AGENCIES, encoding="utf-8")
    args = ("distribute", "agencies.csv", "--form", HIL, "--from", SENDER, "--db", "db.sqlite3", "--out", "mail")
    assert cli(*args, cwd=tmp_path).returncode == 0
    first = {p.name: p.read_bytes() for p in (tmp_path / "mail").iterdir()}
    line = one_line(cli(*args, cwd=tmp_path))
    assert ".eml" in line and "--force" in line
    assert {p.name: p.read_bytes() for p in (tmp_path / "mail").iterdir()} == first
    assert "2" == cli("returns", "--db", "db.sqlite3", cwd=tmp_path).stdout.split("total")[1].split()[0]
    assert cli(*args, "--force", cwd=tmp_path).returncode == 0
    assert {p.name for p in (tmp_path / "mail").iterdir()} == set(first)


def test_distribute_out_with_a_missing_parent_is_refused(tmp_path: Path) -> None:
    (tmp_path / "agencies.csv").write_text(AGENCIES, encoding="utf-8")
    line = one_line(cli("distribute", "agencies.csv", "--form", HIL, "--from", SENDER, "--db", "db.sqlite3",
                        "--out", "no/mail", cwd=tmp_path))
    assert "does not exist" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agencies.csv"]


# ---- a full disk, a read-only place: in process, with the write itself failing --------------------------------

@contextmanager
def failing_writes(monkeypatch: pytest.MonkeyPatch, under: Path, code: int) -> Iterator[None]:
    """os.write to any file under `under` fails with `code` (ENOSPC: the disk filled while writing)."""
    real = os.write

    def write(fd: int, data) -> int:  # type: ignore[no-untyped-def]
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = ""
        if target.startswith(str(under)):
            raise OSError(code, os.strerror(code))
        return real(fd, data)

    monkeypatch.setattr(os, "write", write)
    yield


def _invoke(args: list[str], cwd: Path) -> object:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, args, catch_exceptions=False)
    finally:
        os.chdir(old)


COMMANDS = {
    "generate": lambda db, a: ["generate", HIL, "-o", "out/blank.pdf"],
    "generate prefilled": lambda db, a: ["generate", HIL, "--prefill", str(a), "-o", "out/mine.pdf"],
    "stamp": lambda db, a: ["stamp", str(a.with_suffix(".pdf")), "-o", "out/stamped.pdf"],
    "export json": lambda db, a: ["export", "--db", str(db), "--format", "json", "-o", "out/board.json"],
    "export xlsx": lambda db, a: ["export", "--db", str(db), "--format", "xlsx", "-o", "out/board.xlsx"],
    "export csv": lambda db, a: ["export", "--db", str(db), "--format", "csv", "-o", "out/board.csv"],
    "report pdf": lambda db, a: ["report", "--db", str(db), "-o", "out/board.pdf"],
    "report csv": lambda db, a: ["report", "--db", str(db), "-o", "board.html", "--csv", "out/tables"],
}


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "disk is full"), (errno.EROFS, "read-only"),
                                         (errno.EDQUOT, "quota"), (errno.EIO, "Input/output error")],
                         ids=["ENOSPC", "EROFS", "EDQUOT", "EIO"])
@pytest.mark.parametrize("command", COMMANDS, ids=str)
@pytest.mark.slow
def test_a_failing_write_is_one_line_naming_the_file_and_leaves_nothing(
        database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, code: int, words: str) -> None:
    values = tmp_path / "values.json"
    values.write_text('{"client.name": "Alex Example"}', encoding="utf-8")
    _return(tmp_path / "values.pdf", "Alex Example")
    (tmp_path / "out").mkdir()
    args = COMMANDS[command](database, values)
    with failing_writes(monkeypatch, tmp_path / "out", code):
        result = _invoke(args, tmp_path)
    line = one_line(result)
    assert words in line and "out" in line
    assert list((tmp_path / "out").rglob("*.*")) == []  # no torn file, no temporary left behind


# ---- a real full disk and a real read-only folder (root only: a tmpfs mounted for the test) -----------------

@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("needs root to mount a small tmpfs")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


def test_a_really_full_disk_is_one_line(small_disk: Path, tmp_path: Path) -> None:
    a = _return(tmp_path / "a.pdf", "Alex Example")  # a stamped Hillingdon return is far over 64 KiB
    line = one_line(cli("stamp", a, "-o", small_disk / "stamped.pdf", cwd=tmp_path))
    assert "disk is full" in line and str(small_disk / "stamped.pdf") in line
    assert list(small_disk.iterdir()) == []


def test_a_really_read_only_folder_is_one_line(small_disk: Path, tmp_path: Path, database: Path) -> None:
    assert subprocess.run(["mount", "-o", "remount,ro", str(small_disk)]).returncode == 0
    a = _return(tmp_path / "a.pdf", "Alex Example")
    for args in (("stamp", a, "-o", small_disk / "stamped.pdf"), ("generate", RV, "-o", small_disk / "b.pdf"),
                 ("export", "--db", database, "--format", "json", "-o", small_disk / "b.json"),
                 ("report", "--db", database, "-o", "r.pdf", "--csv", small_disk / "tables"),
                 ("ingest", a, "--db", tmp_path / "new.sqlite3", "--out", small_disk / "out")):
        line = one_line(cli(*args, cwd=tmp_path))
        assert "read-only" in line and str(small_disk) in line, args


# ---- ingest's --out ----------------------------------------------------------------------------------------

def test_ingest_out_that_cannot_be_made_is_one_line_before_any_file_is_read(tmp_path: Path) -> None:
    a = _return(tmp_path / "inbox" / "a.pdf", "Alex Example")
    (tmp_path / "a-file").write_text("a file", encoding="utf-8")
    line = one_line(cli("ingest", a.parent, "--db", "db.sqlite3", "--out", "a-file/out", cwd=tmp_path))
    assert "a-file/out" in line
    assert cli("list", "--db", "db.sqlite3", cwd=tmp_path).stdout.strip().count("\n") == 0  # only the heading


# ---- a closed pipe: quietly ----------------------------------------------------------------------------------

def _closed_pipe(*args: object, cwd: Path) -> subprocess.CompletedProcess:
    """The command with its output's reader already gone, as in `cse-pdf list | head -0`.

    A subprocess: a broken pipe is a real file descriptor's EPIPE and how the process ends, which
    CliRunner's in-memory streams cannot show."""
    clean = {k: v for k, v in os.environ.items() if k not in ("CSE_PDF_DB", "XDG_DATA_HOME", "CSE_PDF_DEBUG")}
    clean["HOME"] = str(cwd)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([sys.executable, "-m", "cse_pdf", *map(str, args)], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, cwd=cwd, env=clean)
    finally:
        os.close(write_end)
    return done


@pytest.mark.slow
def test_a_closed_pipe_ends_every_printing_command_quietly(database: Path, tmp_path: Path) -> None:
    samples = sorted((REPO / "samples").glob("*.pdf"))[:6]
    for args in (("forms",), ("fields", HIL), ("read", *samples), ("score", samples[0]), ("list", "--db", database),
                 ("list", "--db", database, "--failed"), ("show", "1", "--db", database),
                 ("returns", "--db", database),
                 ("export", "--db", database, "--format", "json", "-o", tmp_path / "board.json"),
                 ("ingest", samples[0], "--db", tmp_path / "db.sqlite3", "--out", tmp_path / "out")):
        done = _closed_pipe(*args, cwd=tmp_path)
        assert done.returncode in (0, 141), (args, done.returncode, done.stderr)
        assert "Error" not in done.stderr and "Exception" not in done.stderr and "internal error" not in done.stderr, \
            (args, done.stderr)


@pytest.mark.slow
def test_head_of_a_long_listing_ends_quietly(database: Path, tmp_path: Path) -> None:
    samples = sorted((REPO / "samples").glob("*.pdf"))
    # A subprocess: a real pipe to `head`, which goes away mid-output (a broken pipe, as above).
    done = subprocess.run(f"{sys.executable} -m cse_pdf read {' '.join(map(str, samples))} | head -c 100",
                          shell=True, capture_output=True, text=True, cwd=tmp_path, executable="/bin/bash")
    assert len(done.stdout) == 100
    assert done.stderr == ""


# ---- names no file system takes ----------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["a" * 300 + ".pdf", "b" * 300 + "/x.pdf"], ids=["long name", "long folder"])
@pytest.mark.slow
def test_a_name_too_long_is_one_line_not_internal_error(tmp_path: Path, target: str) -> None:
    a = _return(tmp_path / "a.pdf", "Alex Example")
    for args in (("generate", RV, "-o", target), ("stamp", a, "-o", target)):
        line = one_line(cli(*args, cwd=tmp_path))
        assert "too long" in line or "does not exist" in line


@pytest.mark.parametrize("command", [("list",), ("report", "-o", "r.pdf"), ("ingest", "inbox")])
def test_a_database_name_too_long_is_one_line(tmp_path: Path, command: tuple[str, ...]) -> None:
    _return(tmp_path / "inbox" / "a.pdf", "Alex Example")
    one_line(cli(*command, "--db", "c" * 300 + ".sqlite3", "--out", "out", cwd=tmp_path)
             if command[0] == "ingest" else cli(*command, "--db", "c" * 300 + ".sqlite3", cwd=tmp_path), code=5)
