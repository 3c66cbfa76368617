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
from typing import Annotated, Any, ClassVar, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from pydantic import Field as PydField

from cse_pdf.base.errors import SpecError

FIELD_ID = r"^[a-z][a-z0-9_]*(\.([a-z][a-z0-9_]*|[0-9]+))*$"  # digits only for repeated rows
EXPORT_VALUE = r"^[A-Za-z0-9_-]+$"
IDENTITY_FIELD = "cse_pdf_form"  # period-free, hidden; carries form id, version, hash, instance

FieldType = Literal["text", "multiline", "date", "checkbox", "radio", "dropdown"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Option(_Strict):
    value: Annotated[str, PydField(pattern=EXPORT_VALUE)]
    label: str

    @field_validator("value", mode="before")
    @classmethod
    def _numbers_are_strings(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


class Field(_Strict):
    """One answer on the form; `id` is its fully qualified PDF name and its key everywhere."""

    id: Annotated[str, PydField(pattern=FIELD_ID)]
    type: FieldType
    label: str
    tooltip: str | None = None  # defaults to the label; checklists prefix the group's label
    required: bool = False
    options: tuple[Option, ...] = ()
    columns: int = 1  # radio options per row
    lines: int = 3  # height of a multiline box, in lines
    width: float = 1.0  # fraction of the space beside the label

    @model_validator(mode="after")
    def _options_fit_type(self) -> "Field":
        if self.type in ("radio", "dropdown"):
            if len(self.options) < 2:
                raise ValueError(f"{self.id}: a {self.type} needs at least two options")
            values = [o.value for o in self.options]
            if len(set(values)) != len(values):
                raise ValueError(f"{self.id}: option values must be distinct")
        elif self.options:
            raise ValueError(f"{self.id}: only radio and dropdown fields take options")
        if self.type == "radio" and IDENTITY_FIELD in self.id:
            raise ValueError(f"{self.id}: reserved name")
        return self

    @property
    def help_text(self) -> str:
        return self.tooltip or self.label

    def option_label(self, value: str | None) -> str | None:
        return next((o.label for o in self.options if o.value == value), None)


# ---- blocks: what the page shows, in order --------------------------------------------------


class Heading(_Strict):
    kind: Literal["heading"] = "heading"
    heading: str


class Subheading(_Strict):
    kind: Literal["subheading"] = "subheading"
    subheading: str


class Paragraph(_Strict):
    kind: Literal["paragraph"] = "paragraph"
    paragraph: str


class Note(_Strict):
    """A boxed paragraph that must not be missed (instructions, contacts)."""

    kind: Literal["note"] = "note"
    note: str


class FieldBlock(_Strict):
    kind: Literal["field"] = "field"
    field: Field


class FieldsBlock(_Strict):
    kind: Literal["fields"] = "fields"
    fields: tuple[Field, ...]
    label_width: float = 0.32  # fraction of the line given to labels


class ChecklistItem(_Strict):
    id: Annotated[str, PydField(pattern=r"^[a-z][a-z0-9_]*$")]
    label: str


class Checklist(_Strict):
    """Tick all that apply: one checkbox field per item, `<group>.<item>`; with `notes`, a notes box
    per item too, `<group>.<item>_notes` (who reported it, when, where)."""

    kind: Literal["checklist"] = "checklist"
    checklist: Annotated[str, PydField(pattern=FIELD_ID)]
    label: str
    items: tuple[ChecklistItem, ...]
    columns: int = 2
    notes: str | None = None  # the notes column's heading; None = no notes boxes
    notes_lines: int = 2
    other: Field | None = None  # the "Other (please state)" box

    @cached_property
    def fields(self) -> tuple[Field, ...]:
        """Checkboxes (each followed by its notes box) in reading order."""
        out: list[Field] = []
        for item in self.items:
            out.append(Field(id=f"{self.checklist}.{item.id}", type="checkbox", label=item.label,
                             tooltip=f"{self.label}: {item.label}"))
            if self.notes:
                out.append(Field(id=f"{self.checklist}.{item.id}_notes", type="multiline", lines=self.notes_lines,
                                 label=f"{self.notes}: {item.label}", tooltip=f"{self.notes}: {item.label}"))
        return tuple(out)

    @cached_property
    def field_map(self) -> dict[str, Field]:
        return {f.id: f for f in self.fields}

    def notes_for(self, item: ChecklistItem) -> str | None:
        return f"{self.checklist}.{item.id}_notes" if self.notes else None


class RepeatColumn(_Strict):
    id: Annotated[str, PydField(pattern=r"^[a-z][a-z0-9_]*$")]
    type: Literal["text", "date", "dropdown", "checkbox"] = "text"
    label: str
    width: float = 0.2  # fraction of the row
    options: tuple[Option, ...] = ()


class Repeat(_Strict):
    """A table of `rows` identical rows; each cell is a field `<repeat>.<row>.<column>` (rows from 1)."""

    kind: Literal["repeat"] = "repeat"
    repeat: Annotated[str, PydField(pattern=FIELD_ID)]
    label: str
    rows: Annotated[int, PydField(ge=1, le=50)]
    columns: tuple[RepeatColumn, ...]

    @cached_property
    def fields(self) -> tuple[Field, ...]:
        return tuple(
            Field(id=f"{self.repeat}.{row}.{col.id}", type=col.type, label=f"{self.label} {row}: {col.label}",
                  options=col.options)
            for row in range(1, self.rows + 1) for col in self.columns
        )


class Table(_Strict):
    """A printed table of the seed (codes, guidance); no fields in it."""

    kind: Literal["table"] = "table"
    table: tuple[tuple[str, ...], ...]
    header: bool = True
    widths: tuple[float, ...] | None = None  # fractions of the frame width

    @model_validator(mode="after")
    def _rectangular(self) -> "Table":
        n = {len(row) for row in self.table}
        if len(n) != 1:
            raise ValueError("every table row needs the same number of cells")
        if self.widths and len(self.widths) != n.pop():
            raise ValueError("widths must give one fraction per column")
        return self


class Scale(_Strict):
    """A scored question: the options stacked, each with its full descriptor."""

    kind: Literal["scale"] = "scale"
    scale: Field

    @field_validator("scale")
    @classmethod
    def _is_radio(cls, f: Field) -> Field:
        if f.type != "radio":
            raise ValueError(f"{f.id}: a scale is a radio field")
        return f


class PageBreak(_Strict):
    kind: Literal["page_break"] = "page_break"
    page_break: bool = True


LIVE_PREFIX = "calculated"  # calculated fields are `calculated.<name>`: claims, never answers
LIVE_FIELDS = {  # name → what the field shows, in the order a live block lists them
    "total": "Total score",
    "category": "Suggested category",
    "why": "Why",
    "unanswered": "Scored questions unanswered",
    "flags": "Flags and advice",
}


class Live(_Strict):
    """Live scoring: calculated fields the viewer fills from the scoring rules (blank/live_scoring.py), beside the
    worker's own category. Which fields appear follows from `scoring`: a total only if one is added
    up, flags only if a rule flags or advises."""

    kind: Literal["live"] = "live"
    live: str  # the box's heading
    hint: str = ("Filled in by the form itself as you answer, in viewers that run form scripts (Acrobat, Chrome, "
                 "Edge, Firefox). Elsewhere these boxes stay empty; cse-pdf works everything out again when it "
                 "reads the returned form.")


class SideBySide(_Strict):
    """Two (or more) columns of blocks, as the seed prints its domains in pairs."""

    kind: Literal["side_by_side"] = "side_by_side"
    side_by_side: tuple[tuple["Block", ...], ...]


Block = Annotated[
    Union[Heading, Subheading, Paragraph, Note, FieldBlock, FieldsBlock, Checklist, Repeat, Table, Scale, PageBreak,
          SideBySide, Live],
    PydField(discriminator="kind"),
]
SideBySide.model_rebuild()

_BLOCK_KINDS = ("heading", "subheading", "paragraph", "note", "field", "fields", "checklist", "repeat", "table",
                "scale", "page_break", "side_by_side", "live")


class Section(_Strict):
    title: str
    blocks: tuple[Block, ...]
    new_page: bool = False

    @field_validator("blocks", mode="before")
    @classmethod
    def _tag_blocks(cls, blocks: Any) -> Any:
        return [_tag_block(b) for b in blocks] if isinstance(blocks, list) else blocks


def _tag_block(block: Any) -> Any:
    """Blocks are written `- heading: ...`; the key that names the kind becomes the tag."""
    if not isinstance(block, dict):
        return block
    kinds = [k for k in block if k in _BLOCK_KINDS]
    if len(kinds) != 1:
        raise ValueError(f"a block needs exactly one of {', '.join(_BLOCK_KINDS)}; got keys {sorted(block)}")
    tagged = {"kind": kinds[0], **block}
    if kinds[0] == "side_by_side" and isinstance(block["side_by_side"], list):
        tagged["side_by_side"] = [[_tag_block(b) for b in col] if isinstance(col, list) else col
                                  for col in block["side_by_side"]]
    return tagged


# ---- scoring: a small typed rule vocabulary --------------------------------------------------


class Level(_Strict):
    level: int
    label: str
    guidance: str


class Band(_Strict):
    upto: int | None = None  # inclusive upper bound; None = no upper bound
    level: int


class TotalRule(_Strict):
    """The total of a group falls in a band; the band gives the level."""

    kind: Literal["total"]
    of: str
    bands: tuple[Band, ...]
    reason: str  # words shown when the rule fires; {placeholders} from the rule's own facts
    placeholders: ClassVar[tuple[str, ...]] = ("total", "answered", "count_of", "band", "level_label")

    @model_validator(mode="after")
    def _bands_ascend(self) -> "TotalRule":
        uppers = [b.upto for b in self.bands]
        if not uppers or uppers[-1] is not None or any(u is None for u in uppers[:-1]):
            raise ValueError("bands need ascending `upto` values and a last band without `upto`")
        if uppers[:-1] != sorted(uppers[:-1]) or len(set(uppers[:-1])) != len(uppers) - 1:
            raise ValueError("band `upto` values must strictly ascend")
        return self


# -- conditions: what must hold. Rules are a condition plus one effect.


class CountCondition(_Strict):
    """At least `count_at_least` fields of a group meet a test."""

    kind: Literal["count"]
    of: str
    score_at_least: int | None = None
    checked: bool | None = None
    values: tuple[str, ...] | None = None
    answered: bool | None = None  # ticked, typed in or chosen
    count_at_least: int = 1
    placeholders: ClassVar[tuple[str, ...]] = ("count", "fields")

    @model_validator(mode="after")
    def _one_test(self) -> "CountCondition":
        given = [c for c in (self.score_at_least, self.checked, self.values, self.answered) if c is not None]
        if len(given) != 1:
            raise ValueError("a count takes exactly one of score_at_least, checked, values, answered")
        return self


class AnswerCondition(_Strict):
    """A field's answer is one of `values`."""

    kind: Literal["answer"]
    field: str
    values: tuple[str, ...]
    placeholders: ClassVar[tuple[str, ...]] = ("field", "value")


class AgeCondition(_Strict):
    """The person is younger than `years` on the date in `on`."""

    kind: Literal["age_under"]
    dob: str
    on: str
    years: int
    placeholders: ClassVar[tuple[str, ...]] = ("age", "years")


class BaseLevelCondition(_Strict):
    """The level the `level` rules gave, before any `raise` (the seed's threshold level)."""

    kind: Literal["base_level"]
    at_least: int
    placeholders: ClassVar[tuple[str, ...]] = ("base_level",)


class AllCondition(_Strict):
    kind: Literal["all"]
    conditions: tuple["Condition", ...]
    placeholders: ClassVar[tuple[str, ...]] = ()


class AnyCondition(_Strict):
    kind: Literal["any"]
    conditions: tuple["Condition", ...]
    placeholders: ClassVar[tuple[str, ...]] = ()


Condition = Annotated[
    Union[CountCondition, AnswerCondition, AgeCondition, BaseLevelCondition, AllCondition, AnyCondition],
    PydField(discriminator="kind"),
]
AllCondition.model_rebuild()
AnyCondition.model_rebuild()


class _Effect(_Strict):
    """Exactly one: `level` (at least), `raise` (levels up, after the others), `flag` or `advice`."""

    level: int | None = None
    raise_by: int | None = PydField(default=None, alias="raise")
    flag: str | None = None
    advice: str | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _one_effect(self) -> "_Effect":
        effects = [e for e in (self.level, self.raise_by, self.flag, self.advice) if e is not None]
        if len(effects) != 1:
            raise ValueError("a rule takes exactly one of level, raise, flag, advice")
        if (self.level is not None or self.raise_by is not None) and not self.reason:
            raise ValueError("a rule that sets or raises the level needs a `reason`")
        if self.raise_by is not None and self.raise_by < 1:
            raise ValueError("raise must be 1 or more")
        return self

    @property
    def effect(self) -> str:
        return next(n for n, v in (("level", self.level), ("raise", self.raise_by), ("flag", self.flag),
                                   ("advice", self.advice)) if v is not None)


class CountRule(CountCondition, _Effect):
    pass


class AnswerRule(AnswerCondition, _Effect):
    pass


class AgeRule(AgeCondition, _Effect):
    pass


class BaseLevelRule(BaseLevelCondition, _Effect):
    pass


class AllRule(AllCondition, _Effect):
    pass


class AnyRule(AnyCondition, _Effect):
    pass


Rule = Annotated[
    Union[TotalRule, CountRule, AnswerRule, AgeRule, BaseLevelRule, AllRule, AnyRule],
    PydField(discriminator="kind"),
]


class Scoring(_Strict):
    levels: tuple[Level, ...]
    groups: dict[str, tuple[str, ...]]
    total: str | None = None  # the group whose numeric answers are added up
    domains: str | None = None  # the group shown as a table of scores on the summary
    stated: str | None = None  # the worker's own category; its option values are level numbers
    rules: tuple[Rule, ...]


class Summary(_Strict):
    """What the stamped summary page needs to know about this form."""

    name: str
    dob: str | None = None
    completed: str | None = None
    agency: str | None = None  # who completed it: with name, dob and date, tells a re-submission from a new one
    unanswered_warning: str
    action: str | None = None  # e.g. the seed's "Take action now" contacts
    ticked: tuple[str, ...] = ()  # checklists whose ticked items (with their notes) the summary lists
    level_name: str = "risk category"  # what the form calls its levels
    agreement: str | None = None  # how the suggested level becomes an agreed one (who decides)

    @model_validator(mode="before")
    @classmethod
    def _no_category_overwrite(cls, data: Any) -> Any:
        """The stamped copy keeps every answer as the worker gave it (issue 14): a layout still asking for
        the suggestion to be written over the worker's own category is refused, not quietly obeyed."""
        if isinstance(data, dict) and "write_category_to" in data:
            raise ValueError("write_category_to is no longer supported: the stamped copy keeps the worker's own "
                             "category and the suggestion is shown on the summary page; remove this line")
        return data


# ---- what other commands need to know about the form (not the form itself) ---------------------


class Breakdown(_Strict):
    """One table of the Board's report beyond those every scored form gets: the answers to a radio or
    dropdown `field`, the ticks of a `checklist`, or the young people's `age` (from `summary.dob`)."""

    field: str | None = None
    checklist: str | None = None
    age: bool | None = None
    title: str | None = None  # default: the field's or the checklist's label; the age table's title is fixed

    @model_validator(mode="after")
    def _one_kind(self) -> "Breakdown":
        kinds = [k for k in ("field", "checklist", "age") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a breakdown takes exactly one of field, checklist, age")
        if self.age is False:
            raise ValueError("`age: false`: leave the entry out instead")
        if self.age and self.title is not None:
            raise ValueError("the age table's title is fixed; remove `title`")
        return self

    @property
    def key(self) -> str:
        """What the table counts, to tell one entry listed twice."""
        return f"field {self.field}" if self.field else f"checklist {self.checklist}" if self.checklist else "age"


class ReportSection(_Strict):
    """The Board report's breakdowns for this form, in the order its tables appear."""

    breakdowns: tuple[Breakdown, ...]


class AgencyFields(_Strict):
    """The fields `cse-pdf distribute` fills in with an agency's details from the agency list."""

    name: str
    address: str | None = None
    contact: str | None = None


class Distribute(_Strict):
    """How a blank copy is pre-addressed to a partner agency; without it, the form cannot be distributed."""

    agency: AgencyFields


_HASH16 = r"^[0-9a-f]{16}$"


class IdentityPin(_Strict):
    """Keeps the identity hash that copies already issued carry across an edit that does not change the
    form itself (e.g. a retired summary option removed), so those copies still read as this layout.

    Valid only while the layout's content hashes to exactly `content`: any later edit voids it, and the
    form's identity follows its content again (a changed layout is reported as before)."""

    hash: Annotated[str, PydField(pattern=_HASH16)]
    content: Annotated[str, PydField(pattern=_HASH16)]


class FormSpec(_Strict):
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
        (it names this hash), and `report` and `distribute`, which tell other commands how to count or
        address the form without changing a byte of it, so adding or editing them keeps issued copies valid."""
        dumped = self.model_dump(mode="json", exclude_defaults=True, by_alias=True,
                                 exclude={"keep_identity", "report", "distribute"})
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
