"""The repository interface every storage backend implements (TinyDB embedded, PostgreSQL house-wide).

The store itself enforces the lifecycle (only open records are saved, closed ones are frozen), optimistic
concurrency (revisions) and the append-only, hash-chained audit trail, so no page, script or API can bypass
them. Every change writes its audit entry in the same call; reads are audited by the services that perform
them (`audit_append(..., action=AuditAction.GELESEN)`).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from schemas.audit import Aktion, AuditAction
from schemas.records import (
    AuditEntry,
    Beschaeftigungsaufnahme,
    CatalogueDraft,
    CatalogueVersion,
    Client,
    Document,
    Egv,
    Folgegespraech,
    Massnahme,
    Profiling,
    Record,
    Stellensuchlauf,
    User,
    Vertretung,
)

R = TypeVar("R", bound=Record)

#: Record kinds a store keeps; lifecycle kinds have the states offen → abgeschlossen.
RECORD_KINDS: tuple[type[Record], ...] = (Client, Profiling, Egv, Folgegespraech, Document, User, Vertretung,
                                          Massnahme, Beschaeftigungsaufnahme, Stellensuchlauf)
#: Kinds kept per installation, not per client (one TinyDB file, one PostgreSQL table without client_id).
INSTALLATION_KINDS: tuple[type[Record], ...] = (User, Vertretung)
LIFECYCLE_KINDS: tuple[type[Record], ...] = (Profiling, Egv)
#: Kinds stored per client (everything but users); `client_id` says whose.
CLIENT_KINDS: tuple[type[Record], ...] = (Profiling, Egv, Folgegespraech, Document,
                                          Massnahme, Beschaeftigungsaufnahme, Stellensuchlauf)

#: German names of the kinds, for messages and the audit trail.
KIND_NAMES: dict[type[Record], str] = {
    Client: "Kunde",
    Profiling: "Profiling",
    Egv: "EGV",
    Folgegespraech: "Folgegespräch",
    Document: "Dokument",
    User: "Benutzer",
    Vertretung: "Vertretung",
    Massnahme: "Maßnahme",
    Beschaeftigungsaufnahme: "Beschäftigungsaufnahme",
    Stellensuchlauf: "Stellensuchlauf",
}


class Store(ABC):
    """One backend's repositories. Methods raise only `errors.DomainError` subclasses."""

    # --- records -------------------------------------------------------------------------------
    @abstractmethod
    def add(self, record: R, *, actor: User) -> R:
        """Store a new record (revision becomes 1) and audit "angelegt". Raises AlreadyExists."""

    @abstractmethod
    def get(self, kind: type[R], record_id: str) -> R:
        """Return the stored record. Raises NotFound."""

    @abstractmethod
    def save(self, record: R, *, actor: User, action: AuditAction | Aktion | None = None) -> R:
        """Replace the stored record if `record.revision` equals the stored one; returns it with revision+1.

        `action` names the change in the audit trail (default "gespeichert"); it must carry no client data.

        Raises StaleRevision (naming who changed it and when), RecordClosed for a closed lifecycle record.
        """

    @abstractmethod
    def close(self, kind: type[R], record_id: str, *, revision: int, actor: User) -> R:
        """Set an open lifecycle record to abgeschlossen (who, when) and freeze it.

        Raises StaleRevision, LifecycleError if it is already closed.
        """

    @abstractmethod
    def discard(self, kind: type[R], record_id: str, *, revision: int, actor: User) -> None:
        """Delete an open lifecycle record (verwerfen). Raises RecordClosed, StaleRevision, NotFound."""

    @abstractmethod
    def override_save(self, record: R, *, actor: User, reason: str) -> R:
        """KDN-Fachbetreuung only: change a closed record; the reason goes into the audit trail.

        Raises NotPermitted for any other role or an empty reason, StaleRevision.
        """

    @abstractmethod
    def override_delete(self, kind: type[R], record_id: str, *, actor: User, reason: str) -> None:
        """KDN-Fachbetreuung only: delete a closed record with a reason. Raises NotPermitted."""

    @abstractmethod
    def list_for_client(self, kind: type[R], client_id: str) -> list[R]:
        """A client's records of one kind, newest (created_at) first."""

    # --- clients and users ---------------------------------------------------------------------
    @abstractmethod
    def find_clients(self, text: str = "", *, team: str | None = None, limit: int = 50) -> list[Client]:
        """Clients whose Kundennummer or name contains `text` (case-insensitive), optionally of one team."""

    @abstractmethod
    def client_by_kundennummer(self, kundennummer: str) -> Client | None:
        """The client with this Kundennummer, if any."""

    @abstractmethod
    def user_by_username(self, username: str) -> User | None:
        """The account with this user name, if any."""

    @abstractmethod
    def list_users(self) -> list[User]:
        """All accounts, by user name."""

    # --- audit trail ---------------------------------------------------------------------------
    @abstractmethod
    def audit_append(
        self,
        *,
        actor: User,
        action: AuditAction | Aktion,
        record_kind: str,
        record_id: str,
        client_id: str | None = None,
        catalogue_version: int | None = None,
        reason: str | None = None,
    ) -> AuditEntry:
        """Append one entry to the hash chain (stored in UTC). There is no way to change or delete one."""

    @abstractmethod
    def audit_entries(self, *, client_id: str | None = None, record_id: str | None = None) -> list[AuditEntry]:
        """Entries in order (oldest first), optionally only those of one client or record."""

    @abstractmethod
    def audit_verify(self) -> int | None:
        """The `seq` of the first entry whose hash chain is broken, or None if the chain is intact."""

    # --- catalogue versions --------------------------------------------------------------------
    @abstractmethod
    def publish_catalogue(self, text: str, *, note: str, actor: User) -> CatalogueVersion:
        """Keep a new catalogue version under the next number; earlier versions are never overwritten."""

    @abstractmethod
    def catalogue_version(self, number: int) -> CatalogueVersion:
        """A kept version by its number. Raises NotFound."""

    @abstractmethod
    def catalogue_numbers(self) -> list[int]:
        """Numbers of all kept versions, ascending."""

    # --- catalogue draft (issue 8) ----------------------------------------------------------------
    @abstractmethod
    def catalogue_draft(self) -> CatalogueDraft | None:
        """The installation's one shared catalogue draft, or None if nobody is editing."""

    @abstractmethod
    def save_catalogue_draft(self, text: str, *, base_version: int, revision: int, actor: User) -> CatalogueDraft:
        """Store the draft text if `revision` equals the stored draft's (0: no draft yet); returns revision+1.

        Raises StaleRevision (naming who saved the draft meanwhile and when); nothing is overwritten.
        """

    @abstractmethod
    def discard_catalogue_draft(self) -> None:
        """Delete the draft (after publishing or when a trainer throws it away); no draft is not an error."""

    @abstractmethod
    def open_profilings(self) -> list[Profiling]:
        """Every open (offen) profiling of every client, for the catalogue's impact check."""

    # --- reports and Wiedervorlage (issue 9) -------------------------------------------------------
    @abstractmethod
    def report_counts(self, *, team: str | None, von: date, bis: date, stichtag: date) -> ReportCounts:
        """The Kundensteuerung figures of all clients (or one team); see ReportCounts. Counts only, no names."""

    @abstractmethod
    def due_items(self, *, team: str | None, until: date) -> list[DueItem]:
        """Folgegespräche and EGV reviews due on or before `until`, oldest date first (see DueItem)."""

    @abstractmethod
    def verlauf_due(self, *, team: str | None, heute: date, massnahme_bis: date, vorschau_tage: int) -> list[DueItem]:
        """Measures and job starts of the clients of one team (None: all) that can be due, oldest date first:

        - "massnahme_endet": a measure without an actual end whose planned end lies within heute..massnahme_bis
          (due: the planned end);
        - "nach_massnahme": a measure that ended (actual end recorded, or planned end before `heute`) with no
          Folgegespräch of the client held on or after that end (due: the end);
        - "nachhalten": a job start whose follow-up date lies on or before heute + `vorschau_tage`, with no
          Folgegespräch held on or after the follow-up date less `vorschau_tage` (due: the follow-up date).

        Each item carries its record's catalogue version (whose look-ahead applies). Only these are read, not
        every record of the team.
        """

    @abstractmethod
    def report_teams(self) -> list[str]:
        """The distinct teams of all clients, sorted."""

    # --- transient security state (issue 18): sign-in throttling, session activity -------------------------
    @abstractmethod
    def state_get(self, key: str) -> dict | None:
        """One entry of the installation's transient security state, shared by every instance; None if absent.

        An entry whose `expires` (seconds since the epoch) has passed counts as absent. The state is no record:
        it is neither audited nor part of a backup or migration.
        """

    @abstractmethod
    def state_update(self, key: str, change: Callable[[dict | None], dict | None]) -> dict | None:
        """Atomically replace the entry `key` by `change(current)` (None deletes it); returns the new value.

        No other update of the same key happens between reading and writing, on any instance.
        """

    # --- the case over the years (issue 14) -------------------------------------------------------------
    @abstractmethod
    def installation_records(self, kind: type[R]) -> list[R]:
        """Every record of an installation kind (Vertretung, User), by id."""

    @abstractmethod
    def ended_clients(self, *, team: str | None = None) -> list[Client]:
        """Clients whose case is ended (abgemeldet_am set), optionally of one team; oldest end first."""

    @abstractmethod
    def purge_client(self, client_id: str, *, actor: User, action: AuditAction | Aktion) -> list[str]:
        """Delete the client and every record of the person (all `CLIENT_KINDS`, indexes, files or rows).

        The audit trail gets one entry per deleted record: `action`, actor, role, kind and ids only.
        Returns the deleted record ids (client last). Raises NotFound.
        """

    def records_of_team(self, kind: type[R], team: str | None) -> list[R]:
        """Every record of a per-client kind of the clients of one team (None: all clients). Reads each client's
        records: its cost grows with the team (the report and the Wiedervorlage use `report_counts` and
        `verlauf_due` instead)."""
        clients = self.find_clients(team=team, limit=10**9)
        return [record for client in clients for record in self.list_for_client(kind, client.id)]

    def close_store(self) -> None:
        """Release connections and locks; the default has none."""


def state_live(value: object, now: float | None = None) -> dict | None:
    """A security-state value, or None if it is not a dict or its `expires` has passed."""
    if not isinstance(value, dict):
        return None
    expires = value.get("expires")
    if isinstance(expires, (int, float)) and expires <= (time.time() if now is None else now):
        return None
    return value


@dataclass(frozen=True)
class ReportCounts:
    """The Kundensteuerung figures (issue 9), identical on every backend.

    Bestand (at `stichtag`, over the clients of the team filter): `clients` all clients; per client the newest
    closed profiling (latest closed_at, ties: greater id) gives Prognose / Profillage ("" = none), its relevant
    Handlungsbedarfe and its chosen strategy ids (per Bedarf and übergreifend, each once); the newest closed EGV
    is valid when its review date is unset or not before `stichtag`, overdue when it is before.
    Verlauf (days in Europe/Berlin within von..bis): profilings created / closed and Folgegespräche held per
    (team, "YYYY-MM"); per month the Folgegespräche due (their naechster_termin in that month) and held (datum).
    Measures, job starts and consent decisions: see VerlaufCounts.
    """

    clients: int
    with_closed_profiling: int
    egv_valid: int
    egv_overdue: int
    prognose: dict[str, int] = field(default_factory=dict)
    profillage: dict[str, int] = field(default_factory=dict)
    bedarfe: dict[str, int] = field(default_factory=dict)
    strategien: dict[str, int] = field(default_factory=dict)
    team_month: dict[tuple[str, str], tuple[int, int, int]] = field(default_factory=dict)
    due_held: dict[str, tuple[int, int]] = field(default_factory=dict)
    verlauf: VerlaufCounts = field(default_factory=lambda: VerlaufCounts())


@dataclass(frozen=True)
class VerlaufCounts:
    """Measures, job starts and consent decisions (issue 16) of the clients of the team filter; counts only.

    A measure's end is its actual end, else its planned end. `massnahmen_begonnen`: start within von..bis;
    `massnahmen_laufend`: started on or before `stichtag`, no actual end, planned end not before `stichtag`;
    `massnahmen_beendet`: actual end within von..bis, or (no actual end) planned end within von..bis and before
    `stichtag`; `massnahmen_ohne_folgegespraech`: of those, no Folgegespräch of the client held on or after the
    end; `ergebnisse`: of those, per outcome id. Job starts (`beschaeftigungen`) by their date within von..bis,
    of them `ausbildungen` and `leistungen_weiter`. Profilings closed within von..bis (day in Europe/Berlin) with
    consent given (`einverstaendnis_erteilt`), refused (`einverstaendnis_verweigert`), or neither recorded
    (`einverstaendnis_offen`, closed before the rule).
    """

    massnahmen_begonnen: int = 0
    massnahmen_laufend: int = 0
    massnahmen_beendet: int = 0
    massnahmen_ohne_folgegespraech: int = 0
    ergebnisse: dict[str, int] = field(default_factory=dict)
    beschaeftigungen: int = 0
    ausbildungen: int = 0
    leistungen_weiter: int = 0
    einverstaendnis_erteilt: int = 0
    einverstaendnis_verweigert: int = 0
    einverstaendnis_offen: int = 0


@dataclass(frozen=True, order=True)
class DueItem:
    """One Wiedervorlage: the next appointment of a client's latest Folgegespräch ("folgegespraech"), or the
    review date of the client's newest closed EGV ("egv"); for measures and job starts see `Store.verlauf_due`
    (`catalogue_version` is then the record's)."""

    due: date
    kind: str
    client_id: str
    catalogue_version: int = 0
