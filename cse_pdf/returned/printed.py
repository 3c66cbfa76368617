"""Read a flattened copy: the form "printed to PDF", its fields gone, only the drawn page left.

Every page of a generated form prints its form id and version in the footer, and
the layout knows where each field's box is; so the text inside each box is the
answer, and a mark inside a tick box or radio circle is a tick. Less certain than
reading fields (a wrapped line looks like a typed newline), and said so.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from typing import Any

import pdfplumber
from pypdf import PdfReader

from cse_pdf.base.notices import Notice, NoticeCode
from cse_pdf.blank.layout import Placement, placements_by_field, render_pages
from cse_pdf.form.catalog import find_form
from cse_pdf.form.identity import Identity
from cse_pdf.form.spec import FormSpec

_FOOTER = re.compile(r"form ([a-z0-9][a-z0-9-]*) · version ([A-Za-z0-9._-]+)")
_PAGE = re.compile(r"\bPage (\d+)\b")
# The footer of the summary page stamping puts in front (summary.py): a copy that has one is a stamped
# copy made by cse-pdf, not a return, even with its fields and metadata gone.
_SUMMARY_FOOTER = re.compile(r"by cse-pdf from the returned form that follows.*Summary page \d+", re.S)
FOOTER_BAND = 40.0  # points at the bottom of a page where the footer is printed
INSET = 1.5  # look strictly inside a box, so its own printed frame does not count as a mark
MAX_PAGES = 60  # a flattened cse-pdf form is a handful of pages (plus a summary); past this it is not one

WARNING = Notice.of(NoticeCode.FLATTENED)


def read_flattened(data: bytes, spec: FormSpec | None = None) -> tuple[Identity, FormSpec, dict, list[Notice]] | None:
    """(identity, spec, values, notes) from a copy named in its page footers; None if no page names a form."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        found = _identify(pdf)
        if found is None:
            return None
        identity, pages = found
        spec = spec or find_form(identity.form, identity.version)
        values, notes = read_flattened_values(spec, pages)
        return identity, spec, values, notes


def _identify(pdf: Any) -> tuple[Identity, dict[int, Any]] | None:
    """The form named in the page footers and, for each form page number, its page."""
    found: Identity | None = None
    pages: dict[int, Any] = {}
    summary = False
    for page in pdf.pages[:MAX_PAGES]:
        footer = page.crop((0, page.height - FOOTER_BAND, page.width, page.height)).extract_text() or ""
        form, number = _FOOTER.search(footer), _PAGE.search(footer)
        if not form or not number:
            summary = summary or bool(_SUMMARY_FOOTER.search(footer))  # cse-pdf's summary page put in front
            continue
        identity = Identity(form.group(1), form.group(2), hash="")
        if found is None:
            found = identity
        if identity == found:
            pages.setdefault(int(number.group(1)) - 1, page)
    if found is not None and summary:
        found = replace(found, stamped="summary-page")
    return (found, pages) if found else None


def read_flattened_values(spec: FormSpec, pages: dict[int, Any]) -> tuple[dict[str, Any], list[Notice]]:
    """Values by field id from the printed pages, with a note for each form page that is missing."""
    placements = _placements(spec, max(pages, default=0) + 1)
    by_field = placements_by_field(placements)
    missing_pages = sorted({p.page for p in placements} - set(pages))
    notes = [Notice.of(NoticeCode.PAGE_MISSING, page=n + 1) for n in missing_pages]
    values: dict[str, Any] = {}
    for field in spec.fields:
        places = [p for p in by_field[field.id] if p.page in pages]
        if not places:
            values[field.id] = False if field.type == "checkbox" else None
        elif field.type == "checkbox":
            values[field.id] = _marked(pages[places[0].page], places[0])
        elif field.type == "radio":
            marked = [p.export for p in places if _marked(pages[p.page], p)]
            values[field.id] = marked[0] if len(marked) == 1 else None
            if len(marked) > 1:
                notes.append(Notice.of(NoticeCode.SEVERAL_TICKED, field.id))
        else:
            text = _text(pages[places[0].page], places[0])
            if text is not None and is_glyph_garbage(text):
                notes.append(Notice.of(NoticeCode.UNREADABLE_TEXT, field.id))
                text = None
            if field.type == "dropdown" and text is not None:
                choice = next((o.value for o in field.options if text in (o.label, o.value)), None)
                if choice is None:
                    notes.append(Notice.of(NoticeCode.NO_SUCH_OPTION, field.id))
                text = choice
            values[field.id] = text
    return values, notes


# pdfminer's marker for a glyph it could not map, the replacement character, private-use characters (what
# some fonts map glyphs to) and control characters other than line breaks and tabs: none is a typed answer.
_GARBAGE = re.compile(r"\(cid:\d+\)|[\ufffd\ue000-\uf8ff\U000f0000-\U0010ffff\x00-\x08\x0b-\x1f\x7f-\x9f]")


def is_glyph_garbage(text: str) -> bool:
    """Text recovered from a page that is not all real characters: unanswered, never stored as an answer
    (a name of '(cid:0)(cid:0)' would otherwise be recorded and printed on the summary page)."""
    return _GARBAGE.search(text) is not None


_PLACEMENTS: dict[tuple[str, str, str, bool], tuple[list[Placement], int]] = {}


def _layout(spec: FormSpec, legacy: bool) -> tuple[list[Placement], int]:
    """Where every box is, and how many pages: laid out once per form version, not once per file in a batch."""
    key = (spec.id, spec.version, spec.content_hash, legacy)
    if key not in _PLACEMENTS:
        pdf, placements = render_pages(spec, legacy)
        _PLACEMENTS[key] = placements, len(PdfReader(io.BytesIO(pdf)).pages)
    return _PLACEMENTS[key]


def _placements(spec: FormSpec, last_page: int) -> list[Placement]:
    """The boxes of the layout the copy was printed from. Blanks generated before cse-pdf stopped leaving
    a page empty have more pages (a later page numbered past this layout's last one): their boxes lie
    where that older layout put them, so reading them with today's would take answers from the wrong page."""
    placements, count = _layout(spec, legacy=False)
    if last_page > count:
        old, old_count = _layout(spec, legacy=True)
        if old_count > count and last_page <= old_count:
            return old
    return placements


def _bbox(page: Any, p: Placement, inset: float) -> tuple[float, float, float, float]:
    """PDF rectangle (origin bottom left) → pdfplumber's (origin top left), shrunk by `inset`."""
    x0, y0, x1, y1 = p.rect
    return (x0 + inset, page.height - y1 + inset, x1 - inset, page.height - y0 - inset)


def _marked(page: Any, p: Placement) -> bool:
    """A tick or dot: a glyph centred in the box, or a drawing smaller than the box's own printed frame."""
    x0, top, x1, bottom = _bbox(page, p, INSET)

    def centred(o: dict) -> bool:
        return x0 <= (o["x0"] + o["x1"]) / 2 <= x1 and top <= (o["top"] + o["bottom"]) / 2 <= bottom

    def smaller(o: dict) -> bool:
        return o["x1"] - o["x0"] < (x1 - x0) and o["bottom"] - o["top"] < (bottom - top)

    if any(centred(c) and c["text"].strip() for c in page.chars):
        return True
    return any(centred(o) and smaller(o) for o in (*page.curves, *page.lines, *page.rects))


def _runs(page: Any) -> list[list[dict]]:
    """The page's glyphs cut into runs as drawn (one Tj line each): a run belongs to the box it starts in,
    even where it overflows into the next box (clipped on screen, still in the file)."""
    cached = getattr(page, "_cse_runs", None)
    if cached is not None:
        return cached
    runs: list[list[dict]] = []
    for char in page.chars:
        last = runs[-1][-1] if runs else None
        if (last is None or abs(char["top"] - last["top"]) > 1 or char["x0"] < last["x0"] - 0.5
                or char["x0"] - last["x1"] > 1.5):  # glyphs of one run touch; separate boxes do not
            runs.append([char])
        else:
            runs[-1].append(char)
    page._cse_runs = runs
    return runs


def _text(page: Any, p: Placement) -> str | None:
    x0, top, x1, bottom = _bbox(page, p, 0.5)
    lines: dict[float, list[list[dict]]] = {}
    for run in _runs(page):
        first = run[0]
        if x0 <= (first["x0"] + first["x1"]) / 2 <= x1 and top <= (first["top"] + first["bottom"]) / 2 <= bottom:
            lines.setdefault(round(first["top"]), []).append(run)
    text = "\n".join("".join(c["text"] for run in sorted(runs, key=lambda r: r[0]["x0"]) for c in run).rstrip()
                     for _, runs in sorted(lines.items()))
    return text.strip() or None
