"""A refused page access is audited (issue 18.2): a Trainer or Fachaufsicht reaching a caseworker page."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from schemas.audit import AuditAction
from schemas.records import Role
from services.access import SYSTEM
from storage.base import Store
from tests.factories import make_user
from tests.ui.conftest import ROOT


@pytest.mark.parametrize("role", [Role.TRAINER, Role.FACHAUFSICHT])
def test_a_caseworker_page_refused_to_another_role_writes_an_audit_entry(
    data_dir, store: Store, monkeypatch, role: Role
):
    user = store.add(make_user(role=role, team=""), actor=SYSTEM)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "pages" / "profiling.py"), default_timeout=30)
    at.session_state["user"] = user
    at.run()
    assert not at.exception
    assert any("nicht freigegeben" in e.value for e in at.error)
    refused = [e for e in store.audit_entries() if e.action == AuditAction.ZUGRIFF_VERWEIGERT]
    assert [(e.actor, e.role, e.reason) for e in refused] == [(user.username, str(role), "Seite „1 Profiling“")]
