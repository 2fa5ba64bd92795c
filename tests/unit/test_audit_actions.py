"""Audit actions are members of one Enum (schemas/audit.py): the code passes no literal text as an action."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from schemas.audit import Aktion, AuditAction, action_text
from storage.core import audit_fields
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]


def test_an_action_with_details_is_stored_as_the_action_followed_by_them():
    aktion = AuditAction.UEBERGABE.mit(" von Team 1 an Team 2").mit(" (in Vertretung)")

    assert action_text(aktion) == "Übergabe von Team 1 an Team 2 (in Vertretung)"
    assert action_text(AuditAction.GELESEN) == "gelesen"
    assert aktion == Aktion(AuditAction.UEBERGABE, " von Team 1 an Team 2 (in Vertretung)")


@pytest.mark.parametrize("action", ["gelesen", "irgendwas", None, 3])
def test_the_audit_writer_refuses_an_action_that_is_no_member_of_the_enum(action):
    with pytest.raises(TypeError, match="AuditAction"):
        audit_fields(make_user(), action, "Kunde", "c1", "c1", None, None)


def _literal_actions(path: Path) -> list[str]:
    """Audit writes (`action=` keyword arguments) whose action is a text written in place: a string, an f-string
    or a sum, also as a branch of `x if c else y`. `AuditAction.X.mit(f"…")` adds details to a member: allowed."""
    found = []

    def literal(value: ast.expr) -> bool:
        if isinstance(value, ast.IfExp):
            return literal(value.body) or literal(value.orelse)
        if isinstance(value, ast.BoolOp):
            return any(literal(v) for v in value.values)
        return isinstance(value, ast.JoinedStr | ast.BinOp) or isinstance(value, ast.Constant) and isinstance(
            value.value, str)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            found += [f"{path.relative_to(ROOT)}:{k.value.lineno}" for k in node.keywords
                      if k.arg == "action" and literal(k.value)]
    return found


def test_no_product_code_writes_an_audit_action_as_literal_text():
    files = [f for folder in ("services", "storage", "schemas", "documents") for f in (ROOT / folder).rglob("*.py")]
    files.append(ROOT / "app.py")
    files += (ROOT / "pages").rglob("*.py")

    assert [spot for f in files for spot in _literal_actions(f)] == []


def test_the_literal_check_finds_a_text_and_an_f_string(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('store.save(r, action="gelesen")\nstore.save(r, action=f"{UEBERGABE} an {team}")\n'
                      'store.save(r, action=X if a else "gespeichert")\nstore.save(r, action=X.mit(f" an {team}"))\n')

    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert _literal_actions(sample) == ["sample.py:1", "sample.py:2", "sample.py:3"]
    finally:
        ROOT = saved
