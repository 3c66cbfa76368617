"""The rules an agreement, a return or a comment must pass: each refusal one line naming the record by id.

Pure functions of the record, its events so far and its layout, so each rule is tested without a
database, and checked again inside the write transaction that appends the event (store.review_events).
"""

from __future__ import annotations

from typing import Sequence

from cse_pdf.agreement.layouts import Layouts, parse_level
from cse_pdf.agreement.roles import Role, parse_role
from cse_pdf.agreement.states import ReviewState, agreements_of, derive_state
from cse_pdf.base.errors import ReviewError
from cse_pdf.base.storable import storable_text
from cse_pdf.store.review_events import EventKind, NewEvent, ReviewEvent, ReviewSubject

MAX_ACTOR = 200
MAX_TEXT = 4000


def exists(subject: ReviewSubject | None, record_id: int) -> ReviewSubject:
    if subject is None:
        raise ReviewError(f"no record {record_id}; see `cse-pdf review` or `cse-pdf list`")
    return subject


def actor_of(by: str, record_id: int) -> str:
    """Who acts, trimmed: a manager's name or user name (never a child's), required."""
    actor = " ".join(storable_text(by or "").split())
    if not actor:
        raise ReviewError(f"record {record_id}: say who you are (--by NAME)")
    if len(actor) > MAX_ACTOR:
        raise ReviewError(f"record {record_id}: --by is over {MAX_ACTOR} characters; give a name or user name")
    return actor


def text_of(text: str | None, record_id: int, what: str, required: bool) -> str | None:
    cleaned = storable_text(text or "").strip()
    if required and not cleaned:
        raise ReviewError(f"record {record_id}: {what} is required")
    if len(cleaned) > MAX_TEXT:
        raise ReviewError(f"record {record_id}: the {what} is over {MAX_TEXT} characters")
    return cleaned or None


def _same_person(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def check_agree(subject: ReviewSubject, events: Sequence[ReviewEvent], layouts: Layouts, *, level: int | str,
                role: str | Role, by: str, note: str | None) -> NewEvent:
    """An agreement, or the one rule it breaks (in the order a manager would want to hear them)."""
    rid = subject.record_id
    required = layouts.required(subject.form_id, subject.form_version)
    state = derive_state(subject, events, required)
    if state is ReviewState.SUPERSEDED:
        raise ReviewError(f"record {rid} is superseded by a newer revision, which has its own review; "
                          "agree that one (see `cse-pdf show`)")
    if state is ReviewState.RETURNED:
        raise ReviewError(f"record {rid} was returned to the worker; its next revision is agreed instead")
    actor, the_role = actor_of(by, rid), parse_role(role, rid)
    if the_role not in required:
        raise ReviewError(f"record {rid}: {subject.form_id} is agreed by "
                          f"{' and '.join(r.label for r in required)}, not by the {the_role.label} role")
    chosen = parse_level(layouts.of(subject.form_id, subject.form_version), level, rid)
    earlier = agreements_of(events)
    for e in earlier:
        if e.role == the_role.value:
            raise ReviewError(f"record {rid}: the {the_role.label} role has already agreed it (by {e.actor}); "
                              "a role agrees once")
        if _same_person(e.actor, actor):
            raise ReviewError(f"record {rid}: {actor} already agreed it as {Role(e.role).label}; a second role "
                              "must be a different person")
    if earlier and earlier[0].level != chosen.level:
        raise ReviewError(f"record {rid}: level {earlier[0].level} was agreed already; agree the same level, or "
                          "comment and return it to the worker")
    the_note = text_of(note, rid, "note", required=False)
    differs = [f"the suggested level ({subject.suggested_level})"] if chosen.level != subject.suggested_level else []
    if subject.stated_level is not None and chosen.level != subject.stated_level:
        differs.append(f"the worker's level ({subject.stated_level})")
    noted = any(e.text for e in earlier if e.level == chosen.level)  # the first role's note explains it for both
    if differs and the_note is None and not noted:
        raise ReviewError(f"record {rid}: level {chosen.level} differs from {' and '.join(differs)}; give a note "
                          "(--note) saying why")
    return NewEvent(actor, the_role.value, EventKind.AGREE, chosen.level, the_note)


def check_return(subject: ReviewSubject, events: Sequence[ReviewEvent], layouts: Layouts, *, reason: str, by: str,
                 role: str | Role | None) -> NewEvent:
    rid = subject.record_id
    state = derive_state(subject, events, layouts.required(subject.form_id, subject.form_version))
    if state is ReviewState.SUPERSEDED:
        raise ReviewError(f"record {rid} is superseded by a newer revision; return that one if it needs it")
    if state is ReviewState.RETURNED:
        raise ReviewError(f"record {rid} was returned to the worker already")
    if state is ReviewState.AGREED:
        raise ReviewError(f"record {rid} is agreed; a newer revision of it starts a new review")
    actor = actor_of(by, rid)
    the_role = parse_role(role, rid) if role is not None else None
    if the_role is Role.VIEWER:
        raise ReviewError(f"record {rid}: a viewer reads records and cannot return them")
    return NewEvent(actor, the_role.value if the_role else "", EventKind.RETURN,
                    text=text_of(reason, rid, "a reason (--reason)", required=True))


def check_comment(subject: ReviewSubject, text: str, *, by: str, role: str | Role | None) -> NewEvent:
    rid = subject.record_id
    the_role = parse_role(role, rid) if role is not None else None
    return NewEvent(actor_of(by, rid), the_role.value if the_role else "", EventKind.COMMENT,
                    text=text_of(text, rid, "the comment's text", required=True))
