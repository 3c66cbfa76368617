"""Find every terminal field of an existing PDF by its fully qualified name.

Viewers mangle field trees (Preview drops fields from /AcroForm /Fields but
keeps the widgets on the pages; some write values on kids), so fields are found
from both the AcroForm tree and the page annotations, with loops and absurd
depths cut off rather than followed.

One walk serves two object models: pikepdf (qpdf), which reading, filling (fill.py)
and stamping all use because it is many times faster, and pypdf, whose PdfReader
and PdfWriter the tests hand in to see a blank or a stamped copy through a second
library. The few things that differ between them (dereferencing, object identity,
the document root, plain Python values) sit in the two small adapters below.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import pikepdf
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, NullObject

MAX_DEPTH = 32
HIDDEN, NO_VIEW = 2, 32  # annotation flags (/F) that keep a widget off the screen
MIN_VISIBLE = 0.5  # points: a widget narrower or lower than this shows nothing a person could see
Box = tuple[float, float, float, float]  # (left, bottom, right, top) in points


class PdfName(str):
    """A PDF name in plain Python, written with its '/' ("/Yes"): told apart from a text string."""


PlainValue = str | PdfName | list | None


MAX_ITEMS = 100_000  # array elements made plain per value read


def _plain_array(items: Iterable[Any], plain: Any, budget: list[int] | None, depth: int) -> list[PlainValue]:
    """An array as a list, nested arrays included, cut off at MAX_DEPTH and after MAX_ITEMS elements in
    all: a hostile array of references to itself would otherwise be followed for ever (or 2**depth times)."""
    budget = [MAX_ITEMS] if budget is None else budget
    out: list[PlainValue] = []
    if depth >= MAX_DEPTH:
        return out
    for item in items:
        if budget[0] <= 0:
            break
        budget[0] -= 1
        out.append(plain(item, budget, depth + 1))
    return out


class _PypdfModel:
    """pypdf's objects: references are IndirectObjects, names are NameObjects (a str)."""

    @staticmethod
    def deref(obj: Any) -> Any:
        return obj.get_object() if isinstance(obj, IndirectObject) else obj

    @staticmethod
    def is_dict(obj: Any) -> bool:
        return isinstance(obj, DictionaryObject)  # a stream is one too, as in pypdf

    @staticmethod
    def get(obj: Any, key: str) -> Any:
        return obj.get(key)

    @staticmethod
    def key(obj: Any) -> Any:
        ref = getattr(obj, "indirect_reference", None)
        return (ref.idnum, ref.generation) if ref is not None else id(obj)

    @staticmethod
    def root(pdf: Any) -> Any:
        return pdf.trailer["/Root"].get_object() if hasattr(pdf, "trailer") else pdf._root_object

    @staticmethod
    def pages(pdf: Any) -> Iterable[Any]:
        return pdf.pages

    @classmethod
    def plain(cls, obj: Any, budget: list[int] | None = None, depth: int = 0) -> PlainValue:
        obj = cls.deref(obj)
        if obj is None or isinstance(obj, NullObject):
            return None
        if isinstance(obj, NameObject):
            return PdfName(obj)
        if isinstance(obj, ArrayObject):
            return _plain_array(obj, cls.plain, budget, depth)
        return str(obj)


_direct = itertools.count()


class _PikepdfModel:
    """pikepdf's objects: references are followed on access, numbers and null come back as Python values."""

    @staticmethod
    def deref(obj: Any) -> Any:
        return obj

    @staticmethod
    def is_dict(obj: Any) -> bool:
        return isinstance(obj, pikepdf.Dictionary) or isinstance(obj, pikepdf.Stream)  # a stream, as in pypdf

    @staticmethod
    def get(obj: Any, key: str) -> Any:
        """`obj.get(key)`, without pikepdf's costly miss (a raised and caught KeyError): most lookups miss."""
        return obj[key] if key in obj else None

    @staticmethod
    def key(obj: Any) -> Any:
        """Object number for an indirect object; a direct one (it cannot be in a loop) is never a repeat."""
        gen = obj.objgen if isinstance(obj, pikepdf.Object) else (0, 0)
        return gen if gen != (0, 0) else ("direct", next(_direct))

    @staticmethod
    def root(pdf: Any) -> Any:
        return pdf.Root

    @staticmethod
    def pages(pdf: Any) -> Iterable[Any]:
        return (page.obj for page in pdf.pages)

    @classmethod
    def plain(cls, obj: Any, budget: list[int] | None = None, depth: int = 0) -> PlainValue:
        if obj is None:
            return None
        if isinstance(obj, pikepdf.Name):
            return PdfName(str(obj))
        if isinstance(obj, pikepdf.String):
            return str(obj)  # PDFDocEncoding or UTF-16 (with BOM) decoded by qpdf
        if isinstance(obj, pikepdf.Array):
            return _plain_array(obj, cls.plain, budget, depth)
        return str(obj)  # a number (pikepdf gives Python's), as pypdf's str() of it would be


Model = type[_PypdfModel] | type[_PikepdfModel]


def model_of(pdf: Any) -> Model:
    """The adapter for a document: a pikepdf.Pdf, or a pypdf PdfReader or PdfWriter."""
    return _PikepdfModel if isinstance(pdf, pikepdf.Pdf) else _PypdfModel


@dataclass
class PdfField:
    """One fully qualified name and everything in the file that carries it.

    Normally one terminal field with its widgets. A hostile or mangled file can hold several terminals
    of the same name (a hidden leftover, or one at another place in the hierarchy): `node` is the first
    found, `terminals` all of them, and `owners[i]` says which terminal `widgets[i]` belongs to, so a
    reader can tell apart what a viewer shows from what it does not (see `shown`)."""

    name: str
    node: Any  # the terminal field's dictionary (for merged fields, also its only widget), pypdf or pikepdf
    widgets: list[Any] = field(default_factory=list)
    model: Model = _PypdfModel
    terminals: list[Any] = field(default_factory=list)  # every terminal of this name, `node` first
    owners: list[int] = field(default_factory=list)  # per widget: its terminal's index in `terminals`
    placed: list[bool] = field(default_factory=list)  # per widget: in some page's /Annots
    boxes: list[Box | None] = field(default_factory=list)  # per widget: the visible box of its page, if known
    terminal_keys: dict[Any, int] = field(default_factory=dict, repr=False)  # terminal's key → its index

    def __post_init__(self) -> None:
        """A field made by hand (one terminal, widgets all placed): the same picture as one collected."""
        if not self.terminals:
            self.terminals = [self.node]
        if len(self.owners) != len(self.widgets):
            self.owners = [0] * len(self.widgets)
        if len(self.placed) != len(self.widgets):
            self.placed = [True] * len(self.widgets)
        if len(self.boxes) != len(self.widgets):
            self.boxes = [None] * len(self.widgets)

    def by_terminal(self) -> list[list[int]]:
        """For each terminal, the indices of its widgets."""
        out: list[list[int]] = [[] for _ in self.terminals]
        for i, owner in enumerate(self.owners):
            out[owner].append(i)
        return out

    def view(self, terminal: int, picked: list[int] | None = None) -> "PdfField":
        """This name as only one of its terminals (with that terminal's widgets, `picked`) would read."""
        picked = [i for i, o in enumerate(self.owners) if o == terminal] if picked is None else picked
        return PdfField(self.name, self.terminals[terminal], [self.widgets[i] for i in picked], self.model,
                        [self.terminals[terminal]], [0] * len(picked), [self.placed[i] for i in picked],
                        [self.boxes[i] for i in picked])

    def shown(self, i: int) -> bool:
        """Whether a viewer shows widget i at all: placed on a page, not flagged Hidden or NoView, and
        with an area a person could see on that page (a zero-size /Rect, or one off the page, shows nothing)."""
        if not self.placed[i]:
            return False
        widget, get = self.widgets[i], self.model.get
        try:
            flags = int(self.model.deref(get(widget, "/F")) or 0)
        except (TypeError, ValueError):
            flags = 0
        if flags & (HIDDEN | NO_VIEW):
            return False
        rect = self.model.deref(get(widget, "/Rect"))
        box = _box(rect, self.model)
        if box is None:
            return False  # no rectangle (or no numbers in it): nowhere on the page to show
        page = self.boxes[i]
        if page is not None:  # only the part on the page can be seen
            box = (max(box[0], page[0]), max(box[1], page[1]), min(box[2], page[2]), min(box[3], page[3]))
        return box[2] - box[0] >= MIN_VISIBLE and box[3] - box[1] >= MIN_VISIBLE

    def inherited(self, key: str) -> Any:
        """Look a key up the /Parent chain, as /FT, /Ff, /V and /DA inherit in PDF (the model's own object)."""
        node: Any = self.node
        for _ in range(MAX_DEPTH):
            if node is None or not self.model.is_dict(node):
                return None
            if key in node:
                return node[key]
            node = self.model.deref(self.model.get(node, "/Parent"))
        return None

    def value(self, key: str) -> PlainValue:
        """`inherited` as plain Python: str for text, PdfName for a name, list for an array."""
        return self.model.plain(self.inherited(key))

    def own(self, key: str) -> PlainValue:
        """The terminal field's own entry (not inherited), as plain Python."""
        return self.model.plain(self.model.get(self.node, key))

    def of_widgets(self, key: str) -> list[PlainValue]:
        """Each widget's own entry (/AS, /V), as plain Python."""
        get, plain = self.model.get, self.model.plain
        return [plain(get(w, key)) for w in self.widgets]

    def on_state(self, widget: Any) -> str:
        """A widget's on-state name (checkbox: often Yes; radio kid: its export value), without '/'; '' if none."""
        deref, get, is_dict = self.model.deref, self.model.get, self.model.is_dict
        ap = deref(get(widget, "/AP"))
        normal = deref(get(ap, "/N")) if ap is not None and is_dict(ap) else None
        names = [str(k)[1:] for k in normal.keys()] if normal is not None and is_dict(normal) else []
        return next((n for n in names if n != "Off"), "")


def _is_widget(d: Any, model: Model) -> bool:
    return model.get(d, "/Subtype") == "/Widget"


def _qualified_name(node: Any, model: Model) -> str | None:
    parts: list[str] = []
    seen: set[Any] = set()
    current: Any = node
    for _ in range(MAX_DEPTH):
        if current is None:
            return ".".join(reversed(parts)) if parts else None
        if not model.is_dict(current):
            return None
        key = model.key(current)
        if key in seen:
            return None
        seen.add(key)
        if "/T" in current:
            parts.append(str(current["/T"]))
        current = model.deref(model.get(current, "/Parent"))
    return None


def _terminal_of_widget(widget: Any, model: Model) -> Any:
    """A widget with its own /T is a merged field; a nameless one belongs to its parent."""
    if "/T" in widget or "/Parent" not in widget:
        return widget
    return model.deref(widget["/Parent"])


def _tree_widgets(pdf: Any, model: Model) -> Iterator[tuple[Any, Any]]:
    """(key, node) of every terminal node under /AcroForm /Fields."""
    acro = model.deref(model.get(model.root(pdf), "/AcroForm"))
    if acro is None or not model.is_dict(acro):
        return
    fields = model.deref(model.get(acro, "/Fields"))
    if fields is None:
        return
    stack: list[tuple[Any, int]] = [(f, 0) for f in reversed(list(fields))]
    seen: set[Any] = set()
    while stack:
        ref, depth = stack.pop()
        node = model.deref(ref)
        if depth > MAX_DEPTH or not model.is_dict(node):
            continue
        key = model.key(node)
        if key in seen:
            continue
        seen.add(key)
        kids = model.deref(model.get(node, "/Kids"))
        if kids is None:
            yield key, node
        else:
            stack.extend((k, depth + 1) for k in reversed(list(kids)))


def _page_annots(pdf: Any, model: Model) -> Iterator[tuple[Any, Any, Box | None]]:
    """(key, annotation, page box) of every page's annotations, widgets or not (the caller skips those it
    has). The page box is what a viewer shows of the page (CropBox within MediaBox, inherited), if readable."""
    for page in model.pages(pdf):
        annots = model.deref(model.get(page, "/Annots"))
        if annots is None:
            continue
        box = _page_box(page, model)
        for ref in annots:
            annot = model.deref(ref)
            yield model.key(annot), annot, box


def _box(rect: Any, model: Model) -> Box | None:
    """A rectangle as (left, bottom, right, top) floats, corners in either order; None if it is not one."""
    try:
        x0, y0, x1, y1 = (float(model.deref(v)) for v in list(rect)[:4])
    except (TypeError, ValueError):
        return None
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _page_box(page: Any, model: Model) -> Box | None:
    """The page's CropBox (clipped to its MediaBox), both inheritable from the page tree."""
    found: dict[str, Box | None] = {}
    node, seen = page, 0
    while node is not None and model.is_dict(node) and seen < MAX_DEPTH and len(found) < 2:
        for key in ("/MediaBox", "/CropBox"):
            if key not in found and key in node:
                found[key] = _box(model.deref(node[key]), model)
        node, seen = model.deref(model.get(node, "/Parent")), seen + 1
    media, crop = found.get("/MediaBox"), found.get("/CropBox")
    if media is None:
        return None  # no box to check against: placement on the page is not judged
    if crop is None:
        return media
    return max(media[0], crop[0]), max(media[1], crop[1]), min(media[2], crop[2]), min(media[3], crop[3])


def collect_fields(pdf: Any) -> dict[str, PdfField]:
    """Terminal fields by fully qualified name, each with its widgets (a pikepdf.Pdf, PdfReader or PdfWriter)."""
    model = model_of(pdf)
    found: dict[str, PdfField] = {}
    names: dict[Any, str | None] = {}  # by the terminal's key: a radio group's kids share one
    widget_seen: set[Any] = set()
    tree = list(_tree_widgets(pdf, model))
    annots = list(_page_annots(pdf, model))
    on_pages = {key: box for key, _, box in annots}  # a widget only in /Fields is on no page: no viewer shows it
    for from_pages, (key, widget) in [(False, kw) for kw in tree] + [(True, (k, a)) for k, a, _ in annots]:
        if key in widget_seen:  # most page annotations are the tree's widgets: known without a look inside
            continue
        widget_seen.add(key)
        if from_pages and not (model.is_dict(widget) and _is_widget(widget, model)):
            continue
        terminal = _terminal_of_widget(widget, model)
        terminal_key = model.key(terminal) if model.is_dict(terminal) else None
        name = names[terminal_key] if terminal_key in names else _qualified_name(terminal, model)
        if terminal_key is not None:
            names[terminal_key] = name
        if name is None:
            continue
        entry = found.get(name)
        if entry is None:
            entry = found[name] = PdfField(name, terminal, model=model, terminal_keys={terminal_key: 0})
        owner = entry.terminal_keys.get(terminal_key)
        if owner is None:  # a second terminal of the same name: kept, so that a reader sees both
            owner = entry.terminal_keys[terminal_key] = len(entry.terminals)
            entry.terminals.append(terminal)
        if from_pages or _is_widget(widget, model):
            entry.widgets.append(widget)
            entry.owners.append(owner)
            entry.placed.append(from_pages or key in on_pages)
            entry.boxes.append(on_pages.get(key))
    return found


def on_states(f: PdfField) -> list[str]:
    """Each widget's on-state name (checkbox: often Yes; radio kid: its export value), without '/'."""
    return [f.on_state(w) for w in f.widgets]
