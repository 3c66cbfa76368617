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


def _kids(elem: Dictionary) -> list[pikepdf.Object]:
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
    moved = _kids(front_doc) if front_doc is not None else _kids(copied)
    for kid in moved:
        if isinstance(kid, Dictionary):
            kid.P = parent
    parent.K = Array(moved + _kids(parent))
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


def tag_untagged_pages(pdf: pikepdf.Pdf) -> int:
    """Give each page that has no structure (a return of a blank made before cse-pdf tagged its forms) what
    can be given without its layout's structure: the page's drawing as one paragraph, read in the order it
    was drawn, then each visible widget in a Form element in the page's tab order (/Annots), named by its
    own /TU as before. No headings or tables for such a page: the drawing does not say where they are.
    Returns how many pages were tagged so."""
    root = pdf.Root.get("/StructTreeRoot")
    if not isinstance(root, Dictionary):
        return 0
    document = _document_element(root) or root
    entries = number_tree_entries(root.get("/ParentTree"))
    key = next_struct_key(pdf)
    kids = _kids(document)
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
