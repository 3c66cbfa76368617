"""Small-number suppression: no count from 1 to 4 can be read, or worked out, from a shared report.

The method, applied to every table of counts in the report:

1. **Primary suppression.** A count from 1 to 4 is shown as "<5". Zero is shown as 0
   (an empty category discloses no one).
2. **Secondary (complementary) suppression.** Once a table has a "<5", we work out,
   as a reader could, every value each hidden cell ("<5" or "*") could take given
   everything the table publishes and what its rows must satisfy. While any hidden
   cell could take only one value, one more count is withheld as "*", and we look
   again, to a fixed point. If nothing is left to withhold and a cell could still be
   worked out (a tiny table such as 1 + 1 = 2), the table is withheld whole. What a
   reader is assumed to know, per kind of table:

   - **Tables whose rows add up to the published total** (gender, level, month, …,
     each with its "not answered" row; every assessment in exactly one row): each "<5"
     is 1 to 4; each "*" is at least 5 and at most the smallest count still shown
     (secondary cells are always the smallest non-zero count left); and the hidden
     cells add up to the total minus the counts shown.
   - **Checklist tables** (basis of concern, methods of coercion, indicators, flags
     raised: an assessment can count in several rows) end with a "none ticked" row
     and print the number of assessments counted, n. A reader knows: "none" + the
     number with at least one tick = n; no row exceeds that number; and the rows add
     up to at least it. So with "None ticked 6" of 7, a lone "<5" row with every other
     row 0 is exactly 1. Here a "*" may be 0 or at least 5 (any count can be withheld,
     zeros and "none ticked" included: we withhold first the count whose hiding leaves
     fewest cells that can be worked out, smallest first).
   - Tables with no relation between their rows get primary suppression only.
3. **A form with 1 to 4 assessments** in the period is not broken down at all.

`tests/test_trust_suppression.py` checks this by brute force: hundreds of random sets
of assessments go through the report's own table code, and every hidden cell of every
table must have at least two values that fit everything published.

What this does not protect against, and how to use the report so it need not: two
reports over overlapping periods can be subtracted one from the other (share reports
for fixed, non-overlapping periods such as quarters), and a reader who already knows
about particular children can combine that with any count. Each table is protected
on its own; the tables of one form are different breakdowns of the same assessments.
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


def suppress(counts: Sequence[int], partition: bool, enabled: bool = True, *,
             checklist_of: int | None = None) -> Suppressed:
    """The published form of a table's counts: primary suppression always; secondary when the counts add up
    to a published total (`partition`), or when the table is a checklist of `checklist_of` assessments whose
    last row is "none ticked"."""
    if not enabled:
        return Suppressed(tuple("shown" for _ in counts))
    statuses: list[Status] = ["small" if is_small(c) else "shown" for c in counts]
    if (not partition and checklist_of is None) or "small" not in statuses:
        return Suppressed(tuple(statuses))
    base = None if partition else checklist_of
    pinned = pinned_cells(counts, statuses, base)
    while pinned:
        shown = [i for i, s in enumerate(statuses) if s == "shown"]
        nonzero = sorted((i for i in shown if counts[i] > 0), key=lambda i: (counts[i], i))
        choice = nonzero[0] if nonzero else None
        if base is not None:  # a checklist: the count whose hiding helps most, smallest first
            best = len(pinned)
            for i in sorted(shown, key=lambda i: (counts[i], i)):
                trial = list(statuses)
                trial[i] = "withheld"
                left = len(pinned_cells(counts, trial, base))
                if left < best:
                    choice, best = i, left
                    if left == 0:
                        break
        if choice is None:
            return Suppressed(tuple(statuses), table_withheld=True)
        statuses[choice] = "withheld"
        pinned = pinned_cells(counts, statuses, base)
    return Suppressed(tuple(statuses))


def feasible_range(counts: Sequence[int], statuses: Sequence[Status], index: int) -> tuple[int, int]:
    """The values a hidden cell of a table whose rows add up to its total could take, to a reader who knows
    the total, every count shown, and the bounds of the hidden ones (see the module's description)."""
    total = sum(counts)
    shown_sum = sum(c for c, s in zip(counts, statuses) if s == "shown")
    hidden_sum = total - shown_sum
    visible_nonzero = [c for c, s in zip(counts, statuses) if s == "shown" and c > 0]
    withheld_max = min(visible_nonzero) if visible_nonzero else hidden_sum

    def bounds(s: Status) -> tuple[int, int]:
        return (1, SMALL_MAX) if s == "small" else (SMALL_MAX + 1, withheld_max)

    others = [bounds(s) for i, s in enumerate(statuses) if i != index and s != "shown"]
    lo, hi = bounds(statuses[index])
    return max(lo, hidden_sum - sum(h for _, h in others)), min(hi, hidden_sum - sum(lo_ for lo_, _ in others))


def checklist_values(counts: Sequence[int], statuses: Sequence[Status], base: int,
                     limit: int | None = None) -> dict[int, set[int]]:
    """hidden cell → the values it could take in a checklist of `base` assessments whose last row is "none
    ticked" (at most `limit` of them each, when given: enough to tell one value from several)."""
    *items, none = range(len(counts))
    hidden = [i for i, s in enumerate(statuses) if s != "shown"]
    found: dict[int, set[int]] = {i: set() for i in hidden}

    def domain(i: int, cap: int) -> tuple[bool, int, int]:
        """(0 allowed, lowest non-zero, highest) of cell i's values up to cap."""
        s = statuses[i]
        if s == "shown":
            return (counts[i] == 0, counts[i] or 1, counts[i] if counts[i] <= cap else -1)
        if s == "small":
            return (False, 1, min(SMALL_MAX, cap))
        return (True, SMALL_MAX + 1, cap)

    def values(zero: bool, low: int, high: int, at_least: int, most: int | None = limit) -> list[int]:
        out = [0] if zero and at_least <= 0 else []
        start = max(low, at_least)
        stop = high if most is None else min(high, start + most)
        return out + list(range(start, stop + 1))

    zero, low, high = domain(none, base)
    for z in values(zero, low, high, 0, most=None):  # every number of "none ticked" the table allows
        ticked = base - z  # assessments with at least one tick
        highest = {}
        for i in items:
            z0, lo, hi = domain(i, ticked)
            top = hi if hi >= lo else (0 if z0 else -1)
            if top < 0:
                break
            highest[i] = top
        else:
            spare = sum(highest.values()) - ticked
            if spare < 0:
                continue
            if none in found:
                found[none].add(z)
            for i in hidden:
                if i == none:
                    continue
                z0, lo, hi = domain(i, ticked)
                found[i].update(values(z0, lo, hi, ticked - (sum(highest.values()) - highest[i])))
            if limit is not None and all(len(v) >= limit for v in found.values()):
                break
    return found


def pinned_cells(counts: Sequence[int], statuses: Sequence[Status], base: int | None = None) -> list[int]:
    """The hidden cells ("<5" or "*") whose value could be worked out exactly (or that fit nothing, which a
    reader would notice just the same): of a table adding up to its total, or with `base`, of a checklist."""
    if base is not None:
        found = checklist_values(counts, statuses, base, limit=2)
        return [i for i, v in found.items() if len(v) < 2]
    out = []
    for i, s in enumerate(statuses):
        if s != "shown":
            lo, hi = feasible_range(counts, statuses, i)
            if lo >= hi:
                out.append(i)
    return out
