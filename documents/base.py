"""The shared page layout of all documents: DejaVu Sans, A4, header, "Seite x von y" footer, block helpers."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime

from fpdf import FPDF, XPos, YPos

from dates import EMPTY, format_date, format_datetime
from documents.data import Wert
from documents.fpdf_internals import (
    FONT_FAMILY,
    embed_full_fonts_where_needed,
    preload_fonts,
    register_fonts,
)
from glyphs import EMOJI_FONT, emoji_glyphs, text_glyphs

__all__ = ["format_date", "format_datetime", "preload_fonts"]  # re-exported for the documents

LEER = EMPTY  # printed for every empty value (keine Angaben)

# Layout in mm / pt
MARGIN_X = 20
MARGIN_TOP = 24
MARGIN_BOTTOM = 20
BODY_PT = 10
LINE_H = 5.0
LABEL_W = 52
GREY = (90, 90, 90)
RULE = (170, 170, 170)


# Characters from text areas and copy & paste that would print as boxes or cause hyphenation: carriage
# returns and tabs become line breaks and spaces, soft hyphens and zero-width characters disappear.
_CLEAN = str.maketrans(
    {"\r": "\n", "\t": " ", "\u00ad": None, "\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None}
)


def clean_text(text: str) -> str:
    """`text` stripped and freed of characters that print badly (see `_CLEAN`); CR LF becomes one line break."""
    return text.replace("\r\n", "\n").translate(_CLEAN).strip()


NBSP = "\u00a0"

# Groups that must not be broken across lines: legal references ("§ 15 SGB II", "§§ 67a ff. SGB X",
# "Art. 15 DSGVO", "Abs. 2"), a book of the SGB on its own ("SGB II"), amounts ("450 €", "20 %") and a date
# with its time ("24.11.2026 14:05").
_BOUND = re.compile(
    r"(?:§§?|Art\.|Artikel|Abs\.|Satz|Nr\.)\s+\d+[a-z]?(?:\s+ff\.)?"
    r"(?:\s+(?:Abs\.|Satz|Nr\.)\s+\d+[a-z]?)*"
    r"(?:\s+(?:SGB\s+[IVX]+\b|DSGVO|BDSG|BGB|SGG|SGB))?"
    r"|SGB\s+[IVX]+\b"
    r"|\d[\d.,]*\s+(?:€|%|EUR\b)"
    r"|\b\d\d\.\d\d\.\d{4}\s+\d\d:\d\d\b"
)
# Where a word wider than the line may be broken (after these characters), e.g. in file names; never before
# the extension of a file name.
_BREAK_AFTER = "_-/\u00a0"
_SPACES = re.compile(r"[^\S\u00a0\u202f\u2007]+")  # white space that may break a line


def bind(text: str) -> str:
    """`text` with non-breaking spaces inside legal references and amounts (see `_BOUND`)."""
    return _BOUND.sub(lambda match: re.sub(r"\s+", NBSP, match.group(0)), text)


def format_value(value: Wert) -> str:
    """Any field value as printed text (see `documents.data.Wert`)."""
    if value is None or value == "":
        return LEER
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, str):
        return clean_text(value) or LEER
    if isinstance(value, int):
        return str(value)
    items = [clean_text(str(item)) for item in value if str(item).strip()]
    return "\n".join(f"• {item}" for item in items) if items else LEER


# Characters outside DejaVu Sans (emoji) print with Noto Emoji, which is registered only in a document that
# needs it (fpdf2 embeds every registered font). A character in neither font prints as "�" rather than
# vanishing (fpdf2 would drop it with a log warning only); variation selectors (U+FE0E/U+FE0F) are invisible.
EMOJI_FAMILY = "NotoEmoji"
REPLACEMENT = "\ufffd"
_INVISIBLE = {"\ufe0e", "\ufe0f"}


def _charsets() -> tuple[frozenset[str], frozenset[str]]:
    """The characters DejaVu Sans (both styles) and Noto Emoji have glyphs for (read once, `glyphs`)."""
    return text_glyphs(), emoji_glyphs()


class DocumentPDF(FPDF):
    """A4 portrait with the Jobcenter name and the title in the header and "Seite x von y" in the footer.

    `marking` prints a framed line under the header of every page (e.g. "Ausdruck für die Akte …");
    `footer_note` prints at the bottom left of every page, so that loose pages can be matched.
    """

    def __init__(self, *, jobcenter: str, title: str, marking: str = "", footer_note: str = "") -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.jobcenter = jobcenter
        self.doc_title = title
        self.marking = marking
        self.footer_note = footer_note
        self._font_sources = register_fonts(self)
        self._emoji_font = False
        self._footers_drawn = False
        # Headings (and a note right below them) wait for the content that follows, so that they are drawn on
        # the page where its first lines go: (height in mm, draw).
        self._pending: list[tuple[float, Callable[[], None]]] = []
        self.set_margins(MARGIN_X, MARGIN_TOP, MARGIN_X)
        self.set_auto_page_break(True, margin=MARGIN_BOTTOM)
        self.set_title(title)
        self.set_author(jobcenter)
        self.set_creator("Vierphasen")
        self.set_lang("de-DE")
        # No "{nb}" alias: the footers know the page count (see `_draw_footers`), and client text that
        # happens to contain "{nb}" must print as typed.
        self.alias_nb_pages(None)
        self.set_font(FONT_FAMILY, "", BODY_PT)
        self.add_page()

    def normalize_text(self, text: str) -> str:
        """fpdf2's hook for every text it prints or measures: emoji switch on the Noto Emoji fallback font, a
        character in no shipped font becomes "�" (see `REPLACEMENT`)."""
        if not text.isascii():
            dejavu, emoji = _charsets()
            missing = {char for char in set(text) - dejavu if char >= " "}
            if missing:
                if not self._emoji_font and missing & emoji:
                    self.add_font(EMOJI_FAMILY, "", EMOJI_FONT)
                    self.set_fallback_fonts([EMOJI_FAMILY], exact_match=False)
                    self._emoji_font = True
                unprintable = missing - emoji
                if unprintable:
                    text = "".join(
                        ("" if char in _INVISIBLE else REPLACEMENT) if char in unprintable else char for char in text
                    )
        return super().normalize_text(text)

    def _units(self, text: str) -> float:
        """Width of `text` in font units of the current font (fast for DejaVu's characters)."""
        try:
            return self.current_font.units(text)
        except KeyError:  # emoji and other characters of a fallback font: fpdf2 measures them
            return self.get_string_width(text) * self.k / (self.font_size_pt * 0.001)

    # -- page frame -------------------------------------------------------------------------------------

    def header(self) -> None:
        self.set_y(10)
        self.set_font(FONT_FAMILY, "B", 9)
        self.set_text_color(0)
        half = self.epw / 2
        self.cell(half, 5, self.jobcenter, new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.set_font(FONT_FAMILY, "", 9)
        self.cell(half, 5, self.doc_title, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*RULE)
        self.set_line_width(0.3)
        self.line(self.l_margin, 16, self.w - self.r_margin, 16)
        self.set_y(MARGIN_TOP)
        if self.marking:
            self.set_y(19)
            self.set_font(FONT_FAMILY, "B", 9)
            self.set_draw_color(150, 0, 0)
            self.set_text_color(150, 0, 0)
            self.cell(0, 7, self.marking, border=1, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_text_color(0)
            self.set_y(self.get_y() + 5)
        self.set_font(FONT_FAMILY, "", BODY_PT)
        self.set_draw_color(0)

    def footer(self) -> None:
        # Footers are drawn by `_draw_footers` once the page count is known (see there).
        pass

    def _draw_footers(self) -> None:
        """Draw every page's footer with the final page count.

        fpdf2's `{nb}` alias reserves the width of three digits and so leaves a gap in a right-aligned
        "Seite 1 von 2"; going back over the finished pages avoids the alias altogether.
        """
        total = self.page
        auto_break = self.auto_page_break
        self.set_auto_page_break(False)
        for number in range(1, total + 1):
            self.page = number
            self.set_y(-14)
            # fpdf2 writes a font selection into a page only when the font changes, and this page may end in
            # another font than the footer of the page before: selecting a different size first forces it.
            self.set_font(FONT_FAMILY, "", 9)
            self.set_font(FONT_FAMILY, "", 8)
            self.set_text_color(*GREY)
            half = self.epw / 2
            self.cell(half, 5, self.footer_note, new_x=XPos.RIGHT, new_y=YPos.TOP)
            self.cell(half, 5, f"Seite {number} von {total}", align="R")
        self.page = total
        self.set_text_color(0)
        self.set_auto_page_break(auto_break, margin=MARGIN_BOTTOM)

    # -- blocks -----------------------------------------------------------------------------------------

    def wrap(self, text: str, width: float) -> list[str]:
        """`text` broken into lines that fit `width` mm in the current font.

        Greedy, at spaces only, never hyphenated; legal references and amounts stay on one line (`bind`).
        A word wider than the line is split after its last "_", "-" or "/" that fits (file names),
        else between characters. Line breaks in `text` are kept, runs of spaces collapse to one. Own code
        instead of fpdf2's `multi_cell`, whose line breaking re-measures the line at every character
        (quadratic; it made up most of the render time of a long EGV).
        """
        units = self._units
        per_unit = self.font_size_pt * 0.001 / self.k  # mm per font unit
        room = (width - 2 * self.c_margin) / per_unit + 1e-6
        space = units(" ")
        lines: list[str] = []
        for paragraph in bind(text).split("\n"):
            line: list[str] = []
            used = 0.0
            for word in _SPACES.split(paragraph):
                if not word:
                    continue
                size = units(word)
                if line and used + space + size <= room:
                    line.append(word)
                    used += space + size
                    continue
                if line:
                    lines.append(" ".join(line))
                while size > room and len(word) > 1:
                    cut, part = 1, units(word[0])
                    while cut < len(word) and part + units(word[cut]) <= room:
                        part += units(word[cut])
                        cut += 1
                    at = max(word.rfind(char, 0, cut) for char in _BREAK_AFTER) + 1
                    cut = at if at > cut // 2 else cut  # not after a separator near the start: too short a line
                    lines.append(word[:cut].rstrip(NBSP))
                    word = word[cut:]
                    size = units(word)
                line, used = [word], size
            lines.append(" ".join(line))
        # A non-breaking space prints (and is copied from the PDF) as an ordinary space.
        return [line.replace(NBSP, " ") for line in lines]

    def write_lines(self, lines: Sequence[str], x: float, width: float, line_h: float = LINE_H) -> None:
        """Print `lines` one below the other at `x`, starting a new page whenever one does not fit."""
        if self._pending:
            self.keep_with_headings(min(len(lines), 2) * line_h)
        for line in lines:
            if self.will_page_break(line_h):
                self.add_page()
            self.set_x(x)
            self.cell(width, line_h, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def text_height(self, text: str, width: float, line_h: float = LINE_H) -> float:
        """Height `text` takes in lines of `width` mm in the current font."""
        return len(self.wrap(text, width)) * line_h

    def keep_space(self, height: float) -> None:
        """Start a new page unless `height` mm (plus any heading waiting for its content) still fit on this one."""
        if self.will_page_break(height + sum(h for h, _ in self._pending)):
            self.add_page()

    def keep_block(self, height: float) -> None:
        """Keep a block of `height` mm on one page: start a new page unless it fits here. A block taller than a
        whole page starts here (its first lines are still kept with their heading)."""
        if height <= self.h - self.t_margin - self.b_margin - 10:
            self.keep_space(height)

    def keep_with_headings(self, first: float) -> None:
        """Called by every block before it draws: the waiting headings and the block's first `first` mm go on
        one page (the next one if they do not fit here), then the headings are drawn."""
        if not self._pending:
            return
        self.keep_space(first)
        pending, self._pending = self._pending, []
        for _, draw in pending:
            draw()

    def document_title(self, title: str, subtitle: str = "") -> None:
        """The large title on the first page, with an optional line below it."""
        self.set_font(FONT_FAMILY, "B", 16)
        self.write_lines(self.wrap(title, self.epw), self.l_margin, self.epw, 8)
        if subtitle:
            self.set_font(FONT_FAMILY, "", 11)
            self.write_lines(self.wrap(subtitle, self.epw), self.l_margin, self.epw, 6)
        self.set_font(FONT_FAMILY, "", BODY_PT)
        self.ln(4)

    def heading_height(self, text: str, *, level: int = 1) -> float:
        """Height of `heading(text, level=level)` in mm."""
        self.set_font(FONT_FAMILY, "B", 12 if level == 1 else 10.5)
        height = self.text_height(text, self.epw, 6)
        self.set_font(FONT_FAMILY, "", BODY_PT)
        return height + (4 + 2 if level == 1 else 2 + 0.5)

    def heading(self, text: str, *, level: int = 1) -> None:
        """A section heading. It is drawn with the first lines of the content that follows: if they do not fit
        below it on this page, heading and content start on the next one (no heading ends a page)."""
        self._pending.append((self.heading_height(text, level=level), lambda: self._draw_heading(text, level)))

    def _draw_heading(self, text: str, level: int) -> None:
        self.set_font(FONT_FAMILY, "B", 12 if level == 1 else 10.5)
        self.ln(4 if level == 1 else 2)
        self.write_lines(self.wrap(text, self.epw), self.l_margin, self.epw, 6)
        if level == 1:
            self.set_draw_color(*RULE)
            self.set_line_width(0.2)
            self.line(self.l_margin, self.get_y() + 0.5, self.w - self.r_margin, self.get_y() + 0.5)
            self.set_draw_color(0)
            self.ln(2)
        else:
            self.ln(0.5)
        self.set_font(FONT_FAMILY, "", BODY_PT)

    def paragraph_height(self, text: str, *, indent: float = 0) -> float:
        """Height of `paragraph(text, indent=indent)` in mm."""
        self.set_font(FONT_FAMILY, "", BODY_PT)
        return self.text_height(clean_text(text) or LEER, self.epw - indent) + 1.5

    def paragraph(self, text: str, *, indent: float = 0) -> None:
        """A wrapped paragraph that breaks across pages; empty text prints "—"."""
        self.set_font(FONT_FAMILY, "", BODY_PT)
        width = self.epw - indent
        self.write_lines(self.wrap(clean_text(text) or LEER, width), self.l_margin + indent, width)
        self.ln(1.5)

    def note(self, text: str) -> None:
        """Small grey explanatory text. Right below a heading it belongs to the heading: both wait for the
        content that follows."""
        self.set_font(FONT_FAMILY, "", 8.5)
        lines = self.wrap(text, self.epw)
        self.set_font(FONT_FAMILY, "", BODY_PT)
        if self._pending:
            self._pending.append((len(lines) * 4.2 + 1.5, lambda: self._draw_note(lines)))
        else:
            self._draw_note(lines)

    def _draw_note(self, lines: list[str]) -> None:
        self.set_text_color(*GREY)
        self.set_font(FONT_FAMILY, "", 8.5)
        self.write_lines(lines, self.l_margin, self.epw, 4.2)
        self.set_text_color(0)
        self.set_font(FONT_FAMILY, "", BODY_PT)
        self.ln(1.5)

    def bullets(self, items: Sequence[str], *, indent: float = 0) -> None:
        """A bullet list; an empty list prints "—"."""
        items = [item for item in items if item.strip()]
        if not items:
            self.paragraph(LEER, indent=indent)
            return
        self.set_font(FONT_FAMILY, "", BODY_PT)
        self.keep_with_headings(min(len(self.wrap(clean_text(items[0]), self.epw - indent - 5)), 2) * LINE_H)
        for item in items:
            self.set_font(FONT_FAMILY, "", BODY_PT)
            if self.will_page_break(LINE_H):
                self.add_page()
            self.set_x(self.l_margin + indent)
            self.cell(5, LINE_H, "•", new_x=XPos.RIGHT, new_y=YPos.TOP)
            width = self.epw - indent - 5
            self.write_lines(self.wrap(clean_text(item), width), self.l_margin + indent + 5, width)
            self.ln(0.8)
        self.ln(0.7)

    def content(self, value: str | Sequence[str], *, indent: float = 0) -> None:
        """Section content: a string as paragraph, a sequence of strings as bullet list."""
        if isinstance(value, str):
            self.paragraph(value, indent=indent)
        else:
            self.bullets(list(value), indent=indent)

    def content_height(self, value: str | Sequence[str], *, indent: float = 0) -> float:
        """Height of `content(value, indent=indent)` in mm (on one page)."""
        if isinstance(value, str) or not [item for item in value if item.strip()]:
            return self.paragraph_height(value if isinstance(value, str) else "", indent=indent)
        self.set_font(FONT_FAMILY, "", BODY_PT)
        items = [item for item in value if item.strip()]
        return sum(self.text_height(clean_text(item), self.epw - indent - 5) + 0.8 for item in items) + 0.7

    def content_ending_with(self, value: str | Sequence[str], following: float, *, indent: float = 0) -> None:
        """Section content whose end — a paragraph's last (up to) three lines, a list's last item — goes on one
        page with the `following` mm drawn after it, so that what follows (signatures) never stands alone."""
        if not isinstance(value, str) and len(items := [item for item in value if item.strip()]) > 1:
            self.bullets(items[:-1], indent=indent)
            self.keep_block(self.content_height(items[-1:], indent=indent) + following)
            self.bullets(items[-1:], indent=indent)
            return
        if not isinstance(value, str):
            self.keep_block(self.content_height(value, indent=indent) + following)
            self.content(value, indent=indent)
            return
        self.set_font(FONT_FAMILY, "", BODY_PT)
        width = self.epw - indent
        lines = self.wrap(clean_text(value) or LEER, width)
        if lines[:-3]:
            self.write_lines(lines[:-3], self.l_margin + indent, width)
        self.keep_block(len(lines[-3:]) * LINE_H + 1.5 + following)
        self.write_lines(lines[-3:], self.l_margin + indent, width)
        self.ln(1.5)

    def _field_lines(self, label: str, value: Wert, label_w: float) -> tuple[list[str], list[str]]:
        self.set_font(FONT_FAMILY, "B", BODY_PT)
        label_lines = self.wrap(label, label_w - 4)
        self.set_font(FONT_FAMILY, "", BODY_PT)
        return label_lines, self.wrap(format_value(value), self.epw - label_w)

    def field_height(self, label: str, value: Wert, *, label_w: float = LABEL_W) -> float:
        """Height of `field(label, value, label_w=label_w)` in mm (on one page)."""
        label_lines, value_lines = self._field_lines(label, value, label_w)
        return max(len(label_lines), len(value_lines)) * LINE_H + 1.2

    def field(self, label: str, value: Wert, *, label_w: float = LABEL_W) -> None:
        """A label/value row: bold label left, wrapped value right.

        A value taller than the rest of the page starts on the next page together with its label; one taller
        than a whole page starts below its label and breaks across pages.
        """
        value_w = self.epw - label_w
        label_lines, value_lines = self._field_lines(label, value, label_w)
        height = max(len(label_lines), len(value_lines)) * LINE_H
        if height > self.h - self.t_margin - self.b_margin - 10:
            self.keep_with_headings(2 * LINE_H)
            self.set_font(FONT_FAMILY, "B", BODY_PT)
            self.write_lines(label_lines, self.l_margin, self.epw)
            self.set_font(FONT_FAMILY, "", BODY_PT)
            self.write_lines(value_lines, self.l_margin + label_w, value_w)
            self.ln(1.5)
            return
        self.keep_with_headings(height)
        self.keep_space(height)
        top = self.get_y()
        self.set_font(FONT_FAMILY, "B", BODY_PT)
        self.write_lines(label_lines, self.l_margin, label_w - 4)
        self.set_y(top)
        self.set_font(FONT_FAMILY, "", BODY_PT)
        self.write_lines(value_lines, self.l_margin + label_w, value_w)
        self.set_y(top + height + 1.2)

    def checkbox(self, label: str, checked: bool, *, indent: float = 0) -> None:
        """A drawn box (crossed when `checked`) followed by its label."""
        self.set_font(FONT_FAMILY, "", BODY_PT)
        lines = self.wrap(label, self.epw - indent - 6)
        self.keep_with_headings(len(lines) * LINE_H)
        self.keep_space(len(lines) * LINE_H)
        x, y = self.l_margin + indent, self.get_y()
        box = 3.6
        self.set_line_width(0.25)
        self.rect(x, y + 0.7, box, box)
        if checked:
            self.line(x + 0.6, y + 1.3, x + box - 0.6, y + box + 0.1)
            self.line(x + 0.6, y + box + 0.1, x + box - 0.6, y + 1.3)
        self.write_lines(lines, x + 6, self.epw - indent - 6)
        self.ln(1)

    def signature_lines(self, captions: Sequence[str], *, prefill: Sequence[str] = ()) -> None:
        """Signature lines side by side (at most two per row), each with its caption below the line.

        `prefill` prints a text at the left end just above a line (e.g. "Musterstadt, 24.11.2026,"), leaving
        the rest of the line for the signature.
        The block is never split across pages.
        """
        gap = 12
        col_w = (self.epw - gap) / 2
        prefill = list(prefill) + [""] * (len(captions) - len(prefill))
        self.keep_with_headings(25 * ((len(captions) + 1) // 2) + 2)
        self.keep_space(25 * ((len(captions) + 1) // 2) + 2)
        for start in range(0, len(captions), 2):
            row = list(zip(captions[start : start + 2], prefill[start : start + 2]))
            self.ln(15)
            y = self.get_y()
            for col, (caption, pre) in enumerate(row):
                x = self.l_margin + col * (col_w + gap)
                if pre:
                    self.set_xy(x, y - 5)
                    self.set_font(FONT_FAMILY, "", 9)
                    self.cell(col_w, 4.5, pre)
                self.set_line_width(0.3)
                self.line(x, y, x + col_w, y)
                self.set_xy(x, y + 1)
                self.set_font(FONT_FAMILY, "", 8.5)
                self.write_lines(self.wrap(caption, col_w), x, col_w, 4)
            self.set_y(y + 10)
            self.set_font(FONT_FAMILY, "", BODY_PT)

    def grid(self, headings: Sequence[str], widths: Sequence[float], rows: Sequence[Sequence[str]], *,
             size: float = 8.5, line_h: float = 4.2) -> None:
        """A table with a grey heading row (repeated on every page) and rules between rows. Cells wrap like
        paragraphs (legal references kept together, file names broken after "_" or "-"); a row never breaks
        across pages. Drawn with `cell` and `line` rather than fpdf2's `FPDF.table`, which renders each cell through
        `multi_cell` and made a 50-row Auskunft 5–9 times slower (258–453 ms against 48–51 ms, measured)."""
        pad = 1.2

        def row_lines(cells: Sequence[str], style: str) -> list[list[str]]:
            self.set_font(FONT_FAMILY, style, size)
            return [self.wrap(clean_text(cell) or LEER, width) for cell, width in zip(cells, widths)]

        def draw(lines: list[list[str]], style: str, fill: bool) -> None:
            height = max(len(cell) for cell in lines) * line_h + 2 * pad
            top = self.get_y()
            if fill:
                self.set_fill_color(235, 235, 235)
                self.rect(self.l_margin, top, sum(widths), height, style="F")
            self.set_font(FONT_FAMILY, style, size)
            x = self.l_margin
            for cell, width in zip(lines, widths):
                for number, line in enumerate(cell):
                    self.set_xy(x, top + pad + number * line_h)
                    self.cell(width, line_h, line)
                x += width
            self.set_draw_color(*RULE)
            self.set_line_width(0.2)
            self.line(self.l_margin, top + height, self.l_margin + sum(widths), top + height)
            self.set_draw_color(0)
            self.set_xy(self.l_margin, top + height)

        head = row_lines(headings, "B")
        head_h = max(len(cell) for cell in head) * line_h + 2 * pad
        body = [row_lines(row, "") for row in rows]
        first_h = max(len(cell) for cell in body[0]) * line_h + 2 * pad if body else 0
        self.keep_with_headings(head_h + first_h)
        self.keep_space(head_h + first_h)
        draw(head, "B", True)
        auto_break = self.auto_page_break
        self.set_auto_page_break(False)  # rows are kept whole below, by hand
        for lines in body:
            height = max(len(cell) for cell in lines) * line_h + 2 * pad
            if self.get_y() + height > self.page_break_trigger:
                self.add_page()
                draw(head, "B", True)
            draw(lines, "", False)
        self.set_auto_page_break(auto_break, margin=MARGIN_BOTTOM)
        self.set_font(FONT_FAMILY, "", BODY_PT)
        self.ln(2)

    def output(self, *args, **kwargs):
        """fpdf2's output, after the footers and after switching a font to its full file if the text needs a
        rarer glyph."""
        self.keep_with_headings(0)  # a heading at the very end still prints
        if not self._footers_drawn:
            self._draw_footers()
            self._footers_drawn = True
        embed_full_fonts_where_needed(self, self._font_sources)
        return super().output(*args, **kwargs)

    def to_bytes(self) -> bytes:
        """The finished PDF."""
        return bytes(self.output())
