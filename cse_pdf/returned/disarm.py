"""Take out of a stamped copy whatever a returned file could make the reader's viewer do.

cse-pdf itself never runs or follows anything in a file. But the stamped copy is a clone of
what came in by email, and an administrator opens it in Acrobat: an action added to the
return (open a web page, launch a program, submit the form somewhere, run a script) would
run there. So every action a viewer would run is removed, except moves within the document
and the form's own scripts, recognised by being exactly what the layout compiles to (live
scoring, date checks): a script someone edited is removed like any other. Embedded files,
XFA, and attachment, sound, movie and 3D annotations go too; a form has none of its own.
"""

from __future__ import annotations

from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream

from cse_pdf.blank.live_scoring import every_calculate_script
from cse_pdf.blank.widgets import DATE_SCRIPTS, LEGACY_DATE_SCRIPTS
from cse_pdf.form.blocks import LIVE_FIELDS
from cse_pdf.form.spec import FormSpec

# Actions that only move around inside the document or show/hide/reset its own fields.
HARMLESS_ACTIONS = {"/GoTo", "/Named", "/ResetForm", "/Hide", "/SetOCGState", "/Thread", "/Trans"}
ACTIVE_ANNOTATIONS = {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}
ACTION_KEYS = ("/A", "/OpenAction")
MAX_DEPTH = 32  # field trees and bookmark trees deeper than this are not real forms
MAX_PLACES = 200_000  # dictionaries looked at, at most: a hostile file's trees are cut off, not followed
MAX_CHAIN = 64  # an action's /Next chain longer than this (or a cycle) is not kept


def own_scripts(spec: FormSpec) -> set[str]:
    """Every script the generator puts in a form of this layout."""
    # Both spellings of the date scripts (today's, with no ";", and the earlier one) and the calculate
    # actions with each runtime forms were generated with: those forms are still out with agencies.
    scripts = set(DATE_SCRIPTS) | set(LEGACY_DATE_SCRIPTS)
    if spec.scoring is not None:
        scripts |= {script for name in LIVE_FIELDS for script in every_calculate_script(spec, name)}
    return scripts


def disarm(pdf: pikepdf.Pdf, spec: FormSpec) -> int:
    """Remove active content from `pdf` in place; returns how many things were removed."""
    allowed = own_scripts(spec)
    removed = 0
    root = pdf.Root
    names = root.get("/Names")
    if isinstance(names, Dictionary):
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in names:
                del names[key]
                removed += 1
    acro = root.get("/AcroForm")
    if isinstance(acro, Dictionary) and "/XFA" in acro:  # Acrobat would run an XFA form's own scripts
        del acro["/XFA"]
        removed += 1
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if isinstance(annots, Array):
            keep = [a for a in annots if _subtype(a) not in ACTIVE_ANNOTATIONS]
            if len(keep) != len(annots):
                removed += len(annots) - len(keep)
                page.obj.Annots = Array(keep)
    for obj in _where_actions_run(pdf):
        removed += _drop_actions(obj, allowed)
    return removed


def _where_actions_run(pdf: pikepdf.Pdf) -> list[Dictionary]:
    """Every dictionary whose actions a viewer runs (ISO 32000-1 12.6.2-12.6.4): the document catalog
    (/OpenAction, its triggers), each page (its triggers), each annotation (/A, its triggers), each form
    field up its /Parent chain (the field's triggers) and each bookmark (/A). Actions anywhere else are
    never run; reading only these, not every object of the file, keeps a stamp fast (issue 5)."""
    found: dict[Any, Dictionary] = {}

    def add(obj: Any) -> bool:
        if not isinstance(obj, Dictionary) or len(found) > MAX_PLACES:
            return False
        key = obj.objgen if obj.is_indirect else id(obj)
        if key in found:
            return False
        found[key] = obj
        return True

    root = pdf.Root
    add(root)
    for page in pdf.pages:
        add(page.obj)
        annots = page.obj.get("/Annots")
        for annot in annots if isinstance(annots, Array) else ():
            add(annot)
            node = annot.get("/Parent") if isinstance(annot, Dictionary) else None
            for _ in range(MAX_DEPTH):  # the field this widget belongs to, and its ancestors
                if not add(node):
                    break
                node = node.get("/Parent")
    acro = root.get("/AcroForm")
    fields = acro.get("/Fields") if isinstance(acro, Dictionary) else None
    stack = [(f, 0) for f in fields] if isinstance(fields, Array) else []
    outlines = root.get("/Outlines")
    if isinstance(outlines, Dictionary):
        stack.append((outlines, 0))
    while stack:  # the field tree by /Kids; the bookmark tree by /First and /Next
        node, depth = stack.pop()
        if depth > MAX_DEPTH or not add(node):
            continue
        kids = node.get("/Kids")
        stack += [(k, depth + 1) for k in (kids if isinstance(kids, Array) else ())]
        if "/First" in node:
            stack.append((node.First, depth + 1))
        if "/Next" in node:  # a sibling: as deep as this one
            stack.append((node.Next, depth))
    return list(found.values())


def _subtype(annot: Any) -> Any:
    return annot.get("/Subtype") if isinstance(annot, Dictionary) else None


def _drop_actions(obj: Any, allowed: set[str]) -> int:
    removed = 0
    for key in ACTION_KEYS:
        if key in obj and not _safe(obj[key], allowed):
            del obj[key]
            removed += 1
    if "/AA" in obj:
        triggers = obj.AA
        if isinstance(triggers, Dictionary):
            for key in list(triggers.keys()):
                if not _safe(triggers[key], allowed):
                    del triggers[key]
                    removed += 1
            if not triggers.keys():
                del obj["/AA"]
        else:
            del obj["/AA"]
            removed += 1
    return removed


def _safe(action: Any, allowed: set[str], chain: int = 0) -> bool:
    """A destination, a harmless action, or one of the form's own scripts; and so is all that follows it."""
    if chain > MAX_CHAIN:
        return False
    if isinstance(action, Array):
        if chain == 0:
            return True  # an explicit destination (for /OpenAction: the page to open at)
        return all(_safe(a, allowed, chain + 1) for a in action)  # /Next may list several actions
    if not isinstance(action, Dictionary):
        return False
    kind = action.get("/S")
    if kind == Name.JavaScript:
        if _script(action.get("/JS")) not in allowed:
            return False
    elif not isinstance(kind, Name) or str(kind) not in HARMLESS_ACTIONS:
        return False
    return "/Next" not in action or _safe(action.Next, allowed, chain + 1)


def _script(js: Any) -> str | None:
    try:
        if isinstance(js, Stream):
            return js.read_bytes().decode("latin-1")
        if isinstance(js, pikepdf.String):
            return str(js)
    except pikepdf.PdfError:  # a script stream that does not decode: not one of ours
        return None
    return None
