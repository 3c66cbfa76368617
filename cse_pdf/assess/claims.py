"""The calculated boxes are claims made by the worker's viewer: what they should say, and where they differ.

`live_outputs` gives the words the form's runtime writes for an assessment, and `compare_claims`
reports where a returned form says otherwise (an empty field is no claim: a viewer without
JavaScript leaves it so). `assess_return` is how every caller scores a returned form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from cse_pdf.assess.score import Assessment, assess
from cse_pdf.base.notices import Notice, NoticeCode
from cse_pdf.form.blocks import LIVE_FIELDS, LIVE_PREFIX
from cse_pdf.form.derived import live_fields, unanswered_ids
from cse_pdf.form.spec import FormSpec

if TYPE_CHECKING:
    from cse_pdf.returned.read import Response

FLAG_ADVICE_PREFIX = "Advice: "


def live_outputs(spec: FormSpec, assessment: Assessment) -> dict[str, str]:
    """What each calculated field should say for this assessment (the words the runtime writes)."""
    out: dict[str, str] = {}
    for name in live_fields(spec):
        if name == "total":
            out[name] = "" if assessment.total is None else str(assessment.total)
        elif name == "category":
            out[name] = assessment.label
        elif name == "why":
            out[name] = "\n".join(r.text for r in assessment.reasons if r.level == assessment.level)
        elif name == "unanswered":
            out[name] = f"{len(assessment.unanswered)} of {len(unanswered_ids(spec))}"
        else:
            out[name] = "\n".join(assessment.flags + [FLAG_ADVICE_PREFIX + a for a in assessment.advice])
    return out


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def compare_claims(spec: FormSpec, claims: Mapping[str, str], assessment: Assessment) -> list[Notice]:
    """One problem per calculated field whose saved value disagrees with cse-pdf's own result.

    Never echoes what the field says (it may hold anything a sender typed into it)."""
    expected = live_outputs(spec, assessment)
    return [Notice.of(NoticeCode.CLAIM_DIFFERS, f"{LIVE_PREFIX}.{name}", box=LIVE_FIELDS[name].lower())
            for name, claimed in claims.items()
            if name in expected and claimed.strip() and not _same(claimed, expected[name])]


def assess_return(response: "Response") -> Assessment:
    """Score a returned form, with what its calculated fields claim checked against the result."""
    assessment = assess(response.spec, response.values)
    for problem in compare_claims(response.spec, response.calculated, assessment):
        if problem not in assessment.notices:
            assessment.notices.append(problem)
    return assessment
