"""The review loop in the terminal: review (the queue), agree, return, comment, audit."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from cse_pdf.base.safe_names import printable
from cse_pdf.cli.common import DB_OPTION, dump, open_store

if TYPE_CHECKING:
    from cse_pdf.agreement import RecordReview

STATES = ("needs-review", "awaiting-agreement", "agreed", "returned", "superseded")
ROLE_HELP = "team-manager or cse-prevention-manager (or the label: \"Team Manager\")."


def _when(at: datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


def _roles(roles: tuple) -> str:
    return ", ".join(r.label for r in roles) or "-"


def outcome(review: "RecordReview") -> str:
    """Where the record stands after a step: its state, then what it waits for or what was agreed."""
    if review.agreed_level is not None:
        return f"{review.state.label}: level {review.agreed_level} ({review.agreed_label})"
    if review.waiting_for:
        return f"{review.state.label}, waiting for {_roles(review.waiting_for)}"
    return review.state.label


def review_json(review: "RecordReview") -> dict[str, Any]:
    """A record's review as `show` prints it: suggested, stated and agreed levels side by side."""
    days = review.days_to_agreement
    return {
        "state": review.state.value,
        "required": [r.value for r in review.required],
        "waiting_for": [r.value for r in review.waiting_for],
        "agreements": [{"role": a.role.value, "by": a.actor, "level": a.level, "label": a.label,
                        "at": a.at.isoformat(timespec="seconds"), "note": a.note} for a in review.agreements],
        "agreed_level": review.agreed_level,
        "agreed_label": review.agreed_label,
        "agreed_at": review.agreed_at.isoformat(timespec="seconds") if review.agreed_at else None,
        "days_to_agreement": None if days is None else round(days, 1),
        "returned_reason": review.returned_reason,
    }


@click.command()
@DB_OPTION
@click.option("--form", metavar="ID", help="Only this form.")
@click.option("--state", type=click.Choice(STATES), help="Only records in this state (default: every state that "
              "waits on someone: needs-review, awaiting-agreement, returned).")
@click.option("--agency", metavar="NAME", help="Only records from this agency (compared as ingest compares names).")
def review(db: str | None, form: str | None, state: str | None, agency: str | None) -> None:
    """The review queue: what is waiting, for whom, and since when, oldest first (record ids, never names)."""
    from cse_pdf.agreement import review_queue
    from cse_pdf.form.catalog import find_form

    if form:
        find_form(form)  # an unknown id is refused, not listed as an empty queue
    with open_store(db) as store:
        items = review_queue(store, form=form, state=state, agency=agency)
    click.echo("record\tform\tstate\twaiting for\tsince\tsuggested\tstated\tagency\treasons")
    for i in items:
        stated = "-" if i.stated_level is None else str(i.stated_level)
        reasons = printable("; ".join(i.reasons)) or "-"
        click.echo(f"{i.record_id}\t{i.form_id}\t{i.state.label}\t{_roles(i.waiting_for)}\t{_when(i.since)}\t"
                   f"{i.suggested_level}\t{stated}\t{printable(i.agency or '-')}\t{reasons}")


@click.command()
@click.argument("record", type=int)
@click.option("--level", required=True, metavar="LEVEL", help="One of the form's levels, by number or label.")
@click.option("--role", required=True, metavar="ROLE", help=ROLE_HELP)
@click.option("--by", "by", required=True, metavar="NAME", help="Who agrees: your name or user name.")
@click.option("--note", metavar="TEXT", help="Why: required when the level differs from the suggested one or the "
              "worker's.")
@DB_OPTION
def agree(record: int, level: str, role: str, by: str, note: str | None, db: str | None) -> None:
    """Agree RECORD's level in one role; each role the form names agrees once, each a different person."""
    from cse_pdf.agreement import agree as agree_level

    with open_store(db) as store:
        done = agree_level(store, record, level=level, role=role, by=by, note=note)
    mine = done.agreements[-1]
    click.echo(f"record {record}: {mine.role.label} agreed level {mine.level} ({mine.label}); {outcome(done)}")


@click.command(name="return")
@click.argument("record", type=int)
@click.option("--reason", required=True, metavar="TEXT", help="What the worker is to do (shown to them).")
@click.option("--by", "by", required=True, metavar="NAME", help="Who returns it: your name or user name.")
@click.option("--role", metavar="ROLE", help=ROLE_HELP)
@DB_OPTION
def return_command(record: int, reason: str, by: str, role: str | None, db: str | None) -> None:
    """Return RECORD to the worker; it stays returned until a newer revision of it is ingested."""
    from cse_pdf.agreement import return_to_worker

    with open_store(db) as store:
        done = return_to_worker(store, record, reason=reason, by=by, role=role)
    click.echo(f"record {record}: {outcome(done)}")


@click.command()
@click.argument("record", type=int)
@click.argument("text")
@click.option("--by", "by", required=True, metavar="NAME", help="Who comments: your name or user name.")
@click.option("--role", metavar="ROLE", help=ROLE_HELP)
@DB_OPTION
def comment(record: int, text: str, by: str, role: str | None, db: str | None) -> None:
    """Add a comment to RECORD's review; a comment is never edited or deleted."""
    from cse_pdf.agreement import comment as add_comment

    with open_store(db) as store:
        done = add_comment(store, record, text, by=by, role=role)
    click.echo(f"record {record}: comment added; {outcome(done)}")


@click.command()
@click.argument("record", type=int)
@click.option("--json", "as_json", is_flag=True, help="As JSON, one object per event.")
@DB_OPTION
def audit(record: int, as_json: bool, db: str | None) -> None:
    """Every event of RECORD's review, oldest first: when, what, which role, who (never the young person)."""
    from cse_pdf.agreement import Role, audit_trail

    with open_store(db) as store:
        events = audit_trail(store, record)
    if as_json:
        dump([{"record": e.record_id, "at": e.at.isoformat(timespec="seconds"), "kind": e.kind.value,
               "role": e.role, "actor": e.actor, "level": e.level, "text": e.text} for e in events])
        return
    click.echo("at\tevent\trole\tby\tlevel\ttext")
    labels = {r.value: r.label for r in Role}
    for e in events:
        click.echo(f"{_when(e.at)}\t{e.kind.value}\t{labels.get(e.role, e.role or '-')}\t{printable(e.actor)}\t"
                   f"{'-' if e.level is None else e.level}\t{printable(e.text or '-')}")
