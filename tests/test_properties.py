"""Properties over arbitrary input, with a fixed number of examples so CI is bounded and repeatable.

- Any answers at all (any Unicode a person can type, any option, any tick), written into the form and
  saved again by a real engine (PDFium), read back exactly as written.
- Bytes of real returns mutated at random: each ends as values or a one-line refusal, never a bug,
  a hang or a crash (the reader runs under guard.py's limits, as `read` and `ingest` run it).
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from helpers.hostile_corpus import SOURCES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cse_pdf.base.errors import PdfInputError
from cse_pdf.blank.generate import generate
from cse_pdf.form.blocks import Field
from cse_pdf.form.catalog import current_forms
from cse_pdf.form.spec import FormSpec
from cse_pdf.returned.guard import Limits, guarded
from cse_pdf.returned.read import read_form

FORMS = {s.id: s for s in current_forms()}

# What a person can type: any character but the surrogates (not text), the unassigned and private-use
# ones, and control characters (a viewer's text box takes none but the newline, given separately).
TYPED = st.characters(exclude_categories=("Cs", "Cn", "Co", "Cc"))
LINE = st.text(TYPED, max_size=40)
NOTES = st.lists(LINE, min_size=1, max_size=4).map("\n".join)
DATES = st.dates().map(lambda d: d.strftime("%d/%m/%Y"))


def answer(field: Field) -> st.SearchStrategy:
    """One field's answer, or None (left blank)."""
    if field.type == "checkbox":
        return st.booleans()
    if field.type in ("radio", "dropdown"):
        return st.none() | st.sampled_from([o.value for o in field.options])
    if field.type == "date":
        return st.none() | DATES
    return st.none() | (NOTES if field.type == "multiline" else LINE)


def answers(spec: FormSpec) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({f.id: answer(f) for f in spec.fields})


def as_read(value: object) -> object:
    """What a reader can know of a typed value: blank text is no answer."""
    return None if isinstance(value, str) and not value.strip() else value


def saved_by_pdfium(data: bytes) -> bytes:
    """Open in PDFium with its form layer and save, as Chrome does when the worker presses save."""
    pdf = pdfium.PdfDocument(data)
    pdf.init_forms()
    for page in pdf:
        page.close()
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue()


@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.slow
def test_any_answers_are_read_back_exactly(form: str) -> None:
    spec = FORMS[form]

    @settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(answers(spec))
    def check(values: dict) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "return.pdf"
            path.write_bytes(saved_by_pdfium(generate(spec, values)))
            got = read_form(path).values
        assert got == {k: as_read(v) for k, v in values.items()}

    check()


def mutated(data: bytes, edits: list[tuple[float, int]], keep: float) -> bytes:
    out = bytearray(data[: max(1, int(len(data) * keep))])
    for at, byte in edits:
        out[int(at * (len(out) - 1))] = byte
    return bytes(out)


EDITS = st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=30)
KEEP = st.just(1.0) | st.floats(0.5, 1.0)
LIMITS = Limits(seconds=20, memory_mb=1024)


@pytest.mark.parametrize("source", sorted(SOURCES))
@pytest.mark.slow
def test_mutated_returns_end_as_values_or_one_line(source: str, tmp_path: Path) -> None:
    data = SOURCES[source].read_bytes()
    path = tmp_path / "mutated.pdf"
    seen = {"read": 0, "refused": 0}

    @settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(EDITS, KEEP)
    def check(edits: list[tuple[float, int]], keep: float) -> None:
        path.write_bytes(mutated(data, edits, keep))
        try:
            response = guarded(lambda p: read_form(p).values, path, LIMITS)
        except PdfInputError as exc:  # not RuntimeError: guard.py turns a bug into that
            line = str(exc)
            assert "\n" not in line and line.startswith(str(path)), line
            seen["refused"] += 1
        else:
            assert isinstance(response, dict)
            seen["read"] += 1

    check()
    assert seen["read"] and seen["refused"]  # the run reached both ends
