"""Edits of catalogue text that keep everything else as written: the version number, the agreement block
(e.g. the Kooperationsplan); and the catalogue files shipped with the app."""

from __future__ import annotations

import re
from pathlib import Path


def set_version(text: str, number: int) -> str:
    """Return catalogue text whose top-level `version:` is `number` (added on top if missing)."""
    if re.search(r"(?m)^version:", text):
        return re.sub(r"(?m)^version:.*$", f"version: {number}", text, count=1)
    return f"version: {number}\n{text}"


SHIPPED_CATALOGUE = Path(__file__).parent / "katalog.yaml"
#: Only the `vereinbarung` block of the Kooperationsplan (§ 15 SGB II since July 2023), to put into a catalogue.
KOOPERATIONSPLAN_BLOCK = SHIPPED_CATALOGUE.with_name("kooperationsplan.example.yaml")

_VEREINBARUNG_BLOCK = re.compile(r"(?ms)^vereinbarung:.*?(?=^\S|\Z)")


def with_vereinbarung(text: str, block: str) -> str:
    """Catalogue text whose top-level `vereinbarung:` block is replaced by the one in `block` (a file that holds
    such a block, e.g. kooperationsplan.example.yaml); everything else of `text` stays as written.

    Raises ValueError if either text has no top-level `vereinbarung:` block.
    """
    new = _VEREINBARUNG_BLOCK.search(block)
    if new is None or _VEREINBARUNG_BLOCK.search(text) is None:
        raise ValueError("Ein Block „vereinbarung:“ am Zeilenanfang fehlt.")
    replacement = new.group(0).rstrip("\n") + "\n\n"
    return _VEREINBARUNG_BLOCK.sub(lambda _: replacement, text, count=1)

