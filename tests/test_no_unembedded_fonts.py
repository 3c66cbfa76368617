"""Every font a cse-pdf PDF draws with is embedded (PDF/UA-1, Matterhorn 31-009), widget appearances included:
cse-pdf's own ticks and dots are paths, not ZapfDingbats glyphs. The /DR's ZapfDingbats stays, unused by any
stream: tick boxes' /DA names it for viewers that draw their own mark when a worker clicks.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

import pikepdf
import pytest

from cse_pdf.blank.generate import generate
from cse_pdf.form.catalog import find_form
from cse_pdf.form.spec import FormSpec
from cse_pdf.returned.read import read_form
from cse_pdf.stamp.stamped_copy import stamp
from tests.conftest import FORM_IDS
from tests.helpers.forms import every_answer


def _stamped(spec: FormSpec, flatten_fields: bool = False) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        returned = Path(folder) / "returned.pdf"
        returned.write_bytes(generate(spec, every_answer(spec)))
        return stamp(returned, flatten_fields=flatten_fields).pdf


KINDS: dict[str, Callable[[FormSpec], bytes]] = {
    "blank": generate,
    "prefilled": lambda spec: generate(spec, every_answer(spec)),
    "stamped": _stamped,
    "stamped-flattened": lambda spec: _stamped(spec, flatten_fields=True),
}
CASES = [pytest.param(kind, form, id=f"{kind}-{form}", marks=[] if kind == "blank" else [pytest.mark.slow])
         for kind in KINDS for form in FORM_IDS]


def _streams_drawn(pdf: pikepdf.Pdf) -> Iterator[tuple[str, Any]]:
    """(where, resources) of every page and every appearance stream of every annotation, and of every form
    XObject they draw, however deep."""
    seen: set[tuple[int, int]] = set()

    def walk(where: str, resources: Any) -> Iterator[tuple[str, Any]]:
        if not isinstance(resources, pikepdf.Dictionary):
            return
        yield where, resources
        for name, xobject in resources.get("/XObject", {}).items():
            if xobject.is_indirect and xobject.objgen in seen:
                continue
            if xobject.is_indirect:
                seen.add(xobject.objgen)
            if xobject.get("/Subtype") == "/Form":
                yield from walk(f"{where} {name}", xobject.get("/Resources"))

    def appearances(where: str, entry: Any) -> Iterator[tuple[str, Any]]:
        if isinstance(entry, pikepdf.Stream):
            yield from walk(where, entry.get("/Resources"))
        elif isinstance(entry, pikepdf.Dictionary):  # states: /Yes, /Off, an export value
            for state, stream in entry.items():
                yield from appearances(f"{where}{state}", stream)

    for number, page in enumerate(pdf.pages, 1):
        yield from walk(f"page {number}", page.obj.get("/Resources"))
        for annot in page.obj.get("/Annots", []):
            for kind, entry in annot.get("/AP", {}).items():
                yield from appearances(f"page {number} {annot.get('/T', '')} {kind}", entry)


def _embedded(font: Any) -> bool:
    if font.get("/Subtype") == "/Type3":  # its glyphs are drawings in the file
        return True
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0]
    descriptor = font.get("/FontDescriptor")
    return isinstance(descriptor, pikepdf.Dictionary) and any(
        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def unembedded_fonts(data: bytes) -> list[str]:
    """Where each font a stream may draw with is not in the file, with its name."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [f"{where}: {name} {font.get('/BaseFont')}" for where, resources in _streams_drawn(pdf)
                for name, font in resources.get("/Font", {}).items() if not _embedded(font)]


_made: dict[tuple[str, str], bytes] = {}


def _pdf(kind: str, form: str) -> bytes:
    if (kind, form) not in _made:
        _made[(kind, form)] = KINDS[kind](find_form(form))
    return _made[(kind, form)]


@pytest.mark.parametrize(("kind", "form"), CASES)
def test_every_font_drawn_with_is_embedded(kind: str, form: str) -> None:
    assert unembedded_fonts(_pdf(kind, form)) == []


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="Poppler's pdffonts is not installed")
@pytest.mark.parametrize(("kind", "form"), CASES)
def test_poppler_finds_no_unembedded_font(kind: str, form: str, tmp_path: Path) -> None:
    """A second opinion from a reader: pdffonts lists the fonts of pages and of annotation appearances."""
    path = tmp_path / "copy.pdf"
    path.write_bytes(_pdf(kind, form))
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = listing.splitlines()[2:]
    assert rows, "pdffonts found no font at all"
    header = listing.splitlines()[0]
    emb = header.index(" emb ") + 1
    assert [row for row in rows if row[emb:emb + 3].strip() != "yes"] == []


def test_the_walk_sees_a_font_that_is_not_embedded() -> None:
    """The check itself: a ZapfDingbats tick, as cse-pdf drew before, is found."""
    pdf = pikepdf.new()
    zadb = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.ZapfDingbats))
    tick = pdf.make_stream(b"q 0 g BT /ZaDb 8 Tf 2 2 Td (4) Tj ET Q", Type=pikepdf.Name.XObject,
                           Subtype=pikepdf.Name.Form, BBox=[0, 0, 10, 10],
                           Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(ZaDb=zadb)))
    pdf.add_blank_page()
    box = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, Rect=[0, 0, 10, 10], T=pikepdf.String("box"),
        FT=pikepdf.Name.Btn, AP=pikepdf.Dictionary(N=pikepdf.Dictionary(Yes=tick))))
    pdf.pages[0].obj.Annots = pikepdf.Array([box])
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([box]))
    out = io.BytesIO()
    pdf.save(out)
    assert unembedded_fonts(out.getvalue()) == ["page 1 box /N/Yes: /ZaDb /ZapfDingbats"]


@pytest.mark.slow
@pytest.mark.parametrize("form", FORM_IDS)
def test_a_locked_stamped_copy_still_reads_its_path_drawn_ticks_and_radios(form: str, tmp_path: Path) -> None:
    """Once locked, a tick or dot is a drawing in the page (curves and lines, no glyph); the printed-copy reader
    still sees each one in its box, and no mark on a radio's other options (two marks would read as none)."""
    spec = find_form(form)
    answers = every_answer(spec)
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(_pdf("stamped-flattened", form))
    choices = {f.id for f in spec.fields if f.type in ("checkbox", "radio")}
    assert choices & set(answers), "every_answer ticks something"
    response = read_form(locked)
    assert response.flattened
    assert {fid: response.values.get(fid) for fid in choices} == {fid: answers.get(fid) for fid in choices}
