"""Fill an AcroForm through Poppler (Evince/Okular's engine) and save it: run by the SYSTEM python.

    /usr/bin/python3 poppler_worker.py SRC DST SPEC.json

Debian's `gir1.2-poppler-0.18` + `python3-gi` are importable only from /usr/bin/python3, so
this script uses nothing but the standard library and gi. SPEC.json (written by
poppler_fill.py, which reads the PDF with pypdf) holds:

    {"values":  {"client.name": "Zoë", "concern.disclosure": true, "risk.drug_use": "3", ...},
     "radios":  {"risk.drug_use": [{"page": 2, "rect": [x1, y1, x2, y2], "on": "1"}, ...]},
     "choices": {"client.ethnicity": ["W2", "W9", ...]}}

"radios" lists each radio group's widgets in page-annotation order with their on-states
(poppler-glib has no export-value getter); "choices" lists each choice field's export
values in /Opt order (choice_select_item takes that index). Fields are matched by
`FormField.get_name()`, which is the fully qualified name in poppler-glib.

Exits 2 with a message on stderr for an unknown field, a wrong value type or an unknown option.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import gi

gi.require_version("Poppler", "0.18")
from gi.repository import GLib, Poppler  # noqa: E402

RECT_TOLERANCE = 0.5


class FillError(Exception):
    """A requested name or value the form does not have."""


def _widgets(doc: Poppler.Document) -> dict[str, list[tuple[int, Poppler.FormField, Poppler.Rectangle]]]:
    """Every form widget by fully qualified field name, in page then annotation order.

    poppler-glib's mapping list comes back reversed; a widget's id is
    (page + 1) << 16 | its ordinal among the page's widgets in /Annots order.
    """
    out: dict[str, list[tuple[int, Poppler.FormField, Poppler.Rectangle]]] = {}
    for p in range(doc.get_n_pages()):
        page = doc.get_page(p)
        for m in sorted(page.get_form_field_mapping(), key=lambda m: m.field.get_id()):
            name = m.field.get_name()
            if name:
                out.setdefault(name, []).append((p, m.field, m.area))
    return out


def _same_place(area: Poppler.Rectangle, page_height: float, rect: list[float]) -> bool:
    """Does a Poppler mapping area cover the PDF /Rect (poppler may or may not flip y)?"""
    x1, y1, x2, y2 = min(rect[0], rect[2]), min(rect[1], rect[3]), max(rect[0], rect[2]), max(rect[1], rect[3])
    ax1, ax2 = min(area.x1, area.x2), max(area.x1, area.x2)
    ay1, ay2 = min(area.y1, area.y2), max(area.y1, area.y2)
    if abs(ax1 - x1) > RECT_TOLERANCE or abs(ax2 - x2) > RECT_TOLERANCE:
        return False
    raw = abs(ay1 - y1) <= RECT_TOLERANCE and abs(ay2 - y2) <= RECT_TOLERANCE
    flipped = abs(ay1 - (page_height - y2)) <= RECT_TOLERANCE and abs(ay2 - (page_height - y1)) <= RECT_TOLERANCE
    return raw or flipped


def _set_text(name: str, field: Poppler.FormField, value: object) -> None:
    if not isinstance(value, (str, type(None))):
        raise FillError(f"text field {name!r} needs a str or null, got {value!r}")
    field.text_set_text(value or "")


def _set_checkbox(name: str, group: list, value: object) -> None:
    if not isinstance(value, (bool, type(None))):
        raise FillError(f"checkbox {name!r} needs a bool, got {value!r}")
    for _, field, _ in group:
        field.button_set_state(bool(value))


def _set_radio(doc: Poppler.Document, name: str, group: list, value: object, kids: list[dict] | None) -> None:
    if kids is None:
        raise FillError(f"radio {name!r}: no on-states were passed for it")
    if len(kids) != len(group):
        raise FillError(f"radio {name!r}: Poppler sees {len(group)} widgets, pypdf saw {len(kids)}")
    for (p, _, area), kid in zip(group, kids):
        height = doc.get_page(p).get_size()[1]
        if p != kid["page"] or not _same_place(area, height, kid["rect"]):
            raise FillError(f"radio {name!r}: widget order differs between Poppler and pypdf "
                            f"(page {p} area {area.x1, area.y1, area.x2, area.y2} vs {kid})")
    states = [k["on"] for k in kids]
    if value is None:
        for _, field, _ in group:
            if field.button_get_state():
                field.button_set_state(False)
        return
    if not isinstance(value, str) or value not in states:
        raise FillError(f"radio {name!r} has no option {value!r}; have {states}")
    group[states.index(value)][1].button_set_state(True)


def _set_choice(name: str, field: Poppler.FormField, value: object, exports: list[str] | None) -> None:
    labels = [field.choice_get_item(i) for i in range(field.choice_get_n_items())]
    codes = exports if exports and len(exports) == len(labels) else labels
    if value is None or value == "":
        field.choice_unselect_all()
        return
    match = [i for i, (e, lab) in enumerate(zip(codes, labels)) if value in (e, lab)]
    if not match:
        raise FillError(f"choice {name!r} has no option {value!r}; have {list(zip(codes, labels))}")
    field.choice_unselect_all()
    field.choice_select_item(match[0])


def fill(src: Path, dst: Path, spec: dict) -> None:
    try:
        doc = Poppler.Document.new_from_file(src.resolve().as_uri(), None)
    except GLib.Error as exc:
        raise FillError(f"Poppler could not open {src}: {exc.message}") from None
    by_name = _widgets(doc)
    values: dict[str, object] = spec["values"]
    unknown = [n for n in values if n not in by_name]
    if unknown:
        raise FillError(f"no form field named {unknown}; have {sorted(by_name)}")
    for name, value in values.items():
        group = by_name[name]
        field = group[0][1]
        kind = field.get_field_type()
        if kind == Poppler.FormFieldType.TEXT:
            _set_text(name, field, value)
        elif kind == Poppler.FormFieldType.BUTTON:
            button = field.button_get_button_type()
            if button == Poppler.FormButtonType.CHECK:
                _set_checkbox(name, group, value)
            elif button == Poppler.FormButtonType.RADIO:
                _set_radio(doc, name, group, value, spec.get("radios", {}).get(name))
            else:
                raise FillError(f"field {name!r} is a push button")
        elif kind == Poppler.FormFieldType.CHOICE:
            _set_choice(name, field, value, spec.get("choices", {}).get(name))
        else:
            raise FillError(f"field {name!r} is of unsupported type {kind.value_nick}")
    try:
        saved = doc.save(dst.resolve().as_uri())
    except GLib.Error as exc:
        raise FillError(f"Poppler could not save {dst}: {exc.message}") from None
    if not saved:
        raise FillError(f"Poppler could not save {dst}")


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(f"usage: {argv[0]} SRC DST SPEC.json", file=sys.stderr)
        return 2
    src, dst, spec_path = Path(argv[1]), Path(argv[2]), Path(argv[3])
    try:
        fill(src, dst, json.loads(spec_path.read_text(encoding="utf-8")))
    except FillError as exc:
        print(f"poppler_worker: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
