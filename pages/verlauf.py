"""Maßnahmen and Beschäftigungsaufnahmen of the selected client: record, end and follow up (support before and after the end)."""

from __future__ import annotations

import streamlit as st

from errors import DomainError
from pages import case_header as ch
from pages import case_state as cs
from pages import widgets as w
from pages.session import get_store, require_user, run_page
from schemas.catalogue import Catalogue, Gruppe
from schemas.records import Beschaeftigungsaufnahme, Client, Massnahme, User
from services.beschaeftigung import (
    list_beschaeftigungsaufnahmen,
    nachhalten_vorschlag,
    new_beschaeftigungsaufnahme,
    record_beschaeftigungsaufnahme,
    vorgeschlagene_strategien,
)
from services.catalogue import get_catalogue
from services.massnahmen import KALENDER, foerder_checks, list_massnahmen, new_massnahme, record_massnahme
from services.safety import markdown_literal
from storage.base import Store

#: The calendar the date inputs offer (the services refuse any date beyond it).
MIN_DATE, MAX_DATE = KALENDER
_NEW = "verlauf_new"  # client id → {"massnahme": Massnahme, "aufnahme": Beschaeftigungsaufnahme} being written


def render() -> None:
    user = require_user()
    store = get_store()
    w.begin_page()
    client = cs.require_client()
    st.title("Maßnahmen und Beschäftigung")
    st.markdown(ch.client_line(client))
    catalogue = get_catalogue(store)
    new = st.session_state.setdefault(_NEW, {}).setdefault(client.id, {})
    if "massnahme" not in new:
        new["massnahme"] = new_massnahme(store, client.id, actor=user)
    if "aufnahme" not in new:
        new["aufnahme"] = new_beschaeftigungsaufnahme(store, client.id, actor=user)
    _massnahmen(store, user, client, catalogue, new)
    _beschaeftigung(store, user, client, catalogue, new)


# --- Maßnahmen -----------------------------------------------------------------------------------------


def _massnahmen(store: Store, user: User, client: Client, catalogue: Catalogue, new: dict) -> None:
    _heading(catalogue.massnahmen, "Maßnahmen")
    for m in list_massnahmen(store, client.id, actor=user):
        ende = w.fmt_date(m.ende_tatsaechlich) if m.ende_tatsaechlich else f"geplant {w.fmt_date(m.ende_geplant)}"
        w.section(f"{markdown_literal(m.titel)} ({w.fmt_date(m.beginn)} – {ende})", f"offen-{m.id}",
                  lambda m=m: _massnahme_form(store, user, client, get_catalogue(store, m.catalogue_version), m))
    w.section("Neue Maßnahme erfassen", f"offen-{new['massnahme'].id}",
              lambda: _massnahme_form(store, user, client, catalogue, new["massnahme"]))


def _massnahme_form(store: Store, user: User, client: Client, catalogue: Catalogue, m: Massnahme) -> None:
    key = m.id
    titel = st.text_input("Maßnahme (Titel)", value=m.titel, key=f"{key}-titel", max_chars=300)
    w.field_slot("titel")
    traeger = st.text_input("Träger", value=m.traeger, key=f"{key}-traeger", max_chars=300)
    w.field_slot("traeger")
    cols = st.columns(3)
    beginn = cols[0].date_input("Beginn", value=m.beginn, min_value=MIN_DATE, max_value=MAX_DATE,
                                format="DD.MM.YYYY", key=f"{key}-beginn")
    ende_geplant = cols[1].date_input("Geplantes Ende", value=m.ende_geplant, min_value=MIN_DATE,
                                      max_value=MAX_DATE, format="DD.MM.YYYY", key=f"{key}-ende-geplant")
    ende_tatsaechlich = None
    ergebnis = None
    if m.revision:
        ende_tatsaechlich = cols[2].date_input("Tatsächliches Ende", value=m.ende_tatsaechlich, min_value=MIN_DATE,
                                               max_value=w.today(), format="DD.MM.YYYY", key=f"{key}-ende")
        ergebnisse = {e.id: e.label for e in catalogue.massnahmen.ergebnisse} if catalogue.massnahmen else {}
        ergebnis = st.selectbox("Ergebnis", [None, *ergebnisse], index=[None, *ergebnisse].index(m.ergebnis)
                                if m.ergebnis in ergebnisse else 0,
                                format_func=lambda e: "— noch offen —" if e is None else ergebnisse[e],
                                key=f"{key}-ergebnis")
    w.field_slot("ende_geplant", "ende_tatsaechlich", "ergebnis")
    strategien = list(catalogue.strategien())
    strategie = st.selectbox("Dient der Handlungsstrategie", [None, *strategien],
                             index=[None, *strategien].index(m.strategie_id) if m.strategie_id in strategien else 0,
                             format_func=lambda s: "—" if s is None else catalogue.label(s), key=f"{key}-strategie")
    w.field_slot("strategie_id")
    gefoerdert = st.checkbox("Geförderte Maßnahme (Förder-Check)", value=m.gefoerdert, key=f"{key}-gefoerdert")
    foerder_id = None
    if gefoerdert:
        checks = {p.id: p for p in foerder_checks(store, client.id, actor=user)}
        if not checks:
            st.info("Kein Profiling dieser Kundin / dieses Kunden hat einen bestätigten Förder-Check.")
        foerder_id = st.selectbox(
            "Förder-Check aus dem Profiling", list(checks),
            index=list(checks).index(m.foerder_profiling_id) if m.foerder_profiling_id in checks else 0,
            format_func=lambda p: f"{checks[p].foerder_check.massnahme} (Profiling vom "
                                  f"{w.fmt_datetime(checks[p].created_at)})", key=f"{key}-foerder")
    w.field_slot("foerder_profiling_id")
    if st.button("Maßnahme speichern", key=f"{key}-save", icon=":material/save:"):
        changed = m.model_copy(update={
            "titel": titel, "traeger": traeger, "beginn": beginn, "ende_geplant": ende_geplant,
            "ende_tatsaechlich": ende_tatsaechlich, "ergebnis": ergebnis, "strategie_id": strategie,
            "gefoerdert": gefoerdert, "foerder_profiling_id": foerder_id})
        _save(lambda: record_massnahme(store, changed, actor=user), m.id, client,
              "massnahme" if m.revision == 0 else None,
              f"Maßnahme „{changed.titel.strip()}“ gespeichert.")


# --- Beschäftigungsaufnahme ------------------------------------------------------------------------------


def _beschaeftigung(store: Store, user: User, client: Client, catalogue: Catalogue, new: dict) -> None:
    _heading(catalogue.beschaeftigungsaufnahme, "Beschäftigung")
    for b in list_beschaeftigungsaufnahmen(store, client.id, actor=user):
        art = "Ausbildung" if b.ausbildung else "Arbeit"
        leistungen = "benötigt weiter Leistungen" if b.leistungen_weiter else "keine Leistungen mehr nötig"
        shown = get_catalogue(store, b.catalogue_version)
        st.markdown(f"**{w.fmt_date(b.datum)}** – {art} bei {markdown_literal(b.arbeitgeber)}, "
                    f"{b.wochenstunden} Std./Woche, {leistungen}; nachhalten am {w.fmt_date(b.nachhalten_am)}")
        if b.strategien:
            st.caption("Strategien: " + ", ".join(shown.label(s) for s in b.strategien))
    w.section("Arbeits- oder Ausbildungsaufnahme erfassen", f"offen-{new['aufnahme'].id}",
              lambda: _aufnahme_form(store, user, client, get_catalogue(store, new["aufnahme"].catalogue_version),
                                     new["aufnahme"]))


def _aufnahme_form(store: Store, user: User, client: Client, catalogue: Catalogue,
                   b: Beschaeftigungsaufnahme) -> None:
    key = b.id
    datum = st.date_input("Beginn der Beschäftigung", value=b.datum, min_value=MIN_DATE, max_value=MAX_DATE,
                          format="DD.MM.YYYY", key=f"{key}-datum")
    arbeitgeber = st.text_input("Arbeitgeber bzw. Ausbildungsstelle", value=b.arbeitgeber, key=f"{key}-arbeitgeber",
                                max_chars=300)
    w.field_slot("arbeitgeber")
    ausbildung = st.checkbox("Ausbildung (statt Arbeit)", value=b.ausbildung, key=f"{key}-ausbildung")
    stunden = st.number_input("Wochenstunden", min_value=0, max_value=60, value=b.wochenstunden, step=1,
                              key=f"{key}-stunden")
    w.field_slot("wochenstunden")
    weiter = st.checkbox("Benötigt weiter Leistungen (ergänzend hilfebedürftig)", value=b.leistungen_weiter,
                         key=f"{key}-weiter")
    offered = [s.id for s in catalogue.uebergreifend.handlungsstrategien if not s.ausgesondert]
    # The suggestion follows the answer on benefits (a new key per answer, so the widget takes the new default).
    vorschlag_strategien = vorgeschlagene_strategien(catalogue, leistungen_weiter=weiter)
    strategien = st.multiselect("Vorgeschlagene übergreifende Strategien", offered,
                                default=vorschlag_strategien, format_func=catalogue.label,
                                key=f"{key}-strategien-{'leistungen' if weiter else 'ohne'}")
    w.field_slot("strategien")
    vorschlag = nachhalten_vorschlag(catalogue, b.model_copy(update={"datum": datum}))
    nachhalten = st.date_input("Nachhalten am (Wiedervorlage)", value=vorschlag, min_value=MIN_DATE,
                               max_value=MAX_DATE, format="DD.MM.YYYY", key=f"{key}-nachhalten-{datum.isoformat()}")
    w.field_slot("nachhalten_am")
    if st.button("Beschäftigungsaufnahme speichern", key=f"{key}-save", icon=":material/save:"):
        changed = b.model_copy(update={"datum": datum, "arbeitgeber": arbeitgeber, "ausbildung": ausbildung,
                                       "wochenstunden": int(stunden), "leistungen_weiter": weiter,
                                       "strategien": strategien, "nachhalten_am": nachhalten})
        _save(lambda: record_beschaeftigungsaufnahme(store, changed, actor=user), b.id, client, "aufnahme",
              f"Beschäftigungsaufnahme vom {w.fmt_date(datum)} gespeichert; nachhalten am {w.fmt_date(nachhalten)}.")


def _heading(gruppe: Gruppe | None, fallback: str) -> None:
    """The section's heading and remark from the catalogue (a version without the group: the fallback)."""
    st.header(gruppe.label if gruppe else fallback)
    if gruppe and gruppe.bemerkung:
        st.caption(gruppe.bemerkung)


def _save(action, record_id: str, client: Client, slot: str | None, message: str) -> None:
    """Run the save; on success start a fresh form for a new record (`slot`) and show the message."""
    try:
        action()
    except DomainError as err:
        w.report(err)
        return
    w.clear_field_error()
    cs.reset_inputs(record_id)
    if slot is not None:
        st.session_state[_NEW][client.id].pop(slot, None)
    w.flash(message)
    st.rerun()


run_page(render)
