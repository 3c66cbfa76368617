"""Issue 14 §1: the stamped copy keeps every answer as the worker gave it, so scoring it finds what scoring
the return found, `level-differs` included. The suggestion lives on the summary page and calculated boxes."""

from __future__ import annotations

from pathlib import Path

import pytest

from cse_pdf.assess.claims import assess_return
from cse_pdf.assess.person import keys_of
from cse_pdf.assess.review import review_reasons
from cse_pdf.base.errors import PdfInputError, SpecError
from cse_pdf.blank.generate import generate
from cse_pdf.form.catalog import find_form
from cse_pdf.form.spec import load_spec
from cse_pdf.returned.read import read_form
from cse_pdf.stamp.stamped_copy import stamp

REPO = Path(__file__).resolve().parent.parent

HILLINGDON_HIGH = {"client.name": "Ada Quill", "client.dob": "14/07/2012", "agency.date_completed": "05/03/2024",
                   "agency.name": "Northgate Youth Service",
                   "risk.missing_episodes": "5", "risk.drug_use": "5", "risk.alcohol_use": "5"}
HILLINGDON_LOW = {"client.name": "Ben Orrin", "client.dob": "01/01/2005", "agency.date_completed": "05/03/2024",
                  "risk.education": "1"}
RV_ANSWERS = {"child.name": "Cara Voss", "child.dob": "02/02/2008", "assessment.date": "10/10/2023"}

RETURNS = [  # (form, answers, the worker's own category or None for blank)
    ("hillingdon-cse", HILLINGDON_HIGH, "1"),  # worker says lower than suggested
    ("hillingdon-cse", HILLINGDON_HIGH, "3"),  # worker agrees
    ("hillingdon-cse", HILLINGDON_HIGH, None),  # worker left it blank
    ("hillingdon-cse", HILLINGDON_LOW, "3"),  # worker says higher than suggested
    ("hillingdon-cse", HILLINGDON_LOW, "0"),
    ("cse-risk-vulnerability", RV_ANSWERS, "2"),
    ("cse-risk-vulnerability", RV_ANSWERS, "0"),
    ("cse-risk-vulnerability", RV_ANSWERS, None),
]


def outcome(path: Path) -> tuple[dict, dict, list[str]]:
    """What a manager relies on: the values read, the assessment and the review codes."""
    response = read_form(path)
    assessment = assess_return(response)
    return (response.values, assessment.to_dict(),
            review_reasons(response, assessment, keys_of(response.spec, response.values)))


@pytest.mark.parametrize("form,answers,stated", RETURNS,
                         ids=[f"{f}-{'high' if a is HILLINGDON_HIGH else 'low' if a is HILLINGDON_LOW else 'rv'}-{s}"
                              for f, a, s in RETURNS])
@pytest.mark.slow
def test_scoring_the_stamped_copy_gives_the_returns_assessment(form: str, answers: dict, stated: str | None,
                                                               tmp_path: Path) -> None:
    spec = find_form(form)
    values = dict(answers)
    if stated is not None:
        values[spec.scoring.stated] = stated
    returned = tmp_path / "returned.pdf"
    returned.write_bytes(generate(spec, values))
    copy = tmp_path / "stamped.pdf"
    copy.write_bytes(stamp(returned).pdf)

    before, after = outcome(returned), outcome(copy)

    assert after == before
    assert after[0][spec.scoring.stated] == (stated if stated is not None else None)
    assert ("level-differs" in after[2]) == (stated is not None and int(stated) != after[1]["level"])


def test_the_worker_disagreeing_survives_the_stamp_which_is_never_stamped_again(tmp_path: Path) -> None:
    spec = find_form("hillingdon-cse")
    returned = tmp_path / "returned.pdf"
    returned.write_bytes(generate(spec, HILLINGDON_HIGH | {"risk.category": "0"}))
    once = tmp_path / "once.pdf"
    once.write_bytes(stamp(returned).pdf)
    assert read_form(once).values["risk.category"] == "0"
    assert "level-differs" in outcome(once)[2]
    with pytest.raises(PdfInputError, match="stamped copy made by cse-pdf"):
        stamp(once)  # a second stamp could only bury the worker's answer under another summary page


SAMPLES = sorted(p for p in (REPO / "samples").glob("*.pdf") if not p.name.startswith("flat-"))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
@pytest.mark.slow
def test_every_real_return_scores_the_same_once_stamped(sample: Path, tmp_path: Path) -> None:
    copy = tmp_path / "stamped.pdf"
    copy.write_bytes(stamp(sample).pdf)
    (values, assessment, codes), (values2, assessment2, codes2) = outcome(sample), outcome(copy)
    assert values2 == values
    # a viewer's own calculated boxes may be stale in the return; the stamp writes cse-pdf's result in them
    assert [c for c in codes2 if c != "calculated-differs"] == [c for c in codes if c != "calculated-differs"]
    assert {k: v for k, v in assessment2.items() if k != "problems"} == \
        {k: v for k, v in assessment.items() if k != "problems"}


LAYOUT = (REPO / "layouts" / "hillingdon-cse.yaml").read_text(encoding="utf-8")


def test_a_layout_asking_to_overwrite_the_workers_category_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    path.write_text(LAYOUT.replace("summary:\n", "summary:\n  write_category_to: risk.category\n", 1),
                    encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert "write_category_to is no longer supported" in err.value.message
    assert "old.yaml" in str(err.value)


def test_the_committed_layouts_no_longer_carry_it() -> None:
    for path in (REPO / "layouts").rglob("*.yaml"):
        assert "write_category_to" not in path.read_text(encoding="utf-8"), path


def test_the_pinned_identity_holds_only_for_exactly_this_content(tmp_path: Path) -> None:
    spec = find_form("hillingdon-cse")
    assert spec.content_hash == "78ccaec7ab03f299"  # what every copy issued so far carries
    assert spec.layout_hash == spec.keep_identity.content != spec.content_hash

    edited = tmp_path / "edited.yaml"
    edited.write_text(LAYOUT.replace("title: Child Sexual Exploitation (CSE) Monitoring & Assessment Tool",
                                     "title: Child Sexual Exploitation Monitoring Tool", 1), encoding="utf-8")
    changed = load_spec(edited)
    assert changed.content_hash == changed.layout_hash != "78ccaec7ab03f299"  # the edit voids the pin


def test_a_malformed_pin_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(LAYOUT.replace("hash: 78ccaec7ab03f299", "hash: not-a-hash", 1), encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert "keep_identity.hash" in err.value.message
