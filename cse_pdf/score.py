"""Values + the layout's scoring rules → a suggested risk level, with its reasons.

The result is a suggestion for a professional to agree (the seed asks for a
discussion with a Team Manager); the worker's own stated category is kept
beside it, never overwritten.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Mapping

from . import spec as S
from .spec import FormSpec, fill_placeholders

_DATE = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


class DateUnreadable(ValueError):
    pass


def parse_date(text: str) -> date:
    """DD/MM/YYYY as the form asks (also D/M/YYYY, '-' or '.', and ISO); never a guess."""
    m = _DATE.match(text)
    if m:
        d, mth, y = (int(g) for g in m.groups())
    else:
        m = _ISO.match(text)
        if not m:
            raise DateUnreadable("not in the form DD/MM/YYYY")
        y, mth, d = (int(g) for g in m.groups())
    try:
        return date(y, mth, d)
    except ValueError:
        raise DateUnreadable("not a real calendar date") from None


def age_on(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


@dataclass
class Reason:
    rule: str  # the rule's kind
    level: int
    text: str


@dataclass
class DomainScore:
    id: str
    label: str
    score: int | None
    descriptor: str | None


@dataclass
class Assessment:
    level: int
    label: str
    total: int | None
    answered: int
    domains: list[DomainScore]
    reasons: list[Reason]
    unanswered: list[str]
    stated_level: int | None
    stated_label: str | None
    problems: list[str] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return self.stated_level is not None and self.stated_level != self.level

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "label": self.label,
            "total": self.total,
            "answered": self.answered,
            "domains": {d.id: d.score for d in self.domains},
            "reasons": [asdict(r) for r in self.reasons],
            "unanswered": self.unanswered,
            "stated": None if self.stated_level is None else {"level": self.stated_level, "label": self.stated_label},
            "stated_differs": self.differs,
            "problems": self.problems,
        }


def assess(spec: FormSpec, values: Mapping[str, Any]) -> Assessment:
    """Apply every rule; the suggested level is the highest any rule gives."""
    if spec.scoring is None:
        raise ValueError(f"form {spec.id} declares no scoring")
    sc = spec.scoring
    fields = spec.field_map

    def number(fid: str) -> int | None:
        v = values.get(fid)
        return int(v) if isinstance(v, str) and v.isdigit() else None

    reasons: list[Reason] = []
    problems: list[str] = []
    unanswered: list[str] = []
    scored: set[str] = set()
    for rule in sc.rules:
        scored.update(_fields_of(rule, sc))

    total = answered = None
    if sc.total:
        nums = [number(fid) for fid in sc.groups[sc.total]]
        total = sum(n for n in nums if n is not None)
        answered = sum(n is not None for n in nums)

    for rule in sc.rules:
        fired = _apply(rule, spec, values, number, problems)
        if fired is not None:
            level, facts = fired
            facts["level_label"] = spec.level(level).label
            reasons.append(Reason(rule.kind, level, fill_placeholders(rule.reason, facts)))

    for fid in (f.id for f in spec.fields if f.id in scored):
        if values.get(fid) in (None, ""):
            unanswered.append(fid)

    level = max((r.level for r in reasons), default=0)
    domains = []
    if sc.domains:
        for fid in sc.groups[sc.domains]:
            f = fields[fid]
            domains.append(DomainScore(fid, f.label, number(fid), f.option_label(values.get(fid))))

    stated_level = stated_label = None
    if sc.stated and values.get(sc.stated) not in (None, ""):
        stated_level = int(values[sc.stated])
        stated_label = spec.level(stated_level).label

    return Assessment(level, spec.level(level).label, total, answered or 0, domains, reasons, unanswered,
                      stated_level, stated_label, problems)


def _fields_of(rule: S.Rule, sc: S.Scoring) -> list[str]:
    if isinstance(rule, (S.TotalRule, S.CountRule)):
        return list(sc.groups[rule.of])
    if isinstance(rule, S.AnswerRule):
        return [rule.field]
    return [rule.dob, rule.on]


def _apply(rule: S.Rule, spec: FormSpec, values: Mapping[str, Any], number, problems: list[str]):
    """(level, facts for the reason) when the rule fires, else None."""
    sc = spec.scoring
    assert sc is not None
    labels = spec.field_map
    if isinstance(rule, S.TotalRule):
        members = sc.groups[rule.of]
        nums = [number(fid) for fid in members]
        answered = [n for n in nums if n is not None]
        total = sum(answered)
        lower = None
        for band in rule.bands:
            if band.upto is None or total <= band.upto:
                span = (f"{lower + 1}–{band.upto}" if lower is not None and band.upto is not None
                        else f"≤ {band.upto}" if band.upto is not None else f"≥ {lower + 1}")
                return band.level, {"total": total, "answered": len(answered), "count_of": len(members),
                                    "band": span}
            lower = band.upto
        return None
    if isinstance(rule, S.CountRule):
        hits = []
        for fid in sc.groups[rule.of]:
            v = values.get(fid)
            if rule.score_at_least is not None:
                ok = (number(fid) or 0) >= rule.score_at_least
            elif rule.checked is not None:
                ok = bool(v) is rule.checked and v is not None
            else:
                ok = v in (rule.values or ())
            if ok:
                hits.append(fid)
        if len(hits) >= rule.count_at_least:
            return rule.level, {"count": len(hits), "fields": ", ".join(labels[h].label for h in hits)}
        return None
    if isinstance(rule, S.AnswerRule):
        v = values.get(rule.field)
        if v in rule.values:
            return rule.level, {"field": labels[rule.field].label, "value": labels[rule.field].option_label(v)}
        return None
    # age_under
    dob_text, on_text = values.get(rule.dob), values.get(rule.on)
    dates = {}
    unreadable = False
    for ref, text in ((rule.dob, dob_text), (rule.on, on_text)):
        if text in (None, ""):
            continue
        try:
            dates[ref] = parse_date(str(text))
        except DateUnreadable as exc:
            problems.append(f"{labels[ref].label} ({ref}) could not be read: {exc}; the age rule was not applied")
            unreadable = True
    if rule.dob in dates and rule.on in dates:
        age = age_on(dates[rule.dob], dates[rule.on])
        if age < 0:
            problems.append(f"{labels[rule.dob].label} is after {labels[rule.on].label}; the age rule was not applied")
        elif age < rule.years:
            return rule.level, {"age": age, "years": rule.years}
    elif not unreadable and (dob_text or on_text):
        missing = rule.on if rule.dob in dates else rule.dob
        problems.append(f"{labels[missing].label} ({missing}) is blank; the age rule was not applied")
    return None
