"""Tagged PDF (PDF/UA-1) for any reportlab document: structure recorded while drawing, written afterwards.

A screen reader reads a PDF by its structure tree, not by where things are drawn. reportlab writes no
structure, so this module adds it in two steps:

1. While the story is built, the caller creates the structure elements in *reading order*
   (`StructureRecorder.element`, `.form`) and binds flowables to them (`.mark`, `.tag`) or marks them as
   decoration (`.artifact`, `TaggedTable`, `artifact_on` for page-template callbacks). Binding patches the
   flowable instance's `drawOn` so that what it draws is wrapped in marked content
   (`/P <</MCID n>> BDC … EMC`, MCIDs counted per page) and the (page, MCID) is recorded on the element.
   Nothing is measured or placed differently: every box stays exactly where it was.
2. After the build (and after the widgets exist), `apply_structure(pdf, recorder)` writes the
   StructTreeRoot, ParentTree, the widgets' OBJRs inside their Form elements, /MarkInfo, /Lang,
   /ViewerPreferences, XMP metadata with pdfuaid:part 1 and /Tabs /S on every page.

Because the tree is built in reading order before anything is drawn, the order in which reportlab happens to
draw (a column-major grid is drawn row by row) does not change what a screen reader hears.

Usage from any reportlab document::

    rec = StructureRecorder()
    sect = rec.element("Sect")
    story = [rec.tag(Paragraph("Title", h1_style), "H1", sect), rec.artifact(HRFlowable())]
    table_el = rec.element("Table", sect)
    row = rec.element("TR", table_el)
    cell = rec.mark(Paragraph("Score", style), rec.element("TH", row, scope="Column"))
    ...
    doc.build(story, onFirstPage=artifact_page(furniture), onLaterPages=artifact_page(furniture))
    with pikepdf.open(io.BytesIO(buf.getvalue())) as pdf:
        apply_structure(pdf, rec, title="…")

Put flowables (not plain strings) in the cells of a TaggedTable: empty string cells are skipped, any other
string would be drawn untagged.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping
from xml.sax.saxutils import escape

import pikepdf
from pikepdf import Name
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Table

LANGUAGE = "en-GB"
_MARKED = "_cse_pdf_marked"  # set on a flowable once its drawOn is patched


@dataclass(frozen=True)
class MarkedContent:
    """A run of page content: page index in the reportlab document, and its MCID on that page."""

    page: int
    mcid: int


@dataclass(frozen=True)
class WidgetRef:
    """A widget annotation that will exist after the build: the field's full name and, for a radio button
    or a checkbox of a group, the export value of its on state (None for a field with one widget)."""

    field_name: str
    export: str | None = None


@dataclass(eq=False)
class Element:
    """A structure element: its type (P, H1, Table, TH, Form, …), attributes and kids in reading order."""

    type: str
    parent: Element | None = None
    alt: str | None = None
    actual_text: str | None = None
    scope: str | None = None  # TH only: Column, Row or Both
    column_span: int | None = None  # TH, TD: a cell over more than one column
    title: str | None = None
    kids: list[Element | MarkedContent | WidgetRef] = field(default_factory=list)


class StructureRecorder:
    """The structure tree of one reportlab document, built in reading order while its story is made."""

    def __init__(self, root_type: str = "Document") -> None:
        self.root = Element(root_type)
        self._next_mcid: dict[int, int] = {}

    # -- building the tree (story time, reading order) -----------------------------------------
    def element(self, type_: str, parent: Element | None = None, *, alt: str | None = None,
                actual_text: str | None = None, scope: str | None = None, title: str | None = None,
                column_span: int | None = None) -> Element:
        """A new element, last child of `parent` (the document when None)."""
        parent = parent or self.root
        made = Element(type_, parent, alt=alt, actual_text=actual_text, scope=scope, title=title,
                       column_span=column_span)
        parent.kids.append(made)
        return made

    def form(self, parent: Element | None, field_name: str, export: str | None = None,
             alt: str | None = None) -> Element:
        """A Form element holding the widget of `field_name` (and `export`, for one radio button): its
        accessible name is the widget's /TU, or `alt` where one is given."""
        made = self.element("Form", parent, alt=alt)
        made.kids.append(WidgetRef(field_name, export))
        return made

    def tag(self, flowable: Flowable, type_: str, parent: Element | None = None, **attributes: Any) -> Flowable:
        """`flowable`, its content made a new element of `type_` under `parent`."""
        return self.mark(flowable, self.element(type_, parent, **attributes))

    def mark(self, flowable: Flowable, element: Element) -> Flowable:
        """`flowable`, everything it draws becoming content of `element` (also its split parts' content).

        The same flowable drawn a second time (a table's heading row repeated on the next page) is drawn as
        a pagination artifact: a screen reader hears the heading once."""
        if getattr(flowable, _MARKED, False):
            return flowable
        draw_on, split = flowable.drawOn, flowable.split
        drawn = False

        def tagged_draw_on(canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
            nonlocal drawn
            if drawn:
                with artifact_on(canvas, "Pagination"):
                    draw_on(canvas, x, y, _sW)
                return
            drawn = True
            page = canvas.getPageNumber() - 1
            mcid = self._next_mcid.get(page, 0)
            self._next_mcid[page] = mcid + 1
            canvas._code.append(f"/{element.type} <</MCID {mcid}>> BDC")
            with words_apart_at_line_ends(canvas):
                draw_on(canvas, x, y, _sW)
            canvas._code.append("EMC")
            element.kids.append(MarkedContent(page, mcid))

        def tagged_split(avail_width: float, avail_height: float) -> list[Flowable]:
            return [self.mark(part, element) for part in split(avail_width, avail_height)]

        flowable.drawOn = tagged_draw_on
        flowable.split = tagged_split
        setattr(flowable, _MARKED, True)
        return flowable

    def artifact(self, flowable: Flowable, kind: str = "Layout") -> Flowable:
        """`flowable` drawn as decoration (a field's frame, a rule): not read out."""
        if getattr(flowable, _MARKED, False):
            return flowable
        draw_on, split = flowable.drawOn, flowable.split

        def artifact_draw_on(canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
            code = canvas._code
            after_begin = _begin_artifact(code, kind)
            draw_on(canvas, x, y, _sW)
            _end_artifact(code, after_begin)

        flowable.drawOn = artifact_draw_on
        flowable.split = lambda w, h: [self.artifact(part, kind) for part in split(w, h)]
        setattr(flowable, _MARKED, True)
        return flowable


@contextlib.contextmanager
def words_apart_at_line_ends(canvas: Canvas) -> Iterator[None]:
    """reportlab writes no space where a paragraph wraps, so whatever reads the text of an element (Poppler's
    `pdfinfo -struct-text`, a screen reader walking the tree) joined the last word of one line to the first
    of the next: "relevantworkers". Inside, each line a text object ends (T*) ends with a space, drawn after
    its last glyph: nothing on the page moves."""
    before = canvas.__dict__.get("beginText")
    begin = canvas.beginText

    def spaced_begin_text(*args: Any, **kwargs: Any) -> Any:
        text_object = begin(*args, **kwargs)
        text_out = text_object._textOut

        def spaced_text_out(text: str, TStar: int = 0) -> None:
            if TStar and not text.endswith(" "):
                text += " "
            text_out(text, TStar)

        text_object._textOut = spaced_text_out
        return text_object

    canvas.beginText = spaced_begin_text
    try:
        yield
    finally:
        if before is None:
            del canvas.beginText
        else:
            canvas.beginText = before


def _begin_artifact(code: list[str], kind: str) -> int:
    code.append(f"/Artifact <</Type /{kind}>> BDC")
    return len(code)


def _end_artifact(code: list[str], after_begin: int) -> None:
    if len(code) == after_begin:  # nothing drawn: write nothing
        code.pop()
    else:
        code.append("EMC")


@contextlib.contextmanager
def artifact_on(canvas: Canvas, kind: str = "Layout") -> Iterator[None]:
    """What is drawn inside is an artifact (running header, page number, background); nothing is written
    when nothing is drawn. (The hot paths below call `_begin_artifact`/`_end_artifact` directly: a
    generator context manager per table and per field frame was a measurable part of generation.)"""
    code = canvas._code
    after_begin = _begin_artifact(code, kind)
    yield
    _end_artifact(code, after_begin)


def artifact_page(callback: Callable[[Canvas, Any], None]) -> Callable[[Canvas, Any], None]:
    """A page-template callback (onFirstPage, onLaterPages) whose drawing is a pagination artifact."""

    def as_artifact(canvas: Canvas, doc: Any) -> None:
        with artifact_on(canvas, "Pagination"):
            callback(canvas, doc)

    return as_artifact


class TaggedTable(Table):
    """A Table whose backgrounds and rules are artifacts; its cells' flowables are tagged by the caller
    (TH, TD, or the elements of a layout grid). Empty string cells draw nothing."""

    def _drawBkgrnd(self) -> None:
        code = self.canv._code
        after_begin = _begin_artifact(code, "Layout")
        super()._drawBkgrnd()
        _end_artifact(code, after_begin)

    def _drawLines(self) -> None:
        code = self.canv._code
        after_begin = _begin_artifact(code, "Layout")
        super()._drawLines()
        _end_artifact(code, after_begin)

    def _drawCell(self, cellval: Any, cellstyle: Any, pos: Any, size: Any) -> None:
        if cellval is None or cellval == "" or cellval == []:
            return
        super()._drawCell(cellval, cellstyle, pos, size)


# -- writing the tree into the finished PDF --------------------------------------------------------
def widgets_by_name(pdf: pikepdf.Pdf) -> dict[tuple[str, str | None], pikepdf.Object]:
    """Every widget annotation keyed by (full field name, export value of its on state — None when the
    field has a single widget)."""
    found: dict[tuple[str, str | None], pikepdf.Object] = {}

    def walk(node: pikepdf.Object, prefix: str) -> None:
        name = prefix
        if "/T" in node:
            name = f"{prefix}.{node.T}" if prefix else str(node.T)
        kids = node.get("/Kids")
        if kids is None:
            if node.get("/Subtype") == Name.Widget:
                found[(name, None)] = node
            return
        for kid in kids:
            if "/T" in kid:
                walk(kid, name)
            else:  # a widget of this field: one of several (radio buttons), told apart by its on state
                states = [str(k)[1:] for k in _normal_appearance_keys(kid) if k != "/Off"]
                found[(name, states[0] if len(states) == 1 else None)] = kid

    acroform = pdf.Root.get("/AcroForm")
    for top in (acroform.get("/Fields", []) if acroform is not None else []):
        walk(top, "")
    return found


def _normal_appearance_keys(widget: pikepdf.Object) -> list[str]:
    """The keys of the widget's /AP /N (its states, for a button). Not `.get("/AP", {})`: pikepdf turns
    that default into a new PDF dictionary on every call, the most of the walk's time."""
    appearance = widget.get("/AP")
    normal = appearance.get("/N") if appearance is not None else None
    return list(normal.keys()) if normal is not None else []


def _xmp(title: str, language: str) -> bytes:
    """Just what PDF/UA asks for: the title and the claim of conformance (no dates: output stays the same
    bytes for the same input)."""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">\n'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>\n'
        f'<dc:language><rdf:Bag><rdf:li>{escape(language)}</rdf:li></rdf:Bag></dc:language>\n'
        '<pdfuaid:part>1</pdfuaid:part>\n'
        '</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end="w"?>'
    ).encode("utf-8")


def _accessible_name(widget: pikepdf.Object) -> str:
    """The widget's /TU, or its field's (a radio button's field is its parent)."""
    for node in (widget, widget.get("/Parent")):
        if node is not None and "/TU" in node:
            return str(node.TU)
    return ""


def _elements_with_content(root: Element) -> set[int]:
    """ids of the elements that hold something (content or a widget) at any depth: one walk of the tree,
    not one per level."""
    found: set[int] = set()

    def visit(element: Element) -> bool:
        holds = False
        for kid in element.kids:
            if not isinstance(kid, Element) or visit(kid):
                holds = True
        if holds:
            found.add(id(element))
        return holds

    visit(root)
    return found


def apply_structure(pdf: pikepdf.Pdf, recorder: StructureRecorder, title: str, *, first_page: int = 0,
                    language: str = LANGUAGE,
                    widgets: Mapping[tuple[str, str | None], pikepdf.Object] | None = None) -> None:
    """Write the recorded tree into `pdf` and mark the document tagged (PDF/UA-1 document level).

    `first_page`: where the recorded document's first page is in `pdf` (pages before it are not touched).
    `widgets`: the widget annotations by (field name, export); found in the AcroForm when not given.
    A Form element made without `alt` gets its widget's /TU as /Alt: Firefox's viewer (pdf.js) names a
    field's HTML control from the Form element's /Alt, and leaves a text field unnamed without it.
    Elements that got no content (nothing drawn, no widget) are left out. A widget named in the tree but
    missing from the PDF is an error: the form and its structure would disagree."""
    widgets = widgets_by_name(pdf) if widgets is None else widgets
    pages = pdf.pages
    page_objects = [page.obj for page in pages]
    page_count = len(page_objects)  # pikepdf makes a new Page wrapper on each pages[i]
    with_content = _elements_with_content(recorder.root)
    parent_tree: dict[int, list[Any]] = {}  # page index → struct elem by MCID
    widget_parents: list[pikepdf.Object] = []
    root = pdf.make_indirect(pikepdf.Dictionary(Type=Name.StructTreeRoot))

    def build(element: Element, parent: pikepdf.Object) -> pikepdf.Object | None:
        if id(element) not in with_content:
            return None
        node = pdf.make_indirect(pikepdf.Dictionary(Type=Name.StructElem, S=Name("/" + element.type), P=parent))
        for key, value in (("/Alt", element.alt), ("/ActualText", element.actual_text), ("/T", element.title)):
            if value is not None:
                node[key] = pikepdf.String(value)
        if element.scope is not None or element.column_span is not None:
            node.A = pikepdf.Dictionary(O=Name.Table)
            if element.scope is not None:
                node.A.Scope = Name("/" + element.scope)
            if element.column_span is not None:
                node.A.ColSpan = element.column_span
        first = next((k for k in element.kids if isinstance(k, MarkedContent)), None)
        if first is not None:
            node.Pg = page_objects[first_page + first.page]
        kids: list[Any] = []  # a Python list, made a PDF array once: each append to a pikepdf.Array crosses into C++
        for kid in element.kids:
            if isinstance(kid, Element):
                built = build(kid, node)
                if built is not None:
                    kids.append(built)
            elif isinstance(kid, MarkedContent):
                page = page_objects[first_page + kid.page]
                if first is not None and kid.page == first.page:
                    kids.append(kid.mcid)
                else:
                    kids.append(pikepdf.Dictionary(Type=Name.MCR, Pg=page, MCID=kid.mcid))
                slots = parent_tree.setdefault(first_page + kid.page, [])
                slots.extend([None] * (kid.mcid + 1 - len(slots)))
                slots[kid.mcid] = node
            else:
                widget = widgets.get((kid.field_name, kid.export))
                if widget is None:
                    raise ValueError(f"the structure names a widget the PDF does not have: {kid.field_name}"
                                     f"{'' if kid.export is None else ' = ' + kid.export}")
                if "/Alt" not in node and element.type == "Form":
                    name = _accessible_name(widget)
                    if name:
                        node.Alt = pikepdf.String(name)
                objr = pikepdf.Dictionary(Type=Name.OBJR, Obj=widget)
                if "/P" in widget:
                    objr.Pg = widget.P
                    if "/Pg" not in node:
                        node.Pg = widget.P
                kids.append(objr)
                widget.StructParent = page_count + len(widget_parents)
                widget_parents.append(node)
        node.K = kids[0] if len(kids) == 1 and isinstance(kids[0], int) else pikepdf.Array(kids)
        return node

    document = build(recorder.root, root)
    root.K = pikepdf.Array([document] if document is not None else [])
    nums = pikepdf.Array()
    for index in sorted(parent_tree):
        page_objects[index].StructParents = index
        nums.extend([index, pdf.make_indirect(pikepdf.Array(parent_tree[index]))])
    for offset, node in enumerate(widget_parents):
        nums.extend([len(pages) + offset, node])
    root.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=nums))
    root.ParentTreeNextKey = len(pages) + len(widget_parents)
    pdf.Root.StructTreeRoot = root
    pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
    pdf.Root.Lang = pikepdf.String(language)
    viewer = pdf.Root.get("/ViewerPreferences") or pikepdf.Dictionary()
    viewer.DisplayDocTitle = True
    pdf.Root.ViewerPreferences = viewer
    pdf.Root.Metadata = pdf.make_stream(_xmp(title, language), Type=Name.Metadata, Subtype=Name.XML)
    for page_object in page_objects:
        page_object.Tabs = Name.S
