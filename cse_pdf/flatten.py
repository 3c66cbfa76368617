"""Lock a form: draw each widget's current appearance into the page, then drop the fields.

A flattened stamped copy is what goes into a case file: it prints as shown and
nobody can change an answer in it by accident.
"""

from __future__ import annotations

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, ContentStream, DictionaryObject, NameObject

from .widgets import ANNOT_HIDDEN



def _appearance(widget: DictionaryObject):
    ap = widget.get("/AP")
    if ap is None:
        return None
    normal = ap.get_object().get("/N")
    if normal is None:
        return None
    normal = normal.get_object()
    if "/BBox" in normal:  # a stream: the one appearance
        return widget["/AP"].get_object().raw_get("/N")
    state = widget.get("/AS")
    return normal.raw_get(state) if state is not None and state in normal else None


def _placement(widget: DictionaryObject, xobject: DictionaryObject) -> str:
    """The cm operator that maps the appearance's BBox onto the widget's /Rect (no rotation)."""
    x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
    bx0, by0, bx1, by1 = (float(v) for v in xobject["/BBox"])
    sx = (abs(x1 - x0) / (bx1 - bx0)) if bx1 != bx0 else 1.0
    sy = (abs(y1 - y0) / (by1 - by0)) if by1 != by0 else 1.0
    return f"{sx:.4f} 0 0 {sy:.4f} {min(x0, x1) - bx0 * sx:.2f} {min(y0, y1) - by0 * sy:.2f} cm"


def flatten(writer: PdfWriter) -> None:
    for page_no, page in enumerate(writer.pages):
        annots = page.get("/Annots")
        if annots is None:
            continue
        keep = ArrayObject()
        drawn: list[bytes] = []
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else DictionaryObject()
        xobjects = resources.get("/XObject")
        xobjects = xobjects.get_object() if xobjects is not None else DictionaryObject()
        for i, ref in enumerate(annots.get_object()):
            annot = ref.get_object()
            if annot.get("/Subtype") != "/Widget":
                keep.append(ref)
                continue
            if int(annot.get("/F", 0)) & ANNOT_HIDDEN:
                continue
            stream_ref = _appearance(annot)
            if stream_ref is None:
                continue
            name = f"/CseFlat{page_no}_{i}"  # resources may be shared between pages
            xobjects[NameObject(name)] = stream_ref
            drawn.append(f"q {_placement(annot, stream_ref.get_object())} {name} Do Q".encode())
        resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = resources
        if drawn:  # the page as it was (isolated in q/Q), then the answers on top
            existing = page.get_contents()
            new = ContentStream(None, None)
            new.set_data(b"q\n" + (existing.get_data() if existing is not None else b"") + b"\nQ\n"
                         + b"\n".join(drawn) + b"\n")
            page.replace_contents(new)
        if keep:
            page[NameObject("/Annots")] = keep
        else:
            page.pop("/Annots", None)
    writer._root_object.pop("/AcroForm", None)
