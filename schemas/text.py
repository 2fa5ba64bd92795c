"""Text a reader can see (issue 18.5): NFC normalisation, visible characters, bidi controls in names.

A text of only zero-width spaces, byte order marks or joiners (U+200B, U+FEFF, U+200D) looks empty on every
screen and in every PDF, so wherever a text is required it must contain a visible character. Bidi embedding,
override and isolate controls can make a name read differently from how it is stored; names refuse them.

Text that reaches a document must be printable with the shipped fonts (issue 18.9, the set in `glyphs`): a
character outside it is refused at input with a German message naming it, at the field where it was typed
(`refuse_unprintable`; `refuse_unprintable_fields` walks a whole record), instead of vanishing from a PDF.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from pydantic import BaseModel

from errors import InvalidInput
from glyphs import describe, unprintable

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


def unprintable_message(chars: list[str]) -> str:
    """German: which characters of a text cannot be printed (at most five named)."""
    if len(chars) == 1:
        return (f"Das Zeichen {describe(chars[0])} kann in Dokumenten nicht gedruckt werden. "
                "Bitte ersetzen oder entfernen Sie es.")
    shown = ", ".join(describe(char) for char in chars[:5]) + (" …" if len(chars) > 5 else "")
    return f"Die Zeichen {shown} können in Dokumenten nicht gedruckt werden. Bitte ersetzen oder entfernen Sie sie."


def refuse_unprintable(text: str, *, field: str) -> str:
    """`text` unchanged, or InvalidInput at `field` naming the characters no shipped font can print."""
    if chars := unprintable(text):
        raise InvalidInput(unprintable_message(chars), field=field)
    return text


def refuse_unprintable_fields(record: BaseModel) -> None:
    """`refuse_unprintable` for the first text of `record` that needs it (see `unprintable_texts`)."""
    for path, _, chars in unprintable_texts(record):
        raise InvalidInput(unprintable_message(chars), field=path)


def unprintable_texts(model: BaseModel) -> Iterator[tuple[str, str, list[str]]]:
    """(path, text, unprintable characters) of every text of `model` — nested models, lists and dict values
    included — that holds one; the path is like "handlungsbedarfe.<id>.bemerkungen" (list positions left out)."""
    for path, text in _texts(model, ""):
        if chars := unprintable(text):
            yield path, text, chars


def _texts(value: object, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _texts(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _texts(item, path)
