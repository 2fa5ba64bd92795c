"""Phase 3 – Strategien auswählen: strategies per relevant Handlungsbedarf, Übergreifend, Förder-Check, hints."""

from __future__ import annotations

import streamlit as st

from pages import case_header as ch
from pages import case_state as cs
from pages import lifecycle as lc
from pages import widgets as w
from pages.forms import model_input
from pages.session import run_page
from schemas.forms import (
    FoerderCheckEingabe,
    strategien_input,
    strategien_model,
    strategien_output,
    uebergreifend_input,
    uebergreifend_output,
)
from schemas.records import FoerderCheck, Profiling
from services.profiling import gewaehlte_strategien, neuorientierung_noetig, relevante_bedarfe, rule_hints
from services.safety import markdown_literal

FOERDERUNG_LABEL = "Förderleistung geplant (Förder-Check ausfüllen)"


def render() -> None:
    user, store, _, draft, catalogue, models = ch.open_phase_page("3 Strategien auswählen")

    hints = st.container()
    form, panel = ch.form_and_panel()
    with form:
        if cs.is_closed(draft):
            _read_only(draft, catalogue)
        else:
            _edit(draft, catalogue, models)
    with hints:
        for text in rule_hints(draft, catalogue):
            st.warning(markdown_literal(text), icon=":material/info:")
    with panel:
        lc.checklist_panel(store, user, draft, catalogue)
    kurzname = markdown_literal(catalogue.vereinbarung.kurzname)
    ch.next_step(f"{kurzname} aus den gewählten Strategien erstellen.", w.PAGE_EGV, f"4 {kurzname} erstellen",
                ":material/description:", draft=draft, catalogue=catalogue)


def _edit(draft: Profiling, catalogue, models) -> None:
    relevant = set(relevante_bedarfe(draft, catalogue))
    st.subheader("Handlungsstrategien je relevantem Handlungsbedarf")
    if not relevant:
        st.info("Im Profiling ist kein Handlungsbedarf als relevant markiert. Übergreifende Strategien können "
                "Sie trotzdem wählen.")
        w.page_link(w.PAGE_PROFILING, label="Handlungsbedarfe im Profiling prüfen", icon=":material/edit_note:")
    for feld in catalogue.handlungsfelder:
        # a profiling-only Handlungsfeld (or a Bedarf without strategies) offers nothing to choose here
        bedarfe = [b for b in feld.handlungsbedarfe if b.id in relevant and models.strategie_enums[b.id].__members__]
        if not bedarfe:
            continue
        st.markdown(f"**{markdown_literal(feld.label)}**")
        for bedarf in bedarfe:
            # One model per Handlungsbedarf: its widget keys stay the same when other Bedarfe change.
            model = strategien_model(models, catalogue, [bedarf.id])
            value = model_input(cs.form_key(draft, f"strategien-{bedarf.id}"),
                                strategien_input(model, models, draft.strategien))
            draft.strategien.update({k: v for k, v in strategien_output(value).items() if v or k in draft.strategien})
            notes = draft.handlungsbedarfe[bedarf.id].bemerkungen.strip()
            if notes:
                st.caption(f"Bemerkungen: {markdown_literal(notes)}")
    w.field_slot("strategien")

    st.subheader(markdown_literal(catalogue.uebergreifend.label))
    st.caption(markdown_literal(catalogue.uebergreifend.bemerkung))
    value = model_input(cs.form_key(draft, "uebergreifend"), uebergreifend_input(models, draft.uebergreifend))
    draft.uebergreifend = uebergreifend_output(value)
    w.field_slot("uebergreifend")

    st.subheader("Förder-Check")
    draft.foerderung_geplant = st.checkbox(FOERDERUNG_LABEL, value=draft.foerderung_geplant,
                                           key=cs.form_key(draft, "foerderung"))
    if draft.foerderung_geplant:
        st.caption("Jede Förderleistung muss passgenau, erfolgswahrscheinlich und wirtschaftlich sein.")
        value = model_input(cs.form_key(draft, "foerdercheck"), FoerderCheckEingabe(**draft.foerder_check.model_dump()))
        if FoerderCheck(**value.model_dump()) != draft.foerder_check:
            draft.foerder_check = FoerderCheck(**value.model_dump())
        w.field_slot("foerder_check")
    _neuorientierung(draft, catalogue)


def _neuorientierung(draft: Profiling, catalogue) -> None:
    """Alternativberuf and ärztlicher/psychologischer Dienst when a flagged Bedarf is relevant; Reha referral."""
    neu = draft.neuorientierung

    def key(part: str) -> str:
        return cs.form_key(draft, f"neu-{part}")

    if bedarfe := neuorientierung_noetig(draft, catalogue):
        st.subheader("Berufliche Alternative")
        st.caption("Relevant: " + ", ".join(f"„{b}“" for b in bedarfe) + ". Schließt dies den erlernten oder "
                   "zuletzt ausgeübten Beruf aus, wird eine berufliche Alternative erarbeitet.")
        neu.alternativberuf = st.text_input("Alternativberuf", value=neu.alternativberuf, key=key("alternativberuf"),
                                            max_chars=200)
        w.field_slot("neuorientierung.alternativberuf")
        neu.dienst_eingeschaltet = st.checkbox("Ärztlichen/psychologischen Dienst eingeschaltet",
                                               value=neu.dienst_eingeschaltet, key=key("dienst"))
        if neu.dienst_eingeschaltet:
            neu.dienst_nicht_erforderlich = False
            neu.dienst_datum = st.date_input("Eingeschaltet am", value=neu.dienst_datum or w.today(),
                                             max_value=w.today(), format="DD.MM.YYYY", key=key("dienst-datum"))
        else:
            neu.dienst_datum = None
            neu.dienst_nicht_erforderlich = st.checkbox("Ärztlicher/psychologischer Dienst nicht erforderlich",
                                                        value=neu.dienst_nicht_erforderlich, key=key("nicht-noetig"))
            if neu.dienst_nicht_erforderlich:
                neu.dienst_begruendung = st.text_input("Begründung", value=neu.dienst_begruendung,
                                                       key=key("begruendung"), max_chars=5000)
        w.field_slot("neuorientierung.dienst", "neuorientierung.dienst_datum")
    neu.reha_anhaltspunkte = st.checkbox("Anhaltspunkte für Leistungen zur Teilhabe am Arbeitsleben (Reha)",
                                         value=neu.reha_anhaltspunkte, key=key("reha"))
    if neu.reha_anhaltspunkte:
        neu.reha_verweis_datum = st.date_input("An die BA als Reha-Trägerin verwiesen am",
                                               value=neu.reha_verweis_datum, max_value=w.today(),
                                               format="DD.MM.YYYY", key=key("reha-datum"))
    else:
        neu.reha_verweis_datum = None
    w.field_slot("neuorientierung.reha_verweis_datum")


def _read_only(draft: Profiling, catalogue) -> None:
    st.info("Abgeschlossen – nur zur Information.")
    chosen = gewaehlte_strategien(draft, catalogue)
    st.markdown("**Gewählte Handlungsstrategien:**")
    for strategie_id in chosen:
        st.markdown(f"- {markdown_literal(catalogue.label(strategie_id))}")
    if not chosen:
        st.markdown("—")
    if draft.foerderung_geplant:
        check = draft.foerder_check
        marks = " – ".join(f"{name} {w.DONE if ok else w.NOT_DONE}" for name, ok in (
            ("passgenau", check.passgenau), ("erfolgswahrscheinlich", check.erfolgswahrscheinlich),
            ("wirtschaftlich", check.wirtschaftlich)))
        st.markdown(f"**Förder-Check:** {markdown_literal(check.massnahme) or '—'}: {marks}")
        if check.begruendung.strip():
            st.caption(markdown_literal(check.begruendung))
    neu = draft.neuorientierung
    if neu.alternativberuf or neu.dienst_eingeschaltet or neu.dienst_nicht_erforderlich:
        dienst = (f"eingeschaltet am {w.fmt_date(neu.dienst_datum)}" if neu.dienst_eingeschaltet else
                  f"nicht erforderlich – {markdown_literal(neu.dienst_begruendung)}" if neu.dienst_nicht_erforderlich
                  else "—")
        st.markdown(f"**Alternativberuf:** {markdown_literal(neu.alternativberuf) or '—'} · "
                    f"**Ärztlicher/psychologischer Dienst:** {dienst}")
    if neu.reha_anhaltspunkte:
        st.markdown(f"**Reha:** an die BA verwiesen am {w.fmt_date(neu.reha_verweis_datum)}")


run_page(render)
