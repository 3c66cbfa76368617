"""What later stages need to know about a form, beyond the form itself.

The stamped summary page (`summary:`), the Board report's tables (`report:`), the agency block that
`distribute` fills (`distribute:`) and who must agree the level (`review:`): declared in the layout so that
no stage hard-codes a form's field ids or its way of working.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import field_validator, model_validator

from cse_pdf.form.blocks import Strict


class Summary(Strict):
    """What the stamped summary page needs to know about this form."""

    name: str
    dob: str | None = None
    completed: str | None = None
    agency: str | None = None  # who completed it: with name, dob and date, tells a re-submission from a new one
    unanswered_warning: str
    action: str | None = None  # e.g. the seed's "Take action now" contacts
    # The suggested levels at which `action` is urgent (a red box); at the others the page shows `contacts`
    # (default: `action`) in a plain "Contacts" box, so a low case is never told to act now. None: urgent always.
    urgent_at: tuple[int, ...] | None = None
    contacts: str | None = None
    ticked: tuple[str, ...] = ()  # checklists whose ticked items (with their notes) the summary lists
    level_name: str = "risk category"  # what the form calls its levels
    agreement: str | None = None  # how the suggested level becomes an agreed one (who decides)

    # Keys that only change how the stamped summary page reads, never the form: left out of the identity hash,
    # so adding or editing them keeps every copy in the field valid.
    PAGE_ONLY: ClassVar[frozenset[str]] = frozenset({"urgent_at", "contacts"})

    def action_is_urgent(self, level: int) -> bool:
        """Whether the guidance at this suggested level calls for immediate action (declared, not guessed)."""
        return self.urgent_at is None or level in self.urgent_at

    @model_validator(mode="before")
    @classmethod
    def _no_category_overwrite(cls, data: Any) -> Any:
        """The stamped copy keeps every answer as the worker gave it (issue 14): a layout still asking for
        the suggestion to be written over the worker's own category is refused, not quietly obeyed."""
        if isinstance(data, dict) and "write_category_to" in data:
            raise ValueError("write_category_to is no longer supported: the stamped copy keeps the worker's own "
                             "category and the suggestion is shown on the summary page; remove this line")
        return data




class Breakdown(Strict):
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


class ReportSection(Strict):
    """The Board report's breakdowns for this form, in the order its tables appear."""

    breakdowns: tuple[Breakdown, ...]


class AgencyFields(Strict):
    """The fields `cse-pdf distribute` fills in with an agency's details from the agency list."""

    name: str
    address: str | None = None
    contact: str | None = None


class Distribute(Strict):
    """How a blank copy is pre-addressed to a partner agency; without it, the form cannot be distributed."""

    agency: AgencyFields


# The roles that can be asked to agree a level: cse_pdf.agreement.roles.Role names them all (that package sits
# above this one); a test checks the two agree.
AgreeingRole = Literal["team-manager", "cse-prevention-manager"]
DEFAULT_AGREE: tuple[AgreeingRole, ...] = ("team-manager",)


class Review(Strict):
    """Who must agree a suggested level before it counts as agreed: each role once, by different people."""

    agree: tuple[AgreeingRole, ...] = DEFAULT_AGREE

    @field_validator("agree")
    @classmethod
    def _each_role_once(cls, roles: tuple[str, ...]) -> tuple[str, ...]:
        if not roles:
            raise ValueError("review.agree names at least one role")
        if len(set(roles)) != len(roles):
            raise ValueError("review.agree: a role is listed twice")
        return roles
