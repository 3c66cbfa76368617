"""What Firefox ESR's own PDF viewer tells a screen reader about a stamped copy: the summary's headings first
(its title, then its sections), then the form's own, and every control of the returned form still owned by a
`form` element and named by its question. Opt-in like the other real-browser tests: CSE_PDF_BROWSERS=1."""

from __future__ import annotations

from pathlib import Path

import pytest

from cse_pdf.blank.generate import generate
from cse_pdf.form.spec import FormSpec
from cse_pdf.stamp.stamped_copy import stamp
from tests.helpers.forms import fictional_return

from .browser_fill import require_browsers
from .test_firefox_structure import _squeeze, expected_headings, firefox_structure

pytestmark = pytest.mark.slow  # the real Firefox viewer


@pytest.fixture(autouse=True)
def _browsers_ready() -> None:
    require_browsers()


def test_firefox_reads_the_summary_then_the_form_with_every_field_named(spec: FormSpec, tmp_path: Path) -> None:
    returned, stamped = tmp_path / "returned.pdf", tmp_path / "stamped.pdf"
    returned.write_bytes(generate(spec, fictional_return(spec, name="Zoë Łódź", dob="14/07/2012",
                                                         completed="05/03/2024")))
    stamped.write_bytes(stamp(returned).pdf)
    pages = firefox_structure(stamped)
    headings = [(h["level"], _squeeze(h["text"])) for page in pages for h in page["headings"]]
    title = (1, _squeeze(spec.title))
    assert headings[0] == title and headings[1] == (2, "Scores")
    form_starts = headings.index(title, 1)
    assert all(level == 2 for level, _ in headings[1:form_starts])  # the summary's sections
    assert headings[form_starts:] == [(level, _squeeze(text)) for level, text in expected_headings(spec)]
    controls = 0
    for page in pages:
        owned = {o["id"]: o for o in page["owned"]}
        assert sorted(owned) == sorted(page["widgets"]), f"page {page['page']}: controls outside the structure"
        for widget_id, o in owned.items():
            assert o["ownerRoles"][0] == "form", f"page {page['page']}: {widget_id} not in a form element"
            assert o["label"] or o["containerLabel"], widget_id
            controls += 1
    assert controls > len(spec.fields) // 2
