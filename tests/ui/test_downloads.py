"""The document downloads in the pages (AppTest): consent form, EGV, profiling print (KDN only), Auskunft."""

from __future__ import annotations

import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from pages import downloads
from schemas.records import Client, Document, Egv, Profiling, Role, User
from services.egv import close_egv, draft_egv, save_egv
from services.profiling import close_profiling, save_profiling, start_profiling
from storage.base import Store
from tests.factories import make_client, make_profiling, make_user
from tests.ui.test_case_pages import open_section

KUNDEN = "pages/kunden.py"
PROFILING = "pages/profiling.py"
ZIEL = "pages/ziel.py"
EGV = "pages/egv.py"


@pytest.fixture
def case(store: Store, caseworker: User) -> tuple[Client, Profiling, Egv]:
    """A client of Team 1 with a closed profiling and an agreed (closed) EGV."""
    client = store.add(make_client(team="Team 1"), actor=caseworker)
    profiling = make_profiling(
        client.id,
        relevant=["berufliche_qualifikation"],
        zielberuf="Fachkraft für Lagerlogistik",
        integrationsprognose="marktnah",
        integrationsziel="Übernahme in Vollzeit",
        einverstaendnis=True,
        einverstaendnis_datum=date(2026, 11, 2),
        strategien={"berufliche_qualifikation": ["berufsabschluss_erwerben"]},
    )
    profiling = save_profiling(store, profiling, actor=caseworker)
    profiling = close_profiling(store, profiling.id, revision=profiling.revision, actor=caseworker)
    egv = draft_egv(store, profiling.id, actor=caseworker)
    egv.teilschritte = "- Berufsabschluss erwerben: Anmeldung zur Externenprüfung"
    egv.bemuehungen_kunde = "Fünf Bewerbungen im Monat"
    egv = save_egv(store, egv, actor=caseworker)
    egv = close_egv(store, egv.id, revision=egv.revision, actor=caseworker)
    return client, profiling, egv


@pytest.fixture(autouse=True)
def made_on_click(monkeypatch: pytest.MonkeyPatch) -> dict:
    """file id → (data function, file name) of every deferred download button drawn: what a click would run."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    registered: dict = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        file_id = original(self, data_callable, mimetype, coordinates, file_name, **kwargs)
        registered[file_id] = (data_callable, file_name)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return registered


def click_download(at: AppTest, made_on_click: dict, label: str) -> tuple[str, bytes]:
    """What the browser gets for one click on the download button `label`: (file name, bytes)."""
    matches = [b for b in at.download_button if b.label == label]
    assert matches, f"no download button „{label}“ among {download_labels(at)}"
    make, file_name = made_on_click[matches[0].proto.deferred_file_id]
    return file_name, make()


def ok(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def labels(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def download_labels(at: AppTest) -> list[str]:
    return [b.label for b in at.download_button]


def click(at: AppTest, label: str) -> AppTest:
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button „{label}“ among {labels(at)}"
    return ok(matches[0].click().run())


def open_case(at: AppTest, client: Client, profiling: Profiling) -> AppTest:
    """Kunden → select the client → open the profiling from the history → the profiling page."""
    ok(at.switch_page(KUNDEN).run())
    ok(at.button(key=f"waehle-{client.id}").click().run())
    ok(at.button(key=f"history-{profiling.id}").click().run())
    # AppTest keeps its own current page across an in-app st.switch_page, so the next runs name it.
    return ok(at.switch_page(PROFILING).run())


def test_caseworker_gets_consent_form_and_egv_in_one_click_each_but_no_profiling_print(
    app: AppTest, store: Store, case, made_on_click
) -> None:
    client, profiling, egv = case
    at = open_case(app, client, profiling)
    assert "Klonen" in labels(at)  # the profiling page of the closed profiling
    assert not at.download_button  # no profiling print for an IFK

    ok(at.switch_page(ZIEL).run())
    assert download_labels(at) == ["Einverständniserklärung drucken (PDF)"]  # one click, nothing made before
    name, pdf = click_download(at, made_on_click, "Einverständniserklärung drucken (PDF)")
    assert name == f"Einverstaendniserklaerung_{client.kundennummer}_2026-11-02.pdf"
    assert "Einverständniserklärung" in pdf_text(pdf)

    ok(at.switch_page(EGV).run())
    assert download_labels(at) == ["EGV drucken (PDF)"]
    assert store.list_for_client(Document, client.id) == []  # handed out only when clicked
    name, pdf = click_download(at, made_on_click, "EGV drucken (PDF)")
    assert name.startswith(f"EGV_{client.kundennummer}_") and pdf.startswith(b"%PDF")
    handed_out = store.list_for_client(Document, client.id)
    assert [(d.kind, d.record_id, d.record_revision) for d in handed_out] == [("egv", egv.id, egv.revision)]
    assert handed_out[0].filename == name
    assert len([e for e in store.audit_entries(record_id=egv.id) if e.action == "ausgehändigt"]) == 1


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def test_kdn_gets_the_profiling_print(app: AppTest, store: Store, case, made_on_click) -> None:
    client, profiling, _ = case
    kdn = store.add(make_user(role=Role.KDN, team=""), actor=make_user(role=Role.KDN))
    app.session_state["user"] = kdn
    at = open_case(app, client, profiling)

    assert download_labels(at) == ["Profiling drucken (PDF, nur KDN-Fachbetreuung)"]
    name, pdf = click_download(at, made_on_click, "Profiling drucken (PDF, nur KDN-Fachbetreuung)")
    assert name.startswith(f"Profiling_{client.kundennummer}_") and pdf.startswith(b"%PDF")
    assert store.audit_entries(record_id=profiling.id)[-1].action == "gedruckt"


def test_auskunft_on_the_client_page_offers_pdf_and_json(app: AppTest, store: Store, case, made_on_click) -> None:
    client, _, _ = case
    ok(app.switch_page(KUNDEN).run())
    ok(app.button(key=f"waehle-{client.id}").click().run())
    assert download_labels(app) == []  # in a closed section: not drawn (nor made) until it is opened
    open_section(app, "kunden-auskunft-offen")

    assert download_labels(app) == ["Auskunft (PDF)", "Auskunft (JSON)"]
    name, data = click_download(app, made_on_click, "Auskunft (JSON)")
    assert name.endswith(".json") and client.kundennummer in data.decode()
    assert store.audit_entries(client_id=client.id)[-1].action == "Auskunft erteilt"
    ok(app.toggle(key=f"handed-out-{client.id}").set_value(True).run())
    assert any("Bisher wurde kein Dokument ausgehändigt." in c.value for c in app.caption)


def test_auskunft_fetched_as_pdf_and_json_is_one_auskunft_in_the_trail(
        app: AppTest, store: Store, case, made_on_click, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both formats of one request: one "Auskunft erteilt" entry and the same content (the JSON lists the
    same accesses as the PDF); a click after AUSKUNFT_REQUEST_S is a new request with its own entry."""
    from pages import downloads

    client, _, _ = case
    ok(app.switch_page(KUNDEN).run())
    open_section(ok(app.button(key=f"waehle-{client.id}").click().run()), "kunden-auskunft-offen")

    _, pdf = click_download(app, made_on_click, "Auskunft (PDF)")
    _, data = click_download(app, made_on_click, "Auskunft (JSON)")

    def erteilt() -> int:
        return len([e for e in store.audit_entries(client_id=client.id) if e.action == "Auskunft erteilt"])

    assert erteilt() == 1
    zugriffe = json.loads(data)["zugriffe"]
    assert [z["aktion"] for z in zugriffe].count("Auskunft erteilt") == 1
    assert pdf_text(pdf).count("Auskunft erteilt") == 1
    ok(app.run())  # the page drawn again: still the same request
    click_download(app, made_on_click, "Auskunft (PDF)")
    assert erteilt() == 1

    monkeypatch.setattr(downloads, "AUSKUNFT_REQUEST_S", 0.0)
    click_download(app, made_on_click, "Auskunft (JSON)")
    assert erteilt() == 2


def test_open_egv_offers_a_draft_and_stores_nothing(app: AppTest, store: Store, caseworker: User,
                                                    made_on_click) -> None:
    client = store.add(make_client(team="Team 1"), actor=caseworker)
    profiling = save_profiling(
        store,
        make_profiling(
            client.id,
            zielberuf="Koch",
            integrationsziel="Arbeit als Koch",
            uebergreifend=["vermittlung_arbeit_ausbildung"],
        ),
        actor=caseworker,
    )
    save_egv(store, draft_egv(store, profiling.id, actor=caseworker), actor=caseworker)
    at = open_case(app, client, profiling)

    ok(at.switch_page(EGV).run())
    assert download_labels(at) == ["EGV-Entwurf drucken (PDF)"]
    name, pdf = click_download(at, made_on_click, "EGV-Entwurf drucken (PDF)")
    assert name.startswith("EGV-Entwurf_") and "Entwurf" in pdf_text(pdf)
    assert store.list_for_client(Document, client.id) == []


def open_profiling_with_goal(store: Store, caseworker: User) -> tuple[Client, Profiling]:
    """A client of Team 1 with an open profiling whose Integrationsziel is "Arbeit als Koch"."""
    client = store.add(make_client(team="Team 1"), actor=caseworker)
    started = start_profiling(store, client.id, actor=caseworker)  # every Bedarf present, as the form has them
    profiling = save_profiling(store, started.model_copy(update={"zielberuf": "Koch",
                                                                 "integrationsziel": "Arbeit als Koch"}),
                               actor=caseworker)
    return client, profiling


def _open_ziel_of_open_profiling(app: AppTest, store: Store, caseworker: User) -> tuple[AppTest, Client, Profiling]:
    client, profiling = open_profiling_with_goal(store, caseworker)
    at = open_case(app, client, profiling)
    ok(at.switch_page(ZIEL).run())
    return at, client, profiling


def consent_button(at: AppTest, made_on_click: dict):
    """The consent form's download button and what a click on it makes (registered when it was drawn)."""
    (button,) = [b for b in at.download_button if b.label == "Einverständniserklärung drucken (PDF)"]
    return button, made_on_click[button.proto.deferred_file_id][0]


def click_consent(at: AppTest, make) -> bytes:
    """A click as the browser makes it: the file request (Streamlit runs `make` on a thread of its own) and the
    click's rerun at the same time; the PDF."""
    with ThreadPoolExecutor(1) as browser:
        fetched = browser.submit(make)
        ok(at.run())
        return fetched.result(timeout=60)


def test_the_clicks_run_ends_only_after_the_file_request_took_its_function() -> None:
    """Streamlit drops the function of the button drawn before the click when the click's run ends (the run
    registers a new one): the run waits for the request, which would otherwise find nothing."""
    gate = downloads._ClickGate()
    before = gate.drawn()
    ended = threading.Event()

    def clicks_run() -> None:
        gate.clicked(True)
        gate.wait_requested(before, timeout=60)
        ended.set()

    run = threading.Thread(target=clicks_run)
    run.start()
    assert not ended.wait(0.2)  # no request yet: the run does not end
    gate.requested()
    assert ended.wait(60)
    run.join(60)
    assert gate.saved_after(0, timeout=0)
    assert gate.drawn() == 0 and gate.drawn() == 1  # the next draw starts from the request counted


def test_consent_form_is_one_click_with_unsaved_input_and_prints_it_saved(
        app: AppTest, store: Store, caseworker: User, made_on_click) -> None:
    """One click on the same button saves a typed Integrationsziel and prints it: no second button first."""
    at, _, profiling = _open_ziel_of_open_profiling(app, store, caseworker)
    assert download_labels(at) == ["Einverständniserklärung drucken (PDF)"]  # nothing unsaved yet
    at.text_area(key=f"0-{profiling.id}-ziel-integrationsziel").input("Ausbildung zum Koch in Vollzeit")
    ok(at.run())
    assert download_labels(at) == ["Einverständniserklärung drucken (PDF)"]  # the same one button
    assert "Speichern und Einverständniserklärung erstellen" not in labels(at)
    button, make = consent_button(at, made_on_click)

    button.click()
    pdf = click_consent(at, make)  # the click's rerun saves; the browser's file request runs `make`
    assert "Ausbildung zum Koch in Vollzeit" in pdf_text(pdf)
    assert store.get(Profiling, profiling.id).integrationsziel == "Ausbildung zum Koch in Vollzeit"
    assert any(s.value.startswith("Profiling gespeichert") for s in at.success)


def test_consent_form_clicked_right_after_typing_prints_what_was_typed(
        app: AppTest, store: Store, caseworker: User, made_on_click) -> None:
    """Typed and clicked at once (the browser sends the text with the click): the PDF made for the button drawn
    before the typing waits for that click's save and never prints the older stored goal."""
    at, _, profiling = _open_ziel_of_open_profiling(app, store, caseworker)
    button, make = consent_button(at, made_on_click)
    at.text_area(key=f"0-{profiling.id}-ziel-integrationsziel").input("Helfer in der Gastronomie")
    button.click()

    assert "Helfer in der Gastronomie" in pdf_text(click_consent(at, make))
    assert store.get(Profiling, profiling.id).integrationsziel == "Helfer in der Gastronomie"


def test_consent_form_without_changes_prints_at_once_and_saves_nothing(
        app: AppTest, store: Store, caseworker: User, made_on_click) -> None:
    at, _, profiling = _open_ziel_of_open_profiling(app, store, caseworker)
    button, make = consent_button(at, made_on_click)
    button.click()
    assert "Arbeit als Koch" in pdf_text(click_consent(at, make))
    assert store.get(Profiling, profiling.id).revision == profiling.revision
    button, make = consent_button(at, made_on_click)  # the next click waits for its own run again
    button.click()
    assert "Arbeit als Koch" in pdf_text(click_consent(at, make))
