"""The scoring rule vocabulary, one kind at a time, each on a tiny layout written out in the test.

Every test states its own `rules:` in YAML; they all sit on the same few questions (FORM, below), so a
test reads as "these rules, these answers, this result" without the Board's real forms. What the real
forms score is tested in test_score.py and test_score_rv.py.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from cse_pdf.assess.score import Assessment, assess
from cse_pdf.base.errors import SpecError
from cse_pdf.form.spec import FormSpec, load_spec

FORM = """\
id: rules-form
version: "1"
title: Rule semantics
sections:
  - title: Only section
    blocks:
      - fields:
          - {id: dob, type: date, label: Date of birth}
          - {id: seen_on, type: date, label: Date seen}
          - {id: note, type: text, label: Note}
          - {id: q.a, type: radio, label: Question A, options: [{value: 0, label: Never}, {value: 1, label: Once},
                                                             {value: 3, label: Often}]}
          - {id: q.b, type: radio, label: Question B, options: [{value: 0, label: Never}, {value: 1, label: Once},
                                                             {value: 3, label: Often}]}
          - {id: where, type: dropdown, label: Where, options: [{value: home, label: At home},
                                                               {value: street, label: On the street}]}
      - checklist: signs
        label: Signs
        items: [{id: a, label: Sign A}, {id: b, label: Sign B}, {id: c, label: Sign C}]
scoring:
  levels:
    - {level: 0, label: Low, guidance: Monitor.}
    - {level: 1, label: Medium, guidance: Plan.}
    - {level: 2, label: High, guidance: Act.}
  groups: {qs: [q.a, q.b], signs: [signs.a, signs.b, signs.c], places: [where], notes: [note]}
  rules:
"""


def form(tmp_path: Path, rules: str) -> FormSpec:
    """FORM with these rules (YAML list items, as written in the test)."""
    path = tmp_path / "rules.yaml"
    path.write_text(FORM + textwrap.indent(textwrap.dedent(rules).strip() + "\n", "    "), encoding="utf-8")
    return load_spec(path)


def refused(tmp_path: Path, rules: str) -> str:
    with pytest.raises(SpecError) as caught:
        form(tmp_path, rules)
    return str(caught.value)


def scored(spec: FormSpec, **answers: Any) -> Assessment:
    """The assessment of these answers (ids with "." written as "_" for keyword use: q_a → q.a)."""
    return assess(spec, {k.replace("_", ".", 1) if k.startswith(("q_", "signs_")) else k: v
                         for k, v in answers.items()})


# ---- total: the sum of a group's numbers, placed in a band -----------------------------------------------

def test_total_takes_the_level_of_the_band_the_sum_falls_in_each_upto_inclusive(tmp_path: Path) -> None:
    spec = form(tmp_path, """
        - {kind: total, of: qs, bands: [{upto: 1, level: 0}, {upto: 3, level: 1}, {level: 2}],
           reason: "{total} from {answered} of {count_of} ({band}): {level_label}"}
    """)
    assert scored(spec, q_a="0", q_b="1").level == 0  # 1: the first band's upto is in it
    assert scored(spec, q_a="1", q_b="1").level == 1  # 2
    assert scored(spec, q_a="3", q_b="0").level == 1  # 3: still the second band
    assert scored(spec, q_a="3", q_b="1").level == 2  # 4: the open last band
    assert [r.text for r in scored(spec, q_a="3", q_b="0").reasons] == ["3 from 2 of 2 (2–3): Medium"]
    assert [r.text for r in scored(spec, q_a="3", q_b="3").reasons] == ["6 from 2 of 2 (≥ 4): High"]


def test_total_counts_a_blank_answer_as_nothing_and_says_how_many_were_answered(tmp_path: Path) -> None:
    spec = form(tmp_path, """
        - {kind: total, of: qs, bands: [{upto: 1, level: 0}, {level: 1}], reason: "{total}, {answered} answered"}
    """)
    nothing = scored(spec)
    assert (nothing.level, [r.text for r in nothing.reasons]) == (0, ["0, 0 answered"])
    assert [r.text for r in scored(spec, q_b="3").reasons] == ["3, 1 answered"]
    assert nothing.unanswered == ["q.a", "q.b"]  # the questions the rules read, left blank


def test_total_bands_must_ascend_and_end_without_upto(tmp_path: Path) -> None:
    assert "bands" in refused(tmp_path, """
        - {kind: total, of: qs, bands: [{upto: 3, level: 0}, {upto: 1, level: 1}, {level: 2}], reason: r}
    """)
    assert "bands" in refused(tmp_path, """
        - {kind: total, of: qs, bands: [{upto: 1, level: 0}, {upto: 3, level: 1}], reason: r}
    """)


def test_total_needs_radios_with_whole_number_values(tmp_path: Path) -> None:
    assert "whole numbers" in refused(tmp_path, """
        - {kind: total, of: places, bands: [{level: 0}], reason: r}
    """)


# ---- count: how many of a group meet one test --------------------------------------------------------------

def test_count_checked_counts_ticks_up_to_count_at_least(tmp_path: Path) -> None:
    spec = form(tmp_path, """
        - {kind: count, of: signs, checked: true, count_at_least: 2, level: 1, reason: "{count}: {fields}"}
    """)
    assert scored(spec, signs_a=True).level == 0
    two = scored(spec, signs_a=True, signs_c=True, signs_b=False)
    assert (two.level, [r.text for r in two.reasons]) == (1, ["2: Sign A, Sign C"])


def test_count_checked_false_counts_boxes_left_unticked_not_boxes_missing(tmp_path: Path) -> None:
    spec = form(tmp_path, """
        - {kind: count, of: signs, checked: false, count_at_least: 2, level: 1, reason: "{count} unticked"}
    """)
    assert scored(spec, signs_a=False, signs_b=False).level == 1
    assert scored(spec, signs_a=False).level == 0  # b and c are not on the return at all: not counted


def test_count_score_at_least_counts_answers_worth_that_much(tmp_path: Path) -> None:
    spec = form(tmp_path, """
        - {kind: count, of: qs, score_at_least: 3, level: 2, reason: "{count} scored 3 or more: {fields}"}
    """)
    assert scored(spec, q_a="1", q_b="1").level == 0
    high = scored(spec, q_a="1", q_b="3")
    assert (high.level, [r.text for r in high.reasons]) == (2, ["1 scored 3 or more: Question B"])


def test_count_values_counts_answers_among_the_values(tmp_path: Path) -> None:
    spec = form(tmp_path, """
        - {kind: count, of: qs, values: ["1", "3"], count_at_least: 2, level: 1, reason: "{count} not never"}
    """)
    assert scored(spec, q_a="1", q_b="0").level == 0
    assert scored(spec, q_a="1", q_b="3").level == 1


def test_count_answered_counts_ticks_typed_text_and_choices_not_blanks(tmp_path: Path) -> None:
    spec = form(tmp_path, """
        - {kind: count, of: notes, answered: true, level: 1, reason: "a note"}
        - {kind: count, of: signs, answered: false, count_at_least: 3, flag: "nothing ticked"}
    """)
    assert scored(spec, note="   ").level == 0  # spaces are not an answer
    assert scored(spec, note="seen at the station").level == 1
    assert scored(spec).flags == ["nothing ticked"]
    assert scored(spec, signs_b=False).flags == ["nothing ticked"]  # an unticked box is not an answer
    assert scored(spec, signs_b=True).flags == []


def test_count_takes_exactly_one_test(tmp_path: Path) -> None:
    assert "exactly one of score_at_least, checked, values, answered" in refused(tmp_path, """
        - {kind: count, of: signs, checked: true, answered: true, level: 1, reason: r}
    """)
    assert "needs checkboxes" in refused(tmp_path, """
        - {kind: count, of: qs, checked: true, level: 1, reason: r}
    """)


# ---- answer: one field's answer is one of some values ------------------------------------------------------

def test_answer_holds_for_the_listed_values_and_names_the_question_and_option(tmp_path: Path) -> None:
    spec = form(tmp_path, """
        - {kind: answer, field: where, values: [street], level: 2, reason: "{field}: {value}"}
    """)
    assert scored(spec, where="home").level == 0
    assert scored(spec).level == 0
    street = scored(spec, where="street")
    assert (street.level, [r.text for r in street.reasons]) == (2, ["Where: On the street"])


def test_answer_values_must_be_options_of_the_field(tmp_path: Path) -> None:
    assert "are not options of where" in refused(tmp_path, """
        - {kind: answer, field: where, values: [moon], level: 1, reason: r}
    """)


# ---- age_under: younger than `years` on another date of the form -------------------------------------------

def test_age_under_holds_until_the_birthday(tmp_path: Path) -> None:
    spec = form(tmp_path, """
        - {kind: age_under, dob: dob, "on": seen_on, years: 13, level: 2, reason: "{age}, under {years}"}
    """)
    day_before = scored(spec, dob="10/05/2011", seen_on="09/05/2024")
    assert (day_before.level, [r.text for r in day_before.reasons]) == (2, ["12, under 13"])
    assert scored(spec, dob="10/05/2011", seen_on="10/05/2024").level == 0  # 13 on the day


def test_age_under_is_not_applied_and_says_why_when_a_date_is_blank_unreadable_or_backwards(tmp_path: Path) -> None:
    spec = form(tmp_path, """
        - {kind: age_under, dob: dob, "on": seen_on, years: 13, level: 2, reason: "{age}"}
    """)
    blank = scored(spec, dob="10/05/2020")
    assert blank.level == 0 and blank.problems == ["Date seen (seen_on) is blank; the age rule was not applied"]
    unreadable = scored(spec, dob="31/02/2020", seen_on="01/01/2024")
    assert unreadable.level == 0
    assert [p.split(":")[0] for p in unreadable.problems] == ["Date of birth (dob) could not be read"]
    assert unreadable.problems[0].endswith("; the age rule was not applied")
    backwards = scored(spec, dob="01/01/2024", seen_on="01/01/2020")
    assert backwards.level == 0
    assert backwards.problems == ["Date of birth is after Date seen; the age rule was not applied"]
    assert scored(spec).problems == []  # both blank: nothing to say beyond "unanswered"


def test_age_under_needs_date_fields(tmp_path: Path) -> None:
    assert "is not a date field" in refused(tmp_path, """
        - {kind: age_under, dob: note, "on": seen_on, years: 13, level: 1, reason: r}
    """)


# ---- base_level: the level the level rules gave, before any raise ------------------------------------------

def test_base_level_looks_at_the_level_before_raises(tmp_path: Path) -> None:
    spec = form(tmp_path, """
        - {kind: answer, field: where, values: [street], level: 1, reason: street}
        - {kind: count, of: signs, checked: true, raise: 1, reason: "a sign"}
        - {kind: base_level, at_least: 2, flag: "was high before any raise"}
        - {kind: base_level, at_least: 1, advice: "at least {base_level} before raises"}
    """)
    raised = scored(spec, where="street", signs_a=True)
    assert (raised.base_level, raised.level) == (1, 2)
    assert raised.flags == []  # the raise to 2 is not the base level
    assert raised.advice == ["at least 1 before raises"]
    assert scored(spec, signs_a=True).advice == []


def test_a_rule_that_sets_the_level_cannot_look_at_the_base_level(tmp_path: Path) -> None:
    assert "cannot depend on base_level" in refused(tmp_path, """
        - {kind: base_level, at_least: 1, level: 2, reason: circular}
    """)


# ---- all / any: conditions combined, nested ----------------------------------------------------------------

def test_all_holds_only_when_every_condition_does(tmp_path: Path) -> None:
    spec = form(tmp_path, """
        - kind: all
          conditions:
            - {kind: answer, field: where, values: [street]}
            - {kind: count, of: signs, checked: true}
          level: 2
          reason: both
    """)
    assert scored(spec, where="street").level == 0
    assert scored(spec, signs_b=True).level == 0
    assert scored(spec, where="street", signs_b=True).level == 2


def test_any_holds_when_one_condition_does_and_nests(tmp_path: Path) -> None:
    spec = form(tmp_path, """
        - kind: any
          conditions:
            - {kind: answer, field: q.a, values: ["3"]}
            - kind: all
              conditions:
                - {kind: answer, field: where, values: [street]}
                - {kind: age_under, dob: dob, "on": seen_on, years: 16}
          advice: Talk to the team
    """)
    assert scored(spec, q_a="3").advice == ["Talk to the team"]
    assert scored(spec, where="street", dob="01/01/2010", seen_on="01/01/2024").advice == ["Talk to the team"]
    assert scored(spec, where="street", dob="01/01/2000", seen_on="01/01/2024").advice == []
    assert scored(spec, q_a="1").advice == []


def test_all_and_any_need_a_condition_and_check_the_nested_ones(tmp_path: Path) -> None:
    assert "needs at least one condition" in refused(tmp_path, """
        - {kind: any, conditions: [], flag: never}
    """)
    assert "conditions[1]" in refused(tmp_path, """
        - kind: all
          conditions:
            - {kind: answer, field: where, values: [street]}
            - {kind: count, of: nowhere, checked: true}
          flag: never
    """)


# ---- effects: level, raise, flag, advice -------------------------------------------------------------------

def test_level_rules_give_the_highest_level_that_holds(tmp_path: Path) -> None:
    spec = form(tmp_path, """
        - {kind: answer, field: where, values: [street], level: 2, reason: street}
        - {kind: count, of: signs, checked: true, level: 1, reason: sign}
    """)
    both = scored(spec, where="street", signs_a=True)
    assert (both.level, both.label) == (2, "High")
    assert [(r.rule, r.level, r.text) for r in both.reasons] == [("answer", 2, "street"), ("count", 1, "sign")]
    assert (scored(spec).level, scored(spec).label, scored(spec).reasons) == (0, "Low", [])


def test_raise_lifts_the_base_level_once_and_stops_at_the_top(tmp_path: Path) -> None:
    spec = form(tmp_path, """
        - {kind: answer, field: where, values: [street], level: 2, reason: street}
        - {kind: answer, field: q.a, values: ["1"], level: 1, reason: once}
        - {kind: count, of: signs, checked: true, raise: 1, reason: "up to {level_label}"}
        - {kind: answer, field: q.b, values: ["3"], raise: 1, reason: "also up to {level_label}"}
    """)
    assert scored(spec, signs_a=True).level == 1  # from Low
    raised = scored(spec, q_a="1", signs_a=True, q_b="3")
    assert (raised.base_level, raised.level) == (1, 2)  # two raises of one from the base: not one on top of another
    assert [r.text for r in raised.reasons] == ["once", "up to High", "also up to High"]
    at_top = scored(spec, where="street", signs_a=True)
    assert (at_top.level, [r.text for r in at_top.reasons]) == (2, ["street"])  # nothing to raise, nothing said


def test_flag_and_advice_are_added_as_written_with_the_final_level(tmp_path: Path) -> None:
    spec = form(tmp_path, """
        - {kind: count, of: signs, checked: true, raise: 1, reason: raised}
        - {kind: answer, field: where, values: [street], flag: "Seen on the street ({level_label})"}
        - {kind: answer, field: where, values: [street, home], advice: "Ask about {field}"}
    """)
    done = scored(spec, where="street", signs_c=True)
    assert done.flags == ["Seen on the street (Medium)"]
    assert done.advice == ["Ask about Where"]
    assert done.level == 1  # flags and advice never change the level
    assert scored(spec, where="street").flags == ["Seen on the street (Low)"]


def test_a_rule_takes_exactly_one_effect_and_a_level_or_raise_needs_a_reason(tmp_path: Path) -> None:
    assert "exactly one of level, raise, flag, advice" in refused(tmp_path, """
        - {kind: answer, field: where, values: [street], flag: a, advice: b}
    """)
    assert "exactly one of level, raise, flag, advice" in refused(tmp_path, """
        - {kind: answer, field: where, values: [street]}
    """)
    assert "needs a `reason`" in refused(tmp_path, """
        - {kind: answer, field: where, values: [street], raise: 1}
    """)
    assert "raise must be 1 or more" in refused(tmp_path, """
        - {kind: answer, field: where, values: [street], raise: 0, reason: r}
    """)
    assert "not among scoring.levels" in refused(tmp_path, """
        - {kind: answer, field: where, values: [street], level: 7, reason: r}
    """)


def test_a_reason_may_use_only_its_own_rules_facts(tmp_path: Path) -> None:
    assert "it may use ['field', 'level_label', 'value']" in refused(tmp_path, """
        - {kind: answer, field: where, values: [street], level: 1, reason: "{count} of them"}
    """)
