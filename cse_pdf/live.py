"""Live scoring: the layout's rules compiled to form JavaScript, so the viewer shows the score.

One rule vocabulary, two back ends. score.py applies the rules in Python when a form is read;
here the same rules become data (a plain object literal) for a generic runtime in ES3
(live_runtime.js), run by each calculated field's calculate action. No form has JavaScript of its
own: a layout places a `live` block and everything else follows from its `scoring`.

The calculated fields are claims made by the worker's viewer. `live_outputs` gives what they
should say for an assessment, and `compare_claims` reports where a returned form says otherwise
(an empty field is no claim: a viewer without JavaScript leaves it so).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Mapping

from .score import Assessment, _fields_of, assess
from .spec import FormSpec, LIVE_FIELDS, TotalRule

if TYPE_CHECKING:
    from .read import Response

FLAG_ADVICE_PREFIX = "Advice: "
CLAIM_PROBLEM_START = "the form's calculated "


@lru_cache(maxsize=1)
def runtime() -> str:
    return resources.files("cse_pdf").joinpath("live_runtime.js").read_text(encoding="utf-8")


def unanswered_ids(spec: FormSpec) -> list[str]:
    """The questions score.py lists as unanswered when blank: choices and dates the rules read."""
    assert spec.scoring is not None
    scored: set[str] = set()
    for rule in spec.scoring.rules:
        scored.update(_fields_of(rule, spec.scoring))
    return [f.id for f in spec.fields if f.id in scored and f.type in ("radio", "dropdown", "date")]


def program(spec: FormSpec) -> dict[str, Any]:
    """The form's rules and the few facts about its fields the runtime needs, as plain data."""
    sc = spec.scoring
    assert sc is not None
    referenced: set[str] = set(unanswered_ids(spec))
    for rule in sc.rules:
        referenced.update(_fields_of(rule, sc))
    fields = [f for f in spec.fields if f.id in referenced]
    return {
        "levels": [{"level": lv.level, "label": lv.label} for lv in sc.levels],
        "groups": {name: list(ids) for name, ids in sc.groups.items()},
        "total": sc.total,
        "rules": [rule.model_dump(mode="json", by_alias=True, exclude_none=True) for rule in sc.rules],
        "types": {f.id: f.type for f in fields},
        "labels": {f.id: f.label for f in fields},
        "options": {f.id: {o.value: o.label for o in f.options} for f in fields if f.options},
        "unanswered": unanswered_ids(spec),
    }


def has_flags(spec: FormSpec) -> bool:
    return spec.scoring is not None and any(
        not isinstance(r, TotalRule) and r.effect in ("flag", "advice") for r in spec.scoring.rules)


def live_fields(spec: FormSpec) -> list[str]:
    """Which calculated fields this form shows: a total only if it adds one up, flags only if any."""
    if spec.scoring is None:
        return []
    shown = [name for name in LIVE_FIELDS if name != "flags" or has_flags(spec)]
    return [name for name in shown if name != "total" or spec.scoring.total is not None]


def calculate_script(spec: FormSpec, what: str) -> str:
    """The calculate action of one calculated field: runtime, the form's rules, one call."""
    data = json.dumps(program(spec), ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return f"{runtime()}\nvar P = {data};\nevent.value = cseShow(this, P, {json.dumps(what)});\n"


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


def compare_claims(spec: FormSpec, claims: Mapping[str, str], assessment: Assessment) -> list[str]:
    """One line per calculated field whose saved value disagrees with cse-pdf's own result.

    Never echoes what the field says (it may hold anything a sender typed into it)."""
    expected = live_outputs(spec, assessment)
    problems = []
    for name, claimed in claims.items():
        if name in expected and claimed.strip() and not _same(claimed, expected[name]):
            problems.append(f"{CLAIM_PROBLEM_START}{LIVE_FIELDS[name].lower()} does not match cse-pdf's own "
                            "result: it was changed by hand, or computed by an older copy of the form; "
                            "cse-pdf's result is the one used")
    return problems


def assess_return(response: "Response") -> Assessment:
    """Score a returned form, with what its calculated fields claim checked against the result."""
    assessment = assess(response.spec, response.values)
    for problem in compare_claims(response.spec, response.calculated, assessment):
        if problem not in assessment.problems:
            assessment.problems.append(problem)
    return assessment
