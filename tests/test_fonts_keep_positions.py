"""Embedding the page fonts moves nothing: every widget rect, page break and word stays where main put it.

A flattened copy is read by recomputing its layout's field rects with the current code, so a font whose
widths differ by a hair would move a box off the answer printed in it. The fixture was taken from main's
code (Helvetica, not embedded) before issue 18; see tests/helpers/page_geometry.py.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers.page_geometry import FIXTURE, geometry

pytestmark = pytest.mark.slow  # lays out every layout version twice (about 7 s)


@pytest.fixture(scope="module")
def now() -> dict[str, object]:
    return geometry()


BEFORE = json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("version", sorted(BEFORE))
def test_widget_rects_and_page_breaks_are_unchanged(now: dict, version: str) -> None:
    assert now[version]["placements"] == BEFORE[version]["placements"]
    assert len(now[version]["words"]) == len(BEFORE[version]["words"])


@pytest.mark.parametrize("version", sorted(BEFORE))
def test_every_word_starts_ends_and_sits_where_it_did(now: dict, version: str) -> None:
    for page, (words_now, words_before) in enumerate(zip(now[version]["words"], BEFORE[version]["words"])):
        assert words_now == words_before, f"page {page + 1} of {version}"


def test_every_layout_version_is_in_the_snapshot(now: dict) -> None:
    assert sorted(now) == sorted(BEFORE)
