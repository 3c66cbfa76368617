"""What the viewers show: is every filled value drawn inside its widget?

Reading a filled file back (tests/test_roundtrip.py) proves the *data* survived; it says nothing
about what a person sees on screen or on paper. Here both the blank and the filled file are
rendered by a real renderer, with form widgets drawn, and each widget's rectangle (from
``cse_pdf.blank.layout.render_pages``, inset a little so borders do not count) is compared:

* a widget that should show something (text, a chosen option, a tick, the chosen radio kid) is
  *visible* when the filled render has at least ``MIN_INK`` pixels markedly darker than the
  blank render in that rectangle;
* a widget that should show nothing (an unticked box, the other kids of a radio group, an empty
  text field) is a *ghost* when it does.

Renderers:

* ``"poppler"`` — ``pdftoppm -gray -r DPI`` (poppler-utils: Evince, Okular, most Linux
  viewers and many print pipelines);
* ``"pdfium"`` — pypdfium2 with ``init_forms()`` and ``may_draw_forms=True`` (Chrome, Edge).

Only "some ink appeared" is measured, not which glyphs: a value whose non-ASCII letters were
dropped, drawn as "?" or as tofu boxes still counts as visible. Two hints at completeness:
``width_ratios`` (drawn width against a reference drawing of the same values) and
``missing_glyphs`` (characters Poppler said it had no font for). Look at the crops
(``save_crops``) to judge.
Pages are assumed unrotated with the media box at the origin, as cse-pdf generates them.
"""

from __future__ import annotations

import functools
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from cse_pdf.blank.layout import Placement, render_pages
from cse_pdf.form.spec import FormSpec

RENDERERS = ("poppler", "pdfium")
DPI = 100
INSET = 1.5  # points trimmed off each side of a widget rectangle: borders never count
DARKER = 64  # grey levels (0-255) a pixel must darken by to count as new ink
# New-ink pixels that make a mark. Measured at 100 dpi: an empty widget 0 (every engine, both
# renderers); a 9pt "i" 15, "1" 20-24; a tick 14-35 (pdf.js's is the smallest); a radio dot 30-64.
# A lone "." (2-3 pixels) is below it.
MIN_INK = 6


@dataclass(frozen=True)
class Page:
    """One rendered page: grey pixels (0 black, 255 white) and the page size in points."""

    pixels: np.ndarray
    width_pt: float
    height_pt: float


@dataclass(frozen=True)
class WidgetInk:
    """One widget's verdict: should it show a mark, and how much new ink it shows."""

    field_id: str
    export: str | None  # the radio kid's option value; None for every other kind
    kind: str
    page: int
    rect: tuple[float, float, float, float]
    expected: bool  # True: the value should be drawn here; False: this widget should stay as blank
    ink: int  # pixels at least DARKER grey levels darker than in the blank render

    @property
    def key(self) -> str:
        return self.field_id if self.export is None else f"{self.field_id}={self.export}"

    @property
    def marked(self) -> bool:
        return self.ink >= MIN_INK


def _page_sizes(pdf: Path) -> list[tuple[float, float]]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return [doc[i].get_size() for i in range(len(doc))]
    finally:
        doc.close()


def _render_poppler(pdf: Path, dpi: int) -> tuple[list[np.ndarray], str]:
    with tempfile.TemporaryDirectory() as tmp:
        # -gray without -png writes PGM: no PNG compression, ten times faster
        proc = subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), str(pdf), f"{tmp}/p"],
                              capture_output=True, text=True, timeout=120, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"pdftoppm failed ({proc.returncode}) on {pdf}: {proc.stderr.strip()}")
        # pdftoppm zero-pads page numbers to a common width, so name order is page order
        pages = [np.asarray(Image.open(pgm).convert("L")) for pgm in sorted(Path(tmp).glob("p-*.pgm"))]
        return pages, proc.stderr


def _render_pdfium(pdf: Path, dpi: int) -> list[np.ndarray]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        doc.init_forms()  # before any page is loaded, or widgets are not drawn
        out = []
        for i in range(len(doc)):
            page = doc[i]
            bitmap = page.render(scale=dpi / 72, may_draw_forms=True)
            out.append(np.asarray(bitmap.to_pil().convert("L")))
            page.close()
        return out
    finally:
        doc.close()


@functools.lru_cache(maxsize=24)
def _render_cached(path: str, stamp: tuple[int, int], renderer: str, dpi: int) -> tuple[tuple[Page, ...], str]:
    pdf = Path(path)
    warnings = ""
    if renderer == "poppler":
        images, warnings = _render_poppler(pdf, dpi)
    elif renderer == "pdfium":
        images = _render_pdfium(pdf, dpi)
    else:
        raise ValueError(f"unknown renderer {renderer!r}: use one of {RENDERERS}")
    sizes = _page_sizes(pdf)
    if len(images) != len(sizes):
        raise RuntimeError(f"{renderer} rendered {len(images)} pages of {pdf}, which has {len(sizes)}")
    return tuple(Page(img, w, h) for img, (w, h) in zip(images, sizes)), warnings


def render(pdf: Path, renderer: str, dpi: int = DPI) -> tuple[Page, ...]:
    """Every page of ``pdf`` as ``renderer`` draws it, widgets included (cached per file state)."""
    return _rendered(pdf, renderer, dpi)[0]


def _rendered(pdf: Path, renderer: str, dpi: int) -> tuple[tuple[Page, ...], str]:
    st = Path(pdf).stat()
    return _render_cached(str(Path(pdf).resolve()), (st.st_mtime_ns, st.st_size), renderer, dpi)


_NO_FONT = re.compile(r"couldn't find a font for character U\+([0-9A-Fa-f]{4,6})")


def missing_glyphs(pdf: Path, dpi: int = DPI) -> list[str]:
    """Characters Poppler found no font for while drawing ``pdf`` (and so left out), e.g. ``['Ł', 'ź']``.

    Poppler says so when it has to build a widget's appearance itself (NeedAppearances, or no
    /AP) from the /DA font and the form's /DR fonts. PDFium drops such glyphs silently.
    """
    warnings = _rendered(pdf, "poppler", dpi)[1]
    return sorted({chr(int(code, 16)) for code in _NO_FONT.findall(warnings)})


def crop(page: Page, rect: tuple[float, float, float, float], inset: float = INSET) -> np.ndarray:
    """The pixels inside ``rect`` (PDF points, origin bottom-left), ``inset`` points in from each side."""
    h_px, w_px = page.pixels.shape
    sx, sy = w_px / page.width_pt, h_px / page.height_pt
    x0, y0, x1, y1 = rect
    left = max(0, int(np.floor((x0 + inset) * sx)))
    right = min(w_px, int(np.ceil((x1 - inset) * sx)))
    top = max(0, int(np.floor((page.height_pt - y1 + inset) * sy)))
    bottom = min(h_px, int(np.ceil((page.height_pt - y0 - inset) * sy)))
    return page.pixels[top:bottom, left:right]


def new_ink(blank: np.ndarray, filled: np.ndarray) -> int:
    """Pixels markedly darker in ``filled`` than in ``blank`` (same-shaped grey crops)."""
    return int(np.count_nonzero(blank.astype(np.int16) - filled.astype(np.int16) >= DARKER))


def _shows_something(kind: str, value: object, export: str | None) -> bool:
    if kind == "checkbox":
        return value is True
    if kind == "radio":
        return value is not None and value == export
    return value not in (None, "", False)


_PLACEMENTS: dict[int, tuple[FormSpec, tuple[Placement, ...]]] = {}


def placements(spec: FormSpec) -> tuple[Placement, ...]:
    """Where every widget of ``spec`` is (laid out once per spec object)."""
    cached = _PLACEMENTS.get(id(spec))
    if cached is None or cached[0] is not spec:  # specs are unhashable pydantic models: key by identity
        cached = _PLACEMENTS[id(spec)] = (spec, tuple(render_pages(spec)[1]))
    return cached[1]


def widget_ink(blank_pdf: Path, filled_pdf: Path, spec: FormSpec, values: dict[str, object],
               renderer: str, dpi: int = DPI) -> list[WidgetInk]:
    """Every widget of ``spec``: whether ``values`` should mark it, and how much new ink it has."""
    blank, filled = render(blank_pdf, renderer, dpi), render(filled_pdf, renderer, dpi)
    if len(blank) != len(filled):
        raise RuntimeError(f"page count changed: blank {len(blank)}, filled {len(filled)}")
    out = []
    for p in placements(spec):
        b, f = crop(blank[p.page], p.rect), crop(filled[p.page], p.rect)
        if b.shape != f.shape:  # a page whose size changed: compare what overlaps
            h, w = min(b.shape[0], f.shape[0]), min(b.shape[1], f.shape[1])
            b, f = b[:h, :w], f[:h, :w]
        out.append(WidgetInk(p.field_id, p.export if p.kind == "radio" else None, p.kind, p.page, p.rect,
                             _shows_something(p.kind, values.get(p.field_id), p.export), new_ink(b, f)))
    return out


def visible_fields(blank_pdf: Path, filled_pdf: Path, spec: FormSpec, values: dict[str, object],
                   renderer: str, dpi: int = DPI) -> dict[str, bool]:
    """For every field with a value to show (non-empty text, a chosen option, a tick): is it drawn?

    A field is visible when every widget that should carry its value (the text box, the checkbox,
    the radio kid whose option was chosen) shows new ink against the blank render. Marks where
    none belong are reported by ``ghost_marks``, not here.
    """
    result: dict[str, bool] = {}
    for w in widget_ink(blank_pdf, filled_pdf, spec, values, renderer, dpi):
        if w.expected:
            result[w.field_id] = result.get(w.field_id, True) and w.marked
    missing = [fid for fid, v in values.items() if v not in (None, "", False) and fid not in result]
    for fid in missing:  # a value with no widget to draw it in (e.g. an option no kid exports)
        result[fid] = False
    return result


def ghost_marks(blank_pdf: Path, filled_pdf: Path, spec: FormSpec, values: dict[str, object],
                renderer: str, dpi: int = DPI) -> list[str]:
    """Widgets that should look blank but show ink: unticked boxes, unchosen radio kids, empty text.

    Radio kids are named ``field_id=export``.
    """
    return [w.key for w in widget_ink(blank_pdf, filled_pdf, spec, values, renderer, dpi)
            if not w.expected and w.marked]


def ink_width(blank: np.ndarray, filled: np.ndarray) -> int:
    """Pixels from the leftmost to the rightmost column with new ink (0 when there is none)."""
    cols = np.flatnonzero(((blank.astype(np.int16) - filled.astype(np.int16)) >= DARKER).any(axis=0))
    return int(cols[-1] - cols[0] + 1) if cols.size else 0


def width_ratios(blank_pdf: Path, filled_pdf: Path, reference_pdf: Path, spec: FormSpec, renderer: str,
                 kinds: tuple[str, ...] = ("text", "date", "multiline", "dropdown"), dpi: int = DPI,
                 ) -> dict[str, float]:
    """How wide each widget's drawn value is, relative to ``reference_pdf``'s drawing of the same value.

    A hint, not a proof, that glyphs went missing: with the reference filled by cse-pdf itself
    (Helvetica plus embedded DejaVu), complete Latin text measures 0.9-1.05 here and a name
    with one or two letters dropped or overprinted about 0.65-0.82. Dropdowns: a viewer that
    draws the export code ("05") instead of the label measures far below 0.5, PDFium's own arrow
    button pushes the ratio above 1. Fields the reference leaves blank are skipped.
    """
    blank, filled = render(blank_pdf, renderer, dpi), render(filled_pdf, renderer, dpi)
    reference = render(reference_pdf, renderer, dpi)
    out: dict[str, float] = {}
    for p in placements(spec):
        if p.kind not in kinds:
            continue
        b = crop(blank[p.page], p.rect)
        want = ink_width(b, crop(reference[p.page], p.rect))
        if want:
            out[p.field_id] = ink_width(b, crop(filled[p.page], p.rect)) / want
    return out


def save_crops(blank_pdf: Path, filled_pdf: Path, spec: FormSpec, keys: list[str], renderer: str,
               out_dir: Path, *, pad: float = 6.0, zoom: int = 3, dpi: int = DPI) -> list[Path]:
    """For each widget key (``field_id`` or ``field_id=export``): blank | filled crop side by side, enlarged."""
    out_dir.mkdir(parents=True, exist_ok=True)
    blank, filled = render(blank_pdf, renderer, dpi), render(filled_pdf, renderer, dpi)
    wanted = set(keys)
    paths = []
    for p in placements(spec):
        key = p.field_id if p.kind != "radio" else f"{p.field_id}={p.export}"
        if key not in wanted:
            continue
        b, f = crop(blank[p.page], p.rect, -pad), crop(filled[p.page], p.rect, -pad)
        h, w = min(b.shape[0], f.shape[0]), min(b.shape[1], f.shape[1])
        gap = np.full((h, 4), 128, dtype=np.uint8)
        both = np.hstack([b[:h, :w], gap, f[:h, :w]])
        img = Image.fromarray(both).resize((both.shape[1] * zoom, both.shape[0] * zoom), Image.NEAREST)
        path = out_dir / f"{key.replace('/', '_')}.png"
        img.save(path)
        paths.append(path)
    return paths
