"""Make cse_pdf/fonts/DejaVuSans-Forms.ttf: the font every generated form offers viewers for typing.

Viewers redraw a text field with the font its /DA names. Helvetica cannot draw Ł, ź, ő, ș…,
and viewers then drop letters (see tests/test_visibility.py), so the forms embed this subset of
DejaVu Sans instead: Latin (with Extended-A/B and Vietnamese), Greek, Cyrillic and common
punctuation — about 50 kB compressed per form, where the whole font would be 700 kB. Arabic and
Chinese are left out on purpose: without shaping they would be drawn wrongly anyway.

Run by hand when the repertoire changes (needs fonttools, a development-only tool):
    pip install fonttools && python tools/make_form_font.py
"""

from __future__ import annotations

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FONTS = Path(__file__).resolve().parent.parent / "cse_pdf" / "fonts"

RANGES = [
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x024F),  # Latin-1 Supplement, Latin Extended-A and -B
    (0x0300, 0x036F),  # combining accents (names typed in decomposed form)
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x04FF),  # Cyrillic
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese, Welsh ŵ ŷ)
    (0x2010, 0x2027),  # dashes, quotes, bullets, ellipsis
    (0x2030, 0x203A),  # per mille, primes, angle quotes
    (0x20AC, 0x20AC),  # euro
    (0x2116, 0x2116),  # numero
    (0x2122, 0x2122),  # trade mark
    (0x2190, 0x2193),  # arrows
    (0x2264, 0x2265),  # ≤ ≥: the score bands in live scoring's reasons
]


def main() -> None:
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.name_IDs = ["*"]  # keep the copyright and licence names
    options.notdef_outline = True
    options.glyph_names = False
    options.drop_tables += ["FFTM"]
    font = TTFont(FONTS / "DejaVuSans.ttf", recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for lo, hi in RANGES for c in range(lo, hi + 1)])
    subsetter.subset(font)
    font.save(FONTS / "DejaVuSans-Forms.ttf")


if __name__ == "__main__":
    main()
