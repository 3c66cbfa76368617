"""Reviews over time: the young person's previous assessment, and whether risk rose, fell or stayed.

Only assessments on the same form are compared, because each form has its own
scale of levels (Risk Category 0–3 against Standard/Medium/High). The level
compared is the suggested (calculated) one, the same on every record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Literal

Trend = Literal["rose", "fell", "same"]


@dataclass(frozen=True)
class PreviousAssessment:
    """The latest earlier assessment of the same young person on the same form."""

    record_id: int
    completed: date
    level: int
    label: str

    def trend(self, level: int) -> Trend:
        return "rose" if level > self.level else "fell" if level < self.level else "same"

    def to_dict(self, level: int) -> dict[str, Any]:
        """`show --json`'s "previous", seen from an assessment at `level`."""
        return {"record": self.record_id, "date_completed": self.completed.isoformat(), "level": self.level,
                "label": self.label, "trend": self.trend(level)}


def pick_previous(candidates: Iterable[PreviousAssessment], completed: date | None,
                  exclude: int | None = None) -> PreviousAssessment | None:
    """Of the same person's current records, the one completed most recently before `completed`
    (the later record on a tie); a record completed the same day is a revision or a parallel
    assessment, never the previous one."""
    if completed is None:
        return None
    best: PreviousAssessment | None = None
    for c in candidates:
        if c.record_id == exclude or c.completed >= completed:
            continue
        if best is None or (c.completed, c.record_id) > (best.completed, best.record_id):
            best = c
    return best
