"""Read a tagged PDF's structure the way assistive technology does: the structure tree in reading order,
what each page paints outside tagged content, and Poppler's own rendering of the tree (`pdfinfo -struct-text`)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name

# Operators that put marks on the page: text showing, path painting, images/forms, shadings.
PAINTING = {"Tj", "TJ", "'", '"', "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "Do", "sh", "BI", "INLINE IMAGE"}


@dataclass
class Element:
    """One structure element: its type, its attributes that matter here, and its children in order."""

    type: str
    alt: str | None = None
    scope: str | None = None
    kids: list["Element"] = field(default_factory=list)
    mcids: list[tuple[int, int]] = field(default_factory=list)  # (page index, MCID)
    widgets: list[pikepdf.Object] = field(default_factory=list)  # OBJR targets

    def walk(self, depth: int = 0):
        yield depth, self
        for kid in self.kids:
            yield from kid.walk(depth + 1)

    def find(self, kind: str) -> list["Element"]:
        return [e for _, e in self.walk() if e.type == kind]


def _scope(elem: Dictionary) -> str | None:
    attrs = elem.get("/A")
    for a in (attrs if isinstance(attrs, Array) else [attrs] if attrs is not None else []):
        if isinstance(a, Dictionary) and "/Scope" in a:
            return str(a.Scope)[1:]
    return None


def structure(pdf: pikepdf.Pdf) -> Element:
    """The document's structure tree (StructTreeRoot's /K), role-mapped types kept as written."""
    page_index = {p.objgen: i for i, p in enumerate(pdf.pages)}
    root = pdf.Root.StructTreeRoot

    def build(obj: pikepdf.Object, page: int | None) -> Element | None:
        if not isinstance(obj, Dictionary):
            return None
        if obj.get("/Type") == Name.MCR:
            return None
        pg = obj.get("/Pg")
        page = page_index.get(pg.objgen, page) if pg is not None else page
        elem = Element(str(obj.get("/S", Name("/Unknown")))[1:],
                       str(obj.Alt) if "/Alt" in obj else None, _scope(obj))
        kids = obj.get("/K")
        for kid in (kids if isinstance(kids, Array) else [kids] if kids is not None else []):
            if isinstance(kid, int):
                elem.mcids.append((page, int(kid)))
            elif isinstance(kid, Dictionary) and kid.get("/Type") == Name.OBJR:
                elem.widgets.append(kid.Obj)
            elif isinstance(kid, Dictionary) and kid.get("/Type") == Name.MCR:
                kpg = kid.get("/Pg")
                elem.mcids.append((page_index.get(kpg.objgen, page) if kpg is not None else page, int(kid.MCID)))
            else:
                child = build(kid, page)
                if child is not None:
                    elem.kids.append(child)
        return elem

    top = Element("StructTreeRoot")
    kids = root.get("/K")
    for kid in (kids if isinstance(kids, Array) else [kids]):
        child = build(kid, None)
        if child is not None:
            top.kids.append(child)
    return top


@dataclass
class PageMarks:
    """What one page's content stream paints: how many painting operators sit inside tagged content (an
    MCID), inside an artifact, and outside both (untagged: a failure of Matterhorn 01-005)."""

    tagged: int = 0
    artifact: int = 0
    untagged: int = 0
    mcids: list[int] = field(default_factory=list)


def page_marks(page: pikepdf.Page) -> PageMarks:
    marks = PageMarks()
    stack: list[str] = []  # "tag", "artifact" or "other" for each open marked-content sequence
    for operands, op in pikepdf.parse_content_stream(page):
        name = str(op)
        if name in ("BDC", "BMC"):
            tag = str(operands[0])
            props = operands[1] if name == "BDC" and len(operands) > 1 else None
            if tag == "/Artifact":
                stack.append("artifact")
            elif isinstance(props, Dictionary) and "/MCID" in props:
                stack.append("tag")
                marks.mcids.append(int(props.MCID))
            else:
                stack.append("other")
        elif name == "EMC":
            if stack:
                stack.pop()
        elif name in PAINTING:
            if "artifact" in stack:
                marks.artifact += 1
            elif "tag" in stack:
                marks.tagged += 1
            else:
                marks.untagged += 1
    return marks


def struct_text(path: Path) -> str:
    """Poppler's reading of the structure tree: every element with the text it holds, in reading order."""
    if shutil.which("pdfinfo") is None:
        pytest.fail("pdfinfo (poppler-utils) is needed")
    done = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@dataclass
class TextNode:
    """One element of `pdfinfo -struct-text`: its type, its attributes as printed, and its text."""

    type: str
    depth: int
    text: str = ""
    attrs: list[str] = field(default_factory=list)
    kids: list["TextNode"] = field(default_factory=list)

    def walk(self):
        yield self
        for kid in self.kids:
            yield from kid.walk()

    def find(self, kind: str) -> list["TextNode"]:
        return [n for n in self.walk() if n.type == kind]

    def all_text(self) -> str:
        return " ".join(t for t in (n.text for n in self.walk()) if t)


def parse_struct_text(printed: str) -> TextNode:
    """`pdfinfo -struct-text` as a tree: two spaces of indent a level, element lines "Type (block)" or "Type:",
    quoted text lines and attribute lines ("/Scope /Column") under their element."""
    root = TextNode("root", -1)
    stack = [root]
    for line in printed.splitlines():
        if not line.strip():
            continue
        indent = (len(line) - len(line.lstrip(" "))) // 2
        body = line.strip()
        if body.startswith('"'):
            node = stack[-1]
            node.text = (node.text + " " + body.strip('"')).strip()
        elif body.startswith("/"):
            stack[-1].attrs.append(body)
        else:
            kind = body.split(" ")[0].rstrip(":")
            while stack[-1].depth >= indent:
                stack.pop()
            node = TextNode(kind, indent)
            stack[-1].kids.append(node)
            stack.append(node)
    return root
