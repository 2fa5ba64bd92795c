"""Sign-in in the app: first start, login, second factor, single sign-on, lockout message, timeouts, logout,
navigation and refusal per role."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from streamlit.testing.v1 import AppTest

from schemas.records import Role, User, utcnow
from services.users import create_first_admin, create_user
from storage.base import Store
from tests.ui.test_case_pages import open_section

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 30
PASSWORD = "Korrekt-Pferd-Batterie-7"


def texts(at: AppTest) -> str:
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "success", "warning", "error"):
        parts += [str(element.value) for element in getattr(at, kind)]
    parts += [str(element.value) for element in at.sidebar.text]
    return "\n".join(parts)


#: app.py run from a folder without `pages/` (see gate/run_app.py: Streamlit's old multipage mode would run
#: pages/*.py directly in AppTest and bypass app.py; tests/ui/test_errors.py shows that gap).
GATE = Path(__file__).resolve().parent / "gate" / "run_app.py"


def fresh_app(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.chdir(ROOT)
    return AppTest.from_file(str(GATE), default_timeout=TIMEOUT)


def goto(at: AppTest, page: str) -> AppTest:
    at.switch_page(str(ROOT / page))
    return at.run()


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click()
    return at.run()


def open_start(at: AppTest) -> AppTest:
    return goto(at, "pages/start.py")


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def enrol_second_factor(at: AppTest) -> list[str]:
    """On the enrolment step: read the secret as shown, type the current code, note the recovery codes."""
    assert "Zweiten Faktor einrichten" in texts(at)
    assert len(at.image) == 1, "the QR code is shown as an image"
    secret = at.code[0].value
    at.text_input[0].input(pyotp.TOTP(secret).now())
    button(at, "Einrichten und anmelden").click()
    at.run()
    assert not at.exception
    assert "Wiederherstellungscodes" in texts(at)
    codes = at.code[0].value.split("\n")
    button(at, "Ich habe die Codes notiert – weiter").click()
    at.run()
    return codes


@pytest.fixture
def admin(store: Store) -> User:
    return create_first_admin(store, username="kdn.admin", display_name="Karla Admin", password=PASSWORD)


@pytest.fixture
def ifk(store: Store, admin: User) -> User:
    return create_user(store, username="anna", display_name="Anna Schmidt", role=Role.IFK, team="Team 1",
                       password=PASSWORD, actor=admin)


def test_first_start_asks_for_the_first_kdn_account_and_signs_it_in(data_dir, store, monkeypatch):
    at = fresh_app(monkeypatch).run()
    assert not at.exception
    assert "Ersteinrichtung" in texts(at)
    assert [t.label for t in at.text_input][:2] == ["Benutzername", "Ihr Name"]
    at.text_input[0].input("kdn.admin")
    at.text_input[1].input("Karla Admin")
    at.text_input[2].input(PASSWORD)
    at.text_input[3].input(PASSWORD)
    at.button[0].click()
    at.run()
    assert not at.exception
    assert "user" not in at.session_state  # KDN-Fachbetreuung must enrol a second factor first
    enrol_second_factor(at)
    assert not at.exception
    assert at.session_state["user"].role == Role.KDN
    open_start(at)
    assert "Karla Admin" in texts(at)
    assert store.user_by_username("kdn.admin").password_hash.startswith("$argon2")


def test_first_start_refuses_mismatched_passwords(data_dir, store, monkeypatch):
    at = fresh_app(monkeypatch).run()
    at.text_input[0].input("kdn.admin")
    at.text_input[1].input("Karla Admin")
    at.text_input[2].input(PASSWORD)
    at.text_input[3].input(PASSWORD + "!")
    at.button[0].click()
    at.run()
    assert not at.exception
    assert "stimmen nicht überein" in texts(at)
    assert store.list_users() == []


def test_sign_in_with_wrong_password_shows_a_german_message(data_dir, store, admin, monkeypatch):
    at = fresh_app(monkeypatch).run()
    assert "Anmelden" in texts(at)
    assert "Ersteinrichtung" not in texts(at)
    sign_in(at, "kdn.admin", "Falsches-Passwort-1")
    assert not at.exception
    assert "Benutzername oder Passwort ist falsch." in [e.value for e in at.error]
    assert "user" not in at.session_state


def test_sign_in_and_sign_out(data_dir, store, admin, monkeypatch):
    at = sign_in(fresh_app(monkeypatch).run(), "kdn.admin", PASSWORD)
    assert not at.exception
    enrol_second_factor(at)
    assert at.session_state["user"].id == admin.id
    open_start(at)
    assert "Karla Admin" in texts(at)
    at.button(key="abmelden").click()
    at.run()
    assert not at.exception
    assert "user" not in at.session_state
    assert "Sie haben sich abgemeldet." in texts(at)
    assert store.audit_entries(record_id=admin.id)[-1].action == "Abmeldung"


def test_repeated_failures_make_the_next_attempt_wait(data_dir, store, admin, monkeypatch):
    at = fresh_app(monkeypatch).run()
    for attempt in range(4):
        sign_in(at, "kdn.admin", f"Falsch-{attempt}-xxxxxxx")
    assert "Weitere Versuche mit diesem Benutzernamen sind von hier erst ab" in texts(at)
    sign_in(at, "kdn.admin", PASSWORD)
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in texts(at)
    assert "user" not in at.session_state


def test_session_ends_after_30_minutes_without_activity(data_dir, store, ifk, monkeypatch):
    at = fresh_app(monkeypatch)
    at.session_state["user"] = ifk
    at.session_state["last_activity"] = utcnow() - timedelta(minutes=31)
    at.run()
    assert not at.exception
    assert "user" not in at.session_state
    assert "nach 30 Minuten ohne Aktivität abgemeldet" in texts(at)
    assert store.audit_entries(record_id=ifk.id)[-1].action == "Abmeldung (Zeitüberschreitung)"


def test_recent_activity_keeps_the_session(data_dir, store, ifk, monkeypatch):
    at = fresh_app(monkeypatch)
    at.session_state["user"] = ifk
    at.session_state["last_activity"] = utcnow() - timedelta(minutes=29)
    at.run()
    assert at.session_state["user"].id == ifk.id
    assert at.session_state["last_activity"] > utcnow() - timedelta(minutes=1)


def test_deactivated_user_loses_the_session_on_the_next_click(data_dir, store, admin, ifk, monkeypatch):
    from services.users import deactivate_user

    at = fresh_app(monkeypatch)
    at.session_state["user"] = ifk
    at.run()
    deactivate_user(store, ifk.id, actor=admin)
    at.run()
    assert "user" not in at.session_state
    assert "nicht mehr aktiv" in texts(at)


@pytest.mark.parametrize("page", ["pages/benutzer.py", "pages/korrektur.py"])
def test_ifk_calling_a_kdn_page_directly_gets_a_german_refusal(data_dir, store, ifk, monkeypatch, page):
    at = fresh_app(monkeypatch)
    at.session_state["user"] = ifk
    at.run()
    goto(at, page)
    assert not at.exception
    assert any("ist für Ihre Rolle „IFK“ nicht freigegeben" in e.value for e in at.error)
    assert "Neues Konto" not in texts(at)


@pytest.mark.parametrize(
    ("role", "page"),
    [(Role.TRAINER, "pages/kunden.py"), (Role.FACHAUFSICHT, "pages/profiling.py"), (Role.FACHAUFSICHT, "pages/katalog.py")],
)
def test_roles_without_client_data_are_refused_case_pages(data_dir, store, admin, monkeypatch, role, page):
    user = create_user(store, username="other", display_name="Olga", role=role, team="", password=PASSWORD,
                       actor=admin)
    at = fresh_app(monkeypatch)
    at.session_state["user"] = user
    at.run()
    goto(at, page)
    assert not at.exception
    assert any("nicht freigegeben" in e.value for e in at.error)


#: What each role is offered in the menu (ARCHITECTURE.md §1), by url path; written out here, not taken from the app.
CASEWORK_PAGES = {"start", "kunden", "profiling", "ziel", "strategien", "egv", "folgegespraech", "verlauf", "akte"}
OFFERED = {
    Role.IFK: CASEWORK_PAGES,
    Role.KDN: CASEWORK_PAGES | {"korrektur", "benutzer", "katalog", "berichte", "vertretungen", "loeschfristen"},
    Role.TRAINER: {"start", "katalog"},
    Role.FACHAUFSICHT: {"start", "berichte"},
}


@pytest.fixture
def navigation_sent(monkeypatch: pytest.MonkeyPatch) -> list:
    """The navigation messages the app sends to the browser (what the menu renders), newest last."""
    from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

    sent: list = []
    enqueue = ForwardMsgQueue.enqueue

    def record(queue, msg):
        if msg.HasField("navigation"):
            sent.append(msg.navigation)
        return enqueue(queue, msg)

    monkeypatch.setattr(ForwardMsgQueue, "enqueue", record)
    return sent


def url_path(page) -> str:
    """A page's address; the default page is sent without one (it is the app's root)."""
    return page.url_pathname or {"Start": "start", "Anmelden": "login"}[page.page_name]


@pytest.mark.parametrize("role", list(OFFERED))
def test_navigation_per_role_offers_exactly_the_usable_pages(data_dir, store, admin, navigation_sent, monkeypatch,
                                                             role):
    from streamlit.proto.Navigation_pb2 import Navigation

    user = create_user(store, username="rolle", display_name="Rolf Rolle", role=role,
                       team="Team 1" if role == Role.IFK else "", password=PASSWORD, actor=admin)
    at = fresh_app(monkeypatch)
    at.session_state["user"] = user
    at.run()
    assert not at.exception
    menu = navigation_sent[-1]
    assert menu.position == Navigation.Position.SIDEBAR
    offered = {url_path(p) for p in menu.app_pages if not p.is_hidden}
    assert offered == OFFERED[role]
    assert all(p.page_name for p in menu.app_pages if not p.is_hidden)
    hidden = {url_path(p) for p in menu.app_pages if p.is_hidden}
    assert "login" in hidden and not hidden & offered  # the others stay addressable only for the refusal
    assert [p.page_name for p in menu.app_pages if p.is_default] == ["Start"]


def test_without_sign_in_the_navigation_offers_nothing_but_the_sign_in(data_dir, store, admin, navigation_sent,
                                                                      monkeypatch):
    from streamlit.proto.Navigation_pb2 import Navigation

    fresh_app(monkeypatch).run()
    menu = navigation_sent[-1]
    assert menu.position == Navigation.Position.HIDDEN
    assert [(p.page_name, p.is_default) for p in menu.app_pages if not p.is_hidden] == [("Anmelden", True)]


def test_kdn_creates_a_user_in_the_user_management(data_dir, store, admin, monkeypatch):
    at = fresh_app(monkeypatch)
    at.session_state["user"] = admin
    at.run()
    goto(at, "pages/benutzer.py")
    assert not at.exception
    assert "Benutzerverwaltung" in texts(at)
    form: dict = {}
    for field in at.text_input:  # the first of each label belongs to the tab "Neues Konto"
        form.setdefault(field.label, field)
    form["Benutzername"].input("bernd")
    form["Name"].input("Bernd <b>Weber</b>")
    form["Team"].input("Team 2")
    next(t for t in at.text_input if t.label.startswith("Erstes Passwort")).input(PASSWORD)
    next(t for t in at.text_input if t.label == "Passwort wiederholen").input(PASSWORD)
    next(b for b in at.button if b.label == "Konto anlegen").click()
    at.run()
    assert not at.exception
    assert "Das Konto „bernd“ (IFK) wurde angelegt." in texts(at)
    bernd = store.user_by_username("bernd")
    assert (bernd.role, bernd.team, bernd.display_name) == (Role.IFK, "Team 2", "Bernd <b>Weber</b>")


def korrektur_of_a_closed_profiling(store, admin, ifk, monkeypatch, nachname: str):
    """The Korrektur page, signed in as KDN, showing a client's closed profiling; (app, the closed profiling)."""
    from schemas.records import Profiling
    from tests.factories import make_client
    from tests.unit.world import complete_profiling

    client = store.add(make_client(team="Team 1", nachname=nachname), actor=ifk)
    closed = store.add(complete_profiling(client.id), actor=ifk)
    closed = store.close(Profiling, closed.id, revision=closed.revision, actor=ifk)
    at = fresh_app(monkeypatch)
    at.session_state["user"] = admin
    at.run()
    goto(at, "pages/korrektur.py")
    assert not at.exception
    next(t for t in at.text_input if t.label.startswith("Kunde suchen")).input(nachname)
    at.run()
    return at, closed


def test_kdn_corrects_a_closed_profiling_with_reason_shown_in_the_history(data_dir, store, admin, ifk, monkeypatch):
    from schemas.records import Profiling

    at, closed = korrektur_of_a_closed_profiling(store, admin, ifk, monkeypatch, "Korrektur")
    assert not at.exception
    next(t for t in at.text_input if t.label == "Zielberuf").input("Fachkraft Lagerlogistik (korrigiert)")
    next(t for t in at.text_area if t.label.startswith("Begründung der Korrektur")).input("Datenschutzvorfall 7/2026")
    next(b for b in at.button if b.label == "Korrektur speichern").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Die Korrektur wurde gespeichert" in texts(at)
    assert store.get(Profiling, closed.id).zielberuf == "Fachkraft Lagerlogistik (korrigiert)"
    history = at.dataframe[0].value
    assert "Datenschutzvorfall 7/2026" in history["Begründung"].tolist()
    assert "korrigiert (KDN)" in history["Aktion"].tolist()


def test_korrektur_without_reason_is_refused(data_dir, store, admin, ifk, monkeypatch):
    from schemas.records import Profiling

    at, closed = korrektur_of_a_closed_profiling(store, admin, ifk, monkeypatch, "Ohnegrund")
    next(t for t in at.text_input if t.label == "Zielberuf").input("Anders")
    next(b for b in at.button if b.label == "Korrektur speichern").click()
    at.run()
    assert not at.exception
    assert any("begründen" in e.value for e in at.error)
    assert store.get(Profiling, closed.id).zielberuf == closed.zielberuf


def test_kdn_deletes_a_closed_profiling_with_reason_kept_in_its_history(data_dir, store, admin, ifk, monkeypatch):
    from schemas.records import Profiling
    from services.history import record_history

    at, closed = korrektur_of_a_closed_profiling(store, admin, ifk, monkeypatch, "Loeschfall")
    reason = next(t for t in at.text_area if t.label.startswith("Begründung der Löschung"))
    delete = next(b for b in at.button if b.label == "Profiling endgültig löschen")
    reason.input("Datenschutzvorfall 8/2026: falscher Kunde")
    delete.click()
    at.run()  # without the confirmation nothing is deleted
    assert not at.exception
    assert any("bestätigen Sie die Löschung" in e.value for e in at.error)
    assert store.get(Profiling, closed.id).status == "abgeschlossen"
    next(c for c in at.checkbox if c.label.startswith("Ich bestätige")).check()
    next(b for b in at.button if b.label == "Profiling endgültig löschen").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Das Profiling wurde gelöscht" in texts(at)
    assert "Diese Kundin / dieser Kunde hat keine abgeschlossenen Profilings." in texts(at)
    assert "Gelöschte Profilings (1)" in [e.label for e in at.expander]
    deleted = next(e for e in open_section(at, "korrektur-geloeschte-offen").expander
                   if e.label == "Gelöschte Profilings (1)")
    history = deleted.dataframe[0].value
    assert history["Aktion"].tolist()[-1] == "gelöscht (KDN)"
    assert history["Begründung"].tolist()[-1] == "Datenschutzvorfall 8/2026: falscher Kunde"
    # the caseworker reads the same reason in the record's history
    lines = record_history(store, closed.id, actor=ifk)
    assert (lines[-1].aktion, lines[-1].begruendung) == ("gelöscht (KDN)", "Datenschutzvorfall 8/2026: falscher Kunde")


def test_kdn_deletion_without_reason_is_refused(data_dir, store, admin, ifk, monkeypatch):
    from schemas.records import Profiling

    at, closed = korrektur_of_a_closed_profiling(store, admin, ifk, monkeypatch, "Ohnebegruendung")
    next(c for c in at.checkbox if c.label.startswith("Ich bestätige")).check()
    next(b for b in at.button if b.label == "Profiling endgültig löschen").click()
    at.run()
    assert not at.exception
    assert any("begründen" in e.value for e in at.error)
    assert store.get(Profiling, closed.id).status == "abgeschlossen"


# --- second factor (issue 11) ----------------------------------------------------------------------------------
def test_enrolled_kdn_signs_in_with_the_code_of_the_app(data_dir, store, admin, monkeypatch):
    from services import totp

    secret = totp.new_secret()
    totp.enrol(store, admin.id, secret=secret, code=pyotp.TOTP(secret).at(utcnow() - timedelta(minutes=2)),
               now=utcnow() - timedelta(minutes=2))
    at = sign_in(fresh_app(monkeypatch).run(), "kdn.admin", PASSWORD)
    assert "Zweiter Faktor" in texts(at) and "user" not in at.session_state
    at.text_input[0].input("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    button(at, "Anmelden").click()
    at.run()
    assert "Der Code ist falsch oder abgelaufen." in [e.value for e in at.error]
    assert "user" not in at.session_state
    at.text_input[0].input(pyotp.TOTP(secret).now())
    button(at, "Anmelden").click()
    at.run()
    assert not at.exception
    assert at.session_state["user"].id == admin.id


def test_recovery_codes_are_shown_only_once(data_dir, store, admin, monkeypatch):
    at = sign_in(fresh_app(monkeypatch).run(), "kdn.admin", PASSWORD)
    codes = enrol_second_factor(at)
    assert len(codes) == 10 and "recovery_codes_once" not in at.session_state

    def codes_shown(app: AppTest) -> bool:
        shown = texts(app) + "\n".join(str(block.value) for block in app.code)
        return "Wiederherstellungscodes" in shown or any(code in shown for code in codes)

    open_start(at)
    assert "Karla Admin" in texts(at) and not codes_shown(at)
    goto(at, "pages/login.py")  # a second visit of the sign-in page
    assert not codes_shown(at)
    at.button(key="abmelden").click()
    at.run()
    sign_in(at, "kdn.admin", PASSWORD)  # the next sign-in asks for the code, the codes stay hidden
    assert "Zweiter Faktor" in texts(at) and not codes_shown(at)
    again = sign_in(fresh_app(monkeypatch).run(), "kdn.admin", PASSWORD)  # so does another browser
    assert "Zweiter Faktor" in texts(again) and not codes_shown(again)


def test_ifk_signs_in_without_second_factor_unless_configured(data_dir, store, ifk, monkeypatch):
    at = sign_in(fresh_app(monkeypatch).run(), "anna", PASSWORD)
    assert at.session_state["user"].id == ifk.id
    monkeypatch.setenv("VIERPHASEN_TOTP_ROLES", "IFK")
    import config

    config.get_settings.cache_clear()
    at = sign_in(fresh_app(monkeypatch).run(), "anna", PASSWORD)
    assert "user" not in at.session_state
    assert "Zweiten Faktor einrichten" in texts(at)


def test_kdn_resets_a_second_factor_in_the_user_management(data_dir, store, admin, monkeypatch):
    from services import totp

    secret = totp.new_secret()
    totp.enrol(store, admin.id, secret=secret, code=pyotp.TOTP(secret).now())
    at = fresh_app(monkeypatch)
    at.session_state["user"] = store.get(User, admin.id)
    at.run()
    goto(at, "pages/benutzer.py")
    button(at, "Zweiten Faktor zurücksetzen").click()
    at.run()
    assert not at.exception
    assert "Der zweite Faktor von „kdn.admin“ wurde zurückgesetzt." in texts(at)
    assert store.get(User, admin.id).totp_secret == ""


def test_session_ends_12_hours_after_the_sign_in_despite_activity(data_dir, store, ifk, monkeypatch):
    at = fresh_app(monkeypatch)
    at.session_state["user"] = ifk
    at.session_state["signed_in_at"] = utcnow() - timedelta(hours=12, minutes=1)
    at.session_state["last_activity"] = utcnow() - timedelta(minutes=1)
    at.run()
    assert "user" not in at.session_state
    assert "nach 12 Stunden automatisch abgemeldet" in texts(at)
    assert store.audit_entries(record_id=ifk.id)[-1].action == "Abmeldung (Höchstdauer 12 Stunden)"


# --- single sign-on in the app (the protocol itself: tests/browser/test_sso_browser.py) -------------------------
@pytest.fixture
def sso_mode(data_dir, monkeypatch):
    import config

    monkeypatch.setenv("VIERPHASEN_AUTH_MODE", "sso")
    monkeypatch.setenv("VIERPHASEN_EMERGENCY_KDN", "kdn.admin")
    monkeypatch.setenv("VIERPHASEN_SSO_ROLE_MAP",
                       '{"vp-ifk-team1": {"role": "IFK", "team": "Team 1"}, "vp-trainer": {"role": "Trainer"}}')
    config.get_settings.cache_clear()
    yield
    config.get_settings.cache_clear()


def sso_user(sub: str, groups: list[str]) -> dict:
    import time

    return {"is_logged_in": True, "iss": "http://127.0.0.1:1", "sub": sub, "email": f"{sub}@jc.example",
            "name": f"Person {sub}", "groups": groups, "iat": int(time.time())}


def test_sso_user_with_a_mapped_group_is_signed_in_with_role_and_team(sso_mode, store, admin, monkeypatch):
    at = fresh_app(monkeypatch)
    at.user = sso_user("ines", ["vp-ifk-team1"])
    at.run()
    assert not at.exception
    user = at.session_state["user"]
    assert (user.role, user.team, user.sso_subject) == (Role.IFK, "Team 1", "http://127.0.0.1:1|ines")
    open_start(at)
    assert "Person ines" in texts(at)


def test_sso_user_without_role_is_refused_in_german_and_audited(sso_mode, store, admin, monkeypatch):
    at = fresh_app(monkeypatch)
    at.user = sso_user("niemand", ["andere-gruppe"])
    at.run()
    assert not at.exception
    assert "user" not in at.session_state
    assert any("keine Rolle in Vierphasen zugeordnet" in e.value for e in at.error)
    assert store.audit_entries()[-1].action == "SSO-Anmeldung abgelehnt (keine Rolle)"


def test_with_sso_on_the_sign_in_page_offers_sso_and_refuses_other_passwords(sso_mode, store, admin, ifk,
                                                                              monkeypatch):
    at = fresh_app(monkeypatch)
    at.user = {"is_logged_in": False}
    at.run()
    assert button(at, "Mit Single Sign-on anmelden")
    assert "Notfallzugang der KDN-Fachbetreuung" in [e.label for e in at.expander]
    button(at, "Mit Single Sign-on anmelden").click()
    at.run()
    assert not at.exception  # this test has no [auth] secrets: a German note, no traceback
    assert any("nicht vollständig eingerichtet" in e.value for e in at.error)
    at.text_input[0].input("anna")
    at.text_input[1].input(PASSWORD)
    button(at, "Anmelden").click()
    at.run()
    assert any("Passwort ist in dieser Installation abgeschaltet" in e.value for e in at.error)
    assert "user" not in at.session_state
    at.text_input[0].input("kdn.admin")  # the emergency account still signs in with password (+ TOTP)
    at.text_input[1].input(PASSWORD)
    button(at, "Anmelden").click()
    at.run()
    assert "Zweiten Faktor einrichten" in texts(at)


def test_deactivated_sso_user_loses_the_session_and_is_signed_out_at_the_provider(sso_mode, store, admin,
                                                                                   monkeypatch):
    from services.users import deactivate_user

    at = fresh_app(monkeypatch)
    at.user = sso_user("ines", ["vp-ifk-team1"])
    at.run()
    user = at.session_state["user"]
    deactivate_user(store, user.id, actor=admin)
    at.run()
    assert "user" not in at.session_state
    assert at.user == {"is_logged_in": False}  # st.logout was called: the identity cookie is gone
    at.run()
    assert "user" not in at.session_state


def test_sso_session_ends_after_30_idle_minutes_with_sign_out_at_the_provider(sso_mode, store, admin, monkeypatch):
    at = fresh_app(monkeypatch)
    at.user = sso_user("ines", ["vp-ifk-team1"])
    at.run()
    at.session_state["last_activity"] = utcnow() - timedelta(minutes=31)
    at.run()
    assert "user" not in at.session_state
    assert at.user == {"is_logged_in": False}


def test_sso_sign_out_button_signs_out_at_the_provider(sso_mode, store, admin, monkeypatch):
    at = fresh_app(monkeypatch)
    at.user = sso_user("tom", ["vp-trainer"])
    at.run()
    assert at.session_state["user"].role == Role.TRAINER
    at.button(key="abmelden").click()
    at.run()
    assert not at.exception
    assert "user" not in at.session_state
    assert at.user == {"is_logged_in": False}
    assert store.audit_entries(record_id=store.user_by_username(
        next(u.username for u in store.list_users() if u.sso_subject)).id)[-1].action == "Abmeldung"


def test_sso_sign_in_older_than_12_hours_is_refused_and_audited_as_a_sign_out(sso_mode, store, admin, monkeypatch):
    at = fresh_app(monkeypatch)
    at.user = sso_user("ines", ["vp-ifk-team1"])
    at.run()
    account = at.session_state["user"]
    later = fresh_app(monkeypatch)  # another browser tab, next day: the identity cookie is still there
    later.user = sso_user("ines", ["vp-ifk-team1"]) | {"iat": int((utcnow() - timedelta(hours=13)).timestamp())}
    later.run()
    assert not later.exception
    assert "user" not in later.session_state
    assert "älter als 12 Stunden" in texts(later)
    assert later.user == {"is_logged_in": False}
    assert store.audit_entries(record_id=account.id)[-1].action == "Abmeldung (Höchstdauer 12 Stunden)"


def test_sso_token_with_an_impossible_sign_in_time_is_refused_in_german(sso_mode, store, admin, monkeypatch):
    at = fresh_app(monkeypatch)
    at.user = sso_user("ines", ["vp-ifk-team1"]) | {"iat": 1e20}
    at.run()
    assert not at.exception
    assert "user" not in at.session_state
    assert any("unmöglichen Anmeldezeitpunkt" in e.value for e in at.error)
    assert store.audit_entries()[-1].action == "SSO-Anmeldung abgelehnt (Angaben unvollständig)"
