"""Fill a form as partner agencies' own tools do: pdftk (FDF and XFDF) and qpdf's appearance generation.

pdftk-java fills through iText and draws each text field's appearance itself with the /DA font
(`need_appearances` left off, so its own drawing is what everyone sees). qpdf sets nothing itself: a
program (PyPDFForm, a script) writes each /V, asks for /NeedAppearances, and `qpdf --generate-appearances`
draws the text fields with the /DA font and sets the buttons' /AS.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from xml.sax.saxutils import escape

import pikepdf
import pytest

from cse_pdf.returned.read import read_form


def require(tool: str, package: str) -> None:
    """Skip when `tool` is missing; under CI (which installs it, .ci/run) fail instead."""
    import os

    if shutil.which(tool) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is not installed (apt-get install {package}); CI must run these tests")
        pytest.skip(f"{tool} is not installed (apt-get install {package})")


def _pdf_values(src: Path, values: dict) -> dict[str, tuple[str, str]]:
    """Each field's value as ("text", str) or ("name", on-state/Off), from the form's own field kinds."""
    kinds = {f.id: f.type for f in read_form(src).spec.fields}
    out: dict[str, tuple[str, str]] = {}
    for fid, v in values.items():
        if kinds[fid] == "checkbox":
            out[fid] = ("name", "Yes" if v else "Off")
        elif kinds[fid] == "radio":
            out[fid] = ("name", str(v) if v else "Off")
        else:
            out[fid] = ("text", "" if v is None else str(v))
    return out


def _fdf_text(text: str) -> bytes:
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def write_fdf(src: Path, values: dict, fdf: Path) -> None:
    fields = []
    for fid, (kind, v) in _pdf_values(src, values).items():
        value = b"/" + v.encode() if kind == "name" else _fdf_text(v)
        fields.append(b"<< /T " + _fdf_text(fid) + b" /V " + value + b" >>")
    fdf.write_bytes(b"%FDF-1.2\n1 0 obj\n<< /FDF << /Fields [\n" + b"\n".join(fields)
                    + b"\n] >> >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


def write_xfdf(src: Path, values: dict, xfdf: Path) -> None:
    fields = [f'<field name="{escape(fid)}"><value>{escape(v)}</value></field>'
              for fid, (_kind, v) in _pdf_values(src, values).items()]
    xfdf.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<xfdf xmlns="http://ns.adobe.com/xfdf/" '
                    'xml:space="preserve"><fields>\n' + "\n".join(fields) + "\n</fields></xfdf>\n", encoding="utf-8")


def fill_with_pdftk(src: Path, dst: Path, values: dict, data_format: str = "fdf", *,
                    need_appearances: bool = False) -> None:
    """`pdftk SRC fill_form DATA output DST`, DATA an FDF or an XFDF file of the values.

    `need_appearances` adds pdftk's own keyword of that name: pdftk then draws nothing and asks the viewer to
    draw every field (the README's advice to partner agencies for free text)."""
    require("pdftk", "pdftk-java")
    data = dst.with_suffix(f".{data_format}")
    (write_fdf if data_format == "fdf" else write_xfdf)(src, values, data)
    subprocess.run(["pdftk", str(src), "fill_form", str(data), "output", str(dst),
                    *(["need_appearances"] if need_appearances else [])], check=True, capture_output=True)


def fill_values_only(src: Path, dst: Path, values: dict) -> None:
    """Set each /V (and a button's /AS) with pikepdf and ask the viewer for appearances (/NeedAppearances):
    what a script or qpdf without --generate-appearances leaves for the reader to draw."""
    wanted = _pdf_values(src, values)
    with pikepdf.open(src) as pdf:
        for field in pdf.Root.AcroForm.Fields:
            _set_values(field, "", wanted)
        pdf.Root.AcroForm.NeedAppearances = True
        pdf.save(dst)


def fill_with_qpdf(src: Path, dst: Path, values: dict) -> None:
    """Set each /V (and a button's /AS) with pikepdf, ask for appearances, let qpdf draw them."""
    require("qpdf", "qpdf")
    staged = dst.with_suffix(".staged.pdf")
    fill_values_only(src, staged, values)
    done = subprocess.run(["qpdf", "--generate-appearances", str(staged), str(dst)], capture_output=True, text=True)
    if done.returncode not in (0, 3):  # 3: written, with warnings
        raise RuntimeError(f"qpdf failed ({done.returncode}): {done.stderr.strip()}")


def _set_values(field: pikepdf.Dictionary, parent: str, wanted: dict[str, tuple[str, str]]) -> None:
    name = f"{parent}.{field.T}" if parent and "/T" in field else str(field.get("/T", parent))
    if name in wanted:
        kind, v = wanted[name]
        field.V = pikepdf.Name("/" + v) if kind == "name" else pikepdf.String(v)
        for widget in field.get("/Kids", [field]) if kind == "name" else []:
            states = [str(k)[1:] for k in widget.get("/AP", {}).get("/N", {}).keys()]
            widget.AS = pikepdf.Name("/" + (v if v in states else "Off"))
        return
    for kid in field.get("/Kids", []):
        if "/T" in kid:
            _set_values(kid, name, wanted)
