"""The database of ingested forms: SQLite by default, PostgreSQL by URL, one schema, migrated on open.

    from cse_pdf.store import Store
    with Store.open("postgresql://…") as store: ...
"""

from cse_pdf.store.engine import ENV_VAR, default_db_path, resolve_url
from cse_pdf.store.repository import ExportRecord, NewSubmission, Recorded, RecordSummary, Store

__all__ = ["ENV_VAR", "ExportRecord", "NewSubmission", "RecordSummary", "Recorded", "Store", "default_db_path",
           "resolve_url"]
