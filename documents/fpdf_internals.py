"""The one place that reaches into fpdf2's internals: DejaVu Sans parsed once per process and embedded fast.

Everything else in `documents/` uses fpdf2's public API. This module exists for speed only, measured with
`bench/documents.py` (a three-page EGV, median; 2 cores shared with other work, so noisy): 35–125 ms per
document with it, 255–350 ms with the public `add_font` and `get_string_width` in each document (parsing
DejaVu Sans' 6,253 glyphs alone costs ~100 ms, subsetting the full file on output ~50 ms more). What it relies on — `TTFFont.__slots__`, its `cw` widths,
`SubsetMap`, the `ttfont` fontTools object that fpdf2 subsets on output and `FPDF.fonts` — is checked by
`check_fpdf_internals()`, which a unit test calls: an fpdf2 upgrade that changes them fails that test with a
message naming this module instead of breaking documents silently.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

import fpdf
from fontTools import subset as ftsubset
from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

from glyphs import TEXT_FONTS

FONT_FAMILY = "DejaVu"
FONT_FILES = dict(zip(("", "B"), TEXT_FONTS, strict=True))  # style → file

_font_lock = threading.Lock()

# Tables fpdf2 drops from every embedded subset anyway (plus "kern": we do not use text shaping).
_UNUSED_TABLES = ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "kern", "hdmx"]

# The characters of nearly every German document: Latin-1 and Latin Extended-A (names from all over Europe
# and Turkey), punctuation („ “ – …), currency (€), arrows, a few symbols. Anything else makes the
# document embed from the full font file, which costs some milliseconds more but prints every glyph.
_COMMON_UNICODES = [
    *range(0x20, 0x7F),
    *range(0xA0, 0x180),
    *range(0x2000, 0x2070),
    *range(0x20A0, 0x20C1),
    *range(0x2190, 0x2200),
    *range(0x25A0, 0x2600),
    *range(0x2610, 0x2613),
    0x2713,
    0x2714,
    0xFFFD,
]

# The attributes of fpdf2's TTFFont this module reads or sets (see `check_fpdf_internals`).
_TTFFONT_SLOTS = frozenset(["i", "fontkey", "cw", "ttfont", "subset", "missing_glyphs", "biggest_size_pt", "is_symbol"])


class _DocumentFont(TTFFont):
    """fpdf2's TTFFont with a faster text width (a dict lookup per character instead of `ord` + defaultdict)."""

    def units(self, text: str) -> float:
        """Width of `text` in font units (1/1000 of the font size); KeyError for a character the font lacks."""
        return sum(map(self._char_widths.__getitem__, text))

    def get_text_width(self, text, font_size_pt, text_shaping_params):
        if text_shaping_params or self.is_symbol:
            return super().get_text_width(text, font_size_pt, text_shaping_params)
        try:
            width = self.units(text)
        except KeyError:  # a character the font lacks: fpdf2's own measure
            return super().get_text_width(text, font_size_pt, text_shaping_params)
        self.biggest_size_pt = max(self.biggest_size_pt, font_size_pt)
        return len(text), width * font_size_pt * 0.001


def _document_font(template: TTFFont) -> _DocumentFont:
    """A `_DocumentFont` with the parsed state of `template` (fpdf2 offers no constructor from parsed data)."""
    font = _DocumentFont.__new__(_DocumentFont)
    for slot in TTFFont.__slots__:
        if hasattr(template, slot):
            setattr(font, slot, getattr(template, slot))
    font._char_widths = {chr(code): width for code, width in template.cw.items()}
    return font


@dataclass(frozen=True)
class _FontSource:
    """One parsed font style: the font object to copy per document plus two files to embed from.

    fpdf2's cost per document grows with the glyph count of the font it subsets (DejaVu Sans: 6,253 glyphs),
    so documents embed from `common` (~600 glyphs) and fall back to `full` only when a text uses a
    character outside `_COMMON_UNICODES`.
    """

    font: _DocumentFont
    common: bytes
    common_glyphs: frozenset[str]
    path: Path

    @property
    def full(self) -> bytes:
        return self.path.read_bytes()


def _common_font_bytes(path: Path) -> tuple[bytes, frozenset[str]]:
    font = ttLib.TTFont(path, recalcTimestamp=False)
    # glyph_names=True: fpdf2 finds glyphs by name in the file it embeds from.
    options = ftsubset.Options(glyph_names=True, notdef_outline=True, recommended_glyphs=True)
    options.layout_features = []
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.drop_tables += _UNUSED_TABLES
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(unicodes=_COMMON_UNICODES)
    subsetter.subset(font)
    buffer = BytesIO()
    font.save(buffer)
    return buffer.getvalue(), frozenset(font.getGlyphOrder())


@cache
def _font_source(style: str) -> _FontSource:
    """Parse a font style once per process; `add_font` alone reads cmap and metrics of every glyph."""
    template = FPDF()
    template.add_font(FONT_FAMILY, style, FONT_FILES[style])
    common, common_glyphs = _common_font_bytes(FONT_FILES[style])
    font = _document_font(template.fonts[f"{FONT_FAMILY.lower()}{style}"])
    return _FontSource(font, common, common_glyphs, FONT_FILES[style])


def preload_fonts() -> None:
    """Parse the fonts now (about a second, once per process) instead of in the first render."""
    for style in FONT_FILES:
        with _font_lock:
            _font_source(style)


def register_fonts(pdf: FPDF) -> dict[str, _FontSource]:
    """Register the cached DejaVu styles in `pdf` as if `add_font` had been called for each."""
    sources = {}
    for style in FONT_FILES:
        with _font_lock:
            source = _font_source(style)
        # Shared read-only: metrics, cmap, glyph names, descriptor. Own per document: the subset, the size
        # bookkeeping and the fontTools object, because fpdf2 subsets that one in place on output.
        font = copy.copy(source.font)
        font.i = len(pdf.fonts) + 1
        font.ttfont = ttLib.TTFont(BytesIO(source.common), recalcTimestamp=False, lazy=True)
        font.subset = SubsetMap(font)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        pdf.fonts[font.fontkey] = font
        sources[font.fontkey] = source
    return sources


def embed_full_fonts_where_needed(pdf: FPDF, sources: dict[str, _FontSource]) -> None:
    """Before output: a font whose text uses a glyph outside the common subset embeds from its full file."""
    for fontkey, source in sources.items():
        font = pdf.fonts[fontkey]
        if not set(font.subset.get_all_glyph_names()) <= source.common_glyphs:
            font.ttfont = ttLib.TTFont(BytesIO(source.full), recalcTimestamp=False, lazy=True)


def check_fpdf_internals() -> None:
    """Raise RuntimeError, naming this module, when fpdf2 no longer has what this module relies on."""
    problem = ""
    missing = _TTFFONT_SLOTS - set(TTFFont.__slots__)
    if missing:
        problem = f"TTFFont has no slots {sorted(missing)}"
    else:
        pdf = FPDF()
        try:
            register_fonts(pdf)
            font = pdf.fonts[f"{FONT_FAMILY.lower()}"]
            if not callable(getattr(font.subset, "get_all_glyph_names", None)):
                problem = "SubsetMap has no get_all_glyph_names()"
            elif not font.cw or font.cw[ord("a")] <= 0:
                problem = "TTFFont.cw holds no character widths"
        except Exception as error:  # noqa: BLE001 - any failure here means the internals changed
            problem = f"{type(error).__name__}: {error}"
    if problem:
        raise RuntimeError(
            f"fpdf2 {fpdf.__version__} changed internals that documents/fpdf_internals.py uses ({problem}): "
            "adapt that module, or register the fonts with the public FPDF.add_font instead (slower)."
        )
