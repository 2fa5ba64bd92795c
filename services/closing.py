"""„Abschließen“ from a page's draft: save it if it differs from the stored record, then close it.

One rule for every record a page edits as a draft (profiling, EGV): a new or changed draft is saved first (so
nothing typed is lost, even when closing is refused), an unchanged one is closed as stored. A refused save is
raised as usual; a refused close is returned beside the record as now stored, because the save before it stands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from errors import DomainError, NotPermitted
from schemas.records import Egv, Profiling, User
from services.access import Permission, require
from services.egv import close_egv, save_egv
from services.profiling import close_profiling, save_profiling
from storage.base import Store

R = TypeVar("R", Profiling, Egv)


@dataclass(frozen=True)
class Closing(Generic[R]):
    """What „save if changed, then close“ did: `record` is the closed record, or (`refusal` set: closing was
    refused, e.g. Incomplete) the record as stored now, saved or not."""

    record: R
    refusal: DomainError | None = None


def save_and_close_profiling(store: Store, draft: Profiling, *, actor: User) -> Closing[Profiling]:
    """Save the profiling draft if it is new or changed, then close it (see `close_profiling`).

    Raises NotPermitted and what `save_profiling` raises (nothing stored then); a refused close comes back as `Closing.refusal`."""
    return _save_and_close(store, draft, Profiling, save_profiling, close_profiling, actor=actor)


def save_and_close_egv(store: Store, draft: Egv, *, actor: User) -> Closing[Egv]:
    """Save the EGV draft if it is new or changed, then close it: agreed (see `close_egv`).

    Raises NotPermitted and what `save_egv` raises (nothing stored then); a refused close comes back as `Closing.refusal`."""
    return _save_and_close(store, draft, Egv, save_egv, close_egv, actor=actor)


def _save_and_close(store: Store, draft: R, kind: type[R], save: Callable[..., R], close: Callable[..., R], *,
                    actor: User) -> Closing[R]:
    require(store, actor, Permission.WORK_ON_CLIENTS)  # the save or close checks the client's team
    stored = store.get(kind, draft.id) if draft.revision else None
    saved = stored if stored is not None and stored == draft else save(store, draft, actor=actor)
    try:
        return Closing(close(store, saved.id, revision=saved.revision, actor=actor))
    except NotPermitted:
        raise  # a refused permission is no state of the record: nothing was saved then
    except DomainError as refusal:
        return Closing(saved, refusal)
