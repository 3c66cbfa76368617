"""Find every terminal field of an existing PDF by its fully qualified name.

Viewers mangle field trees (Preview drops fields from /AcroForm /Fields but
keeps the widgets on the pages; some write values on kids), so fields are found
from both the AcroForm tree and the page annotations, with loops and absurd
depths cut off rather than followed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from pypdf.generic import DictionaryObject

MAX_DEPTH = 32


@dataclass
class PdfField:
    name: str
    node: DictionaryObject  # the terminal field (for merged fields, also its only widget)
    widgets: list[DictionaryObject] = field(default_factory=list)

    def inherited(self, key: str) -> Any:
        """Look a key up the /Parent chain, as /FT, /Ff, /V and /DA inherit in PDF."""
        node: Any = self.node
        for _ in range(MAX_DEPTH):
            if node is None:
                return None
            if key in node:
                return node[key]
            parent = node.get("/Parent")
            node = parent.get_object() if parent is not None else None
        return None


def _key(obj: Any) -> Any:
    ref = getattr(obj, "indirect_reference", None)
    return (ref.idnum, ref.generation) if ref is not None else id(obj)


def _is_widget(d: DictionaryObject) -> bool:
    return d.get("/Subtype") == "/Widget"


def _qualified_name(node: DictionaryObject) -> str | None:
    parts: list[str] = []
    seen: set[Any] = set()
    current: Any = node
    for _ in range(MAX_DEPTH):
        if current is None:
            return ".".join(reversed(parts)) if parts else None
        if _key(current) in seen:
            return None
        seen.add(_key(current))
        if "/T" in current:
            parts.append(str(current["/T"]))
        parent = current.get("/Parent")
        current = parent.get_object() if parent is not None else None
    return None


def _terminal_of_widget(widget: DictionaryObject) -> DictionaryObject:
    """A widget with its own /T is a merged field; a nameless one belongs to its parent."""
    if "/T" in widget or "/Parent" not in widget:
        return widget
    return widget["/Parent"].get_object()


def _tree_widgets(pdf: Any) -> Iterator[DictionaryObject]:
    root = pdf.trailer["/Root"].get_object() if hasattr(pdf, "trailer") else pdf._root_object
    acro = root.get("/AcroForm")
    if acro is None:
        return
    fields = acro.get_object().get("/Fields")
    if fields is None:
        return
    stack: list[tuple[Any, int]] = [(f, 0) for f in reversed(list(fields.get_object()))]
    seen: set[Any] = set()
    while stack:
        ref, depth = stack.pop()
        node = ref.get_object()
        if not isinstance(node, DictionaryObject) or depth > MAX_DEPTH or _key(node) in seen:
            continue
        seen.add(_key(node))
        kids = node.get("/Kids")
        if kids is None:
            yield node
        else:
            stack.extend((k, depth + 1) for k in reversed(list(kids.get_object())))


def _page_widgets(pdf: Any) -> Iterator[DictionaryObject]:
    for page in pdf.pages:
        annots = page.get("/Annots")
        if annots is None:
            continue
        for ref in annots.get_object():
            annot = ref.get_object()
            if isinstance(annot, DictionaryObject) and _is_widget(annot):
                yield annot


def collect_fields(pdf: Any) -> dict[str, PdfField]:
    """Terminal fields by fully qualified name, each with its widgets (a PdfReader or PdfWriter)."""
    found: dict[str, PdfField] = {}
    widget_seen: set[Any] = set()
    for widget in list(_tree_widgets(pdf)) + list(_page_widgets(pdf)):
        if _key(widget) in widget_seen:
            continue
        widget_seen.add(_key(widget))
        terminal = _terminal_of_widget(widget)
        name = _qualified_name(terminal)
        if name is None:
            continue
        entry = found.setdefault(name, PdfField(name, terminal))
        if _is_widget(widget):
            entry.widgets.append(widget)
    return found


def on_states(f: PdfField) -> list[str]:
    """Each widget's on-state name (checkbox: often Yes; radio kid: its export value), without '/'."""
    states = []
    for w in f.widgets:
        ap = w.get("/AP")
        normal = ap.get_object().get("/N") if ap is not None else None
        normal = normal.get_object() if normal is not None else None
        names = [str(k)[1:] for k in normal.keys()] if isinstance(normal, DictionaryObject) else []
        states.append(next((n for n in names if n != "Off"), ""))
    return states
