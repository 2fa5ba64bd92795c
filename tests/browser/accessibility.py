"""Checks of one screen in the browser: axe-core with the WCAG 2.0/2.1/2.2 A+AA rules, lang="de", no English.

`check_screen(page, name)` fails on any critical or serious axe violation that is not in ALLOWED, on a document
language other than German, and on an English word of Streamlit's chrome in the visible text or an aria-label.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "test-artefacts" / "browser" / "accessibility"

#: The axe-core rule tags: WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
#: Violations of Streamlit's own markup that the app cannot fix: rule id → CSS selectors (axe "target"), each
#: listed in the README ("Accessibility") with the Streamlit issue tracking it. Empty: every screen passes.
ALLOWED: dict[str, set[str]] = {}
#: English words of Streamlit's chrome that must not reach a caseworker (visible text or aria-label).
ENGLISH = ["Press", "Enter", "submit", "Upload", "per file", "day", "month", "year", "Browse", "Drag and drop",
           "Running", "Stop", "Deploy", "Choose", "Collapse", "Expand", "Sidebar", "Skip to", "Clear", "Select",
           "No results", "Link to heading", "App pages", "Empty", "Search", "Download", "Close", "Open"]
_ENGLISH = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in ENGLISH) + r")(?![\w-])", re.IGNORECASE)

#: Visible text (without icon ligatures and aria-hidden parts) and every aria-label/-valuetext/placeholder/title.
_WORDING = """() => {
  const skip = n => n.parentElement?.closest('[aria-hidden="true"], [translate="no"], script, style, noscript');
  const visible = n => { const r = n.parentElement?.getClientRects(); return r && r.length > 0; };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.nodeValue.trim();
    if (text && !skip(n) && visible(n)) out.push(text);
  }
  for (const name of ["aria-label", "aria-valuetext", "placeholder", "title", "alt"]) {
    for (const el of document.querySelectorAll(`[${name}]`)) {
      if (!el.closest('[aria-hidden="true"]')) out.push(el.getAttribute(name));
    }
  }
  return out;
}"""


def axe_violations(page) -> list[dict]:
    """Critical and serious violations of the WCAG A/AA rules on the page as it is now (ALLOWED left out)."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    found = []
    for violation in result.response["violations"]:
        if violation["impact"] not in ("critical", "serious"):
            continue
        nodes = [n for n in violation["nodes"]
                 if " ".join(map(str, n["target"])) not in ALLOWED.get(violation["id"], set())]
        if nodes:
            found.append({"id": violation["id"], "impact": violation["impact"],
                          "nodes": [{"target": n["target"], "html": n["html"][:200],
                                     "summary": n.get("failureSummary", "")[:300]} for n in nodes]})
    return found


def english_words(page) -> list[str]:
    """The English words of ENGLISH found in the visible text and the labels of the page."""
    return sorted({f"{m.group(0)!r} in {text[:80]!r}" for text in page.evaluate(_WORDING)
                   for m in [_ENGLISH.search(text or "")] if m})


def check_screen(page, name: str) -> None:
    """axe-core, the document language and the wording of one screen; a report and a screenshot per screen are kept."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    lang = page.evaluate("() => document.documentElement.lang")
    violations = axe_violations(page)
    english = english_words(page)
    page.screenshot(path=str(REPORTS / f"{name}.png"), full_page=True)
    (REPORTS / f"{name}.json").write_text(json.dumps({"lang": lang, "violations": violations, "english": english},
                                                     ensure_ascii=False, indent=1), encoding="utf-8")
    assert lang == "de", f"{name}: <html lang=\"{lang}\">"
    assert not violations, f"{name}: " + json.dumps(violations, ensure_ascii=False, indent=1)
    assert not english, f"{name}: Englisch auf dem Bildschirm: {english}"


NO_FOCUS = "kein Element hat den Fokus"
#: The focused element or one of its three nearest ancestors draws a focus indicator (outline or box-shadow).
_FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return "NO_FOCUS";
  for (let n = el, i = 0; n && i < 4; n = n.parentElement, i++) {
    const cs = getComputedStyle(n);
    if (cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) >= 1) return "";
    if (cs.boxShadow && cs.boxShadow !== "none") return "";
  }
  return "kein sichtbarer Fokus: " + el.outerHTML.slice(0, 200);
}""".replace("NO_FOCUS", NO_FOCUS)


def focus_problem(page) -> str:
    """Empty when the focused element shows a visible focus indicator; else what is wrong."""
    return page.evaluate(_FOCUS)
