"""The default Hillingdon rules, one at a time: a few answers, then the suggested level."""

from __future__ import annotations

import pytest

from cse_pdf.assess.score import assess
from cse_pdf.form.dates import DateUnreadable, parse_date

DOMAINS = ["risk.missing_episodes", "risk.education", "risk.drug_use", "risk.carers_relationship",
           "risk.accommodation", "risk.alcohol_use", "risk.risk_to_others", "risk.rights_awareness",
           "risk.engagement", "risk.sexual_health", "risk.perpetrator_history"]


def scores(*numbers: int | None) -> dict[str, str | None]:
    """Domain answers in form order; the 11th (perpetrator history) only takes 1, 4 or 5."""
    return {fid: (str(n) if n is not None else None) for fid, n in zip(DOMAINS, numbers)}


def fired(assessment) -> list[tuple[str, int]]:
    return [(r.rule, r.level) for r in assessment.reasons]


def two_and_ones(total: int) -> dict:
    """Answers all 1s and 2s (no domain at 3+) adding up to `total` (11…21)."""
    twos = total - 11
    return scores(*([2] * twos + [1] * (10 - twos)), 1)


# ---- total bands: ≤18 / 19–26 / 27–37 / ≥38 -------------------------------------------------

@pytest.mark.parametrize("total, level", [(11, 0), (18, 0), (19, 1), (21, 1)])
def test_low_totals_without_any_3(spec, total, level) -> None:
    a = assess(spec, two_and_ones(total))
    assert (a.total, a.level) == (total, level)


@pytest.mark.parametrize("answers, total, level", [
    ((3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 1), 24, 1),   # 3s give level 1 anyway
    ((3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 1), 26, 1),   # 26: top of band 1
    ((3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 1), 27, 2),   # 27: bottom of band 2
    ((4, 4, 4, 4, 3, 3, 3, 3, 4, 4, 1), 37, 2),   # 37: top of band 2
    ((4, 4, 4, 4, 4, 3, 3, 3, 4, 4, 1), 38, 3),   # 38: bottom of band 3
])
def test_total_band_boundaries(spec, answers, total, level) -> None:
    a = assess(spec, scores(*answers))
    assert (a.total, a.level) == (total, level)
    assert ("total", level) in fired(a)


def test_all_elevens_is_the_lowest_total(spec) -> None:
    a = assess(spec, scores(*[1] * 11))
    assert (a.total, a.level, a.label) == (11, 0, "No longer at risk or minimal risk")
    assert fired(a) == [("total", 0)]


# ---- any 3+, any 5, three 5s -------------------------------------------------------------------

def test_one_domain_at_3_gives_at_least_category_1(spec) -> None:
    a = assess(spec, scores(1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1))
    assert a.total == 13
    assert a.level == 1
    assert ("count", 1) in fired(a)
    assert "3) Drug use" in a.reasons[-1].text


def test_one_domain_at_5_gives_at_least_category_2(spec) -> None:
    a = assess(spec, scores(1, 1, 1, 1, 5, 1, 1, 1, 1, 1, 1))
    assert a.level == 2
    assert ("count", 2) in fired(a)


def test_two_fives_are_not_yet_category_3(spec) -> None:
    a = assess(spec, scores(5, 1, 1, 1, 5, 1, 1, 1, 1, 1, 1))
    assert a.level == 2


def test_three_fives_give_category_3(spec) -> None:
    a = assess(spec, scores(5, 1, 5, 1, 5, 1, 1, 1, 1, 1, 1))
    assert a.total == 23
    assert a.level == 3
    assert ("count", 3) in fired(a)


# ---- perpetrator history -----------------------------------------------------------------------

@pytest.mark.parametrize("answer, level", [("1", 0), ("4", 2), ("5", 3)])
def test_perpetrator_history(spec, answer, level) -> None:
    values = scores(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, None) | {"risk.perpetrator_history": answer}
    a = assess(spec, values)
    assert a.level == level
    assert (("answer", level) in fired(a)) == (answer != "1")


# ---- age under 13 on the date completed --------------------------------------------------------

@pytest.mark.parametrize("dob, completed, level", [
    ("06/03/2011", "05/03/2024", 2),   # one day short of 13
    ("05/03/2011", "05/03/2024", 0),   # 13th birthday: no longer under 13
    ("5/3/2011", "2024-03-05", 0),     # what PDFium saves when typed, and ISO
    ("29/02/2012", "28/02/2025", 2),   # leap-day birthday, not yet 13
])
def test_age_rule_boundaries(spec, dob, completed, level) -> None:
    a = assess(spec, scores(*[1] * 11) | {"client.dob": dob, "agency.date_completed": completed})
    assert a.level == level
    assert (("age_under", 2) in fired(a)) == (level == 2)
    assert a.problems == []


@pytest.mark.parametrize("dob", ["31/02/2012", "next week", "05/03/11", "2012"])
def test_an_unreadable_date_is_reported_not_guessed(spec, dob) -> None:
    a = assess(spec, scores(*[1] * 11) | {"client.dob": dob, "agency.date_completed": "05/03/2024"})
    assert a.level == 0
    assert len(a.problems) == 1
    assert "Date of Birth" in a.problems[0] and "not applied" in a.problems[0]
    assert dob not in a.problems[0]  # never echo what was typed


def test_a_missing_date_completed_is_reported(spec) -> None:
    a = assess(spec, scores(*[1] * 11) | {"client.dob": "01/01/2015"})
    assert a.level == 0
    assert "Date form completed" in a.problems[0]


def test_date_of_birth_after_date_completed_is_reported(spec) -> None:
    a = assess(spec, scores(*[1] * 11) | {"client.dob": "01/01/2025", "agency.date_completed": "01/01/2024"})
    assert "after" in a.problems[0]


# ---- missing answers and the worker's own category ---------------------------------------------

def test_unanswered_domains_add_nothing_and_are_listed(spec) -> None:
    """The dates the age rule needs count as scored questions too."""
    a = assess(spec, scores(4, None, 4, None, 4, None, 4, None, 4, None, None))
    assert (a.total, a.answered) == (20, 5)
    assert a.level == 1
    assert a.unanswered == ["client.dob", "agency.date_completed", "risk.education", "risk.carers_relationship", "risk.alcohol_use",
                                "risk.rights_awareness", "risk.sexual_health", "risk.perpetrator_history"]


def test_nothing_answered_is_the_lowest_level_with_everything_unanswered(spec) -> None:
    a = assess(spec, {})
    assert (a.level, a.total, a.answered) == (0, 0, 0)
    assert set(DOMAINS) <= set(a.unanswered)


def test_stated_category_is_kept_apart_and_a_difference_flagged(spec) -> None:
    a = assess(spec, scores(5, 5, 5, 1, 1, 1, 1, 1, 1, 1, 1) | {"risk.category": "1"})
    assert (a.level, a.stated_level) == (3, 1)
    assert a.differs
    assert a.to_dict()["stated"] == {"level": 1, "label": "Risk Category 1 (low)"}


def test_agreeing_stated_category_is_not_flagged(spec) -> None:
    a = assess(spec, scores(*[1] * 11) | {"risk.category": "0"})
    assert not a.differs


def test_domain_table_carries_the_chosen_descriptors(spec) -> None:
    a = assess(spec, scores(5))
    first = a.domains[0]
    assert (first.id, first.score, first.descriptor) == (
        "risk.missing_episodes", 5, "Frequent and prolonged truanting or missing episodes.")


def test_parse_date_accepts_the_forms_viewers_save_and_nothing_else() -> None:
    assert parse_date("05/03/2024") == parse_date("5/3/2024") == parse_date("05-03-2024") == parse_date("2024-03-05")
    with pytest.raises(DateUnreadable):
        parse_date("03/05/24")
