"""The queue page's cache: the same queue as `review_queue` for every filter, and after an agreement, a return
or a comment only the records it names are worked out again."""

from __future__ import annotations

import uuid
from itertools import product
from pathlib import Path

import pytest
from helpers.reviews import record_hillingdon, record_rv
from helpers.web import FEW_SAMPLES, SAMPLES, Clock, WebDb, copy_web_db, make_web_db, shared_template

from cse_pdf.agreement import agree, comment, record_opened, return_to_worker, review_queue
from cse_pdf.agreement.states import ReviewState
from cse_pdf.ingest import ingest
from cse_pdf.store import Store
from cse_pdf.web.queue_cache import MAX_AGE_SECONDS, QueueCache

HIL, RV = "hillingdon-cse", "cse-risk-vulnerability"


@pytest.fixture
def store(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path):  # noqa: ANN201
    web: WebDb = copy_web_db(shared_template(tmp_path_factory), tmp_path / "web")
    with Store.open(str(web.db), create=False) as opened:
        yield opened


def filters(store: Store) -> list[dict]:
    """Every form (and none) × every state (and the default) × an agency the records name, one they do not,
    and none."""
    agencies = sorted({i.agency for s in ReviewState for i in review_queue(store, state=s) if i.agency})
    assert agencies, "the samples should name at least one agency"
    return [{"form": f, "state": s, "agency": a}
            for f, s, a in product([None, HIL, RV], [None, *ReviewState], [None, agencies[0], "No Such Agency"])]


def assert_as_fresh(cache: QueueCache, store: Store, every: list[dict]) -> None:
    for f in every:
        assert cache.queue(f["form"], f["state"], f["agency"]) == review_queue(store, **f), f


def changes(store: Store) -> list[tuple[str, int, object]]:
    """A class of changes over the records waiting: each kind of event on records of both forms, in each
    state they can be in (a second agreement on a Hillingdon record, a comment on an agreed or returned
    one), as (what, record id, do it)."""
    waiting = review_queue(store)
    hil = [i for i in waiting if i.form_id == HIL]
    rv = [i for i in waiting if i.form_id == RV]
    assert len(hil) >= 3 and len(rv) >= 2, "FEW_SAMPLES should give records of both forms"

    def agreeing(item, role: str, by: str):  # noqa: ANN202
        return lambda: agree(store, item.record_id, level=item.suggested_level, role=role, by=by,
                             note="Agreed at the team meeting.")

    return [
        ("agree (one of two roles)", hil[0].record_id, agreeing(hil[0], "team-manager", "tess.manager")),
        ("agree (the second role)", hil[0].record_id, agreeing(hil[0], "cse-prevention-manager", "cal.prevention")),
        ("comment on an agreed record", hil[0].record_id, lambda: comment(store, hil[0].record_id, "Filed.",
                                                                         by="tess.manager")),
        ("agree (the only role)", rv[0].record_id, agreeing(rv[0], "team-manager", "tess.manager")),
        ("return", hil[1].record_id, lambda: return_to_worker(store, hil[1].record_id, reason="Section 3 blank",
                                                            by="tess.manager")),
        ("comment on a returned record", hil[1].record_id, lambda: comment(store, hil[1].record_id, "Chased.",
                                                                          by="cal.prevention")),
        ("comment on a waiting record", rv[1].record_id, lambda: comment(store, rv[1].record_id, "Asked the school.",
                                                                        by="tess.manager")),
        ("return after a comment", rv[1].record_id, lambda: return_to_worker(store, rv[1].record_id,
                                                                           reason="Dates missing", by="tess.manager")),
        ("agree on a record that needs review", hil[2].record_id, agreeing(hil[2], "team-manager", "tess.manager")),
    ]


def check_only_the_changed_records_are_worked_out_again(store: Store) -> None:
    cache = QueueCache(store)
    every = filters(store)
    assert_as_fresh(cache, store, every)
    assert cache.rebuilt == 1 and cache.recomputed == 0  # every filter from the one kept queue
    for what, record_id, change in changes(store):
        before = cache.recomputed
        change()
        assert_as_fresh(cache, store, every)
        assert cache.recomputed == before + 1, what  # this record, once, whatever the filters asked
        assert cache.rebuilt == 1, what
    states = {i.state for s in ReviewState for i in cache.queue(state=s)}
    assert {ReviewState.AGREED, ReviewState.RETURNED, ReviewState.AWAITING_AGREEMENT} <= states


@pytest.mark.slow  # 54 filters checked after each of nine changes
def test_after_each_agreement_return_or_comment_every_filter_is_as_fresh_and_only_that_record_recomputed(
        store: Store) -> None:
    check_only_the_changed_records_are_worked_out_again(store)


def test_on_postgresql_too(postgres, tmp_path: Path) -> None:  # noqa: ANN001
    web = make_web_db(tmp_path, FEW_SAMPLES, db=postgres.new_database(f"t_{uuid.uuid4().hex[:12]}"))
    with Store.open(str(web.db), create=False) as opened:
        check_only_the_changed_records_are_worked_out_again(opened)


def test_changes_to_several_records_between_two_visits_recompute_those_records_only(store: Store) -> None:
    cache = QueueCache(store)
    waiting = cache.queue()
    a, b = waiting[0].record_id, waiting[-1].record_id
    comment(store, a, "One.", by="tess.manager")
    comment(store, b, "Two.", by="tess.manager")
    comment(store, a, "Three.", by="cal.prevention")
    assert cache.queue() == review_queue(store)
    assert cache.recomputed == 2 and cache.rebuilt == 1
    assert [i.record_id for i in cache.queue()][-2:] in ([a, b], [b, a])  # commented last: waiting the least


def test_nothing_changed_nothing_worked_out_again_and_openings_change_nothing(store: Store) -> None:
    cache = QueueCache(store)
    first = cache.queue()
    assert first == review_queue(store)
    record_opened(store, first[0].record_id, by="vera.viewer", role="viewer")
    assert cache.queue() is first and cache.rebuilt == 1 and cache.recomputed == 0
    by_form = cache.queue(RV)
    assert by_form == review_queue(store, form=RV) and cache.rebuilt == 1
    assert cache.queue(RV) is by_form and cache.recomputed == 0


def test_nothing_is_kept_longer_than_a_minute(store: Store) -> None:
    clock = Clock()
    cache = QueueCache(store, clock)
    cache.queue()
    clock.advance(MAX_AGE_SECONDS - 1)
    cache.queue(RV)
    assert cache.rebuilt == 1
    clock.advance(2)
    cache.queue()
    assert cache.rebuilt == 2


@pytest.mark.slow  # ingests a return
def test_a_return_ingested_shows_at_once(store: Store, tmp_path: Path) -> None:
    cache = QueueCache(store)
    before = {i.record_id for i in cache.queue()}
    new = next(p for p in SAMPLES if p not in FEW_SAMPLES and p.name.startswith("rv-"))
    report = ingest([new], store, tmp_path / "out")
    (outcome,) = report.outcomes
    assert outcome.record_id is not None and outcome.record_id not in before
    assert outcome.record_id in {i.record_id for i in cache.queue()}
    assert cache.queue() == review_queue(store) and cache.rebuilt == 2


def test_a_new_revision_takes_its_superseded_record_out_of_the_queue(db_url: str) -> None:
    """On SQLite and PostgreSQL: a returned record stays in the queue until its newer revision arrives."""
    with Store.open(db_url) as store:
        first = record_hillingdon(store, "rev1", suggested=2, stated=2)
        other = record_rv(store, "rv1")
        cache = QueueCache(store)
        assert {i.record_id for i in cache.queue()} == {first, other}
        return_to_worker(store, first, reason="Section 3 blank", by="tess.manager")
        assert [i.record_id for i in cache.queue(state=ReviewState.RETURNED)] == [first]
        assert cache.rebuilt == 1 and cache.recomputed == 1
        second = record_hillingdon(store, "rev2", suggested=2, stated=2)  # same child, same date: a new revision
        waiting = cache.queue()
        assert first not in {i.record_id for i in waiting} and second in {i.record_id for i in waiting}
        assert [i.record_id for i in cache.queue(state=ReviewState.SUPERSEDED)] == [first]
        assert cache.queue(state=ReviewState.RETURNED) == []
        for state in [None, *ReviewState]:
            assert cache.queue(state=state) == review_queue(store, state=state)
        assert cache.rebuilt == 2  # a new submission: everything worked out again
