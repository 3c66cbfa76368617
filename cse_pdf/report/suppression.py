"""Small-number suppression: no count from 1 to 4 can be read, or worked out, from a shared report.

The method, applied to every table of counts in the report:

1. **Primary suppression.** A count from 1 to 4 is shown as "<5". Zero is shown as 0
   (an empty category discloses no one).
2. **Secondary suppression, for tables whose rows add up to a published total.** Every
   assessment falls in exactly one row of such a table (gender, level, month, …, each
   with its "not answered" row), and the total, the number of assessments, is printed.
   So a reader knows each "<5" is 1–4, each "*" at least 5 and at most the smallest
   count still shown (secondary cells are always the smallest), and what the hidden
   cells add up to. For each "<5" cell we work out every value it could take given all
   that; while any "<5" could take only one value, the smallest count still shown is
   withheld as "*", and we look again. If every non-zero count is hidden and one could
   still be worked out (a tiny table such as 1 + 1 = 2), the table is withheld whole.
3. **Tables where an assessment can count in several rows or none** (basis of concern,
   methods of coercion, flags raised) have no total to subtract from, so only primary
   suppression applies to them.
4. **A form with 1 to 4 assessments** in the period is not broken down at all.

What this does not protect against, and how to use the report so it need not: two
reports over overlapping periods can be subtracted one from the other (share reports
for fixed, non-overlapping periods such as quarters), and a reader who already knows
about particular children can combine that with any count. Each table is protected
on its own; the tables of one form are different breakdowns of the same assessments,
and no count appears in two of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

SMALL_MAX = 4  # 1..SMALL_MAX is "small"
SMALL = "<5"
WITHHELD = "*"
Status = Literal["shown", "small", "withheld"]


@dataclass(frozen=True)
class Suppressed:
    """How each count of one table is published."""

    statuses: tuple[Status, ...]
    table_withheld: bool = False  # nothing of this table can be published

    def shown(self, counts: Sequence[int]) -> list[str]:
        if self.table_withheld:
            return [WITHHELD] * len(counts)
        return [str(c) if s == "shown" else SMALL if s == "small" else WITHHELD
                for c, s in zip(counts, self.statuses)]


def is_small(count: int) -> bool:
    return 1 <= count <= SMALL_MAX


def shown_count(count: int, suppress: bool = True) -> str:
    """One count on its own (a total, a figure in the text): "<5" when small."""
    return SMALL if suppress and is_small(count) else str(count)


def suppress(counts: Sequence[int], partition: bool, enabled: bool = True) -> Suppressed:
    """The published form of a table's counts: primary suppression always, secondary when the counts add up
    to a published total (`partition`)."""
    if not enabled:
        return Suppressed(tuple("shown" for _ in counts))
    statuses: list[Status] = ["small" if is_small(c) else "shown" for c in counts]
    if not partition or "small" not in statuses:
        return Suppressed(tuple(statuses))
    while pinned_cells(counts, statuses):
        candidates = [i for i, (c, s) in enumerate(zip(counts, statuses)) if s == "shown" and c > 0]
        if not candidates:
            return Suppressed(tuple(statuses), table_withheld=True)
        smallest = min(candidates, key=lambda i: (counts[i], i))
        statuses[smallest] = "withheld"
    return Suppressed(tuple(statuses))


def feasible_range(counts: Sequence[int], statuses: Sequence[Status], index: int) -> tuple[int, int]:
    """The values a hidden "<5" cell could take, to a reader who knows the published total, every count
    shown, and the bounds of the hidden ones (see the module's description)."""
    total = sum(counts)
    shown_sum = sum(c for c, s in zip(counts, statuses) if s == "shown")
    hidden_sum = total - shown_sum
    visible_nonzero = [c for c, s in zip(counts, statuses) if s == "shown" and c > 0]
    withheld_max = min(visible_nonzero) if visible_nonzero else hidden_sum
    others = [s for i, s in enumerate(statuses) if i != index and s != "shown"]
    lo_others = sum(1 if s == "small" else SMALL_MAX + 1 for s in others)
    hi_others = sum(SMALL_MAX if s == "small" else withheld_max for s in others)
    return max(1, hidden_sum - hi_others), min(SMALL_MAX, hidden_sum - lo_others)


def pinned_cells(counts: Sequence[int], statuses: Sequence[Status]) -> list[int]:
    """The "<5" cells whose value could be worked out exactly."""
    out = []
    for i, s in enumerate(statuses):
        if s == "small":
            lo, hi = feasible_range(counts, statuses, i)
            if lo >= hi:
                out.append(i)
    return out
