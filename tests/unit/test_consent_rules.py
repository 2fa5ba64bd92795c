"""Closing a profiling needs an Integrationsziel and a recorded consent decision (erteilt / nicht erteilt)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dates import today
from errors import Incomplete, InvalidInput
from schemas.records import Status
from services.profiling import (
    GAP_EINVERSTAENDNIS,
    GAP_VERWEIGERUNG_NOTIZ,
    GAP_ZIEL,
    checklist,
    close_profiling,
    completeness_gaps,
    save_profiling,
)
from tests.unit.world import complete_profiling

NO_CONSENT = {"einverstaendnis": False, "einverstaendnis_datum": None}


def test_a_profiling_without_ziel_and_consent_does_not_close_and_lists_both(store, client, ifk, catalogue):
    saved = save_profiling(store, complete_profiling(client.id, integrationsziel=" ", **NO_CONSENT), actor=ifk)

    with pytest.raises(Incomplete) as raised:
        close_profiling(store, saved.id, revision=saved.revision, actor=ifk)

    assert GAP_ZIEL in raised.value.message
    assert GAP_EINVERSTAENDNIS in raised.value.message


def test_checklist_shows_ziel_and_consent_as_missing_for_an_old_open_profiling(client, catalogue):
    # saved before the rule: no Ziel, no consent decision — it still opens, with both items not done
    old = complete_profiling(client.id, integrationsziel="", **NO_CONSENT)

    items = dict(checklist(old, catalogue))
    assert items["Integrationsziel festgelegt"] is False
    assert items["Einverständnis vermerkt (erteilt oder nicht erteilt)"] is False


def test_given_consent_with_date_closes(store, client, ifk, catalogue):
    saved = save_profiling(store, complete_profiling(client.id), actor=ifk)

    closed = close_profiling(store, saved.id, revision=saved.revision, actor=ifk)

    assert closed.status == Status.ABGESCHLOSSEN


def test_refused_consent_needs_a_note_and_then_closes(store, client, ifk, catalogue):
    refused = complete_profiling(client.id, einverstaendnis=False, einverstaendnis_verweigert=True,
                                 einverstaendnis_datum=date(2026, 11, 20))
    assert completeness_gaps(refused, catalogue) == [GAP_VERWEIGERUNG_NOTIZ]

    refused.einverstaendnis_notiz = "Kunde lehnt ab; Folgen besprochen, neuer Termin zur Klärung."
    saved = save_profiling(store, refused, actor=ifk)
    closed = close_profiling(store, saved.id, revision=saved.revision, actor=ifk)

    assert closed.einverstaendnis_verweigert and closed.einverstaendnis_notiz.startswith("Kunde lehnt ab")


def test_a_refusal_without_date_is_dated_today_on_save(store, client, ifk, catalogue):
    saved = save_profiling(store, complete_profiling(client.id, einverstaendnis=False, einverstaendnis_datum=None,
                                                     einverstaendnis_verweigert=True), actor=ifk)

    assert saved.einverstaendnis_datum == today()


def test_consent_given_and_refused_at_once_is_refused_at_the_field(store, client, ifk, catalogue):
    with pytest.raises(InvalidInput) as raised:
        save_profiling(store, complete_profiling(client.id, einverstaendnis_verweigert=True), actor=ifk)

    assert raised.value.field == "einverstaendnis"


def test_consent_date_in_the_future_is_refused_at_the_field(store, client, ifk, catalogue):
    with pytest.raises(InvalidInput) as raised:
        save_profiling(store, complete_profiling(client.id, einverstaendnis_datum=today() + timedelta(days=1)),
                       actor=ifk)

    assert raised.value.field == "einverstaendnis_datum"
