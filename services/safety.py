"""Output safety for free text: CSV cells that no spreadsheet runs as a formula, Markdown shown literally.

Anything the product exports as CSV goes through `csv_safe` / `to_csv`. Free text that a page shows with
`st.markdown` goes through `markdown_literal`; no page passes user data to `unsafe_allow_html`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

#: A cell starting with one of these is read as a formula (or DDE command) by Excel / LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def csv_safe(cell: object) -> str:
    """The cell as text; if a spreadsheet would read it as a formula, prefixed with an apostrophe (OWASP).

    Leading whitespace does not help an attacker past the check: " =1+1" is also prefixed.
    """
    text = "" if cell is None else str(cell)
    if text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


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
