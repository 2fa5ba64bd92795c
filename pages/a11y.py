"""Accessibility and language fixes of Streamlit's own page chrome, applied on every page by app.py.

Streamlit serves `<html lang="en">`, draws its date fields with a fixed English locale ("dd", "day, …"),
and writes English hints ("Press Enter to submit form", "Upload", "20MB per file") and aria-labels
("Collapse sidebar", "Choose date"). None of that can be set from Python, so a small script in the page sets
`lang="de"`, translates exactly these strings (attributes and text, keeping React's nodes) and gives the
sidebar navigation valid list semantics; it watches the page and applies again after every rerun. The CSS
raises the caption contrast to WCAG AA and the date segments to 24 px targets. No user data goes in here.
Browser tests check the outcome (tests/browser/test_accessibility.py); a Streamlit upgrade that changes one
of these strings makes them fail.
"""

from __future__ import annotations

import json

import streamlit as st

#: Exact aria-label / title values of Streamlit's chrome → German.
LABELS = {
    "App pages": "Seiten",
    "Sidebar": "Seitenleiste",
    "Collapse sidebar": "Seitenleiste einklappen",
    "Expand sidebar": "Seitenleiste ausklappen",
    "Link to heading": "Link zu dieser Überschrift",
    "Choose date": "Datum auswählen",
    "Choose date range": "Zeitraum auswählen",
    "Main menu": "Hauptmenü",
    "Clear": "Leeren",
    "Clear value": "Eingabe leeren",
    "Clear all": "Alle entfernen",
    "Clear date": "Datum leeren",
    "Show password text": "Passwort anzeigen",
    "Hide password text": "Passwort verbergen",
    "Open": "Öffnen",
    "Close": "Schließen",
    "Remove": "Entfernen",
    "Previous month": "Vorheriger Monat",
    "Next month": "Nächster Monat",
    "Increment": "Erhöhen",
    "Decrement": "Verringern",
    "Selected": "ausgewählt",
    "Empty": "leer",
    "Fullscreen": "Vollbild",
    "Close fullscreen": "Vollbild beenden",
    "Download as CSV": "Als CSV herunterladen",
    "Search": "Suchen",
    "Running...": "Läuft …",
    "Stop": "Anhalten",
    "Choose an option": "Bitte auswählen",
    "Choose options": "Bitte auswählen",
    "file upload": "Datei hochladen",
}
#: Exact text of Streamlit's chrome → German.
TEXTS = {
    "Skip to main content": "Zum Hauptinhalt springen",
    "Press Enter to submit form": "Eingabetaste zum Absenden",
    "Press Enter to apply": "Eingabetaste zum Übernehmen",
    "Press Ctrl+Enter to apply": "Strg+Eingabetaste zum Übernehmen",
    "Press ⌘+Enter to apply": "⌘+Eingabetaste zum Übernehmen",
    "Drag and drop file here": "Datei hierher ziehen",
    "Drag and drop files here": "Dateien hierher ziehen",
    "Browse files": "Datei auswählen",
    "Upload": "Hochladen",
    "Failed to generate file for download": "Die Datei wurde nicht erstellt (siehe Meldung auf der Seite).",
    "Use arrow keys to navigate dates. Enter to select. Escape to close.":
        "Mit den Pfeiltasten ein Datum wählen, mit der Eingabetaste übernehmen, mit Escape schließen.",
    "dd": "TT",
    "mm": "MM",
    "yyyy": "JJJJ",
    "Running...": "Läuft …",
    "Stop": "Anhalten",
    "Choose an option": "Bitte auswählen",
    "Choose options": "Bitte auswählen",
    "No results": "Keine Treffer",
    "No options to select.": "Keine Auswahl möglich.",
}
#: Patterns (JavaScript regular expressions) with German replacements, for strings with a variable part.
PATTERNS = [
    (r"^day, (.*)$", "Tag, $1"),
    (r"^month, (.*)$", "Monat, $1"),
    (r"^year, (.*)$", "Jahr, $1"),
    (r"^(.*) start date$", "$1, Beginn"),
    (r"^(.*) end date$", "$1, Ende"),
    (r"^Limit (\d+)MB per file(.*)$", "Höchstens $1 MB je Datei$2"),
    (r"^(\d+)MB per file(.*)$", "Höchstens $1 MB je Datei$2"),
]

_SCRIPT = """<script>
(() => {
  const doc = document;
  if (window.__vierphasenA11y) { window.__vierphasenA11y(); return; }
  const LABELS = %(labels)s, TEXTS = %(texts)s;
  const PATTERNS = %(patterns)s.map(([re, to]) => [new RegExp(re), to]);
  const german = (value, table) => {
    const trimmed = value.trim();
    if (Object.prototype.hasOwnProperty.call(table, trimmed)) return value.replace(trimmed, table[trimmed]);
    for (const [re, to] of PATTERNS) if (re.test(trimmed)) return value.replace(trimmed, trimmed.replace(re, to));
    return value;
  };
  const fix = () => {
    if (doc.documentElement.lang !== "de") doc.documentElement.lang = "de";
    for (const name of ["aria-label", "aria-valuetext", "title", "placeholder"]) {
      for (const el of doc.querySelectorAll(`[${name}]`)) {
        const before = el.getAttribute(name), after = german(before, LABELS);
        if (after !== before) el.setAttribute(name, after);
      }
    }
    const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const before = node.nodeValue;
      if (!before || before.length > 120 || !before.trim()) continue;
      // the date placeholders only inside the date fields' segments
      if (/^(dd|mm|yyyy)$/.test(before.trim()) && !node.parentElement?.closest('[role="spinbutton"]')) continue;
      const after = german(before, TEXTS);
      if (after !== before) node.nodeValue = after;
    }
    // The navigation's sections put div elements into its list: take the list roles off (the links stay).
    for (const el of doc.querySelectorAll(
        '[data-testid="stSidebarNav"] ul, [data-testid="stSidebarNav"] ul > div, [data-testid="stSidebarNav"] li')) {
      if (el.getAttribute("role") !== "none") el.setAttribute("role", "none");
    }
  };
  let pending = false;
  const schedule = () => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => { pending = false; fix(); });
  };
  window.__vierphasenA11y = schedule;
  new MutationObserver(schedule).observe(doc.documentElement, {
    subtree: true, childList: true, characterData: true, attributes: true,
    attributeFilter: ["lang", "aria-label", "aria-valuetext", "title", "placeholder", "role"],
  });
  fix();
})();
</script>"""

_CSS = """<style>
/* Captions: Streamlit draws them at 60 % opacity, a contrast of 3.9:1; AA asks 4.5:1 (this: 7.5:1). */
[data-testid="stCaptionContainer"] { opacity: 1; color: #55534f; }
/* The date fields' segments (day, month, year) as targets of at least 24 × 24 px (WCAG 2.5.8). */
[data-testid="stDateInputFieldsScroller"] [role="spinbutton"] {
  display: inline-flex; align-items: center; justify-content: center; min-width: 24px; min-height: 24px; }
/* A visible focus on every control (WCAG 2.4.7), also where Streamlit's own outline is removed. */
a:focus-visible, button:focus-visible, [role="tab"]:focus-visible, [role="spinbutton"]:focus-visible,
input:focus-visible, textarea:focus-visible, [tabindex]:focus-visible, summary:focus-visible,
label:focus-within { outline: 2px solid #1a5fb4 !important; outline-offset: 2px; }
.st-key-vierphasen-a11y { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
</style>"""


#: The script with its tables: fixed text, made once (never from data). Streamlit's sanitizer drops a script
#: whose text contains "<" before a letter or "/" (other than its own tags), so none may be written in it.
_PAGE_SCRIPT = _SCRIPT % {
    "labels": json.dumps(LABELS, ensure_ascii=False),
    "texts": json.dumps(TEXTS, ensure_ascii=False),
    "patterns": json.dumps(PATTERNS, ensure_ascii=False),
}


class _FixedHtml:
    """HTML made once, handed to st.html as an object with `_repr_html_`: Streamlit then takes it as it is instead
    of dedenting a text of about 10 KB again in every run."""

    def __init__(self, html: str) -> None:
        self._html = html

    def _repr_html_(self) -> str:
        return self._html


_PAGE_HTML = _FixedHtml(_CSS + _PAGE_SCRIPT)


def apply() -> None:
    """Put the language and accessibility fixes on the page (call once per run, before the page's content)."""
    with st.container(key="vierphasen-a11y"):  # one element for styles and script: each costs every rerun
        st.html(_PAGE_HTML, unsafe_allow_javascript=True)
