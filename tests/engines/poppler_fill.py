"""Fill an AcroForm through Poppler (Evince/Okular's engine) by running poppler_worker.py.

poppler-glib is reachable only through GObject introspection, which Debian ships for the
system interpreter (`gir1.2-poppler-0.18` + `python3-gi`), not for the Python running
pytest. So the widget facts poppler-glib does not expose (radio kids' on-states, choice
export values) are read here with pypdf and handed to the worker, which fills through
Poppler's own form API (`text_set_text`, `button_set_state`, `choice_select_item`) and
saves with `Document.save`, so the file shows what Poppler-based viewers really write.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

SYSTEM_PYTHON = "/usr/bin/python3"
WORKER = Path(__file__).resolve().with_name("poppler_worker.py")
PROBE = "import gi; gi.require_version('Poppler', '0.18'); from gi.repository import Poppler"


def _poppler_problem() -> str | None:
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"{SYSTEM_PYTHON} not found"
    proc = subprocess.run([SYSTEM_PYTHON, "-c", PROBE], capture_output=True, text=True, timeout=60, check=False)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return (f"{SYSTEM_PYTHON} cannot import gi Poppler 0.18 ({last}): "
                "apt-get install gir1.2-poppler-0.18 python3-gi")
    return None


def require_poppler() -> None:
    """Skip when the system python lacks gi + Poppler 0.18, but fail under CI so gaps are not hidden."""
    import pytest

    problem = _poppler_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"Poppler harness unavailable under CI: {problem}")
        pytest.skip(f"Poppler harness unavailable: {problem}")


def _inherited(node: Any, key: str) -> Any:
    for _ in range(32):
        if node is None:
            return None
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return None


def _qualified_name(node: Any) -> str:
    parts = []
    for _ in range(32):
        if node is None:
            break
        if "/T" in node:
            parts.append(str(node["/T"]))
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return ".".join(reversed(parts))


def _on_state(widget: DictionaryObject) -> str:
    ap = widget.get("/AP")
    normal = ap.get_object().get("/N") if ap is not None else None
    normal = normal.get_object() if normal is not None else None
    names = [str(k)[1:] for k in normal.keys()] if isinstance(normal, DictionaryObject) else []
    return next((n for n in names if n != "Off"), "")


def widget_facts(src: Path) -> tuple[dict[str, list[dict]], dict[str, list[str]]]:
    """Radio widgets (page, /Rect, on-state) in page-annotation order, and choice export values."""
    reader = PdfReader(src)
    radios: dict[str, list[dict]] = {}
    choices: dict[str, list[str]] = {}
    for p, page in enumerate(reader.pages):
        annots = page.get("/Annots")
        for ref in annots.get_object() if annots is not None else []:
            widget = ref.get_object()
            if not isinstance(widget, DictionaryObject) or widget.get("/Subtype") != "/Widget":
                continue
            name = _qualified_name(widget)
            ft = _inherited(widget, "/FT")
            flags = int(_inherited(widget, "/Ff") or 0)
            if ft == "/Btn" and flags & (1 << 15):
                rect = [float(x) for x in widget["/Rect"]]
                radios.setdefault(name, []).append({"page": p, "rect": rect, "on": _on_state(widget)})
            elif ft == "/Ch" and name not in choices:
                opts = _inherited(widget, "/Opt") or []
                choices[name] = [str(o[0] if isinstance(o, ArrayObject) and o else o) for o in opts]
    return radios, choices


def fill_with_poppler(src: Path, dst: Path, values: dict[str, str | bool | None]) -> None:
    """Fill ``src`` with ``values`` (by fully qualified name) via Poppler; save to ``dst``.

    Text: str (None/"" clears). Checkbox: bool. Radio: the kid's on-state name.
    Combo/list: an option's export value or label. Raises RuntimeError with the
    worker's stderr when it fails (e.g. unknown field or option).
    """
    radios, choices = widget_facts(Path(src))
    with tempfile.TemporaryDirectory() as tmp:
        # Poppler maps the file it opened: work on copies, so dst may equal src.
        work_src, work_dst = Path(tmp) / "in.pdf", Path(tmp) / "out.pdf"
        shutil.copyfile(src, work_src)
        spec = Path(tmp) / "values.json"
        spec.write_text(json.dumps({"values": values, "radios": radios, "choices": choices}), encoding="utf-8")
        proc = subprocess.run(
            [SYSTEM_PYTHON, str(WORKER), str(work_src), str(work_dst), str(spec)],
            capture_output=True, text=True, timeout=120, check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"poppler_worker.py failed ({proc.returncode}):\n{proc.stderr.strip()}")
        shutil.copyfile(work_dst, dst)
