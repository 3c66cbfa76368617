"""Layout YAML → FormSpec, the single source of truth for every later stage.

A layout lists the form's sections and blocks in reading order; each field is
declared exactly once, where it appears on the page. Scoring is data too: a
small typed vocabulary of rules, validated here so that a layout coming from
outside can never run code.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import Field as PydField
from pydantic import ValidationError, field_validator, model_validator

from cse_pdf.base.errors import SpecError
from cse_pdf.form.blocks import (
    IDENTITY_FIELD,
    LIVE_PREFIX,
    Checklist,
    Field,
    FieldBlock,
    FieldsBlock,
    Live,
    Repeat,
    Scale,
    Section,
    SideBySide,
    Strict,
)
from cse_pdf.form.downstream import DEFAULT_AGREE, Breakdown, Distribute, ReportSection, Review, Summary
from cse_pdf.form.rules import (
    AgeCondition,
    AnswerCondition,
    BaseLevelCondition,
    CountCondition,
    Level,
    Scoring,
    TotalRule,
)

_HASH16 = r"^[0-9a-f]{16}$"


class IdentityPin(Strict):
    """Keeps the identity hash that copies already issued carry across an edit that does not change the
    form itself (e.g. a retired summary option removed), so those copies still read as this layout.

    Valid only while the layout's content hashes to exactly `content`: any later edit voids it, and the
    form's identity follows its content again (a changed layout is reported as before)."""

    hash: Annotated[str, PydField(pattern=_HASH16)]
    content: Annotated[str, PydField(pattern=_HASH16)]


class FormSpec(Strict):
    id: Annotated[str, PydField(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    version: str
    title: str
    issuer: str = ""
    marking: str = ""  # a protective marking printed on every page
    sections: tuple[Section, ...]
    scoring: Scoring | None = None
    summary: Summary | None = None
    keep_identity: IdentityPin | None = None
    # Facts for other commands, not the form: neither changes the PDF, so neither is in the identity hash.
    report: ReportSection | None = None
    distribute: Distribute | None = None
    review: Review | None = None  # who agrees the level (issue 17): the managers' way of working, not the form

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v

    @cached_property
    def fields(self) -> tuple[Field, ...]:
        """Every field in reading order: the generator, reader and exports walk this."""
        return tuple(f for section in self.sections for block in section.blocks for f in _block_fields(block))

    @cached_property
    def field_map(self) -> dict[str, Field]:
        return {f.id: f for f in self.fields}

    @cached_property
    def live_block(self) -> "Live | None":
        return next((b for b in _walk_blocks(self) if isinstance(b, Live)), None)

    @cached_property
    def live_after(self) -> str | None:
        """The last answer before the live block: its calculated fields follow it in tab order."""
        last = None
        for block in _walk_blocks(self):
            if isinstance(block, Live):
                return last
            ids = [f.id for f in _block_fields(block)] if not isinstance(block, SideBySide) else []
            last = ids[-1] if ids else last
        return None

    @cached_property
    def checklists(self) -> dict[str, Checklist]:
        return {b.checklist: b for b in _walk_blocks(self) if isinstance(b, Checklist)}

    @cached_property
    def content_hash(self) -> str:
        """The form's identity hash: what the form *means* (not YAML formatting or comments, nor defaults
        the engine grows later, so a new engine option does not change existing forms' identity), or the
        hash `keep_identity` pins for exactly this content."""
        content = self.layout_hash
        pin = self.keep_identity
        return pin.hash if pin is not None and pin.content == content else content

    @cached_property
    def layout_hash(self) -> str:
        """A hash of the layout's content itself: what a pin is checked against. Left out: `keep_identity`
        (it names this hash), and `report`, `distribute` and `review`, which tell other commands how to count,
        address or agree the form without changing a byte of it, so adding or editing them keeps issued copies valid;
        likewise the summary keys that only shape the stamped page (`Summary.PAGE_ONLY`)."""
        dumped = self.model_dump(mode="json", exclude_defaults=True, by_alias=True,
                                 exclude={"keep_identity": True, "report": True, "distribute": True, "review": True,
                                          "summary": set(Summary.PAGE_ONLY)})
        canonical = json.dumps(dumped, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]

    @cached_property
    def breakdowns(self) -> tuple[Breakdown, ...]:
        """The report's breakdowns: the layout's `report:`, else one table per radio or dropdown question
        that is not scored (in no scoring group, not the worker's stated level, not a repeated row's cell),
        after an age table when the summary names a date of birth."""
        if self.report is not None:
            return self.report.breakdowns
        scoring = self.scoring
        scored = {fid for members in scoring.groups.values() for fid in members} if scoring else set()
        if scoring and scoring.stated:
            scored.add(scoring.stated)
        repeated = {f.id for b in _walk_blocks(self) if isinstance(b, Repeat) for f in b.fields}
        age = (Breakdown(age=True),) if self.summary and self.summary.dob else ()
        return age + tuple(Breakdown(field=f.id) for f in self.fields
                           if f.type in ("radio", "dropdown") and f.id not in scored and f.id not in repeated)

    @property
    def agreeing_roles(self) -> tuple[str, ...]:
        """The roles that must each agree a suggested level: the layout's `review.agree`, else a Team Manager."""
        return self.review.agree if self.review is not None else DEFAULT_AGREE

    def level(self, number: int) -> Level:
        assert self.scoring is not None
        return next(lv for lv in self.scoring.levels if lv.level == number)

    @model_validator(mode="after")
    def _references_resolve(self) -> "FormSpec":
        _check_ids(self)
        lives = [b for b in _walk_blocks(self) if isinstance(b, Live)]
        if len(lives) > 1:
            raise ValueError("a form has at most one `live` block")
        if lives and self.scoring is None:
            raise ValueError("a `live` block shows the scoring: the form needs `scoring`")
        if any(f.id == LIVE_PREFIX or f.id.startswith(LIVE_PREFIX + ".") for f in self.fields):
            raise ValueError(f"field ids starting {LIVE_PREFIX!r} are kept for calculated fields")
        if self.scoring:
            _check_scoring(self, self.scoring)
        if self.summary:
            for name in ("name", "dob", "completed", "agency"):
                ref = getattr(self.summary, name)
                if ref is not None and ref not in self.field_map:
                    raise ValueError(f"summary.{name}: no field with id {ref!r}")
            for ref in self.summary.ticked:
                if ref not in self.checklists:
                    raise ValueError(f"summary.ticked: no checklist {ref!r}")
            if (self.summary.urgent_at is not None or self.summary.contacts) and not self.summary.action:
                raise ValueError("summary.urgent_at and summary.contacts frame `summary.action`: add `action`")
            known = {lv.level for lv in self.scoring.levels} if self.scoring else set()
            for level in self.summary.urgent_at or ():
                if level not in known:
                    raise ValueError(f"summary.urgent_at: no level {level} in scoring.levels")
        if self.report:
            _check_report(self, self.report)
        if self.distribute:
            _check_distribute(self, self.distribute)
        return self


def _check_report(spec: FormSpec, report: ReportSection) -> None:
    seen: set[str] = set()
    for i, entry in enumerate(report.breakdowns):
        where = f"report.breakdowns[{i}] ({entry.key})"
        if entry.key in seen:
            raise ValueError(f"{where}: listed twice")
        seen.add(entry.key)
        if entry.field is not None:
            f = spec.field_map.get(entry.field)
            if f is None:
                raise ValueError(f"{where}: no field with id {entry.field!r}")
            if f.type not in ("radio", "dropdown"):
                raise ValueError(f"{where}: {f.id} is a {f.type}; a breakdown counts a radio or dropdown's answers")
        elif entry.checklist is not None and entry.checklist not in spec.checklists:
            raise ValueError(f"{where}: no checklist {entry.checklist!r}")
        elif entry.age and not (spec.summary and spec.summary.dob):
            raise ValueError(f"{where}: the age is worked out from summary.dob, which this layout does not name")


def _check_distribute(spec: FormSpec, distribute: Distribute) -> None:
    seen: set[str] = set()
    for part in ("name", "address", "contact"):
        fid = getattr(distribute.agency, part)
        if fid is None:
            continue
        where = f"distribute.agency.{part}"
        f = spec.field_map.get(fid)
        if f is None:
            raise ValueError(f"{where}: no field with id {fid!r}")
        if f.type not in ("text", "multiline"):
            raise ValueError(f"{where}: {fid} is a {f.type}; the agency's details go into text fields")
        if fid in seen:
            raise ValueError(f"{where}: {fid} is already used for another part of the agency block")
        seen.add(fid)


def _walk_blocks(spec: "FormSpec") -> Any:
    stack = [b for section in spec.sections for b in section.blocks]
    while stack:
        block = stack.pop(0)
        yield block
        if isinstance(block, SideBySide):
            stack[0:0] = [b for col in block.side_by_side for b in col]


def repeat_tables(spec: "FormSpec") -> list[Repeat]:
    """The form's repeat tables (people involved, …), in reading order: an export gives each its own sheet."""
    return [b for b in _walk_blocks(spec) if isinstance(b, Repeat)]


def _block_fields(block: Any) -> tuple[Field, ...]:
    if isinstance(block, FieldBlock):
        return (block.field,)
    if isinstance(block, FieldsBlock):
        return block.fields
    if isinstance(block, Scale):
        return (block.scale,)
    if isinstance(block, Checklist):
        return block.fields + ((block.other,) if block.other else ())
    if isinstance(block, Repeat):
        return block.fields
    if isinstance(block, SideBySide):
        return tuple(f for col in block.side_by_side for b in col for f in _block_fields(b))
    return ()


def _check_ids(spec: FormSpec) -> None:
    seen: set[str] = set()
    for f in spec.fields:
        if f.id in seen:
            raise ValueError(f"field id {f.id!r} is used twice")
        if f.id == IDENTITY_FIELD:
            raise ValueError(f"field id {IDENTITY_FIELD!r} is reserved for the form's identity")
        seen.add(f.id)
    # a terminal field cannot also be the parent of another (`a.b` and `a.b.c`)
    for fid in seen:
        parts = fid.split(".")
        for i in range(1, len(parts)):
            if ".".join(parts[:i]) in seen:
                raise ValueError(f"field id {fid!r} sits under {'.'.join(parts[:i])!r}, which is itself a field")


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_ANY_BRACES = re.compile(r"\{([^{}]*)\}")


def _check_scoring(spec: FormSpec, scoring: Scoring) -> None:
    fields = spec.field_map
    levels = {lv.level for lv in scoring.levels}
    if sorted(levels) != list(range(len(levels))):
        raise ValueError("scoring.levels must be numbered 0, 1, 2, … without gaps")
    for name, members in scoring.groups.items():
        for fid in members:
            if fid not in fields:
                raise ValueError(f"scoring.groups.{name}: no field with id {fid!r}")
    for ref in ("total", "domains"):
        group = getattr(scoring, ref)
        if group is not None and group not in scoring.groups:
            raise ValueError(f"scoring.{ref}: no group named {group!r}")
    if scoring.total:
        for fid in scoring.groups[scoring.total]:
            _require_numeric_radio(fields[fid], f"scoring.total ({scoring.total})")
    if scoring.stated:
        stated = fields.get(scoring.stated)
        if stated is None:
            raise ValueError(f"scoring.stated: no field with id {scoring.stated!r}")
        if stated.type not in ("radio", "dropdown") or {o.value for o in stated.options} != {str(n) for n in levels}:
            raise ValueError(f"scoring.stated: {stated.id} must be a radio or dropdown whose values are the levels")
    for i, rule in enumerate(scoring.rules):
        where = f"scoring.rules[{i}] ({rule.kind})"
        if isinstance(rule, TotalRule):
            if rule.of not in scoring.groups:
                raise ValueError(f"{where}: no group named {rule.of!r}")
            for fid in scoring.groups[rule.of]:
                _require_numeric_radio(fields[fid], where)
            bad = [b.level for b in rule.bands if b.level not in levels]
            if bad:
                raise ValueError(f"{where}: level {bad[0]} is not among scoring.levels")
            allowed = set(rule.placeholders)
        else:
            _check_condition(rule, scoring, fields, levels, where)
            if rule.level is not None and rule.level not in levels:
                raise ValueError(f"{where}: level {rule.level} is not among scoring.levels")
            if rule.level is not None and _uses_base_level(rule):
                raise ValueError(f"{where}: a rule that sets the level cannot depend on base_level")
            allowed = set(rule.placeholders) | {"level_label"}
        text = " ".join(t for t in (rule.reason, getattr(rule, "flag", None), getattr(rule, "advice", None)) if t)
        unknown_ph = set(_ANY_BRACES.findall(text)) - allowed
        if unknown_ph:
            raise ValueError(f"{where}: reason uses {sorted(unknown_ph)}; it may use {sorted(allowed)}")


def _uses_base_level(cond: Any) -> bool:
    if isinstance(cond, BaseLevelCondition):
        return True
    return any(_uses_base_level(c) for c in getattr(cond, "conditions", ()))


def _check_condition(cond: Any, scoring: Scoring, fields: dict[str, Field], levels: set[int], where: str) -> None:
    if isinstance(cond, CountCondition):
        if cond.of not in scoring.groups:
            raise ValueError(f"{where}: no group named {cond.of!r}")
        for fid in scoring.groups[cond.of]:
            f = fields[fid]
            if cond.score_at_least is not None:
                _require_numeric_radio(f, where)
            elif cond.checked is not None and f.type != "checkbox":
                raise ValueError(f"{where}: `checked` needs checkboxes; {fid} is a {f.type}")
            elif cond.values is not None and f.type not in ("radio", "dropdown"):
                raise ValueError(f"{where}: `values` needs radio or dropdown fields; {fid} is a {f.type}")
    elif isinstance(cond, AnswerCondition):
        f = fields.get(cond.field)
        if f is None or f.type not in ("radio", "dropdown"):
            raise ValueError(f"{where}: {cond.field!r} is not a radio or dropdown field")
        unknown = set(cond.values) - {o.value for o in f.options}
        if unknown:
            raise ValueError(f"{where}: {sorted(unknown)} are not options of {cond.field}")
    elif isinstance(cond, AgeCondition):
        for ref in (cond.dob, cond.on):
            if fields.get(ref) is None or fields[ref].type != "date":
                raise ValueError(f"{where}: {ref!r} is not a date field")
    elif isinstance(cond, BaseLevelCondition):
        if cond.at_least not in levels:
            raise ValueError(f"{where}: base_level {cond.at_least} is not among scoring.levels")
    else:
        if not cond.conditions:
            raise ValueError(f"{where}: `{cond.kind}` needs at least one condition")
        for j, sub in enumerate(cond.conditions):
            _check_condition(sub, scoring, fields, levels, f"{where}.conditions[{j}] ({sub.kind})")


def _require_numeric_radio(f: Field, where: str) -> None:
    if f.type != "radio" or not all(o.value.isdigit() for o in f.options):
        raise ValueError(f"{where}: {f.id} must be a radio whose option values are whole numbers")


def fill_placeholders(template: str, facts: dict[str, object]) -> str:
    """`{name}` substitution only: no attribute access, no format specs, nothing to exploit."""
    return _PLACEHOLDER.sub(lambda m: str(facts.get(m.group(1), m.group(0))), template)


def load_spec(path: Path | str) -> FormSpec:
    """Load and validate one layout file; errors name the file and the bad entry."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecError(f"cannot read layout ({exc.strerror})", path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise SpecError(f"not valid YAML{where}: {getattr(exc, 'problem', exc)}", path) from None
    if not isinstance(data, dict):
        raise SpecError("a layout must be a mapping with id, version, title and sections", path)
    try:
        return FormSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise SpecError(f"{loc or 'layout'}: {first['msg']}{more}", path) from None
    except ValueError as exc:  # raised by _tag_block before pydantic sees the block
        raise SpecError(str(exc), path) from None
