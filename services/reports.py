"""Kundensteuerung report for the Fachaufsicht (and KDN-Fachbetreuung): aggregated figures, no names, no free text.

The store computes the counts (`Store.report_counts`: SQL aggregates on PostgreSQL, a per-client summary index on
TinyDB); this module checks the permission and the filter, puts catalogue labels on the ids and shapes the
tables the page shows, charts and offers as CSV.

Definitions (see also storage.base.ReportCounts):
- Bestand at the Stichtag (today), over all clients of the team filter (clients have no end date, so every
  stored client counts as active): per client the newest closed profiling gives Prognose / Profillage, the
  relevant Handlungsbedarfe and the chosen strategies; the newest closed EGV is "gültig" while its review date
  (Überprüfung am) is not passed, "Überprüfung überfällig" once it is.
- Verlauf within the period (days in Europe/Berlin): profilings angelegt (created) and abgeschlossen (closed),
  Folgegespräche geführt (their date) per team and month; Folgegespräche fällig = the next appointment
  (nächster Termin) agreed in a Folgegespräch falls into the month, geführt = a Folgegespräch took place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from dates import format_date, today
from errors import InvalidInput
from schemas.catalogue import Catalogue
from schemas.records import User
from services.access import Permission, require
from services.catalogue import get_catalogue
from services.safety import to_csv
from storage.base import ReportCounts, Store

#: The longest period a report covers (five years), so that the monthly tables stay readable.
MAX_DAYS = 5 * 366
TEAM_MAX = 100


@dataclass(frozen=True)
class Diagramm:
    """How the page charts a table: categories in column `x`, one bar series per column in `y`."""

    x: str
    y: list[str]
    horizontal: bool = False


@dataclass(frozen=True)
class Tabelle:
    """One table of the report: German column names, rows of plain values (text and numbers only)."""

    key: str  # file name of the CSV download
    titel: str
    spalten: list[str]
    zeilen: list[list[object]]
    diagramm: Diagramm | None = None
    hinweis: str = ""

    def csv(self) -> str:
        """The table as CSV (semicolon-separated, formula-injection safe)."""
        return to_csv(self.spalten, self.zeilen)


@dataclass(frozen=True)
class Kundensteuerung:
    """The whole report for one filter."""

    von: date
    bis: date
    team: str | None
    stichtag: date
    counts: ReportCounts
    tabellen: list[Tabelle] = field(default_factory=list)

    def tabelle(self, key: str) -> Tabelle:
        return next(t for t in self.tabellen if t.key == key)


def list_report_teams(store: Store, *, actor: User) -> list[str]:
    """The teams to filter by (all teams that have clients). Raises NotPermitted."""
    require(store, actor, Permission.VIEW_REPORTS)
    return store.report_teams()


def compile_report(
    store: Store, *, von: date, bis: date, team: str | None = None, actor: User, stichtag: date | None = None
) -> Kundensteuerung:
    """The Kundensteuerung report for the period von..bis (inclusive) and one team (None: all teams).

    Raises NotPermitted (only Fachaufsicht and KDN-Fachbetreuung), InvalidInput (period reversed or longer
    than five years, team name too long), NotFound (no catalogue published).
    """
    require(store, actor, Permission.VIEW_REPORTS)
    if von is None or bis is None:
        raise InvalidInput("Bitte geben Sie den Zeitraum vollständig an (von und bis).", field="zeitraum")
    if von > bis:
        raise InvalidInput("Der Zeitraum ist ungültig: „von“ liegt nach „bis“.", field="zeitraum")
    if (bis - von).days > MAX_DAYS:
        raise InvalidInput("Bitte wählen Sie einen Zeitraum von höchstens fünf Jahren.", field="zeitraum")
    team = (team or "").strip() or None
    if team is not None and len(team) > TEAM_MAX:
        raise InvalidInput(f"Der Teamname darf höchstens {TEAM_MAX} Zeichen lang sein.", field="team")
    stichtag = stichtag or today()
    counts = store.report_counts(team=team, von=von, bis=bis, stichtag=stichtag)
    labels = _Labels(store)
    tabellen = [
        _kennzahlen(counts, stichtag),
        _prognose(counts, labels),
        _bedarfe(counts, labels),
        _strategien(counts, labels),
        _team_monat(counts),
        _faellig_gefuehrt(counts),
        _verlauf(counts, labels),
    ]
    return Kundensteuerung(von=von, bis=bis, team=team, stichtag=stichtag, counts=counts, tabellen=tabellen)


# --- tables ----------------------------------------------------------------------------------------------------
def percent(part: int, whole: int) -> str:
    """'12,5 %' (German decimal comma); '—' when there is nothing to relate to."""
    if whole == 0:
        return "—"
    return f"{100 * part / whole:.1f} %".replace(".", ",")


def _kennzahlen(c: ReportCounts, stichtag: date) -> Tabelle:
    rows = [
        ["Kundinnen und Kunden (aktiv)", c.clients, percent(c.clients, c.clients)],
        ["mit abgeschlossenem Profiling", c.with_closed_profiling, percent(c.with_closed_profiling, c.clients)],
        ["mit gültiger EGV", c.egv_valid, percent(c.egv_valid, c.clients)],
        ["mit EGV nach dem Überprüfungsdatum", c.egv_overdue, percent(c.egv_overdue, c.clients)],
    ]
    return Tabelle(
        key="kennzahlen",
        titel="Kennzahlen",
        spalten=["Kennzahl", "Kundinnen und Kunden", "Anteil"],
        zeilen=rows,
        diagramm=Diagramm("Kennzahl", ["Kundinnen und Kunden"], horizontal=True),
        hinweis=f"Bestand am {format_date(stichtag)}: je Kundin / Kunde zählt das neueste abgeschlossene "
        "Profiling und die neueste abgeschlossene EGV. Gültig ist eine EGV, solange ihr Überprüfungsdatum "
        "nicht überschritten ist.",
    )


def _prognose(c: ReportCounts, labels: _Labels) -> Tabelle:
    rows: list[list[object]] = []
    # the assessment groups of the newest catalogue version, named as it names them (a group it leaves out:
    # not reported)
    groups = [(g.label, counts, g.optionen) for g, counts in ((labels.latest.integrationsprognose, c.prognose),
                                                              (labels.latest.profillagen, c.profillage)) if g.vorhanden]
    for merkmal, counts, options in groups:
        known = [o.id for o in options]
        extra = sorted(k for k in counts if k and k not in known)
        for option_id in [*known, *extra]:
            n = counts.get(option_id, 0)
            rows.append([merkmal, labels.label(option_id), n, percent(n, c.with_closed_profiling)])
        n = counts.get("", 0)
        rows.append([merkmal, f"keine {merkmal}", n, percent(n, c.with_closed_profiling)])
    return Tabelle(
        key="prognose_profillage",
        titel="Kundinnen und Kunden nach " + (" und ".join(label for label, _, _ in groups) or "Einschätzung"),
        spalten=["Merkmal", "Ausprägung", "Kundinnen und Kunden", "Anteil"],
        zeilen=rows,
        diagramm=Diagramm("Ausprägung", ["Kundinnen und Kunden"], horizontal=True),
        hinweis="Aus dem neuesten abgeschlossenen Profiling; Anteil an den Kundinnen und Kunden mit "
        "abgeschlossenem Profiling.",
    )


def _bedarfe(c: ReportCounts, labels: _Labels) -> Tabelle:
    rows: list[list[object]] = []
    seen = set()
    for feld, bedarf in labels.latest.bedarfe():
        seen.add(bedarf.id)
        n = c.bedarfe.get(bedarf.id, 0)
        rows.append([feld.label, bedarf.label, n, percent(n, c.with_closed_profiling)])
    for bedarf_id in sorted(set(c.bedarfe) - seen):
        n = c.bedarfe[bedarf_id]
        rows.append([labels.frueher, labels.label(bedarf_id), n, percent(n, c.with_closed_profiling)])
    return Tabelle(
        key="handlungsbedarfe",
        titel="Handlungsbedarfe: wie oft relevant",
        spalten=["Handlungsfeld", "Handlungsbedarf", "relevant bei", "Anteil"],
        zeilen=rows,
        diagramm=Diagramm("Handlungsbedarf", ["relevant bei"], horizontal=True),
        hinweis="Aus dem neuesten abgeschlossenen Profiling; Anteil an den Kundinnen und Kunden mit "
        "abgeschlossenem Profiling.",
    )


def _strategien(c: ReportCounts, labels: _Labels) -> Tabelle:
    rows: list[list[object]] = []
    seen = set()
    catalogue = labels.latest
    for _, bedarf in catalogue.bedarfe():
        for strategie in bedarf.handlungsstrategien:
            seen.add(strategie.id)
            rows.append([bedarf.label, strategie.label, c.strategien.get(strategie.id, 0)])
    for strategie in catalogue.uebergreifend.handlungsstrategien:
        seen.add(strategie.id)
        rows.append([catalogue.uebergreifend.label, strategie.label, c.strategien.get(strategie.id, 0)])
    for strategie_id in sorted(set(c.strategien) - seen):
        rows.append([labels.frueher, labels.label(strategie_id), c.strategien[strategie_id]])
    return Tabelle(
        key="handlungsstrategien",
        titel="Handlungsstrategien: wie oft gewählt",
        spalten=["Handlungsbedarf", "Handlungsstrategie", "gewählt bei"],
        zeilen=rows,
        diagramm=Diagramm("Handlungsstrategie", ["gewählt bei"], horizontal=True),
        hinweis="Aus dem neuesten abgeschlossenen Profiling, je Kundin / Kunde jede Strategie einmal.",
    )


def _team_monat(c: ReportCounts) -> Tabelle:
    rows = [[team, monat, *values] for (team, monat), values in sorted(c.team_month.items())]
    return Tabelle(
        key="team_monat",
        titel="Profilings und Folgegespräche je Team und Monat",
        spalten=["Team", "Monat", "Profilings angelegt", "Profilings abgeschlossen", "Folgegespräche geführt"],
        zeilen=rows,
        diagramm=Diagramm("Monat", ["Profilings angelegt", "Profilings abgeschlossen", "Folgegespräche geführt"]),
        hinweis="Monate im gewählten Zeitraum (Ortszeit Berlin); Profilings nach Anlage- bzw. Abschlussdatum, "
        "Folgegespräche nach Gesprächsdatum.",
    )


def _faellig_gefuehrt(c: ReportCounts) -> Tabelle:
    rows = [[monat, due, held] for monat, (due, held) in sorted(c.due_held.items())]
    return Tabelle(
        key="folgegespraeche_faellig_gefuehrt",
        titel="Folgegespräche: fällig und geführt",
        spalten=["Monat", "fällig", "geführt"],
        zeilen=rows,
        diagramm=Diagramm("Monat", ["fällig", "geführt"]),
        hinweis="Fällig: der in einem Folgegespräch vereinbarte nächste Termin liegt im Monat. Geführt: ein "
        "Folgegespräch hat im Monat stattgefunden.",
    )


def _verlauf(c: ReportCounts, labels: _Labels) -> Tabelle:
    """Measures, job starts and consent decisions (issue 16): counts only, outcomes by their catalogue label."""
    v = c.verlauf
    rows: list[list[object]] = [
        ["Maßnahmen begonnen", v.massnahmen_begonnen],
        ["Maßnahmen laufend am Stichtag", v.massnahmen_laufend],
        ["Maßnahmen beendet", v.massnahmen_beendet],
        ["beendet, ohne Folgegespräch seit dem Ende", v.massnahmen_ohne_folgegespraech],
    ]
    rows += [[f"Ergebnis: {labels.label(e)}", n] for e, n in sorted(v.ergebnisse.items())]
    rows += [
        ["Beschäftigungsaufnahmen", v.beschaeftigungen],
        ["davon Ausbildung", v.ausbildungen],
        ["davon weiter auf Leistungen angewiesen", v.leistungen_weiter],
        ["Profilings abgeschlossen mit Einverständnis erteilt", v.einverstaendnis_erteilt],
        ["Profilings abgeschlossen mit Einverständnis nicht erteilt", v.einverstaendnis_verweigert],
        ["Profilings abgeschlossen ohne vermerktes Einverständnis (vor dieser Regel)", v.einverstaendnis_offen],
    ]
    return Tabelle(
        key="massnahmen-beschaeftigung",
        titel="Maßnahmen, Beschäftigungsaufnahmen und Einverständnis",
        spalten=["Kennzahl", "Anzahl"],
        zeilen=rows,
        hinweis="Im Zeitraum: Maßnahmen begonnen und beendet (tatsächliches Ende, sonst das verstrichene geplante "
        "Ende), Beschäftigungsaufnahmen (Beginn) und abgeschlossene Profilings. Nur Anzahlen, keine Freitexte.",
    )


class _Labels:
    """Labels from the newest catalogue version; ids it no longer has are looked up in older versions."""

    frueher = "(aus früherer Katalogversion)"

    def __init__(self, store: Store):
        self.store = store
        self.latest: Catalogue = get_catalogue(store)
        self._older: list[Catalogue] | None = None

    def label(self, entry_id: str) -> str:
        found = self.latest.label(entry_id)
        if found != entry_id:
            return found
        if self._older is None:
            self._older = [get_catalogue(self.store, n) for n in reversed(self.store.catalogue_numbers()[:-1])]
        for catalogue in self._older:
            found = catalogue.label(entry_id)
            if found != entry_id:
                return found
        return entry_id
