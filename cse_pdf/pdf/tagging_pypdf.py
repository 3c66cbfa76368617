"""`tagging.apply_structure`, written into pypdf's document instead of qpdf's: the blank's fast path.

A blank's structure tree is several hundred small dictionaries. Made in qpdf's document, each key set and each
look-up of a widget crosses from Python into C++ (about 18 ms a blank); made as pypdf objects they are plain
Python, and qpdf parses them in C++ once it is handed the document (pdf/pypdf_handoff.py). qpdf's parsing
takes back much of the difference: measured on whole blanks, about 4 ms (5%) less. The objects are the same,
made in the same order, so the saved blank is byte-for-byte what `apply_structure` gives
(tests/test_tagging_pypdf.py holds the two to that). `apply_structure` stays the one other documents use."""

from __future__ import annotations

from typing import Any

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    TextStringObject,
)

from cse_pdf.pdf.tagging import LANGUAGE, Element, MarkedContent, StructureRecorder, _elements_with_content, _xmp

_TYPE = NameObject("/Type")
_S = NameObject("/S")
_P = NameObject("/P")
_K = NameObject("/K")
_PG = NameObject("/Pg")
_ALT = NameObject("/Alt")
_STRUCT_ELEM = NameObject("/StructElem")


def _widgets_by_name(writer: PdfWriter) -> dict[tuple[str, str | None], IndirectObject]:
    """`tagging.widgets_by_name`, over pypdf's objects: each widget's reference, by (full field name, export
    value of its on state — None when the field has a single widget)."""
    found: dict[tuple[str, str | None], IndirectObject] = {}

    def walk(reference: Any, prefix: str) -> None:
        node = reference.get_object()
        name = prefix
        if "/T" in node:
            name = f"{prefix}.{node['/T']}" if prefix else str(node["/T"])
        kids = node.get("/Kids")
        if kids is None:
            if node.get("/Subtype") == "/Widget":
                found[(name, None)] = reference
            return
        for kid_reference in kids:
            kid = kid_reference.get_object()
            if "/T" in kid:
                walk(kid_reference, name)
            else:  # a widget of this field: one of several (radio buttons), told apart by its on state
                appearance = kid.get("/AP")
                normal = appearance.get("/N") if appearance is not None else None
                states = [str(k)[1:] for k in (normal.keys() if normal is not None else ()) if k != "/Off"]
                found[(name, states[0] if len(states) == 1 else None)] = kid_reference

    acroform = writer.root_object.get("/AcroForm")
    for top in (acroform.get("/Fields", ()) if acroform is not None else ()):
        walk(top, "")
    return found


def _accessible_name(widget: DictionaryObject) -> str:
    """The widget's /TU, or its field's (a radio button's field is its parent)."""
    for node in (widget, widget.get("/Parent")):
        if node is not None and "/TU" in node:
            return str(node["/TU"])
    return ""


def apply_structure_pypdf(writer: PdfWriter, recorder: StructureRecorder, title: str,
                          language: str = LANGUAGE) -> None:
    """Write the recorded tree into `writer` and mark the document tagged: what `tagging.apply_structure`
    does to the same document in qpdf (the document's own pages from the first; widgets found in the
    AcroForm). A widget named in the tree but missing from the PDF is an error."""
    widgets = _widgets_by_name(writer)
    add = writer._add_object
    page_references = [page.indirect_reference for page in writer.pages]
    page_objects = [reference.get_object() for reference in page_references]
    page_count = len(page_references)
    with_content = _elements_with_content(recorder.root)
    parent_tree: dict[int, list[Any]] = {}  # page index → struct elem by MCID
    widget_parents: list[IndirectObject] = []
    root = DictionaryObject({_TYPE: NameObject("/StructTreeRoot")})
    root_reference = add(root)

    def build(element: Element, parent: IndirectObject) -> IndirectObject | None:
        if id(element) not in with_content:
            return None
        node = DictionaryObject({_TYPE: _STRUCT_ELEM, _S: NameObject("/" + element.type), _P: parent})
        reference = add(node)
        for key, value in (("/Alt", element.alt), ("/ActualText", element.actual_text), ("/T", element.title)):
            if value is not None:
                node[NameObject(key)] = TextStringObject(value)
        if element.scope is not None or element.column_span is not None:
            attributes = DictionaryObject({NameObject("/O"): NameObject("/Table")})
            if element.scope is not None:
                attributes[NameObject("/Scope")] = NameObject("/" + element.scope)
            if element.column_span is not None:
                attributes[NameObject("/ColSpan")] = NumberObject(element.column_span)
            node[NameObject("/A")] = attributes
        first = next((k for k in element.kids if isinstance(k, MarkedContent)), None)
        if first is not None:
            node[_PG] = page_references[first.page]
        kids: list[Any] = []
        for kid in element.kids:
            if isinstance(kid, Element):
                built = build(kid, reference)
                if built is not None:
                    kids.append(built)
            elif isinstance(kid, MarkedContent):
                if first is not None and kid.page == first.page:
                    kids.append(NumberObject(kid.mcid))
                else:
                    kids.append(DictionaryObject({_TYPE: NameObject("/MCR"), _PG: page_references[kid.page],
                                                  NameObject("/MCID"): NumberObject(kid.mcid)}))
                slots = parent_tree.setdefault(kid.page, [])
                slots.extend([None] * (kid.mcid + 1 - len(slots)))
                slots[kid.mcid] = reference
            else:
                widget_reference = widgets.get((kid.field_name, kid.export))
                if widget_reference is None:
                    raise ValueError(f"the structure names a widget the PDF does not have: {kid.field_name}"
                                     f"{'' if kid.export is None else ' = ' + kid.export}")
                widget = widget_reference.get_object()
                if _ALT not in node and element.type == "Form":
                    name = _accessible_name(widget)
                    if name:
                        node[_ALT] = TextStringObject(name)
                objr = DictionaryObject({_TYPE: NameObject("/OBJR"), NameObject("/Obj"): widget_reference})
                if "/P" in widget:
                    page = widget.raw_get("/P")
                    objr[_PG] = page
                    if _PG not in node:
                        node[_PG] = page
                kids.append(objr)
                widget[NameObject("/StructParent")] = NumberObject(page_count + len(widget_parents))
                widget_parents.append(reference)
        node[_K] = kids[0] if len(kids) == 1 and type(kids[0]) is NumberObject else ArrayObject(kids)
        return reference

    document = build(recorder.root, root_reference)
    root[_K] = ArrayObject([document] if document is not None else [])
    nums = ArrayObject()
    for index in sorted(parent_tree):
        page_objects[index][NameObject("/StructParents")] = NumberObject(index)
        slots = ArrayObject(NullObject() if slot is None else slot for slot in parent_tree[index])
        nums.extend([NumberObject(index), add(slots)])
    for offset, node_reference in enumerate(widget_parents):
        nums.extend([NumberObject(page_count + offset), node_reference])
    root[NameObject("/ParentTree")] = add(DictionaryObject({NameObject("/Nums"): nums}))
    root[NameObject("/ParentTreeNextKey")] = NumberObject(page_count + len(widget_parents))
    catalog = writer.root_object
    catalog[NameObject("/StructTreeRoot")] = root_reference
    catalog[NameObject("/MarkInfo")] = DictionaryObject({NameObject("/Marked"): BooleanObject(True)})
    catalog[NameObject("/Lang")] = TextStringObject(language)
    viewer = catalog.get("/ViewerPreferences")
    if viewer is None:
        viewer = catalog[NameObject("/ViewerPreferences")] = DictionaryObject()
    viewer[NameObject("/DisplayDocTitle")] = BooleanObject(True)
    metadata = DecodedStreamObject()
    metadata.set_data(_xmp(title, language))
    metadata[_TYPE] = NameObject("/Metadata")
    metadata[NameObject("/Subtype")] = NameObject("/XML")
    catalog[NameObject("/Metadata")] = add(metadata)
    for page in page_objects:
        page[NameObject("/Tabs")] = NameObject("/S")
