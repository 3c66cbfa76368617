"""Join two tagged documents into one: a document's pages and structure put in front of another's.

A stamped copy is the summary pages followed by the returned form. A screen reader follows one structure
tree, so the summary's elements go first in the form's own Document element, and the numbers that tie
content to elements (page /StructParents, widget /StructParent, the ParentTree's keys) are renumbered so
that the two documents' never collide. A return of an older, untagged blank has no tree of its own: it gets
the summary's, and its form pages stay untagged (there is no structure in them to keep).
"""

from __future__ import annotations

import pikepdf
from pikepdf import Array, Dictionary, Name

LANGUAGE = "en-GB"


def number_tree_entries(tree: pikepdf.Object | None, depth: int = 0) -> dict[int, pikepdf.Object]:
    """Every key → value of a number tree (flat /Nums or nested /Kids); a tree nested absurdly deep is
    treated as ending there rather than recursing without bound."""
    found: dict[int, pikepdf.Object] = {}
    if not isinstance(tree, Dictionary) or depth > 32:
        return found
    nums = tree.get("/Nums")
    if isinstance(nums, Array):
        for i in range(0, len(nums) - 1, 2):
            if isinstance(nums[i], int):
                found[int(nums[i])] = nums[i + 1]
    kids = tree.get("/Kids")
    for kid in kids if isinstance(kids, Array) else ():
        found.update(number_tree_entries(kid, depth + 1))
    return found


def write_parent_tree(pdf: pikepdf.Pdf, root: Dictionary, entries: dict[int, pikepdf.Object]) -> None:
    """The ParentTree as one flat, sorted /Nums array (what every reader handles), and the next free key."""
    nums = Array()
    for key in sorted(entries):
        nums.append(key)
        nums.append(entries[key])
    root.ParentTree = pdf.make_indirect(Dictionary(Nums=nums))
    root.ParentTreeNextKey = (max(entries) + 1) if entries else 0


def next_struct_key(pdf: pikepdf.Pdf) -> int:
    """The first ParentTree key free in `pdf`, whatever its ParentTreeNextKey claims."""
    root = pdf.Root.get("/StructTreeRoot")
    if not isinstance(root, Dictionary):
        return 0
    used = list(number_tree_entries(root.get("/ParentTree")))
    claimed = root.get("/ParentTreeNextKey")
    return max([int(claimed) if isinstance(claimed, int) else 0] + [k + 1 for k in used])


def _document_element(root: Dictionary) -> Dictionary | None:
    kids = root.get("/K")
    kids = list(kids) if isinstance(kids, Array) else [kids] if kids is not None else []
    if len(kids) == 1 and isinstance(kids[0], Dictionary) and kids[0].get("/S") == Name.Document:
        return kids[0]
    return None


def element_kids(elem: Dictionary) -> list[pikepdf.Object]:
    """A structure element's /K as a list: one kid, an array of them, or none."""
    k = elem.get("/K")
    return list(k) if isinstance(k, Array) else [k] if k is not None else []


def prepend_tagged(pdf: pikepdf.Pdf, front: pikepdf.Pdf) -> None:
    """Put `front`'s pages before `pdf`'s, and its structure before `pdf`'s structure, in one tree."""
    offset = next_struct_key(pdf)
    count = len(front.pages)
    for i, page in enumerate(front.pages):
        pdf.pages.insert(i, page)
    front_root = front.Root.get("/StructTreeRoot")
    if not isinstance(front_root, Dictionary):
        return
    copied = pdf.copy_foreign(front_root)  # the pages just inserted are the ones its /Pg entries point to
    for page in pdf.pages[:count]:
        if "/StructParents" in page.obj:
            page.obj.StructParents = int(page.obj.StructParents) + offset
        for annot in page.obj.get("/Annots", ()):
            if isinstance(annot, Dictionary) and "/StructParent" in annot:
                annot.StructParent = int(annot.StructParent) + offset
    front_entries = {key + offset: value for key, value in number_tree_entries(copied.get("/ParentTree")).items()}

    own_root = pdf.Root.get("/StructTreeRoot")
    if not isinstance(own_root, Dictionary):
        pdf.Root.StructTreeRoot = copied
        write_parent_tree(pdf, copied, front_entries)
        return
    own_doc, front_doc = _document_element(own_root), _document_element(copied)
    parent = own_doc if own_doc is not None else own_root
    moved = element_kids(front_doc) if front_doc is not None else element_kids(copied)
    for kid in moved:
        if isinstance(kid, Dictionary):
            kid.P = parent
    parent.K = Array(moved + element_kids(parent))
    for key in ("/RoleMap", "/ClassMap"):  # the form's own entries win where both name the same thing
        theirs = copied.get(key)
        if isinstance(theirs, Dictionary):
            mine = own_root.get(key)
            merged = Dictionary({**{k: v for k, v in theirs.items()},
                                 **({k: v for k, v in mine.items()} if isinstance(mine, Dictionary) else {})})
            own_root[key] = merged
    write_parent_tree(pdf, own_root, {**number_tree_entries(own_root.get("/ParentTree")), **front_entries})


def declare_tagged(pdf: pikepdf.Pdf) -> None:
    """What a reader checks before it trusts the tree: marked, the language, the title shown, tab order by
    structure on every page."""
    pdf.Root.MarkInfo = Dictionary(Marked=True)
    pdf.Root.Lang = pikepdf.String(LANGUAGE)
    prefs = pdf.Root.get("/ViewerPreferences")
    if not isinstance(prefs, Dictionary):
        prefs = pdf.Root.ViewerPreferences = Dictionary()
    prefs.DisplayDocTitle = True
    for page in pdf.pages:
        page.obj.Tabs = Name.S


def _hidden(annot: Dictionary) -> bool:
    flags = annot.get("/F")
    return isinstance(flags, int) and bool(int(flags) & 2)


def _open_tree(pdf: pikepdf.Pdf,
               ) -> tuple[Dictionary, Dictionary, dict[int, pikepdf.Object], list[pikepdf.Object]] | None:
    """The document's structure root, its Document element (or the root), its ParentTree entries and the
    element's kids, for adding elements at the end; None when the document has no tree."""
    root = pdf.Root.get("/StructTreeRoot")
    if not isinstance(root, Dictionary):
        return None
    document = _document_element(root) or root
    return root, document, number_tree_entries(root.get("/ParentTree")), element_kids(document)


def tag_untagged_pages(pdf: pikepdf.Pdf) -> int:
    """Give each page that has no structure (a return of a blank made before cse-pdf tagged its forms) what
    can be given without its layout's structure: the page's drawing as one paragraph, read in the order it
    was drawn, then each visible widget in a Form element in the page's tab order (/Annots), named by its
    own /TU as before. No headings or tables for such a page: the drawing does not say where they are.
    Returns how many pages were tagged so."""
    tree = _open_tree(pdf)
    if tree is None:
        return 0
    root, document, entries, kids = tree
    key = next_struct_key(pdf)
    tagged = 0
    for page in pdf.pages:
        if "/StructParents" in page.obj or "/Contents" not in page.obj:
            continue
        part = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Div, P=document, Pg=page.obj))
        drawing = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.P, P=part, Pg=page.obj, K=0))
        page.contents_add(pdf.make_stream(b"/P <</MCID 0>> BDC\n"), prepend=True)
        page.contents_add(pdf.make_stream(b"\nEMC\n"), prepend=False)
        page.obj.StructParents = key
        entries[key] = pdf.make_indirect(Array([drawing]))
        key += 1
        part_kids = [drawing]
        for annot in page.obj.get("/Annots", ()):
            if not isinstance(annot, Dictionary) or annot.get("/Subtype") != Name.Widget or _hidden(annot) \
                    or "/StructParent" in annot:
                continue
            form = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Form, P=part, Pg=page.obj,
                                                K=Dictionary(Type=Name.OBJR, Pg=page.obj, Obj=annot)))
            annot.StructParent = key
            entries[key] = form
            key += 1
            part_kids.append(form)
        part.K = Array(part_kids)
        kids.append(part)
        tagged += 1
    if tagged:
        document.K = Array(kids)
        write_parent_tree(pdf, root, entries)
    return tagged


PATH_BUILDING = {"m", "l", "c", "v", "y", "h", "re"}
PATH_ENDING = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n"}
PAINTING = {"Tj", "TJ", "'", '"', "Do", "sh", "INLINE IMAGE"} | PATH_ENDING - {"n"}


def _units(instructions: list) -> list[tuple[int, int, bool]]:
    """The page's instructions cut into units that marked content may wrap whole (a text object, a path from
    its first point to its painting, one other operator): (start, end, paints-outside-any-marked-content)."""
    units: list[tuple[int, int, bool]] = []
    depth, i = 0, 0
    while i < len(instructions):
        op = str(instructions[i].operator)
        if op in ("BDC", "BMC"):
            depth += 1
        elif op == "EMC":
            depth = max(depth - 1, 0)
        end = i
        if depth == 0 and (op == "BT" or op in PATH_BUILDING):
            closing = {"ET"} if op == "BT" else PATH_ENDING
            end = next((j for j in range(i + 1, len(instructions))
                        if str(instructions[j].operator) in closing | {"BDC", "BMC", "EMC"}), len(instructions) - 1)
            if str(instructions[end].operator) in ("BDC", "BMC", "EMC"):  # marked content inside: leave it be
                end = i
        paints = depth == 0 and any(str(instructions[k].operator) in PAINTING for k in range(i, end + 1))
        units.append((i, end, paints))
        i = end + 1
    return units


def tag_leftover_content(pdf: pikepdf.Pdf) -> int:
    """Make part of the structure whatever a page paints outside any marked content, so that nothing is left
    untagged whatever the returned file held: e.g. a "printed" copy of a tagged form, whose viewer drew each
    field's answer into the page after the form's own tagged content. Each page's leftovers become one
    paragraph at the end of the document (their place in the form is not known), and references to widgets
    that no longer exist are dropped. Returns how many pages had leftovers."""
    tree = _open_tree(pdf)
    if tree is None:
        return 0
    root, document, entries, kids = tree
    on_pages = {a.objgen for page in pdf.pages for a in page.obj.get("/Annots", ()) if isinstance(a, Dictionary)}
    dropped = _drop_missing_widgets(document, on_pages)
    pages = 0
    for page in pdf.pages:
        instructions = list(pikepdf.parse_content_stream(page))
        units = _units(instructions)
        if not any(paints for _, _, paints in units):
            continue
        used = [int(i.operands[1].MCID) for i in instructions if str(i.operator) == "BDC" and len(i.operands) > 1
                and isinstance(i.operands[1], Dictionary) and "/MCID" in i.operands[1]]
        key = page.obj.get("/StructParents")
        if not isinstance(key, int) or not isinstance(entries.get(int(key)), Array):
            key = max([next_struct_key(pdf), *(k + 1 for k in entries)])
            page.obj.StructParents = key
            entries[int(key)] = pdf.make_indirect(Array())
        marks = entries[int(key)]
        mcid = max(used + [len(marks) - 1]) + 1
        leftover = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.P, P=document, Pg=page.obj))
        numbers = Array()
        out: list = []
        for start, end, paints in units:
            run = instructions[start:end + 1]
            if paints:
                out.append(([Name.P, Dictionary(MCID=mcid)], pikepdf.Operator("BDC")))
                out += run
                out.append(([], pikepdf.Operator("EMC")))
                while len(marks) <= mcid:
                    marks.append(None)
                marks[mcid] = leftover
                numbers.append(mcid)
                mcid += 1
            else:
                out += run
        leftover.K = numbers
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(out))
        kids.append(leftover)
        pages += 1
    if pages or dropped:
        document.K = Array(kids)
        write_parent_tree(pdf, root, {k: v for k, v in entries.items() if not (
            isinstance(v, Dictionary) and v.objgen in dropped)})
    return pages


def _drop_missing_widgets(node: Dictionary, on_pages: set[tuple[int, int]], depth: int = 0) -> set[tuple[int, int]]:
    """Remove object references to widgets on no page, and the elements left empty by that; the removed
    elements' object numbers (their ParentTree entries go too)."""
    dropped: set[tuple[int, int]] = set()
    if depth > 200:
        return dropped
    kept = []
    for kid in element_kids(node):
        if isinstance(kid, Dictionary) and kid.get("/Type") == Name.OBJR:
            obj = kid.get("/Obj")
            if isinstance(obj, Dictionary) and obj.get("/Subtype") == Name.Widget and obj.objgen not in on_pages:
                continue
        elif isinstance(kid, Dictionary) and kid.get("/Type") != Name.MCR:
            dropped |= _drop_missing_widgets(kid, on_pages, depth + 1)
            if not element_kids(kid) and kid.get("/S") == Name.Form:
                dropped.add(kid.objgen)
                continue
        kept.append(kid)
    if len(kept) != len(element_kids(node)):
        node.K = Array(kept)
    return dropped
