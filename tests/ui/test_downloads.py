"""The document downloads in the pages (AppTest): consent form, EGV, profiling print (KDN only), Auskunft."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from schemas.records import Client, Document, Egv, Profiling, Role, User
from services.egv import close_egv, draft_egv, save_egv
from services.profiling import close_profiling, save_profiling, start_profiling
from storage.base import Store
from tests.factories import make_client, make_profiling, make_user

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


def test_caseworker_gets_consent_form_and_egv_but_no_profiling_print(
    app: AppTest, store: Store, case
) -> None:
    client, profiling, egv = case
    at = open_case(app, client, profiling)
    assert "Klonen" in labels(at)  # the profiling page of the closed profiling
    assert "Profiling-Ausdruck für die Akte erstellen" not in labels(at)
    assert not at.download_button

    ok(at.switch_page(ZIEL).run())
    assert not at.download_button  # nothing is rendered before it is asked for
    click(at, "Einverständniserklärung als PDF erstellen")
    assert download_labels(at) == ["Einverständniserklärung drucken (PDF)"]
    assert any(
        f"Einverstaendniserklaerung_{client.kundennummer}_2026-11-02.pdf" in c.value for c in at.caption
    )

    ok(at.switch_page(EGV).run())
    click(at, "EGV als PDF erstellen")
    assert download_labels(at) == ["EGV drucken (PDF)"]
    handed_out = store.list_for_client(Document, client.id)
    assert [(d.kind, d.record_id, d.record_revision) for d in handed_out] == [("egv", egv.id, egv.revision)]

    ok(at.run())  # a rerun offers the kept PDF without making it again
    assert download_labels(at) == ["EGV drucken (PDF)"]
    assert len([e for e in store.audit_entries(record_id=egv.id) if e.action == "ausgehändigt"]) == 1


def test_kdn_gets_the_profiling_print(app: AppTest, store: Store, case) -> None:
    client, profiling, _ = case
    kdn = store.add(make_user(role=Role.KDN, team=""), actor=make_user(role=Role.KDN))
    app.session_state["user"] = kdn
    at = open_case(app, client, profiling)

    click(at, "Profiling-Ausdruck für die Akte erstellen")

    assert download_labels(at) == ["Profiling drucken (PDF, nur KDN-Fachbetreuung)"]
    assert store.audit_entries(record_id=profiling.id)[-1].action == "gedruckt"


def test_auskunft_on_the_client_page_offers_pdf_and_json(app: AppTest, store: Store, case) -> None:
    client, _, _ = case
    ok(app.switch_page(KUNDEN).run())
    ok(app.button(key=f"waehle-{client.id}").click().run())

    click(app, "Auskunft erstellen")

    assert download_labels(app) == ["Auskunft (PDF)", "Auskunft (JSON)"]
    assert store.audit_entries(client_id=client.id)[-1].action == "Auskunft erteilt"
    ok(app.toggle(key=f"handed-out-{client.id}").set_value(True).run())
    assert any("Bisher wurde kein Dokument ausgehändigt." in c.value for c in app.caption)


def test_open_egv_offers_a_draft_and_stores_nothing(app: AppTest, store: Store, caseworker: User) -> None:
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
    click(at, "EGV-Entwurf als PDF erstellen")

    assert download_labels(at) == ["EGV-Entwurf drucken (PDF)"]
    assert any("EGV-Entwurf_" in c.value for c in at.caption)
    assert store.list_for_client(Document, client.id) == []


def test_consent_form_saves_a_typed_integrationsziel_before_printing(
        app: AppTest, store: Store, caseworker: User) -> None:
    """The form prints what the caseworker sees: an Integrationsziel typed but not saved is saved first."""
    client = store.add(make_client(team="Team 1"), actor=caseworker)
    started = start_profiling(store, client.id, actor=caseworker)  # every Bedarf present, as the form has them
    profiling = save_profiling(store, started.model_copy(update={"zielberuf": "Koch",
                                                                 "integrationsziel": "Arbeit als Koch"}),
                               actor=caseworker)
    at = open_case(app, client, profiling)
    ok(at.switch_page(ZIEL).run())
    assert labels(at).count("Einverständniserklärung als PDF erstellen") == 1  # nothing unsaved yet
    at.text_area(key=f"0-{profiling.id}-ziel-integrationsziel").input("Ausbildung zum Koch in Vollzeit")
    ok(at.run())
    assert "Einverständniserklärung als PDF erstellen" not in labels(at)

    click(at, "Speichern und Einverständniserklärung erstellen")

    assert download_labels(at) == ["Einverständniserklärung drucken (PDF)"]
    assert any(s.value.startswith("Profiling gespeichert") for s in at.success)
    stored = store.get(Profiling, profiling.id)
    assert stored.integrationsziel == "Ausbildung zum Koch in Vollzeit"
    (files,) = [v for k, v in at.session_state["_document_downloads"].items() if k[0] == "einverstaendnis"]
    pdf = files[0][2]
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Ausbildung zum Koch in Vollzeit" in text
