"""Limits and vocabularies in the types: text limits on the record models, TOTP roles checked at start."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from config import Settings
from schemas.records import (
    AktivitaetEintrag,
    BedarfEintrag,
    Egv,
    FoerderCheck,
    Folgegespraech,
    Profiling,
    Role,
    max_chars,
)

ROOT = Path(__file__).resolve().parents[2]


def test_text_limits_are_declared_once_on_the_record_models() -> None:
    assert max_chars(Profiling, "integrationsziel") == max_chars(BedarfEintrag, "bemerkungen") == 5000
    assert max_chars(FoerderCheck, "begruendung") == max_chars(Folgegespraech, "anliegen") == 5000
    assert max_chars(AktivitaetEintrag, "notiz") == 5000
    assert max_chars(Egv, "teilschritte") == max_chars(Egv, "sonstiges") == 10000
    services = [path.name for path in sorted((ROOT / "services").glob("*.py")) if "TEXT_MAX" in path.read_text()]
    assert services == []


def test_a_stored_text_longer_than_the_limit_still_loads() -> None:
    assert len(Egv(client_id="c", catalogue_version=1, profiling_id="p", id="e", teilschritte="x" * 10001)
               .teilschritte) == 10001


def test_a_typo_in_the_totp_roles_stops_the_start_with_a_german_message(monkeypatch) -> None:
    monkeypatch.setenv("VIERPHASEN_TOTP_ROLES", "IFK,Traner")

    with pytest.raises(ValidationError) as error:
        Settings()

    assert "unbekannte Rolle „Traner“" in str(error.value)


def test_totp_roles_are_role_names_or_values_in_any_case(monkeypatch) -> None:
    monkeypatch.setenv("VIERPHASEN_TOTP_ROLES", " ifk , KDN-Fachbetreuung,TRAINER ")

    assert Settings().totp_roles == {Role.IFK, Role.KDN, Role.TRAINER}
    assert Settings(totp_roles="").totp_roles == frozenset()
