"""The queue page's cache: the same queue as `review_queue`, worked out again exactly when it may differ."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.web import FEW_SAMPLES, SAMPLES, Clock, WebDb, copy_web_db, shared_template

from cse_pdf.agreement import agree, comment, record_opened, return_to_worker, review_queue
from cse_pdf.agreement.states import ReviewState
from cse_pdf.ingest import ingest
from cse_pdf.store import Store
from cse_pdf.web.queue_cache import MAX_AGE_SECONDS, QueueCache


@pytest.fixture
def store(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path):  # noqa: ANN201
    web: WebDb = copy_web_db(shared_template(tmp_path_factory), tmp_path / "web")
    with Store.open(str(web.db), create=False) as opened:
        yield opened


def test_nothing_changed_nothing_worked_out_again_and_openings_change_nothing(store: Store) -> None:
    cache = QueueCache(store)
    first = cache.queue()
    assert first == review_queue(store)
    record_opened(store, first[0].record_id, by="vera.viewer", role="viewer")
    assert cache.queue() is first and cache.computed == 1
    by_form = cache.queue("cse-risk-vulnerability")
    assert by_form == review_queue(store, form="cse-risk-vulnerability") and cache.computed == 2
    assert cache.queue("cse-risk-vulnerability") is by_form and cache.computed == 2


def test_an_agreement_return_or_comment_shows_at_once(store: Store) -> None:
    cache = QueueCache(store)
    items = cache.queue()
    rv = next(i for i in items if i.form_id == "cse-risk-vulnerability")
    agree(store, rv.record_id, level=rv.suggested_level, role="team-manager", by="tess.manager")
    assert rv.record_id not in {i.record_id for i in cache.queue()}  # agreed: no longer waiting
    assert [i.record_id for i in cache.queue(state=ReviewState.AGREED)] == [rv.record_id]
    other = cache.queue()[0]
    return_to_worker(store, other.record_id, reason="Section 3 blank", by="tess.manager")
    assert next(i for i in cache.queue() if i.record_id == other.record_id).state is ReviewState.RETURNED
    before = cache.computed
    comment(store, other.record_id, "asked the school", by="tess.manager")
    assert cache.queue() == review_queue(store) and cache.computed == before + 1


def test_nothing_is_kept_longer_than_a_minute(store: Store) -> None:
    clock = Clock()
    cache = QueueCache(store, clock)
    cache.queue()
    clock.advance(MAX_AGE_SECONDS - 1)
    cache.queue()
    assert cache.computed == 1
    clock.advance(2)
    cache.queue()
    assert cache.computed == 2


@pytest.mark.slow  # ingests a return
def test_a_return_ingested_shows_at_once(store: Store, tmp_path: Path) -> None:
    cache = QueueCache(store)
    before = {i.record_id for i in cache.queue()}
    new = next(p for p in SAMPLES if p not in FEW_SAMPLES and p.name.startswith("rv-"))
    report = ingest([new], store, tmp_path / "out")
    (outcome,) = report.outcomes
    assert outcome.record_id is not None and outcome.record_id not in before
    assert outcome.record_id in {i.record_id for i in cache.queue()}
    assert cache.queue() == review_queue(store)
