"""The report as an A4 PDF for print: a cover page, then each form's charts with their tables beside them.

Tagged (PDF/UA-1) so that a Board member with a screen reader hears what the page shows: the report's title
an H1, each form an H2 and "At a glance" an H3; bulleted lines a list; each chart a Figure whose alternative
text is its data in words; each table's header cells TH with their /Scope; every other text a paragraph; the
running header and footer, rules and shading artifacts.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

import pikepdf
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from cse_pdf.form.dates import long_date
from cse_pdf.pdf.fonts import UNICODE_BOLD, UNICODE_FONT, register_unicode_font
from cse_pdf.pdf.tagging import Element, StructureRecorder, TaggedTable, apply_structure, artifact_page
from cse_pdf.report.charts import chart, chart_size
from cse_pdf.report.model import SUBTITLE, TITLE, Report
from cse_pdf.report.suppression import SMALL_MAX
from cse_pdf.report.tables import CountTable, FormSection

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
ACCENT = colors.HexColor("#1f3a5f")
RULE = colors.HexColor("#bfbfbf")
WARN = colors.HexColor("#9b1c1c")
MARGIN = 16 * mm
WIDTH = A4[0] - 2 * MARGIN
CHART_W = 104 * mm
TABLE_W = WIDTH - CHART_W - 4 * mm
MAX_CHART_H = 225 * mm  # a long checklist's chart and its note still fit one page


def _styles() -> dict[str, ParagraphStyle]:
    register_unicode_font()
    base = dict(fontName=UNICODE_FONT, textColor=INK)
    return {
        "title": ParagraphStyle("title", fontName=UNICODE_BOLD, fontSize=20, leading=25, textColor=ACCENT),
        "subtitle": ParagraphStyle("subtitle", **base, fontSize=12, leading=16, spaceBefore=4),
        "period": ParagraphStyle("period", fontName=UNICODE_BOLD, fontSize=11, leading=15, spaceBefore=14),
        "h1": ParagraphStyle("h1", fontName=UNICODE_BOLD, fontSize=15, leading=19, textColor=ACCENT, spaceAfter=6),
        "h2": ParagraphStyle("h2", fontName=UNICODE_BOLD, fontSize=11, leading=14, spaceBefore=10, spaceAfter=4),
        "body": ParagraphStyle("body", **base, fontSize=9, leading=12.5, spaceAfter=4),
        "bullet": ParagraphStyle("bullet", **base, fontSize=9.5, leading=13, leftIndent=10, bulletIndent=0,
                                 bulletFontName=UNICODE_FONT),  # not reportlab's Helvetica, unembedded
        "note": ParagraphStyle("note", fontName=UNICODE_FONT, fontSize=7.5, leading=9.5, textColor=MUTED),
        "cell": ParagraphStyle("cell", **base, fontSize=7.5, leading=9),
        "cell_head": ParagraphStyle("cell_head", fontName=UNICODE_BOLD, fontSize=7.5, leading=9),
        "num": ParagraphStyle("num", **base, fontSize=7.5, leading=9, alignment=TA_RIGHT),
        "num_head": ParagraphStyle("num_head", fontName=UNICODE_BOLD, fontSize=7.5, leading=9, alignment=TA_RIGHT),
        "warn": ParagraphStyle("warn", fontName=UNICODE_BOLD, fontSize=10, leading=13, textColor=WARN),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _tp(rec: StructureRecorder, text: str, style: ParagraphStyle, kind: str = "P",
        parent: Element | None = None) -> Paragraph:
    """A paragraph read as `kind` (P, or a heading)."""
    return rec.tag(_p(text, style), kind, parent)


def _bullets(rec: StructureRecorder, texts: list[str], style: ParagraphStyle) -> list[Paragraph]:
    """Bulleted lines read as a list (L, each item an LI whose LBody holds the line: the bullet is drawn with
    it, so there is no separate label to tag)."""
    items = rec.element("L")
    return [rec.tag(Paragraph(escape(text), style, bulletText="•"), "LBody", rec.element("LI", items))
            for text in texts]


def chart_words(t: CountTable) -> str:
    """A chart's data in words, its alternative text: what each bar or marker shows, with the same withheld
    markers as the table ("<5", "*") said as what they mean."""
    said = {"<5": f"fewer than 5 (1 to {SMALL_MAX}, not shown exactly)", "*": "withheld"}
    kind = "Chart by month" if t.chart == "months" else "Bar chart"
    rows = "; ".join(f"{r.label}: {said.get(r.shown, r.shown)}" + (f" ({r.percent})" if r.percent else "")
                     for r in t.rows)
    return f"{kind} of {t.title}, {t.base} assessments counted. {rows}."


def _header_row(rec: StructureRecorder, table: Element, cells: list[Paragraph]) -> list[Paragraph]:
    row = rec.element("TR", table)
    return [rec.mark(c, rec.element("TH", row, scope="Column")) for c in cells]


def _body_row(rec: StructureRecorder, table: Element, cells: list[Paragraph]) -> list[Paragraph]:
    """A row headed by its first cell (the category), the rest its data."""
    row = rec.element("TR", table)
    return [rec.mark(cells[0], rec.element("TH", row, scope="Row"))] + \
        [rec.mark(c, rec.element("TD", row)) for c in cells[1:]]


def _data_table(t: CountTable, st: dict[str, ParagraphStyle], width: float, rec: StructureRecorder) -> TaggedTable:
    element = rec.element("Table")
    head = _header_row(rec, element, [_p(t.title, st["cell_head"]), _p("Count", st["num_head"]),
                                      _p("%", st["num_head"])])
    body = [_body_row(rec, element, [_p(r.label, st["cell"]), _p(r.shown, st["num"]), _p(r.percent, st["num"])])
            for r in t.rows]
    if t.partition:
        body.append(_body_row(rec, element, [_p("Total", st["cell_head"]), _p(str(t.base), st["num_head"]),
                                             _p("100%", st["num_head"])]))
    else:
        body.append(_body_row(rec, element, [_p("Assessments counted", st["cell_head"]),
                                             _p(str(t.base), st["num_head"]), _p("", st["num"])]))
    table = TaggedTable([head, *body], colWidths=[width - 31 * mm, 19 * mm, 12 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK),
        ("LINEBELOW", (0, 1), (-1, -2), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table


def _side_by_side(t: CountTable) -> bool:
    """Short tables sit beside their chart; long ones (many rows, long labels) go below it, full width."""
    return len(t.rows) <= 12 and max((len(r.label) for r in t.rows), default=0) <= 45


def _image(t: CountTable, width: float) -> Image:
    png = chart(t, "png", width_in=width / 72)
    w, h = chart_size(png)
    height = width * h / w
    if height > MAX_CHART_H:  # a long checklist: keep it on one page, narrower
        width, height = width * MAX_CHART_H / height, MAX_CHART_H
    return Image(io.BytesIO(png), width=width, height=height)


def _figure(t: CountTable, st: dict[str, ParagraphStyle], rec: StructureRecorder) -> list:
    if t.withheld:
        return [KeepTogether([_tp(rec, t.title, st["h2"], "H3"), _tp(
            rec, "Not shown: there are too few assessments to show this breakdown without risk of identifying a "
            "young person.", st["body"])])]
    notes = [t.note] if t.note else []
    if any(r.shown == "<5" for r in t.rows):
        notes.append(f"<5: a number from 1 to {SMALL_MAX}, not shown exactly.")
    if any(r.shown == "*" for r in t.rows):
        notes.append("*: withheld so that a small number cannot be worked out from the total or the other rows.")
    figure = rec.tag(_image(t, CHART_W if _side_by_side(t) else WIDTH * 0.8), "Figure", alt=chart_words(t))
    if _side_by_side(t):  # a layout grid, not a table: its two cells are read as the figure, then the table
        data = _data_table(t, st, TABLE_W, rec)
        note = _tp(rec, " ".join(notes), st["note"])
        row = TaggedTable([[figure, data]], colWidths=[CHART_W + 4 * mm, TABLE_W])
        row.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                 ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
        return [KeepTogether([row, Spacer(1, 2), note]), Spacer(1, 9)]
    note = _tp(rec, " ".join(notes), st["note"])
    return [KeepTogether([figure, Spacer(1, 3), note]), Spacer(1, 4), _data_table(t, st, WIDTH * 0.8, rec),
            Spacer(1, 9)]


def _cover(report: Report, st: dict[str, ParagraphStyle], rec: StructureRecorder) -> list:
    story: list = [_tp(rec, TITLE, st["title"], "H1"), _tp(rec, SUBTITLE, st["subtitle"]),
                   _tp(rec, report.period, st["period"]),
                   _tp(rec, f"Produced {long_date(report.produced)} by cse-pdf from the "
                       "database of returned forms.", st["body"]), Spacer(1, 8)]
    if not report.suppression:
        story += [_tp(rec, "Small numbers are NOT suppressed in this copy. It is for internal use by people allowed "
                      "to see case records: do not circulate it.", st["warn"]), Spacer(1, 6)]
    story.append(_tp(rec, "What this report covers", st["h2"], "H2"))
    element = rec.element("Table")
    rows = [_header_row(rec, element, [_p("Form", st["cell_head"]), _p("Current assessments", st["num_head"])])]
    rows += [_body_row(rec, element, [_p(s.title, st["cell"]), _p(s.count_shown, st["num"])])
             for s in report.sections]
    table = TaggedTable(rows, colWidths=[WIDTH - 40 * mm, 40 * mm])
    table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, 0), 0.8, INK), ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
                               ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
    story += [table, Spacer(1, 6), _tp(rec, "About these figures", st["h2"], "H2")]
    about = [
        "Each count is of current assessments: the latest revision of each returned form. A young person assessed "
        "more than once in the period is counted once for each assessment.",
        "The suggested level is calculated by the form's scoring rules. The agreed level is the one the worker "
        "recorded after discussion with their manager; it can differ from the suggestion.",
        "The report holds counts only. It contains no names, no dates of birth and nothing written on a form "
        "except the names of referring agencies.",
    ]
    if report.suppression:
        about.append(f"To protect the young people counted, any number from 1 to {SMALL_MAX} is shown as <5. "
                     "Where a small number could otherwise be worked out from the total, the \u201cnone ticked\u201d "
                     "row or the other rows, another number is also withheld and shown as *. Please share reports "
                     "for fixed periods, such as quarters: "
                     "two reports over overlapping periods could be subtracted from each other.")
    story += _bullets(rec, about, st["bullet"])
    return story


def _section(s: FormSection, st: dict[str, ParagraphStyle], rec: StructureRecorder) -> list:
    story: list = [PageBreak(), _tp(rec, s.title, st["h1"], "H2")]
    if s.count == 0:
        return story + [_tp(rec, "No assessments on this form in this period.", st["body"])]
    if s.too_few:
        return story + [_tp(rec, "Fewer than 5 assessments on this form in this period: not broken down, so that "
                            "no young person can be identified.", st["body"])]
    box = TaggedTable([[[_tp(rec, "At a glance", st["h2"], "H3")] + _bullets(rec, s.glance, st["bullet"])]],
                      colWidths=[WIDTH])
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, ACCENT),
                             ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f2f5f9")),
                             ("LEFTPADDING", (0, 0), (-1, -1), 8), ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))
    story += [box, Spacer(1, 10)]
    for t in s.tables:
        story += _figure(t, st, rec)
    return story


def render_pdf(report: Report) -> bytes:
    st = _styles()
    rec = StructureRecorder()
    buf = io.BytesIO()

    @artifact_page
    def furniture(canvas, doc) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont(UNICODE_BOLD, 7.5)
        canvas.setFillColor(WARN if not report.suppression else MUTED)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 9 * mm, report.marking)
        canvas.setFont(UNICODE_FONT, 7)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, 9 * mm, f"{TITLE}. {report.period}.")
        canvas.drawRightString(A4[0] - MARGIN, 9 * mm, f"Page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=TITLE, author="cse-pdf", subject=report.period,
                            creator="cse-pdf")
    story = _cover(report, st, rec)
    for s in report.sections:
        story += _section(s, st, rec)
    doc.build(story, onFirstPage=furniture, onLaterPages=furniture)
    with pikepdf.open(io.BytesIO(buf.getvalue())) as pdf:
        apply_structure(pdf, rec, title=TITLE)
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()
