"""The report's tables as CSV files, for a spreadsheet: one file per table, and an index of them.

Each table is `FORM-ID--TABLE-ID.csv` with the columns Category, Count, Percent
and a last row with the total (or, where an assessment can count in several rows,
the number of assessments counted). Counts are published exactly as in the report:
"<5" and "*" stay as they are. Every field is quoted and no text can start a
formula in a spreadsheet (see `cse_pdf.base.csv_safe`), whichever delimiter it is read with. `index.csv` lists every table with its title, what
its rows add up to, and whether small numbers are suppressed.
"""

from __future__ import annotations

from pathlib import Path

from cse_pdf.base.csv_safe import encode_rows
from cse_pdf.base.private_files import check_output, check_output_dir, write_output
from cse_pdf.report.model import Report


def _encode(rows: list[list[str]]) -> bytes:
    return encode_rows(rows)  # every field quoted, no formula (an agency's name is typed by someone else)


def write_csv(report: Report, folder: Path, force: bool = False) -> list[Path]:
    """Write every published table; returns the files written (index first).

    `folder` is made if missing (its parent must exist); every file is checked before any is written, so a
    table that exists (without `force`) or a place that cannot be written leaves the folder as it was."""
    check_output_dir(folder)
    written: list[Path] = []
    contents: dict[Path, bytes] = {}
    index = [["File", "Form", "Table", "Rows add up to the total", "Assessments", "Small numbers suppressed",
              "Period"]]
    for section in report.sections:
        for t in section.tables:
            name = f"{section.form_id}--{t.id}.csv"
            if t.withheld:
                rows = [["Category", "Count", "Percent"], ["Not shown: too few assessments", "*", ""]]
            else:
                rows = [["Category", "Count", "Percent"]] + [[r.label, r.shown, r.percent] for r in t.rows]
                rows.append(["Total" if t.partition else "Assessments counted", str(t.base),
                             "100%" if t.partition else ""])
            path = folder / name
            contents[path] = _encode(rows)
            written.append(path)
            index.append([name, section.form_id, t.title, "yes" if t.partition else "no", str(t.base),
                          "yes" if report.suppression else "NO: internal use only", report.period])
    path = folder / "index.csv"
    contents[path] = _encode(index)
    for target in contents:
        check_output(target, force)
    for target, data in contents.items():
        write_output(target, data, force)
    return [path, *written]
