"""Issue 14 §2: cse-pdf's own outputs are not new returns.

A stamped copy (from `cse-pdf stamp` or `ingest --out`) fed back into ingest is skipped, never a new
assessment or revision, also after a PDF viewer re-saved it (incrementally or in full), flattened it or
dropped its metadata; and discovery never walks into the --out folder, however --out is spelt.
"""

from __future__ import annotations

import re
import shutil
import zlib
from pathlib import Path
from typing import Callable

import pikepdf
import pymupdf
import pytest
from helpers.cli import Ran, environment
from helpers.cli import cse as run_cli
from helpers.forms import REPO, fictional_return, qpdf_flatten, write_return
from pypdf import PdfReader, PdfWriter

from cse_pdf.form.blocks import IDENTITY_FIELD
from cse_pdf.form.catalog import find_form
from cse_pdf.form.identity import STAMPED_INFO_KEY, Identity
from cse_pdf.ingest import SKIPPED, discover
from cse_pdf.returned.read import open_pdf, read_form, read_opened
from cse_pdf.stamp.stamped_copy import is_stamped_copy
from cse_pdf.store import Store

HIL, RV = "hillingdon-cse", "cse-risk-vulnerability"
SKIP_LINE = "skipped: a stamped copy made by cse-pdf"


def cse(*args: object, cwd: Path | None = None) -> Ran:
    return run_cli(*args, env=environment(without=("CSE_PDF_DB", "XDG_DATA_HOME")), cwd=cwd)


def table(stdout: str) -> dict[str, int]:
    return {k: int(v) for k, v in
            re.findall(r"^(ingested|already known|needs review|failed|skipped)\s+(\d+)$", stdout, re.M)}


def records(db: str) -> list:
    with Store.open(db) as store:
        return store.records(include_superseded=True)


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A fresh return of each form, and a committed sample read by a real viewer engine."""
    folder = tmp_path_factory.mktemp("returns")
    out = {}
    for form in (HIL, RV):
        spec = find_form(form)
        out[form] = write_return(folder / f"{form}.pdf", spec,
                                 fictional_return(spec, name="Ada Testperson", dob="14/07/2010",
                                                  completed="05/03/2024"))
    out["sample"] = folder / "low-pdfium.pdf"
    shutil.copy(REPO / "samples" / "low-pdfium.pdf", out["sample"])
    return out


@pytest.fixture(scope="module")
def stamped(returns: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`cse-pdf stamp` of each return, plain and --flatten."""
    folder = tmp_path_factory.mktemp("stamped")
    made = {}
    for key, src in returns.items():
        for flat in (False, True):
            name = f"{key}{'-flat' if flat else ''}"
            done = cse("stamp", src, "-o", folder / f"{name}.pdf", *(["--flatten"] if flat else []))
            assert done.returncode == 0, done.stderr
            made[name] = folder / f"{name}.pdf"
    return made


# ---- how a viewer may re-save a stamped copy -------------------------------------------------------------


def pypdf_incremental(src: Path, dst: Path) -> None:
    writer = PdfWriter(src, incremental=True)
    writer.add_metadata({"/Producer": "pypdf re-save"})
    with open(dst, "wb") as fh:
        writer.write(fh)


def pypdf_full(src: Path, dst: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(src))
    with open(dst, "wb") as fh:
        writer.write(fh)


def pikepdf_full(src: Path, dst: Path) -> None:
    with pikepdf.open(src) as pdf:
        pdf.save(dst)


def pikepdf_no_metadata(src: Path, dst: Path) -> None:
    """A tool that keeps the fields but writes fresh document information (and no XMP)."""
    with pikepdf.open(src) as pdf:
        del pdf.trailer["/Info"]
        if "/Metadata" in pdf.Root:
            del pdf.Root["/Metadata"]
        pdf.save(dst)


def pymupdf_incremental(src: Path, dst: Path) -> None:
    shutil.copy(src, dst)
    doc = pymupdf.open(dst)
    doc.set_metadata({**doc.metadata, "producer": "mupdf re-save"})
    doc.saveIncr()
    doc.close()


def pymupdf_full(src: Path, dst: Path) -> None:
    doc = pymupdf.open(src)
    doc.save(dst, garbage=4, deflate=True)
    doc.close()


def print_to_pdf(src: Path, dst: Path) -> None:
    """Fields drawn into the pages and dropped, metadata gone: only the printed pages are left."""
    qpdf_flatten(src, dst)
    with pikepdf.open(dst, allow_overwriting_input=True) as pdf:
        if "/Info" in pdf.trailer:
            del pdf.trailer["/Info"]
        pdf.save(dst)


RESAVES: dict[str, Callable[[Path, Path], None]] = {
    "as-stamped": lambda s, d: shutil.copy(s, d), "pypdf-incremental": pypdf_incremental, "pypdf-full": pypdf_full,
    "pikepdf-full": pikepdf_full, "no-metadata": pikepdf_no_metadata, "pymupdf-incremental": pymupdf_incremental,
    "pymupdf-full": pymupdf_full, "printed-to-pdf": print_to_pdf}


# ---- the mark ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_stamped_copy_carries_its_mark_in_the_identity_field_and_the_document_information(
        stamped: dict[str, Path], returns: dict[str, Path]) -> None:
    with pikepdf.open(stamped[HIL]) as pdf:
        field = next(f for f in pdf.Root.AcroForm.Fields if str(f.get("/T")) == IDENTITY_FIELD)
        identity = Identity.decode(str(field.V))
        assert STAMPED_INFO_KEY in pdf.docinfo
    assert identity is not None and identity.stamped and identity.form == HIL
    with pikepdf.open(returns[HIL]) as pdf:  # the return itself is unmarked
        field = next(f for f in pdf.Root.AcroForm.Fields if str(f.get("/T")) == IDENTITY_FIELD)
        assert Identity.decode(str(field.V)).stamped == ""
        assert STAMPED_INFO_KEY not in pdf.docinfo


def test_the_identity_with_a_stamp_mark_round_trips_and_an_older_reader_still_reads_the_form() -> None:
    marked = Identity("f", "1", "abc", "i1", stamped="0123456789abcdef")
    assert Identity.decode(marked.encode()) == marked
    assert Identity.decode(Identity("f", "1", "abc").encode()).stamped == ""
    assert "stamped" not in Identity("f", "1", "abc").encode()  # blanks and copies sent out: as before
    with pytest.raises(ValueError):
        Identity("f", "1", "abc", stamped="x;form=other").encode()


@pytest.mark.slow
def test_reading_and_scoring_a_stamped_copy_still_work(stamped: dict[str, Path], returns: dict[str, Path]) -> None:
    for key in (HIL, RV):
        done = cse("score", stamped[key])
        assert done.returncode == 0, done.stderr
        assert read_form(stamped[key]).values == read_form(returns[key]).values


@pytest.mark.parametrize("key", ["sample", f"{RV}-flat"])
@pytest.mark.slow
def test_stamping_a_stamped_copy_is_refused_in_one_line(stamped: dict[str, Path], key: str, tmp_path: Path) -> None:
    done = cse("stamp", stamped[key], "-o", tmp_path / "again.pdf")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "is a stamped copy made by cse-pdf" in done.stderr
    assert not (tmp_path / "again.pdf").exists()


# ---- ingest skips it, however it was re-saved ------------------------------------------------------------


@pytest.mark.parametrize("resave", list(RESAVES))
@pytest.mark.slow
def test_a_stamped_copy_resaved_by_a_viewer_is_skipped_by_ingest(stamped: dict[str, Path], returns: dict[str, Path],
                                                                 resave: str, tmp_path: Path) -> None:
    db = str(tmp_path / "db.sqlite3")
    first = cse("ingest", returns["sample"], "--db", db, "--out", tmp_path / "out")
    assert table(first.stdout)["ingested"] == 1
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for key in ("sample", f"{HIL}-flat", RV):
        RESAVES[resave](stamped[key], inbox / f"{key}.pdf")

    done = cse("ingest", inbox, "--db", db, "--out", tmp_path / "out")

    assert done.returncode == 0, done.stdout + done.stderr
    assert table(done.stdout) == {"ingested": 0, "already known": 0, "needs review": 0, "failed": 0, "skipped": 3}
    assert done.stdout.count(SKIP_LINE) == 3
    assert len(records(db)) == 1  # neither a new assessment nor a new revision


@pytest.mark.slow
def test_ingest_with_out_inside_the_input_folder_three_times_records_one_assessment_once(
        returns: dict[str, Path], tmp_path: Path, db_url: str) -> None:
    inbox = tmp_path / "P"
    inbox.mkdir()
    for key in (HIL, RV, "sample"):
        shutil.copy(returns[key], inbox / f"{key}.pdf")
    for run in range(3):
        done = cse("ingest", inbox, "--db", db_url, "--out", inbox)
        assert done.returncode == 0, done.stdout + done.stderr
        assert table(done.stdout)["already known" if run else "ingested"] == 3
        assert table(done.stdout)["skipped"] == 0  # the stamped copies are not even looked at
    rows = records(db_url)
    assert len(rows) == 3 and {r.revision for r in rows} == {1}
    assert len(list((inbox / "stamped").rglob("*.pdf"))) == 3


@pytest.mark.slow
def test_stamped_copies_named_directly_or_by_their_folder_are_skipped_and_nothing_recorded(
        returns: dict[str, Path], tmp_path: Path, db_url: str) -> None:
    out = tmp_path / "out"
    assert cse("ingest", returns[HIL], returns[RV], "--db", db_url, "--out", out).returncode == 0
    copies = sorted((out / "stamped").rglob("*.pdf"))
    assert len(copies) == 2

    by_name = cse("ingest", *copies, "--db", db_url, "--out", tmp_path / "other-out")
    assert by_name.returncode == 0 and table(by_name.stdout)["skipped"] == 2
    assert by_name.stdout.count(SKIP_LINE) == 2

    by_folder = cse("ingest", out / "stamped", "--db", db_url, "--out", out)
    assert by_folder.returncode == 0 and table(by_folder.stdout)["skipped"] == 1
    assert "own output folder" in by_folder.stdout

    assert len(records(db_url)) == 2
    with Store.open(db_url) as store:
        assert store.failures() == []


# ---- discovery never walks into --out --------------------------------------------------------------------


def _inbox_with_out(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "a.pdf").write_bytes(b"%PDF-")
    (inbox / "sub" / "b.pdf").write_bytes(b"%PDF-")
    for part in ("stamped/hillingdon-cse", "quarantine"):
        (inbox / "results" / part).mkdir(parents=True)
    (inbox / "results" / "stamped" / "hillingdon-cse" / "s.pdf").write_bytes(b"%PDF-")
    (inbox / "results" / "quarantine" / "failed-x.pdf").write_bytes(b"%PDF-")
    return inbox


def test_discovery_skips_out_given_relative_through_a_link_or_inside_the_input(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = _inbox_with_out(tmp_path)
    (tmp_path / "link-to-results").symlink_to(inbox / "results")
    monkeypatch.chdir(tmp_path)
    for out in (inbox / "results", Path("inbox/results"), Path("link-to-results"), Path("inbox/sub/../results"),
                tmp_path / "link-to-results"):
        for root in (inbox, Path("inbox"), Path("./inbox/")):
            found = discover([root], exclude=out)
            assert sorted(p.name for p in found.files) == ["a.pdf", "b.pdf"], (out, root)
            assert found.refused == []


def test_discovery_of_the_out_folder_itself_skips_its_stamped_and_quarantine_folders(tmp_path: Path) -> None:
    inbox = _inbox_with_out(tmp_path)
    results = inbox / "results"
    (results / "new-return.pdf").write_bytes(b"%PDF-")
    found = discover([results], exclude=results)
    assert [p.name for p in found.files] == ["new-return.pdf"]
    for part in ("stamped", "quarantine"):
        found = discover([results / part], exclude=results)
        assert found.files == [] and [o.kind for o in found.refused] == [SKIPPED]


def test_discovery_skips_the_default_out_folder_even_when_this_run_writes_elsewhere(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cse-pdf-out" / "stamped").mkdir(parents=True)
    (tmp_path / "cse-pdf-out" / "stamped" / "s.pdf").write_bytes(b"%PDF-")
    (tmp_path / "cse-pdf-out" / "quarantine").mkdir()
    (tmp_path / "cse-pdf-out" / "quarantine" / "failed-1.pdf").write_bytes(b"%PDF-")
    (tmp_path / "r.pdf").write_bytes(b"%PDF-")
    found = discover([Path(".")], exclude=tmp_path / "elsewhere")
    assert [p.name for p in found.files] == ["r.pdf"]


def _only_mark(src: Path, dst: Path, keep: str) -> None:
    """The stamped copy with every mark but `keep` taken away (a viewer that dropped the others)."""
    with pikepdf.open(src) as pdf:
        if keep != "info":
            del pdf.docinfo[STAMPED_INFO_KEY]
        if keep != "xmp":
            del pdf.Root["/Metadata"]
        else:  # compressed, as some writers keep it
            pdf.Root.Metadata = pdf.make_stream(zlib.compress(pdf.Root.Metadata.read_bytes()),
                                                Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML,
                                                Filter=pikepdf.Name.FlateDecode)
        if keep != "identity":
            field = next(f for f in pdf.Root.AcroForm.Fields if str(f.get("/T")) == IDENTITY_FIELD)
            unmarked = Identity.decode(str(field.V))
            field.V = pikepdf.String(Identity(unmarked.form, unmarked.version, unmarked.hash,
                                              unmarked.instance).encode())
        if keep != "summary-page":
            del pdf.pages[0]  # the summary page
        pdf.save(dst)


@pytest.mark.parametrize("keep", ["identity", "info", "xmp", "summary-page"])
@pytest.mark.slow
def test_each_mark_alone_tells_a_stamped_copy(stamped: dict[str, Path], keep: str, tmp_path: Path) -> None:
    copy = tmp_path / "copy.pdf"
    _only_mark(stamped[HIL], copy, keep)
    if keep == "summary-page":  # the printed page is read when the fields are gone: printed to PDF
        qpdf_flatten(copy, tmp_path / "printed.pdf")
        copy = tmp_path / "printed.pdf"
    with open_pdf(copy) as opened:
        assert is_stamped_copy(opened, read_opened(opened, copy)), keep
    _only_mark(stamped[HIL], tmp_path / "none.pdf", keep="nothing")  # every mark gone: it reads as a return
    with open_pdf(tmp_path / "none.pdf") as opened:
        assert not is_stamped_copy(opened, read_opened(opened, tmp_path / "none.pdf"))
