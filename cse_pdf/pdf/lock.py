"""Lock a form: draw each widget's current appearance into its page, then drop the fields.

A flattened stamped copy is what goes into a case file: it prints as shown and
nobody can change an answer in it by accident. qpdf does the drawing; every
appearance it draws is one cse-pdf has just written, so what is drawn is what
was read. Hidden widgets (the form identity) are not drawn and go with the fields.
"""

from __future__ import annotations

import pikepdf
from pikepdf import Array, Dictionary, Name


def flatten(pdf: pikepdf.Pdf) -> None:
    pdf.flatten_annotations("all")
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
