"""Layouts are data from outside: a bad one is refused with a message naming the entry to fix."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from helpers.cli import cse

from cse_pdf.base.errors import SpecError
from cse_pdf.form.spec import load_spec

SMALL = """
id: tiny-form
version: "2"
title: A tiny form
sections:
  - title: Only section
    blocks:
      - fields:
          - {id: person.name, type: text, label: Name}
          - {id: person.dob, type: date, label: Date of birth}
          - {id: done_on, type: date, label: Date completed}
      - scale:
          id: q.one
          type: radio
          label: Question one
          options: [{value: 1, label: Fine}, {value: 5, label: Not fine}]
      - checklist: signs
        label: Signs
        items: [{id: a, label: Sign A}, {id: b, label: Sign B}]
scoring:
  levels:
    - {level: 0, label: Low, guidance: Monitor.}
    - {level: 1, label: High, guidance: Act.}
  groups: {qs: [q.one], signs: [signs.a, signs.b]}
  total: qs
  rules:
    - {kind: total, of: qs, bands: [{upto: 2, level: 0}, {level: 1}], reason: "Total {total}"}
    - {kind: count, of: signs, checked: true, count_at_least: 2, level: 1, reason: "{count} signs"}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "layout.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def refused(tmp_path: Path, text: str) -> str:
    with pytest.raises(SpecError) as exc:
        load_spec(write(tmp_path, text))
    message = str(exc.value)
    assert "layout.yaml" in message and "\n" not in message
    return message


def test_a_small_layout_loads_with_fields_in_reading_order(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, SMALL))
    assert [f.id for f in spec.fields] == ["person.name", "person.dob", "done_on", "q.one", "signs.a", "signs.b"]
    assert spec.field_map["signs.a"].help_text == "Signs: Sign A"
    assert spec.field_map["q.one"].options[1].value == "5"


def test_the_content_hash_ignores_comments_and_formatting(tmp_path: Path) -> None:
    a = load_spec(write(tmp_path, SMALL)).content_hash
    b = load_spec(write(tmp_path, "# a comment\n" + SMALL.replace("title: A tiny form", "title:   A tiny form"))).content_hash
    c = load_spec(write(tmp_path, SMALL.replace("label: Name", "label: Full name"))).content_hash
    assert a == b != c


def test_duplicate_field_ids(tmp_path: Path) -> None:
    assert "used twice" in refused(tmp_path, SMALL.replace("id: done_on", "id: person.name"))


def test_a_field_cannot_sit_under_another_field(tmp_path: Path) -> None:
    assert "itself a field" in refused(tmp_path, SMALL.replace("id: done_on", "id: person.name.first"))


def test_ids_are_period_separated_lowercase_words(tmp_path: Path) -> None:
    assert "pattern" in refused(tmp_path, SMALL.replace("id: person.name,", "id: person.Name,"))
    assert "pattern" in refused(tmp_path, SMALL.replace("id: person.name,", "id: 'person..name',"))


def test_export_values_must_be_plain_tokens(tmp_path: Path) -> None:
    assert "sections.0.blocks.1" in refused(tmp_path, SMALL.replace("{value: 5, label: Not fine}",
                                                                     "{value: 'not fine', label: Not fine}"))


def test_summary_fields_must_exist_including_the_agency(tmp_path: Path) -> None:
    summary = ("summary: {name: person.name, dob: person.dob, completed: done_on, agency: AGENCY, "
               "unanswered_warning: Some unanswered.}\n")
    assert load_spec(write(tmp_path, SMALL + summary.replace("AGENCY", "person.name"))).summary.agency == "person.name"
    assert "summary.agency: no field with id 'who.did_it'" in refused(tmp_path,
                                                                     SMALL + summary.replace("AGENCY", "who.did_it"))


def test_rules_must_name_existing_groups(tmp_path: Path) -> None:
    assert "no group named 'nope'" in refused(tmp_path, SMALL.replace("of: signs, checked", "of: nope, checked"))


def test_bands_must_ascend_and_end_open(tmp_path: Path) -> None:
    assert "bands" in refused(tmp_path, SMALL.replace("[{upto: 2, level: 0}, {level: 1}]",
                                                      "[{upto: 2, level: 0}, {upto: 1, level: 1}]"))


def test_unknown_rule_kinds_are_refused_not_run(tmp_path: Path) -> None:
    message = refused(tmp_path, SMALL.replace("{kind: count,", "{kind: eval, code: '__import__(\"os\")',"))
    assert "eval" in message


def test_reasons_may_only_use_their_rules_facts(tmp_path: Path) -> None:
    assert "it may use" in refused(tmp_path, SMALL.replace('"Total {total}"', '"{total.__class__}"'))
    assert "it may use" in refused(tmp_path, SMALL.replace('"Total {total}"', '"Total {secret}"'))


def test_a_checked_rule_needs_checkboxes(tmp_path: Path) -> None:
    assert "needs checkboxes" in refused(tmp_path, SMALL.replace("signs: [signs.a, signs.b]", "signs: [person.name]"))


def test_not_yaml(tmp_path: Path) -> None:
    assert "not valid YAML at line" in refused(tmp_path, "id: [unclosed\n")


def test_a_layout_given_by_path_drives_every_command(tmp_path: Path) -> None:
    layout = write(tmp_path, SMALL)
    listed = cse("fields", layout)
    assert listed.returncode == 0, listed.stderr
    fields = json.loads(listed.stdout)
    assert fields["fields"][3] == {"id": "q.one", "type": "radio", "label": "Question one", "tooltip": "Question one",
                                   "required": False, "options": [{"value": "1", "label": "Fine"},
                                                                  {"value": "5", "label": "Not fine"}]}
    values = tmp_path / "values.json"
    values.write_text(json.dumps({"q.one": "5", "signs.a": True, "person.name": "Test Person"}), encoding="utf-8")
    pdf = tmp_path / "tiny.pdf"
    made = cse("generate", layout, "-o", pdf, "--prefill", values)
    assert made.returncode == 0, made.stderr
    done = cse("score", pdf, "--layout", layout)
    assert done.returncode == 0, done.stderr
    scored = json.loads(done.stdout)
    assert scored["form"] == {"id": "tiny-form", "version": "2", "instance": ""}
    assert scored["values"]["person.name"] == "Test Person"
    assert (scored["assessment"]["level"], scored["assessment"]["total"]) == (1, 5)


# ---- the rule vocabulary on a tiny form: levels, raises, flags, advice ---------------------

RULES = SMALL.replace("""    - {kind: count, of: signs, checked: true, count_at_least: 2, level: 1, reason: "{count} signs"}""", """\
    - {kind: count, of: signs, checked: true, count_at_least: 2, level: 1, reason: "{count} signs"}
    - {kind: answer, field: q.one, values: ["5"], raise: 1, reason: "Not fine: one level up to {level_label}"}
    - kind: all
      conditions:
        - {kind: answer, field: q.one, values: ["5"]}
        - {kind: base_level, at_least: 1}
      flag: Act now
    - kind: any
      conditions:
        - {kind: count, of: signs, answered: true}
        - {kind: age_under, dob: person.dob, "on": done_on, years: 10}
      advice: Talk to others""")


@pytest.fixture
def tiny(tmp_path: Path):
    return load_spec(write(tmp_path, RULES))


def test_raise_is_one_level_above_the_base_and_capped(tiny) -> None:
    from cse_pdf.assess.score import assess

    low = assess(tiny, {"q.one": "1"})
    assert (low.base_level, low.level, low.flags, low.advice) == (0, 0, [], [])
    raised = assess(tiny, {"q.one": "5"})  # total 5 → band level 1 already; +1 capped at 1
    assert (raised.base_level, raised.level) == (1, 1)
    assert raised.flags == ["Act now"]


def test_advice_from_any_nested_condition(tiny) -> None:
    from cse_pdf.assess.score import assess

    assert assess(tiny, {"signs.b": True}).advice == ["Talk to others"]
    assert assess(tiny, {"person.dob": "01/01/2020", "done_on": "01/01/2024"}).advice == ["Talk to others"]
    assert assess(tiny, {"signs.b": False}).advice == []


def test_a_rule_takes_exactly_one_effect(tmp_path: Path) -> None:
    assert "exactly one of level, raise, flag, advice" in refused(
        tmp_path, RULES.replace("      flag: Act now", "      flag: Act now\n      advice: Also this"))


def test_a_level_rule_cannot_depend_on_the_base_level(tmp_path: Path) -> None:
    assert "cannot depend on base_level" in refused(tmp_path, RULES.replace("      flag: Act now", "      level: 1\n      reason: circular"))


def test_nested_conditions_are_checked_too(tmp_path: Path) -> None:
    assert "conditions[0]" in refused(tmp_path, RULES.replace("{kind: count, of: signs, answered: true}",
                                                              "{kind: count, of: nope, answered: true}"))
