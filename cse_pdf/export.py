"""Current assessments out of the database for the Board: CSV, XLSX or JSON.

One row per current assessment (the latest revision of each), one column per
field id, then the assessment and the previous assessment. Checkboxes are
booleans and dates ISO dates. A date that cannot be read is never guessed: its cell
is left empty and its field id is listed in "Unreadable dates" (the text as typed
stays in the database; `cse-pdf show` prints it).

Column headings other than field ids start with a capital letter, so they can never
clash with a field id (which is lower case). Text that a spreadsheet would run as a
formula is defused: XLSX cells are written as text, and CSV is written by `csv_safe`
(every field quoted, an apostrophe before any formula start, also after leading
whitespace or a line break, or a `;` that a semicolon reader would split on).

Every recorded value can be exported: text is passed through the one rule for
characters no format can hold (storable.py: U+FFFD in their place) before any
format sees it, so a value recorded by an older cse-pdf (a U+FFFE, a control
character in SQLite) cannot stop an export. An XLSX cell holds at most 32,767
characters: a longer text is cut there with "…" in that format only.
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any, Literal

from cse_pdf.base.csv_safe import encode_rows
from cse_pdf.base.errors import CsePdfError, UnknownFormError
from cse_pdf.base.private_files import check_output, write_output
from cse_pdf.base.storable import storable_text
from cse_pdf.form.catalog import current_forms, find_form
from cse_pdf.pdf.encryption import encrypt_xlsx, encrypted_zip
from cse_pdf.store import ExportRecord, Store
from cse_pdf.store.repository import iso_time

Format = Literal["csv", "xlsx", "json"]

LEADING = ["Record", "Form", "Form version", "Status", "Needs review because", "Revision", "Date completed",
           "Ingested at", "Flattened"]
TRAILING = ["Unreadable dates", "Suggested level", "Suggested label", "Stated level", "Stated label",
            "Stated differs", "Total", "Answered", "Base level", "Reasons", "Flags", "Advice", "Unanswered",
            "Problems", "Previous record", "Previous date completed", "Previous level", "Previous label", "Trend"]


def field_columns(form_id: str, records: list[ExportRecord]) -> list[str]:
    """The installed layout's field ids in reading order, then any an older version had."""
    try:
        columns = [f.id for f in find_form(form_id).fields]
    except UnknownFormError:
        columns = []
    seen = set(columns)
    for r in records:
        for fid in r.values:
            if fid not in seen:
                seen.add(fid)
                columns.append(fid)
    return columns


def row_of(r: ExportRecord, fields: list[str]) -> dict[str, Any]:
    """One assessment as typed cells (lists stay lists; each format decides how to show them)."""
    s, a, p = r.submission, r.assessment, r.previous
    row: dict[str, Any] = {
        "Record": s.id, "Form": s.form_id, "Form version": s.form_version,
        "Status": s.status.replace("_", " "), "Needs review because": list(s.review_reasons),
        "Revision": s.revision, "Date completed": s.date_completed,
        "Ingested at": iso_time(s.ingested_at),
        "Flattened": s.flattened,
    }
    row.update({fid: _storable(r.values.get(fid)) for fid in fields})
    row.update({
        "Unreadable dates": list(r.unreadable_dates), "Suggested level": a.level, "Suggested label": a.label,
        "Stated level": a.stated_level, "Stated label": a.stated_label, "Stated differs": a.stated_differs,
        "Total": a.total, "Answered": a.answered, "Base level": a.base_level,
        "Reasons": [x.text for x in a.reasons], "Flags": list(a.flags), "Advice": list(a.advice),
        "Unanswered": list(a.unanswered), "Problems": list(a.problems),
        "Previous record": p.record_id if p else None, "Previous date completed": p.completed if p else None,
        "Previous level": p.level if p else None, "Previous label": p.label if p else None,
        "Trend": p.trend(a.level) if p else None,
    })
    return row


def _storable(v: Any) -> Any:
    return storable_text(v) if isinstance(v, str) else v


def tables(store: Store, form: str | None = None) -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
    """form id → (columns, rows). Every installed form appears (a form with no returns has no rows)."""
    if form:
        find_form(form)  # an unknown id is refused with the list of known ones
    records = store.current_assessments(form)
    by_form: dict[str, list[ExportRecord]] = {}
    for fid in ([form] if form else [s.id for s in current_forms()]):
        by_form[fid] = []
    for r in records:
        by_form.setdefault(r.submission.form_id, []).append(r)
    out = {}
    for fid in sorted(by_form):
        fields = field_columns(fid, by_form[fid])
        out[fid] = (LEADING + fields + TRAILING, [row_of(r, fields) for r in by_form[fid]])
    return out


def export(store: Store, fmt: Format, output: Path, form: str | None = None,
           password: str | None = None, force: bool = False) -> list[tuple[Path, int]]:
    """Write the export; returns (file written, rows in it) for each file.

    Every file is checked before any is written: one that exists is replaced only with `force`, and each
    failure to write is an OutputError naming the file.

    With `password`, an xlsx is an encrypted workbook and csv/json files go into one AES-256 zip
    (`output`, with `.zip` added unless it has it), since those formats cannot be encrypted themselves."""
    data = tables(store, form)
    total = sum(len(rows) for _, rows in data.values())
    archive = None
    if password is not None and fmt != "xlsx":  # board.json → board.json.zip; board.zip holds board.json
        archive = output if output.suffix.lower() == ".zip" else output.with_name(output.name + ".zip")
        output = archive.with_suffix("")
        output = output if output.suffix else output.with_name(f"{output.name}.{fmt}")
    if fmt == "json":
        doc = {fid: [{k: _json_cell(v) for k, v in row.items()} for row in rows] for fid, (_, rows) in data.items()}
        files = [(output, (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8"), total)]
    elif fmt == "xlsx":
        check_output(output, force)
        xlsx = _xlsx(data)
        write_output(output, encrypt_xlsx(xlsx, password) if password is not None else xlsx, force)
        return [(output, total)]
    elif fmt == "csv":
        files = [(output if form else output.with_name(f"{output.stem}-{fid}{output.suffix or '.csv'}"),
                  _csv(columns, rows), len(rows)) for fid, (columns, rows) in data.items()]
    else:
        raise CsePdfError(f"unknown export format {fmt!r}; use csv, xlsx or json")
    if archive is not None:
        check_output(archive, force)
        write_output(archive, encrypted_zip([(path.name, contents) for path, contents, _ in files], password), force)
        return [(archive, total)]
    for path, _, _ in files:
        check_output(path, force)
    for path, contents, _ in files:
        write_output(path, contents, force)
    return [(path, rows) for path, _, rows in files]


def _json_cell(v: Any) -> Any:
    return v.isoformat() if isinstance(v, date) else v


def _text_cell(v: Any, sep: str) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, list):
        return sep.join(str(x) for x in v)
    return str(v)


def _sep(column: str) -> str:
    return "\n" if column in ("Reasons", "Flags", "Advice", "Problems") else "; "


def _csv(columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    """Our own numbers stay numbers; every other value goes out as neutralised text (see csv_safe)."""
    def value(v: Any, column: str) -> Any:
        return v if isinstance(v, (int, float)) and not isinstance(v, bool) else _text_cell(v, _sep(column))

    return encode_rows([columns, *([value(row[c], c) for c in columns] for row in rows)])


XLSX_CELL_MAX = 32_767  # characters in one cell, Excel's limit


def _xlsx_text(text: str) -> str:
    """Text an XLSX cell can hold: storable characters, at most XLSX_CELL_MAX of them."""
    text = storable_text(text)
    return text if len(text) <= XLSX_CELL_MAX else text[:XLSX_CELL_MAX - 1] + "…"



def _xlsx(data: dict[str, tuple[list[str], list[dict[str, Any]]]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for fid, (columns, rows) in data.items():
        ws = wb.create_sheet(title=fid[:31])
        ws.append(columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "B2"
        for r, row in enumerate(rows, start=2):
            for c, column in enumerate(columns, start=1):
                v = row[column]
                cell = ws.cell(row=r, column=c)
                if isinstance(v, (bool, int)) or v is None:
                    cell.value = v
                elif isinstance(v, date):
                    cell.value = v
                    cell.number_format = "yyyy-mm-dd"
                else:
                    cell.value = _xlsx_text(_text_cell(v, _sep(column)))
                    cell.data_type = "s"  # never a formula, whatever the text starts with
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
