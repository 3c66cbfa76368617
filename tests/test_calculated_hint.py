"""The calculated boxes tell a worker, in plain words, which programs fill them in."""

from __future__ import annotations

import pdfplumber
import pytest
from helpers.forms import REPO

FORMS = sorted((REPO / "forms").glob("*.pdf"))


@pytest.mark.parametrize("blank", FORMS, ids=lambda p: p.stem)
def test_the_hint_names_the_programs_not_form_scripts(blank) -> None:
    with pdfplumber.open(blank) as pdf:
        text = " ".join(" ".join((page.extract_text() or "").split()) for page in pdf.pages)
    assert "form scripts" not in text
    assert "Filled in as you answer in Adobe Acrobat or Reader, Chrome, Edge and Firefox." in text
    assert "Apple Preview, for one) leave these boxes empty" in text
