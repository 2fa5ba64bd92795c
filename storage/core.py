"""The lifecycle, revision and audit rules shared by both backends; a backend only supplies a transaction."""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from dates import format_date, format_time
from errors import (
    AlreadyExists,
    DomainError,
    InvalidInput,
    LifecycleError,
    NotFound,
    NotPermitted,
    RecordClosed,
    StaleRevision,
)
from schemas import records as kinds  # the record classes named in the tables of kinds below
from schemas.audit import Aktion, AuditAction, action_text
from schemas.records import (
    AuditEntry,
    CatalogueDraft,
    CatalogueVersion,
    Client,
    Profiling,
    Record,
    Role,
    Status,
    User,
    Vertretung,
    utcnow,
)
from schemas.text import has_visible, nfc
from storage.base import CLIENT_KINDS, INSTALLATION_KINDS, KIND_NAMES, LIFECYCLE_KINDS, RECORD_KINDS, R, Store

#: Table (TinyDB) / relation (PostgreSQL) name per kind.
TABLES: dict[type[Record], str] = {
    Client: "clients",
    Profiling: "profilings",
    kinds.Egv: "egvs",
    kinds.Folgegespraech: "folgegespraeche",
    kinds.Document: "documents",
    User: "users",
    Vertretung: "vertretungen",
    kinds.Massnahme: "massnahmen",
    kinds.Beschaeftigungsaufnahme: "beschaeftigungsaufnahmen",
    kinds.Stellensuchlauf: "stellensuchlaeufe",
}
KINDS_BY_TABLE: dict[str, type[Record]] = {table: kind for kind, table in TABLES.items()}

#: "Dieses Profiling", "Diese EGV" … for messages.
_DEMONSTRATIVE: dict[type[Record], str] = {
    Client: "Dieser Kunde",
    Profiling: "Dieses Profiling",
    kinds.Egv: "Diese EGV",
    kinds.Folgegespraech: "Dieses Folgegespräch",
    kinds.Document: "Dieses Dokument",
    User: "Dieses Benutzerkonto",
    Vertretung: "Diese Vertretung",
    kinds.Massnahme: "Diese Maßnahme",
    kinds.Beschaeftigungsaufnahme: "Diese Beschäftigungsaufnahme",
    kinds.Stellensuchlauf: "Dieser Stellensuchlauf",
}

_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
#: Control characters other than tab and line breaks: no screen or PDF shows them, PostgreSQL cannot store NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_MESSAGE = "Die Eingabe enthält ein unzulässiges Steuerzeichen. Bitte entfernen Sie es."

#: Appended to the action of a change an IFK makes on a client of another team (a Vertretung, issue 14).
IN_VERTRETUNG = " (in Vertretung)"
ABGEMELDET_MESSAGE = (
    "Der Fall ist abgemeldet und kann nur gelesen werden. "
    "Für weitere Arbeit nehmen Sie ihn bitte zuerst wieder auf (Wiederaufnahme)."
)


def berlin(at: datetime) -> str:
    """'24.11.2026 um 14:05' in Europe/Berlin."""
    return f"{format_date(at)} um {format_time(at)}"


def check_id(record_id: str) -> str:
    if not isinstance(record_id, str) or not _ID_PATTERN.match(record_id):
        raise InvalidInput(f"Die Kennung „{record_id}“ ist ungültig.", field="id")
    return record_id


def check_text(value: str, field: str = "suche") -> str:
    """Refuse a text with a control character (other than tab and line breaks) as InvalidInput at `field`."""
    if _CONTROL.search(value):
        raise InvalidInput(CONTROL_MESSAGE, field=field)
    return value


def _check_texts(record: Record) -> None:
    """Every text of a record, nested ones included, is free of control characters (see `check_text`)."""

    def walk(value: object, field: str) -> None:
        if isinstance(value, str):
            check_text(value, field)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key, field)
                walk(item, field)
        elif isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                walk(item, field)

    for name, value in record.model_dump(exclude={"pdf"}).items():
        walk(value, name)


def audit_fields(actor: User, action: AuditAction | Aktion, record_kind: str, record_id: str, client_id: str | None,
                 catalogue_version: int | None, reason: str | None) -> dict[str, object]:
    """The fields of an audit entry before it is chained (seq, time and hashes are added by the backend).
    Every audit entry is made here; a plain string as `action` is refused (TypeError, see schemas/audit.py)."""
    return {
        "actor": actor.username,
        "role": str(actor.role),
        "action": action_text(action),
        "record_kind": record_kind,
        "record_id": record_id,
        "client_id": client_id,
        "catalogue_version": catalogue_version,
        "reason": reason,
    }


def check_kind(kind: type[Record]) -> type[Record]:
    if kind not in RECORD_KINDS:
        raise InvalidInput(f"Unbekannte Datensatzart: {getattr(kind, '__name__', kind)}.")
    return kind


def kind_name(kind: type[Record]) -> str:
    return KIND_NAMES[kind]


class Tx(Protocol):
    """One locked read-check-write of a single record, with the audit append in the same unit of work."""

    stored: Record | None

    def ensure_unique(self, record: Record) -> None: ...

    def put(self, record: Record, *, audit: dict[str, Any]) -> None:
        """Store the record and append its audit entry (`audit`: the fields before chaining), both or neither."""

    def delete(self, *, audit: dict[str, Any]) -> None:
        """Delete the record and append its audit entry, both or neither."""

    def user(self, username: str) -> User | None:
        """The account (for the stale message), read within this unit of work."""


class RuleStore(Store):
    """Implements every rule of `Store` on top of a backend's `_tx` (locked read-modify-write + audit)."""

    @abstractmethod
    def _tx(
        self, kind: type[Record], record_id: str, *, client_id: str | None = None
    ) -> AbstractContextManager[Tx]:
        """Lock the record `record_id` of `kind` for a change; `client_id` is given when a new record is added.

        Raises NotFound when `client_id` is given and the client does not exist.
        """

    # --- export / import (backup, migration) ------------------------------------------------------
    @abstractmethod
    def export_records(self, kind: type[R]) -> Iterator[R]:
        """Every stored record of a kind, as stored."""

    @abstractmethod
    def export_catalogue(self) -> list[CatalogueVersion]:
        """Every kept catalogue version, ascending."""

    @abstractmethod
    def import_all(
        self,
        records: dict[type[Record], list[Record]],
        audit: list[AuditEntry],
        catalogue: list[CatalogueVersion],
    ) -> None:
        """Write records, audit entries and catalogue versions verbatim into an empty store (migration only)."""

    @abstractmethod
    def is_empty(self) -> bool:
        """True if no record, audit entry or catalogue version is stored."""

    # --- helpers ------------------------------------------------------------------------------------
    @staticmethod
    def _display_name(tx: Tx, username: str) -> str:
        try:
            user = tx.user(username) if username else None
        except DomainError:  # the name is only for a message; a read error must not hide the refusal
            user = None
        return (
            (user.display_name or user.username) if user else (username or "einer Kollegin / einem Kollegen")
        )

    def _stale(self, kind: type[Record], stored: Record, tx: Tx) -> StaleRevision:
        who = self._display_name(tx, stored.updated_by)
        return StaleRevision(
            f"{_DEMONSTRATIVE[kind]} wurde inzwischen von {who} am {berlin(stored.updated_at)} geändert. "
            "Ihre Änderungen wurden nicht gespeichert – bitte laden Sie den aktuellen Stand neu."
        )

    @staticmethod
    def _not_found(kind: type[Record], record_id: str) -> NotFound:
        return NotFound(f"{kind_name(kind)} „{record_id}“ wurde nicht gefunden.")

    @staticmethod
    def _closed(kind: type[Record]) -> RecordClosed:
        return RecordClosed(
            f"{_DEMONSTRATIVE[kind]} ist abgeschlossen und kann nicht mehr geändert werden. "
            "Korrekturen sind nur durch die KDN-Fachbetreuung mit Begründung möglich."
        )

    def _case_of(self, kind: type[Record], client_id: str | None, actor: User, *, team: str | None = None) -> str:
        """The rules of a client's case for a change (issue 14); returns the suffix of the audit action.

        A change of an ended case's records is refused (Documents such as the Auskunft stay possible); an IFK
        changing a record of another team's client works in Vertretung, which the action says (`team`: the
        client's team when the caller already has it).
        """
        if client_id is None or kind not in (Client, *CLIENT_KINDS):
            return ""
        guarded = kind not in (Client, kinds.Document)
        if team is None or guarded:
            try:
                client = self.get(Client, client_id)
            except NotFound:
                return ""
            if guarded and client.abgemeldet_am is not None:
                raise RecordClosed(ABGEMELDET_MESSAGE)
            team = client.team if team is None else team
        return IN_VERTRETUNG if actor.role == Role.IFK and team != actor.team else ""

    def _case_of_record(self, kind: type[Record], record_id: str, actor: User) -> str:
        try:
            stored = self.get(kind, record_id)
        except NotFound:
            return ""  # the unit of work reports it
        return self._case_of(kind, self._client_id(stored), actor)

    def reason_free_of_client(self, reason: str, client_id: str | None) -> str:
        """Refuse a reason (it goes into the audit trail) that names the client: the trail outlives the client's
        deletion, so it may carry ids but not the name, Kundennummer or date of birth (issue 14)."""
        if not client_id:
            return reason
        try:
            client = self.get(Client, client_id)
        except NotFound:
            return reason
        text = reason.casefold()
        marks = [client.vorname, client.nachname, client.kundennummer,
                 f"{client.geburtsdatum:%d.%m.%Y}", client.geburtsdatum.isoformat()]  # fmt: skip
        marks += [part for name in (client.vorname, client.nachname) for part in name.split() if len(part) >= 3]
        if any(mark and mark.casefold() in text for mark in marks):
            raise InvalidInput(
                "Die Begründung darf weder Namen noch Kundennummer oder Geburtsdatum der Kundin / des Kunden "
                "enthalten: sie bleibt im Audit-Protokoll, auch wenn die Akte gelöscht wird.",
                field="begruendung",
            )
        return reason

    @staticmethod
    def _audit_fields(record: Record, action: AuditAction | Aktion, actor: User,
                      reason: str | None = None) -> dict[str, Any]:
        client_id = record.id if isinstance(record, Client) else getattr(record, "client_id", None)
        return audit_fields(actor, action, kind_name(type(record)), record.id, client_id,
                            getattr(record, "catalogue_version", None), reason)

    @staticmethod
    def _require_stored_kdn(tx: Tx, actor: User) -> None:
        """The override's actor as stored now (not the caller's `User` object): an active KDN-Fachbetreuung."""
        stored = tx.user(actor.username) if isinstance(actor.username, str) else None
        if stored is None or stored.id != actor.id or not stored.active or stored.role != Role.KDN:
            raise NotPermitted(
                "Abgeschlossene Datensätze darf nur ein aktives Konto der KDN-Fachbetreuung ändern oder löschen."
            )

    @staticmethod
    def _require_kdn(actor: User, reason: str) -> str:
        if actor.role != Role.KDN:
            raise NotPermitted(
                "Abgeschlossene Datensätze darf nur die KDN-Fachbetreuung ändern oder löschen."
            )
        if not has_visible(reason):
            raise NotPermitted(
                "Bitte geben Sie eine Begründung für die Korrektur an (z. B. Datenschutzvorfall)."
            )
        return nfc(reason).strip()

    # --- records ------------------------------------------------------------------------------------
    def add(self, record: R, *, actor: User) -> R:
        kind = check_kind(type(record))
        check_id(record.id)
        _check_texts(record)
        if kind in LIFECYCLE_KINDS and record.status != Status.OFFEN:
            raise LifecycleError(f"{_DEMONSTRATIVE[kind]} muss zunächst offen angelegt werden.")
        now = utcnow()
        update: dict[str, Any] = {
            "revision": 1,
            "created_at": now,
            "created_by": actor.username,
            "updated_at": now,
            "updated_by": actor.username,
        }
        if kind in LIFECYCLE_KINDS:
            update |= {"closed_at": None, "closed_by": None}
        new = record.model_copy(update=update)
        client_id = getattr(record, "client_id", None) if kind in CLIENT_KINDS else None
        if client_id is not None:
            check_id(client_id)
        suffix = self._case_of(kind, client_id, actor) if kind is not Client else ""
        with self._tx(kind, record.id, client_id=client_id) as tx:
            if tx.stored is not None:
                raise AlreadyExists(f"{kind_name(kind)} „{record.id}“ ist bereits gespeichert.")
            tx.ensure_unique(new)
            tx.put(new, audit=self._audit_fields(new, AuditAction.ANGELEGT.mit(suffix), actor))
        return new

    def save(self, record: R, *, actor: User, action: AuditAction | Aktion | None = None) -> R:
        kind = check_kind(type(record))
        action_text(action or AuditAction.GESPEICHERT)  # refuses a plain text before anything is written
        check_id(record.id)
        _check_texts(record)
        # read before the unit of work (which holds a lock, on PostgreSQL a connection): the client's case
        suffix = "" if kind is Client else self._case_of(kind, self._client_id(record), actor)
        with self._tx(kind, record.id) as tx:
            stored = tx.stored
            if stored is None:
                raise self._not_found(kind, record.id)
            if kind in LIFECYCLE_KINDS and stored.status != Status.OFFEN:
                raise self._closed(kind)
            if kind in LIFECYCLE_KINDS and record.status != Status.OFFEN:
                raise LifecycleError(
                    f"{_DEMONSTRATIVE[kind]} wird über „Abschließen“ abgeschlossen, nicht beim Speichern."
                )
            if stored.revision != record.revision:
                raise self._stale(kind, stored, tx)
            if isinstance(stored, Client):
                suffix = self._case_of(kind, stored.id, actor, team=stored.team)
            new = self._next_revision(record, stored, actor)
            tx.ensure_unique(new)
            tx.put(new, audit=self._audit_fields(new, (action or AuditAction.GESPEICHERT).mit(suffix), actor))
        return new

    @staticmethod
    def _client_id(record: Record) -> str | None:
        return record.id if isinstance(record, Client) else getattr(record, "client_id", None)

    @staticmethod
    def _next_revision(record: R, stored: Record, actor: User, **extra: Any) -> R:
        if getattr(record, "client_id", None) != getattr(stored, "client_id", None):
            raise InvalidInput(
                "Ein Datensatz kann keinem anderen Kunden zugeordnet werden.", field="client_id"
            )
        update: dict[str, Any] = {
            "revision": stored.revision + 1,
            "created_at": stored.created_at,
            "created_by": stored.created_by,
            "updated_at": utcnow(),
            "updated_by": actor.username,
        }
        if isinstance(stored, (Profiling, kinds.Egv)):
            update |= {"status": stored.status, "closed_at": stored.closed_at, "closed_by": stored.closed_by}
        update |= extra
        return record.model_copy(update=update)

    def close(self, kind: type[R], record_id: str, *, revision: int, actor: User) -> R:
        suffix = self._lifecycle_step(kind, record_id, actor, "haben keinen Abschluss")
        with self._tx(kind, record_id) as tx:
            stored = self._open_at(tx, kind, record_id, revision,
                                   LifecycleError(f"{_DEMONSTRATIVE[kind]} ist bereits abgeschlossen."))
            now = utcnow()
            new = stored.model_copy(
                update={
                    "revision": stored.revision + 1,
                    "status": Status.ABGESCHLOSSEN,
                    "closed_at": now,
                    "closed_by": actor.username,
                    "updated_at": now,
                    "updated_by": actor.username,
                }
            )
            tx.put(new, audit=self._audit_fields(new, AuditAction.ABGESCHLOSSEN.mit(suffix), actor))
        return new

    def discard(self, kind: type[R], record_id: str, *, revision: int, actor: User) -> None:
        suffix = self._lifecycle_step(kind, record_id, actor, "können nicht verworfen werden")
        with self._tx(kind, record_id) as tx:
            stored = self._open_at(tx, kind, record_id, revision, self._closed(kind))
            tx.delete(audit=self._audit_fields(stored, AuditAction.VERWORFEN.mit(suffix), actor))

    def _lifecycle_step(self, kind: type[Record], record_id: str, actor: User, refused: str) -> str:
        """Check a close or discard before its unit of work; returns the suffix of its audit action."""
        check_kind(kind)
        check_id(record_id)
        if kind not in LIFECYCLE_KINDS:
            raise LifecycleError(f"{kind_name(kind)}-Datensätze {refused}.")
        return self._case_of_record(kind, record_id, actor)

    def _open_at(self, tx: Tx, kind: type[Record], record_id: str, revision: int, closed: Exception) -> Any:
        """The stored record, still open (else `closed` is raised) and at `revision` (else StaleRevision)."""
        stored = tx.stored
        if stored is None:
            raise self._not_found(kind, record_id)
        if stored.status != Status.OFFEN:
            raise closed
        if stored.revision != revision:
            raise self._stale(kind, stored, tx)
        return stored

    def override_save(self, record: R, *, actor: User, reason: str) -> R:
        reason = self._require_kdn(actor, reason)
        kind = check_kind(type(record))
        check_id(record.id)
        _check_texts(record)
        if kind not in LIFECYCLE_KINDS:
            raise LifecycleError(f"{kind_name(kind)}-Datensätze werden normal gespeichert.")
        reason = self.reason_free_of_client(reason, self._client_id(record))
        with self._tx(kind, record.id) as tx:
            self._require_stored_kdn(tx, actor)
            stored = tx.stored
            if stored is None:
                raise self._not_found(kind, record.id)
            if stored.status != Status.ABGESCHLOSSEN:
                raise LifecycleError(f"{_DEMONSTRATIVE[kind]} ist noch offen und wird normal gespeichert.")
            if stored.revision != record.revision:
                raise self._stale(kind, stored, tx)
            new = self._next_revision(record, stored, actor)
            tx.put(new, audit=self._audit_fields(new, AuditAction.KORRIGIERT_KDN, actor, reason))
        return new

    def override_delete(self, kind: type[R], record_id: str, *, actor: User, reason: str) -> None:
        reason = self._require_kdn(actor, reason)
        check_kind(kind)
        check_id(record_id)
        if kind not in LIFECYCLE_KINDS:
            raise LifecycleError(f"{kind_name(kind)}-Datensätze können so nicht gelöscht werden.")
        try:
            reason = self.reason_free_of_client(reason, self._client_id(self.get(kind, record_id)))
        except NotFound:
            pass  # the unit of work reports it
        with self._tx(kind, record_id) as tx:
            self._require_stored_kdn(tx, actor)
            stored = tx.stored
            if stored is None:
                raise self._not_found(kind, record_id)
            if stored.status != Status.ABGESCHLOSSEN:
                raise LifecycleError(
                    f"{_DEMONSTRATIVE[kind]} ist noch offen; offene Datensätze werden verworfen."
                )
            tx.delete(audit=self._audit_fields(stored, AuditAction.GELOESCHT_KDN, actor, reason))

    def installation_records(self, kind: type[R]) -> list[R]:
        if kind not in INSTALLATION_KINDS:
            raise InvalidInput(f"{kind_name(check_kind(kind))}-Datensätze gehören zu einer Kundin / einem Kunden.")
        return sorted(self.export_records(kind), key=lambda r: r.id)


def stale_draft(stored: CatalogueDraft) -> StaleRevision:
    """The refusal of a catalogue draft save that started from an older draft (issue 8)."""
    return StaleRevision(
        f"Der Katalogentwurf wurde inzwischen von {stored.saved_by} am {berlin(stored.saved_at)} geändert. "
        "Ihre Änderung wurde nicht gespeichert; bitte laden Sie den aktuellen Entwurf."
    )
