"""The calculated boxes hold the longest thing a layout's rules can make them say, in every viewer and in
cse-pdf's own stamped copy."""

from __future__ import annotations

import io
import re

import pytest
from helpers.forms import every_answer, fictional_return, qpdf_flatten, write_return
from pypdf import PdfReader

from cse_pdf.assess.claims import live_outputs
from cse_pdf.assess.score import assess
from cse_pdf.blank.generate import generate
from cse_pdf.form.blocks import LIVE_PREFIX, WRAPPING_LIVE_FIELDS
from cse_pdf.form.catalog import current_forms, find_form
from cse_pdf.form.spec import FormSpec
from cse_pdf.pdf.appearance import PAD, leading, wrap_lines
from cse_pdf.pdf.fields import collect_fields
from cse_pdf.pdf.form_font import register_for_measuring
from cse_pdf.returned.read import read_form
from cse_pdf.stamp.stamped_copy import stamp


# How many wrapped lines a viewer shows in a multiline box `height` points tall at /DA size `size`:
# - Acrobat and PDFium set lines about 1.15 times the size apart;
# - pdf.js (Firefox) fits round((height - 2) / (1.35 × size)) lines, shrinking the size to make them fit
#   (annotation_layer.js, `_setTextStyle`), and cuts the rest.
# A box is big enough when both show every line.
def _lines_shown(height: float, size: float) -> dict[str, int]:
    return {"Acrobat/PDFium": int((height - 2 * PAD) // (1.15 * size)),
            "pdf.js": round((height - 2) / (1.35 * size))}




def _answer_sets(spec: FormSpec):
    """A class of returns, not one: every question answered at each option index with every box ticked or
    none, and from each of those every choice question turned, one at a time, through each of its options."""
    choices = [f for f in spec.fields if f.type in ("radio", "dropdown")]
    widest = max((len(f.options) for f in choices), default=1)
    for checked in (True, False):
        for pick in range(widest):
            base = {**every_answer(spec, checked=checked),
                    **{f.id: f.options[min(pick, len(f.options) - 1)].value for f in choices}}
            yield base
            for f in choices:
                for option in f.options:
                    yield {**base, f.id: option.value}


def _longest(spec: FormSpec) -> dict[str, str]:
    measure = register_for_measuring()
    longest: dict[str, tuple[int, str]] = {}
    for values in _answer_sets(spec):
        for name, said in live_outputs(spec, assess(spec, values)).items():
            if name in WRAPPING_LIVE_FIELDS:
                width = len(wrap_lines(said, 1e9, measure, 7.5, True)) * 1000 + len(said)
                if width > longest.get(name, (-1, ""))[0]:
                    longest[name] = (width, said)
    return {name: said for name, (_, said) in longest.items()}


def _boxes(pdf: bytes) -> dict[str, tuple[float, float, float]]:
    """Each calculated box: width, height and font size (from its /DA)."""
    boxes = {}
    for name, field in collect_fields(PdfReader(io.BytesIO(pdf))).items():
        if name.startswith(f"{LIVE_PREFIX}."):
            widget = field.widgets[0]
            x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
            size = float(re.findall(r"([\d.]+) Tf", str(widget.get("/DA")))[-1])
            boxes[name.split(".", 1)[1]] = (x1 - x0, y1 - y0, size)
    return boxes


@pytest.mark.slow
@pytest.mark.parametrize("spec", current_forms(), ids=lambda s: s.id)
def test_each_calculated_box_holds_the_longest_thing_its_rules_can_say(spec: FormSpec) -> None:
    boxes = _boxes(generate(spec))
    measure = register_for_measuring()
    for name, said in _longest(spec).items():
        width, height, size = boxes[name]
        lines = wrap_lines(said, width - 2 * PAD, measure, size, True)
        for viewer, shown in _lines_shown(height, size).items():
            assert len(lines) <= shown, (f"{spec.id} {name}: {len(lines)} lines, {viewer} shows {shown} in a box "
                                         f"{height:.0f} pt tall; raise `lines: {{{name}: …}}` in its live block "
                                         "(with a new version of the form)")


def test_the_first_risk_and_vulnerability_version_was_too_short_for_its_flags() -> None:
    """Why version 2 exists: the same test fails on version 1 (the archived layout stays as it was printed)."""
    spec = find_form("cse-risk-vulnerability", "1")
    width, height, size = _boxes(generate(spec))["flags"]
    lines = wrap_lines(_longest(spec)["flags"], width - 2 * PAD, register_for_measuring(), size, True)
    assert len(lines) == 10
    assert _lines_shown(height, size) == {"Acrobat/PDFium": 5, "pdf.js": 5}  # the advice, last, was cut


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_stamped_copy_shows_every_word_of_the_flags_even_in_a_box_too_short(tmp_path, version: str) -> None:
    """cse-pdf's own drawing shrinks the text of a box too short for it (version 1's) instead of cutting
    its last lines, so whoever reads the stamped copy sees the advice."""
    spec = find_form("cse-risk-vulnerability", version)
    values = {**every_answer(spec), "summative.beyond_threshold": "yes", "associates.known": "yes"}
    said = live_outputs(spec, assess(spec, values))["flags"]
    assert said.count("\n") >= 2  # a flag, a second flag and the advice
    stamped = stamp(write_return(tmp_path / "return.pdf", spec, values)).pdf
    width, height, _ = _boxes(stamped)["flags"]
    widget = collect_fields(PdfReader(io.BytesIO(stamped)))[f"{LIVE_PREFIX}.flags"].widgets[0]
    drawn = widget["/AP"]["/N"].get_object().get_data()
    size = float(re.findall(rb"([\d.]+) Tf", drawn)[0])
    shown = len(re.findall(rb"\bTj\b", drawn))
    assert shown == len(wrap_lines(said, width - 2 * PAD, register_for_measuring(), size, True))
    assert size + leading(size) * (shown - 1) <= height - 2 * PAD  # every line inside the box


@pytest.mark.slow
def test_a_printed_copy_of_version_1_still_reads_by_its_own_positions(tmp_path) -> None:
    """Version 2 moved every field below the flags box; a version 1 copy "printed to PDF" is read with
    version 1's layout (from archive/), so its rationale is still found where version 1 drew it."""
    spec = find_form("cse-risk-vulnerability", "1")
    values = {**fictional_return(spec, name="Sam Placeholder", dob="02/02/2010", completed="03/03/2024"),
              "summative.rationale": "Seen twice near the station (fictional)."}
    filled = write_return(tmp_path / "v1.pdf", spec, values)
    qpdf_flatten(filled, tmp_path / "v1-printed.pdf")
    response = read_form(tmp_path / "v1-printed.pdf")
    assert response.flattened and response.spec.version == "1"
    assert response.values["summative.rationale"] == "Seen twice near the station (fictional)."
    assert response.values["summative.level"] == values["summative.level"]
