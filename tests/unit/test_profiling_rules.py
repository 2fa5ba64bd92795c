"""The profiling rules of issue 5 (seed ch. 4.1–4.3 and 5), through the services on a real TinyDB store."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from dates import add_months, format_date, format_datetime, today
from errors import (
    Incomplete,
    InvalidInput,
    LifecycleError,
    NotFound,
    NotPermitted,
    RecordClosed,
    StaleRevision,
)
from schemas.catalogue import SHIPPED_CATALOGUE
from schemas.records import BedarfEintrag, Profiling, Status
from services.catalogue import get_catalogue, publish_catalogue
from services.egv import draft_egv, save_egv
from services.profiling import (
    GAP_ZIELBERUF,
    NEUER_EINTRAG,
    basisprofil,
    beratungsvermerk,
    checklist,
    clone_profiling,
    close_profiling,
    completeness_gaps,
    correct_closed_profiling,
    delete_closed_profiling,
    discard_profiling,
    gewaehlte_strategien,
    open_profiling,
    profiling_catalogue,
    profiling_history,
    rule_hints,
    save_profiling,
    start_profiling,
)
from tests.factories import make_profiling

#: The assessment gaps, named by the shipped catalogue's group labels (Integrationsprognose, Profillage).
GAP_EINSCHAETZUNG = "Integrationsprognose oder Profillage fehlt"
GAP_BEIDES = "Integrationsprognose und Profillage schließen sich aus – bitte nur eines von beiden wählen"

HISTORY_LABEL = re.compile(
    r"^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2} / \d{2}\.\d{2}\.\d{4} \d{2}:\d{2} (offen|abgeschl\.)$"
)


def complete(client_id: str, **fields) -> Profiling:
    """An unsaved profiling that passes the completeness check: one relevant Bedarf with a strategy."""
    defaults = {
        "zielberuf": "Fachlagerist/in",
        "kompetenzen": ["Staplerschein", "Teamarbeit"],
        "integrationsprognose": "marktnah",
        "strategien": {"oertliche_mobilitaet": ["mobilitaet_erhoehen"]},
        "uebergreifend": ["vermittlung_arbeit_ausbildung"],
        "integrationsziel": "Arbeitsaufnahme als Fachlagerist in Vollzeit",
    }
    return make_profiling(client_id, relevant=["oertliche_mobilitaet"], **(defaults | fields))


def closed(store, client, actor, **fields) -> Profiling:
    saved = save_profiling(store, complete(client.id, **fields), actor=actor)
    return close_profiling(store, saved.id, revision=saved.revision, actor=actor)


def hint_ids(profiling, catalogue) -> set[str]:
    texts = rule_hints(profiling, catalogue)
    return {h.id for h in catalogue.hinweise if any(text.endswith(h.text) for text in texts)}


# --- German dates ---------------------------------------------------------------------------------------


def test_dates_are_shown_in_german_format_in_berlin_time_winter_and_summer():
    assert format_datetime(datetime(2026, 11, 24, 13, 5, tzinfo=UTC)) == "24.11.2026 14:05"
    assert format_datetime(datetime(2026, 7, 1, 12, 0, tzinfo=UTC)) == "01.07.2026 14:00"
    assert format_datetime(datetime(2026, 11, 24, 13, 5)) == "24.11.2026 14:05"  # naive = stored UTC
    assert format_date(date(2026, 11, 24)) == "24.11.2026"
    assert (
        format_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "01.01.2027"
    )  # already New Year in Berlin


def test_adding_months_clamps_to_the_end_of_the_month():
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 10, 15), 3) == date(2027, 1, 15)


# --- history (seed ch. 5) -------------------------------------------------------------------------------


def test_history_lists_neuer_eintrag_first_then_profilings_newest_first(store, client, ifk):
    older = closed(store, client, ifk)
    newer = save_profiling(store, make_profiling(client.id), actor=ifk)

    history = profiling_history(store, client.id, actor=ifk)

    assert [entry.profiling_id for entry in history] == [None, newer.id, older.id]
    assert history[0].label == NEUER_EINTRAG == "neuer Eintrag …"
    assert history[0].status is None
    assert [entry.status for entry in history[1:]] == [Status.OFFEN, Status.ABGESCHLOSSEN]


def test_history_labels_show_created_and_edited_time_and_status_in_german(store, client, ifk):
    older = closed(store, client, ifk)
    newer = save_profiling(store, make_profiling(client.id), actor=ifk)

    labels = [entry.label for entry in profiling_history(store, client.id, actor=ifk)[1:]]

    assert all(HISTORY_LABEL.match(label) for label in labels), labels
    assert labels[0] == f"{format_datetime(newer.created_at)} / {format_datetime(newer.updated_at)} offen"
    assert labels[1] == f"{format_datetime(older.created_at)} / {format_datetime(older.updated_at)} abgeschl."


# --- start and save (seed ch. 5: saved incomplete → offen) ---------------------------------------------


def test_start_profiling_is_unsaved_open_on_the_newest_catalogue_with_every_bedarf_not_relevant(
    store, client, ifk, catalogue
):
    profiling = start_profiling(store, client.id, actor=ifk)

    assert profiling.revision == 0 and profiling.status == Status.OFFEN
    assert profiling.catalogue_version == 1
    assert set(profiling.handlungsbedarfe) == {b.id for _, b in catalogue.bedarfe()}
    assert not any(entry.relevant for entry in profiling.handlungsbedarfe.values())
    with pytest.raises(NotFound):
        store.get(Profiling, profiling.id)


def test_incomplete_profiling_is_saved_and_stays_offen(store, client, ifk, catalogue):
    profiling = start_profiling(store, client.id, actor=ifk)
    profiling.handlungsbedarfe["wohnsituation"] = BedarfEintrag(
        relevant=True, bemerkungen="Wohnung gekündigt"
    )

    saved = save_profiling(store, profiling, actor=ifk)

    assert saved.revision == 1 and saved.status == Status.OFFEN
    assert completeness_gaps(saved, catalogue)  # still incomplete, saved nevertheless
    again = save_profiling(store, saved.model_copy(update={"zielberuf": "Koch"}), actor=ifk)
    assert again.revision == 2 and again.status == Status.OFFEN
    assert store.get(Profiling, saved.id).handlungsbedarfe["wohnsituation"].bemerkungen == "Wohnung gekündigt"


def test_save_normalises_kompetenzen_and_dates_a_consent_without_date(store, client, ifk, catalogue):
    profiling = make_profiling(client.id, kompetenzen=[" Staplerschein ", "", "Staplerschein", "Englisch"],
                               einverstaendnis_datum=None)
    profiling.einverstaendnis = True

    saved = save_profiling(store, profiling, actor=ifk)

    assert saved.kompetenzen == ["Staplerschein", "Englisch"]
    assert saved.einverstaendnis_datum == today()


def test_save_refuses_a_stale_revision(store, client, ifk, catalogue):
    saved = save_profiling(store, make_profiling(client.id), actor=ifk)
    save_profiling(store, saved.model_copy(update={"zielberuf": "Koch"}), actor=ifk)

    with pytest.raises(StaleRevision):
        save_profiling(store, saved.model_copy(update={"zielberuf": "Bäcker"}), actor=ifk)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"zielberuf": "x" * 201}, "zielberuf"),
        ({"kompetenzen": ["y" * 201]}, "kompetenzen"),
        ({"integrationsziel": "z" * 5001}, "integrationsziel"),
        (
            {"handlungsbedarfe": {"wohnsituation": BedarfEintrag(bemerkungen="b" * 5001)}},
            "handlungsbedarfe.wohnsituation",
        ),
        ({"handlungsbedarfe": {"gibt_es_nicht": BedarfEintrag()}}, "handlungsbedarfe"),
        ({"integrationsprognose": "irgendwann"}, "integrationsprognose"),
        ({"profillage": "x"}, "profillage"),
        ({"strategien": {"wohnsituation": ["mobilitaet_erhoehen"]}}, "strategien"),
        ({"uebergreifend": ["mobilitaet_erhoehen"]}, "uebergreifend"),
        ({"einverstaendnis": True, "einverstaendnis_datum": date(2999, 1, 1)}, "einverstaendnis_datum"),
    ],
)
def test_save_refuses_bad_input_naming_the_field(store, client, ifk, catalogue, fields, field):
    with pytest.raises(InvalidInput) as error:
        save_profiling(store, make_profiling(client.id, **fields), actor=ifk)

    assert error.value.field == field
    assert error.value.message  # German text for the field
    assert store.list_for_client(Profiling, client.id) == []


# --- completeness (services/profiling.py; seed 4.1, 4.3) ---------------------------------------------------------


def test_empty_profiling_lists_zielberuf_and_einschaetzung_as_missing(client, catalogue):
    assert completeness_gaps(make_profiling(client.id), catalogue) == [GAP_ZIELBERUF, GAP_EINSCHAETZUNG]
    assert GAP_ZIELBERUF == "Zielberuf fehlt"
    assert GAP_EINSCHAETZUNG == "Integrationsprognose oder Profillage fehlt"  # the seed catalogue's group labels


def test_each_relevant_bedarf_without_strategy_is_listed_by_its_label(client, catalogue):
    profiling = complete(client.id, strategien={})
    profiling.handlungsbedarfe["wohnsituation"] = BedarfEintrag(relevant=True)

    assert completeness_gaps(profiling, catalogue) == [
        "Für den relevanten Handlungsbedarf „Örtliche Mobilität“ ist noch keine Handlungsstrategie gewählt",
        "Für den relevanten Handlungsbedarf „Wohnsituation“ ist noch keine Handlungsstrategie gewählt",
    ]


def test_uebergreifende_strategies_do_not_satisfy_a_relevant_bedarf(client, catalogue):
    profiling = complete(client.id, strategien={}, uebergreifend=["vermittlung_arbeit_ausbildung"])

    assert len(completeness_gaps(profiling, catalogue)) == 1


def test_strategies_of_a_bedarf_no_longer_relevant_are_kept_but_count_nowhere(store, client, ifk, catalogue):
    profiling = complete(client.id)
    profiling.strategien["wohnsituation"] = ["wohnsituation_stabilisieren"]  # Bedarf not relevant

    saved = save_profiling(store, profiling, actor=ifk)

    assert saved.strategien["wohnsituation"] == ["wohnsituation_stabilisieren"]
    assert "wohnsituation_stabilisieren" not in gewaehlte_strategien(saved, catalogue)
    assert completeness_gaps(saved, catalogue) == []


def test_profillage_alone_satisfies_the_einschaetzung_but_not_together_with_a_prognose(client, catalogue):
    assert completeness_gaps(complete(client.id, integrationsprognose=None, profillage="z"), catalogue) == []
    assert completeness_gaps(complete(client.id, integrationsprognose=None, profillage="i"), catalogue) == []
    assert completeness_gaps(complete(client.id, profillage="i"), catalogue) == [GAP_BEIDES]


def test_complete_profiling_has_no_gaps_and_every_checklist_item_done(client, catalogue):
    profiling = complete(client.id)

    assert completeness_gaps(profiling, catalogue) == []
    assert checklist(profiling, catalogue) == [
        ("Zielberuf angegeben", True),
        ("Handlungsstrategie für „Örtliche Mobilität“ gewählt", True),
        ("Integrationsprognose oder Profillage gewählt", True),
        ("Integrationsziel festgelegt", True),
        ("Einverständnis vermerkt (erteilt oder nicht erteilt)", True),
    ]


def test_checklist_shows_open_items_as_not_done(client, catalogue):
    profiling = complete(client.id, zielberuf="  ", strategien={})

    assert checklist(profiling, catalogue) == [
        ("Zielberuf angegeben", False),
        ("Handlungsstrategie für „Örtliche Mobilität“ gewählt", False),
        ("Integrationsprognose oder Profillage gewählt", True),
        ("Integrationsziel festgelegt", True),
        ("Einverständnis vermerkt (erteilt oder nicht erteilt)", True),
    ]


# --- close, read-only, catalogue version ------------------------------------------------------------------


def test_closing_an_incomplete_profiling_lists_what_is_missing(store, client, ifk, catalogue):
    saved = save_profiling(store, make_profiling(client.id, relevant=["wohnsituation"]), actor=ifk)

    with pytest.raises(Incomplete) as error:
        close_profiling(store, saved.id, revision=saved.revision, actor=ifk)

    assert error.value.missing == [
        GAP_ZIELBERUF,
        "Für den relevanten Handlungsbedarf „Wohnsituation“ ist noch keine Handlungsstrategie gewählt",
        GAP_EINSCHAETZUNG,
    ]
    assert "Zielberuf fehlt" in error.value.message
    assert store.get(Profiling, saved.id).status == Status.OFFEN


def test_complete_profiling_is_closed(store, client, ifk, catalogue):
    profiling = closed(store, client, ifk)

    assert profiling.status == Status.ABGESCHLOSSEN
    assert profiling.closed_by == ifk.username and profiling.closed_at is not None


def test_closed_profiling_refuses_save(store, client, ifk, catalogue):
    profiling = closed(store, client, ifk)

    with pytest.raises(RecordClosed):
        save_profiling(store, profiling.model_copy(update={"zielberuf": "Koch"}), actor=ifk)
    assert store.get(Profiling, profiling.id).zielberuf == "Fachlagerist/in"


def test_closing_twice_is_refused(store, client, ifk, catalogue):
    profiling = closed(store, client, ifk)

    with pytest.raises(LifecycleError):
        close_profiling(store, profiling.id, revision=profiling.revision, actor=ifk)


def test_closed_profiling_renders_with_its_own_catalogue_version(store, client, ifk, trainer, catalogue):
    profiling = closed(store, client, ifk)
    renamed = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace(
        "label: Mobilität erhöhen", "label: Mobilität erhöhen (ÖPNV, Führerschein)"
    )
    publish_catalogue(store, renamed, note="Mobilität präzisiert", actor=trainer)

    assert profiling_catalogue(store, profiling).label("mobilitaet_erhoehen") == "Mobilität erhöhen"
    assert get_catalogue(store).label("mobilitaet_erhoehen") == "Mobilität erhöhen (ÖPNV, Führerschein)"


# --- discard (only open) ----------------------------------------------------------------------------------


def test_open_profiling_is_discarded_as_a_whole(store, client, ifk, catalogue):
    saved = save_profiling(store, make_profiling(client.id), actor=ifk)

    discard_profiling(store, saved.id, revision=saved.revision, actor=ifk)

    with pytest.raises(NotFound):
        store.get(Profiling, saved.id)
    assert [entry.profiling_id for entry in profiling_history(store, client.id, actor=ifk)] == [None]


def test_closed_profiling_is_never_discarded(store, client, ifk, catalogue):
    profiling = closed(store, client, ifk)

    with pytest.raises(RecordClosed):
        discard_profiling(store, profiling.id, revision=profiling.revision, actor=ifk)
    assert store.get(Profiling, profiling.id).status == Status.ABGESCHLOSSEN


def test_profiling_with_an_egv_is_not_discarded(store, client, ifk, catalogue):
    saved = save_profiling(store, complete(client.id), actor=ifk)
    save_egv(store, draft_egv(store, saved.id, actor=ifk), actor=ifk)

    with pytest.raises(LifecycleError):
        discard_profiling(store, saved.id, revision=saved.revision, actor=ifk)


# --- clone (from open and closed) -------------------------------------------------------------------------


@pytest.mark.parametrize("source_closed", [False, True], ids=["from-open", "from-closed"])
def test_clone_makes_a_new_open_profiling_with_the_same_content(store, client, ifk, catalogue, source_closed):
    source = complete(client.id, einverstaendnis=True, einverstaendnis_datum=date(2026, 1, 5))
    source.handlungsbedarfe["oertliche_mobilitaet"].bemerkungen = "Kein Führerschein"
    source = save_profiling(store, source, actor=ifk)
    if source_closed:
        source = close_profiling(store, source.id, revision=source.revision, actor=ifk)

    clone = clone_profiling(store, source.id, actor=ifk)

    assert clone.id != source.id and clone.cloned_from == source.id
    assert clone.status == Status.OFFEN and clone.revision == 1 and clone.closed_at is None
    assert store.get(Profiling, clone.id) == clone
    for field in (
        "zielberuf",
        "kompetenzen",
        "integrationsprognose",
        "strategien",
        "uebergreifend",
        "integrationsziel",
    ):
        assert getattr(clone, field) == getattr(source, field), field
    assert clone.handlungsbedarfe["oertliche_mobilitaet"] == source.handlungsbedarfe["oertliche_mobilitaet"]
    assert not clone.einverstaendnis and clone.einverstaendnis_datum is None  # consent is obtained anew
    assert store.get(Profiling, source.id) == source  # the source is untouched


def test_clone_takes_the_newest_catalogue_and_leaves_out_retired_entries(
    store, client, ifk, trainer, catalogue
):
    source = save_profiling(
        store,
        complete(client.id, strategien={"oertliche_mobilitaet": ["mobilitaet_erhoehen"]}),
        actor=ifk,
    )
    # the retired strategy is replaced by a new one, so that the Handlungsbedarf still offers a strategy
    retired = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace(
        "- id: mobilitaet_erhoehen\n            label: Mobilität erhöhen",
        "- id: mobilitaet_erhoehen\n            label: Mobilität erhöhen\n            ausgesondert: true"
        "\n          - id: mobilitaet_foerdern\n            label: Mobilität fördern (Führerschein, ÖPNV)",
    )
    assert retired != SHIPPED_CATALOGUE.read_text(encoding="utf-8")
    publish_catalogue(store, retired, note="Mobilität ausgesondert", actor=trainer)

    clone = clone_profiling(store, source.id, actor=ifk)

    assert clone.catalogue_version == 2
    assert "oertliche_mobilitaet" not in clone.strategien
    assert clone.handlungsbedarfe["oertliche_mobilitaet"].relevant  # the Bedarf itself is still offered


# --- rule hints (seed 4.3) --------------------------------------------------------------------------------


def test_marktnah_without_vermittlung_gets_the_priority_hint(client, catalogue):
    profiling = complete(client.id, uebergreifend=[])

    hints = rule_hints(profiling, catalogue)

    assert hint_ids(profiling, catalogue) == {"vorrang_vermittlung"}
    assert "Vermittlung in Arbeit/ Ausbildung 1. AMA" in hints[0]


def test_priority_hint_disappears_when_vermittlung_is_chosen_or_the_client_is_marktfern(client, catalogue):
    assert hint_ids(complete(client.id), catalogue) == set()
    assert (
        hint_ids(complete(client.id, uebergreifend=[], integrationsprognose="marktfern"), catalogue) == set()
    )


def test_relevant_health_restriction_prompts_alternative_occupation_and_medical_service(client, catalogue):
    profiling = complete(client.id)
    profiling.handlungsbedarfe["gesundheitliche_einschraenkungen"] = BedarfEintrag(relevant=True)

    assert hint_ids(profiling, catalogue) == {"gesundheit_alternative"}
    text = rule_hints(profiling, catalogue)[0]
    assert "berufliche Alternative" in text and "ärztlichen bzw. psychologischen Dienst" in text


def test_leistungsfaehigkeit_feststellen_prompts_the_reha_referral_to_the_ba(client, catalogue):
    profiling = complete(client.id)
    profiling.handlungsbedarfe["gesundheitliche_einschraenkungen"] = BedarfEintrag(relevant=True)
    profiling.strategien["gesundheitliche_einschraenkungen"] = ["leistungsfaehigkeit_feststellen"]

    assert hint_ids(profiling, catalogue) == {"gesundheit_alternative", "reha_verweis"}
    assert any(text.startswith("Zu „Leistungsfähigkeit feststellen“: ") and "Reha-Trägerin" in text
               for text in rule_hints(profiling, catalogue))


def test_foerder_check_hint_names_the_strategies_it_concerns(client, catalogue):
    profiling = complete(client.id, strategien={"oertliche_mobilitaet": ["mobilitaet_erhoehen"],
                                                "berufliche_qualifikation": ["berufsabschluss_erwerben",
                                                                             "teilqualifikation_realisieren"]})
    profiling.handlungsbedarfe["berufliche_qualifikation"] = BedarfEintrag(relevant=True)

    (hint,) = [text for text in rule_hints(profiling, catalogue) if "Förderleistung" in text]

    assert hint.startswith("Zu „Berufliche (Teil-) Qualifikation realisieren“, „Berufsabschluss erwerben“: "
                           "Wird dafür eine Förderleistung eingesetzt")


def test_hints_ignore_strategies_of_a_bedarf_that_is_not_relevant(client, catalogue):
    profiling = complete(client.id)
    profiling.strategien["gesundheitliche_einschraenkungen"] = ["leistungsfaehigkeit_feststellen"]

    assert "reha_verweis" not in hint_ids(profiling, catalogue)


# --- Förder-Check (seed 4.3) -------------------------------------------------------------------------------


def test_planned_funding_needs_the_measure_and_the_three_checks_to_close(store, client, ifk, catalogue):
    profiling = save_profiling(store, complete(client.id, foerderung_geplant=True), actor=ifk)

    with pytest.raises(Incomplete) as error:
        close_profiling(store, profiling.id, revision=profiling.revision, actor=ifk)

    assert error.value.missing == [
        ("Förder-Check: Die geplante Maßnahme ist nicht benannt und nicht bestätigt: passgenau, "
        "erfolgswahrscheinlich, wirtschaftlich")
    ]
    profiling.foerder_check.massnahme = "Führerschein Klasse B"
    profiling.foerder_check.passgenau = profiling.foerder_check.wirtschaftlich = True
    assert completeness_gaps(profiling, catalogue) == [
        "Förder-Check für „Führerschein Klasse B“: nicht bestätigt: erfolgswahrscheinlich"]
    assert ("Förder-Check: Maßnahme benannt, passgenau – erfolgswahrscheinlich – wirtschaftlich", False) in \
        checklist(profiling, catalogue)

    profiling.foerder_check.erfolgswahrscheinlich = True
    profiling = save_profiling(store, profiling, actor=ifk)
    assert close_profiling(store, profiling.id, revision=profiling.revision, actor=ifk).status == Status.ABGESCHLOSSEN


def test_without_planned_funding_the_foerder_check_is_not_asked(client, catalogue):
    assert completeness_gaps(complete(client.id), catalogue) == []
    assert not any(label.startswith("Förder-Check") for label, _ in checklist(complete(client.id), catalogue))


# --- a retired Handlungsfeld (audit 5) ---------------------------------------------------------------------


def retire_motivation(store, trainer) -> None:
    retired = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace(
        "  - id: motivation\n    label: Motivation\n", "  - id: motivation\n    label: Motivation\n    ausgesondert: true\n")
    assert "ausgesondert: true" in retired
    publish_catalogue(store, retired, note="Motivation ausgesondert", actor=trainer)


def test_start_leaves_out_the_bedarfe_of_a_retired_handlungsfeld(store, client, ifk, trainer, catalogue):
    retire_motivation(store, trainer)

    profiling = start_profiling(store, client.id, actor=ifk)

    assert "eigeninitiative_arbeitshaltung" not in profiling.handlungsbedarfe
    assert "oertliche_mobilitaet" in profiling.handlungsbedarfe


def test_clone_drops_a_relevant_bedarf_and_its_strategy_of_a_retired_handlungsfeld(
    store, client, ifk, trainer, catalogue
):
    source = complete(client.id, strategien={"oertliche_mobilitaet": ["mobilitaet_erhoehen"],
                                             "eigeninitiative_arbeitshaltung": ["perspektiven_veraendern"]})
    source.handlungsbedarfe["eigeninitiative_arbeitshaltung"] = BedarfEintrag(relevant=True, bemerkungen="x")
    source = save_profiling(store, source, actor=ifk)
    retire_motivation(store, trainer)

    clone = clone_profiling(store, source.id, actor=ifk)

    assert clone.catalogue_version == 2
    assert "eigeninitiative_arbeitshaltung" not in clone.handlungsbedarfe
    assert "eigeninitiative_arbeitshaltung" not in clone.strategien
    assert clone.handlungsbedarfe["oertliche_mobilitaet"].relevant


# --- texts ------------------------------------------------------------------------------------------------


def test_basisprofil_joins_zielberuf_and_kompetenzen(client):
    profiling = make_profiling(client.id, zielberuf="Koch", kompetenzen=["HACCP", "Teamarbeit", "Englisch"])

    assert basisprofil(profiling) == "Zielberuf: Koch · Kompetenzen: HACCP, Teamarbeit, Englisch"
    assert basisprofil(make_profiling(client.id)) == "Zielberuf: — · Kompetenzen: —"


def test_beratungsvermerk_references_the_profiling_by_its_berlin_date(client):
    profiling = make_profiling(client.id, created_at=datetime(2026, 11, 23, 23, 30, tzinfo=UTC))

    assert beratungsvermerk(profiling) == "Standortbestimmung, siehe Profiling vom 24.11.2026"


# --- KDN override -----------------------------------------------------------------------------------------


def test_kdn_corrects_a_closed_profiling_with_a_reason_that_is_audited(store, client, ifk, kdn, catalogue):
    profiling = closed(store, client, ifk)

    corrected = correct_closed_profiling(
        store,
        profiling.model_copy(update={"zielberuf": "Lagerhelfer/in"}),
        reason="Datenschutzvorfall 12/26",
        actor=kdn,
    )

    assert corrected.zielberuf == "Lagerhelfer/in" and corrected.status == Status.ABGESCHLOSSEN
    entry = store.audit_entries(record_id=profiling.id)[-1]
    assert entry.reason == "Datenschutzvorfall 12/26" and entry.actor == kdn.username


def test_kdn_deletes_a_closed_profiling_only_with_a_reason(store, client, ifk, kdn, catalogue):
    profiling = closed(store, client, ifk)

    with pytest.raises(InvalidInput) as error:
        delete_closed_profiling(store, profiling.id, reason="  ", actor=kdn)
    assert error.value.field == "reason"

    delete_closed_profiling(store, profiling.id, reason="Datenschutzvorfall", actor=kdn)
    with pytest.raises(NotFound):
        store.get(Profiling, profiling.id)


def test_ifk_may_not_change_or_delete_a_closed_profiling(store, client, ifk, catalogue):
    profiling = closed(store, client, ifk)

    with pytest.raises(NotPermitted):
        correct_closed_profiling(store, profiling, reason="Versehen", actor=ifk)
    with pytest.raises(NotPermitted):
        delete_closed_profiling(store, profiling.id, reason="Versehen", actor=ifk)


# --- permissions and read audit ---------------------------------------------------------------------------


def test_opening_a_profiling_is_audited_as_read(store, client, ifk, catalogue):
    saved = save_profiling(store, make_profiling(client.id), actor=ifk)

    assert open_profiling(store, saved.id, actor=ifk) == saved
    open_profiling(store, saved.id, actor=ifk)  # a rerun of the page within minutes: one entry is enough

    reads = [e for e in store.audit_entries(record_id=saved.id) if e.action == "gelesen"]
    assert [(e.actor, e.record_kind, e.client_id) for e in reads] == [(ifk.username, "Profiling", client.id)]


def test_ifk_of_another_team_is_refused_every_profiling_use_case(
    store, client, ifk, ifk_other_team, catalogue
):
    saved = save_profiling(store, complete(client.id), actor=ifk)
    calls = [
        lambda: profiling_history(store, client.id, actor=ifk_other_team),
        lambda: start_profiling(store, client.id, actor=ifk_other_team),
        lambda: open_profiling(store, saved.id, actor=ifk_other_team),
        lambda: save_profiling(store, saved, actor=ifk_other_team),
        lambda: close_profiling(store, saved.id, revision=saved.revision, actor=ifk_other_team),
        lambda: clone_profiling(store, saved.id, actor=ifk_other_team),
        lambda: discard_profiling(store, saved.id, revision=saved.revision, actor=ifk_other_team),
    ]
    for call in calls:
        with pytest.raises(NotPermitted) as error:
            call()
        assert "anderen Team" in error.value.message
    assert store.get(Profiling, saved.id) == saved


@pytest.mark.parametrize("role_fixture", ["trainer", "fachaufsicht"])
def test_trainer_and_fachaufsicht_get_no_client_data(request, store, client, ifk, catalogue, role_fixture):
    actor = request.getfixturevalue(role_fixture)
    saved = save_profiling(store, complete(client.id), actor=ifk)

    for call in [
        lambda: profiling_history(store, client.id, actor=actor),
        lambda: open_profiling(store, saved.id, actor=actor),
        lambda: start_profiling(store, client.id, actor=actor),
        lambda: clone_profiling(store, saved.id, actor=actor),
        lambda: open_profiling(store, "gibtesnicht", actor=actor),  # no probing of ids either
    ]:
        with pytest.raises(NotPermitted):
            call()
