"""FormSpec → a platypus story, and where each widget landed.

Platypus flows the sections over A4 pages; small flowables draw a field's frame
in the page content and record its rectangle, so nothing is hand-placed and a
longer label just pushes the page down. The recorded placements become
AcroForm widgets afterwards (see `widgets.py`).

Every flowable is also bound to a structure element, made here in reading order
(pdf/tagging.py): headings, paragraphs, tables, lists and a Form element for each
widget; frames, rules and backgrounds are artifacts. Tagging only wraps what is
drawn: no box moves (tests/test_tagging_keeps_positions.py).
"""

from __future__ import annotations

import contextlib
import io
import math
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Literal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    ActionFlowable,
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

from cse_pdf.form import blocks
from cse_pdf.form.derived import live_fields
from cse_pdf.form.spec import FormSpec
from cse_pdf.pdf.page_fonts import register_page_fonts
from cse_pdf.pdf.tagging import Element, StructureRecorder, TaggedTable, artifact_page

WidgetKind = Literal["text", "multiline", "date", "checkbox", "radio", "dropdown", "calculated"]

INK = colors.HexColor("#1b2a41")
ACCENT = colors.HexColor("#1f4e79")
FIELD_FILL = colors.HexColor("#eef3fb")
FIELD_EDGE = colors.HexColor("#7f8fa6")
CALCULATED_FILL = colors.HexColor("#f2f2f2")  # read-only: the form fills these, not the worker
RULE = colors.HexColor("#b8c2d1")

FONT, BOLD = register_page_fonts()  # Liberation Sans, embedded, with Helvetica's widths: nothing moves
TEXT_HEIGHT = 16.0
LINE_HEIGHT = 11.5
BOX = 10.5  # checkbox / radio button size
ARROW_ROOM = 13.0  # right end of a dropdown's box, where its arrow is drawn
MARGIN = 16 * mm
FRAME_WIDTH = A4[0] - 2 * MARGIN - 12  # platypus frames pad 6pt each side

STYLES = {
    "issuer": ParagraphStyle("issuer", fontName=FONT, fontSize=10, leading=12, textColor=ACCENT),
    "title": ParagraphStyle("title", fontName=BOLD, fontSize=16, leading=19, textColor=INK, spaceAfter=4),
    "section": ParagraphStyle("section", fontName=BOLD, fontSize=11.5, leading=14, textColor=colors.white),
    "heading": ParagraphStyle("heading", fontName=BOLD, fontSize=10.5, leading=13, textColor=ACCENT,
                              spaceBefore=8, spaceAfter=3),
    "subheading": ParagraphStyle("subheading", fontName=BOLD, fontSize=9.5, leading=12, textColor=INK,
                                 spaceBefore=4, spaceAfter=2),
    "body": ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=10.5, textColor=INK, alignment=TA_LEFT),
    "label": ParagraphStyle("label", fontName=FONT, fontSize=8.5, leading=10, textColor=INK),
    "label_bold": ParagraphStyle("label_bold", fontName=BOLD, fontSize=8.5, leading=10.5, textColor=INK),
    "cell": ParagraphStyle("cell", fontName=FONT, fontSize=8, leading=9.5, textColor=INK),
    "cell_head": ParagraphStyle("cell_head", fontName=BOLD, fontSize=8, leading=9.5, textColor=INK),
    "hint": ParagraphStyle("hint", fontName=FONT, fontSize=7.5, leading=9, textColor=colors.HexColor("#5a6b82")),
}


@dataclass(frozen=True)
class Placement:
    """One widget: which field, which page (0-based), where (PDF points), and for radios which option."""

    field_id: str
    kind: WidgetKind
    page: int
    rect: tuple[float, float, float, float]
    export: str | None = None


def markup(text: str) -> str:
    """Plain layout text → paragraph markup: escaped, newlines kept."""
    return escape(text).replace("\n", "<br/>")


class FieldFrame(Flowable):
    """Draws a field's box in the page content and records the widget's rectangle."""

    def __init__(self, sink: list[Placement], field_id: str, kind: WidgetKind, height: float,
                 width: float | None = None, export: str | None = None) -> None:
        super().__init__()
        self.sink, self.field_id, self.kind, self.export = sink, field_id, kind, export
        self.fixed_width, self.height = width, height

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = self.fixed_width if self.fixed_width is not None else avail_width
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setStrokeColor(FIELD_EDGE)
        c.setFillColor(CALCULATED_FILL if self.kind == "calculated" else FIELD_FILL)
        c.setLineWidth(0.6)
        if self.kind == "radio":
            c.circle(self.width / 2, self.height / 2, self.height / 2, stroke=1, fill=1)
        else:
            c.rect(0, 0, self.width, self.height, stroke=1, fill=1)
        if self.kind == "dropdown":  # a small arrow so the box reads as a list even before a click
            c.setFillColor(FIELD_EDGE)
            x, y = self.width - 9, self.height / 2
            path = c.beginPath()
            path.moveTo(x, y + 2.5)
            path.lineTo(x + 6, y + 2.5)
            path.lineTo(x + 3, y - 2.5)
            path.close()
            c.drawPath(path, stroke=0, fill=1)
        c.restoreState()
        x0, y0 = c.absolutePosition(0, 0)
        # a dropdown's widget stops short of the arrow, so viewers clip the chosen text before it
        x1, y1 = c.absolutePosition(self.width - (ARROW_ROOM if self.kind == "dropdown" else 0), self.height)
        rect = (round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2))
        self.sink.append(Placement(self.field_id, self.kind, c.getPageNumber() - 1, rect, self.export))


class Gap(Spacer):
    """White space that ends with the page: never carried over to the top of the next one, where it would
    push content down or (before a new page) leave a page holding nothing at all."""

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return avail_width, max(0.0, min(self.height, avail_height))


class NewPage(ActionFlowable):
    """Start the next page unless nothing has been drawn on this one yet.

    A section that starts on a new page, or an explicit page break, can follow a page that content has
    just filled: a plain PageBreak would then leave a page with only its header and footer."""

    def __init__(self) -> None:
        super().__init__(("pageBreak",))

    def apply(self, doc) -> None:  # type: ignore[no-untyped-def]
        if getattr(doc, "page_has_content", True):
            doc.handle_pageBreak()


class FormDocTemplate(SimpleDocTemplate):
    """Knows whether the page being laid out shows anything yet (white space and page breaks do not count)."""

    page_has_content = False

    def beforePage(self) -> None:
        self.page_has_content = False

    def afterFlowable(self, flowable: Flowable) -> None:
        if not isinstance(flowable, (Spacer, ActionFlowable)):  # CondPageBreak is a Spacer too
            self.page_has_content = True


class StoryBuilder:
    """Turns each block kind into flowables; every widget goes into `placements`."""

    def __init__(self, spec: FormSpec, legacy: bool = False) -> None:
        self.spec = spec
        self.placements: list[Placement] = []
        self.structure = StructureRecorder()
        self.parent: Element = self.structure.root  # where the next elements go, in reading order
        self.heading_in_section = False  # a subheading under a heading is one level below it
        # `legacy`: the layout of cse-pdf before NewPage and Gap, which could leave a page blank; only
        # to find the boxes on a flattened copy of a form generated then (see returned/printed.py).
        self.legacy = legacy

    def gap(self, width: float, height: float) -> Spacer:
        return Spacer(width, height) if self.legacy else Gap(width, height)

    def new_page(self) -> Flowable:
        return PageBreak() if self.legacy else NewPage()

    # -- structure -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def within(self, element: Element) -> Iterator[Element]:
        """Elements made inside the block go under `element`."""
        outer, self.parent = self.parent, element
        try:
            yield element
        finally:
            self.parent = outer

    def text(self, text: str, style: str, kind: str = "P", parent: Element | None = None) -> Paragraph:
        """A paragraph of layout text, tagged as `kind` (P, H1…, TH, TD, LBody)."""
        return self.structure.tag(Paragraph(markup(text), STYLES[style]), kind, parent or self.parent)

    def cell(self, text: str, style: str, element: Element) -> Paragraph:
        """A table cell's paragraph, its content that of the cell element (TH or TD) itself."""
        return self.structure.mark(Paragraph(markup(text), STYLES[style]), element)

    # -- fields --------------------------------------------------------------------------------
    def frame(self, field: blocks.Field, width: float | None = None, export: str | None = None,
              kind: WidgetKind | None = None) -> FieldFrame:
        kind = kind or field.type
        height = {"multiline": field.lines * LINE_HEIGHT + 4, "checkbox": BOX, "radio": BOX}.get(kind, TEXT_HEIGHT)
        self.structure.form(self.parent, field.id, export)
        return self.structure.artifact(FieldFrame(self.placements, field.id, kind, height, width, export))

    def input_for(self, field: blocks.Field, width: float) -> Flowable:
        """The thing to the right of a label: a box, a date box with its hint, or a row of options."""
        if field.type == "radio":
            return self.option_grid(field, width)
        if field.type == "date":
            return _row([self.frame(field, 30 * mm), self.text("DD/MM/YYYY", "hint")], [30 * mm + 6, None], width)
        return self.frame(field, width * field.width if field.width < 1 else None)

    def option_grid(self, field: blocks.Field, width: float) -> Flowable:
        """Radio options in `columns` columns, filled top to bottom like the paper form."""
        options = self.structure.element("L", self.parent)
        cells = [self.option_cell(options, lambda o=o: self.frame(field, BOX, export=o.value, kind="radio"), o.label)
                 for o in field.options]
        return _grid(cells, field.columns, width)

    def option_cell(self, options: Element, box: Callable[[], FieldFrame], label: str) -> list:
        """A box and its label, read as a list item: the box (Lbl, its Form element) then the label (LBody)."""
        item = self.structure.element("LI", options)
        with self.within(self.structure.element("Lbl", item)):
            frame = box()
        return [frame, self.text(label, "label", "LBody", item)]

    def labelled(self, field: blocks.Field, label_width: float, width: float = FRAME_WIDTH) -> Flowable:
        if field.type == "multiline" and field.lines > 3:  # long answers: label above, full width box
            return KeepTogether([self.text(field.label, "label_bold"), self.gap(0, 2), self.frame(field),
                                 self.gap(0, 6)])
        label = self.text(field.label, "label")
        right = width - label_width
        return _row([label, self.input_for(field, right - 4)], [label_width, right], width)

    # -- blocks --------------------------------------------------------------------------------
    def block(self, block: blocks.Block, width: float = FRAME_WIDTH, nested: bool = False) -> list[Flowable]:
        """Flowables for one block; `nested` inside a side-by-side table, where nothing may keep together."""
        if isinstance(block, blocks.Heading):
            self.heading_in_section = True
            return [self.text(block.heading, "heading", "H3")]  # kept with what follows: see section()
        if isinstance(block, blocks.Subheading):
            return [self.text(block.subheading, "subheading", "H4" if self.heading_in_section else "H3")]
        if isinstance(block, blocks.Paragraph):
            return [self.text(block.paragraph, "body"), self.gap(0, 4)]
        if isinstance(block, blocks.Note):
            return [_boxed(self.text(block.note, "label_bold"), width), self.gap(0, 6)]
        if isinstance(block, blocks.FieldBlock):
            return [self.labelled(block.field, 0.32 * width, width), self.gap(0, 3)]
        if isinstance(block, blocks.FieldsBlock):
            out: list[Flowable] = []
            for f in block.fields:
                out += [self.labelled(f, block.label_width * width, width), self.gap(0, 3)]
            return out
        if isinstance(block, blocks.Checklist):
            if block.notes:  # one item a row: may run across pages, header repeated
                out = [self.noted_checklist(block, width), self.gap(0, 3)]
            else:  # a column-major grid split over two pages would read out of order: keep it whole
                grid = self.checklist_grid(block, width)
                out = [grid if nested else KeepTogether([grid]), self.gap(0, 3)]
            if block.other:
                out += [self.labelled(block.other, 0.32 * width, width), self.gap(0, 3)]
            return out
        if isinstance(block, blocks.Repeat):
            return [self.repeat(block, width), self.gap(0, 6)]
        if isinstance(block, blocks.Table):
            return [self.table(block, width), self.gap(0, 6)]
        if isinstance(block, blocks.Scale):
            return [self.scale(block.scale, width), self.gap(0, 6)]
        if isinstance(block, blocks.PageBreak):
            return [self.new_page()]
        if isinstance(block, blocks.SideBySide):
            n = len(block.side_by_side)
            gap = 10.0
            col_w = (width - gap * (n - 1)) / n
            cols = []
            for col in block.side_by_side:  # read column by column, as a person reads them
                with self.within(self.structure.element("Div", self.parent)):
                    cols.append([fl for b in col for fl in self.block(b, col_w, nested=True)])
            cells, widths = [], []
            for i, col in enumerate(cols):
                cells.append(col)
                widths.append(col_w)
                if i < n - 1:
                    cells.append("")
                    widths.append(gap)
            t = TaggedTable([cells], colWidths=widths)
            t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), *_NO_PADDING]))
            return [t, self.gap(0, 4)]
        if isinstance(block, blocks.Live):
            return [self.live(block, width), self.gap(0, 6)]
        raise TypeError(f"unknown block {type(block).__name__}")

    def live(self, block: blocks.Live, width: float) -> Flowable:
        """The calculated fields, boxed and labelled as calculated, read-only grey."""
        inner = width - 12
        rows: list[Flowable] = [self.text(block.live, "label_bold"), self.text(block.hint, "hint"), self.gap(0, 4)]
        for name in live_fields(self.spec):
            label = blocks.LIVE_FIELDS[name]
            if name == "category":
                level_name = self.spec.summary.level_name if self.spec.summary else "category"
                label = f"Suggested {level_name}"
            lines = getattr(block.lines, name, 0)
            height = lines * LINE_HEIGHT + 4 if lines else TEXT_HEIGHT
            label_text = self.text(f"{label} (calculated)", "label")
            self.structure.form(self.parent, f"{blocks.LIVE_PREFIX}.{name}")
            box = self.structure.artifact(
                FieldFrame(self.placements, f"{blocks.LIVE_PREFIX}.{name}", "calculated", height))
            rows += [_row([label_text, box],
                          [0.32 * inner, 0.68 * inner], inner), self.gap(0, 3)]
        t = TaggedTable([[rows]], colWidths=[width])
        t.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, FIELD_EDGE),
                               ("LEFTPADDING", (0, 0), (-1, -1), 6), ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                               ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
        return KeepTogether([t])

    def checklist_grid(self, block: blocks.Checklist, width: float) -> Flowable:
        boxes = {f.id: f for f in block.fields}
        items = self.structure.element("L", self.parent)
        cells = [self.option_cell(items, lambda item=item: self.frame(boxes[f"{block.checklist}.{item.id}"], BOX),
                                  item.label)
                 for item in block.items]
        return _grid(cells, block.columns, width)

    def noted_checklist(self, block: blocks.Checklist, width: float) -> Flowable:
        """One item a row: tick, the indicator in full, and a notes box beside it."""
        fields = block.field_map
        label_w = 0.46 * width
        table = self.structure.element("Table", self.parent)
        head = self.structure.element("TR", table)
        # "Tick if present" heads the box and the indicator beside it: one header over both columns
        over_both = self.structure.element("TH", head, scope="Column", column_span=2)
        rows = [["", self.cell("Tick if present", "cell_head", over_both),
                 self.cell(block.notes or "", "cell_head", self.structure.element("TH", head, scope="Column"))]]
        for item in block.items:
            row = self.structure.element("TR", table)
            with self.within(self.structure.element("TD", row)):
                box = self.frame(fields[f"{block.checklist}.{item.id}"], BOX)
            label = self.cell(item.label, "cell", self.structure.element("TD", row))
            with self.within(self.structure.element("TD", row)):
                notes = self.frame(fields[block.notes_for(item)])
            rows.append([box, label, notes])
        t = TaggedTable(rows, colWidths=[BOX + 8, label_w - BOX - 8, width - label_w], repeatRows=1)
        t.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde5f0")),
            ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]))
        return t

    def repeat(self, block: blocks.Repeat, width: float) -> Flowable:
        """A header of column labels, then `rows` rows of boxes; splits across pages, header repeated."""
        fields = {f.id: f for f in block.fields}
        inner = width - 16
        table = self.structure.element("Table", self.parent)
        head = self.structure.element("TR", table)
        rows = [[self.cell(text, "cell_head", self.structure.element("TH", head, scope="Column"))
                 for text in ["#", *(c.label for c in block.columns)]]]
        for n in range(1, block.rows + 1):
            row = self.structure.element("TR", table)
            cells: list[Flowable] = [self.cell(str(n), "cell", self.structure.element("TH", row, scope="Row"))]
            for c in block.columns:
                with self.within(self.structure.element("TD", row)):
                    cells.append(self.frame(fields[f"{block.repeat}.{n}.{c.id}"],
                                            BOX if c.type == "checkbox" else None))
            rows.append(cells)
        total = sum(c.width for c in block.columns)
        t = TaggedTable(rows, colWidths=[16] + [inner * c.width / total for c in block.columns], repeatRows=1)
        t.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("GRID", (0, 0), (-1, -1), 0.4, RULE),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde5f0")),
            ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]))
        return t

    def scale(self, field: blocks.Field, width: float) -> Flowable:
        rows = [[self.text(field.label, "label_bold"), ""]]
        options = self.structure.element("L", self.parent)
        for o in field.options:
            item = self.structure.element("LI", options)
            with self.within(self.structure.element("Lbl", item)):
                box = self.frame(field, BOX, export=o.value, kind="radio")
            rows.append([box, self.structure.tag(Paragraph(f"<b>{o.value})</b> {markup(o.label)}", STYLES["cell"]),
                                                 "LBody", item)])
        t = TaggedTable(rows, colWidths=[BOX + 6, width - BOX - 6])
        t.setStyle(TableStyle([
            ("SPAN", (0, 0), (1, 0)),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, ACCENT),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f6fa")),
            ("BOX", (0, 0), (-1, -1), 0.5, RULE),
            ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]))
        return t

    def table(self, block: blocks.Table, width: float) -> Flowable:
        rows = []
        table = self.structure.element("Table", self.parent)
        for i, row in enumerate(block.table):
            heading = bool(block.header and i == 0)
            element = self.structure.element("TR", table)
            rows.append([self.cell(cell, "cell_head" if heading else "cell",
                                   self.structure.element("TH", element, scope="Column") if heading
                                   else self.structure.element("TD", element))
                         for cell in row])
        ncols = len(block.table[0])
        fractions = block.widths or tuple(1 / ncols for _ in range(ncols))
        t = TaggedTable(rows, colWidths=[f * width for f in fractions], repeatRows=1 if block.header else 0)
        cmds = [("GRID", (0, 0), (-1, -1), 0.5, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]
        if block.header:
            cmds.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde5f0")))
        t.setStyle(TableStyle(cmds))
        return t

    def section(self, section: blocks.Section, first: bool) -> list[Flowable]:
        out: list[Flowable] = []
        if section.new_page and not first:
            out.append(self.new_page())
        outer, self.parent = self.parent, self.structure.element("Sect", self.structure.root)
        self.heading_in_section = False
        bar = TaggedTable([[self.text(section.title, "section", "H2")]], colWidths=[FRAME_WIDTH])
        bar.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), ACCENT),
                                 ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 5)]))
        out += [CondPageBreak(80), bar, self.gap(0, 5)]
        pending: list[Flowable] = []  # a heading waits to be kept on the page of what it heads
        for block in section.blocks:
            flowables = self.block(block)
            if isinstance(block, (blocks.Heading, blocks.Subheading)):
                pending += flowables
            elif pending and flowables:  # break first unless the heading and the start of its block fit
                needed = sum(_height(f) for f in pending + flowables[:1])
                out += [CondPageBreak(min(needed + 12, 260))] + pending + flowables
                pending = []
            else:
                out += flowables
        self.parent = outer
        return out + pending

    def story(self) -> list[Flowable]:
        out: list[Flowable] = []
        if self.spec.issuer:
            out.append(self.text(self.spec.issuer, "issuer"))
        out += [self.text(self.spec.title, "title", "H1"), self.gap(0, 4)]
        for i, section in enumerate(self.spec.sections):
            out += self.section(section, first=i == 0)
        while not self.legacy and out and isinstance(out[-1], (Spacer, NewPage)):  # nothing to show after them: no last blank page
            out.pop()
        return out


_NO_PADDING = [("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
               ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]


def _row(cells: list, widths: list[float | None], total: float) -> TaggedTable:
    fixed = sum(w for w in widths if w is not None)
    free = [w for w in widths if w is None]
    resolved = [w if w is not None else (total - fixed) / len(free) for w in widths]
    t = TaggedTable([cells], colWidths=resolved)
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), *_NO_PADDING,
                           ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return t


def _grid(cells: list[list], columns: int, width: float) -> TaggedTable:
    """Option cells column-major (down the first column, then the next), each a box and its label."""
    rows = math.ceil(len(cells) / columns)
    col_w = width / columns
    grid = [["", ""] * columns for _ in range(rows)]
    for i, (box, label) in enumerate(cells):
        r, c = i % rows, i // rows
        grid[r][2 * c], grid[r][2 * c + 1] = box, label
    t = TaggedTable(grid, colWidths=[BOX + 5, col_w - BOX - 5] * columns)
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), *_NO_PADDING,
                           ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                           *[("RIGHTPADDING", (c, 0), (c, -1), 4) for c in range(1, 2 * columns, 2)]]))
    return t


def _height(flowable: Flowable) -> float:
    """How tall a flowable will be on a fresh page (to decide whether a heading needs a new page)."""
    if isinstance(flowable, KeepTogether):
        return sum(_height(f) for f in flowable._content)
    return flowable.wrap(FRAME_WIDTH, A4[1])[1]


def _boxed(flowable: Flowable, width: float) -> TaggedTable:
    t = TaggedTable([[flowable]], colWidths=[width])
    t.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1.2, colors.HexColor("#b3261e")),
                           ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fdf1f0")),
                           ("LEFTPADDING", (0, 0), (-1, -1), 6), ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                           ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    return t


def render_pages(spec: FormSpec, legacy: bool = False) -> tuple[bytes, list[Placement]]:
    """The form's pages without any fields yet, and where each widget belongs (`legacy`: as laid out by
    cse-pdf before blank pages were prevented, for flattened copies of blanks generated then)."""
    pages, placements, _ = render_tagged_pages(spec, legacy)
    return pages, placements


def render_tagged_pages(spec: FormSpec, legacy: bool = False) -> tuple[bytes, list[Placement], StructureRecorder]:
    """`render_pages`, with the structure tree recorded while drawing, for `tagging.apply_structure` once the
    widgets exist.

    Page streams are left uncompressed: qpdf compresses them when it saves the blank (generate.py), to the same
    bytes, where reportlab's compressing (and ASCII85) would only be undone by qpdf first."""
    builder = StoryBuilder(spec, legacy)
    buf = io.BytesIO()
    doc = FormDocTemplate(buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 4,
                            bottomMargin=MARGIN + 2, title=spec.title, author=spec.issuer,
                            subject=f"cse-pdf form {spec.id} version {spec.version}", creator="cse-pdf",
                            invariant=True, pageCompression=0)

    def furniture(canvas, doc_) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(colors.HexColor("#5a6b82"))
        canvas.drawString(MARGIN, A4[1] - MARGIN + 2, spec.issuer)
        canvas.drawRightString(A4[0] - MARGIN, MARGIN - 12, f"Page {doc_.page}")
        canvas.drawString(MARGIN, MARGIN - 12, f"{spec.title} · form {spec.id} · version {spec.version}")
        if spec.marking:
            canvas.setFont(BOLD, 8)
            canvas.setFillColor(colors.HexColor("#b3261e"))
            canvas.drawRightString(A4[0] - MARGIN, A4[1] - MARGIN + 2, spec.marking)
        canvas.restoreState()

    doc.build(builder.story(), onFirstPage=artifact_page(furniture), onLaterPages=artifact_page(furniture))
    return buf.getvalue(), builder.placements, builder.structure


def placements_by_field(placements: Iterable[Placement]) -> dict[str, list[Placement]]:
    out: dict[str, list[Placement]] = {}
    for p in placements:
        out.setdefault(p.field_id, []).append(p)
    return out
