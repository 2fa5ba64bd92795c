"""Löschfristen on both backends: a deleted client leaves no trace of the person anywhere (issue 14)."""

from __future__ import annotations

import base64
import io
import json
import uuid
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
from pypdf import PdfReader

from dates import today
from errors import InvalidInput, LifecycleError, NotFound
from schemas.audit import AuditAction
from schemas.records import Client, Document, Egv, Folgegespraech, Profiling, Role, User
from services import akte, documents, egv, folgegespraech, profiling, retention
from services.access import SYSTEM
from services.catalogue import ensure_catalogue
from storage.base import CLIENT_KINDS, Store
from tests.contract.conftest import StoreSpec
from tests.factories import make_user
from tests.unit.world import complete_profiling


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def _pdfs_in(value: object) -> list[bytes]:
    """Stored PDFs inside a JSON value (base64 in TinyDB files and JSONB rows)."""
    found: list[bytes] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "pdf" and isinstance(item, str):
                found.append(base64.urlsafe_b64decode(item + "=" * (-len(item) % 4)))
            else:
                found += _pdfs_in(item)
    elif isinstance(value, list):
        for item in value:
            found += _pdfs_in(item)
    return found


def _traces(spec: StoreSpec, marker: str) -> list[str]:
    """Every place the marker occurs: files under the data directory or PostgreSQL text columns, and PDF texts."""
    needle = marker.casefold()
    hits: list[str] = []
    if spec.backend == "tinydb":
        for path in Path(spec.data_dir).rglob("*"):
            if not path.is_file():
                continue
            raw = path.read_bytes()
            if needle in raw.decode("utf-8", "replace").casefold():
                hits.append(str(path))
            if path.suffix == ".json":
                try:
                    data = json.loads(raw)
                except ValueError:
                    continue
                hits += [f"PDF in {path}" for pdf in _pdfs_in(data) if needle in _pdf_text(pdf).casefold()]
        return hits
    with psycopg.connect(spec.url, options=f"-c search_path={spec.schema}", autocommit=True) as conn:
        columns = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s"
            " AND data_type IN ('text', 'jsonb', 'json', 'character varying', 'character')",
            (spec.schema,),
        ).fetchall()
        for table, column in columns:
            count = conn.execute(
                f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE %s', (f"%{marker}%",)
            ).fetchone()[0]
            if count:
                hits.append(f"{table}.{column}")
        for (data,) in conn.execute("SELECT data FROM documents").fetchall():
            hits += ["PDF in documents" for pdf in _pdfs_in(data) if needle in _pdf_text(pdf).casefold()]
    return hits


@pytest.fixture
def team(store: Store) -> dict[str, User]:
    ensure_catalogue(store, actor=SYSTEM)
    return {
        "ifk": store.add(make_user(Role.IFK, team="Team 1", display_name="Anna Schmidt"), actor=SYSTEM),
        "ifk2": store.add(make_user(Role.IFK, team="Team 2", display_name="Bernd Weber"), actor=SYSTEM),
        "kdn": store.add(make_user(Role.KDN, team="", display_name="Karl Dorn"), actor=SYSTEM),
    }


def _full_case(store: Store, ifk: User, kdn: User, marker: str) -> Client:
    """A client whose name, Kundennummer and free texts carry `marker`, with every feature used once."""
    client = store.add(Client(id=uuid.uuid4().hex, kundennummer=marker, vorname=f"Vor{marker}",
                              nachname=f"Nach{marker}", geburtsdatum=date(1980, 2, 29), team="Team 1"),
                       actor=ifk)  # fmt: skip
    profil = complete_profiling(client.id).model_copy(update={"zielberuf": f"Lager {marker}",
                                                              "integrationsziel": f"Ziel {marker}"})
    profil.handlungsbedarfe["schulische_qualifikation"].bemerkungen = f"Bemerkung {marker}"
    profil = profiling.save_profiling(store, profil, actor=ifk)
    profil = profiling.close_profiling(store, profil.id, revision=profil.revision, actor=ifk)
    vereinbarung = egv.draft_egv(store, profil.id, actor=ifk)
    vereinbarung = egv.save_egv(store, vereinbarung.model_copy(update={
        "bemuehungen_kunde": f"Bewerbungen {marker}", "teilschritte": f"- Schulabschluss erwerben: Anmeldung {marker}"}),
                                actor=ifk)  # fmt: skip
    vereinbarung = egv.close_egv(store, vereinbarung.id, revision=vereinbarung.revision, actor=ifk)
    handed = documents.hand_out_egv(store, vereinbarung.id, actor=ifk)
    assert marker.casefold() in _pdf_text(handed.pdf).casefold()  # the printed PDF names the client
    gespraech = folgegespraech.new_folgegespraech(store, client.id, actor=ifk)
    folgegespraech.record_folgegespraech(store, gespraech.model_copy(update={"anliegen": f"Anliegen {marker}"}),
                                         actor=ifk)  # fmt: skip
    profiling.correct_closed_profiling(store, profil.model_copy(update={"zielberuf": f"Koch {marker}"}),
                                       reason="Datenschutzvorfall: falsche Angabe", actor=kdn)  # fmt: skip
    client = store.get(Client, client.id)
    client = akte.correct_stammdaten(store, client.id, revision=client.revision, kundennummer=marker,
                                     vorname=f"Vorn{marker}", nachname=f"Nach{marker}",
                                     geburtsdatum=date(1980, 2, 29), actor=ifk)  # fmt: skip
    documents.auskunft(store, client.id, actor=ifk)
    return akte.end_case(store, client.id, revision=client.revision, datum=today() - timedelta(days=6 * 366),
                         grund="abm_sonstiges", notiz=f"Notiz {marker}", actor=ifk)  # fmt: skip


def test_deleting_a_due_case_leaves_no_trace_of_the_person(store: Store, store_spec: StoreSpec, team):
    marker = "QZ" + uuid.uuid4().hex[:10].upper()
    other = _full_case(store, team["ifk"], team["kdn"], "KEEP" + uuid.uuid4().hex[:8].upper())
    client = _full_case(store, team["ifk"], team["kdn"], marker)
    ids = {kind: [r.id for r in store.list_for_client(kind, client.id)] for kind in CLIENT_KINDS}
    assert all(ids[kind] for kind in (Profiling, Egv, Folgegespraech, Document))
    before = _traces(store_spec, marker)  # the search finds the person before the deletion, in the PDFs too
    assert before and any(hit.startswith("PDF") for hit in before)

    due = retention.due_cases(store, actor=team["kdn"])
    assert [c.client_id for c in due] == sorted([client.id, other.id], key=lambda i: (
        store.get(Client, i).abgemeldet_am, i))  # fmt: skip
    deleted = retention.delete_case(store, client.id, actor=team["kdn"])

    assert _traces(store_spec, marker) == []
    assert set(deleted) == {client.id, *(i for kind_ids in ids.values() for i in kind_ids)}
    with pytest.raises(NotFound):
        store.get(Client, client.id)
    assert store.client_by_kundennummer(marker) is None
    assert store.find_clients(marker) == []
    assert all(store.list_for_client(kind, client.id) == [] for kind in CLIENT_KINDS)
    # the audit trail keeps the skeleton: that, when, by whom, which record ids — and stays intact
    skeleton = [e for e in store.audit_entries(client_id=client.id) if e.action == AuditAction.GELOESCHT_LOESCHFRIST]
    assert {e.record_id for e in skeleton} == set(deleted)
    assert {(e.actor, e.role, e.reason) for e in skeleton} == {(team["kdn"].username, "KDN-Fachbetreuung", None)}
    assert store.audit_verify() is None
    # the other case is untouched
    assert store.get(Client, other.id).kundennummer == other.kundennummer


def test_an_active_case_or_one_within_its_period_is_not_deleted(store: Store, team):
    ifk, kdn = team["ifk"], team["kdn"]
    client = store.add(Client(id=uuid.uuid4().hex, kundennummer="AKTIV1", vorname="A", nachname="B",
                              geburtsdatum=date(1980, 1, 1), team="Team 1"), actor=ifk)  # fmt: skip
    with pytest.raises(LifecycleError, match="nicht abgemeldet"):
        retention.delete_case(store, client.id, actor=kdn)
    ended = akte.end_case(store, client.id, revision=client.revision, datum=today() - timedelta(days=30),
                          grund="abm_wegzug", actor=ifk)  # fmt: skip
    assert retention.due_cases(store, actor=kdn) == []
    with pytest.raises(LifecycleError, match="Löschfrist"):
        retention.delete_case(store, client.id, actor=kdn)
    assert store.get(Client, client.id).revision == ended.revision


def test_a_correction_reason_naming_the_client_is_refused_at_its_field(store: Store, team):
    ifk, kdn = team["ifk"], team["kdn"]
    client = store.add(Client(id=uuid.uuid4().hex, kundennummer="NAME42", vorname="Jolanda",
                              nachname="Quastenberg", geburtsdatum=date(1980, 1, 1), team="Team 1"),
                       actor=ifk)  # fmt: skip
    profil = profiling.save_profiling(store, complete_profiling(client.id), actor=ifk)
    profil = profiling.close_profiling(store, profil.id, revision=profil.revision, actor=ifk)
    for reason in ("Frau Quastenberg hat widersprochen", "Kunde NAME42", "geb. 01.01.1980"):
        with pytest.raises(InvalidInput) as err:
            profiling.correct_closed_profiling(store, profil, reason=reason, actor=kdn)
        assert err.value.field == "begruendung"
    assert store.get(Profiling, profil.id).revision == profil.revision


def test_ended_clients_are_listed_oldest_end_first_and_by_team(store: Store, team):
    ifk, ifk2 = team["ifk"], team["ifk2"]
    made = []
    for number, (days, who) in enumerate([(10, ifk), (400, ifk2), (50, ifk)]):
        c = store.add(Client(id=uuid.uuid4().hex, kundennummer=f"END{number}", vorname="A", nachname="B",
                             geburtsdatum=date(1980, 1, 1), team=who.team), actor=who)  # fmt: skip
        made.append(akte.end_case(store, c.id, revision=c.revision, datum=today() - timedelta(days=days),
                                  grund="abm_wegzug", actor=who))  # fmt: skip
    assert [c.id for c in store.ended_clients()] == [made[1].id, made[2].id, made[0].id]
    assert [c.id for c in store.ended_clients(team="Team 1")] == [made[2].id, made[0].id]


def test_vertretung_uebergabe_and_abmeldung_behave_alike_on_both_backends(store: Store, team):
    from errors import NotPermitted
    from services import clients, vertretung

    ifk, ifk2, kdn = team["ifk"], team["ifk2"], team["kdn"]
    client = store.add(Client(id=uuid.uuid4().hex, kundennummer="BEIDE1", vorname="A", nachname="B",
                              geburtsdatum=date(1980, 1, 1), team="Team 1"), actor=ifk)  # fmt: skip
    granted = vertretung.grant_vertretung(store, vertreter=ifk2.username, team="Team 1", von=today(),
                                          bis=today() + timedelta(days=3), grund="Urlaub", actor=kdn)  # fmt: skip
    assert [r.vertretung.id for r in vertretung.list_vertretungen(store, actor=kdn)] == [granted.id]
    profil = profiling.save_profiling(store, profiling.start_profiling(store, client.id, actor=ifk2), actor=ifk2)
    assert store.audit_entries(record_id=profil.id)[-1].action == "angelegt (in Vertretung)"
    vertretung.end_vertretung(store, granted.id, revision=granted.revision, actor=kdn)
    with pytest.raises(NotPermitted):
        clients.client_for(store, client.id, actor=ifk2)

    client = store.get(Client, client.id)
    moved = akte.hand_over(store, client.id, revision=client.revision, team="Team 2", actor=ifk)
    assert clients.client_for(store, client.id, actor=ifk2).team == "Team 2"
    with pytest.raises(NotPermitted):
        clients.client_for(store, client.id, actor=ifk)
    ended = akte.end_case(store, client.id, revision=moved.revision, datum=today(), grund="abm_wegzug", actor=ifk2)
    assert [c.id for c in store.ended_clients(team="Team 2")] == [client.id]
    assert akte.ended_by_reason(store, actor=kdn) == {"Wegzug": 1}
    akte.reopen_case(store, client.id, revision=ended.revision, actor=ifk2)
    assert store.ended_clients() == []
    changes = [e.action for e in store.audit_entries(record_id=client.id) if e.action != "Zugriff verweigert"]
    assert changes[-3:] == [
        "Übergabe von Team 1 an Team 2 (Revision 2)", "abgemeldet: Wegzug (Revision 3)",
        "wieder aufgenommen (Revision 4)"]
