"""The review loop (issue 17): managers agree a record's level, return it to the worker, or comment.

Every step is an appended event (store.review_events); the state of a record's review is derived from
its events each time (states.py), and who must agree is declared per form in its layout (`review:`).

    from cse_pdf.agreement import agree, review_queue
    agree(store, 12, level=2, role="team-manager", by="A. Manager", note="…")
"""

from cse_pdf.agreement.actions import agree, comment, record_opened, return_to_worker
from cse_pdf.agreement.queue import QueueItem, item_order, pick, queue_counts, queue_items, review_queue
from cse_pdf.agreement.reading import audit_trail, record_review, reviews_for
from cse_pdf.agreement.review import Agreement, RecordReview
from cse_pdf.agreement.roles import Role, parse_role
from cse_pdf.agreement.states import ReviewState
from cse_pdf.store.review_events import EventKind, ReviewEvent

Event = ReviewEvent

__all__ = ["Agreement", "Event", "EventKind", "QueueItem", "RecordReview", "ReviewEvent", "ReviewState", "Role",
           "agree", "audit_trail", "comment", "item_order", "parse_role", "pick", "queue_counts", "queue_items",
           "record_opened", "record_review", "return_to_worker", "review_queue", "reviews_for"]
