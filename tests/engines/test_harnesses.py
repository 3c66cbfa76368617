"""Round-trip tests of the headless viewer-engine harnesses (PDFium, pdf.js).

The fixture is built here with pypdf low-level objects so that it has what
real forms have and reportlab cannot write: true parent/kid hierarchy, radio
kids with on-states /1../5, a combo with export/label pairs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from .pdfium_fill import fill_with_pdfium
from .pdfjs_fill import fill_with_pdfjs, require_pdfjs

HERE = Path(__file__).resolve().parent
Values = dict[str, str | bool | None]
Filler = Callable[[Path, Path, Values], None]

FIRST: Values = {
    "client.name": "Zoë Łódź",
    "notes.text": "line one\nline two",
    "flags.a": True,
    "risk.level": "4",
    "client.ethnicity": "A2",
}
CHANGED: Values = {
    "client.name": "Ann Lee",
    "notes.text": "",
    "flags.a": False,
    "risk.level": "2",
    "client.ethnicity": "W2",
}

# ---------------------------------------------------------------- fixture PDF

def _n(name: str) -> NameObject:
    return NameObject(name)


def _rect(x: float, y: float, w: float, h: float) -> ArrayObject:
    return ArrayObject(FloatObject(v) for v in (x, y, x + w, y + h))


def _dict(**kw: object) -> DictionaryObject:
    return DictionaryObject({_n("/" + k): v for k, v in kw.items()})  # type: ignore[misc]


def build_fixture(path: Path) -> None:
    """Write a one-page AcroForm with hierarchical names and all field kinds."""
    w = PdfWriter()
    page = w.add_blank_page(612, 792)
    page_ref = page.indirect_reference
    add = w._add_object

    def stream(data: bytes, bbox: tuple[float, float]) -> IndirectObject:
        s = DecodedStreamObject()
        s.set_data(data)
        s.update(_dict(Type=_n("/XObject"), Subtype=_n("/Form"),
                       BBox=_rect(0, 0, *bbox),
                       Resources=_dict(Font=_dict(ZaDb=zadb))))
        return add(s)

    helv = add(_dict(Type=_n("/Font"), Subtype=_n("/Type1"),
                     BaseFont=_n("/Helvetica"), Encoding=_n("/WinAnsiEncoding")))
    zadb = add(_dict(Type=_n("/Font"), Subtype=_n("/Type1"), BaseFont=_n("/ZapfDingbats")))
    annots = ArrayObject()

    def node(name: str, parent: IndirectObject | None = None, **kw: object) -> IndirectObject:
        d = _dict(T=TextStringObject(name), **kw)
        if parent is not None:
            d[_n("/Parent")] = parent
        ref = add(d)
        if parent is not None:
            parent.get_object().setdefault(_n("/Kids"), ArrayObject()).append(ref)
        return ref

    def widget(ref: IndirectObject, rect: ArrayObject) -> None:
        ref.get_object().update(_dict(Type=_n("/Annot"), Subtype=_n("/Widget"),
                                      Rect=rect, F=NumberObject(4), P=page_ref))
        annots.append(ref)

    client = node("client")
    notes = node("notes")
    flags = node("flags")
    risk = node("risk")

    name = node("name", client, FT=_n("/Tx"), DA=TextStringObject("/Helv 12 Tf 0 g"),
                V=TextStringObject(""))
    widget(name, _rect(72, 700, 300, 24))

    text = node("text", notes, FT=_n("/Tx"), Ff=NumberObject(1 << 12),
                DA=TextStringObject("/Helv 10 Tf 0 g"))
    widget(text, _rect(72, 600, 300, 80))

    check = stream(b"q 0 g BT /ZaDb 14 Tf 3 4 Td (4) Tj ET Q", (20, 20))
    off = stream(b"", (20, 20))
    a = node("a", flags, FT=_n("/Btn"), V=_n("/Off"), AS=_n("/Off"),
             DA=TextStringObject("/ZaDb 0 Tf 0 g"), MK=_dict(CA=TextStringObject("4")),
             AP=_dict(N=_dict(Yes=check, Off=off)))
    widget(a, _rect(72, 560, 20, 20))

    # Radio + NoToggleToOff; the group's /V lives on the terminal field "level".
    level = node("level", risk, FT=_n("/Btn"), Ff=NumberObject((1 << 15) | (1 << 14)),
                 DA=TextStringObject("/ZaDb 0 Tf 0 g"))
    dot = stream(b"q 0 g BT /ZaDb 14 Tf 3 4 Td (l) Tj ET Q", (20, 20))
    for k in range(1, 6):
        kid = add(_dict(Parent=level, AS=_n("/Off"), MK=_dict(CA=TextStringObject("l")),
                        AP=_dict(N=DictionaryObject({_n(f"/{k}"): dot, _n("/Off"): off}))))
        level.get_object().setdefault(_n("/Kids"), ArrayObject()).append(kid)
        widget(kid, _rect(72 + 30 * (k - 1), 520, 20, 20))

    opt = ArrayObject([
        ArrayObject([TextStringObject("W2"), TextStringObject("White British")]),
        ArrayObject([TextStringObject("A2"), TextStringObject("Indian")]),
    ])
    eth = node("ethnicity", client, FT=_n("/Ch"), Ff=NumberObject(1 << 17), Opt=opt,
               DA=TextStringObject("/Helv 10 Tf 0 g"))
    widget(eth, _rect(72, 470, 200, 24))

    page[_n("/Annots")] = annots
    w._root_object[_n("/AcroForm")] = add(_dict(
        Fields=ArrayObject([client, notes, flags, risk]),
        DR=_dict(Font=_dict(Helv=helv, ZaDb=zadb)),
        DA=TextStringObject("/Helv 0 Tf 0 g"),
        NeedAppearances=BooleanObject(False),
    ))
    with path.open("wb") as f:
        w.write(f)


# ---------------------------------------------------------------- reading back

def read_back(path: Path) -> tuple[dict[str, object], dict[str, list[str]]]:
    """Return ({fq name: /V}, {fq name: [/AS of each widget]}) as plain pypdf sees them."""
    reader = PdfReader(path)
    values = {k: f.get("/V") for k, f in (reader.get_fields() or {}).items()}
    states: dict[str, list[str]] = {}
    for page in reader.pages:
        for ref in page.get("/Annots", []):
            annot = ref.get_object()
            if annot.get("/Subtype") != "/Widget":
                continue
            parts, node = [], annot
            while node is not None:
                if "/T" in node:
                    parts.append(str(node["/T"]))
                node = node.get("/Parent")
                node = node.get_object() if node is not None else None
            states.setdefault(".".join(reversed(parts)), []).append(str(annot.get("/AS")))
    return values, states


def radio_kid_values(path: Path) -> list[object]:
    """/V written on each nameless radio kid (PDFium/pdf.js keep it on the parent)."""
    annots = [r.get_object() for r in PdfReader(path).pages[0]["/Annots"]]
    return [a.get("/V") for a in annots if "/T" not in a and "/Parent" in a]


# ---------------------------------------------------------------- engines

def _pdfjs(src: Path, dst: Path, values: Values) -> None:
    require_pdfjs()
    fill_with_pdfjs(src, dst, values)


ENGINES = [pytest.param(fill_with_pdfium, id="pdfium"), pytest.param(_pdfjs, id="pdfjs")]


@pytest.fixture
def form(tmp_path: Path) -> Path:
    path = tmp_path / "form.pdf"
    build_fixture(path)
    return path


def _assert_stored(path: Path, expected: Values) -> None:
    values, states = read_back(path)
    for text in ("client.name", "notes.text"):  # PDFium stores \r\n, pdf.js \n
        assert str(values[text] or "").replace("\r\n", "\n") == (expected[text] or "")
    on = "/Yes" if expected["flags.a"] else "/Off"
    assert values["flags.a"] == on and states["flags.a"] == [on]
    radio = f"/{expected['risk.level']}"
    assert values["risk.level"] == radio
    assert isinstance(values["risk.level"], NameObject)  # a name, not the string '/4'
    assert states["risk.level"] == [radio if f"/{k}" == radio else "/Off" for k in range(1, 6)]
    assert values["client.ethnicity"] == expected["client.ethnicity"]


def test_fixture_is_well_formed(form: Path) -> None:
    values, states = read_back(form)
    assert set(values) >= {"client.name", "notes.text", "flags.a", "risk.level",
                           "client.ethnicity"}
    assert states["risk.level"] == ["/Off"] * 5


@pytest.mark.parametrize(("fill", "newline"), [
    pytest.param(fill_with_pdfium, "\r\n", id="pdfium"),
    pytest.param(_pdfjs, "\n", id="pdfjs"),
])
def test_fill_round_trip(fill: Filler, newline: str, form: Path, tmp_path: Path) -> None:
    dst = tmp_path / "filled.pdf"
    fill(form, dst, FIRST)
    _assert_stored(dst, FIRST)
    assert read_back(dst)[0]["notes.text"] == f"line one{newline}line two"
    assert radio_kid_values(dst) == [None] * 5


@pytest.mark.parametrize("fill", ENGINES)
@pytest.mark.slow
def test_change_of_mind(fill: Filler, form: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    fill(form, first, FIRST)
    fill(first, second, CHANGED)
    _assert_stored(second, CHANGED)


@pytest.mark.parametrize("fill", ENGINES)
@pytest.mark.parametrize("bad", [{"client.nope": "x"}, {"risk.level": "9"},
                                 {"client.ethnicity": "ZZ"}])
@pytest.mark.slow
def test_unknown_names_are_errors(fill: Filler, form: Path, tmp_path: Path,
                                  bad: Values) -> None:
    with pytest.raises((KeyError, ValueError, RuntimeError)):
        fill(form, tmp_path / "bad.pdf", bad)
