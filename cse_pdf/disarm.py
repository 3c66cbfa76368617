"""Take out of a stamped copy whatever a returned file could make the reader's viewer do.

cse-pdf itself never runs or follows anything in a file. But the stamped copy is a clone of
what came in by email, and an administrator opens it in Acrobat: an action added to the
return (open a web page, launch a program, submit the form somewhere, run a script) would
run there. So everything that acts is removed, except moves within the document and the
form's own scripts, recognised by being exactly what the layout compiles to (live scoring,
date checks): a script someone edited is removed like any other. Embedded files and
attachment, sound, movie and 3D annotations go too; a form has none of its own.
"""

from __future__ import annotations

from typing import Any

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

from .live import calculate_script
from .spec import LIVE_FIELDS, FormSpec
from .widgets import DATE_SCRIPTS, LEGACY_DATE_SCRIPTS

# Actions that only move around inside the document or show/hide/reset its own fields.
HARMLESS_ACTIONS = {"/GoTo", "/Named", "/ResetForm", "/Hide", "/SetOCGState", "/Thread", "/Trans"}
ACTIVE_ANNOTATIONS = {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}
MAX_CHAIN = 64  # an action's /Next chain longer than this (or a cycle) is not kept


def own_scripts(spec: FormSpec) -> set[str]:
    """Every script the generator puts in a form of this layout."""
    # Both spellings of the date scripts: today's (no ";") and the one in forms generated earlier,
    # which are still out with agencies and coming back.
    scripts = set(DATE_SCRIPTS) | set(LEGACY_DATE_SCRIPTS)
    if spec.scoring is not None:
        scripts |= {calculate_script(spec, name) for name in LIVE_FIELDS}
    return scripts


def disarm(writer: PdfWriter, spec: FormSpec) -> int:
    """Remove active content from `writer` in place; returns how many things were removed."""
    allowed = own_scripts(spec)
    removed = 0
    root = writer._root_object
    names = root.get("/Names")
    if names is not None:
        names = names.get_object()
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in names:
                del names[key]
                removed += 1
    for obj in list(writer._objects):
        if obj is not None:
            removed += _clean(obj, allowed, depth=0)
    for page in writer.pages:
        annots = page.get("/Annots")
        if annots is None:
            continue
        annots = annots.get_object()
        if not isinstance(annots, ArrayObject):
            continue
        keep = ArrayObject(a for a in annots if _subtype(a) not in ACTIVE_ANNOTATIONS)
        removed += len(annots) - len(keep)
        page[NameObject("/Annots")] = keep
    return removed


def _subtype(annot: Any) -> Any:
    try:
        a = annot.get_object()
        return a.get("/Subtype") if isinstance(a, DictionaryObject) else None
    except Exception:  # a dangling reference: nothing to act on
        return None


def _clean(obj: Any, allowed: set[str], depth: int) -> int:
    """Drop unsafe /A, /OpenAction, /Next and /AA entries in `obj` and the direct objects inside it."""
    if depth > 32 or not isinstance(obj, (DictionaryObject, ArrayObject)):
        return 0
    removed = 0
    if isinstance(obj, DictionaryObject):
        for key in ("/A", "/OpenAction", "/Next"):
            if key in obj and not _safe(obj[key], allowed):
                del obj[key]
                removed += 1
        if "/AA" in obj:
            triggers = obj["/AA"].get_object() if isinstance(obj["/AA"], IndirectObject) else obj["/AA"]
            if isinstance(triggers, DictionaryObject):
                for key in list(triggers):
                    if not _safe(triggers[key], allowed):
                        del triggers[key]
                        removed += 1
                if not triggers:
                    del obj["/AA"]
            else:
                del obj["/AA"]
                removed += 1
        children = [v for k, v in obj.items() if k != "/Parent"]
    else:
        children = list(obj)
    for child in children:
        if not isinstance(child, IndirectObject):  # indirect ones are cleaned as objects of their own
            removed += _clean(child, allowed, depth + 1)
    return removed


def _safe(value: Any, allowed: set[str], chain: int = 0) -> bool:
    """A destination, a harmless action, or one of the form's own scripts; and so is all that follows it."""
    if chain > MAX_CHAIN:
        return False
    try:
        action = value.get_object()
    except Exception:
        return False
    if isinstance(action, ArrayObject):
        if chain == 0:
            return True  # an explicit destination (for /OpenAction: the page to open at)
        return all(_safe(a, allowed, chain + 1) for a in action)  # /Next may list several actions
    if not isinstance(action, DictionaryObject):
        return False
    kind = action.get("/S")
    if kind == "/JavaScript":
        if _script(action.get("/JS")) not in allowed:
            return False
    elif kind not in HARMLESS_ACTIONS:
        return False
    return "/Next" not in action or _safe(action["/Next"], allowed, chain + 1)


def _script(js: Any) -> str | None:
    try:
        js = js.get_object()
        if isinstance(js, StreamObject):
            return js.get_data().decode("latin-1")
        return str(js)
    except Exception:
        return None
