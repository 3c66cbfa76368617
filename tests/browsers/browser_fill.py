"""Fill a form in the REAL browser PDF viewers, as a worker would, and keep what the viewer saves.

Chromium's built-in viewer (PDFium) and Firefox ESR's built-in pdf.js are driven by the node
scripts next to this file through npm ``puppeteer-core`` (which never downloads a browser: it
uses Debian's ``chromium`` / ``firefox-esr``). The scripts only click and type: where to click is
worked out here with pypdf from the widgets' rectangles, so the node side knows nothing of forms.

Opt in with ``CSE_PDF_BROWSERS=1`` (CI turns it on after ``tests/browsers/install.sh``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import DictionaryObject

HERE = Path(__file__).resolve().parent
SWITCH = "CSE_PDF_BROWSERS"
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
FIREFOX_CANDIDATES = ("/usr/lib/firefox-esr/firefox-esr", "/usr/bin/firefox-esr")

Value = str | bool


def _first_existing(paths: tuple[str, ...]) -> str | None:
    return next((p for p in paths if Path(p).is_file() and os.access(p, os.X_OK)), None)


def chromium_path() -> str | None:
    return os.environ.get("CSE_PDF_CHROMIUM") or _first_existing(CHROMIUM_CANDIDATES)


def firefox_path() -> str | None:
    return os.environ.get("CSE_PDF_FIREFOX") or _first_existing(FIREFOX_CANDIDATES)


def require_browsers() -> None:
    """Skip unless CSE_PDF_BROWSERS=1; with the switch on, anything missing is a failure."""
    import pytest

    if os.environ.get(SWITCH) != "1":
        pytest.skip(f"real-browser tests are opt-in: set {SWITCH}=1 (after tests/browsers/install.sh)")
    problems = []
    if shutil.which("node") is None:
        problems.append("node is not on PATH")
    if not (HERE / "node_modules" / "puppeteer-core").is_dir():
        problems.append("tests/browsers/node_modules missing: run `npm ci --prefix tests/browsers`")
    if chromium_path() is None:
        problems.append("chromium missing: apt-get install -y chromium")
    if firefox_path() is None:
        problems.append("firefox-esr missing: apt-get install -y firefox-esr")
    if problems:
        pytest.fail(f"{SWITCH}=1 but the real browsers are not ready: " + "; ".join(problems))


# ---------------------------------------------------------------------------------------------
# Where each field's widgets are, from the PDF itself


def _inherited(obj: DictionaryObject, key: str):
    seen = 0
    while obj is not None and seen < 64:
        if key in obj:
            return obj[key]
        parent = obj.get("/Parent")
        obj = parent.get_object() if parent is not None else None
        seen += 1
    return None


def _qualified_name(obj: DictionaryObject) -> str:
    parts = []
    seen = 0
    while obj is not None and seen < 64:
        if "/T" in obj:
            parts.append(str(obj["/T"]))
        parent = obj.get("/Parent")
        obj = parent.get_object() if parent is not None else None
        seen += 1
    return ".".join(reversed(parts))


def widget_map(src: Path) -> dict[str, dict]:
    """Fully qualified field name → its type, flags, options and widgets (page, rect, on-state, id)."""
    reader = PdfReader(str(src))
    fields: dict[str, dict] = {}
    for page_index, page in enumerate(reader.pages):
        box = page.mediabox
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if annot.get("/Subtype") != "/Widget":
                continue
            name = _qualified_name(annot)
            ft = str(_inherited(annot, "/FT") or "")
            ff = int(_inherited(annot, "/Ff") or 0)
            if ft == "/Btn":
                kind = "radio" if ff & (1 << 15) else ("push" if ff & (1 << 16) else "checkbox")
            elif ft == "/Ch":
                kind = "combo" if ff & (1 << 17) else "list"
            elif ft == "/Tx":
                kind = "multiline" if ff & (1 << 12) else "text"
            else:
                kind = ft.lstrip("/")
            entry = fields.setdefault(name, {"kind": kind, "widgets": []})
            if ft == "/Tx":
                entry["text"] = str(_inherited(annot, "/V") or "")
            if ft == "/Ch":
                opts = []
                for opt in _inherited(annot, "/Opt") or []:
                    opt = opt.get_object()
                    if isinstance(opt, list):
                        opts.append([str(opt[0]), str(opt[1])])
                    else:
                        opts.append([str(opt), str(opt)])
                entry["options"] = opts
            on_state = None
            normal = (annot.get("/AP") or {}).get("/N")
            if ft == "/Btn" and normal is not None:
                states = [str(k)[1:] for k in normal.get_object().keys() if k != "/Off"]
                on_state = states[0] if states else None
            rect = [float(x) for x in annot["/Rect"]]
            entry["widgets"].append({
                "page": page_index,
                "rect": [min(rect[0], rect[2]), min(rect[1], rect[3]), max(rect[0], rect[2]), max(rect[1], rect[3])],
                "onState": on_state,
                "on": bool(on_state) and str(annot.get("/AS", "/Off")) == "/" + on_state,
                "objId": ref.idnum if hasattr(ref, "idnum") else None,
                "pageBox": [float(box.left), float(box.bottom), float(box.right), float(box.top)],
                "rotate": int(page.get("/Rotate", 0) or 0),
            })
    return fields


def _plan(src: Path, values: dict[str, Value] | list[tuple[str, Value]]) -> list[dict]:
    """The clicks/typing to do, with everything the node side needs.

    A dict is a set of answers: done top to bottom, page by page, as a worker goes through a form.
    A list of (name, value) is a story: done in its order, the same name again being a change of
    mind (so a checkbox/radio's "current" state follows the earlier steps, not the file).
    """
    fields = widget_map(src)
    in_order = isinstance(values, list)
    pairs = values if in_order else list(values.items())
    state: dict[str, Value | None] = {}
    steps = []
    for name, value in pairs:
        if name not in fields:
            raise KeyError(f"{src.name} has no field {name!r}")
        info = fields[name]
        step = {"name": name, "kind": info["kind"], "value": value, "widgets": info["widgets"]}
        if info["kind"] == "checkbox":  # a click toggles: the node side clicks only to change it
            step["current"] = state.get(name, any(w["on"] for w in info["widgets"]))
        elif info["kind"] == "radio":
            step["current"] = state.get(name, next((w["onState"] for w in info["widgets"] if w["on"]), None))
        elif info["kind"] in ("text", "multiline"):  # an empty box needs no select-all before typing
            step["current"] = state.get(name, info.get("text", ""))
        state[name] = value
        if info["kind"] in ("combo", "list"):
            options = info.get("options", [])
            match = [i for i, (export, label) in enumerate(options) if value in (export, label)]
            if not match:
                raise KeyError(f"{name}: {value!r} is not one of its options")
            step["optionIndex"] = match[0]
            step["options"] = options
        if info["kind"] == "radio" and not any(w["onState"] == value for w in info["widgets"]):
            raise KeyError(f"{name}: no radio button with on-state {value!r}")
        steps.append(step)
    if in_order:
        return steps
    # Top to bottom, page by page, as a worker goes through a form (and fewer long scrolls).
    def position(step: dict) -> tuple[int, float]:
        widgets = step["widgets"]
        if step["kind"] == "radio":
            widgets = [w for w in widgets if w["onState"] == step["value"]]
        return widgets[0]["page"], -widgets[0]["rect"][3]
    return sorted(steps, key=position)


Values = dict[str, Value] | list[tuple[str, Value]]


def _run(script: str, src: Path, dst: Path, values: Values, extra: dict | None = None,
         timeout: float = 180, look_at: str | None = None) -> dict:
    src, dst = Path(src).resolve(), Path(dst).resolve()
    job = {"steps": _plan(src, values), **(extra or {})}
    if look_at is not None:  # the screenshot shows this field (e.g. the live total), not the first step's
        job["screenshotWidget"] = widget_map(src)[look_at]["widgets"][0]
    shot = os.environ.get("CSE_PDF_BROWSER_SCREENSHOTS")  # folder: keep a picture of the filled form
    if shot:
        Path(shot).mkdir(parents=True, exist_ok=True)
        job["screenshot"] = str(Path(shot) / f"{script.split('_')[0]}-{dst.stem}.png")
    with tempfile.TemporaryDirectory(prefix="cse-pdf-browser-") as tmp:
        spec = Path(tmp) / "job.json"
        spec.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
        try:
            proc = subprocess.run(
                ["node", str(HERE / script), str(src), str(dst), str(spec)],
                capture_output=True, text=True, timeout=timeout, check=False, cwd=HERE,
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"{script} timed out after {timeout}s:\n{exc.stderr or ''}") from None
    if proc.returncode != 0 or not dst.is_file():
        raise RuntimeError(f"{script} failed ({proc.returncode}):\n{proc.stderr.strip()}\n{proc.stdout.strip()}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def fill_with_chromium(src: Path, dst: Path, values: Values, look_at: str | None = None) -> dict:
    """Fill ``src`` in Chromium's PDF viewer by clicking and typing; save the viewer's own file to ``dst``.

    ``values``: fully qualified field name → str (text; a radio's on-state; a dropdown's export value
    or label) or bool (checkbox); a list of (name, value) pairs is done in its order (see _plan).
    ``look_at``: the field a screenshot (CSE_PDF_BROWSER_SCREENSHOTS) shows. Returns the script's
    report (timings). Raises RuntimeError.
    """
    exe = chromium_path()
    if exe is None:
        raise RuntimeError("chromium is not installed (apt-get install -y chromium)")
    return _run("chromium_fill.mjs", src, dst, values, {"executable": exe}, look_at=look_at)


def fill_with_firefox(src: Path, dst: Path, values: Values, look_at: str | None = None) -> dict:
    """The same in Firefox ESR's built-in pdf.js viewer (saved with pdf.js's own saveDocument)."""
    exe = firefox_path()
    if exe is None:
        raise RuntimeError("firefox-esr is not installed (apt-get install -y firefox-esr)")
    return _run("firefox_fill.mjs", src, dst, values, {"executable": exe}, look_at=look_at)
