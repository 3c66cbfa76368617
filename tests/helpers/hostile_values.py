"""Hostile text values, and returns that carry them as a viewer (or an attacker) saved them.

The strings are set straight into a text field's /V with pikepdf, after the form was
filled in, so they reach cse-pdf exactly as written (no appearance is drawn for them).
"""

from __future__ import annotations

from pathlib import Path

import pikepdf

from cse_pdf.form.spec import FormSpec
from helpers.forms import fictional_return, write_return

ALL_CONTROLS = "".join(chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)])

# name → the text; each class the issue names, several of each.
HOSTILE: dict[str, str | bytes] = {
    "nul": "Ada\x00Lovelace",
    "only-nul": "\x00",
    "fffe": "Ada\ufffe\uffffBee",
    "noncharacter-fdd0": "Ada\ufdd0Bee",
    "escape": "\x1b[31mRed\x1b[0m",
    "nel": "Line\x85Next",
    "csi": "\x9b31mRed",
    "all-controls": f"a{ALL_CONTROLS}z",
    # a UTF-16 string with a lone high surrogate (a broken string as some tools write it)
    "lone-surrogate": b"\xfe\xff\x00A\xd8\x00\x00B",
    "long-no-spaces": "x" * 4000,
    "long-words": "Longname " * 450,
    "many-newlines": "top" + "\n" * 100 + "bottom",
    "bidi": "\u202eevil\u202c שלום مرحبا \u2066x\u2069",
    "emoji": "👩‍👧‍👦🏳️‍🌈 Zoë",
    "combining": "Z" + "\u0301\u0316\u0334" * 60,
    "formula": "=cmd|' /C calc'!A0",
    "formula-space": "  +SUM(1,2)",
    "mathtext-frac": "$\\frac{1}{0}$",
    "mathtext-broken": "$x^$",
    "mathtext-dollars": "$$ $ \\$ $\\alpha",
    "html": "<script>alert(1)</script>&amp;",
    "template": "{{ 7*7 }} {% raw %}",
    "printf": "%s%n%x%d %(name)s {0}",
    "line-separators": "a\u2028b\u2029c",
}


def targets(spec: FormSpec) -> tuple[str, ...]:
    """The text fields a hostile value goes into: the name, the agency and the first free-text note.
    Dates stay readable, so every return is identified and can be linked."""
    note = next(f.id for f in spec.fields if f.type == "multiline")
    return (spec.summary.name, spec.summary.agency, note)


def set_text(path: Path, values: dict[str, str | bytes]) -> None:
    """Write each value into the named field's /V, bytes as a raw PDF string (e.g. broken UTF-16)."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        def walk(nodes: pikepdf.Array, prefix: str) -> None:
            for node in nodes:
                name = prefix + str(node.get("/T", ""))
                kids = node.get("/Kids")
                if kids is not None and any("/T" in k for k in kids):
                    walk(kids, name + ".")
                elif name in values:
                    node.V = pikepdf.String(values[name])
        walk(pdf.Root.AcroForm.Fields, "")
        pdf.save(path)


def hostile_return(folder: Path, spec: FormSpec, key: str, i: int, fields: tuple[str, ...] | None = None) -> Path:
    """A complete fictional return (person i) whose name, agency and a note (or `fields`) hold HOSTILE[key]."""
    values = fictional_return(spec, name=f"Fictional Person{i}", dob="01/02/2010",
                              completed=f"{(i % 27) + 1:02d}/03/2024")
    path = write_return(folder / f"{spec.id}-{i:02d}-{key}.pdf", spec, values, instance=f"hostile{i}")
    set_text(path, {t: HOSTILE[key] for t in (fields or targets(spec))})
    return path


def as_read(key: str) -> str:
    """HOSTILE[key] as the reader gets it from the PDF string (qpdf drops a lone surrogate's code unit)."""
    v = HOSTILE[key]
    return v if isinstance(v, str) else v.decode("utf-16", "surrogatepass").replace("\ud800", "")
