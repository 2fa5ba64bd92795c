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
from functools import lru_cache

#: A cell starting with one of these is read as a formula (or DDE command) by Excel / LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")

#: Characters that are markup wherever they stand (emphasis, code, links, HTML, tables, strikethrough, math,
#: entities, headings).
_MARKUP_ANYWHERE = re.compile(r"([\\`*_{}\[\]<>#|~$&])")
#: Markup only at the start of a line: list items, setext underlines, ordered lists ("1." / "1)").
_LIST_MARK = re.compile(r"(?m)^([ \t]*)([-+=])")
_ORDERED = re.compile(r"(?m)^([ \t]*\d+)([.)])")
#: Streamlit's directives (:red[…], :material/icon:, emoji :smile:) and URLs (https://): a colon before a letter.
_DIRECTIVE_COLON = re.compile(r":(?=[^\s\d])")
_WWW = re.compile(r"(?i)\b(www)\.")


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
    """The text for any Streamlit element that reads Markdown (markdown, caption, title, subheader, info/warning/
    error/success, widget labels and help): shown exactly as written, never as markup or HTML, its lines kept.

    Every catalogue label, remark and hint text and every user text goes through here on its way to the screen.
    Punctuation that is markup only in a position (a list's "-" at a line start, "1." there) is escaped only
    there, so ordinary sentences keep their plain text.
    """
    value = "" if text is None else str(text)
    return _short_literal(value) if len(value) <= _REMEMBERED_CHARS else _literal(value)


#: Labels, names and checklist lines come back in every rerun of every session (a profiling page escapes about 30),
#: so the escaped form of a short text is kept; bounded in number and length, and only within the process.
_REMEMBERED_CHARS = 200


def _literal(value: str) -> str:
    value = _MARKUP_ANYWHERE.sub(r"\\\1", value)
    value = _ORDERED.sub(r"\1\\\2", value)
    value = _LIST_MARK.sub(r"\1\\\2", value)
    value = _DIRECTIVE_COLON.sub(r"\\:", value)
    value = _WWW.sub(r"\1\\.", value)
    return value.replace("\r\n", "\n").replace("\n", "  \n")


_short_literal = lru_cache(maxsize=4096)(_literal)
