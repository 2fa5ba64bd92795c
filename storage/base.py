"""The repository interface every storage backend implements (TinyDB embedded, PostgreSQL house-wide).

The store itself enforces the lifecycle (only open records are saved, closed ones are frozen), optimistic
concurrency (revisions) and the append-only, hash-chained audit trail, so no page, script or API can bypass
them. Every change writes its audit entry in the same call; reads are audited by the services that perform
them (`audit_append(..., action="gelesen")`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TypeVar

from schemas.records import (
    AuditEntry,
    CatalogueVersion,
    Client,
    Document,
    Egv,
    Folgegespraech,
    Profiling,
    Record,
    User,
)

R = TypeVar("R", bound=Record)

#: Record kinds a store keeps; lifecycle kinds have the states offen → abgeschlossen.
RECORD_KINDS: tuple[type[Record], ...] = (Client, Profiling, Egv, Folgegespraech, Document, User)
LIFECYCLE_KINDS: tuple[type[Record], ...] = (Profiling, Egv)
#: Kinds stored per client (everything but users); `client_id` says whose.
CLIENT_KINDS: tuple[type[Record], ...] = (Profiling, Egv, Folgegespraech, Document)

#: German names of the kinds, for messages and the audit trail.
KIND_NAMES: dict[type[Record], str] = {
    Client: "Kunde",
    Profiling: "Profiling",
    Egv: "EGV",
    Folgegespraech: "Folgegespräch",
    Document: "Dokument",
    User: "Benutzer",
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
    def save(self, record: R, *, actor: User) -> R:
        """Replace the stored record if `record.revision` equals the stored one; returns it with revision+1.

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
        action: str,
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

    def close_store(self) -> None:  # noqa: B027 - optional hook
        """Release connections and locks; the default has none."""
