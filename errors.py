"""Domain errors of Vierphasen; every one carries a German `message` for the screen.

    DomainError                      base: pages catch it and show `message` with st.error
    ├── CatalogueInvalid             a catalogue file fails validation (holds every problem found)
    ├── NotFound                     a record, client or catalogue version does not exist
    ├── NotPermitted                 the acting user's role or team does not allow the use case
    ├── InvalidInput                 input a use case cannot accept (names the field)
    ├── Incomplete                   closing a profiling while items are missing (lists them)
    ├── LifecycleError               an illegal state transition
    │   ├── RecordClosed             changing or discarding a closed record without the KDN override
    │   └── AlreadyExists            adding a record or version that is already there (never overwritten)
    ├── StaleRevision                saving a revision that a colleague has changed meanwhile
    ├── AuthenticationFailed         wrong user name or password, locked or deactivated account
    └── StorageUnavailable           the database or data directory cannot be read or written
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the product expects; `message` is shown to the user as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CatalogueInvalid(DomainError):
    """Raised when a catalogue file is not valid YAML or breaks the catalogue's rules."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Der Katalog ist fehlerhaft:\n" + "\n".join(f"- {p}" for p in problems))


class NotFound(DomainError):
    """Raised when a record, client, user or catalogue version is not stored."""


class NotPermitted(DomainError):
    """Raised when the acting user may not perform a use case (role, team or missing reason)."""


class InvalidInput(DomainError):
    """Raised when input cannot be accepted; `field` names where it happened (or is None)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class Incomplete(DomainError):
    """Raised when a profiling is closed while required items are missing; `missing` lists them."""

    def __init__(self, missing: list[str], subject: str = "Das Profiling"):
        self.missing = missing
        super().__init__(f"{subject} kann noch nicht abgeschlossen werden:\n" + "\n".join(f"- {m}" for m in missing))


class LifecycleError(DomainError):
    """Raised when a record is asked for a transition its state does not allow."""


class RecordClosed(LifecycleError):
    """Raised when a closed record is changed or deleted other than through the KDN override."""


class AlreadyExists(LifecycleError):
    """Raised when a record or catalogue version would overwrite an existing one."""


class StaleRevision(DomainError):
    """Raised when a save carries an older revision than the stored one; nothing was written."""


class AuthenticationFailed(DomainError):
    """Raised when a login fails: unknown user, wrong password, locked or deactivated account."""


class StorageUnavailable(DomainError):
    """Raised when the storage cannot be reached or written (disk full, read-only, server down)."""
