"""The summary page put in front of a stamped form: what the tool suggests, and why.

Printed in DejaVu Sans (embedded) because it shows names as typed, in any script.

Whatever was typed, the page can be drawn: a value is shown as storable text
(storable.py), and one too long for its place (a 4,000-character name, a hundred
line breaks) is cut with "…" and a note "shortened; see the form", on this page
only: the record and the form keep every character.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Sequence

import pikepdf
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle

from cse_pdf.assess.history import PreviousAssessment
from cse_pdf.assess.score import Assessment, Reason
from cse_pdf.base.storable import storable_text
from cse_pdf.blank.layout import markup
from cse_pdf.form.derived import unanswered_ids
from cse_pdf.form.rules import CountRule
from cse_pdf.form.spec import FormSpec
from cse_pdf.pdf.fonts import UNICODE_BOLD, UNICODE_FONT, register_unicode_font
from cse_pdf.pdf.tagging import StructureRecorder, TaggedTable, apply_structure, artifact_page
from cse_pdf.returned.read import Response

LEVEL_COLOURS = ["#2e7d32", "#b7950b", "#d35400", "#b3261e"]  # 0 green … 3 red
INK = colors.HexColor("#1b2a41")
MUTED = colors.HexColor("#5a6b82")
RULE = colors.HexColor("#b8c2d1")
WARN = colors.HexColor("#b3261e")


def _styles() -> dict[str, ParagraphStyle]:
    register_unicode_font()
    base = dict(fontName=UNICODE_FONT, textColor=INK)
    return {
        "kicker": ParagraphStyle("kicker", fontSize=8.5, leading=11, textColor=MUTED, fontName=UNICODE_FONT),
        "title": ParagraphStyle("title", fontSize=13, leading=16, fontName=UNICODE_BOLD, textColor=INK),
        # keepWithNext: a heading never sits at the foot of a page away from its text
        "h": ParagraphStyle("h", fontSize=10, leading=12, fontName=UNICODE_BOLD, textColor=INK, spaceBefore=5,
                            spaceAfter=2, keepWithNext=1),
        "body": ParagraphStyle("body", fontSize=8, leading=10.2, **base),
        "bold": ParagraphStyle("bold", fontSize=8.5, leading=11, fontName=UNICODE_BOLD, textColor=INK),
        "cell": ParagraphStyle("cell", fontSize=7.5, leading=9, **base),
        "cell_b": ParagraphStyle("cell_b", fontSize=7.5, leading=9, fontName=UNICODE_BOLD, textColor=INK),
        "big": ParagraphStyle("big", fontSize=22, leading=26, fontName=UNICODE_BOLD, textColor=colors.white),
        "big_kicker": ParagraphStyle("big_kicker", fontSize=9, leading=12, fontName=UNICODE_FONT,
                                     textColor=colors.white),
        "flag": ParagraphStyle("flag", fontSize=8.5, leading=10.5, fontName=UNICODE_BOLD, textColor=WARN),
    }


FACT_CHARS, FACT_LINES = 300, 4  # a value in the facts table: one table row can never outgrow a page
NOTE_CHARS, NOTE_LINES = 1500, 20  # a checklist note (a paragraph: it may run over a page, but stays a summary)
SHORTENED = "shortened; see the form"


def shorten(text: str, chars: int, lines: int) -> tuple[str, bool]:
    """`text` as storable characters, cut to at most `chars` characters and `lines` lines (with "…");
    True when it was cut."""
    text = storable_text(text)
    kept = text.split("\n")
    cut = len(kept) > lines or len(text) > chars
    if len(kept) > lines:
        text = "\n".join(kept[:lines])
    if len(text) > chars:
        text = text[:chars]
    return (text.rstrip() + "…", True) if cut else (text, False)


def _text(value: object) -> str:
    if value in (None, ""):
        return "<i>not given</i>"
    text, cut = shorten(str(value), FACT_CHARS, FACT_LINES)
    return f"{markup(text)} <i>({SHORTENED})</i>" if cut else markup(text)


def _box(paragraphs: list, edge: str, fill: str, width: float, rec: StructureRecorder) -> TaggedTable:
    """A framed, shaded box of paragraphs: the frame and shading are decoration (artifacts), each
    paragraph is read as one."""
    box = TaggedTable([[rec.tag(p, "P")] for p in paragraphs], colWidths=[width])
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1.2, colors.HexColor(edge)),
                             ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(fill)),
                             ("LEFTPADDING", (0, 0), (-1, -1), 6), ("TOPPADDING", (0, 0), (-1, -1), 3),
                             ("BOTTOMPADDING", (0, -1), (-1, -1), 6)]))
    return box


SCORES_TABLE_REF = "see the Scores table"
SETS_LEVEL = "◀ sets the suggestion"
STARTING_POINT = "◀ the level raised from"


def areas_named_once(reason: Reason, spec: FormSpec, assessment: Assessment) -> str:
    """The reason's words, with a list of scored areas (a count rule's `{fields}`) replaced by a pointer to the
    Scores table: the areas are named once there, not again in each rule. Other reasons are left as they are."""
    scoring = spec.scoring
    if reason.rule != "count" or scoring is None or not scoring.domains:
        return reason.text
    for rule in scoring.rules:
        if isinstance(rule, CountRule) and rule.of == scoring.domains and rule.score_at_least is not None:
            hits = ", ".join(d.label for d in assessment.domains if (d.score or 0) >= rule.score_at_least)
            if hits and reason.text.endswith(hits):
                return reason.text[:-len(hits)] + SCORES_TABLE_REF
    return reason.text


def reason_line(reason: Reason, spec: FormSpec, assessment: Assessment) -> str:
    """One reason as a bullet: a rule's level is a floor ("at least …"), a raise says where it raised to, and
    the rule(s) that decided the suggested level are marked."""
    text = markup(areas_named_once(reason, spec, assessment))
    label = markup(spec.level(reason.level).label)
    raised = assessment.level > assessment.base_level
    if reason.level > assessment.base_level:  # a `raise` rule: its words say the step; the arrow says the result
        line = f"• {text} → raised from <b>{markup(spec.level(assessment.base_level).label)}</b> to <b>{label}</b>"
        return line + (f" <b>{SETS_LEVEL}</b>" if reason.level == assessment.level else "")
    line = f"• {text} → at least <b>{label}</b>"
    if reason.level == assessment.base_level:
        line += f" <b>{STARTING_POINT}</b>" if raised else f" <b>{SETS_LEVEL}</b>"
    return line


def unanswered_count(spec: FormSpec, assessment: Assessment, st: dict[str, ParagraphStyle],
                     rec: StructureRecorder | None = None) -> list:
    """The heading and a line saying what the count counts: the questions the rules read, which is what the
    form's own "Scored questions unanswered: n of m" box counts, and which of them are not scored areas."""
    read = unanswered_ids(spec)
    areas = {d.id for d in assessment.domains}
    others = [spec.field_map[f].label for f in read if f not in areas]
    heading = Paragraph(f"Unanswered questions: {len(assessment.unanswered)} of {len(read)}", st["h"])
    if areas:
        more = f" and {len(others)} more ({'; '.join(others)})" if others else ""
        what = (f"Out of the {len(read)} questions the scoring rules read: the {len(areas)} scored areas{more}. The "
                f"form’s “Scored questions unanswered” box counts the same {len(read)}; the Scores table’s “… of the "
                f"{len(areas)} scored areas answered” counts the areas only.")
    else:
        what = (f"Out of the {len(read)} questions (choices and dates) the scoring rules read. The form’s “Scored "
                f"questions unanswered” box counts the same {len(read)}.")
    body = Paragraph(markup(what), st["body"])
    return [rec.tag(heading, "H2"), rec.tag(body, "P")] if rec is not None else [heading, body]


TREND_WORDS = {"rose": "risk has RISEN since then", "fell": "risk has fallen since then",
               "same": "risk is at the same level"}


def render_summary(response: Response, assessment: Assessment, produced: date | None = None,
                   previous: PreviousAssessment | None = None, cautions: Sequence[str] = ()) -> bytes:
    """One or more A4 pages (PDF bytes) summarising the assessment of a returned form, tagged (PDF/UA-1):
    the title an H1, each section's heading an H2, the facts and the scores tables with their header cells,
    every other text a paragraph; box frames, shading and the running header and footer are artifacts.

    With `previous` (the young person's last assessment on this form) the page says when that
    was, its level, and whether risk rose, fell or stayed the same. `cautions` are fixed texts about
    the file itself (e.g. not a copy cse-pdf issued), shown first so no one relies on it unawares."""
    st = _styles()
    rec = StructureRecorder()
    spec, values = response.spec, response.values
    summ = spec.summary
    frame_w = A4[0] - 2 * 16 * mm - 12
    story: list = []

    def para(text: str, style: str, kind: str = "P") -> Paragraph:
        return rec.tag(Paragraph(text, st[style]), kind)

    story.append(para(markup(f"{spec.issuer} · cse-pdf assessment summary"), "kicker"))
    story.append(para(markup(spec.title), "title", "H1"))
    story.append(Spacer(0, 6))
    if cautions:
        story += [_box([Paragraph(f"⚠ {markup(c)}", st["flag"]) for c in cautions], "#b3261e", "#fdf1f0", frame_w,
                       rec), Spacer(0, 5)]
    for texts, edge, fill in ((assessment.flags, "#b3261e", "#fdf1f0"), (assessment.advice, "#b7950b", "#fdf8e6")):
        if texts:  # flags and advice come before everything else
            story += [_box([Paragraph(f"⚠ {markup(t)}" if edge == "#b3261e" else f"➜ {markup(t)}", st["bold"])
                            for t in texts], edge, fill, frame_w, rec), Spacer(0, 5)]

    if response.warnings:  # e.g. read from a flattened copy, or from an older layout version
        story += [_box([Paragraph(f"Note on reading this form: {markup(w)}", st["body"]) for w in response.warnings],
                       "#7f8fa6", "#f3f6fa", frame_w, rec), Spacer(0, 5)]

    facts = [("Young person", values.get(summ.name) if summ else None)]
    if summ and summ.dob:
        facts.append(("Date of birth", values.get(summ.dob)))
    if summ and summ.completed:
        facts.append(("Date form completed", values.get(summ.completed)))
    if previous is not None:
        facts.append(("Previous assessment", f"{previous.completed:%d/%m/%Y}: {previous.label} – "
                      f"{TREND_WORDS[previous.trend(assessment.level)]} (record {previous.record_id})"))
    facts.append(("Form", f"{spec.id} version {spec.version}"
                  + (f" · copy {response.identity.instance}" if response.identity.instance else "")))
    facts_table = rec.element("Table")  # each row headed by what it states
    fact_rows = []
    for k, v in facts:
        row = rec.element("TR", facts_table)
        fact_rows.append([rec.mark(Paragraph(k, st["cell"]), rec.element("TH", row, scope="Row")),
                          rec.mark(Paragraph(_text(v), st["bold"]), rec.element("TD", row))])
    t = TaggedTable(fact_rows, colWidths=[40 * mm, frame_w - 40 * mm])
    t.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story += [t, Spacer(0, 8)]

    top = max(lv.level for lv in spec.scoring.levels) if spec.scoring else 1
    colour = colors.HexColor(LEVEL_COLOURS[round(assessment.level * (len(LEVEL_COLOURS) - 1) / max(top, 1))])
    level_name = (summ.level_name if summ else "risk category").upper()
    banner = TaggedTable([[para(f"SUGGESTED {markup(level_name)} (calculated by cse-pdf)", "big_kicker")],
                          [para(markup(assessment.label), "big")]], colWidths=[frame_w])
    banner.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), colour), ("LEFTPADDING", (0, 0), (-1, -1), 10),
                                ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, -1), (-1, -1), 9)]))
    story += [banner, Spacer(0, 5)]

    stated = assessment.stated_label or "not entered"
    story.append(para(f"{markup((summ.level_name if summ else 'risk category').capitalize())} entered by the "
                      f"worker: <b>{markup(stated)}</b>", "body"))
    if assessment.differs:
        story.append(para(
            f"⚠ DIFFERS: the worker entered “{markup(assessment.stated_label or '')}” but the rules suggest "
            f"“{markup(assessment.label)}”. Discuss before progressing.", "flag"))
    if summ and summ.agreement:
        story.append(para(markup(summ.agreement), "body"))
    if summ and summ.action:  # the contacts are on every summary; urgent only where the guidance says so
        if summ.action_is_urgent(assessment.level):
            story += [Spacer(0, 5), _box([Paragraph(markup(summ.action), st["bold"])], "#b3261e", "#fdf1f0",
                                         frame_w, rec)]
        else:
            story += [Spacer(0, 5), _box([Paragraph("Contacts", st["bold"]),
                                          Paragraph(markup(summ.contacts or summ.action), st["body"])],
                                         "#7f8fa6", "#f3f6fa", frame_w, rec)]

    if assessment.domains:
        story.append(para("Scores", "h", "H2"))
        scores = rec.element("Table")

        def score_row(cells: list[Paragraph]) -> list[Paragraph]:
            """A row of the scores table: the area (or "Total") heads its row, the rest are its data."""
            row = rec.element("TR", scores)
            return [rec.mark(cells[0], rec.element("TH", row, scope="Row"))] + \
                [rec.mark(c, rec.element("TD", row)) for c in cells[1:]]

        head = rec.element("TR", scores)
        rows = [[rec.mark(Paragraph(text, st["cell_b"]), rec.element("TH", head, scope="Column"))
                 for text in ("Area", "Score", "Chosen descriptor")]]
        for d in assessment.domains:
            rows.append(score_row([Paragraph(markup(d.label), st["cell"]),
                                   Paragraph(str(d.score) if d.score is not None else "–", st["cell_b"]),
                                   Paragraph(markup(d.descriptor) if d.descriptor else
                                             "<font color='#b3261e'>not answered</font>", st["cell"])]))
        rows.append(score_row([Paragraph("Total", st["cell_b"]), Paragraph(str(assessment.total), st["cell_b"]),
                               Paragraph(f"{assessment.answered} of the {len(assessment.domains)} scored areas "
                                         "answered", st["cell"])]))
        t = TaggedTable(rows, colWidths=[0.3 * frame_w, 0.08 * frame_w, 0.62 * frame_w], repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde5f0")),
                               ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f3f6fa")),
                               ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
        story.append(t)

    for group in summ.ticked if summ else ():
        checklist = spec.checklists[group]
        ticked = [item for item in checklist.items if values.get(f"{group}.{item.id}") is True]
        story.append(para(f"{markup(checklist.label)}: {len(ticked)} ticked", "h", "H2"))
        for item in ticked:
            notes_id = checklist.notes_for(item)
            note = values.get(notes_id) if notes_id else None
            shown, cut = shorten(str(note), NOTE_CHARS, NOTE_LINES) if note else ("", False)
            story.append(para(f"• <b>{markup(item.label)}</b>" + (
                f" – {markup(shown)}" + (f" <i>({SHORTENED})</i>" if cut else "") if note else " – <i>no notes</i>"),
                "body"))

    called = markup(summ.level_name if summ else "risk category")
    story.append(para(f"Why this {called}", "h", "H2"))
    if assessment.reasons:
        story.append(para(
            f"Each rule that applies sets a lowest {called}; the suggestion is the highest of them"
            + (", raised where a rule says so" if assessment.level > assessment.base_level else "")
            + f". <b>{SETS_LEVEL}</b> marks the rule(s) that decided it.", "body"))
    else:  # a heading over nothing would read as a missing section
        story.append(para(f"No rule applies, so the suggestion is the lowest {called}, "
                          f"<b>{markup(assessment.label)}</b>.", "body"))
    for r in assessment.reasons:
        story.append(para(reason_line(r, spec, assessment), "body"))
    for p in assessment.problems:
        story.append(para(f"⚠ {markup(p)}", "flag"))

    if assessment.unanswered:
        story += unanswered_count(spec, assessment, st, rec)
        labels = [spec.field_map[f].label for f in assessment.unanswered]
        story.append(para(markup("; ".join(labels)), "body"))
        if summ:
            story.append(Spacer(0, 2))
            story.append(para(markup(summ.unanswered_warning), "flag"))

    story.append(para(f"Response guidance – {markup(assessment.label)}", "h", "H2"))
    story.append(para(markup(spec.level(assessment.level).guidance), "body"))

    produced = produced or date.today()

    @artifact_page
    def furniture(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(UNICODE_FONT, 7)
        canvas.setFillColor(MUTED)
        canvas.drawString(16 * mm, 16 * mm - 12,
                          f"Summary produced {produced:%d/%m/%Y} by cse-pdf from the returned form that follows.")
        canvas.drawRightString(A4[0] - 16 * mm, 16 * mm - 12, f"Summary page {doc.page}")
        if spec.marking:
            canvas.setFont(UNICODE_BOLD, 8)
            canvas.setFillColor(WARN)
            canvas.drawRightString(A4[0] - 16 * mm, A4[1] - 16 * mm + 2, spec.marking.replace(" when completed", ""))
        canvas.restoreState()

    title = f"Assessment summary – {spec.title}"
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=title, creator="cse-pdf", invariant=True)
    doc.build(story, onFirstPage=furniture, onLaterPages=furniture)
    with pikepdf.open(io.BytesIO(buf.getvalue())) as pdf:
        apply_structure(pdf, rec, title=title)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    return out.getvalue()
