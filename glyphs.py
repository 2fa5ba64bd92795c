"""The characters the documents can print: read once from the cmaps of the fonts shipped in documents/fonts.

Bottom layer (beside dates.py and errors.py), so that the input checks in schemas/services and the rendering in
documents/ use the same set without importing each other. A text that reaches a document (client names and
Stammdaten, every free text of a record, catalogue labels) is refused at input when it holds a character outside
`printable()` — no text may vanish from or be altered in a document a client signs.

Printable are the characters of DejaVu Sans (both styles: labels print bold) and of the Noto Emoji fallback, except
right-to-left letters (the documents draw left to right without joining, so Hebrew or Arabic would print reversed
and unjoined), plus the characters the documents print as blank or drop on purpose (line breaks, tab, soft hyphen,
zero-width characters, variation selectors). Controls, format characters (bidi controls) and other characters
that draw nothing checkable are not printable. The three cmaps are read once per process (~0.2 s with fontTools).
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from fontTools import ttLib

FONT_DIR = Path(__file__).parent / "documents" / "fonts"
TEXT_FONTS = (FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf")
EMOJI_FONT = FONT_DIR / "NotoEmoji-Regular.ttf"

#: Printed as a line break or space, or left out (documents/base.py `clean_text`, fpdf2's fallback handling).
SILENT = frozenset("\n\r\t\u00ad\u200b\u200c\u200d\ufeff\ufe0e\ufe0f")
#: Bidi classes of right-to-left characters.
_RTL = frozenset({"R", "AL"})
#: Unicode categories that draw nothing a reader can check: controls, format characters (bidi controls among
#: them), private use, unassigned, surrogates, line and paragraph separators.
_HIDDEN = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"})
#: The replacement characters: a document prints "�" for a character of an older record that no font has, so a
#: typed one would be indistinguishable from a lost character.
REPLACEMENTS = frozenset("\ufffc\ufffd")


def _cmap(path: Path) -> frozenset[str]:
    return frozenset(map(chr, ttLib.TTFont(path, lazy=True).getBestCmap()))


@cache
def text_glyphs() -> frozenset[str]:
    """Characters of the body font in both styles (regular and bold)."""
    regular, bold = (_cmap(path) for path in TEXT_FONTS)
    return regular & bold


@cache
def emoji_glyphs() -> frozenset[str]:
    """Characters of the Noto Emoji fallback font."""
    return _cmap(EMOJI_FONT)


@cache
def printable() -> frozenset[str]:
    """Every character a text may hold to reach a document unchanged."""
    drawn = {
        char
        for char in text_glyphs() | emoji_glyphs()
        if unicodedata.category(char) not in _HIDDEN and unicodedata.bidirectional(char) not in _RTL
    }
    return frozenset((drawn - REPLACEMENTS) | SILENT)


def unprintable(text: str) -> list[str]:
    """The distinct characters of `text` outside `printable()`, in the order they first appear."""
    if text.isascii() and text.isprintable():
        return []
    missing = set(text).difference(printable())
    return [char for char in dict.fromkeys(text) if char in missing] if missing else []


def describe(char: str) -> str:
    """A character as a person can find it: „漢“ (U+6F22); an invisible one by its code point only."""
    code = f"U+{ord(char):04X}"
    visible = char.isprintable() and not char.isspace() and unicodedata.category(char)[0] not in "CZM"
    return f"„{char}“ ({code})" if visible else code
