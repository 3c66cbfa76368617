"""Facts that follow from a layout alone: which questions the rules read, which calculated boxes it shows.

The Python scorer, the JavaScript compiler, the page layout and the claim check all ask these
questions; answering them once here keeps the five of them from drifting apart.
"""

from __future__ import annotations

from typing import Any

from cse_pdf.form.blocks import LIVE_FIELDS
from cse_pdf.form.rules import AgeCondition, AnswerCondition, CountCondition, Scoring, TotalRule
from cse_pdf.form.spec import FormSpec


def fields_of(cond: Any, sc: Scoring) -> list[str]:
    """Every field a rule or condition reads, in the order it names them."""
    if isinstance(cond, (TotalRule, CountCondition)):
        return list(sc.groups[cond.of])
    if isinstance(cond, AnswerCondition):
        return [cond.field]
    if isinstance(cond, AgeCondition):
        return [cond.dob, cond.on]
    return [fid for sub in getattr(cond, "conditions", ()) for fid in fields_of(sub, sc)]


def is_answered(value: Any) -> bool:
    """The one rule for "answered": a tick, or text that is not blank. The scorer's unanswered list, its
    `answered:` conditions and the claim check ask it
    (blank/live_runtime.js applies the same test in the viewer)."""
    return value is True or (isinstance(value, str) and value.strip() != "")


def unanswered_ids(spec: FormSpec) -> list[str]:
    """The questions the scorer lists as unanswered when blank: choices and dates the rules read."""
    assert spec.scoring is not None
    scored: set[str] = set()
    for rule in spec.scoring.rules:
        scored.update(fields_of(rule, spec.scoring))
    return [f.id for f in spec.fields if f.id in scored and f.type in ("radio", "dropdown", "date")]


def has_flags(spec: FormSpec) -> bool:
    return spec.scoring is not None and any(
        not isinstance(r, TotalRule) and r.effect in ("flag", "advice") for r in spec.scoring.rules)


def live_fields(spec: FormSpec) -> list[str]:
    """Which calculated fields this form shows: a total only if it adds one up, flags only if any."""
    if spec.scoring is None:
        return []
    shown = [name for name in LIVE_FIELDS if name != "flags" or has_flags(spec)]
    return [name for name in shown if name != "total" or spec.scoring.total is not None]
