"""The record of ingested forms: what ingest, list, show and export ask of the database.

Each submission is written in one transaction (its row, its assessment, one row
per value), so a crash leaves it wholly recorded or not at all. The same file twice
(same SHA-256) is "already known", guarded by a unique constraint so that two
ingests racing on one file agree. Messages never carry database error text, which
can quote the values being written.
"""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Iterable, Iterator, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from cse_pdf.assess.history import PreviousAssessment, pick_previous
from cse_pdf.assess.person import PersonKeys, normalise_name, read_date
from cse_pdf.assess.review_codes import describe
from cse_pdf.assess.score import Assessment, Reason, RecordedAssessment
from cse_pdf.base.errors import StoreError
from cse_pdf.base.storable import storable_text
from cse_pdf.store.engine import BUSY_TIMEOUT_MS, NEVER_SET_UP, WRITE, create_engine, display, resolve_url
from cse_pdf.store.migrate import current_revisions, upgrade
from cse_pdf.store.models import AssessmentRecord, FailureRecord, SettingRecord, SubmissionRecord, ValueRecord

KEY_SECRET = "key_secret"  # the settings row made by migration 0003
RETRIES = 5  # a concurrent revision of the same assessment: record again on top of it
_CHUNK = 500  # ids per IN (…) query


@dataclass
class NewSubmission:
    """Everything ingest learned about one good file, ready to record."""

    sha256: str
    source_path: str
    form_id: str
    form_version: str
    layout_hash: str
    instance_id: str
    flattened: bool
    review: list[str]
    warnings: list[str]
    stamped_path: str | None
    keys: PersonKeys
    values: dict[str, Any]
    field_types: dict[str, str]
    assessment: Assessment

    @property
    def status(self) -> str:
        return "needs_review" if self.review else "ingested"


@dataclass(frozen=True)
class Recorded:
    record_id: int
    known: bool  # this very file (same SHA-256) was recorded before
    revision: int = 1
    supersedes: int | None = None  # the record this one replaced as the current revision
    stamped_path: str | None = None


@dataclass(frozen=True)
class RecordSummary:
    """One line of `cse-pdf list`: nothing typed into the form but dates and the level."""

    record_id: int
    form_id: str
    date_completed: date | None
    level: int
    label: str
    status: str
    revision: int
    current: bool


@dataclass
class ExportRecord:
    """A current assessment with its values typed for a spreadsheet, and its previous assessment."""

    submission: SubmissionRecord
    assessment: RecordedAssessment
    values: dict[str, Any]  # checkbox → bool, date → date or None, other → text
    field_types: dict[str, str]
    unreadable_dates: list[str] = field(default_factory=list)
    previous: PreviousAssessment | None = None


class Store:
    """One database of records; open it with `Store.open(db)`."""

    def __init__(self, engine: Engine, url: URL) -> None:
        self.engine = engine
        self.url = url
        self._key_secret: bytes | None = None

    @classmethod
    def open(cls, db: str | None = None, *, migrate: bool = True, create: bool = True,
             make_folder: bool = True) -> "Store":
        """Open (creating it on first use) the database named by `db`, CSE_PDF_DB or the default file,
        and bring its schema up to date.

        `create=False` (commands that only read or delete records): a database that does not exist, or
        holds no cse-pdf tables, is refused and nothing is made, so a mistyped --db is never taken for an
        empty database. `make_folder=False`: a SQLite file's missing folder is refused, never made."""
        url = resolve_url(db)
        store = cls(create_engine(url, create, make_folder), url)
        try:
            if not create:
                store._check_made()
            store._open(migrate)
        except StoreError:
            store.close()
            raise
        except OperationalError as exc:
            store.close()
            detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
            raise StoreError(f"cannot open the database ({detail}); check --db or CSE_PDF_DB", store.where) from None
        except SQLAlchemyError as exc:
            store.close()
            raise StoreError(f"cannot open the database ({type(exc).__name__}); check --db or CSE_PDF_DB",
                             store.where) from None
        return store

    def _open(self, migrate: bool) -> None:
        """Connect (and migrate). Two ingests started at the same moment on a new SQLite file can find it
        locked while the other sets it up (switching it to WAL does not wait for the busy timeout): that
        is waited out, as the busy timeout would, instead of ending the second ingest."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                if migrate:
                    upgrade(self.engine, self.where)
                else:
                    with self.engine.connect():
                        pass
                return
            except OperationalError as exc:
                if "database is locked" not in str(exc.orig) or time.monotonic() > deadline:
                    raise
                self.engine.dispose()
                time.sleep(0.2)

    def _check_made(self) -> None:
        """Refuse a database cse-pdf has never set up (an empty file, a new PostgreSQL database)."""
        if not current_revisions(self.engine):
            raise StoreError(NEVER_SET_UP, self.where)

    @property
    def key_secret(self) -> bytes:
        """This database's secret for the linking keys (cse_pdf.assess.person), read once. A database without it
        is refused rather than given a new one, which would silently unlink every later return."""
        if self._key_secret is None:
            with self._reading() as s:
                value = s.scalar(sa.select(SettingRecord.value).where(SettingRecord.name == KEY_SECRET))
            try:
                secret = bytes.fromhex(value or "")
            except ValueError:
                secret = b""
            if len(secret) < 32:
                raise StoreError("has no valid key secret (table settings, row key_secret); restore the database "
                                 "from a backup", self.where)
            self._key_secret = secret
        return self._key_secret

    @property
    def where(self) -> str:
        """The database as safe to show: a SQLite file's path, or the URL without its password."""
        return self.url.database or "" if self.url.get_backend_name() == "sqlite" else display(self.url)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        with self.engine.connect() as conn:
            with Session(bind=conn.execution_options(**{WRITE: True})) as session, session.begin():
                yield session

    # ---- ingest ------------------------------------------------------------------------------

    def known(self, sha256s: Iterable[str]) -> dict[str, int]:
        """Of these file hashes, those already recorded, with their record ids."""
        shas = list(dict.fromkeys(sha256s))
        found: dict[str, int] = {}
        with self._reading() as s:
            for i in range(0, len(shas), _CHUNK):
                rows = s.execute(sa.select(SubmissionRecord.sha256, SubmissionRecord.id)
                                 .where(SubmissionRecord.sha256.in_(shas[i:i + _CHUNK])))
                found.update({sha: rid for sha, rid in rows})
        return found

    def previous_for(self, keys: PersonKeys, exclude: int | None = None) -> PreviousAssessment | None:
        """The young person's latest current assessment on this form completed before this one."""
        person_key = keys.person_key(self.key_secret)
        if person_key is None or keys.completed is None:
            return None
        with self._reading() as s:
            return pick_previous(self._candidates(s, keys.form_id, person_key), keys.completed, exclude)

    @staticmethod
    def _candidates(s: Session, form_id: str, person_key: str) -> list[PreviousAssessment]:
        rows = s.execute(
            sa.select(SubmissionRecord.id, SubmissionRecord.date_completed, AssessmentRecord.level,
                      AssessmentRecord.label)
            .join(AssessmentRecord, AssessmentRecord.submission_id == SubmissionRecord.id)
            .where(SubmissionRecord.form_id == form_id, SubmissionRecord.person_key == person_key,
                   SubmissionRecord.is_current.is_(True), SubmissionRecord.date_completed.is_not(None)))
        return [PreviousAssessment(rid, done, level, label) for rid, done, level, label in rows]

    def record(self, sub: NewSubmission) -> Recorded:
        """Record one good file in one transaction: a new assessment, a new revision of one, or known."""
        for _ in range(RETRIES):
            try:
                return self._record_once(sub)
            except IntegrityError:
                pass  # lost a race: with another ingest of this file, or of a revision of this assessment
            except (SQLAlchemyError, UnicodeError) as exc:
                raise _refused(exc, sub.source_path) from None
            with self._reading() as s:
                already = self._known_one(s, sub.sha256)
            if already is not None:
                return already
        raise StoreError(f"could not record this form after {RETRIES} tries (other ingests kept recording "
                         "revisions of the same assessment); run the ingest again", sub.source_path)

    def _record_once(self, sub: NewSubmission) -> Recorded:
        keys = sub.keys
        person_key, assessment_key = keys.person_key(self.key_secret), keys.assessment_key(self.key_secret)
        with self._writing() as s:
            existing = self._known_one(s, sub.sha256)
            if existing is not None:
                return existing
            revision, supersedes = 1, None
            if assessment_key is not None:
                by_key = SubmissionRecord.assessment_key == assessment_key
                revision = (s.scalar(sa.select(sa.func.max(SubmissionRecord.revision)).where(by_key)) or 0) + 1
                supersedes = s.scalar(sa.select(SubmissionRecord.id).where(by_key, SubmissionRecord.is_current))
                s.execute(sa.update(SubmissionRecord).where(by_key).values(is_current=False))
            row = SubmissionRecord(
                sha256=sub.sha256, source_path=sub.source_path, ingested_at=datetime.now(timezone.utc),
                form_id=sub.form_id, form_version=sub.form_version, layout_hash=sub.layout_hash,
                instance_id=sub.instance_id, flattened=sub.flattened, status=sub.status, review_reasons=sub.review,
                warnings=sub.warnings, stamped_path=sub.stamped_path, name_key=keys.name, dob=keys.dob,
                date_completed=keys.completed, agency_key=keys.agency, person_key=person_key,
                assessment_key=assessment_key, revision=revision, is_current=True)
            s.add(row)
            s.flush()
            s.add(assessment_row(row.id, sub.assessment))
            # Core, not ORM, insert: one executemany for the ~150 rows instead of ORM batches (issue 5)
            s.execute(ValueRecord.__table__.insert(), value_rows(row.id, sub.values, sub.field_types))
            s.execute(sa.delete(FailureRecord).where(FailureRecord.sha256 == sub.sha256))  # it reads now
            return Recorded(row.id, known=False, revision=revision, supersedes=supersedes)

    @staticmethod
    def _known_one(s: Session, sha256: str) -> Recorded | None:
        row = s.execute(sa.select(SubmissionRecord.id, SubmissionRecord.stamped_path)
                        .where(SubmissionRecord.sha256 == sha256)).first()
        return None if row is None else Recorded(row.id, known=True, stamped_path=row.stamped_path)

    def record_failure(self, source_path: str, sha256: str | None, reason: str, exit_code: int,
                       quarantined_path: str | None) -> None:
        """Note a file set aside; the same file failing again counts another attempt, not another row."""
        now = datetime.now(timezone.utc)
        for _ in range(RETRIES):
            try:
                with self._writing() as s:
                    # a file never read (over the size limit, gone) has no hash: it is the same failure by path
                    same = (FailureRecord.sha256 == sha256 if sha256 is not None else
                            sa.and_(FailureRecord.sha256.is_(None), FailureRecord.source_path == source_path))
                    row = s.scalars(sa.select(FailureRecord).where(same).limit(1)).first()
                    if row is None:
                        s.add(FailureRecord(sha256=sha256, source_path=source_path, reason=reason,
                                            exit_code=int(exit_code), quarantined_path=quarantined_path,
                                            first_failed_at=now, last_failed_at=now, attempts=1))
                    else:
                        row.source_path, row.reason, row.exit_code = source_path, reason, int(exit_code)
                        row.quarantined_path, row.last_failed_at = quarantined_path, now
                        row.attempts += 1
                return
            except IntegrityError:
                continue  # another ingest noted the same file first: count this attempt on its row
            except (SQLAlchemyError, UnicodeError) as exc:
                raise _refused(exc, source_path) from None
        raise StoreError("could not note this failure in the database; run the ingest again", source_path)

    # ---- list, show, export ------------------------------------------------------------------

    def records(self, form: str | None = None, name: str | None = None,
                include_superseded: bool = False) -> list[RecordSummary]:
        """Records in form, date completed, id order; by default only current revisions."""
        q = (sa.select(SubmissionRecord, AssessmentRecord)
             .join(AssessmentRecord, AssessmentRecord.submission_id == SubmissionRecord.id)
             .order_by(SubmissionRecord.form_id, SubmissionRecord.date_completed, SubmissionRecord.id))
        if form:
            q = q.where(SubmissionRecord.form_id == form)
        if name is not None:
            q = q.where(SubmissionRecord.name_key == normalise_name(name))
        if not include_superseded:
            q = q.where(SubmissionRecord.is_current.is_(True))
        with self._reading() as s:
            return [RecordSummary(sub.id, sub.form_id, sub.date_completed, a.level, a.label, sub.status,
                                  sub.revision, sub.is_current) for sub, a in s.execute(q)]

    def field_texts(self, field_ids: Iterable[str]) -> dict[tuple[int, str], str]:
        """(record, field id) → the text as read, for a few fields of every record: what `list` needs to tell
        apart young people with one name (their name and date of birth as typed), read in one query."""
        wanted = sorted(set(field_ids))
        if not wanted:
            return {}
        with self._reading() as s:
            rows = s.execute(sa.select(ValueRecord.submission_id, ValueRecord.field_id, ValueRecord.value_text)
                             .where(ValueRecord.field_id.in_(wanted), ValueRecord.value_text.is_not(None)))
            return {(rid, fid): text for rid, fid, text in rows}

    def failures(self) -> list[FailureRecord]:
        with self._reading() as s:
            rows = list(s.scalars(sa.select(FailureRecord).order_by(FailureRecord.id)))
            s.expunge_all()
            return rows

    def record_detail(self, record_id: int) -> dict[str, Any] | None:
        """Everything recorded about one submission, as JSON-ready data; None if there is no such record."""
        with self._reading() as s:
            got = s.execute(sa.select(SubmissionRecord, AssessmentRecord)
                            .join(AssessmentRecord, AssessmentRecord.submission_id == SubmissionRecord.id)
                            .where(SubmissionRecord.id == record_id)).first()
            if got is None:
                return None
            sub, a = got[0], recorded_of(got[1])
            values = {v.field_id: _as_read(v) for v in s.scalars(
                sa.select(ValueRecord).where(ValueRecord.submission_id == record_id))}
            revisions = [] if sub.assessment_key is None else [
                {"record": rid, "revision": rev, "current": cur, "ingested_at": iso_time(at)}
                for rid, rev, cur, at in s.execute(
                    sa.select(SubmissionRecord.id, SubmissionRecord.revision, SubmissionRecord.is_current,
                              SubmissionRecord.ingested_at)
                    .where(SubmissionRecord.assessment_key == sub.assessment_key)
                    .order_by(SubmissionRecord.revision))]
            previous = (pick_previous(self._candidates(s, sub.form_id, sub.person_key), sub.date_completed,
                                      exclude=sub.id) if sub.person_key else None)
        return {
            "record": sub.id,
            "form": {"id": sub.form_id, "version": sub.form_version, "instance": sub.instance_id,
                     "layout_hash": sub.layout_hash},
            "file": {"sha256": sub.sha256, "source": sub.source_path, "stamped": sub.stamped_path},
            "ingested_at": iso_time(sub.ingested_at),
            "flattened": sub.flattened,
            "status": sub.status,
            "review": [{"code": c, "reason": d} for c, d in zip(sub.review_reasons, describe(sub.review_reasons))],
            "warnings": sub.warnings,
            "date_completed": sub.date_completed.isoformat() if sub.date_completed else None,
            "revision": sub.revision,
            "current": sub.is_current,
            "revisions": revisions,
            "previous": None if previous is None else previous.to_dict(a.level),
            "assessment": a.to_dict(),
            "values": values,
        }

    def current_assessments(self, form: str | None = None) -> list[ExportRecord]:
        """One row per current assessment (the latest revision of each), oldest first, with its previous."""
        q = (sa.select(SubmissionRecord, AssessmentRecord)
             .join(AssessmentRecord, AssessmentRecord.submission_id == SubmissionRecord.id)
             .where(SubmissionRecord.is_current.is_(True))
             .order_by(SubmissionRecord.form_id, SubmissionRecord.date_completed, SubmissionRecord.id))
        if form:
            q = q.where(SubmissionRecord.form_id == form)
        with self._reading() as s:
            rows = [ExportRecord(sub, recorded_of(a), {}, {}) for sub, a in s.execute(q)]
            by_id = {r.submission.id: r for r in rows}
            ids = list(by_id)
            for i in range(0, len(ids), _CHUNK):
                for v in s.scalars(sa.select(ValueRecord).where(ValueRecord.submission_id.in_(ids[i:i + _CHUNK]))):
                    r = by_id[v.submission_id]
                    r.field_types[v.field_id] = v.field_type
                    r.values[v.field_id] = _typed(v)
                    if v.field_type == "date" and v.value_text and v.value_date is None:
                        r.unreadable_dates.append(v.field_id)
            s.expunge_all()
        people: dict[tuple[str, str], list[PreviousAssessment]] = defaultdict(list)
        for r in rows:
            sub = r.submission
            if sub.person_key and sub.date_completed:
                people[(sub.form_id, sub.person_key)].append(
                    PreviousAssessment(sub.id, sub.date_completed, r.assessment.level, r.assessment.label))
        for r in rows:
            sub = r.submission
            if sub.person_key:
                r.previous = pick_previous(people[(sub.form_id, sub.person_key)], sub.date_completed, exclude=sub.id)
        return rows


def assessment_row(submission_id: int, assessment: Assessment) -> AssessmentRecord:
    """The one way an assessment goes into the database (`recorded_of` is the way back). Flags keep their
    words (shown) and, beside them, the index of the rule that raised each (counted by the report)."""
    a = assessment.recorded()
    return AssessmentRecord(
        submission_id=submission_id, level=a.level, label=a.label, base_level=a.base_level, total=a.total,
        answered=a.answered, stated_level=a.stated_level, stated_label=a.stated_label,
        stated_differs=a.stated_differs, domains=dict(a.domains), reasons=[asdict(r) for r in a.reasons],
        flags=list(a.flags), flag_rules=None if a.flag_rules is None else list(a.flag_rules), advice=list(a.advice),
        unanswered=list(a.unanswered), problems=list(a.problems))


def recorded_of(row: AssessmentRecord) -> RecordedAssessment:
    """An assessment as recorded, from its database row: the one way back (see `assessment_row`)."""
    return RecordedAssessment(
        level=row.level, label=row.label, base_level=row.base_level, total=row.total, answered=row.answered,
        domains=dict(row.domains or {}), reasons=tuple(Reason(**r) for r in row.reasons), flags=tuple(row.flags),
        flag_rules=None if row.flag_rules is None else tuple(row.flag_rules), advice=tuple(row.advice),
        unanswered=tuple(row.unanswered), stated_level=row.stated_level, stated_label=row.stated_label,
        stated_differs=row.stated_differs, problems=tuple(row.problems))


def _refused(exc: BaseException, where: str) -> StoreError:
    """One file's write that the database refused (a value it cannot hold, a lost connection): that file
    fails with one line, and the batch goes on. Only the error's class is shown: its text can quote values."""
    kind = type(getattr(exc, "orig", None) or exc).__name__
    return StoreError(f"could not be recorded: the database refused to store it ({kind}); the file is set aside "
                      "and the others go on; check the database, then ingest it again", where)


def value_rows(submission_id: int, values: Mapping[str, Any], field_types: Mapping[str, str]) -> list[dict]:
    """A row per field: the text as read, and a typed column where the field has one."""
    rows = []
    for fid, v in values.items():
        ftype = field_types.get(fid, "text")
        row: dict[str, Any] = {"submission_id": submission_id, "field_id": fid, "field_type": ftype,
                               "value_text": None, "value_bool": None, "value_date": None}
        if isinstance(v, bool):
            row["value_bool"], row["value_text"] = v, "true" if v else "false"
        elif v is not None:
            row["value_text"] = storable_text(str(v))  # as read.Response made it; the same for any other caller
            if ftype == "date":
                row["value_date"] = read_date(str(v))
        rows.append(row)
    return rows


def _text(v: ValueRecord) -> str | None:
    """The text as recorded, storable (storable.py) even if recorded by an older cse-pdf: `show` prints it to
    a terminal (no C1 control may reach one) and every export format takes it."""
    return None if v.value_text is None else storable_text(v.value_text)


def _as_read(v: ValueRecord) -> Any:
    """The value as `cse-pdf read` prints it."""
    return v.value_bool if v.field_type == "checkbox" else _text(v)


def _typed(v: ValueRecord) -> Any:
    if v.field_type == "checkbox":
        return v.value_bool
    if v.field_type == "date":
        return v.value_date
    return _text(v)


def iso_time(at: datetime | None) -> str | None:
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).isoformat(timespec="seconds")
