"""Issue 14, section 3: values a database or a file format cannot hold, and outputs that never fail on a
recorded value. One rule (cse_pdf/base/storable.py): each such character becomes U+FFFD, with a warning naming
the field, the same on SQLite and PostgreSQL; export, report and the summary page take any recorded value."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from helpers.cli import Ran, cse
from helpers.hostile_values import ALL_CONTROLS, HOSTILE, as_read, hostile_return, targets
from pypdf import PdfReader

from cse_pdf.base.errors import StoreError
from cse_pdf.base.notices import Notice, NoticeCode
from cse_pdf.base.storable import REPLACEMENT, has_unstorable, storable_text
from cse_pdf.form.catalog import current_forms, find_form
from cse_pdf.form.identity import Identity
from cse_pdf.ingest import Processed, ingest, process_file
from cse_pdf.returned.read import Response, read_form
from cse_pdf.store import Store

HIL = "hillingdon-cse"
EARLIER = Notice.of(NoticeCode.FIELD_MISSING, "client.postcode")  # a warning the reader found before


def cli(*args: str) -> Ran:
    return cse(*args)


# ---- the rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "\x00", "a\x00b", "\ufffe", "\uffff", "\U0001fffe", "\U0010ffff", "\ufdd0", "\ufdef", "\ud800", "\udfff",
    "x\udcff", "\x1b[31m", "\x85", "\x9b", "\x7f", "\x0b\x0c", ALL_CONTROLS,
])
def test_each_unstorable_character_becomes_one_replacement_character(text: str) -> None:
    out = storable_text(text)
    assert not has_unstorable(out)
    assert len(out) == len(text)  # one for one: nothing silently dropped, positions kept
    out.encode("utf-8")  # every store's encoding takes it
    assert storable_text(out) == out


@pytest.mark.parametrize("text", [
    "Zoë Łódź", "Ngozi Okonkwo-Ødegård", "שלום مرحبا \u202eevil\u202c", "👩‍👧‍👦🏳️‍🌈", "Z\u0301\u0316\u0334",
    "line one\nline two\ttabbed", "\ufffd already", "=cmd", "$x^$", "a\u2028b", "\ufdcf\ufdf0\ufffd\U0001fffd",
])
def test_ordinary_text_is_kept_exactly(text: str) -> None:
    assert storable_text(text) == text


def test_a_response_holds_only_storable_text_and_says_which_fields_were_changed() -> None:
    spec = find_form(HIL)
    s = spec.summary
    values = {f.id: None for f in spec.fields} | {s.name: "Ada\x00Lovelace", s.agency: "Youth \ud800 Service",
                                                  s.dob: "01/02/2010", "client.disability": "none"}
    r = Response(spec, Identity(spec.id, spec.version, spec.content_hash, ""), values, [EARLIER])
    assert r.values[s.name] == f"Ada{REPLACEMENT}Lovelace"
    assert r.values[s.agency] == f"Youth {REPLACEMENT} Service"
    assert r.values["client.disability"] == "none" and r.values[s.dob] == "01/02/2010"
    changed = [w for w in r.warnings if "cannot be stored" in w]
    assert len(changed) == 2 and any(s.name in w for w in changed) and any(s.agency in w for w in changed)
    assert r.notices[0] == EARLIER and r.warnings[0] == "field client.postcode is missing from the PDF"
    assert not any("Ada" in w or "Youth" in w for w in r.warnings)  # never the text itself


@pytest.mark.slow
def test_reading_a_return_replaces_and_warns(tmp_path: Path) -> None:
    spec = find_form(HIL)
    for i, key in enumerate(("nul", "fffe", "escape", "nel", "all-controls")):
        r = read_form(hostile_return(tmp_path, spec, key, i))
        for fid in targets(spec):
            assert REPLACEMENT in r.values[fid] and not has_unstorable(r.values[fid])
            assert any(fid in w and "cannot be stored" in w for w in r.warnings)


# ---- a batch of hostile returns, on SQLite and on PostgreSQL ---------------------------------------


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every hostile value in every form's name, agency and a note; and twelve returns whose agency is
    mathtext, so the Board report's agency table and chart are drawn with it."""
    folder = tmp_path_factory.mktemp("hostile")
    for spec in current_forms():
        for i, key in enumerate(HOSTILE):
            hostile_return(folder, spec, key, i)
    hil = find_form(HIL)
    for i in range(12):
        hostile_return(folder, hil, "mathtext-frac" if i % 2 else "mathtext-broken", 40 + i,
                       fields=(hil.summary.agency,))
    return folder


def _everything(db: str, batch: Path, work: Path) -> dict:
    """Ingest the batch, then show, export and report it; what each command gave."""
    work.mkdir()
    done = cli("ingest", str(batch), "--db", db, "--out", str(work / "out"), "--workers", "1")
    assert done.returncode == 4, done.stdout + done.stderr  # recorded, some needing review; none failed
    assert "internal error" not in done.stdout + done.stderr
    with Store.open(db) as store:
        assert not store.failures()
        records = store.records(include_superseded=True)
        shown = {r.record_id: store.record_detail(r.record_id) for r in records}
    out: dict = {"records": len(records), "show": {}}
    for rid, detail in shown.items():
        assert detail["file"]["stamped"] and Path(detail["file"]["stamped"]).is_file()  # each copy has its record
        for k in ("ingested_at",):
            detail.pop(k)
        detail["file"].pop("stamped")
        detail["revisions"] = [{k: v for k, v in r.items() if k != "ingested_at"} for r in detail["revisions"]]
        out["show"][rid] = detail
    for fmt in ("json", "xlsx", "csv"):
        done = cli("export", "--db", db, "--format", fmt, "-o", str(work / f"board.{fmt}"))
        assert done.returncode == 0, done.stderr
    doc = json.loads((work / "board.json").read_text("utf-8"))
    for rows in doc.values():
        for row in rows:
            row.pop("Ingested at")
    out["json"] = doc
    wb = openpyxl.load_workbook(work / "board.xlsx")
    out["xlsx"] = {ws.title: [[c.value for c in row if ws.cell(1, c.column).value != "Ingested at (UTC)"]
                              for row in ws.iter_rows()] for ws in wb.worksheets}
    out["csv"] = {}
    for path in sorted(work.glob("board-*.csv")):
        rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"), newline="")))
        out["csv"][path.name] = [{k: v for k, v in r.items() if k != "Ingested at"} for r in rows]
    for fmt in ("pdf", "html"):
        done = cli("report", "--db", db, "-o", str(work / f"report.{fmt}"), "--csv", str(work / f"csv-{fmt}"))
        assert done.returncode == 0, done.stderr
    out["report_csv"] = {p.name: p.read_bytes() for p in sorted((work / "csv-pdf").iterdir())}
    assert out["report_csv"] == {p.name: p.read_bytes() for p in sorted((work / "csv-html").iterdir())}
    out["report_html"] = (work / "report.html").read_text("utf-8")
    out["report_pdf_text"] = "".join(page.extract_text() for page in PdfReader(work / "report.pdf").pages)
    return out


def test_a_batch_of_hostile_values_is_recorded_and_reported_alike_on_sqlite_and_postgresql(
        hostile_batch: Path, postgres, tmp_path: Path) -> None:
    import uuid

    lite = _everything(str(tmp_path / "db.sqlite3"), hostile_batch, tmp_path / "lite")
    pg = _everything(postgres.new_database(f"t_{uuid.uuid4().hex[:12]}"), hostile_batch, tmp_path / "pg")
    files = len(list(hostile_batch.glob("*.pdf")))
    assert lite["records"] == pg["records"] == files  # all recorded
    for key in ("show", "json", "xlsx", "csv", "report_csv"):
        assert lite[key] == pg[key], key
    # the report is the same apart from when it was produced
    assert lite["report_html"] == pg["report_html"]

    hil = find_form(HIL)
    by_name = {d["values"][hil.summary.name]: d for d in lite["show"].values() if d["form"]["id"] == HIL}
    nul = by_name[f"Ada{REPLACEMENT}Lovelace"]
    assert nul["status"] == "needs_review" and "reading-warnings" in [r["code"] for r in nul["review"]]
    assert nul["values"][hil.summary.agency] == f"Ada{REPLACEMENT}Lovelace"
    assert f"{REPLACEMENT}[31mRed{REPLACEMENT}[0m" in by_name
    assert f"Line{REPLACEMENT}Next" in by_name and f"Ada{REPLACEMENT}{REPLACEMENT}Bee" in by_name
    assert "x" * 4000 in by_name and "$x^$" in by_name and "<script>alert(1)</script>&amp;" in by_name
    for detail in lite["show"].values():
        assert not any(isinstance(v, str) and has_unstorable(v) for v in detail["values"].values())
    # the mathtext agencies reach the Board report as plain text: in its agency table, and in the chart
    assert "$x^$" in lite["report_html"] and "$\\frac{1}{0}$" in lite["report_html"]
    assert "$x^$" in lite["report_pdf_text"]
    # the export names them exactly as recorded
    assert {r["agency.name"] for r in lite["json"][HIL]} >= {"$x^$", "$\\frac{1}{0}$", f"Ada{REPLACEMENT}Lovelace"}


# ---- one refused write never stops the batch -------------------------------------------------------


def refuse_marked(path: str):
    """The real reading, but a file named *refused* carries a value no database can store (a lone surrogate:
    neither SQLite nor PostgreSQL accepts it), as a reader bug might one day let through."""
    result = process_file(path)
    if "refused" in Path(path).name and isinstance(result, Processed):
        result = replace(result, submission=replace(result.submission,
                                                    source_path=result.submission.source_path + "\udcff"))
    return result


@pytest.mark.slow
def test_a_value_the_database_refuses_fails_that_file_only(db_url: str, tmp_path: Path) -> None:
    spec = find_form(HIL)
    files = [hostile_return(tmp_path / "in", spec, "nul", i) for i in range(4)]
    refused = files[1].rename(files[1].with_name("refused.pdf"))
    files[1] = refused
    with Store.open(db_url) as store:
        report = ingest(files, store, tmp_path / "out", workers=1, process=refuse_marked)
        failed = [o for o in report.outcomes if o.kind == "failed"]
        assert [o.path for o in failed] == [refused]
        assert "could not be recorded" in failed[0].reason and "\n" not in failed[0].reason
        assert "Ada" not in failed[0].reason  # the database's text, which can quote values, is never shown
        assert len(store.records()) == 3
        stamped = sorted(p.name for p in (tmp_path / "out" / "stamped").rglob("*.pdf"))
        recorded = {Path(store.record_detail(r.record_id)["file"]["stamped"]).name for r in store.records()}
        assert set(stamped) == recorded  # no stamped copy without its record
        assert len(store.failures()) == 1


def test_the_store_refuses_an_unstorable_write_in_one_line(db_url: str, tmp_path: Path) -> None:
    spec = find_form(HIL)
    result = process_file(str(hostile_return(tmp_path, spec, "escape", 1)))
    assert isinstance(result, Processed)
    with Store.open(db_url) as store:
        with pytest.raises(StoreError) as err:
            store.record(replace(result.submission, source_path="/in/\udcffname.pdf"))
        assert "could not be recorded" in err.value.message
        assert store.records() == []
        # the same submission with its real path is recorded: nothing was left half-written
        assert not store.record(result.submission).known


# ---- the summary page takes any value ----------------------------------------------------------------

HUGE = {"huge-no-spaces": "y" * 100_000, "huge-newlines": "\n".join(["line"] * 5000),
        "huge-words": "word " * 20_000}


@pytest.mark.parametrize("form_id", [s.id for s in current_forms()])
@pytest.mark.slow
def test_the_summary_page_is_drawn_whatever_every_text_field_holds(form_id: str) -> None:
    from helpers.forms import fictional_return

    from cse_pdf.assess.claims import assess_return
    from cse_pdf.stamp.summary_page import SHORTENED, render_summary

    spec = find_form(form_id)
    texts = {f.id for f in spec.fields if f.type in ("text", "multiline", "date")}
    for key, value in [*((k, as_read(k)) for k in HOSTILE), *HUGE.items()]:
        values = fictional_return(spec, name="n", dob="01/02/2010", completed="05/03/2024")
        values.update({fid: value for fid in texts})  # the dates too: unreadable ones are problems, not errors
        r = Response(spec, Identity(spec.id, spec.version, spec.content_hash, ""), values)
        pdf = render_summary(r, assess_return(r))
        pages = PdfReader(io.BytesIO(pdf)).pages
        text = " ".join("".join(p.extract_text() for p in pages).split())
        assert "assessment summary" in text, key
        long = len(value) > 300 or value.count("\n") > 3
        assert (SHORTENED in text) == long, key
        assert len(pages) <= 12, key  # a summary, however much was typed


@pytest.mark.slow
def test_the_stamp_command_takes_hostile_values(tmp_path: Path) -> None:
    spec = find_form(HIL)
    for i, key in enumerate(("nul", "long-no-spaces", "many-newlines", "mathtext-broken", "all-controls")):
        src = hostile_return(tmp_path, spec, key, i)
        done = cli("stamp", str(src), "-o", str(tmp_path / f"stamped-{i}.pdf"))
        assert done.returncode == 0, (key, done.stderr)
        assert len(PdfReader(tmp_path / f"stamped-{i}.pdf").pages) > 1


# ---- values recorded before this rule (or by other means) still export and report ---------------------

LEGACY = ["Ada\ufffe\uffffBee", "\x1b[31mRed", "Line\x85Next\x9b", "$x^$", "$\\frac{1}{0}$", "y" * 40_000,
          "=1+1", "<script>x</script>", "a\x00b"]


@pytest.mark.slow
def test_every_recorded_value_exports_and_reports(db_url: str, tmp_path: Path) -> None:
    """Values written straight into the database, as an older cse-pdf could have: each database takes what
    it can hold (PostgreSQL refuses NUL), and every export and report format still takes all of them."""
    spec = find_form(HIL)
    legacy = [v for v in LEGACY if not (db_url.startswith("postgresql") and "\x00" in v)]
    files = [hostile_return(tmp_path / "in", spec, "printf", i) for i in range(len(legacy))]
    with Store.open(db_url) as store:
        ingest(files, store, tmp_path / "out", workers=1, stamps=False)
        with store.engine.begin() as conn:
            ids = [r.record_id for r in store.records()]
            assert len(ids) == len(legacy)
            for rid, v in zip(ids, legacy):
                for fid in (spec.summary.name, "client.disability"):
                    conn.execute(sa.text("UPDATE submission_values SET value_text = :v WHERE submission_id = :r "
                                         "AND field_id = :f"), {"v": v, "r": rid, "f": fid})
            conn.execute(sa.text("UPDATE submission_values SET value_text = :v WHERE field_id = :f"),
                         {"v": legacy[0], "f": spec.summary.agency})
    for fmt in ("json", "xlsx", "csv"):
        done = cli("export", "--db", db_url, "--format", fmt, "--form", HIL, "-o", str(tmp_path / f"b.{fmt}"))
        assert done.returncode == 0, done.stderr
    rows = json.loads((tmp_path / "b.json").read_text("utf-8"))[HIL]
    names = [r[spec.summary.name] for r in rows]
    assert sorted(names) == sorted(storable_text(v) for v in legacy)
    sheet = openpyxl.load_workbook(tmp_path / "b.xlsx")[HIL]
    head = [c.value for c in sheet[1]]
    col = head.index(spec.field_map[spec.summary.name].label)  # headings are labels
    cells = [row[col].value for row in sheet.iter_rows(min_row=2)]
    assert sorted(cells) == sorted(storable_text(v)[:32_766] + ("…" if len(v) > 32_767 else "") for v in legacy)
    with open(tmp_path / "b.csv", encoding="utf-8-sig", newline="") as fh:
        got = [r[spec.summary.name] for r in csv.DictReader(fh)]
    assert len(got) == len(legacy) and all(not has_unstorable(g) for g in got)
    for fmt in ("pdf", "html"):
        done = cli("report", "--db", db_url, "-o", str(tmp_path / f"r.{fmt}"), "--csv", str(tmp_path / fmt))
        assert done.returncode == 0, done.stderr
    agencies = (tmp_path / "html" / f"{HIL}--referring-agency.csv").read_text("utf-8-sig")
    assert storable_text(legacy[0]) in agencies


@pytest.mark.slow
def test_show_never_prints_a_control_character_recorded_before_the_rule(tmp_path: Path) -> None:
    spec = find_form(HIL)
    db = str(tmp_path / "db.sqlite3")
    with Store.open(db) as store:
        ingest([hostile_return(tmp_path / "in", spec, "printf", 1)], store, tmp_path / "out", workers=1, stamps=False)
        with store.engine.begin() as conn:
            conn.execute(sa.text("UPDATE submission_values SET value_text = :v WHERE field_id = :f"),
                         {"v": "\x9b31mRed\x1b]0;title\x07\x85", "f": spec.summary.name})
        (record,) = store.records()
    done = cli("show", str(record.record_id), "--db", db)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["values"][spec.summary.name] == f"{REPLACEMENT}31mRed{REPLACEMENT}]0;title" \
        f"{REPLACEMENT}{REPLACEMENT}"
    assert not has_unstorable(done.stdout.replace("\n", ""))
