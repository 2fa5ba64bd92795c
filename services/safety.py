"""Output safety for free text: CSV cells that no spreadsheet runs as a formula, Markdown shown literally.

Anything the product exports as CSV goes through `csv_safe` / `to_csv`. Free text that a page shows with
`st.markdown` goes through `markdown_literal`; no page passes user data to `unsafe_allow_html`.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence

#: A cell starting with one of these is read as a formula (or DDE command) by Excel / LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def csv_safe(cell: object) -> str:
    """The cell as text; if a spreadsheet would read it as a formula, prefixed with an apostrophe (OWASP).

    Leading blanks of every kind do not help an attacker past the check: " =1+1", a no-break space, an
    ideographic space, a byte order mark or a zero-width character before "=" are prefixed as well.
    """
    text = "" if cell is None else str(cell)
    if text.startswith(FORMULA_STARTS) or leading_blanks_stripped(text).startswith(FORMULA_STARTS):
        return "'" + text
    return text


def leading_blanks_stripped(text: str) -> str:
    """`text` without what a spreadsheet skips or shows as nothing at its start: whitespace of every kind
    (no-break, ideographic, …), format characters (BOM, zero-width space/joiner, bidi marks) and controls."""
    start = 0
    while start < len(text) and (text[start].isspace() or unicodedata.category(text[start]) in ("Cf", "Cc", "Zs")):
        start += 1
    return text[start:]


def to_csv(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """A CSV text (semicolon-separated, as German spreadsheets expect) with every cell made `csv_safe`."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([csv_safe(c) for c in header])
    for row in rows:
        writer.writerow([csv_safe(c) for c in row])
    return out.getvalue()


def markdown_literal(text: object) -> str:
    """Escape Markdown and HTML syntax so `st.markdown` shows user text exactly as typed, never as markup."""
    value = "" if text is None else str(text)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value)
