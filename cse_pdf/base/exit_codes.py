"""Every exit code a cse-pdf command can return, named once.

The README's table lists exactly these (tests/test_exit_codes_documented.py): a script that checks
`$?` can rely on each one meaning the same in every command."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # success; for ingest: every file ingested, already known or skipped as cse-pdf's own copy
    REFUSED = 1  # a refusal that fits no class below (purge not confirmed, no password given)
    BAD_FILE = 2  # a file that is not a usable returned form; for ingest, some files failed; click's usage error
    BAD_LAYOUT_OR_VALUES = 3  # a bad layout or bad values (prefill, a report or purge date, skipped agency rows)
    NEEDS_REVIEW = 4  # ingest: recorded, but some forms need review
    DATABASE = 5  # the database cannot be opened, created, upgraded or used, or does not exist
    NOT_SENT = 6  # distribute: some messages could not be sent or written
    CANNOT_WRITE = 7  # an output exists (no --force), its folder is missing, it is read-only, or the disk is full
    REVIEW_REFUSED = 8  # agree, return, comment or audit refused: no such record, a bad level, role or person, a rule
    INTERNAL_ERROR = 70  # a bug in cse-pdf, whatever the input (EX_SOFTWARE)
    INTERRUPTED = 130  # stopped with Ctrl-C (128 + SIGINT); for ingest, what finished is recorded
    BROKEN_PIPE = 141  # what read the output went away (128 + SIGPIPE): stopped quietly
