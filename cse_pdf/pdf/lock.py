"""Lock a form: draw each widget's current appearance into its page, then drop the fields.

A flattened stamped copy is what goes into a case file: it prints as shown and
nobody can change an answer in it by accident. qpdf does the drawing; every
appearance it draws is one cse-pdf has just written, so what is drawn is what
was read. Hidden widgets (the form identity) are not drawn and go with the fields.

In a tagged copy a widget was an object reference in a Form element; once drawn it is page content, so
each drawing is marked where its widget was in the structure: a text answer as the element's own content,
a tick box or radio button as a Span named by its label and state (the mark drawn is a path, a check or
a dot, with no text to read aloud), an empty text box as an artifact. A widget no element held stays out of the
structure as an artifact, as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import pikepdf
from pikepdf import Array, Dictionary, Name

from cse_pdf.pdf.structure_merge import element_kids, next_struct_key, number_tree_entries, write_parent_tree


@dataclass
class _Drawn:
    """A widget about to be drawn into its page, and where it sat in the structure."""

    widget: Dictionary
    element: Dictionary | None
    kind: str  # "text", "choice" (a tick box or radio button) or "other"
    state: str  # for a choice: its label and whether it is on, as a screen reader should say it


def flatten(pdf: pikepdf.Pdf) -> None:
    root = pdf.Root.get("/StructTreeRoot")
    tagged = isinstance(root, Dictionary)
    owners = number_tree_entries(root.get("/ParentTree")) if tagged else {}
    plans = [_plan(page, owners) for page in pdf.pages] if tagged else []
    widgets = [a for page in pdf.pages for a in page.obj.get("/Annots", ())
               if isinstance(a, Dictionary) and a.get("/Subtype") == Name.Widget]
    form_fonts = _form_fonts(pdf)
    pdf.flatten_annotations("all")
    _drop_unused_form_fonts(pdf, form_fonts)
    if "/AcroForm" in pdf.Root:
        del pdf.Root["/AcroForm"]
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if not isinstance(annots, Array):
            continue
        keep = [a for a in annots if not (isinstance(a, Dictionary) and a.get("/Subtype") == Name.Widget)]
        if keep:
            page.obj.Annots = Array(keep)
        else:
            del page.obj["/Annots"]
    if tagged:
        _tag_drawn(pdf, root, owners, plans, widgets)


def _form_fonts(pdf: pikepdf.Pdf) -> set[tuple[int, int]]:
    """The form's /DR fonts (ZapfDingbats and Helvetica among them: not embedded, named for viewers' own use)."""
    acroform = pdf.Root.get("/AcroForm")
    dr = acroform.get("/DR") if isinstance(acroform, Dictionary) else None
    fonts = dr.get("/Font") if isinstance(dr, Dictionary) else None
    return {f.objgen for f in fonts.values() if f.is_indirect} if isinstance(fonts, Dictionary) else set()


def _drop_unused_form_fonts(pdf: pikepdf.Pdf, form_fonts: set[tuple[int, int]]) -> None:
    """qpdf's flattening copies the form's /DR fonts into the drawn appearances' resources. Those no drawing
    selects are dropped again, so a locked copy names no font it does not embed (PDF/UA-1, Matterhorn 31-009);
    each drawing gets its own resources, as a resources dictionary may be shared."""
    for page in pdf.pages:
        xobjects = page.obj.get("/Resources", {}).get("/XObject")
        for drawing in xobjects.values() if isinstance(xobjects, Dictionary) else ():
            resources = drawing.get("/Resources") if drawing.get("/Subtype") == Name.Form else None
            fonts = resources.get("/Font") if isinstance(resources, Dictionary) else None
            if not isinstance(fonts, Dictionary):
                continue
            unused = {name for name, font in fonts.items() if font.is_indirect and font.objgen in form_fonts}
            if not unused:
                continue
            unused -= {str(operands[0]) for operands, operator in pikepdf.parse_content_stream(drawing, "Tf")}
            if unused:
                own = Dictionary({k: v for k, v in resources.items() if k != "/Font"})
                own.Font = Dictionary({k: v for k, v in fonts.items() if k not in unused})
                drawing.Resources = own


def _inherited(node: Dictionary, key: str) -> pikepdf.Object | None:
    for _ in range(32):  # a field's ancestry is a few levels; a loop in a hostile file ends here
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        if not isinstance(parent, Dictionary):
            return None
        node = parent
    return None


def _hidden(widget: Dictionary) -> bool:
    flags = widget.get("/F")
    return isinstance(flags, int) and bool(int(flags) & 2)


def _appearance(widget: Dictionary) -> pikepdf.Object | None:
    normal = widget.get("/AP", Dictionary()).get("/N")
    if isinstance(normal, pikepdf.Stream):
        return normal
    if isinstance(normal, Dictionary):
        shown = widget.get("/AS")
        return normal.get(str(shown)) if shown is not None else None
    return None


Plan = dict[tuple[int, int], list[_Drawn]]


def _plan(page: pikepdf.Page, owners: dict[int, pikepdf.Object]) -> Plan:
    """Each widget of the page by the appearance stream qpdf will draw for it (qpdf names that very stream
    in the page's resources, which is how its drawing is found again). Widgets can share one stream (every
    radio button's "off" look, every empty box's): those are told apart by order, qpdf drawing the widgets
    in the order of the page's /Annots."""
    plan: Plan = {}
    for widget in page.obj.get("/Annots", ()):
        if not isinstance(widget, Dictionary) or widget.get("/Subtype") != Name.Widget or _hidden(widget):
            continue  # qpdf draws no hidden widget
        stream = _appearance(widget)
        if stream is None or not stream.is_indirect:
            continue
        key = widget.get("/StructParent")
        element = owners.get(int(key)) if isinstance(key, int) else None
        field_type = _inherited(widget, "/FT")
        if field_type == Name.Btn:
            on = str(widget.get("/AS", Name.Off)) != "/Off"
            radio = int(_inherited(widget, "/Ff") or 0) & (1 << 15)
            name = next((str(v) for v in (element.get("/Alt") if isinstance(element, Dictionary) else None,
                                          widget.get("/TU"), _inherited(widget, "/TU")) if v is not None), "")
            said = ("selected" if on else "not selected") if radio else ("ticked" if on else "not ticked")
            drawn = _Drawn(widget, element, "choice", f"{name}: {said}" if name else said)
        elif field_type in (Name.Tx, Name.Ch):
            value = _inherited(widget, "/V")
            empty = value is None or (isinstance(value, pikepdf.String) and not str(value))
            drawn = _Drawn(widget, None if empty else element, "text", "")
        else:
            drawn = _Drawn(widget, element, "other", "")
        plan.setdefault(stream.objgen, []).append(drawn)
    return plan


def _tag_drawn(pdf: pikepdf.Pdf, root: Dictionary, owners: dict[int, pikepdf.Object], plans: list[Plan],
               widgets: list[Dictionary]) -> None:
    gone = {w.objgen for w in widgets}
    widget_keys = {int(w.StructParent) for w in widgets if isinstance(w.get("/StructParent"), int)}
    for page, plan in zip(pdf.pages, plans):
        if plan:
            _mark_page(pdf, owners, page, plan)
    for key in widget_keys:  # a widget's own entry: the widget is gone
        owners.pop(key, None)
    _drop_references(root.get("/K"), gone)
    write_parent_tree(pdf, root, owners)


def _objr_to(kid: pikepdf.Object, widgets: set[tuple[int, int]]) -> bool:
    return isinstance(kid, Dictionary) and kid.get("/Type") == Name.OBJR and \
        isinstance(kid.get("/Obj"), Dictionary) and kid.Obj.objgen in widgets


def _mark_page(pdf: pikepdf.Pdf, owners: dict[int, pikepdf.Object], page: pikepdf.Page, plan: Plan) -> None:
    """Wrap each drawing qpdf appended (`q … /FxoN Do Q`) in marked content tied to the widget's element."""
    contents = page.obj.get("/Contents")
    last = contents[-1] if isinstance(contents, Array) and len(contents) else contents
    if not isinstance(last, pikepdf.Stream):
        return
    xobjects = page.obj.get("/Resources", Dictionary()).get("/XObject", Dictionary())
    key = page.obj.get("/StructParents")
    if not isinstance(key, int):
        key = max([next_struct_key(pdf), *(k + 1 for k in owners)])  # owners: keys given out since
        page.obj.StructParents = key
        owners[key] = Array()
    marks = owners.setdefault(int(key), Array())
    if not isinstance(marks, Array):
        return
    out: list = []
    group: list = []
    depth = 0
    for operands, op in pikepdf.parse_content_stream(last):
        name = str(op)
        if depth == 0 and name != "q":
            out.append((operands, op))
            continue
        group.append((operands, op))
        depth += {"q": 1, "Q": -1}.get(name, 0)
        if depth == 0:
            out += _wrapped(pdf, page, group, xobjects, plan, marks)
            group = []
    out += group
    last.write(pikepdf.unparse_content_stream(out))


def _wrapped(pdf: pikepdf.Pdf, page: pikepdf.Page, group: list, xobjects: Dictionary, plan: Plan,
             marks: Array) -> list:
    drawn = None
    for operands, op in group:
        if str(op) == "Do" and operands and str(operands[0]) in xobjects:
            waiting = plan.get(xobjects[str(operands[0])].objgen)
            drawn = waiting.pop(0) if waiting else None
    if drawn is None:  # not a widget's drawing: left as it is
        return group
    element = drawn.element
    if not isinstance(element, Dictionary):  # e.g. an empty text box: its element goes below
        return [([Name.Artifact], pikepdf.Operator("BMC")), *group, ([], pikepdf.Operator("EMC"))]
    mcid = len(marks)
    reference = Dictionary(Type=Name.MCR, Pg=page.obj, MCID=mcid)
    if drawn.kind == "choice":  # named by label and state, not by the glyph drawn
        holder = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Span, P=element, Pg=page.obj,
                                              Alt=pikepdf.String(drawn.state), K=mcid))
        replacement: pikepdf.Object = holder
        if "/Alt" in element:
            del element["/Alt"]
    else:
        holder, replacement = element, reference
    element.K = Array([replacement if _objr_to(k, {drawn.widget.objgen}) else k for k in element_kids(element)])
    if element.get("/S") == Name.Form and not any(isinstance(k, Dictionary) and k.get("/Type") == Name.OBJR
                                                  for k in element_kids(element)):
        element.S = Name.P  # no widget left in it: what it holds is the answer as printed
        if "/Alt" in element:  # the widget's name (its question, read just before): the answer is read instead
            del element["/Alt"]
    marks.append(holder)
    tag = Name("/" + str(holder.S)[1:])
    return [([tag, Dictionary(MCID=mcid)], pikepdf.Operator("BDC")), *group, ([], pikepdf.Operator("EMC"))]


def _drop_references(node: pikepdf.Object, gone: set[tuple[int, int]], depth: int = 0) -> bool:
    """Remove object references to widgets that no longer exist; True when `node` is left empty (and so is
    removed by its parent)."""
    if depth > 200:
        return False
    items = list(node) if isinstance(node, Array) else [node]
    for item in items:
        if not isinstance(item, Dictionary) or item.get("/Type") in (Name.MCR, Name.OBJR):
            continue
        kids = element_kids(item)
        kept = [k for k in kids if not _objr_to(k, gone)
                and not (isinstance(k, Dictionary) and k.get("/Type") not in (Name.MCR, Name.OBJR)
                         and _drop_references(k, gone, depth + 1))]
        if len(kept) != len(kids):
            item.K = Array(kept)
    return isinstance(node, Dictionary) and node.get("/Type") == Name.StructElem and not element_kids(node)
