"""What partner agencies' own tools draw when they fill a form: pdftk (FDF, XFDF) and qpdf (issue 18).

Every value they set always read back right; what they *draw* depends on the font their /DA names:
- Dates and drop-downs name a simple WinAnsi TrueType font (cse_pdf/pdf/form_font.py), which both tools
  encode: drawn as typed.
- Free text names `/CseSans`, which is the Unicode (Type0) font in the form's /DR and, as a direct dictionary,
  in the field's own /DR, where the viewers look; and the WinAnsi font in the box's appearance resources, where
  qpdf looks first. Neither tool can encode for a Type0 font (pdftk-java 3.3.2 has no code for one: `javap` on
  /usr/share/pdftk/pdftk.jar; qpdf only for a WinAnsi- or MacRoman-named simple font), so: qpdf draws WinAnsi
  text with the WinAnsi font, and pdftk, finding no indirect font in the field's /DR, its own Helvetica.
- Giving the fields a simple font instead would cost the viewers (pdf.js, Poppler) Ł, ź, Ş, Greek and
  Cyrillic, which the Unicode font draws (measured: 20 of 24 Hillingdon text boxes wrong).

Letters outside WinAnsi are the tools' own limit: qpdf draws '?', pdftk leaves them out. What agencies can do
for those is measured too (the README says it): pdftk's `need_appearances` keyword, or values set without
qpdf's --generate-appearances, leaves the drawing to the reader, which draws every letter with the form's font.

"Drawn as typed": the tool's own appearances are flattened into the page (qpdf, no redrawing) and the page text
inside each box is read back (as tests/test_visibility.py does for the viewers' engines).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from engines.outside_tools import fill_values_only, fill_with_pdftk, fill_with_qpdf
from engines.visibility import RENDERERS, visible_fields, width_ratios
from helpers.forms import every_answer, qpdf_flatten

from cse_pdf.blank.generate import generate
from cse_pdf.form.spec import FormSpec
from cse_pdf.pdf.fill import fill_bytes as cse_fill
from cse_pdf.returned.read import read_form

TOOLS = {
    "pdftk-fdf": lambda src, dst, values: fill_with_pdftk(src, dst, values, "fdf"),
    "pdftk-xfdf": lambda src, dst, values: fill_with_pdftk(src, dst, values, "xfdf"),
    "qpdf": fill_with_qpdf,
}
NAME = "Zoë Núñez-Øst"  # Latin that WinAnsi holds (no limit of the tools' own in the way), short enough for every box

pytestmark = pytest.mark.slow  # each case fills, flattens and renders a whole form


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory):
    """Fill each (form, tool) once; flatten it once; every test looks at the same files."""
    done: dict[tuple[str, str], tuple[dict, Path, Path]] = {}

    def get(tool: str, spec: FormSpec, blank: Path) -> tuple[dict, Path, Path]:
        if (spec.id, tool) not in done:
            answers = {fid: (NAME if spec.field_map[fid].type == "text" else v)
                       for fid, v in every_answer(spec, checked=True, pick=-1).items()
                       if spec.field_map[fid].type != "multiline"}  # qpdf draws no line breaks: one-line text only
            folder = tmp_path_factory.mktemp(tool)
            dst, flat = folder / f"{spec.id}.pdf", folder / f"{spec.id}-flat.pdf"
            TOOLS[tool](blank, dst, answers)
            qpdf_flatten(dst, flat)
            done[(spec.id, tool)] = answers, dst, flat
        return done[(spec.id, tool)]

    return get


def _of_kind(spec: FormSpec, answers: dict, *kinds: str) -> dict:
    return {fid: v for fid, v in answers.items() if spec.field_map[fid].type in kinds}


@pytest.mark.parametrize("tool", TOOLS)
def test_every_value_reads_back(tool: str, each_form, filled) -> None:
    spec, blank = each_form
    answers, dst, _ = filled(tool, spec, blank)
    values = read_form(dst).values
    assert {fid: values.get(fid) for fid in answers} == answers


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("tool", TOOLS)
def test_dates_drop_downs_ticks_and_radios_are_visible(tool: str, renderer: str, each_form, filled) -> None:
    spec, blank = each_form
    answers, dst, _ = filled(tool, spec, blank)
    shown = _of_kind(spec, answers, "date", "dropdown", "checkbox", "radio")
    visible = visible_fields(blank, dst, spec, shown, renderer)
    assert [fid for fid, ok in visible.items() if not ok] == []


@pytest.mark.parametrize("kind", ["date", "text"])  # the WinAnsi /DA font, and free text's two-place font
@pytest.mark.parametrize("tool", TOOLS)
def test_dates_and_free_text_are_drawn_as_typed(tool: str, kind: str, each_form, filled) -> None:
    spec, blank = each_form
    answers, _, flat = filled(tool, spec, blank)
    typed = _of_kind(spec, answers, kind)
    drawn = read_form(flat).values
    assert typed and {fid: drawn.get(fid) for fid in typed} == typed


LEFT_TO_THE_READER = {
    "pdftk-fdf need_appearances": lambda src, dst, values: fill_with_pdftk(src, dst, values, "fdf",
                                                                          need_appearances=True),
    "values only (no --generate-appearances)": fill_values_only,
}
COMPLETE = 0.86  # drawn width / cse-pdf's own drawing of the same text (as in tests/test_visibility.py)


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("route", LEFT_TO_THE_READER)
def test_free_text_is_drawn_in_full_when_the_reader_draws_it(route: str, renderer: str, each_form,
                                                             tmp_path: Path) -> None:
    """The README's advice for pdftk and qpdf users: every text box, Łódź and all, is drawn at full width."""
    spec, blank = each_form
    answers = {fid: v for fid, v in every_answer(spec, checked=True, pick=-1).items()
               if spec.field_map[fid].type in ("text", "date")}
    assert any("Ł" in str(v) for v in answers.values())  # letters no simple WinAnsi font holds
    dst, reference = tmp_path / "filled.pdf", tmp_path / "reference.pdf"
    LEFT_TO_THE_READER[route](blank, dst, answers)
    reference.write_bytes(cse_fill(blank.read_bytes(), spec, answers))

    values = read_form(dst).values
    assert {fid: values.get(fid) for fid in answers} == answers
    ratios = width_ratios(blank, dst, reference, spec, renderer, kinds=("text", "date"))
    assert set(ratios) == set(answers)
    assert {fid: round(r, 2) for fid, r in ratios.items() if r < COMPLETE} == {}


def test_qpdf_redraws_boxes_that_cse_pdf_drew(each_form, tmp_path: Path) -> None:
    """A distributed copy arrives with the agency's boxes already drawn by cse-pdf (Łódź in the Unicode font):
    qpdf must still find the WinAnsi font under the /DA's name in those appearances, and draw its own text."""
    spec, _ = each_form
    texts = [f.id for f in spec.fields if f.type == "text"]
    prefilled, dst, flat = tmp_path / "prefilled.pdf", tmp_path / "filled.pdf", tmp_path / "flat.pdf"
    prefilled.write_bytes(generate(spec, {fid: "Łódź Outreach" for fid in texts}))
    answers = {fid: NAME for fid in texts}

    fill_with_qpdf(prefilled, dst, answers)
    qpdf_flatten(dst, flat)

    drawn = read_form(flat).values
    assert {fid: drawn.get(fid) for fid in texts} == answers


@pytest.mark.parametrize(("tool", "drawn_as"), [("qpdf", "?ód? Nowak"), ("pdftk-fdf", "ód Nowak"),
                                                ("pdftk-xfdf", "ód Nowak")])
def test_letters_outside_winansi_are_the_tools_own_limit(tool: str, drawn_as: str, each_form,
                                                         tmp_path: Path) -> None:
    """What the README tells agencies: qpdf draws '?' and pdftk leaves the letter out; the value is right."""
    spec, blank = each_form
    name = next(f.id for f in spec.fields if f.type == "text")
    dst, flat = tmp_path / "filled.pdf", tmp_path / "flat.pdf"
    TOOLS[tool](blank, dst, {name: "Łódź Nowak"})
    qpdf_flatten(dst, flat)

    assert read_form(dst).values[name] == "Łódź Nowak"
    assert read_form(flat).values[name] == drawn_as
