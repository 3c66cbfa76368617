"""The form's content as a layout declares it: sections, blocks and fields, in reading order.

Each field is declared exactly once, where it appears on the page; `Strict` makes every layout model refuse
keys it does not know, so a typo in a layout is an error, not a silently ignored line.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from pydantic import Field as PydField

FIELD_ID = r"^[a-z][a-z0-9_]*(\.([a-z][a-z0-9_]*|[0-9]+))*$"  # digits only for repeated rows
EXPORT_VALUE = r"^[A-Za-z0-9_-]+$"
IDENTITY_FIELD = "cse_pdf_form"  # period-free, hidden; carries form id, version, hash, instance

FieldType = Literal["text", "multiline", "date", "checkbox", "radio", "dropdown"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Option(Strict):
    value: Annotated[str, PydField(pattern=EXPORT_VALUE)]
    label: str

    @field_validator("value", mode="before")
    @classmethod
    def _numbers_are_strings(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


class Field(Strict):
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


class Heading(Strict):
    kind: Literal["heading"] = "heading"
    heading: str


class Subheading(Strict):
    kind: Literal["subheading"] = "subheading"
    subheading: str


class Paragraph(Strict):
    kind: Literal["paragraph"] = "paragraph"
    paragraph: str


class Note(Strict):
    """A boxed paragraph that must not be missed (instructions, contacts)."""

    kind: Literal["note"] = "note"
    note: str


class FieldBlock(Strict):
    kind: Literal["field"] = "field"
    field: Field


class FieldsBlock(Strict):
    kind: Literal["fields"] = "fields"
    fields: tuple[Field, ...]
    label_width: float = 0.32  # fraction of the line given to labels


class ChecklistItem(Strict):
    id: Annotated[str, PydField(pattern=r"^[a-z][a-z0-9_]*$")]
    label: str


class Checklist(Strict):
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


class RepeatColumn(Strict):
    id: Annotated[str, PydField(pattern=r"^[a-z][a-z0-9_]*$")]
    type: Literal["text", "date", "dropdown", "checkbox"] = "text"
    label: str
    width: float = 0.2  # fraction of the row
    options: tuple[Option, ...] = ()


class Repeat(Strict):
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


class Table(Strict):
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


class Scale(Strict):
    """A scored question: the options stacked, each with its full descriptor."""

    kind: Literal["scale"] = "scale"
    scale: Field

    @field_validator("scale")
    @classmethod
    def _is_radio(cls, f: Field) -> Field:
        if f.type != "radio":
            raise ValueError(f"{f.id}: a scale is a radio field")
        return f


class PageBreak(Strict):
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


class LiveLines(Strict):
    """How many lines tall each wrapping calculated box is drawn (a line is a 9-point field's; their text is
    7.5 points). Raised where the defaults are too small for the longest thing a layout's rules can say,
    which tests/test_calculated_boxes_fit.py works out; a change moves every field below the box, so it comes
    with a new version of the form."""

    why: Annotated[int, PydField(ge=1, le=40)] = 3
    flags: Annotated[int, PydField(ge=1, le=40)] = 4


WRAPPING_LIVE_FIELDS = tuple(LiveLines.model_fields)  # the calculated boxes that wrap: one answer for every stage


class Live(Strict):
    """Live scoring: calculated fields the viewer fills from the scoring rules (blank/live_scoring.py), beside the
    worker's own category. Which fields appear follows from `scoring`: a total only if one is added
    up, flags only if a rule flags or advises."""

    kind: Literal["live"] = "live"
    live: str  # the box's heading
    lines: LiveLines = LiveLines()
    # In words a worker uses: which programs fill the boxes in, not how ("form scripts" meant nothing to them).
    # Kept to the old text's length: a longer hint would move every field below it on the page.
    hint: str = ("Filled in as you answer in Adobe Acrobat or Reader, Chrome, Edge and Firefox. Other programs "
                 "(Apple Preview, for one) leave these boxes empty; cse-pdf works everything out again when it "
                 "reads the returned form.")


class SideBySide(Strict):
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


class Section(Strict):
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
