"""The review loop's model (cse_pdf.agreement) on SQLite and PostgreSQL: states derived from appended events,
every refusal of the design in one line naming the record, and events the database itself will not edit."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from helpers.reviews import CHILD, HIL, RV, record_hillingdon, record_rv
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from cse_pdf.agreement import (
    EventKind,
    ReviewState,
    Role,
    agree,
    audit_trail,
    comment,
    record_opened,
    record_review,
    return_to_worker,
    review_queue,
    reviews_for,
)
from cse_pdf.agreement.roles import LABELS
from cse_pdf.base.errors import ReviewError
from cse_pdf.base.exit_codes import ExitCode
from cse_pdf.form.catalog import find_form
from cse_pdf.form.downstream import AgreeingRole, Review
from cse_pdf.store import Store

TM, CPM = Role.TEAM_MANAGER, Role.CSE_PREVENTION_MANAGER


@pytest.fixture
def store(db_url: str):
    with Store.open(db_url) as opened:
        yield opened


def refused(store: Store, record_id: int, call, *args, **kwargs) -> str:
    """The refusal's one line, having checked it names the record, not the child, and appended nothing."""
    before = audit_trail(store, record_id) if record_id else []
    with pytest.raises(ReviewError) as caught:
        call(store, record_id, *args, **kwargs)
    message = str(caught.value)
    assert caught.value.exit_code == ExitCode.REVIEW_REFUSED
    assert f"record {record_id}" in message and "\n" not in message and CHILD not in message
    if record_id:
        assert audit_trail(store, record_id) == before
    return message


# ---- the layout says who agrees ----------------------------------------------------------------------

def test_each_form_declares_who_agrees_and_that_is_not_part_of_its_identity() -> None:
    hillingdon, rv = find_form(HIL), find_form(RV)
    assert hillingdon.agreeing_roles == ("team-manager", "cse-prevention-manager")
    assert rv.agreeing_roles == ("team-manager",)
    changed = hillingdon.model_copy(update={"review": Review(agree=("team-manager",))})
    assert changed.content_hash == hillingdon.content_hash and changed.agreeing_roles == ("team-manager",)
    assert set(AgreeingRole.__args__) <= {r.value for r in Role}  # the form layer's names are real roles
    assert LABELS[CPM] == "CSE Prevention Manager"


@pytest.mark.parametrize("agree_list", [[], ["team-manager", "team-manager"], ["viewer"], ["boss"]])
def test_a_layout_naming_no_role_a_role_twice_or_a_role_that_cannot_agree_is_refused(agree_list: list) -> None:
    with pytest.raises(ValidationError):
        Review(agree=agree_list)


# ---- states through a whole loop ---------------------------------------------------------------------

def test_two_managers_agree_a_record_that_needed_review(store: Store) -> None:
    rid = record_hillingdon(store, "loop", suggested=2, stated=2, review=("unanswered",))
    review = record_review(store, rid)
    assert review.state is ReviewState.NEEDS_REVIEW and review.waiting_for == (TM, CPM)
    [item] = review_queue(store)
    assert (item.record_id, item.state, item.waiting_for) == (rid, ReviewState.NEEDS_REVIEW, (TM, CPM))
    assert item.reasons == ("questions the scoring rules use were left unanswered",)

    first = agree(store, rid, level="Risk Category 2 (MEDIUM)", role="Team Manager", by="Ann Manager")
    assert first.state is ReviewState.AWAITING_AGREEMENT and first.waiting_for == (CPM,)
    assert first.agreed_level is None and first.days_to_agreement is None
    assert review_queue(store)[0].since == first.agreements[0].at  # waiting since the last step

    done = agree(store, rid, level=2, role=CPM, by="Bo Prevention")
    assert done.state is ReviewState.AGREED and done.waiting_for == ()
    assert (done.agreed_level, done.agreed_label, done.agreed_by) == (2, "Risk Category 2 (medium)", (TM, CPM))
    assert done.agreed_at == done.agreements[-1].at and 0 <= done.days_to_agreement < 1
    assert review_queue(store) == [] and [i.record_id for i in review_queue(store, state="agreed")] == [rid]
    assert [(e.kind, e.role, e.level) for e in audit_trail(store, rid)] == [
        (EventKind.AGREE, "team-manager", 2), (EventKind.AGREE, "cse-prevention-manager", 2)]
    assert record_review(store, rid) == done  # derived again from the events, the same


def test_a_record_without_reasons_awaits_agreement_and_one_manager_agrees_a_risk_and_vulnerability(
        store: Store) -> None:
    rid = record_rv(store, "rv")  # suggested 2, the worker's 0
    assert record_review(store, rid).state is ReviewState.AWAITING_AGREEMENT
    done = agree(store, rid, level="high", role=TM, by="Ann", note="Associates known: High, as suggested")
    assert done.state is ReviewState.AGREED and done.agreed_label == "High"
    assert (done.suggested_level, done.stated_level, done.agreed_level) == (2, 0, 2)  # kept apart


def test_a_return_holds_until_a_newer_revision_which_starts_its_own_review(store: Store) -> None:
    first = record_hillingdon(store, "rev1", suggested=2, stated=2)
    agree(store, first, level=2, role=TM, by="Ann")
    returned = return_to_worker(store, first, reason="Section 3 was not discussed with the young person", by="Bo",
                                role=CPM)
    assert returned.state is ReviewState.RETURNED and returned.returned_reason.startswith("Section 3")
    assert returned.waiting_for == ()
    assert [i.record_id for i in review_queue(store, state=ReviewState.RETURNED)] == [first]
    second = record_hillingdon(store, "rev2", suggested=2, stated=2)  # same child, same date: a new revision
    old, new = record_review(store, first), record_review(store, second)
    assert old.state is ReviewState.SUPERSEDED and old.returned_reason is None
    assert new.state is ReviewState.AWAITING_AGREEMENT and new.agreements == ()
    assert [i.record_id for i in review_queue(store, state="superseded")] == [first]


def test_an_agreed_level_survives_in_its_superseded_revision(store: Store) -> None:
    first = record_rv(store, "rv-a")
    agree(store, first, level=2, role=TM, by="Ann", note="High, as suggested: the worker's Standard missed it")
    store_second = record_rv(store, "rv-b")
    old = record_review(store, first)
    assert old.state is ReviewState.SUPERSEDED and old.agreed_level == 2
    assert record_review(store, store_second).state is ReviewState.AWAITING_AGREEMENT


def test_comments_and_openings_are_appended_and_change_no_state(store: Store) -> None:
    rid = record_hillingdon(store, "c", review=("flattened",))
    since = review_queue(store)[0].since
    record_opened(store, rid, by="viewer1", role="viewer")
    assert review_queue(store)[0].since == since  # opening is not a step of the review
    after = comment(store, rid, "Asked the worker for the missing page", by="Ann", role=TM)
    assert after.state is ReviewState.NEEDS_REVIEW
    assert [(e.kind, e.actor, e.role) for e in audit_trail(store, rid)] == [
        (EventKind.OPENED, "viewer1", "viewer"), (EventKind.COMMENT, "Ann", "team-manager")]


def test_the_queue_filters_by_form_and_agency(store: Store) -> None:
    a = record_hillingdon(store, "a", agency="Brookfield Youth Trust", name="Fictional One")
    record_hillingdon(store, "b", agency="Larkspur Academy", name="Fictional Two")
    r = record_rv(store, "r")
    assert [i.record_id for i in review_queue(store, agency="brookfield  youth trust")] == [a]
    assert [i.record_id for i in review_queue(store, form=RV)] == [r]


# ---- refusals ----------------------------------------------------------------------------------------

def test_an_unknown_level_is_refused_and_a_level_is_taken_by_number_or_label(store: Store) -> None:
    rid = record_hillingdon(store, "lv")
    for level in ("7", "very high", "-1", 4):
        assert "no level" in refused(store, rid, agree, level=level, role=TM, by="Ann")
    assert agree(store, rid, level=" 2 ", role=TM, by="Ann").agreements[0].level == 2


def test_a_role_agreeing_twice_and_one_person_in_two_roles_are_refused(store: Store) -> None:
    rid = record_hillingdon(store, "twice")
    agree(store, rid, level=2, role=TM, by="Ann Manager")
    assert "already agreed" in refused(store, rid, agree, level=2, role="team-manager", by="Cy")
    assert "different person" in refused(store, rid, agree, level=2, role=CPM, by="  ann MANAGER ")


def test_a_second_role_agreeing_another_level_is_refused(store: Store) -> None:
    rid = record_hillingdon(store, "other")
    agree(store, rid, level=2, role=TM, by="Ann")
    message = refused(store, rid, agree, level=3, role=CPM, by="Bo", note="Higher: new intelligence")
    assert "agree the same level, or comment and return" in message


def test_a_level_other_than_the_suggested_or_the_workers_needs_a_note(store: Store) -> None:
    same = record_hillingdon(store, "n1", suggested=2, stated=2, name="Fictional A")
    stated_differs = record_hillingdon(store, "n2", suggested=2, stated=1, name="Fictional B")
    assert "give a note" in refused(store, same, agree, level=3, role=TM, by="Ann")
    assert "give a note" in refused(store, same, agree, level=3, role=TM, by="Ann", note="   ")
    assert "give a note" in refused(store, stated_differs, agree, level=2, role=TM, by="Ann")  # the worker's differs
    agreed = agree(store, stated_differs, level=2, role=TM, by="Ann", note="The suggestion fits: drug use")
    assert agreed.agreements[0].note == "The suggestion fits: drug use"
    # the note explains the level once: the second role confirming the same level need not repeat it
    assert agree(store, stated_differs, level=2, role=CPM, by="Bo").state is ReviewState.AGREED
    assert agree(store, same, level=2, role=TM, by="Ann").agreements[0].note is None  # same as both: no note


def test_agreeing_a_superseded_or_returned_record_is_refused(store: Store) -> None:
    old = record_hillingdon(store, "s1")
    new = record_hillingdon(store, "s2")
    assert "superseded" in refused(store, old, agree, level=2, role=TM, by="Ann")
    return_to_worker(store, new, reason="Incomplete", by="Ann")
    assert "returned" in refused(store, new, agree, level=2, role=TM, by="Ann")
    assert "returned" in refused(store, new, return_to_worker, reason="Again", by="Ann")


def test_roles_the_form_does_not_ask_and_returning_an_agreed_record_are_refused(store: Store) -> None:
    rid = record_rv(store, "roles")
    assert "not by the CSE Prevention Manager" in refused(store, rid, agree, level=2, role=CPM, by="Bo")
    assert "not by the Viewer" in refused(store, rid, agree, level=2, role="viewer", by="Vi")
    assert "no role 'boss'" in refused(store, rid, agree, level=2, role="boss", by="Vi")
    assert "say who you are" in refused(store, rid, agree, level=2, role=TM, by="   ")
    assert "a reason" in refused(store, rid, return_to_worker, reason=" ", by="Ann")
    assert "the worker's level (0); give a note" in refused(store, rid, agree, level=2, role=TM, by="Ann")
    agree(store, rid, level=2, role=TM, by="Ann", note="High: associates known")
    assert "is agreed" in refused(store, rid, return_to_worker, reason="Late doubt", by="Ann")


def test_a_record_that_does_not_exist_is_refused(store: Store) -> None:
    for call, kwargs in ((agree, {"level": 2, "role": TM, "by": "Ann"}), (comment, {"text": "x", "by": "Ann"}),
                         (return_to_worker, {"reason": "x", "by": "Ann"})):
        with pytest.raises(ReviewError, match="no record 999"):
            call(store, 999, **kwargs)
    for call in (record_review, audit_trail):
        with pytest.raises(ReviewError, match="no record 999"):
            call(store, 999)


# ---- the database keeps the events as they were -------------------------------------------------------

def test_the_database_refuses_to_update_a_review_event(store: Store) -> None:
    rid = record_hillingdon(store, "upd")
    agree(store, rid, level=2, role=TM, by="Ann")
    with pytest.raises(DBAPIError, match="append-only"):
        with store.engine.begin() as conn:
            conn.execute(sa.text("UPDATE review_events SET level = 3, actor = 'Mallory'"))
    [event] = audit_trail(store, rid)
    assert (event.level, event.actor) == (2, "Ann")


def test_the_audit_trail_holds_ids_roles_and_managers_never_the_child(store: Store) -> None:
    rid = record_hillingdon(store, "audit", review=("unanswered",), agency="Brookfield Youth Trust")
    record_opened(store, rid, by="Ann", role=TM)
    agree(store, rid, level=3, role=TM, by="Ann", note="Raised: missing episodes this month")
    comment(store, rid, "Discussed at the strategy meeting", by="Bo", role=CPM)
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM review_events")).all()
    assert len(rows) == 3 and all(row.submission_id == rid for row in rows)
    assert not any(CHILD in str(value) or "01/02/2010" in str(value) for row in rows for value in row)


def test_reviews_for_many_records_takes_the_same_few_queries_as_for_one(store: Store) -> None:
    ids = [record_hillingdon(store, f"bulk{i}", name=f"Fictional {i}") for i in range(12)]
    for rid in ids[:6]:
        agree(store, rid, level=2, role=TM, by="Ann")
    statements: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    one = reviews_for(store, ids[:1])
    count_one = len(statements)
    statements.clear()
    many = reviews_for(store, ids)
    assert len(statements) == count_one and len(many) == 12 and set(one) == {ids[0]}
    assert sum(r.state is ReviewState.AWAITING_AGREEMENT and len(r.agreements) == 1 for r in many.values()) == 6
    assert reviews_for(store, [ids[0], 99999]).keys() == {ids[0]}


def test_review_model_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    """The default database kind needs no server: the whole public API works on a file made here."""
    with Store.open(str(tmp_path / "fresh.sqlite3")) as store:
        rid = record_rv(store, "fresh")
        assert agree(store, rid, level="2", role="team-manager", by="Ann", note="n").state is ReviewState.AGREED


def test_two_managers_agreeing_in_one_role_at_once_are_checked_one_after_the_other(store: Store) -> None:
    """Each agreement is checked inside the transaction that appends it, the record locked: never both."""
    import threading

    rid = record_hillingdon(store, "race")
    start, outcomes = threading.Barrier(2), []

    def manager(name: str) -> None:
        start.wait()
        try:
            agree(store, rid, level=2, role=TM, by=name)
            outcomes.append("agreed")
        except ReviewError:
            outcomes.append("refused")

    threads = [threading.Thread(target=manager, args=(n,)) for n in ("Ann", "Cy")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["agreed", "refused"] and len(audit_trail(store, rid)) == 1


def test_the_queue_pages_longest_waiting_first_and_counts_each_state(store: Store) -> None:
    from cse_pdf.agreement import queue_counts

    ids = [record_hillingdon(store, f"page{i}", name=f"Fictional {i}", review=("flattened",) if i % 2 else ())
           for i in range(6)]
    agree(store, ids[0], level=2, role=TM, by="Ann")  # waits again from now: last in the queue
    agree_both = [agree(store, ids[1], level=2, role=r, by=n) for r, n in ((TM, "Ann"), (CPM, "Bo"))]
    return_to_worker(store, ids[2], reason="Incomplete", by="Ann")
    whole = [i.record_id for i in review_queue(store)]
    assert whole == [ids[3], ids[4], ids[5], ids[0], ids[2]] and agree_both[-1].state is ReviewState.AGREED
    assert [i.record_id for i in review_queue(store, limit=2, offset=1)] == whole[1:3]
    assert review_queue(store, limit=10, offset=5) == []
    assert queue_counts(store) == {ReviewState.NEEDS_REVIEW: 2, ReviewState.AWAITING_AGREEMENT: 2,
                                   ReviewState.AGREED: 1, ReviewState.RETURNED: 1}
