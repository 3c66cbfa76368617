"""Current assessments out of the database for the Board: CSV, XLSX or JSON.

One row per current assessment (the latest revision of each), one column per
field, then the assessment, the managers' review (issue 17: its state, the agreed level, the roles that
agreed it, when, and the days from ingest) and the previous assessment. Checkboxes are
booleans, dates ISO dates, and a choice whose export values are all whole numbers
(a score, a level) a number. CSV and JSON are for programs: field ids, export values
and review codes. XLSX is for people (`_xlsx`): labels as headings with a Codebook
sheet of ids, choices as labels (export values with `codes`), reasons in words and
a People sheet for repeat tables. A date that cannot be read is never guessed: its cell
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
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Literal

from cse_pdf.agreement import RecordReview, ReviewState, Role, reviews_for
from cse_pdf.assess.review_codes import REASONS
from cse_pdf.base.csv_safe import encode_rows
from cse_pdf.base.errors import CsePdfError, UnknownFormError
from cse_pdf.base.private_files import check_output, write_output
from cse_pdf.base.storable import storable_text
from cse_pdf.form.blocks import Field
from cse_pdf.form.catalog import current_forms, find_form
from cse_pdf.form.spec import FormSpec, repeat_tables
from cse_pdf.pdf.encryption import encrypt_xlsx, encrypted_zip
from cse_pdf.store import ExportRecord, Store

Format = Literal["csv", "xlsx", "json"]

LEADING = ["Record", "Form", "Form version", "Status", "Needs review because", "Revision", "Date completed",
           "Ingested at", "Flattened"]
REVIEW = ["Review state", "Agreed level", "Agreed label", "Agreed by", "Date agreed", "Days to agreement"]
TRAILING = ["Unreadable dates", "Suggested level", "Suggested label", "Stated level", "Stated label",
            "Stated differs", *REVIEW, "Total", "Answered", "Base level", "Reasons", "Flags", "Advice", "Unanswered",
            "Problems", "Previous record", "Previous date completed", "Previous level", "Previous label", "Trend"]


def field_columns(spec: FormSpec | None, records: list[ExportRecord]) -> list[str]:
    """The installed layout's field ids in reading order, then any an older version had."""
    columns = [f.id for f in spec.fields] if spec else []
    seen = set(columns)
    for r in records:
        for fid in r.values:
            if fid not in seen:
                seen.add(fid)
                columns.append(fid)
    return columns


def review_cells(review: RecordReview | None) -> dict[str, Any]:
    """The managers' review beside the suggested and stated levels, never in their place: its state, the
    agreed level, the roles that agreed it (not their names), the date (UTC) and days from ingest to it."""
    if review is None:  # a record ingested after the reviews were read: nothing agreed yet
        return dict.fromkeys(REVIEW)
    days = review.days_to_agreement
    return {"Review state": review.state.value, "Agreed level": review.agreed_level,
            "Agreed label": review.agreed_label,
            "Agreed by": [role.value for role in review.agreed_by] if review.agreed_at else [],
            "Date agreed": review.agreed_at.astimezone(timezone.utc).date() if review.agreed_at else None,
            "Days to agreement": None if days is None else round(days, 1)}


def row_of(r: ExportRecord, fields: list[str], layout: dict[str, Field],
           review: RecordReview | None = None) -> dict[str, Any]:
    """One assessment as typed cells (lists stay lists; each format decides how to show them)."""
    s, a, p = r.submission, r.assessment, r.previous
    row: dict[str, Any] = {
        "Record": s.id, "Form": s.form_id, "Form version": s.form_version,
        "Status": s.status.replace("_", " "), "Needs review because": list(s.review_reasons),
        "Revision": s.revision, "Date completed": s.date_completed,
        "Ingested at": _utc(s.ingested_at),
        "Flattened": s.flattened,
    }
    row.update({fid: _typed(layout.get(fid), _storable(r.values.get(fid))) for fid in fields})
    row.update({
        "Unreadable dates": list(r.unreadable_dates), "Suggested level": a.level, "Suggested label": a.label,
        "Stated level": a.stated_level, "Stated label": a.stated_label, "Stated differs": a.stated_differs,
        **review_cells(review), "Total": a.total, "Answered": a.answered, "Base level": a.base_level,
        "Reasons": [x.text for x in a.reasons], "Flags": list(a.flags), "Advice": list(a.advice),
        "Unanswered": list(a.unanswered), "Problems": list(a.problems),
        "Previous record": p.record_id if p else None, "Previous date completed": p.completed if p else None,
        "Previous level": p.level if p else None, "Previous label": p.label if p else None,
        "Trend": p.trend(a.level) if p else None,
    })
    return row


def _installed(form_id: str) -> FormSpec | None:
    """The installed layout of a form that records name; None for a form no longer installed (its records
    still export, headed by field id)."""
    try:
        return find_form(form_id)
    except UnknownFormError:
        return None


def scored_options(f: Field | None) -> bool:
    """A choice whose every export value is a whole number: a score or a level, so a spreadsheet can sum it."""
    return f is not None and bool(f.options) and all(o.value.isdigit() for o in f.options)


def _typed(f: Field | None, v: Any) -> Any:
    return int(v) if scored_options(f) and isinstance(v, str) and v.isdigit() else v


def _utc(at: datetime | None) -> datetime | None:
    """When, in UTC to the second: a real datetime for XLSX, an ISO text with its offset in CSV and JSON."""
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)


def _storable(v: Any) -> Any:
    return storable_text(v) if isinstance(v, str) else v


def tables(store: Store, form: str | None = None) -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
    """form id → (columns, rows). Every installed form appears (a form with no returns has no rows)."""
    if form:
        find_form(form)  # an unknown id is refused with the list of known ones
    records = store.current_assessments(form)
    reviews = reviews_for(store, [r.submission.id for r in records])
    by_form: dict[str, list[ExportRecord]] = {}
    for fid in ([form] if form else [s.id for s in current_forms()]):
        by_form[fid] = []
    for r in records:
        by_form.setdefault(r.submission.form_id, []).append(r)
    out = {}
    for fid in sorted(by_form):
        spec = _installed(fid)
        fields = field_columns(spec, by_form[fid])
        layout = spec.field_map if spec else {}
        out[fid] = (LEADING + fields + TRAILING, [row_of(r, fields, layout, reviews.get(r.submission.id))
                                            for r in by_form[fid]])
    return out


def export(store: Store, fmt: Format, output: Path, form: str | None = None,
           password: str | None = None, force: bool = False, codes: bool = False) -> list[tuple[Path, int]]:
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
        xlsx = _xlsx(data, codes)
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
    if isinstance(v, datetime):
        return v.isoformat(timespec="seconds")
    return v.isoformat() if isinstance(v, date) else v


def _text_cell(v: Any, sep: str) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, date):
        return _json_cell(v)
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



class _Sheet:
    """One XLSX sheet as people read it: headings in words, typed cells, and what each column is in the codebook."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.headings: list[str] = []
        self.book: list[tuple[str, str, str, str]] = []  # per column: field id, heading, type, options
        self.rows: list[list[Any]] = []

    def column(self, heading: str, field_id: str = "", kind: str = "", options: str = "") -> None:
        self.headings.append(heading)
        self.book.append((field_id, heading, kind, options))


def _describe(f: Field | None) -> tuple[str, str]:
    """A field's type and its options, one "value = label" a line, for the codebook."""
    if f is None:
        return "(not in the installed layout)", ""
    return f.type, "\n".join(f"{o.value} = {o.label}" for o in f.options)


def _headings(ids: list[str], layout: dict[str, Field]) -> dict[str, str]:
    """Each field's label as its heading; a label two fields share, or one of cse-pdf's own column names, gets
    its section's id, so no heading repeats."""
    labels = {fid: (layout[fid].label.rstrip(" :") if fid in layout else fid) for fid in ids}
    counts = {name: 1 for name in (*LEADING, *TRAILING, "Ingested at (UTC)")}  # cse-pdf's own columns' names
    for label in labels.values():
        counts[label] = counts.get(label, 0) + 1
    return {fid: (f"{label} ({fid.rsplit('.', 1)[0]})" if counts[label] > 1 else label)
            for fid, label in labels.items()}


def _shown(f: Field | None, v: Any, codes: bool) -> Any:
    """A field's value as a reader wants it: a choice's label (its export value with `codes`), a score a number."""
    if f is None or not f.options or not isinstance(v, str) or codes or scored_options(f):
        return v
    return f.option_label(v) or v


def _sheets(data: dict[str, tuple[list[str], list[dict[str, Any]]]], codes: bool) -> list[_Sheet]:
    """A sheet per form (name column second, repeat tables taken out), then a sheet per repeat table."""
    sheets: list[_Sheet] = []
    repeat_sheets: list[_Sheet] = []
    for form_id, (columns, rows) in data.items():
        spec = _installed(form_id)
        layout = spec.field_map if spec else {}
        repeats = repeat_tables(spec) if spec else []
        repeated = {f.id for b in repeats for f in b.fields}
        name_id = spec.summary.name if spec and spec.summary and spec.summary.name in columns else None
        fields = [c for c in columns if c not in LEADING and c not in TRAILING and c not in repeated]
        order = ["Record"] + ([name_id] if name_id else []) + [c for c in columns if c not in repeated
                                                              and c not in ("Record", name_id)]
        heading = _headings(fields, layout)
        sheet = _Sheet(form_id[:31])
        for c in order:
            if c in heading:
                sheet.column(heading[c], c, *_describe(layout.get(c)))
            elif c == "Ingested at":
                sheet.column("Ingested at (UTC)", kind="recorded by cse-pdf")
            else:
                sheet.column(c, kind="recorded by cse-pdf" if c in LEADING else "calculated by cse-pdf")
        labels = {fid: (layout[fid].label if fid in layout else fid) for fid in columns}
        for row in rows:
            cells = []
            for c in order:
                v = row[c]
                if c == "Needs review because":
                    v = [REASONS.get(code, code) for code in v]
                elif c == "Agreed by":
                    v = [Role(role).label for role in v]
                elif c == "Review state" and v is not None:
                    v = ReviewState(v).label
                elif c in ("Unanswered", "Unreadable dates"):
                    v = [labels.get(fid, fid) for fid in v]
                elif c in heading:
                    v = _shown(layout.get(c), v, codes)
                cells.append(v)
            sheet.rows.append(cells)
        sheets.append(sheet)
        for block in repeats:
            title = block.repeat.replace("_", " ").capitalize()  # "people" → People
            if any(s.title == title[:31] for s in repeat_sheets):
                title = f"{title} {form_id}"
            people = _Sheet(title[:31])
            people.column("Record", kind="recorded by cse-pdf")
            people.column("Form", kind="recorded by cse-pdf")
            people.column("Row", kind="the row on the form")
            for col in block.columns:
                people.column(col.label, f"{block.repeat}.N.{col.id}",
                              *_describe(layout.get(f"{block.repeat}.1.{col.id}")))
            for row in rows:
                for n in range(1, block.rows + 1):
                    cells = [f"{block.repeat}.{n}.{col.id}" for col in block.columns]
                    values = [_shown(layout.get(c), row.get(c), codes) for c in cells]
                    if any(v not in (None, "", False) for v in values):
                        people.rows.append([row["Record"], form_id, n, *values])
            repeat_sheets.append(people)
    return sheets + repeat_sheets


WIDEST = 60  # characters: a longer text wraps in its cell


def _width(v: Any) -> int:
    if isinstance(v, datetime):
        return 19
    if isinstance(v, date):
        return 10
    return max((len(line) for line in str(v).split("\n")), default=0) if v is not None else 0


YES_NO = '"Yes";"Yes";"No"'
LINE_HEIGHT = 15  # points: one line of the default 11-point font
TALLEST = 4  # lines: a longer text is cut from view (the cell keeps all of it; the row can be opened up)


def _lines(text: str, width: float) -> int:
    """The lines `text` takes when wrapped in a column `width` characters wide."""
    per_line = max(int(width) - 4, 1)  # words wrap whole: leave room for the one that did not fit
    return sum(max(1, -(-len(line) // per_line)) for line in text.split("\n"))


def _fit_rows(ws: Any, widths: list[int]) -> None:
    """Row heights for wrapped text: a spreadsheet program does not grow a row it opens, so its lines would
    overlap the next row."""
    for row in ws.iter_rows():
        lines = max((_lines(cell.value, widths[cell.column - 1]) for cell in row
                     if isinstance(cell.value, str) and cell.alignment.wrap_text), default=1)
        if lines > 1:
            ws.row_dimensions[row[0].row].height = LINE_HEIGHT * min(lines, TALLEST)


def _xlsx(data: dict[str, tuple[list[str], list[dict[str, Any]]]], codes: bool = False) -> bytes:
    """A sheet per form, a sheet per repeat table, and a codebook: readable headings, labels, real numbers and
    dates; every column at a sensible width with long text wrapped, an autofilter, the header and the name
    column frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    book = wb.create_sheet(title="Codebook")
    book.append(["Sheet", "Column", "Heading", "Field id", "Type", "Options (export value = label)"])
    wrap, top = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")
    for sheet in _sheets(data, codes):
        ws = wb.create_sheet(title=sheet.title, index=len(wb.sheetnames) - 1)
        ws.append(sheet.headings)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = wrap
        widths = [min(max(12, len(h) // 2 + 2, max(map(len, h.split())) + 3), WIDEST)  # a heading may wrap
                  for h in sheet.headings]
        for r, cells in enumerate(sheet.rows, start=2):
            for c, v in enumerate(cells, start=1):
                cell = ws.cell(row=r, column=c)
                cell.alignment = top
                if isinstance(v, list):
                    v = "\n".join(str(x) for x in v)
                if isinstance(v, datetime):
                    cell.value = v.astimezone(timezone.utc).replace(tzinfo=None)
                    cell.number_format = "yyyy-mm-dd hh:mm:ss"
                elif isinstance(v, date):
                    cell.value = v
                    cell.number_format = "yyyy-mm-dd"
                elif isinstance(v, bool):
                    cell.value = v
                    cell.number_format = YES_NO  # Excel shows TRUE/FALSE whatever; LibreOffice would show 1/0
                elif isinstance(v, (int, float)) or v is None:
                    cell.value = v
                else:
                    v = cell.value = _xlsx_text(_text_cell(v, "; "))
                    cell.data_type = "s"  # never a formula, whatever the text starts with
                    if "\n" in v or len(v) > WIDEST:
                        cell.alignment = wrap
                widths[c - 1] = min(max(widths[c - 1], _width(v) + 2), WIDEST)
        for c, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(c)].width = width
        _fit_rows(ws, widths)
        ws.freeze_panes = "C2" if len(sheet.headings) > 2 and sheet.headings[1] != "Form" else "B2"
        ws.auto_filter.ref = ws.dimensions
        for c, (field_id, heading, kind, options) in enumerate(sheet.book, start=1):
            book.append([sheet.title, get_column_letter(c), heading, field_id, kind, options])
    for row in book.iter_rows(min_row=2):
        for cell in row:
            cell.data_type = "s" if cell.value is not None else cell.data_type
            cell.alignment = wrap
    for cell in book[1]:
        cell.font = Font(bold=True)
    book_widths = [24, 8, 40, 32, 22, 60]
    for letter, width in zip("ABCDEF", book_widths):
        book.column_dimensions[letter].width = width
    _fit_rows(book, book_widths)
    book.freeze_panes = "A2"
    book.auto_filter.ref = book.dimensions
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
