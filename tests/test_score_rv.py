"""The Risk and Vulnerability Assessment's threshold rules, row by row as the seed states them."""

from __future__ import annotations

import pytest

from cse_pdf.assess.score import assess
from cse_pdf.form.catalog import find_form

STANDARD, MEDIUM, HIGH = 0, 1, 2


@pytest.fixture(scope="module")
def rv():
    return find_form("cse-risk-vulnerability")


def group(rv, name: str) -> list[str]:
    return list(rv.scoring.groups[name])


def ticked(*ids: str) -> dict[str, bool]:
    return {i: True for i in ids}


def test_no_indicators_is_standard(rv) -> None:
    a = assess(rv, {"associates.known": "no", "associates.suspected": "no"})
    assert (a.level, a.label, a.flags, a.advice) == (STANDARD, "Standard", [], [])


def test_associating_with_known_exploiters_is_high(rv) -> None:
    a = assess(rv, {"associates.known": "yes"})
    assert (a.level, a.label) == (HIGH, "High")
    assert "known to have been sexually exploitative" in a.reasons[0].text


def test_indicators_of_suspected_exploiters_is_at_least_medium(rv) -> None:
    assert assess(rv, {"associates.suspected": "yes"}).level == MEDIUM
    assert assess(rv, {"associates.suspected": "yes", "associates.known": "yes"}).level == HIGH


@pytest.mark.parametrize("answer", ["not_known", "no"])
def test_not_known_is_not_yes(rv, answer) -> None:
    assert assess(rv, {"associates.known": answer, "associates.suspected": answer}).level == STANDARD


@pytest.mark.parametrize("threshold, expected", [({}, MEDIUM), ({"associates.suspected": "yes"}, HIGH)])
def test_vulnerabilities_beyond_the_threshold_raise_one_level(rv, threshold, expected) -> None:
    a = assess(rv, threshold | {"summative.beyond_threshold": "yes"})
    assert a.level == expected
    assert a.base_level == expected - 1
    assert a.flags == []


def test_beyond_the_threshold_on_a_high_case_stays_high_and_flags_act_immediately(rv) -> None:
    a = assess(rv, {"associates.known": "yes", "summative.beyond_threshold": "yes"})
    assert a.level == HIGH
    assert len(a.flags) == 1 and "act immediately" in a.flags[0].lower()
    assert "police" in a.flags[0].lower()


def test_raised_to_high_is_not_already_high(rv) -> None:
    a = assess(rv, {"associates.suspected": "yes", "summative.beyond_threshold": "yes"})
    assert a.level == HIGH and a.flags == []


def test_judgement_no_changes_nothing(rv) -> None:
    assert assess(rv, {"associates.suspected": "yes", "summative.beyond_threshold": "no"}).level == MEDIUM


def test_any_actual_indicator_flags_immediate_action(rv) -> None:
    for fid in group(rv, "actual"):
        a = assess(rv, ticked(fid))
        assert len(a.flags) == 1 and "immediate action" in a.flags[0].lower(), fid
        assert a.level == STANDARD  # the seed's levels come from associates; the flag is the alarm


def test_one_linked_issue_alone_gives_no_advice(rv) -> None:
    assert assess(rv, ticked(group(rv, "linked")[0])).advice == []


def test_two_linked_issues_give_the_advice_to_speak_to_other_agencies(rv) -> None:
    linked = group(rv, "linked")
    a = assess(rv, ticked(linked[0], linked[-1]))
    assert len(a.advice) == 1 and "other agencies" in a.advice[0]


def test_one_linked_issue_with_a_vulnerability_gives_the_advice(rv) -> None:
    linked, vulnerable = group(rv, "linked"), group(rv, "vulnerabilities")
    assert len(assess(rv, ticked(linked[3], vulnerable[0])).advice) == 1


def test_other_vulnerability_written_in_counts_as_a_vulnerability(rv) -> None:
    linked = group(rv, "linked")
    assert len(assess(rv, ticked(linked[0]) | {"vulnerability.other": "Recently bereaved"}).advice) == 1


def test_vulnerabilities_alone_give_no_advice(rv) -> None:
    assert assess(rv, ticked(*group(rv, "vulnerabilities")[:-1])).advice == []


def test_the_agreed_level_is_kept_apart(rv) -> None:
    a = assess(rv, {"associates.known": "yes", "summative.level": "1"})
    assert (a.level, a.stated_level, a.differs) == (HIGH, MEDIUM, True)
