"""Per-client report summaries for the embedded backend, and the report figures computed from them.

The TinyDB store keeps one small summary per client (team, the newest closed profiling's Prognose, Profillage,
relevant Handlungsbedarfe and chosen strategies, the dates and consent decision of every profiling, the dates of
every Folgegespräch, the newest closed EGV's review date, the next appointment of the latest Folgegespräch, and
the dates, outcome and catalogue version of every measure and job start) in a sharded index. It is rewritten
from the client's own files in the same locked write as every change, so a report reads 256 small files instead
of every record. The figures follow exactly the definitions the PostgreSQL queries implement (`ReportCounts`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from dates import as_utc, berlin_day
from storage.base import DueItem, ReportCounts, VerlaufCounts

CLOSED = "abgeschlossen"


def _when(value: str | None) -> datetime | None:
    """A stored ISO time (pydantic JSON, UTC) as an aware datetime."""
    if value is None:
        return None
    return as_utc(datetime.fromisoformat(value))


def _berlin_day(value: str | None) -> str | None:
    """The Europe/Berlin calendar day of a stored time, as 'YYYY-MM-DD'."""
    at = _when(value)
    return berlin_day(at).isoformat() if at is not None else None


def _newest_closed(rows: list[dict]) -> dict | None:
    """The closed record with the latest closed_at (ties: the greater id), as the SQL query orders them."""
    closed = [r for r in rows if r.get("status") == CLOSED and r.get("closed_at")]
    return max(closed, key=lambda r: (_when(r["closed_at"]), r["id"])) if closed else None


def strategy_ids(profiling: dict) -> list[str]:
    """Every strategy id a profiling chose (per relevant Handlungsbedarf, and übergreifend), each once, sorted.

    Strategies kept under a Handlungsbedarf that is no longer marked relevant count nowhere (README, decisions).
    """
    bedarfe = profiling.get("handlungsbedarfe") or {}
    chosen = {
        s
        for bedarf, ids in (profiling.get("strategien") or {}).items()
        if (bedarfe.get(bedarf) or {}).get("relevant")
        for s in ids
    }
    chosen.update(profiling.get("uebergreifend") or [])
    return sorted(chosen)


#: Bits of a profiling's consent decision in the summary.
ERTEILT, VERWEIGERT = 1, 2


def client_summary(client: dict, profilings: list[dict], egvs: list[dict], talks: list[dict],
                   massnahmen: list[dict], aufnahmen: list[dict]) -> dict[str, Any]:
    """The summary of one client from its stored rows (JSON as stored)."""
    newest = _newest_closed(profilings)
    egv = _newest_closed(egvs)
    latest_talk = (
        max(talks, key=lambda t: (t["datum"], _when(t["created_at"]), t["id"])) if talks else None
    )
    return {
        "t": client["team"],
        "np": None
        if newest is None
        else [
            newest.get("integrationsprognose"),
            newest.get("profillage"),
            sorted(k for k, v in (newest.get("handlungsbedarfe") or {}).items() if v.get("relevant")),
            strategy_ids(newest),
        ],
        "p": [
            [_berlin_day(p["created_at"]), _berlin_day(p.get("closed_at")) if p.get("status") == CLOSED else None,
             (ERTEILT if p.get("einverstaendnis") else 0) | (VERWEIGERT if p.get("einverstaendnis_verweigert") else 0)]
            for p in profilings
        ],
        "e": None if egv is None else [egv.get("ueberpruefung_am")],
        "f": [[t["datum"], t.get("naechster_termin")] for t in talks],
        "fn": latest_talk.get("naechster_termin") if latest_talk else None,
        "m": [[m["beginn"], m["ende_geplant"], m.get("ende_tatsaechlich"), m.get("ergebnis"), m["catalogue_version"]]
              for m in massnahmen],
        "b": [[b["datum"], bool(b.get("ausbildung")), bool(b.get("leistungen_weiter")), b.get("nachhalten_am"),
               b["catalogue_version"]] for b in aufnahmen],
    }


def aggregate(
    summaries: Iterable[dict[str, Any]], *, team: str | None, von: date, bis: date, stichtag: date
) -> ReportCounts:
    """The report figures over the summaries (see ReportCounts for the definitions)."""
    start, end, today = von.isoformat(), bis.isoformat(), stichtag.isoformat()
    clients = with_closed = egv_valid = egv_overdue = 0
    prognose: Counter[str] = Counter()
    profillage: Counter[str] = Counter()
    bedarfe: Counter[str] = Counter()
    strategien: Counter[str] = Counter()
    team_month: dict[tuple[str, str], list[int]] = {}
    due_held: dict[str, list[int]] = {}
    verlauf = _VerlaufCounter(start, end, today)
    for s in summaries:
        if team is not None and s["t"] != team:
            continue
        clients += 1
        verlauf.add(s)
        newest = s["np"]
        if newest is not None:
            with_closed += 1
            prognose[newest[0] or ""] += 1
            profillage[newest[1] or ""] += 1
            bedarfe.update(newest[2])
            strategien.update(newest[3])
        if s["e"] is not None:
            review = s["e"][0]
            if review is None or review >= today:
                egv_valid += 1
            else:
                egv_overdue += 1
        for created, closed, _ in s["p"]:
            if start <= created <= end:
                team_month.setdefault((s["t"], created[:7]), [0, 0, 0])[0] += 1
            if closed is not None and start <= closed <= end:
                team_month.setdefault((s["t"], closed[:7]), [0, 0, 0])[1] += 1
        for held, due in s["f"]:
            if start <= held <= end:
                team_month.setdefault((s["t"], held[:7]), [0, 0, 0])[2] += 1
                due_held.setdefault(held[:7], [0, 0])[1] += 1
            if due is not None and start <= due <= end:
                due_held.setdefault(due[:7], [0, 0])[0] += 1
    return ReportCounts(
        clients=clients,
        with_closed_profiling=with_closed,
        egv_valid=egv_valid,
        egv_overdue=egv_overdue,
        prognose=dict(prognose),
        profillage=dict(profillage),
        bedarfe=dict(bedarfe),
        strategien=dict(strategien),
        team_month={k: (v[0], v[1], v[2]) for k, v in team_month.items()},
        due_held={k: (v[0], v[1]) for k, v in due_held.items()},
        verlauf=verlauf.result(),
    )


class _VerlaufCounter:
    """Counts measures, job starts and consent decisions of the summaries added (see VerlaufCounts)."""

    def __init__(self, start: str, end: str, today: str):
        self.start, self.end, self.today = start, end, today
        self.n: Counter[str] = Counter()
        self.ergebnisse: Counter[str] = Counter()

    def add(self, s: dict[str, Any]) -> None:
        start, end, today, n = self.start, self.end, self.today, self.n
        latest_talk = max((held for held, _ in s["f"]), default=None)
        for beginn, geplant, tatsaechlich, ergebnis, _ in s["m"]:
            n["massnahmen_begonnen"] += start <= beginn <= end
            n["massnahmen_laufend"] += beginn <= today and tatsaechlich is None and geplant >= today
            if (start <= tatsaechlich <= end if tatsaechlich is not None
                    else start <= geplant <= end and geplant < today):
                n["massnahmen_beendet"] += 1
                n["massnahmen_ohne_folgegespraech"] += latest_talk is None or latest_talk < (tatsaechlich or geplant)
                if ergebnis:
                    self.ergebnisse[ergebnis] += 1
        for datum, ausbildung, weiter, _, _ in s["b"]:
            if start <= datum <= end:
                n["beschaeftigungen"] += 1
                n["ausbildungen"] += ausbildung
                n["leistungen_weiter"] += weiter
        for _, closed, consent in s["p"]:
            if closed is not None and start <= closed <= end:
                n["einverstaendnis_erteilt"] += bool(consent & ERTEILT)
                n["einverstaendnis_verweigert"] += bool(consent & VERWEIGERT)
                n["einverstaendnis_offen"] += not consent

    def result(self) -> VerlaufCounts:
        return VerlaufCounts(**self.n, ergebnisse=dict(self.ergebnisse))


def due_items(summaries: Iterable[tuple[str, dict[str, Any]]], *, team: str | None, until: date) -> list[DueItem]:
    """Folgegespräche and EGV reviews due on or before `until` (see DueItem), sorted most urgent first."""
    limit = until.isoformat()
    items: list[DueItem] = []
    for client_id, s in summaries:
        if team is not None and s["t"] != team:
            continue
        if s["fn"] is not None and s["fn"] <= limit:
            items.append(DueItem(date.fromisoformat(s["fn"]), "folgegespraech", client_id))
        if s["e"] is not None and s["e"][0] is not None and s["e"][0] <= limit:
            items.append(DueItem(date.fromisoformat(s["e"][0]), "egv", client_id))
    return sorted(items)


def verlauf_due(summaries: Iterable[tuple[str, dict[str, Any]]], *, team: str | None, heute: date,
                massnahme_bis: date, vorschau_tage: int) -> list[DueItem]:
    """Measures and job starts that can be due (see `Store.verlauf_due`), oldest date first."""
    today, limit = heute.isoformat(), massnahme_bis.isoformat()
    nachhalten_bis = (heute + timedelta(days=vorschau_tage)).isoformat()
    items: list[DueItem] = []
    for client_id, s in summaries:
        if team is not None and s["t"] != team:
            continue
        latest_talk = max((held for held, _ in s["f"]), default="")
        for _, geplant, tatsaechlich, _, version in s["m"]:
            if tatsaechlich is None and geplant >= today:
                if geplant <= limit:
                    items.append(DueItem(date.fromisoformat(geplant), "massnahme_endet", client_id, version))
            elif latest_talk < (tatsaechlich or geplant):
                items.append(DueItem(date.fromisoformat(tatsaechlich or geplant), "nach_massnahme", client_id, version))
        for _, _, _, nachhalten, version in s["b"]:
            if nachhalten is None or nachhalten > nachhalten_bis:
                continue
            since = (date.fromisoformat(nachhalten) - timedelta(days=vorschau_tage)).isoformat()
            if latest_talk < since:
                items.append(DueItem(date.fromisoformat(nachhalten), "nachhalten", client_id, version))
    return sorted(items)


def teams(summaries: Iterable[dict[str, Any]]) -> list[str]:
    """The distinct teams of all clients, sorted."""
    return sorted({s["t"] for s in summaries})


def iter_values(shards: Iterable[dict[str, dict]]) -> Iterator[dict]:
    for shard in shards:
        yield from shard.values()
