"""Single sign-on: role and team from the provider's claims, refusals audited, accounts created and kept in step."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from config import Settings, SsoRole
from errors import AuthenticationFailed
from schemas.audit import AuditAction
from schemas.records import Role, User, utcnow
from services import sso
from services.users import authenticate, create_first_admin, deactivate_user
from storage.base import Store

PASSWORD = "Korrekt-Pferd-Batterie-7"
SETTINGS = Settings(
    auth_mode="sso",
    emergency_kdn="notfall.kdn",
    sso_role_map={
        "vp-kdn": SsoRole(role="KDN-Fachbetreuung"),
        "vp-ifk-team1": SsoRole(role="IFK", team="Team 1"),
        "vp-trainer": SsoRole(role="Trainer"),
        "vp-ifk-ohne-team": SsoRole(role="IFK"),
        "vp-unbekannt": SsoRole(role="Chef"),
    },
)


def claims(sub: str = "u-1", groups: object = ("vp-ifk-team1",), **extra: object) -> dict:
    return {"iss": "http://127.0.0.1:9999", "sub": sub, "email": f"{sub}@jobcenter.example",
            "name": "Ines Fallmanagerin", "groups": list(groups) if isinstance(groups, tuple) else groups,
            "iat": int(time.time()), "is_logged_in": True, **extra}


def test_role_and_team_come_from_the_mapped_group():
    assert sso.map_role(claims(), SETTINGS) == (Role.IFK, "Team 1")
    assert sso.map_role(claims(groups=("andere", "vp-trainer")), SETTINGS) == (Role.TRAINER, "")
    assert sso.map_role(claims(groups="vp-trainer"), SETTINGS) == (Role.TRAINER, "")


def test_the_first_entry_of_the_mapping_wins():
    assert sso.map_role(claims(groups=("vp-trainer", "vp-kdn")), SETTINGS) == (Role.KDN, "")


@pytest.mark.parametrize("groups", [(), ("andere",), ("vp-unbekannt",), ("vp-ifk-ohne-team",), None, 42])
def test_claims_without_a_valid_mapping_grant_nothing(groups):
    assert sso.map_role(claims(groups=groups), SETTINGS) is None


def test_first_sign_in_creates_the_account_with_the_mapped_role(store: Store):
    user = sso.sign_in_with_claims(store, claims(), settings=SETTINGS)
    assert (user.role, user.team, user.display_name) == (Role.IFK, "Team 1", "Ines Fallmanagerin")
    assert user.sso_subject == "http://127.0.0.1:9999|u-1" and user.password_hash == ""
    assert user.username.startswith("sso.u-1.")
    assert [e.action for e in store.audit_entries(record_id=user.id)][-1] == AuditAction.ANMELDUNG_ERFOLGREICH
    again = sso.sign_in_with_claims(store, claims(), settings=SETTINGS)
    assert again.id == user.id and len(store.list_users()) == 1


def test_a_changed_group_changes_the_role_at_the_next_sign_in(store: Store):
    user = sso.sign_in_with_claims(store, claims(), settings=SETTINGS)
    moved = sso.sign_in_with_claims(store, claims(groups=("vp-trainer",)), settings=SETTINGS)
    assert (moved.id, moved.role, moved.team) == (user.id, Role.TRAINER, "")
    assert AuditAction.SSO_ROLLE_UEBERNOMMEN in [e.action for e in store.audit_entries(record_id=user.id)]


def test_claims_without_a_role_are_refused_in_german_and_audited(store: Store):
    with pytest.raises(AuthenticationFailed) as err:
        sso.sign_in_with_claims(store, claims(sub="ohne-rolle", groups=()), settings=SETTINGS)
    assert "keine Rolle" in err.value.message
    assert store.list_users() == []
    entry = store.audit_entries()[-1]
    assert entry.action == AuditAction.SSO_KEINE_ROLLE and entry.actor.startswith("sso.ohne-rolle")


def test_claims_without_subject_are_refused(store: Store):
    with pytest.raises(AuthenticationFailed):
        sso.sign_in_with_claims(store, {"is_logged_in": True, "groups": ["vp-kdn"]}, settings=SETTINGS)
    assert store.audit_entries()[-1].action == AuditAction.SSO_UNGUELTIG


def test_a_deactivated_sso_account_is_refused_although_the_provider_signs_it_in(store: Store):
    admin = sso.sign_in_with_claims(store, claims(sub="chef", groups=("vp-kdn",)), settings=SETTINGS)
    user = sso.sign_in_with_claims(store, claims(), settings=SETTINGS)
    deactivate_user(store, user.id, actor=admin)
    with pytest.raises(AuthenticationFailed, match="deaktiviert"):
        sso.sign_in_with_claims(store, claims(), settings=SETTINGS)


def test_a_local_account_with_the_same_name_is_not_taken_over(store: Store):
    admin = create_first_admin(store, username="kdn.admin", display_name="K", password=PASSWORD)
    local = store.add(User(id="x1", username=sso.username_for(claims()), display_name="Lokal", role=Role.KDN),
                      actor=admin)
    user = sso.sign_in_with_claims(store, claims(), settings=SETTINGS)
    assert user.id != local.id and user.role == Role.IFK


def test_with_sso_on_only_the_emergency_account_signs_in_with_a_password(store: Store, monkeypatch):
    monkeypatch.setenv("VIERPHASEN_AUTH_MODE", "sso")
    monkeypatch.setenv("VIERPHASEN_EMERGENCY_KDN", "notfall.kdn")
    import config

    config.get_settings.cache_clear()
    try:
        with pytest.raises(Exception, match="Benutzernamen „notfall.kdn“"):
            create_first_admin(store, username="kdn.admin", display_name="K", password=PASSWORD)
        admin = create_first_admin(store, username="notfall.kdn", display_name="K", password=PASSWORD)
        assert authenticate(store, "notfall.kdn", PASSWORD).id == admin.id
        from services.users import create_user

        create_user(store, username="anna", display_name="A", role=Role.IFK, team="T", password=PASSWORD,
                    actor=admin)
        with pytest.raises(AuthenticationFailed, match="Passwort ist in dieser Installation abgeschaltet"):
            authenticate(store, "anna", PASSWORD)
    finally:
        config.get_settings.cache_clear()


def test_a_provider_sign_in_older_than_12_hours_is_too_old():
    assert not sso.token_too_old(claims())
    old = int((utcnow() - timedelta(hours=12, minutes=1)).timestamp())
    assert sso.token_too_old(claims(iat=old))
    assert sso.token_too_old(claims(auth_time=old))


def test_idle_time_counts_across_browser_tabs_of_the_same_identity(store):
    now = utcnow()
    fresh = claims(sub="tabs", iat=int((now - timedelta(minutes=5)).timestamp()))
    assert not sso.idle_too_long(store, fresh, now=now)
    old = claims(sub="tabs", iat=int((now - timedelta(hours=2)).timestamp()))
    assert sso.idle_too_long(store, old, now=now)  # no activity known: the provider sign-in time counts
    sso.note_activity(store, sso.subject_key(old), now=now - timedelta(minutes=10))
    assert not sso.idle_too_long(store, old, now=now)
    assert sso.idle_too_long(store, old, now=now + timedelta(minutes=21))
    sso.forget_activity(store, sso.subject_key(old))
    assert sso.idle_too_long(store, old, now=now)


def test_claims_without_any_groups_claim_are_refused_in_german_and_audited(store: Store):
    no_groups = claims(sub="ohne-gruppen")
    del no_groups["groups"]
    with pytest.raises(AuthenticationFailed) as err:
        sso.sign_in_with_claims(store, no_groups, settings=SETTINGS)
    assert err.value.message == sso.NO_ROLE
    assert store.list_users() == []
    entry = store.audit_entries()[-1]
    assert entry.action == AuditAction.SSO_KEINE_ROLLE and entry.actor.startswith("sso.ohne-gruppen")


@pytest.mark.parametrize("iat", [1e20, -1e20, float("inf"), float("nan"), 2**70, 253402300800])
def test_an_impossible_sign_in_time_is_refused_in_german_and_audited(store: Store, iat):
    """Regression: an absurd iat raised OverflowError/ValueError in issued_at and token_too_old."""
    with pytest.raises(AuthenticationFailed) as err:
        sso.token_too_old(claims(iat=iat))
    assert err.value.message == sso.BAD_TIME
    with pytest.raises(AuthenticationFailed, match="unmöglichen Anmeldezeitpunkt"):
        sso.sign_in_with_claims(store, claims(iat=iat), settings=SETTINGS)
    assert store.audit_entries()[-1].action == AuditAction.SSO_UNGUELTIG
    with pytest.raises(AuthenticationFailed, match="unmöglichen Anmeldezeitpunkt"):
        sso.expired_sign_in(store, claims(auth_time=iat))
    assert store.audit_entries()[-1].action == AuditAction.SSO_UNGUELTIG
    assert store.list_users() == []


@pytest.mark.parametrize("identity", [{"sub": 42}, {"sub": "a\x00b"}, {"iss": ["x"]}, {"sub": "s" * 256}])
def test_claims_with_an_unusable_subject_or_issuer_are_refused(store: Store, identity):
    with pytest.raises(AuthenticationFailed) as err:
        sso.sign_in_with_claims(store, claims(**identity), settings=SETTINGS)
    assert err.value.message == sso.INCOMPLETE
    assert store.audit_entries()[-1].action == AuditAction.SSO_UNGUELTIG and store.list_users() == []


def test_control_characters_in_the_name_claim_are_dropped(store: Store):
    user = sso.sign_in_with_claims(store, claims(name="Ines\x00 \x1b[31mFall"), settings=SETTINGS)
    assert user.display_name == "Ines [31mFall"


def test_an_expired_provider_sign_in_is_audited_as_a_sign_out_of_the_account(store: Store):

    now = utcnow()
    user = sso.sign_in_with_claims(store, claims(sub="abgelaufen"), settings=SETTINGS)
    fresh = claims(sub="abgelaufen", iat=int((now - timedelta(minutes=5)).timestamp()))
    assert sso.expired_sign_in(store, fresh, now=now) is None
    assert store.audit_entries(record_id=user.id)[-1].action == AuditAction.ANMELDUNG_ERFOLGREICH
    idle = claims(sub="abgelaufen", iat=int((now - timedelta(hours=2)).timestamp()))
    assert sso.expired_sign_in(store, idle, now=now) == "idle"
    assert store.audit_entries(record_id=user.id)[-1].action == AuditAction.ABMELDUNG_ZEIT
    old = claims(sub="abgelaufen", iat=int((now - timedelta(hours=13)).timestamp()))
    assert sso.expired_sign_in(store, old, now=now) == "too_old"
    assert store.audit_entries(record_id=user.id)[-1].action == AuditAction.ABMELDUNG_HOECHSTDAUER


def test_the_emergency_name_signs_in_with_a_password_only_while_its_role_is_kdn(store: Store):
    """Matched by user name alone, a demoted emergency account would bypass the single sign-on."""
    from services.users import SSO_ONLY, assign_role, create_user

    admin = create_first_admin(store, username="notfall.kdn", display_name="K", password=PASSWORD)
    other = create_user(store, username="zweite.kdn", display_name="Z", role=Role.KDN, password=PASSWORD,
                        actor=admin)
    assert authenticate(store, "notfall.kdn", PASSWORD, settings=SETTINGS).id == admin.id
    assign_role(store, admin.id, role=Role.IFK, team="Team 1", actor=other)
    with pytest.raises(AuthenticationFailed) as err:
        authenticate(store, "notfall.kdn", PASSWORD, settings=SETTINGS)
    assert err.value.message == SSO_ONLY
    entry = store.audit_entries()[-1]
    assert (entry.action, entry.record_id) == (AuditAction.ANMELDUNG_NUR_SSO, admin.id)


def test_idle_time_is_shared_by_every_instance_on_the_same_store(store, tmp_path):
    """Two instances (two store handles on one data directory): activity noted by one keeps the other's session."""
    from storage import open_store

    other = open_store(Settings(data_dir=tmp_path / "data"))
    try:
        now = utcnow()
        old = claims(sub="zwei-instanzen", iat=int((now - timedelta(hours=2)).timestamp()))
        sso.note_activity(store, sso.subject_key(old), now=now - timedelta(minutes=5))
        assert not sso.idle_too_long(other, old, now=now)
        assert sso.idle_too_long(other, old, now=now + timedelta(minutes=26))
        sso.forget_activity(other, sso.subject_key(old))
        assert sso.idle_too_long(store, old, now=now)
    finally:
        other.close_store()
