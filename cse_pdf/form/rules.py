"""Scoring as data: the small typed rule vocabulary a layout's `scoring:` is written in.

A layout coming from outside can never run code: its rules are these models, checked against its fields
by spec.py, and applied by assess/score.py in Python and by blank/live_scoring.py in the viewer.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Union

from pydantic import Field as PydField
from pydantic import model_validator

from cse_pdf.form.blocks import Strict


class Level(Strict):
    level: int
    label: str
    guidance: str


class Band(Strict):
    upto: int | None = None  # inclusive upper bound; None = no upper bound
    level: int


class TotalRule(Strict):
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


class CountCondition(Strict):
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


class AnswerCondition(Strict):
    """A field's answer is one of `values`."""

    kind: Literal["answer"]
    field: str
    values: tuple[str, ...]
    placeholders: ClassVar[tuple[str, ...]] = ("field", "value")


class AgeCondition(Strict):
    """The person is younger than `years` on the date in `on`."""

    kind: Literal["age_under"]
    dob: str
    on: str
    years: int
    placeholders: ClassVar[tuple[str, ...]] = ("age", "years")


class BaseLevelCondition(Strict):
    """The level the `level` rules gave, before any `raise` (the seed's threshold level)."""

    kind: Literal["base_level"]
    at_least: int
    placeholders: ClassVar[tuple[str, ...]] = ("base_level",)


class AllCondition(Strict):
    kind: Literal["all"]
    conditions: tuple["Condition", ...]
    placeholders: ClassVar[tuple[str, ...]] = ()


class AnyCondition(Strict):
    kind: Literal["any"]
    conditions: tuple["Condition", ...]
    placeholders: ClassVar[tuple[str, ...]] = ()


Condition = Annotated[
    Union[CountCondition, AnswerCondition, AgeCondition, BaseLevelCondition, AllCondition, AnyCondition],
    PydField(discriminator="kind"),
]
AllCondition.model_rebuild()
AnyCondition.model_rebuild()


class _Effect(Strict):
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


class Scoring(Strict):
    levels: tuple[Level, ...]
    groups: dict[str, tuple[str, ...]]
    total: str | None = None  # the group whose numeric answers are added up
    domains: str | None = None  # the group shown as a table of scores on the summary
    stated: str | None = None  # the worker's own category; its option values are level numbers
    rules: tuple[Rule, ...]
