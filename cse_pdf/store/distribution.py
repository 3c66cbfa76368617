"""Blank copies issued to partner agencies, and which of them have come back.

A copy is matched to its returns by instance id at query time: every generated copy
carries its instance id in its identity field, ingest records that id on the
submission, and nothing else has to link the two. One copy can come back more than
once (an agency may save the blank and fill it in for several young people), so
"returned" counts copies and "forms received" counts current assessments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from cse_pdf.assess.person import normalise_name
from cse_pdf.base.errors import StoreError
from cse_pdf.store.engine import WRITE
from cse_pdf.store.models import IssuedCopyRecord, SubmissionRecord
from cse_pdf.store.repository import Store


@dataclass(frozen=True)
class IssuedCopy:
    """One blank copy made for an agency: what `distribute` records once it is sent (or written)."""

    instance_id: str
    form_id: str
    form_version: str
    agency_name: str
    recipient: str
    method: str  # "smtp" or "eml"


@dataclass(frozen=True)
class AgencyReturns:
    """One line of `cse-pdf returns`."""

    agency: str  # the name as last written in the agency list
    form_id: str
    sent: int  # copies issued
    returned: int  # copies that have come back at least once
    received: int  # current assessments ingested from those copies
    last_sent: datetime

    @property
    def outstanding(self) -> int:
        return self.sent - self.returned


def record_issued(store: Store, copy: IssuedCopy, at: datetime | None = None) -> int:
    """Record one issued copy in its own transaction; returns its row id."""
    row = IssuedCopyRecord(instance_id=copy.instance_id, form_id=copy.form_id, form_version=copy.form_version,
                           agency_name=copy.agency_name, agency_key=normalise_name(copy.agency_name) or "",
                           recipient=copy.recipient, method=copy.method, issued_at=at or datetime.now(timezone.utc))
    try:
        with store.engine.connect() as conn:
            with Session(bind=conn.execution_options(**{WRITE: True})) as s, s.begin():
                s.add(row)
                s.flush()
                return row.id
    except IntegrityError:
        raise StoreError(f"copy {copy.instance_id} is already recorded as issued; make a new copy", store.where) \
            from None
    except SQLAlchemyError as exc:  # never the driver's text: it can quote the values written
        raise StoreError(f"could not record copy {copy.instance_id} for {copy.agency_name!r} ({type(exc).__name__}); "
                         "its returns will not be matched: note the instance id", store.where) from None


@dataclass(frozen=True)
class IssueRegister:
    """The store as `distribute` records through it (cse_pdf.outreach.distribute.IssueRegister): one issued
    copy per call, each in its own transaction."""

    store: Store

    def record(self, *, instance_id: str, form_id: str, form_version: str, agency_name: str, recipient: str,
               method: str) -> None:
        record_issued(self.store, IssuedCopy(instance_id, form_id, form_version, agency_name, recipient, method))


def returns_by_agency(store: Store, form: str | None = None) -> list[AgencyReturns]:
    """Per agency (and form): copies sent, copies returned, assessments received; agencies in name order."""
    copies = IssuedCopyRecord
    returned_copies = (sa.select(SubmissionRecord.instance_id).where(SubmissionRecord.instance_id != "")
                       .distinct().subquery())
    received = (sa.select(SubmissionRecord.instance_id, sa.func.count().label("n"))
                .where(SubmissionRecord.is_current.is_(True), SubmissionRecord.instance_id != "")
                .group_by(SubmissionRecord.instance_id).subquery())
    q = (sa.select(copies.agency_key, copies.form_id, sa.func.count(copies.id),
                   sa.func.count(returned_copies.c.instance_id), sa.func.coalesce(sa.func.sum(received.c.n), 0),
                   sa.func.max(copies.issued_at))
         .outerjoin(returned_copies, returned_copies.c.instance_id == copies.instance_id)
         .outerjoin(received, received.c.instance_id == copies.instance_id)
         .group_by(copies.agency_key, copies.form_id)
         .order_by(copies.agency_key, copies.form_id))
    if form:
        q = q.where(copies.form_id == form)
    with Session(store.engine) as s, s.begin():
        rows = s.execute(q).all()
        names = _latest_names(s, form)
    return [AgencyReturns(names.get((key, fid), key), fid, sent, back, int(got), _aware(last))
            for key, fid, sent, back, got, last in rows]


def _latest_names(s: Session, form: str | None) -> dict[tuple[str, str], str]:
    """The agency's name as the most recent list spelled it."""
    q = sa.select(IssuedCopyRecord.agency_key, IssuedCopyRecord.form_id, IssuedCopyRecord.agency_name) \
        .order_by(IssuedCopyRecord.issued_at, IssuedCopyRecord.id)
    if form:
        q = q.where(IssuedCopyRecord.form_id == form)
    return {(key, fid): name for key, fid, name in s.execute(q)}


def unmatched_returns(store: Store, form: str | None = None) -> int:
    """Current assessments whose copy was not issued by `distribute` (the committed blank, or another copy)."""
    q = (sa.select(sa.func.count()).select_from(SubmissionRecord)
         .outerjoin(IssuedCopyRecord, IssuedCopyRecord.instance_id == SubmissionRecord.instance_id)
         .where(SubmissionRecord.is_current.is_(True), IssuedCopyRecord.id.is_(None)))
    if form:
        q = q.where(SubmissionRecord.form_id == form)
    with Session(store.engine) as s, s.begin():
        return int(s.scalar(q) or 0)


def was_issued(store: Store, form_id: str, instance_id: str) -> bool | None:
    """Whether this copy of `form_id` is in the register of issued copies; None when the register holds
    no copy of that form (the Board never used `distribute` for it), so there is nothing to check against.

    None too for a return with no copy id: it claims to be no copy at all (the blank on the Board's
    website, a flattened copy whose id could not be recovered), and flagging every one of those would
    bury the returns that do claim an id the register never saw."""
    if not instance_id:
        return None
    with Session(store.engine) as s, s.begin():
        if s.scalar(sa.select(IssuedCopyRecord.id).where(IssuedCopyRecord.form_id == form_id).limit(1)) is None:
            return None
        return s.scalar(sa.select(IssuedCopyRecord.id).where(IssuedCopyRecord.form_id == form_id,
                                                               IssuedCopyRecord.instance_id == instance_id)) is not None


def issued_agencies(store: Store) -> dict[str, str]:
    """instance id → agency name, for every issued copy (the report names a return's agency by its copy)."""
    with Session(store.engine) as s, s.begin():
        return {i: n for i, n in s.execute(sa.select(IssuedCopyRecord.instance_id, IssuedCopyRecord.agency_name))}


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)
