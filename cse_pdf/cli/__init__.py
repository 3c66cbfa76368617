"""The `cse-pdf` command: one click group, its commands in one module per kind of work.

Each command parses its options, calls the library, and prints; failures are raised, and the group's
one error boundary (`boundary.BoundaryGroup`) turns them into one line and an exit code.

- forms.py: forms, fields, generate, read, score, stamp (forms and single files)
- records.py: ingest, list, show, export, purge (the database of recorded forms)
- outreach.py: distribute, returns (partner agencies)
- report.py: report (the Board's report)
- review.py: review, agree, return, comment, audit (the managers' review loop)
- users.py: users add|list|disable, serve (the web app)
"""

from __future__ import annotations

import click

from cse_pdf.cli import forms, outreach, records, report, review, users
from cse_pdf.cli.boundary import BoundaryGroup


@click.group(cls=BoundaryGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cse-pdf")
def main() -> None:
    """Fillable PDF forms for CSE risk assessment: generate blanks, read returned forms, score and stamp them."""


for command in (forms.forms, forms.fields, forms.generate, forms.read, forms.score, forms.stamp,
                records.ingest, records.list_records, records.show, outreach.distribute, outreach.returns,
                records.export_command, records.purge, report.report, review.review, review.agree,
                review.return_command, review.comment, review.audit, users.users, users.serve):
    main.add_command(command)
