"""The review loop (issue 17): managers agree a record's level, return it to the worker, or comment.

Every step is an appended event (store.review_events); the state of a record's review is derived from
its events each time (states.py), and who must agree is declared per form in its layout (`review:`).

    from cse_pdf.agreement import agree, review_queue
    agree(store, 12, level=2, role="team-manager", by="A. Manager", note="…")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Where each public name lives. Loaded on first use (PEP 562): every `cse-pdf` command imports the CLI, and
# `users` needs only `Role`; loading the actions here would pull in the store (SQLAlchemy, Alembic) and cost
# every command, `generate` included, about half a second of start-up.
_HOMES = {
    "agree": "actions", "comment": "actions", "record_opened": "actions", "return_to_worker": "actions",
    "QueueItem": "queue", "item_order": "queue", "pick": "queue", "queue_counts": "queue", "queue_items": "queue",
    "review_queue": "queue",
    "audit_trail": "reading", "record_review": "reading", "reviews_for": "reading",
    "Agreement": "review", "RecordReview": "review",
    "Role": "roles", "parse_role": "roles",
    "ReviewState": "states",
}
_FROM_STORE = {"EventKind": "EventKind", "ReviewEvent": "ReviewEvent", "Event": "ReviewEvent"}

if TYPE_CHECKING:
    from cse_pdf.agreement.actions import agree, comment, record_opened, return_to_worker
    from cse_pdf.agreement.queue import QueueItem, item_order, pick, queue_counts, queue_items, review_queue
    from cse_pdf.agreement.reading import audit_trail, record_review, reviews_for
    from cse_pdf.agreement.review import Agreement, RecordReview
    from cse_pdf.agreement.roles import Role, parse_role
    from cse_pdf.agreement.states import ReviewState
    from cse_pdf.store.review_events import EventKind, ReviewEvent

    Event = ReviewEvent


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        value = getattr(importlib.import_module(f"cse_pdf.agreement.{_HOMES[name]}"), name)
    elif name in _FROM_STORE:
        value = getattr(importlib.import_module("cse_pdf.store.review_events"), _FROM_STORE[name])
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = ["Agreement", "Event", "EventKind", "QueueItem", "RecordReview", "ReviewEvent", "ReviewState", "Role",
           "agree", "audit_trail", "comment", "item_order", "parse_role", "pick", "queue_counts", "queue_items",
           "record_opened", "record_review", "return_to_worker", "review_queue", "reviews_for"]
