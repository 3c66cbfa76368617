"""Fill an AcroForm through pdf.js (Firefox's engine) by running pdfjs_fill.mjs in Node.

pdf.js's own save path (annotationStorage + saveDocument) is used, so the file
shows what Firefox really writes. Needs `node` and `npm ci` in this folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SCRIPT = Path(__file__).resolve().with_name("pdfjs_fill.mjs")


def require_pdfjs() -> None:
    """Skip when node/pdfjs-dist are missing, but fail under CI so gaps are not hidden."""
    import pytest

    problem = None
    if shutil.which("node") is None:
        problem = "node is not on PATH"
    elif not (SCRIPT.parent / "node_modules" / "pdfjs-dist").is_dir():
        problem = "tests/engines/node_modules missing: run `npm ci` in tests/engines"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"pdf.js harness unavailable under CI: {problem}")
        pytest.skip(f"pdf.js harness unavailable: {problem}")


def fill_with_pdfjs(src: Path, dst: Path, values: dict[str, str | bool | None]) -> None:
    """Fill ``src`` with ``values`` (by fully qualified name) via pdf.js; save to ``dst``.

    Text: str (None/"" clears). Checkbox: bool. Radio: the kid's on-state name.
    Combo/list: an option's export value or label. Raises RuntimeError with
    node's stderr when the script fails (e.g. unknown field or option).
    """
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "values.json"
        spec.write_text(json.dumps(values), encoding="utf-8")
        proc = subprocess.run(
            ["node", str(SCRIPT), str(src), str(dst), str(spec)],
            capture_output=True, text=True, timeout=120, check=False,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"pdfjs_fill.mjs failed ({proc.returncode}):\n{proc.stderr.strip()}")


LIVE_SCRIPT = SCRIPT.with_name("pdfjs_live.mjs")

Step = tuple[str, str | bool]


def fill_live_with_pdfjs(src: Path, dst: Path, steps: list[Step]) -> dict:
    """Do ``steps`` in order in pdf.js with its scripting sandbox on (as Firefox does); save to ``dst``.

    A step is (field name, value): text or a D/M/YYYY date as str, checkbox bool, radio on-state.
    The same name twice is a change of mind. Returns pdfjs_live.mjs's report: the calculated
    fields' values as saved, alerts, sandbox errors, timings. Raises RuntimeError on failure.
    """
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "job.json"
        spec.write_text(json.dumps({"steps": [{"name": n, "value": v} for n, v in steps]}), encoding="utf-8")
        proc = subprocess.run(
            ["node", str(LIVE_SCRIPT), str(src), str(dst), str(spec)],
            capture_output=True, text=True, timeout=120, check=False,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"pdfjs_live.mjs failed ({proc.returncode}):\n{proc.stderr.strip()}")
    return json.loads(proc.stdout.strip().splitlines()[-1])
