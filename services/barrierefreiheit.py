"""The Erklärung zur Barrierefreiheit (BITV 2.0 § 7, § 12b BGG): installation data, shown before and after sign-in."""

from __future__ import annotations

from pathlib import Path

from config import get_settings

#: The shipped text; an installation names its own with VIERPHASEN_BARRIEREFREIHEIT_DATEI.
SHIPPED = Path(__file__).resolve().parents[1] / "deploy" / "barrierefreiheit.md"
#: Shown as the contact while the installation has not configured one.
KONTAKT_FEHLT = "die KDN-Fachbetreuung Ihres Jobcenters (eine eigene Adresse ist noch nicht eingerichtet)"


def erklaerung() -> str:
    """The statement as Markdown with the configured feedback contact and the Jobcenter's name filled in.

    An unreadable file shows the shipped text (an installation's mistake must not hide the contact)."""
    settings = get_settings()
    path = settings.barrierefreiheit_datei or SHIPPED
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        text = SHIPPED.read_text(encoding="utf-8")
    kontakt = settings.barrierefreiheit_kontakt.strip() or KONTAKT_FEHLT
    if "{kontakt}" not in text:  # the contact is required (BITV 2.0 § 7): an own text without it gets it added
        text += "\n\n### Barrieren melden: Kontakt\n\n{kontakt}\n"
    return text.replace("{kontakt}", kontakt).replace("{jobcenter}", settings.jobcenter_name)
