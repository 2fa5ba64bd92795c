"""SSO activity is shared by every instance (issue 18.8): two app instances are two store handles on one
data directory or database; activity noted through one decides the idle timeout seen through the other."""

from __future__ import annotations

from datetime import timedelta

from schemas.records import utcnow
from services import sso
from tests.contract.conftest import StoreSpec


def _claims(minutes_ago: int) -> dict:
    issued = int((utcnow() - timedelta(minutes=minutes_ago)).timestamp())
    return {"iss": "https://sso.example", "sub": "ines", "iat": issued, "groups": ["x"]}


def test_activity_on_one_instance_keeps_the_session_alive_on_the_other(store_spec: StoreSpec):
    first, second = store_spec.open(), store_spec.open()
    try:
        now = utcnow()
        claims = _claims(minutes_ago=120)  # signed in at the provider two hours ago
        assert sso.idle_too_long(second, claims, now=now)
        sso.note_activity(first, sso.subject_key(claims), now=now - timedelta(minutes=3))
        assert not sso.idle_too_long(second, claims, now=now)
        assert sso.idle_too_long(second, claims, now=now + timedelta(minutes=28))
    finally:
        first.close_store()
        second.close_store()


def test_a_sign_out_on_one_instance_ends_the_idle_grace_on_the_other(store_spec: StoreSpec):
    first, second = store_spec.open(), store_spec.open()
    try:
        now = utcnow()
        claims = _claims(minutes_ago=120)
        sso.note_activity(first, sso.subject_key(claims), now=now)
        sso.forget_activity(second, sso.subject_key(claims))
        assert sso.idle_too_long(first, claims, now=now)
    finally:
        first.close_store()
        second.close_store()


def test_an_older_click_noted_late_does_not_move_the_activity_back(store_spec: StoreSpec):
    first, second = store_spec.open(), store_spec.open()
    try:
        now = utcnow()
        subject = sso.subject_key(_claims(minutes_ago=120))
        sso.note_activity(first, subject, now=now)
        sso.note_activity(second, subject, now=now - timedelta(minutes=10))
        assert sso.last_activity(first, subject) == now
    finally:
        first.close_store()
        second.close_store()
