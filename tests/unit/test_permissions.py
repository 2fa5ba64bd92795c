"""The permission matrix of ARCHITECTURE.md §1: every role × every service use case is allowed or refused below the UI.

A refusal is a NotPermitted with a German message; an allowed call must have done its job (each use case names
what it returns or stores, checked after the call). Each case runs on a fresh copy of the same small world.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from dates import today
from errors import DomainError, InvalidInput, NotPermitted
from schemas.audit import AuditAction
from schemas.catalogue import SHIPPED_CATALOGUE
from schemas.records import (
    Beschaeftigungsaufnahme,
    Client,
    Document,
    Egv,
    Folgegespraech,
    Massnahme,
    Profiling,
    Role,
    Status,
    Stellensuchlauf,
    User,
    Vertretung,
)
from services import (
    akte,
    audit_log,
    beschaeftigung,
    clients,
    closing,
    documents,
    egv,
    folgegespraech,
    gespraechsvorbereitung,
    history,
    massnahmen,
    profiling,
    reports,
    retention,
    sso,
    totp,
    users,
    vertretung,
    wiedervorlage,
)
from services import catalogue as catalogue_service
from services import catalogue_editor as editor
from services.access import SYSTEM
from tests.factories import make_profiling
from tests.unit.world import ACTORS, PASSWORD, World, build_template, copy_world


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, World]:
    """The world built once in a real TinyDB directory; each test works on its own copy of the files."""
    data_dir = tmp_path_factory.mktemp("matrix") / "data"
    return data_dir, build_template(data_dir)


@pytest.fixture
def world(template, tmp_path) -> World:
    built = copy_world(*template, tmp_path / "data")
    yield built
    built.store.close_store()


# --- the use cases ---------------------------------------------------------------------------------------------
Call = Callable[[World, User], object]
#: What an allowed call must have done: (world, actor, result) → True.
Done = Callable[[World, User, object], bool]

CASEWORK = {"IFK", "KDN-Fachbetreuung"}
KDN = {"KDN-Fachbetreuung"}
CATALOGUE_READERS = {"Trainer", "KDN-Fachbetreuung"}
REPORT_READERS = {"Fachaufsicht", "KDN-Fachbetreuung"}  # issue 9
EVERYBODY = set(ACTORS)
SHIPPED = SHIPPED_CATALOGUE.read_text(encoding="utf-8")
CHANGE = "# geändert\n"  # publishing needs a change


def stored(w: World, kind: type, record_id: str):
    return w.store.get(kind, record_id)


def gone(w: World, kind: type, record_id: str) -> bool:
    try:
        w.store.get(kind, record_id)
    except DomainError:
        return True
    return False


def draft_text(w: World) -> str:
    draft = w.store.catalogue_draft()
    return draft.text if draft else ""


def is_pdf(result) -> bool:
    name, pdf = result
    return name.endswith(".pdf") and pdf.startswith(b"%PDF")


def visible_clients(w: World, a: User) -> set[str]:
    """The clients of the world an actor may see: KDN all, an IFK those of the own team."""
    return {c.id for c in (w.client, w.other_client) if a.role == Role.KDN or c.team == a.team}


def _draft(w: World) -> int:
    """Arrange a catalogue draft: version 1 with a change (stored directly, no permission involved); its revision."""
    draft = w.store.catalogue_draft() or w.store.save_catalogue_draft(
        w.store.catalogue_version(1).text + CHANGE, base_version=1, revision=0, actor=w.actors["Trainer"])
    return draft.revision


def _handed_out(w: World) -> None:
    """Arrange one handed-out EGV (by the IFK of Team 1)."""
    documents.hand_out_egv(w.store, w.closed_egv.id, actor=w.actors["IFK"])


def _enrolled_target(w: World) -> None:
    """Arrange a second factor on the managed account (stored directly)."""
    user = stored(w, User, w.target.id)
    w.store.save(user.model_copy(update={"totp_secret": totp.new_secret(), "recovery_hashes": ["x"]}), actor=SYSTEM)


def _due_talk(w: World) -> None:
    """Arrange a Folgegespräch of the Team 1 client whose next appointment is today."""
    talk = stored(w, Folgegespraech, w.gespraech.id)
    w.store.save(talk.model_copy(update={"naechster_termin": today()}), actor=w.actors["IFK"])


def _ended_long_ago(w: World) -> Client:
    """Arrange: the Team 1 client's case ended ten years ago (stored directly)."""
    client = stored(w, Client, w.client.id)
    return w.store.save(client.model_copy(update={"abgemeldet_am": today() - timedelta(days=3660),
                                                  "abmeldegrund": "abm_wegzug"}), actor=SYSTEM)  # fmt: skip


def _a_vertretung(w: World) -> Vertretung:
    """Arrange: the IFK of Team 2 stands in for Team 1 for a week (stored directly)."""
    return w.store.add(Vertretung(id="v1", vertreter=w.actors["IFK anderes Team"].username, team="Team 1",
                                  von=today(), bis=today() + timedelta(days=7), grund="Urlaub"), actor=SYSTEM)


USE_CASES: dict[str, tuple[Call, set[str], Done]] = {
    # clients
    "create_client": (
        lambda w, a: clients.create_client(w.store, kundennummer="NEU123", vorname="Eva", nachname="Neu",
                                           geburtsdatum=today().replace(year=today().year - 30), actor=a,
                                           team="Team 1" if a.role == Role.KDN else None),
        CASEWORK | {"IFK anderes Team"},  # an IFK creates clients for the own team (test below)
        lambda w, a, r: stored(w, Client, r.id).nachname == "Neu" and r.team == (a.team or "Team 1"),
    ),
    "find_clients": (
        lambda w, a: clients.find_clients(w.store, "", actor=a), CASEWORK | {"IFK anderes Team"},
        lambda w, a, r: {c.id for c in r} >= visible_clients(w, a)
        and all(a.role == Role.KDN or c.team == a.team for c in r),
    ),
    "open_client": (lambda w, a: clients.open_client(w.store, w.client.id, actor=a), CASEWORK,
                    lambda w, a, r: r.id == w.client.id),
    "client_for": (lambda w, a: clients.client_for(w.store, w.client.id, actor=a), CASEWORK,
                   lambda w, a, r: r.id == w.client.id),
    "list_read": (lambda w, a: clients.list_read(w.store, Folgegespraech, w.client.id, actor=a, by="datum"), CASEWORK,
                  lambda w, a, r: [t.id for t in r] == [w.gespraech.id]),
    # profiling
    "profiling_history": (
        lambda w, a: profiling.profiling_history(w.store, w.client.id, actor=a), CASEWORK,
        lambda w, a, r: {w.open_profiling.id, w.closed_profiling.id} <= {e.profiling_id for e in r},
    ),
    "start_profiling": (
        lambda w, a: profiling.start_profiling(w.store, w.client.id, actor=a), CASEWORK,
        lambda w, a, r: isinstance(r, Profiling) and (r.client_id, r.status) == (w.client.id, Status.OFFEN),
    ),
    "open_profiling": (lambda w, a: profiling.open_profiling(w.store, w.open_profiling.id, actor=a), CASEWORK,
                       lambda w, a, r: r.id == w.open_profiling.id),
    "save_profiling": (
        lambda w, a: profiling.save_profiling(w.store, w.open_profiling.model_copy(update={"zielberuf": "Koch"}),
                                              actor=a),
        CASEWORK,
        lambda w, a, r: stored(w, Profiling, w.open_profiling.id).zielberuf == "Koch",
    ),
    "save_profiling (neu)": (
        lambda w, a: profiling.save_profiling(w.store, make_profiling(w.client.id), actor=a), CASEWORK,
        lambda w, a, r: stored(w, Profiling, r.id).client_id == w.client.id,
    ),
    "close_profiling": (
        lambda w, a: profiling.close_profiling(w.store, w.open_profiling.id, revision=w.open_profiling.revision,
                                               actor=a),
        CASEWORK,
        lambda w, a, r: stored(w, Profiling, w.open_profiling.id).status == Status.ABGESCHLOSSEN,
    ),
    "save_and_close_profiling": (
        lambda w, a: closing.save_and_close_profiling(
            w.store, w.open_profiling.model_copy(update={"zielberuf": "Koch"}), actor=a),
        CASEWORK,
        lambda w, a, r: r.refusal is None and (stored(w, Profiling, w.open_profiling.id).status,
                                               stored(w, Profiling, w.open_profiling.id).zielberuf)
        == (Status.ABGESCHLOSSEN, "Koch"),
    ),
    "discard_profiling": (
        lambda w, a: profiling.discard_profiling(w.store, w.open_profiling.id, revision=w.open_profiling.revision,
                                                 actor=a),
        CASEWORK,
        lambda w, a, r: gone(w, Profiling, w.open_profiling.id),
    ),
    "clone_profiling": (
        lambda w, a: profiling.clone_profiling(w.store, w.closed_profiling.id, actor=a), CASEWORK,
        lambda w, a, r: (r.cloned_from, r.status, r.client_id) == (w.closed_profiling.id, Status.OFFEN, w.client.id),
    ),
    "correct_closed_profiling": (
        lambda w, a: profiling.correct_closed_profiling(
            w.store, w.closed_profiling.model_copy(update={"zielberuf": "Korrigiert"}), reason="Datenschutzvorfall",
            actor=a),
        KDN,
        lambda w, a, r: stored(w, Profiling, w.closed_profiling.id).zielberuf == "Korrigiert",
    ),
    "delete_closed_profiling": (
        lambda w, a: profiling.delete_closed_profiling(w.store, w.closed_profiling.id, reason="Datenschutzvorfall",
                                                       actor=a),
        KDN,
        lambda w, a, r: gone(w, Profiling, w.closed_profiling.id),
    ),
    "closed_profilings": (
        lambda w, a: history.closed_profilings(w.store, w.client.id, actor=a), KDN,
        lambda w, a, r: [e.profiling_id for e in r] == [w.closed_profiling.id],
    ),
    "deleted_profiling_ids": (
        lambda w, a: history.deleted_profiling_ids(w.store, w.client.id, actor=a), KDN, lambda w, a, r: r == []),
    "record_history": (
        lambda w, a: history.record_history(w.store, w.closed_profiling.id, actor=a), CASEWORK,
        lambda w, a, r: [line.aktion for line in r][-1] == "abgeschlossen",
    ),
    # EGV
    "draft_egv": (lambda w, a: egv.draft_egv(w.store, w.closed_profiling.id, actor=a), CASEWORK,
                  lambda w, a, r: r.id == w.open_egv.id),  # the profiling's open EGV is continued
    "save_egv": (
        lambda w, a: egv.save_egv(w.store, w.open_egv.model_copy(update={"teilschritte": "- Bewerbung"}), actor=a),
        CASEWORK,
        lambda w, a, r: stored(w, Egv, w.open_egv.id).teilschritte == "- Bewerbung",
    ),
    "close_egv": (lambda w, a: egv.close_egv(w.store, w.open_egv.id, revision=w.open_egv.revision, actor=a),
                  CASEWORK, lambda w, a, r: stored(w, Egv, w.open_egv.id).status == Status.ABGESCHLOSSEN),
    "save_and_close_egv": (
        lambda w, a: closing.save_and_close_egv(
            w.store, w.open_egv.model_copy(update={"teilschritte": "- Bewerbung"}), actor=a),
        CASEWORK,
        lambda w, a, r: r.refusal is None and (stored(w, Egv, w.open_egv.id).status,
                                               stored(w, Egv, w.open_egv.id).teilschritte)
        == (Status.ABGESCHLOSSEN, "- Bewerbung"),
    ),
    "fortschreiben_egv": (
        lambda w, a: egv.fortschreiben_egv(w.store, w.closed_egv.id, actor=a), CASEWORK,
        lambda w, a, r: (r.previous_id, r.fassung) == (w.closed_egv.id, w.closed_egv.fassung + 1),
    ),
    "open_egv": (lambda w, a: egv.open_egv(w.store, w.open_egv.id, actor=a), CASEWORK,
                 lambda w, a, r: r.id == w.open_egv.id),
    "follow_profiling": (
        lambda w, a: egv.follow_profiling(w.store, w.open_egv, actor=a), CASEWORK,
        lambda w, a, r: (r[0].id, r[1].id) == (w.open_egv.id, w.closed_profiling.id),
    ),
    "egv_versions": (
        lambda w, a: egv.egv_versions(w.store, w.client.id, actor=a), CASEWORK,
        lambda w, a, r: {e.id for e in r} == {w.open_egv.id, w.closed_egv.id},
    ),
    # Folgegespräch
    "new_folgegespraech": (
        lambda w, a: folgegespraech.new_folgegespraech(w.store, w.client.id, actor=a), CASEWORK,
        lambda w, a, r: isinstance(r, Folgegespraech) and r.client_id == w.client.id,
    ),
    "record_folgegespraech": (
        lambda w, a: folgegespraech.record_folgegespraech(
            w.store, w.gespraech.model_copy(update={"anliegen": "Bewerbungen"}), actor=a),
        CASEWORK,
        lambda w, a, r: stored(w, Folgegespraech, w.gespraech.id).anliegen == "Bewerbungen",
    ),
    "list_folgegespraeche": (
        lambda w, a: folgegespraech.list_folgegespraeche(w.store, w.client.id, actor=a), CASEWORK,
        lambda w, a, r: [g.id for g in r] == [w.gespraech.id],
    ),
    "naechster_schritt": (
        lambda w, a: folgegespraech.naechster_schritt(w.store, w.client.id, actor=a), CASEWORK,
        lambda w, a, r: r.offen is not None and r.abgeschlossen.id == w.closed_profiling.id,
    ),
    # catalogue
    "publish_catalogue": (
        lambda w, a: catalogue_service.publish_catalogue(w.store, SHIPPED + CHANGE, note="Neue Fassung", actor=a),
        CATALOGUE_READERS,
        lambda w, a, r: r.number == 2 and w.store.catalogue_numbers()[-1] == 2,
    ),
    "list_versions": (lambda w, a: catalogue_service.list_versions(w.store, actor=a), CATALOGUE_READERS,
                      lambda w, a, r: [v.number for v in r] == [1]),
    # catalogue editor (issue 8): only Trainer and KDN-Fachbetreuung see, edit and publish the draft
    "current_draft": (lambda w, a: editor.current_draft(w.store, actor=a) if _draft(w) else None,
                      CATALOGUE_READERS, lambda w, a, r: r.text == w.store.catalogue_version(1).text + CHANGE),
    "check_draft": (lambda w, a: editor.check_draft(w.store, actor=a) if _draft(w) else None, CATALOGUE_READERS,
                    lambda w, a, r: r.problems == [] and r.newest == 1 and r.catalogue is not None),
    "compare_versions": (lambda w, a: editor.compare_versions(w.store, 1, 1, actor=a), CATALOGUE_READERS,
                         lambda w, a, r: r == []),
    "start_draft": (lambda w, a: editor.start_draft(w.store, actor=a), CATALOGUE_READERS,
                    lambda w, a, r: r.base_version == 1 and w.store.catalogue_draft() is not None),
    "discard_draft": (lambda w, a: editor.discard_draft(w.store, actor=a) if _draft(w) else None,
                      CATALOGUE_READERS, lambda w, a, r: w.store.catalogue_draft() is None),
    "save_draft_text": (
        lambda w, a: editor.save_draft_text(w.store, SHIPPED + "\n# geändert\n", revision=_draft(w), actor=a),
        CATALOGUE_READERS,
        lambda w, a, r: draft_text(w).endswith("# geändert\n"),
    ),
    "import_draft": (
        lambda w, a: editor.import_draft(w.store, (SHIPPED + "# importiert\n").encode(), filename="katalog.yaml",
                                         revision=None, actor=a),
        CATALOGUE_READERS,
        lambda w, a, r: draft_text(w).endswith("# importiert\n"),
    ),
    "add_entry": (
        lambda w, a: editor.add_entry(w.store, parent="berufserfahrung", label="Praktikum", revision=_draft(w),
                                      actor=a),
        CATALOGUE_READERS,
        lambda w, a, r: "Praktikum" in draft_text(w),
    ),
    "rename_entry": (
        lambda w, a: editor.rename_entry(w.store, "berufserfahrung", "Praxis", revision=_draft(w), actor=a),
        CATALOGUE_READERS,
        lambda w, a, r: "label: Praxis" in draft_text(w),
    ),
    "move_entry": (
        lambda w, a: editor.move_entry(w.store, "berufserfahrung", -1, revision=_draft(w), actor=a),
        CATALOGUE_READERS,
        lambda w, a, r: r.revision == 2 and draft_text(w) != w.store.catalogue_version(1).text,
    ),
    "retire_entry": (
        lambda w, a: editor.retire_entry(w.store, "absolventenmanagement", revision=_draft(w), actor=a),
        CATALOGUE_READERS,
        lambda w, a, r: "ausgesondert: true" in draft_text(w),
    ),
    "remove_entry": (
        lambda w, a: editor.remove_entry(
            w.store, editor.add_entry(w.store, parent="berufserfahrung", label="Neu", revision=_draft(w),
                                      actor=w.actors["Trainer"]) and "neu", revision=2, actor=a),
        CATALOGUE_READERS,
        lambda w, a, r: "label: Neu\n" not in draft_text(w) and r.revision == 3,
    ),
    "edit_agreement": (
        lambda w, a: editor.edit_agreement(w.store, kurzname="Kooperationsplan", titel="Kooperationsplan neu",
                                           rechtsgrundlage="§ 15 SGB II", revision=_draft(w), actor=a),
        CATALOGUE_READERS,
        lambda w, a, r: "Kooperationsplan neu" in draft_text(w),
    ),
    "edit_hint": (
        lambda w, a: editor.edit_hint(w.store, "reha_verweis", "Bitte an die BA verweisen.", revision=_draft(w),
                                      actor=a),
        CATALOGUE_READERS,
        lambda w, a, r: "Bitte an die BA verweisen." in draft_text(w),
    ),
    "publish_draft": (
        lambda w, a: editor.publish_draft(w.store, note="Neue Fassung", revision=_draft(w), actor=a),
        CATALOGUE_READERS,
        lambda w, a, r: r.number == 2 and w.store.catalogue_draft() is None,
    ),
    # documents
    "einverstaendnis_pdf": (
        lambda w, a: documents.einverstaendnis_pdf(w.store, w.open_profiling.id, actor=a), CASEWORK,
        lambda w, a, r: is_pdf(r)),
    "egv_pdf": (lambda w, a: documents.egv_pdf(w.store, w.closed_egv.id, actor=a), CASEWORK,
                lambda w, a, r: is_pdf(r)),
    "hand_out_egv": (
        lambda w, a: documents.hand_out_egv(w.store, w.closed_egv.id, actor=a), CASEWORK,
        lambda w, a, r: isinstance(r, Document) and r.record_id == w.closed_egv.id and r.pdf.startswith(b"%PDF"),
    ),
    "handed_out_documents": (
        lambda w, a: (_handed_out(w), documents.handed_out_documents(w.store, w.client.id, actor=a))[1], CASEWORK,
        lambda w, a, r: [d.record_id for d in r] == [w.closed_egv.id],
    ),
    "profiling_print_pdf": (
        lambda w, a: documents.profiling_print_pdf(w.store, w.closed_profiling.id, actor=a), KDN,
        lambda w, a, r: is_pdf(r)),
    "auskunft": (
        lambda w, a: documents.auskunft(w.store, w.client.id, actor=a), CASEWORK,
        lambda w, a, r: is_pdf(r[:2]) and isinstance(json.loads(r[3]), dict),
    ),
    # user management
    "list_users": (lambda w, a: users.list_users(w.store, actor=a), KDN,
                   lambda w, a, r: {w.target.id, *(u.id for u in w.actors.values())} <= {u.id for u in r}),
    "get_user": (lambda w, a: users.get_user(w.store, w.target.id, actor=a), KDN,
                 lambda w, a, r: r.id == w.target.id),
    "create_user": (
        lambda w, a: users.create_user(w.store, username="neu.konto", display_name="Neu", role=Role.TRAINER,
                                       password=PASSWORD, actor=a),
        KDN,
        lambda w, a, r: w.store.user_by_username("neu.konto").role == Role.TRAINER,
    ),
    "assign_role": (
        lambda w, a: users.assign_role(w.store, w.target.id, role=Role.IFK, team="Team 2", actor=a), KDN,
        lambda w, a, r: stored(w, User, w.target.id).team == "Team 2",
    ),
    "deactivate_user": (lambda w, a: users.deactivate_user(w.store, w.target.id, actor=a), KDN,
                        lambda w, a, r: not stored(w, User, w.target.id).active),
    "reactivate_user": (
        lambda w, a: users.reactivate_user(w.store, w.actors["IFK deaktiviert"].id, actor=a), KDN,
        lambda w, a, r: stored(w, User, w.actors["IFK deaktiviert"].id).active,
    ),
    "reset_password": (
        lambda w, a: users.reset_password(w.store, w.target.id, password="Ganz-Neues-Passwort-1", actor=a), KDN,
        lambda w, a, r: stored(w, User, w.target.id).password_hash != w.target.password_hash,
    ),
    "unlock_account": (
        lambda w, a: users.unlock_account(w.store, w.target.id, actor=a), KDN,
        lambda w, a, r: r.id == w.target.id and w.store.audit_entries(record_id=w.target.id)[-1].action
        == AuditAction.SPERRE_AUFGEHOBEN,
    ),
    "reset_second_factor": (
        lambda w, a: (_enrolled_target(w), totp.reset_second_factor(w.store, w.target.id, actor=a))[1], KDN,
        lambda w, a, r: (stored(w, User, w.target.id).totp_secret, r.recovery_hashes) == ("", []),
    ),
    "sign_out": (  # everybody may end their own session, a deactivated account too
        lambda w, a: users.sign_out(w.store, actor=a), EVERYBODY,
        lambda w, a, r: w.store.audit_entries(record_id=a.id)[-1].action == AuditAction.ABMELDUNG,
    ),
    # Kundensteuerung and Wiedervorlage (issue 9)
    "compile_report": (
        lambda w, a: reports.compile_report(w.store, von=today() - timedelta(days=30), bis=today(), actor=a),
        REPORT_READERS,
        lambda w, a, r: (r.counts.clients, r.counts.with_closed_profiling) == (2, 1) and r.tabellen,
    ),
    "list_report_teams": (lambda w, a: reports.list_report_teams(w.store, actor=a), REPORT_READERS,
                          lambda w, a, r: r == ["Team 1", "Team 2"]),
    # the case over the years (issue 14)
    "correct_stammdaten": (
        lambda w, a: akte.correct_stammdaten(w.store, w.client.id, revision=w.client.revision,
                                             kundennummer=w.client.kundennummer, vorname="Korr",
                                             nachname=w.client.nachname, geburtsdatum=w.client.geburtsdatum, actor=a),
        CASEWORK,
        lambda w, a, r: stored(w, Client, w.client.id).vorname == "Korr",
    ),
    "hand_over": (
        lambda w, a: akte.hand_over(w.store, w.client.id, revision=w.client.revision, team="Team 2", actor=a),
        CASEWORK,
        lambda w, a, r: stored(w, Client, w.client.id).team == "Team 2",
    ),
    "handovers": (lambda w, a: akte.handovers(w.store, w.client.id, actor=a), CASEWORK, lambda w, a, r: r == []),
    "end_case": (
        lambda w, a: akte.end_case(w.store, w.client.id, revision=w.client.revision, datum=today(),
                                   grund="abm_wegzug", actor=a),
        CASEWORK,
        lambda w, a, r: stored(w, Client, w.client.id).abgemeldet_am == today(),
    ),
    "reopen_case": (
        lambda w, a: akte.reopen_case(w.store, w.client.id, revision=_ended_long_ago(w).revision, actor=a),
        CASEWORK,
        lambda w, a, r: stored(w, Client, w.client.id).abgemeldet_am is None,
    ),
    "ended_by_reason": (lambda w, a: akte.ended_by_reason(w.store, actor=a), REPORT_READERS,
                        lambda w, a, r: r == {}),
    "grant_vertretung": (
        lambda w, a: vertretung.grant_vertretung(w.store, vertreter=w.actors["IFK anderes Team"].username,
                                                 team="Team 1", von=today(), bis=today() + timedelta(days=7),
                                                 grund="Urlaub", actor=a),
        KDN,
        lambda w, a, r: stored(w, Vertretung, r.id).team == "Team 1",
    ),
    "end_vertretung": (
        lambda w, a: vertretung.end_vertretung(w.store, _a_vertretung(w).id, revision=1, actor=a), KDN,
        lambda w, a, r: stored(w, Vertretung, "v1").bis < today(),
    ),
    "list_vertretungen": (lambda w, a: (_a_vertretung(w), vertretung.list_vertretungen(w.store, actor=a))[1], KDN,
                          lambda w, a, r: [row.vertretung.id for row in r] == ["v1"]),
    "due_cases": (lambda w, a: (_ended_long_ago(w), retention.due_cases(w.store, actor=a))[1], KDN,
                  lambda w, a, r: [c.client_id for c in r] == [w.client.id]),
    "delete_case": (lambda w, a: retention.delete_case(w.store, _ended_long_ago(w).id, actor=a), KDN,
                    lambda w, a, r: gone(w, Client, w.client.id) and gone(w, Profiling, w.open_profiling.id)),
    "delete_due_cases": (lambda w, a: (_ended_long_ago(w), retention.delete_due_cases(w.store, actor=a))[1], KDN,
                         lambda w, a, r: r == [w.client.id] and gone(w, Client, w.client.id)),
    "list_wiedervorlage": (
        lambda w, a: (_due_talk(w), wiedervorlage.list_wiedervorlage(w.store, actor=a))[1],
        CASEWORK | {"IFK anderes Team"},
        lambda w, a, r: [item.client_id for item in r] == sorted(visible_clients(w, a) & {w.client.id}),
    ),
    # issue 16: measures, job starts, preparation of a talk
    "new_massnahme": (lambda w, a: massnahmen.new_massnahme(w.store, w.client.id, actor=a), CASEWORK,
                      lambda w, a, r: r.client_id == w.client.id and r.revision == 0),
    "record_massnahme": (
        lambda w, a: massnahmen.record_massnahme(w.store, massnahmen.new_massnahme(
            w.store, w.client.id, actor=a).model_copy(update={"titel": "Umschulung"}), actor=a), CASEWORK,
        lambda w, a, r: stored(w, Massnahme, r.id).titel == "Umschulung",
    ),
    "list_massnahmen": (lambda w, a: massnahmen.list_massnahmen(w.store, w.client.id, actor=a), CASEWORK,
                        lambda w, a, r: r == []),
    "foerder_checks": (lambda w, a: massnahmen.foerder_checks(w.store, w.client.id, actor=a), CASEWORK,
                       lambda w, a, r: isinstance(r, list)),
    "new_beschaeftigungsaufnahme": (
        lambda w, a: beschaeftigung.new_beschaeftigungsaufnahme(w.store, w.client.id, actor=a), CASEWORK,
        lambda w, a, r: r.client_id == w.client.id and r.strategien),
    "record_beschaeftigungsaufnahme": (
        lambda w, a: beschaeftigung.record_beschaeftigungsaufnahme(w.store, beschaeftigung.new_beschaeftigungsaufnahme(
            w.store, w.client.id, actor=a).model_copy(update={"arbeitgeber": "Nord GmbH", "wochenstunden": 20}),
            actor=a), CASEWORK,
        lambda w, a, r: stored(w, Beschaeftigungsaufnahme, r.id).arbeitgeber == "Nord GmbH",
    ),
    "list_beschaeftigungsaufnahmen": (
        lambda w, a: beschaeftigung.list_beschaeftigungsaufnahmen(w.store, w.client.id, actor=a), CASEWORK,
        lambda w, a, r: r == []),
    "vorbereitung": (lambda w, a: gespraechsvorbereitung.vorbereitung(w.store, w.client.id, actor=a), CASEWORK,
                     lambda w, a, r: r.suchprofil.startswith("Zielberuf:")),
    "record_stellensuchlauf": (
        lambda w, a: gespraechsvorbereitung.record_stellensuchlauf(w.store, w.client.id, suchprofil="Zielberuf: Koch",
                                                                   angebote=3, uebergeben="", actor=a), CASEWORK,
        lambda w, a, r: stored(w, Stellensuchlauf, r.id).angebote == 3,
    ),
    "list_stellensuchlaeufe": (
        lambda w, a: gespraechsvorbereitung.list_stellensuchlaeufe(w.store, w.client.id, actor=a), CASEWORK,
        lambda w, a, r: r == []),
}

MATRIX = [(name, actor) for name in USE_CASES for actor in ACTORS]


@pytest.mark.parametrize(("use_case", "actor_name"), MATRIX, ids=[f"{u}-{a}" for u, a in MATRIX])
def test_permission_matrix(world: World, use_case: str, actor_name: str):
    call, allowed, done = USE_CASES[use_case]
    actor = world.actors[actor_name]
    if actor_name in allowed:
        result = call(world, actor)
        assert done(world, actor, result), f"{use_case} für {actor_name}: {result!r}"[:500]
    else:
        with pytest.raises(NotPermitted) as err:
            call(world, actor)
        message = err.value.message
        assert message and message.isprintable() and any(w in message for w in ("darf", "Team", "Rolle", "nur")), message
        assert "Traceback" not in message


# --- what an allowed call returns ------------------------------------------------------------------------------
def test_ifk_finds_only_clients_of_the_own_team(world: World):
    found = clients.find_clients(world.store, "", actor=world.actors["IFK"])
    assert world.client.id in {c.id for c in found}
    assert world.other_client.id not in {c.id for c in found}
    assert {c.team for c in clients.find_clients(world.store, "", actor=world.actors["IFK anderes Team"])} <= {
        "Team 2"}


def test_kdn_finds_clients_of_every_team(world: World):
    found = {c.id for c in clients.find_clients(world.store, "", actor=world.actors["KDN-Fachbetreuung"])}
    assert {world.client.id, world.other_client.id} <= found


def test_ifk_cannot_create_a_client_for_another_team(world: World):
    with pytest.raises((InvalidInput, NotPermitted)):
        clients.create_client(world.store, kundennummer="NEU124", vorname="E", nachname="N",
                              geburtsdatum=today().replace(year=today().year - 30), actor=world.actors["IFK"],
                              team="Team 2")


def test_storage_itself_refuses_the_override_for_non_kdn(world: World):
    """Below the services: the store refuses the KDN override for any other role (no bypass via scripts)."""
    for name in ("IFK", "Trainer", "Fachaufsicht"):
        with pytest.raises(NotPermitted):
            world.store.override_save(world.closed_profiling, actor=world.actors[name], reason="Test")
        with pytest.raises(NotPermitted):
            world.store.override_delete(Profiling, world.closed_profiling.id, actor=world.actors[name],
                                        reason="Test")


def test_kdn_correction_needs_a_reason_and_the_reason_shows_in_the_history(world: World):
    kdn = world.actors["KDN-Fachbetreuung"]
    with pytest.raises((InvalidInput, NotPermitted)):
        profiling.correct_closed_profiling(world.store, world.closed_profiling, reason="  ", actor=kdn)
    profiling.correct_closed_profiling(
        world.store, world.closed_profiling.model_copy(update={"zielberuf": "Korrigiert"}),
        reason="Datenschutzvorfall: falscher Kunde", actor=kdn)
    lines = history.record_history(world.store, world.closed_profiling.id, actor=world.actors["IFK"])
    assert lines[-1].aktion == "korrigiert (KDN)"
    assert lines[-1].begruendung == "Datenschutzvorfall: falscher Kunde"
    profiling.delete_closed_profiling(world.store, world.closed_profiling.id, reason="Löschung angeordnet", actor=kdn)
    assert history.deleted_profiling_ids(world.store, world.client.id, actor=kdn) == [world.closed_profiling.id]
    lines = history.record_history(world.store, world.closed_profiling.id, actor=kdn)
    assert (lines[-1].aktion, lines[-1].begruendung) == ("gelöscht (KDN)", "Löschung angeordnet")


#: Public functions over the store that are not use cases of a signed-in user, each with the reason.
NOT_USE_CASES = {
    "clients.record_read": "audit helper: use cases call it after their own permission check",
    "catalogue.ensure_catalogue": "the installation's own set-up on the first start (actor SYSTEM)",
    "catalogue.get_catalogue": "the published catalogue is no client data: every page renders with it",
    "catalogue.get_models": "form models of a published catalogue version (no client data)",
    "catalogue.latest_version": "number of the newest published catalogue version (no client data)",
    "catalogue.published_versions": "the published catalogue versions, for the checks (no client data)",
    "catalogue_editor.impact": "helper of check_draft, which checks the permission",
    "catalogue_editor.published_ids": "entry ids of the published catalogue versions (no client data)",
    "profiling.profiling_catalogue": "the catalogue version of a profiling the caller already holds",
    "users.authenticate": "sign-in: there is no actor yet",
    "users.complete_sign_in": "sign-in step after the second factor: there is no actor yet",
    "users.refuse_if_locked": "sign-in step: there is no actor yet",
    "users.record_failure": "sign-in step: there is no actor yet",
    "users.signing_in_account": "sign-in step between password and second factor: there is no actor yet",
    "users.current_account": "the signed-in user's own account, looked up at every click",
    "users.needs_first_admin": "first start: whether any account exists yet",
    "users.create_first_admin": "first start: refused as soon as any account exists",
    "totp.enrol": "second factor during sign-in: there is no actor yet",
    "totp.verify": "second factor during sign-in: there is no actor yet",
    "sso.sign_in_with_claims": "sign-in through the identity provider: there is no actor yet",
    "sso.expired_sign_in": "expiry of a provider sign-in before its session starts: there is no actor yet",
    "sso.note_activity": "session bookkeeping of the signed-in person's own identity (idle timeout)",
    "sso.last_activity": "session bookkeeping of the signed-in person's own identity (idle timeout)",
    "sso.idle_too_long": "expiry check before a provider sign-in becomes a session: there is no actor yet",
    "sso.forget_activity": "sign-out of the person's own identity",
    "audit_log.audit_once": "audit helper: use cases call it after their own permission check",
    "audit_log.list_viewed": "audit helper: use cases call it after their own permission check",
    "audit_log.refused": "audit helper: records a refusal (the refused actor has no permission to check)",
    "akte.known_teams": "the teams of active IFK accounts, offered for an Übergabe (no client data)",
    "akte.abmeldegruende": "the catalogue's list of Abmeldegründe (no client data)",
    "vertretung.deputy_teams": "access helper: find_clients calls it after its own permission check",
}


def test_every_use_case_of_the_services_is_in_the_matrix():
    """A new public function that takes an actor or works on the store must be added to USE_CASES (or, if it is
    no use case of a signed-in user, to NOT_USE_CASES with the reason), so no permission goes unchecked."""
    modules = [clients, closing, profiling, egv, folgegespraech, catalogue_service, editor, users, history, documents,
               reports, wiedervorlage, totp, sso, audit_log, akte, vertretung, retention, massnahmen, beschaeftigung,
               gespraechsvorbereitung]
    covered = {name.split(" ")[0] for name in USE_CASES}
    found, missing = set(), []
    for module in modules:
        short = module.__name__.removeprefix("services.")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            parameters = list(inspect.signature(function).parameters)
            if "actor" not in parameters and parameters[:1] != ["store"]:
                continue
            found.add(f"{short}.{name}")
            if name not in covered and f"{short}.{name}" not in NOT_USE_CASES:
                missing.append(f"{short}.{name}")
    assert missing == []
    assert set(NOT_USE_CASES) <= found, "stale entries in NOT_USE_CASES"
