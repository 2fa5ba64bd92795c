"""Text a reader can see (issue 18.5): NFC normalisation, visible characters, bidi controls in names.

A text of only zero-width spaces, byte order marks or joiners (U+200B, U+FEFF, U+200D) looks empty on every
screen and in every PDF, so wherever a text is required it must contain a visible character. Bidi embedding,
override and isolate controls can make a name read differently from how it is stored; names refuse them.
"""

from __future__ import annotations

import unicodedata

from errors import InvalidInput

#: Unicode categories no reader sees as a character of their own: separators, controls, format characters
#: (zero-width, BOM, bidi), unassigned/private/surrogates and combining marks without a base.
_INVISIBLE = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cn", "Co", "Cs", "Mn", "Me"})
#: Bidi embeddings, overrides, isolates and marks (LRE … RLO, LRI … PDI, LRM, RLM, ALM).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
BIDI_MESSAGE = "Der {label} enthält unsichtbare Steuerzeichen für die Schreibrichtung. Bitte entfernen Sie sie."


def nfc(text: str) -> str:
    """The text in Unicode normal form C (a precomposed "ü" and "u" + combining diaeresis become the same)."""
    return unicodedata.normalize("NFC", text)


def has_visible(text: object) -> bool:
    """Whether `text` contains at least one character a reader sees."""
    return isinstance(text, str) and any(
        not char.isspace() and unicodedata.category(char) not in _INVISIBLE for char in text
    )


def required_text(value: object, *, field: str, message: str) -> str:
    """`value` in NFC without surrounding whitespace; InvalidInput(`message`, field) if nothing visible is left."""
    text = nfc(value).strip() if isinstance(value, str) else ""
    if not has_visible(text):
        raise InvalidInput(message, field=field)
    return text


def refuse_bidi_controls(text: str, *, field: str, label: str) -> str:
    """`text` unchanged, or InvalidInput at `field` if it contains a bidi control character."""
    if any(char in BIDI_CONTROLS for char in text):
        raise InvalidInput(BIDI_MESSAGE.format(label=label), field=field)
    return text
