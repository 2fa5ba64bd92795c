"""Refused calls of the case-lifecycle use cases are audited (issue 14): who tried what on which record."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from errors import NotPermitted

F = TypeVar("F", bound=Callable[..., Any])

VERWEIGERT = "verweigert"


def audit_refusal(what: str) -> Callable[[F], F]:
    """Decorate a use case `f(store, [record_id, ...], actor=...)`: a NotPermitted is audited, then raised again.

    The entry names the use case and the record id the call was about (never a client's data).
    """

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(store, *args, **kwargs):
            try:
                return function(store, *args, **kwargs)
            except NotPermitted:
                actor = kwargs.get("actor")
                if actor is not None:
                    record_id = args[0] if args and isinstance(args[0], str) else "-"
                    store.audit_append(actor=actor, action=f"{VERWEIGERT}: {what}", record_kind="Akte",
                                       record_id=record_id)  # fmt: skip
                raise

        return wrapper  # type: ignore[return-value]

    return decorate
