"""Document use cases against a real TinyDB store: permissions, catalogue versions, handed-out copies, Auskunft."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from pypdf import PdfReader

from dates import today
from errors import LifecycleError, NotPermitted
from schemas.catalogue import KOOPERATIONSPLAN_BLOCK, SHIPPED_CATALOGUE, with_vereinbarung
from schemas.records import Document, Egv, Status
from services import documents as docs
from services.catalogue import publish_catalogue
from services.egv import close_egv, draft_egv, fortschreiben_egv, save_egv
from services.folgegespraech import new_folgegespraech, record_folgegespraech
from services.profiling import close_profiling, save_profiling
from tests.factories import make_profiling

KOOPERATIONSPLAN = with_vereinbarung(SHIPPED_CATALOGUE.read_text(encoding="utf-8"),
                                     KOOPERATIONSPLAN_BLOCK.read_text(encoding="utf-8"))
ZIEL = "Übernahme als Fachkraft für Lagerlogistik in Vollzeit – „Jobcenter-Ziel“ mit Ärger €"


def text_of(pdf: bytes) -> str:
    """Every page's text, joined; lines broken by the layout are joined with spaces for word checks."""
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(pdf: bytes) -> str:
    return " ".join(text_of(pdf).split())


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def profiling(store, client, ifk):
    """A saved open profiling: Berufliche Qualifikation relevant with a strategy, marktnah, goal and consent."""
    profiling = make_profiling(
        client.id,
        relevant=["berufliche_qualifikation"],
        zielberuf="Fachkraft für Lagerlogistik",
        kompetenzen=["Staplerschein", "Teamarbeit"],
        integrationsprognose="marktnah",
        integrationsziel=ZIEL,
        einverstaendnis=True,
        einverstaendnis_datum=date(2026, 11, 2),
        strategien={"berufliche_qualifikation": ["berufsabschluss_erwerben"]},
        uebergreifend=["vermittlung_arbeit_ausbildung"],
    )
    profiling.handlungsbedarfe["berufliche_qualifikation"].bemerkungen = "Kein anerkannter Berufsabschluss"
    return save_profiling(store, profiling, actor=ifk)


@pytest.fixture
def closed_profiling(store, profiling, ifk):
    return close_profiling(store, profiling.id, revision=profiling.revision, actor=ifk)


def stored_egv(store, profiling, ifk, *, close: bool) -> Egv:
    egv = draft_egv(store, profiling.id, actor=ifk)
    egv.teilschritte = "\n".join(f"{line}im ersten Quartal" for line in egv.teilschritte.splitlines())
    egv.leistungen_jobcenter = "Übernahme der Prüfungsgebühren"
    egv.bemuehungen_kunde = "Monatlich fünf Bewerbungen"
    egv.angebote_dritter = "Beratung durch die Handwerkskammer"
    saved = save_egv(store, egv, actor=ifk)
    if close:
        return close_egv(store, saved.id, revision=saved.revision, actor=ifk)
    return saved


# --- Einverständniserklärung ---------------------------------------------------------------------------


def test_consent_form_names_client_goal_and_date(store, client, profiling, ifk):
    filename, pdf = docs.einverstaendnis_pdf(store, profiling.id, actor=ifk)

    text = flat(pdf)
    assert filename == f"Einverstaendniserklaerung_{client.kundennummer}_2026-11-02.pdf"
    assert "Einverständniserklärung zum Profiling" in text
    assert f"{client.vorname} {client.nachname}" in text and client.kundennummer in text
    assert ZIEL in text
    assert "02.11.2026" in text
    assert "Anna Schmidt" in text  # the IFK who prints and signs
    assert "Seite 1 von" in text


def test_consent_form_names_the_agreement_of_the_profilings_catalogue(store, client, ifk, trainer, profiling):
    from schemas.catalogue import KOOPERATIONSPLAN_BLOCK, with_vereinbarung

    text = with_vereinbarung(SHIPPED_CATALOGUE.read_text(encoding="utf-8"),
                             KOOPERATIONSPLAN_BLOCK.read_text(encoding="utf-8"))
    publish_catalogue(store, text, note="Kooperationsplan", actor=trainer)
    newer = save_profiling(store, make_profiling(client.id, catalogue_version=2, integrationsziel=ZIEL), actor=ifk)

    old, new = (flat(docs.einverstaendnis_pdf(store, p.id, actor=ifk)[1]) for p in (profiling, newer))
    assert "im Dokument „Eingliederungsvereinbarung“" in old  # made with version 1: its own agreement
    assert "im Dokument „Kooperationsplan“" in new and "Eingliederungsvereinbarung" not in new
    assert "Ihr Einverständnis ist freiwillig." in new


def test_consent_form_is_refused_for_another_team(store, profiling, ifk_other_team):
    with pytest.raises(NotPermitted, match="anderen Team"):
        docs.einverstaendnis_pdf(store, profiling.id, actor=ifk_other_team)


@pytest.mark.parametrize("role", ["trainer", "fachaufsicht"])
def test_consent_form_is_refused_without_casework_role(request, store, profiling, role):
    with pytest.raises(NotPermitted) as err:
        docs.einverstaendnis_pdf(store, profiling.id, actor=request.getfixturevalue(role))
    assert "darf das nicht" in err.value.message


def test_consent_print_is_audited(store, profiling, ifk):
    docs.einverstaendnis_pdf(store, profiling.id, actor=ifk)

    entries = store.audit_entries(record_id=profiling.id)
    assert entries[-1].action == "Einverständniserklärung gedruckt" and entries[-1].actor == ifk.username


# --- EGV -----------------------------------------------------------------------------------------------


def test_closed_egv_prints_parties_goal_strategies_and_catalogue_sections(
    store, client, closed_profiling, ifk
):
    egv = stored_egv(store, closed_profiling, ifk, close=True)

    filename, pdf = docs.egv_pdf(store, egv.id, actor=ifk)

    text = flat(pdf)
    assert re.fullmatch(rf"EGV_{client.kundennummer}_\d{{4}}-\d{{2}}-\d{{2}}\.pdf", filename)
    assert filename == f"EGV_{client.kundennummer}_{today().isoformat()}.pdf"
    assert "Eingliederungsvereinbarung nach § 15 SGB II" in text
    assert f"{client.vorname} {client.nachname}" in text and client.kundennummer in text
    assert "Anna Schmidt (Team 1)" in text
    assert ZIEL in text
    for label in ("Berufsabschluss erwerben", "Vermittlung in Arbeit/ Ausbildung 1. AMA"):
        assert label in text
    for section in (
        "Integrationsziel",
        "Vereinbarte Handlungsstrategien",
        "Teilschritte und Zwischenziele",
        "Leistungen des Jobcenters",
        "Bemühungen der Kundin / des Kunden",
        "Angebote anderer Leistungsträger",
        "Überprüfung am",
    ):
        assert section in text
    assert "Übernahme der Prüfungsgebühren" in text and "Monatlich fünf Bewerbungen" in text
    assert "Beratung durch die Handwerkskammer" in text
    assert "Unterschrift Kundin / Kunde" in text
    assert "Entwurf" not in text
    assert "Fassung 1 vom" in text and "Seite 1 von" in text


def test_open_egv_prints_a_marked_draft_and_stores_nothing(store, client, closed_profiling, ifk):
    egv = stored_egv(store, closed_profiling, ifk, close=False)

    filename, pdf = docs.egv_pdf(store, egv.id, actor=ifk)

    assert filename == f"EGV-Entwurf_{client.kundennummer}_{today().isoformat()}.pdf"
    reader = PdfReader(io.BytesIO(pdf))
    assert all("Entwurf – noch nicht vereinbart" in page.extract_text() for page in reader.pages)
    assert docs.handed_out_documents(store, client.id, actor=ifk) == []
    with pytest.raises(LifecycleError, match="Entwurf"):
        docs.hand_out_egv(store, egv.id, actor=ifk)
    assert store.audit_entries(record_id=egv.id)[-1].action == "Entwurf gedruckt"


def test_handed_out_egv_is_stored_once_per_revision_with_the_downloaded_bytes(
    store, client, closed_profiling, ifk
):
    egv = stored_egv(store, closed_profiling, ifk, close=True)

    filename, pdf = docs.egv_pdf(store, egv.id, actor=ifk)
    again = docs.egv_pdf(store, egv.id, actor=ifk)

    handed_out = docs.handed_out_documents(store, client.id, actor=ifk)
    assert len(handed_out) == 1
    document = handed_out[0]
    assert isinstance(document, Document) and document.kind == "egv"
    assert (document.record_id, document.record_revision) == (egv.id, egv.revision)
    assert (document.filename, document.pdf) == (filename, pdf)
    assert again == (filename, pdf)  # a re-download returns exactly what the client received
    assert docs.hand_out_egv(store, egv.id, actor=ifk).id == document.id
    actions = [e.action for e in store.audit_entries(record_id=egv.id)]
    assert actions.count("ausgehändigt") == 3  # every hand-out is audited, the copy is stored once
    assert [e.action for e in store.audit_entries(record_id=document.id)] == ["angelegt"]


def test_fortschreibung_prints_its_fassung_and_the_previous_date(store, client, closed_profiling, ifk):
    first = stored_egv(store, closed_profiling, ifk, close=True)
    docs.egv_pdf(store, first.id, actor=ifk)
    second = fortschreiben_egv(store, first.id, actor=ifk)
    second = close_egv(store, second.id, revision=second.revision, actor=ifk)

    _, pdf = docs.egv_pdf(store, second.id, actor=ifk)

    text = flat(pdf)
    day = today().strftime("%d.%m.%Y")
    assert f"Fassung 2 vom {day} – Fortschreibung der Fassung 1 vom {day}" in text
    documents = docs.handed_out_documents(store, client.id, actor=ifk)
    assert [d.record_id for d in documents] == [second.id, first.id]  # newest first


def test_egv_download_is_refused_for_another_team_and_other_roles(
    store, closed_profiling, ifk, ifk_other_team, trainer, fachaufsicht
):
    egv = stored_egv(store, closed_profiling, ifk, close=True)
    for actor in (ifk_other_team, trainer, fachaufsicht):
        with pytest.raises(NotPermitted):
            docs.egv_pdf(store, egv.id, actor=actor)
    assert docs.handed_out_documents(store, egv.client_id, actor=ifk) == []


def test_kooperationsplan_is_a_catalogue_change(store, client, ifk, trainer):
    publish_catalogue(
        store, KOOPERATIONSPLAN, note="Kooperationsplan", actor=trainer
    )
    profiling = make_profiling(
        client.id,
        catalogue_version=2,
        relevant=["berufliche_qualifikation"],
        zielberuf="Fachkraft für Lagerlogistik",
        integrationsprognose="marktnah",
        integrationsziel=ZIEL,
        strategien={"berufliche_qualifikation": ["berufsabschluss_erwerben"]},
    )
    profiling = save_profiling(store, profiling, actor=ifk)
    profiling = close_profiling(store, profiling.id, revision=profiling.revision, actor=ifk)
    egv = stored_egv(store, profiling, ifk, close=True)

    filename, pdf = docs.egv_pdf(store, egv.id, actor=ifk)

    text = flat(pdf)
    assert filename == f"Kooperationsplan_{client.kundennummer}_{today().isoformat()}.pdf"
    assert "Kooperationsplan nach § 15 SGB II" in text
    assert "Eingliederungsvereinbarung" not in text
    assert "Unterschrift" not in text
    for section in (
        "Ihr berufliches Ziel",
        "Ihr Zwischenziel",
        "Ihre nächsten Schritte",
        "So unterstützt Sie das Jobcenter",
        "Weitere Unterstützung",
        "Sonstiges",
    ):
        assert section in text
    # each section shows the EGV field its catalogue entry names (`feld`); strategies are no section here
    assert ZIEL in text and "Berufsabschluss erwerben" not in text
    assert "Übernahme der Prüfungsgebühren" in text and "Beratung durch die Handwerkskammer" in text
    assert "Ihre nächsten Schritte Monatlich fünf Bewerbungen" in text
    assert pages(pdf) == 1


def test_egv_made_before_the_switch_keeps_its_own_template(store, client, closed_profiling, ifk, trainer):
    egv = stored_egv(store, closed_profiling, ifk, close=False)
    publish_catalogue(
        store, KOOPERATIONSPLAN, note="Kooperationsplan", actor=trainer
    )

    _, pdf = docs.egv_pdf(store, egv.id, actor=ifk)

    text = flat(pdf)
    assert "Eingliederungsvereinbarung nach § 15 SGB II" in text and "Unterschrift" in text


def test_long_teilschritte_keep_every_word(store, closed_profiling, ifk):
    words = [f"Schritt{n}äöü" for n in range(560)]
    egv = draft_egv(store, closed_profiling.id, actor=ifk)
    egv.teilschritte = " ".join(words)
    assert len(egv.teilschritte) >= 5000
    egv = save_egv(store, egv, actor=ifk)

    _, pdf = docs.egv_pdf(store, egv.id, actor=ifk)

    text = flat(pdf)
    assert all(word in text for word in words)
    count = pages(pdf)
    assert count >= 2 and f"Seite {count} von {count}" in text


# --- Profiling-Ausdruck --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["ifk", "trainer", "fachaufsicht"])
def test_profiling_print_is_refused_for_every_role_but_kdn(request, store, closed_profiling, role):
    with pytest.raises(NotPermitted) as err:
        docs.profiling_print_pdf(store, closed_profiling.id, actor=request.getfixturevalue(role))
    assert err.value.message == "Profilings druckt nur die KDN-Fachbetreuung (Ausdruck für die Akte)."


def test_profiling_print_shows_closed_status_labels_and_is_audited(store, client, closed_profiling, kdn):
    filename, pdf = docs.profiling_print_pdf(store, closed_profiling.id, actor=kdn)

    text = flat(pdf)
    assert re.fullmatch(rf"Profiling_{client.kundennummer}_\d{{4}}-\d{{2}}-\d{{2}}\.pdf", filename)
    assert "Ausdruck für die Akte" in text and "nur KDN-Fachbetreuung" in text
    assert "abgeschlossen am" in text
    assert "Katalogversion 1" in text
    for expected in (
        "Fachkraft für Lagerlogistik",
        "Staplerschein",
        "Berufliche Qualifikation",
        "Kein anerkannter Berufsabschluss",
        "Berufsabschluss erwerben",
        "marktnah (< 12 Monate)",
        ZIEL,
        "Vermittlung in Arbeit/ Ausbildung 1. AMA",
        "Karl Dorn",
    ):
        assert expected in text, expected
    entry = store.audit_entries(record_id=closed_profiling.id)[-1]
    assert (entry.action, entry.actor, entry.client_id) == ("gedruckt", kdn.username, client.id)


def test_profiling_print_of_an_open_profiling_says_offen(store, profiling, kdn):
    _, pdf = docs.profiling_print_pdf(store, profiling.id, actor=kdn)

    assert "Status offen" in flat(pdf)


def test_closed_profiling_prints_with_its_own_catalogue_version(store, closed_profiling, kdn, trainer):
    renamed = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace(
        "label: Berufsabschluss erwerben", "label: Abschluss in einem anerkannten Ausbildungsberuf"
    )
    assert publish_catalogue(store, renamed, note="Bezeichnung geändert", actor=trainer).number == 2

    _, pdf = docs.profiling_print_pdf(store, closed_profiling.id, actor=kdn)

    text = flat(pdf)
    assert "Berufsabschluss erwerben" in text
    assert "Abschluss in einem anerkannten Ausbildungsberuf" not in text
    assert "Katalogversion 1" in text


# --- Auskunft ------------------------------------------------------------------------------------------


@pytest.fixture
def full_history(store, client, closed_profiling, ifk, kdn):
    """A closed profiling, an agreed EGV handed out, a Folgegespräch and a KDN print."""
    egv = stored_egv(store, closed_profiling, ifk, close=True)
    docs.egv_pdf(store, egv.id, actor=ifk)
    talk = new_folgegespraech(store, client.id, actor=ifk)
    talk.anliegen = "Rückfrage zur Prüfungsanmeldung"
    record_folgegespraech(store, talk, actor=ifk)
    docs.profiling_print_pdf(store, closed_profiling.id, actor=kdn)
    return egv


def test_auskunft_contains_data_purpose_recipients_and_access_log(store, client, full_history, ifk, kdn):
    pdf_name, pdf, json_name, raw = docs.auskunft(store, client.id, actor=ifk)

    day = today().isoformat()
    assert (pdf_name, json_name) == (
        f"Auskunft_{client.kundennummer}_{day}.pdf",
        f"Auskunft_{client.kundennummer}_{day}.json",
    )
    text = flat(pdf)
    for expected in (
        client.kundennummer,
        client.vorname,
        client.nachname,
        "Fachkraft für Lagerlogistik",
        ZIEL,
        "Berufsabschluss erwerben",
        "Übernahme der Prüfungsgebühren",
        "Rückfrage zur Prüfungsanmeldung",
        "Zwecke der Speicherung",
        "Empfänger",
        "An Sie ausgehändigte Dokumente",
        f"EGV_{client.kundennummer}",
        "Jobcenter – Integrationsfachkraft (Team 1)",
        "Jobcenter – KDN-Fachbetreuung",
        "Auskunft erteilt",
        "ausgehändigt",
        "Aushändigung an Sie",
        "gedruckt",
        "Ausdruck für die Akte",
        "Seite 1 von",
    ):
        assert expected in text, expected

    content = json.loads(raw.decode("utf-8"))
    assert "Übernahme" in raw.decode("utf-8")  # ensure_ascii=False: umlauts as they are
    assert content["kunde"]["kundennummer"] == client.kundennummer
    assert content["stammdaten"]["Geburtsdatum"] == client.geburtsdatum.isoformat()
    titles = [d["titel"] for d in content["datensaetze"]]
    assert any(t.startswith("Profiling vom") for t in titles)
    assert any(t.startswith("EGV Fassung 1") for t in titles)
    assert any(t.startswith("Folgegespräch vom") for t in titles)
    assert "An Sie ausgehändigte Dokumente" in titles
    stellen = {z["stelle"] for z in content["zugriffe"]}
    assert {"Jobcenter – Integrationsfachkraft (Team 1)", "Jobcenter – KDN-Fachbetreuung"} <= stellen
    assert all(date.fromisoformat(z["zeitpunkt"][:10]) for z in content["zugriffe"])


def test_auskunft_counts_handed_out_documents_in_correct_german(store, client, full_history, ifk):
    assert "Sie selbst: 1 ausgehändigtes Dokument, siehe „Gespeicherte Vorgänge“" in flat(
        docs.auskunft(store, client.id, actor=ifk)[1])
    second = fortschreiben_egv(store, full_history.id, actor=ifk)
    second = close_egv(store, second.id, revision=second.revision, actor=ifk)
    docs.egv_pdf(store, second.id, actor=ifk)
    text = flat(docs.auskunft(store, client.id, actor=ifk)[1])
    assert "Sie selbst: 2 ausgehändigte Dokumente, siehe „Gespeicherte Vorgänge“" in text
    assert "(e)" not in text and "(s)" not in text


def test_auskunft_never_names_staff(store, client, full_history, ifk, kdn):
    _, pdf, _, raw = docs.auskunft(store, client.id, actor=kdn)

    text, exported = flat(pdf), raw.decode("utf-8")
    for person in (ifk, kdn):
        for name in (person.username, person.display_name):
            assert name not in text and name not in exported, name


def test_auskunft_is_audited_before_it_is_built_and_lists_itself(store, client, full_history, ifk):
    _, _, _, raw = docs.auskunft(store, client.id, actor=ifk)

    entry = store.audit_entries(client_id=client.id)[-1]
    assert (entry.action, entry.actor, entry.record_id) == ("Auskunft erteilt", ifk.username, client.id)
    zugriffe = json.loads(raw)["zugriffe"]
    assert zugriffe[-1]["aktion"] == "Auskunft erteilt"
    assert zugriffe[-1]["zweck"] == "Ihr Auskunftsersuchen (Art. 15 DSGVO)"


def test_auskunft_is_refused_for_another_team_and_other_roles(
    store, client, ifk_other_team, trainer, fachaufsicht
):
    for actor in (ifk_other_team, trainer, fachaufsicht):
        with pytest.raises(NotPermitted):
            docs.auskunft(store, client.id, actor=actor)
    assert not [e for e in store.audit_entries(client_id=client.id) if e.action == "Auskunft erteilt"]


def test_auskunft_of_a_client_without_records(store, client, ifk):
    _, pdf, _, raw = docs.auskunft(store, client.id, actor=ifk)

    assert "Zu Ihnen sind keine Vorgänge gespeichert." in flat(pdf)
    assert json.loads(raw)["datensaetze"] == []


def test_egv_status_stays_closed_after_printing(store, closed_profiling, ifk):
    egv = stored_egv(store, closed_profiling, ifk, close=True)
    docs.egv_pdf(store, egv.id, actor=ifk)

    assert store.get(Egv, egv.id).status == Status.ABGESCHLOSSEN
    assert store.get(Egv, egv.id).revision == egv.revision
