"""Reading a tagged PDF the way its consumers do: the marked content of each page, the structure tree, the
widgets it names, Poppler's `pdfinfo -struct-text` and pdf.js's getStructTree; and what a layout says a
reader should meet, in order, worked out from the spec alone (not from layout.py)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pikepdf
import pytest

from cse_pdf.form import blocks
from cse_pdf.form.derived import live_fields
from cse_pdf.form.spec import FormSpec

PDFJS_STRUCT = Path(__file__).resolve().parent.parent / "engines" / "pdfjs_struct.mjs"

# operators that put marks on the page (ISO 32000-1 tables 59, 61, 77, 87, 92): each must be tagged or an artifact
PAINTING = {"Tj", "TJ", "'", '"', "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh", "Do", "INLINE IMAGE"}


@dataclass
class PageMarks:
    """What one page's content stream does with marked content."""

    untagged: list[str] = field(default_factory=list)  # painting operators outside any tag or artifact
    artifact_in_tagged: int = 0  # an Artifact opened inside tagged content (Matterhorn 01-003)
    tagged_in_artifact: int = 0  # an MCID opened inside an artifact (01-004)
    mcids: list[int] = field(default_factory=list)
    unbalanced: bool = False


def page_marks(page: pikepdf.Page) -> PageMarks:
    marks = PageMarks()
    stack: list[str] = []  # "artifact", "mcid" or "other" for each open BMC/BDC
    for instruction in pikepdf.parse_content_stream(page):
        op = str(instruction.operator)
        if op in ("BMC", "BDC"):
            tag = str(instruction.operands[0])
            props = instruction.operands[1] if op == "BDC" else None
            has_mcid = isinstance(props, pikepdf.Dictionary) and "/MCID" in props
            kind = "artifact" if tag == "/Artifact" else "mcid" if has_mcid else "other"
            if kind == "artifact" and "mcid" in stack:
                marks.artifact_in_tagged += 1
            if kind == "mcid":
                if "artifact" in stack:
                    marks.tagged_in_artifact += 1
                marks.mcids.append(int(props.MCID))
            stack.append(kind)
        elif op == "EMC":
            if not stack:
                marks.unbalanced = True
            else:
                stack.pop()
        elif op in PAINTING and not ({"artifact", "mcid"} & set(stack)):
            marks.untagged.append(op)
    marks.unbalanced = marks.unbalanced or bool(stack)
    return marks


def struct_elements(pdf: pikepdf.Pdf) -> Iterator[tuple[pikepdf.Dictionary, pikepdf.Object | None]]:
    """Every structure element, depth first in reading order, with its parent element (None at the top)."""
    def walk(node: pikepdf.Object, parent: pikepdf.Object | None) -> Iterator:
        kids = node.get("/K")
        if kids is None:
            return
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in (pikepdf.Name.MCR, pikepdf.Name.OBJR):
                yield kid, parent
                yield from walk(kid, kid)

    yield from walk(pdf.Root.StructTreeRoot, None)


def kids_of(element: pikepdf.Object) -> list[pikepdf.Object]:
    kids = element.get("/K")
    return [] if kids is None else list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def role(element: pikepdf.Object) -> str:
    return str(element.S)[1:]


def widget_names(pdf: pikepdf.Pdf) -> dict[tuple[int, int], tuple[str, str | None, pikepdf.Object]]:
    """Every widget by object number: (full field name, its on state if it is one of several buttons, it)."""
    out: dict[tuple[int, int], tuple[str, str | None, pikepdf.Object]] = {}

    def walk(node: pikepdf.Object, prefix: str) -> None:
        name = f"{prefix}.{node.T}" if prefix and "/T" in node else str(node.get("/T", prefix))
        kids = node.get("/Kids")
        if kids is None:
            out[node.objgen] = (name, None, node)
            return
        for kid in kids:
            if "/T" in kid:
                walk(kid, name)
            else:
                states = [str(k)[1:] for k in kid.AP.N.keys() if k != "/Off"]
                out[kid.objgen] = (name, states[0], kid)

    for top in pdf.Root.AcroForm.Fields if "/AcroForm" in pdf.Root else ():  # a flattened copy has no fields
        walk(top, "")
    return out


def is_hidden(widget: pikepdf.Object) -> bool:
    return bool(int(widget.get("/F", 0)) & 2)


# -- what the layout says a reader meets ---------------------------------------------------------------
Token = tuple[str, str]  # ("text", words) or ("widget", "field.name" or "field.name=export")


def _text(text: str) -> Token:
    return ("text", squeeze(text))


def squeeze(text: str) -> str:
    """Text without whitespace: Poppler joins a paragraph's lines without a space."""
    return re.sub(r"\s+", "", text)


def expected_reading(spec: FormSpec) -> list[Token]:
    """Every heading, question, option and widget of the layout, in the order a person reads the page."""
    out: list[Token] = []
    if spec.issuer:
        out.append(_text(spec.issuer))
    out.append(_text(spec.title))
    for section in spec.sections:
        out.append(_text(section.title))
        for block in section.blocks:
            out += _block(spec, block)
    return out


def _field(f: blocks.Field, label: bool = True) -> list[Token]:
    out = [_text(f.label)] if label else []
    if f.type == "radio":
        for o in f.options:
            out += [("widget", f"{f.id}={o.value}"), _text(o.label)]
    else:
        out.append(("widget", f.id))
    return out


def _block(spec: FormSpec, block: blocks.Block) -> list[Token]:
    if isinstance(block, blocks.Heading):
        return [_text(block.heading)]
    if isinstance(block, blocks.Subheading):
        return [_text(block.subheading)]
    if isinstance(block, blocks.Paragraph):
        return [_text(block.paragraph)]
    if isinstance(block, blocks.Note):
        return [_text(block.note)]
    if isinstance(block, blocks.FieldBlock):
        return _field(block.field)
    if isinstance(block, blocks.FieldsBlock):
        return [t for f in block.fields for t in _field(f)]
    if isinstance(block, blocks.Checklist):
        out: list[Token] = []
        if block.notes:
            out.append(_text(block.notes))
        for item in block.items:
            out += [("widget", f"{block.checklist}.{item.id}"), _text(item.label)]
            if block.notes:
                out.append(("widget", str(block.notes_for(item))))
        return out + (_field(block.other) if block.other else [])
    if isinstance(block, blocks.Repeat):
        out = [_text(c.label) for c in block.columns]
        for n in range(1, block.rows + 1):
            out += [_text(str(n))] + [("widget", f"{block.repeat}.{n}.{c.id}") for c in block.columns]
        return out
    if isinstance(block, blocks.Table):
        return [_text(cell) for row in block.table for cell in row if cell.strip()]
    if isinstance(block, blocks.Scale):
        f = block.scale
        return [_text(f.label)] + [t for o in f.options
                                   for t in (("widget", f"{f.id}={o.value}"), _text(f"{o.value}) {o.label}"))]
    if isinstance(block, blocks.SideBySide):
        return [t for column in block.side_by_side for b in column for t in _block(spec, b)]
    if isinstance(block, blocks.Live):
        return [_text(block.live)] + [("widget", f"{blocks.LIVE_PREFIX}.{name}") for name in live_fields(spec)]
    return []


def in_order(expected: list[Token], actual: list[Token]) -> tuple[int, Token | None]:
    """How many of `expected` appear in `actual` in that order, and the first that does not."""
    position = 0
    for done, token in enumerate(expected):
        while position < len(actual) and not _matches(token, actual[position]):
            position += 1
        if position == len(actual):
            return done, token
        position += 1
    return len(expected), None


def _matches(want: Token, got: Token) -> bool:
    if want[0] != got[0]:
        return False
    return want[1] in got[1] if want[0] == "text" else want[1] == got[1]


# -- the consumers ------------------------------------------------------------------------------------
def poppler_reading(path: Path) -> tuple[str, list[Token]]:
    """`pdfinfo -struct-text`, and what it reads in order: texts and the widgets (by field name)."""
    if shutil.which("pdfinfo") is None:
        pytest.skip("Poppler's pdfinfo is not installed")
    printed = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True,
                             check=True, timeout=120).stdout
    with pikepdf.open(path) as pdf:
        names = {num: f"{name}={export}" if export else name for (num, _), (name, export, _) in
                 widget_names(pdf).items()}
    tokens: list[Token] = []
    for line in printed.splitlines():
        stripped = line.strip()
        if stripped.startswith('"'):
            tokens.append(("text", squeeze(stripped.strip('"'))))
        elif m := re.fullmatch(r"Object (\d+) \d+", stripped):
            tokens.append(("widget", names.get(int(m.group(1)), f"object {m.group(1)}")))
    return printed, tokens


def pdfjs_structure(path: Path) -> list[dict]:
    """Each page's getStructTree() and widgets, as pdf.js in Node reports them."""
    from tests.engines.pdfjs_fill import require_pdfjs

    require_pdfjs()
    proc = subprocess.run(["node", str(PDFJS_STRUCT), str(path)], capture_output=True, text=True, timeout=180,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"pdfjs_struct.mjs failed ({proc.returncode}):\n{proc.stderr.strip()}")
    return json.loads(proc.stdout)


def pdfjs_form_annotations(tree: dict) -> list[str]:
    """The annotation ids pdf.js finds inside Form elements, in tree order."""
    found: list[str] = []

    def walk(node: dict, in_form: bool) -> None:
        for kid in node.get("children", []):
            if kid.get("type") == "annotation" and in_form:
                found.append(kid["id"].removeprefix("pdfjs_internal_id_"))
            elif "children" in kid:
                walk(kid, in_form or kid.get("role") == "Form")

    walk(tree or {}, False)
    return found
