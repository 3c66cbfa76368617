"""Values + the layout's scoring rules → a suggested risk level, with its reasons.

The result is a suggestion for a professional to agree (the seed asks for a
discussion with a Team Manager); the worker's own stated category is kept
beside it, never overwritten.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Mapping

from cse_pdf.base.errors import SpecError
from cse_pdf.base.notices import Notice, NoticeCode, messages
from cse_pdf.form.dates import DateUnreadable, age_on, parse_date
from cse_pdf.form.derived import is_answered, unanswered_ids
from cse_pdf.form.rules import AgeCondition, AnswerCondition, BaseLevelCondition, CountCondition, TotalRule
from cse_pdf.form.spec import FormSpec, fill_placeholders


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Raised:
    """A flag or advice as raised: which rule said it (its index in the layout's `rules`), and its words.

    The report counts flags by `rule`, so re-wording a layout's flag never changes a count."""

    rule: int
    text: str


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
    notices: list[Notice] = field(default_factory=list)  # problems (dates, claims), as codes
    base_level: int = 0  # before any `raise` rule: the seed's threshold level
    raised_flags: list[Raised] = field(default_factory=list)
    raised_advice: list[Raised] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return self.stated_level is not None and self.stated_level != self.level

    @property
    def problems(self) -> list[str]:
        return messages(self.notices)

    @property
    def flags(self) -> list[str]:
        return [r.text for r in self.raised_flags]

    @property
    def advice(self) -> list[str]:
        return [r.text for r in self.raised_advice]

    @property
    def flag_rules(self) -> list[int]:
        return [r.rule for r in self.raised_flags]

    def recorded(self) -> "RecordedAssessment":
        """What is kept of it: the store records this, and gives it back to export, show and the report."""
        return RecordedAssessment(
            level=self.level, label=self.label, base_level=self.base_level, total=self.total, answered=self.answered,
            domains={d.id: d.score for d in self.domains}, reasons=tuple(self.reasons), flags=tuple(self.flags),
            flag_rules=tuple(self.flag_rules), advice=tuple(self.advice), unanswered=tuple(self.unanswered),
            stated_level=self.stated_level, stated_label=self.stated_label, stated_differs=self.differs,
            problems=tuple(self.problems))

    def to_dict(self) -> dict[str, Any]:
        """`score --json`: the same shape as `show --json` gives for a recorded one."""
        return self.recorded().to_dict()


@dataclass(frozen=True)
class RecordedAssessment:
    """An assessment as the database keeps it: its words rendered, its flags with the rules that raised them.

    The one shape between scoring and every reader of the store (export, show, the report): made by
    `Assessment.recorded`, converted to and from a database row only in cse_pdf.store.repository."""

    level: int
    label: str
    base_level: int
    total: int | None
    answered: int
    domains: dict[str, int | None]  # domain id → its score (None: unanswered)
    reasons: tuple[Reason, ...]
    flags: tuple[str, ...]
    flag_rules: tuple[int, ...] | None  # the rule behind each flag; None: recorded before rules were kept
    advice: tuple[str, ...]
    unanswered: tuple[str, ...]
    stated_level: int | None
    stated_label: str | None
    stated_differs: bool
    problems: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "label": self.label,
            "base_level": self.base_level,
            "total": self.total,
            "answered": self.answered,
            "domains": dict(self.domains),
            "reasons": [asdict(r) for r in self.reasons],
            "flags": list(self.flags),
            "advice": list(self.advice),
            "unanswered": list(self.unanswered),
            "stated": None if self.stated_level is None else {"level": self.stated_level, "label": self.stated_label},
            "stated_differs": self.stated_differs,
            "problems": list(self.problems),
        }


class _Context:
    """What conditions look at: the answers, the spec, problems found so far, the base level once known."""

    def __init__(self, spec: FormSpec, values: Mapping[str, Any]) -> None:
        self.spec, self.values = spec, values
        self.problems: list[Notice] = []
        self.base_level: int | None = None

    def number(self, fid: str) -> int | None:
        v = self.values.get(fid)
        return int(v) if isinstance(v, str) and v.isdigit() else None

    def label(self, fid: str) -> str:
        return self.spec.field_map[fid].label

    def problem(self, code: NoticeCode, field: str | None = None, **facts: object) -> None:
        notice = Notice.of(code, field, **facts)
        if notice not in self.problems:
            self.problems.append(notice)


def assess(spec: FormSpec, values: Mapping[str, Any]) -> Assessment:
    """Levels first (the highest wins), then raises, then flags and advice, which may look at the level."""
    if spec.scoring is None:
        raise SpecError(f"form {spec.id} declares no scoring, so it cannot be scored, stamped or ingested; add a "
                        "`scoring:` section to its layout")
    sc = spec.scoring
    ctx = _Context(spec, values)
    top = max(lv.level for lv in sc.levels)
    reasons: list[Reason] = []

    for rule in sc.rules:
        if isinstance(rule, TotalRule):
            level, facts = _total(rule, ctx)
            reasons.append(Reason("total", level, fill_placeholders(rule.reason, facts | _label(spec, level))))
        elif rule.level is not None:
            facts = _holds(rule, ctx)
            if facts is not None:
                reasons.append(Reason(rule.kind, rule.level,
                                      fill_placeholders(rule.reason or "", facts | _label(spec, rule.level))))
    base = max((r.level for r in reasons), default=0)
    ctx.base_level = base

    level = base
    for rule in sc.rules:
        if not isinstance(rule, TotalRule) and rule.raise_by is not None:
            facts = _holds(rule, ctx)
            raised = min(top, base + rule.raise_by)
            if facts is not None and raised > base:  # at the top level already: nothing to raise or say
                level = max(level, raised)
                reasons.append(Reason(rule.kind, raised,
                                      fill_placeholders(rule.reason or "", facts | _label(spec, raised))))

    flags: list[Raised] = []
    advice: list[Raised] = []
    for index, rule in enumerate(sc.rules):
        if isinstance(rule, TotalRule) or rule.effect not in ("flag", "advice"):
            continue
        facts = _holds(rule, ctx)
        if facts is not None:
            text = fill_placeholders(rule.flag or rule.advice or "", facts | _label(spec, level))
            (flags if rule.flag else advice).append(Raised(index, text))

    # questions left blank: choices and dates the rules read (a blank tick or optional free text is an answer)
    unanswered = [fid for fid in unanswered_ids(spec) if not is_answered(values.get(fid))]

    total = answered = None
    if sc.total:
        nums = [ctx.number(fid) for fid in sc.groups[sc.total]]
        total = sum(n for n in nums if n is not None)
        answered = sum(n is not None for n in nums)

    domains = []
    if sc.domains:
        for fid in sc.groups[sc.domains]:
            f = spec.field_map[fid]
            domains.append(DomainScore(fid, f.label, ctx.number(fid), f.option_label(values.get(fid))))

    _check_dates(ctx)

    stated_level = stated_label = None
    if sc.stated and is_answered(values.get(sc.stated)):
        stated_level = int(values[sc.stated])
        stated_label = spec.level(stated_level).label

    return Assessment(level, spec.level(level).label, total, answered or 0, domains, reasons, unanswered,
                      stated_level, stated_label, ctx.problems, base, flags, advice)


def _check_dates(ctx: _Context) -> None:
    """Every date on the form, not only those a rule reads: one that cannot be read is a problem (review
    code date-problems) on every form, as is a date of birth after the date the form was completed.
    Problems name the question, never what was typed."""
    for f in ctx.spec.fields:
        text = ctx.values.get(f.id)
        if f.type != "date" or not isinstance(text, str) or not text.strip():
            continue  # blank is unanswered, not unreadable
        if any(p.field == f.id for p in ctx.problems):
            continue  # an age rule said so already
        try:
            parse_date(text)
        except DateUnreadable as exc:
            ctx.problem(NoticeCode.DATE_UNREADABLE, f.id, label=f.label, why=exc)
    s = ctx.spec.summary
    if s is not None and s.dob and s.completed:
        dob, done = (_readable(ctx.values.get(ref)) for ref in (s.dob, s.completed))
        said = any(p.code in (NoticeCode.AGE_DOB_AFTER, NoticeCode.DOB_AFTER_COMPLETED) for p in ctx.problems)
        if dob is not None and done is not None and dob > done and not said:
            ctx.problem(NoticeCode.DOB_AFTER_COMPLETED, dob_label=ctx.label(s.dob), dob=s.dob,
                        completed_label=ctx.label(s.completed), completed=s.completed)


def _readable(text: Any) -> date | None:
    try:
        return parse_date(text) if isinstance(text, str) and text.strip() else None
    except DateUnreadable:
        return None


def _label(spec: FormSpec, level: int) -> dict[str, object]:
    return {"level_label": spec.level(level).label}


def _total(rule: TotalRule, ctx: _Context) -> tuple[int, dict[str, object]]:
    members = ctx.spec.scoring.groups[rule.of]
    answered = [n for n in (ctx.number(fid) for fid in members) if n is not None]
    total = sum(answered)
    lower = None
    for band in rule.bands:
        if band.upto is None or total <= band.upto:
            span = (f"{lower + 1}–{band.upto}" if lower is not None and band.upto is not None
                    else f"≤ {band.upto}" if band.upto is not None else f"≥ {lower + 1}")
            return band.level, {"total": total, "answered": len(answered), "count_of": len(members), "band": span}
        lower = band.upto
    raise AssertionError("the last band has no upper bound")  # guaranteed by spec validation


def _holds(cond: Any, ctx: _Context) -> dict[str, object] | None:
    """The facts behind a condition when it holds, else None."""
    values = ctx.values
    if isinstance(cond, CountCondition):
        hits = []
        for fid in ctx.spec.scoring.groups[cond.of]:
            v = values.get(fid)
            if cond.score_at_least is not None:
                ok = (ctx.number(fid) or 0) >= cond.score_at_least
            elif cond.checked is not None:
                ok = v is not None and bool(v) is cond.checked
            elif cond.answered is not None:
                ok = is_answered(v) is cond.answered
            else:
                ok = v in (cond.values or ())
            if ok:
                hits.append(fid)
        if len(hits) >= cond.count_at_least:
            return {"count": len(hits), "fields": ", ".join(ctx.label(h) for h in hits)}
        return None
    if isinstance(cond, AnswerCondition):
        v = values.get(cond.field)
        if v in cond.values:
            f = ctx.spec.field_map[cond.field]
            return {"field": f.label, "value": f.option_label(v)}
        return None
    if isinstance(cond, AgeCondition):
        return _age(cond, ctx)
    if isinstance(cond, BaseLevelCondition):
        assert ctx.base_level is not None, "validated: level rules never depend on base_level"
        return {"base_level": ctx.base_level} if ctx.base_level >= cond.at_least else None
    parts = [_holds(sub, ctx) for sub in cond.conditions]
    if cond.kind == "all":
        return {} if all(p is not None for p in parts) else None
    return {} if any(p is not None for p in parts) else None


def _age(cond: AgeCondition, ctx: _Context) -> dict[str, object] | None:
    dob_text, on_text = ctx.values.get(cond.dob), ctx.values.get(cond.on)
    dates = {}
    unreadable = False
    for ref, text in ((cond.dob, dob_text), (cond.on, on_text)):
        if not isinstance(text, str) or not text.strip():
            continue  # blank (said below), not unreadable
        try:
            dates[ref] = parse_date(str(text))
        except DateUnreadable as exc:
            ctx.problem(NoticeCode.AGE_DATE_UNREADABLE, ref, label=ctx.label(ref), why=exc)
            unreadable = True
    if cond.dob in dates and cond.on in dates:
        age = age_on(dates[cond.dob], dates[cond.on])
        if age < 0:
            ctx.problem(NoticeCode.AGE_DOB_AFTER, dob_label=ctx.label(cond.dob), on_label=ctx.label(cond.on))
        elif age < cond.years:
            return {"age": age, "years": cond.years}
    elif not unreadable and any(isinstance(t, str) and t.strip() for t in (dob_text, on_text)):
        missing = cond.on if cond.dob in dates else cond.dob
        ctx.problem(NoticeCode.AGE_DATE_BLANK, missing, label=ctx.label(missing))
    return None
