"""Live scoring: the form's own JavaScript shows what `cse-pdf score` will say, as the worker fills it.

The rules are compiled from the layout (cse_pdf/blank/live_scoring.py) for a generic runtime (live_runtime.js);
MuPDF runs it here (PyMuPDF with JavaScript on), and every random answer set must give, in the
saved file, exactly the total, category, reasons, unanswered count and flags that score.py gives.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from engines.mupdf_fill import fill_with_mupdf
from helpers.forms import every_answer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from pypdf.generic import TextStringObject

from cse_pdf.assess.claims import assess_return, live_outputs
from cse_pdf.assess.score import assess
from cse_pdf.blank.generate import generate
from cse_pdf.blank.live_scoring import program, runtime
from cse_pdf.form.catalog import current_forms, find_form
from cse_pdf.form.dates import DateUnreadable, parse_date
from cse_pdf.form.derived import live_fields
from cse_pdf.form.spec import FormSpec
from cse_pdf.pdf.fields import collect_fields
from cse_pdf.returned.read import read_form

FORMS = {s.id: s for s in current_forms()}


@pytest.fixture(scope="module")
def blanks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for form_id, spec in FORMS.items():
        path = tmp_path_factory.mktemp("live") / f"{form_id}.pdf"
        path.write_bytes(generate(spec))
        out[form_id] = path
    return out


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def _date_text(day: int, month: int, year: int, style: int) -> str:
    return [f"{day}/{month}/{year}", f"{day:02d}/{month:02d}/{year}", f"{day:02d}.{month:02d}.{year}",
            f"{year}-{month:02d}-{day:02d}", f"{day:02d}-{month:02d}-{year}", f"{day} {MONTHS[month - 1]} {year}",
            f"{day} {MONTHS[month - 1][:3]} {year}", f"{day:02d} {MONTHS[month - 1].upper()} {year}"][style]


# Dates each reader must take or refuse alike: month names in every spelling either accepts, near misses.
DATE_CASES = ["5 March 2024", "1 April 2024", "5 Mar 2024", "5 mar. 2024", "5 Sept 2024", "5 Sep, 2024",
              "31 February 2024", "29 Feb 2024", "29 Feb 2023", "5 Marc 2024", "5 Mars 2024", "5th March 2024",
              "March 5 2024", "5 March 24", "05/03/2024", "2024-03-05", "31/02/2010", "soon", " 1 Jan 2013 ",
              "\u0665 March 2024", "5March 2024", "5 \u041c\u0430\u0440\u0442 2024"]

DATES = st.one_of(
    st.none(),
    st.builds(_date_text, st.integers(1, 28), st.integers(1, 12), st.integers(2005, 2026), st.integers(0, 7)),
    st.sampled_from(["31/02/2024", "soon", "2024", "12/13/2020", " 1/1/2013 ", "5 Marc 2024", "31 April 2024"]),
)


def test_the_form_reads_the_same_dates_as_cse_pdf() -> None:
    """cseDate (the form's JavaScript) and parse_date take and refuse the same dates, to the day."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = runtime() + f"\nconsole.log(JSON.stringify({json.dumps(DATE_CASES)}.map(function (t) {{ " \
        "var d = cseDate(t); return d ? [d.y, d.m, d.d] : null; })));"
    in_form = json.loads(subprocess.run([node, "-e", script], capture_output=True, text=True, check=True).stdout)
    expected = []
    for text in DATE_CASES:
        try:
            day = parse_date(text)
            expected.append([day.year, day.month, day.day])
        except DateUnreadable:
            expected.append(None)
    assert dict(zip(DATE_CASES, in_form)) == dict(zip(DATE_CASES, expected))
    assert expected[0] == [2024, 3, 5] and expected[1] == [2024, 4, 1] and expected[2] == [2024, 3, 5]


def answers_for(spec: FormSpec) -> st.SearchStrategy[dict]:
    """Random answers to every question the rules read (and nothing else: the rest cannot matter)."""
    fields = {}
    for fid, kind in program(spec)["types"].items():
        f = spec.field_map[fid]
        if kind in ("radio", "dropdown"):
            fields[fid] = st.sampled_from([None, *(o.value for o in f.options)])  # mostly answered: every band
        elif kind == "checkbox":
            fields[fid] = st.booleans()
        elif kind == "date":
            fields[fid] = DATES
        else:
            fields[fid] = st.one_of(st.none(), st.text(min_size=1, max_size=12))
    return st.fixed_dictionaries(fields)


def _in_form(path: Path, spec: FormSpec) -> dict[str, str]:
    claims = read_form(path).calculated
    return {name: claims.get(name, "") for name in live_fields(spec)}


@pytest.mark.parametrize("form_id", sorted(FORMS))
@pytest.mark.slow
def test_the_form_shows_what_score_says_for_random_answers(form_id: str, blanks, tmp_path_factory) -> None:
    spec = FORMS[form_id]
    out_dir = tmp_path_factory.mktemp("random")

    @settings(max_examples=40, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(answers_for(spec))
    def check(answers: dict) -> None:
        filled = out_dir / "filled.pdf"
        fill_with_mupdf(blanks[form_id], filled, {k: v for k, v in answers.items() if v is not None}, scripts=True)
        response = read_form(filled)
        assessment = assess(response.spec, response.values)
        assert _in_form(filled, spec) == live_outputs(spec, assessment)
        assert assess_return(response).problems == assessment.problems  # the claims agree: nothing added

    check()


def test_a_young_person_under_13_raises_the_category_live(blanks, tmp_path: Path) -> None:
    spec = FORMS["hillingdon-cse"]
    answers = {f"risk.{d}": "1" for d in ("missing_episodes", "education", "drug_use")}
    filled = tmp_path / "young.pdf"
    fill_with_mupdf(blanks[spec.id], filled, {**answers, "client.dob": "5/3/2013", "agency.date_completed": "04/03/2025"},
                    scripts=True)

    shown = _in_form(filled, spec)

    assert shown["category"] == "Risk Category 2 (medium)"
    assert "was 11 on the date the form was completed" in shown["why"]
    assert shown["total"] == "3" and shown["unanswered"] == "8 of 13"


def test_risk_and_vulnerability_shows_its_flags_live(blanks, tmp_path: Path) -> None:
    spec = FORMS["cse-risk-vulnerability"]
    filled = tmp_path / "flags.pdf"
    fill_with_mupdf(blanks[spec.id], filled, {"associates.known": "yes", "summative.beyond_threshold": "yes",
                                              "actual.disclosure": True}, scripts=True)

    shown = _in_form(filled, spec)

    assert shown["category"] == "High"
    assert "total" not in shown  # this form adds nothing up
    assert shown["flags"].lower().count("immediate") >= 2


def test_a_viewer_without_javascript_leaves_the_boxes_empty_and_that_is_no_claim(blanks, tmp_path: Path) -> None:
    spec = FORMS["hillingdon-cse"]
    filled = tmp_path / "no-js.pdf"
    fill_with_mupdf(blanks[spec.id], filled, {"risk.drug_use": "5"}, scripts=False)

    response = read_form(filled)

    assert response.calculated == {}
    assert assess_return(response).problems == assess(response.spec, response.values).problems


def _overwrite(src: Path, dst: Path, name: str, text: str) -> None:
    writer = PdfWriter(clone_from=PdfReader(src))
    collect_fields(writer)[name].node[TextStringObject("/V")] = TextStringObject(text)
    with open(dst, "wb") as fh:
        writer.write(fh)


@pytest.mark.parametrize(("name", "typed"), [("calculated.category", "No longer at risk or minimal risk"),
                                              ("calculated.total", "3")])
def test_a_calculated_value_typed_over_is_reported_never_trusted(name, typed, blanks, tmp_path: Path) -> None:
    spec = FORMS["hillingdon-cse"]
    filled, tampered = tmp_path / "filled.pdf", tmp_path / "tampered.pdf"
    fill_with_mupdf(blanks[spec.id], filled, {f"risk.{d}": "5" for d in ("missing_episodes", "education", "drug_use")},
                    scripts=True)
    _overwrite(filled, tampered, name, typed)

    response = read_form(tampered)
    assessment = assess_return(response)

    assert assessment.label == "Risk Category 3 (high)"
    [problem] = [p for p in assessment.problems if "calculated" in p]
    assert "does not match cse-pdf's own result" in problem and typed not in problem


def test_the_forms_calculate_in_dependency_order_with_read_only_fields(blanks) -> None:
    for form_id, path in blanks.items():
        spec = FORMS[form_id]
        reader = PdfReader(path)
        acro = reader.trailer["/Root"]["/AcroForm"]
        fields = collect_fields(reader)
        order = [fields_name for ref in acro["/CO"] for fields_name, f in fields.items()
                 if f.node.indirect_reference == ref]
        assert order == [f"calculated.{n}" for n in live_fields(spec)]
        for name in order:
            node = fields[name].node
            assert node["/Ff"] & 1, f"{name} must be read-only"
            assert "cseShow(this, P" in node["/AA"]["/C"]["/JS"].get_object().get_data().decode()
        dates = [f.id for f in spec.fields if f.type == "date"]
        for fid in dates:  # exactly, no ";": else pdf.js makes a date input that loses dates (widgets.py)
            assert fields[fid].node["/AA"]["/K"]["/JS"] == 'AFDate_KeystrokeEx("dd/mm/yyyy")'
            assert fields[fid].node["/AA"]["/F"]["/JS"] == 'AFDate_FormatEx("dd/mm/yyyy")'


def test_the_runtime_stays_within_es3() -> None:
    """Acrobat's common subset: no let/const, arrows, classes, template strings, JSON or Array extras."""
    code = re.sub(r"/\*.*?\*/", "", runtime(), flags=re.S)
    for pattern in (r"\blet\b", r"\bconst\b", r"=>", r"\bclass\b", r"`", r"\bJSON\.", r"\.forEach\(", r"\.map\(",
                    r"\.filter\(", r"\.indexOf\(", r"\.trim\(", r"\bObject\.keys\b"):
        assert not re.search(pattern, code), pattern


def test_a_form_without_a_live_block_has_no_scripts(tmp_path: Path) -> None:
    layout = tmp_path / "tiny.yaml"
    layout.write_text("id: tiny\nversion: '1'\ntitle: Tiny\nsections:\n  - title: S\n    blocks:\n"
                      "      - field: {id: a.name, type: text, label: Name}\n", encoding="utf-8")
    reader = PdfReader(__import__("io").BytesIO(generate(find_form(str(layout)))))

    assert "/CO" not in reader.trailer["/Root"]["/AcroForm"]


def test_every_answer_filled_with_scripts_still_reads_back(blanks, tmp_path: Path) -> None:
    """Scripts on change nothing a worker typed (date formatting is display only)."""
    spec = FORMS["hillingdon-cse"]
    answers = every_answer(spec, checked=True, pick=-1)
    filled = tmp_path / "all.pdf"
    fill_with_mupdf(blanks[spec.id], filled, answers, scripts=True)

    assert read_form(filled).values == answers
