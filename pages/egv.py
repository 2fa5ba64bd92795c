"""Phase 4 – the agreement (EGV or Kooperationsplan, as the catalogue says): prefilled from the profiling, edited,
agreed, continued (Fortschreibung)."""

from __future__ import annotations

import streamlit as st

from errors import DomainError, LifecycleError
from pages import case_header as ch
from pages import case_state as cs
from pages import downloads
from pages import widgets as w
from pages.draft import SessionDraft
from pages.session import get_store, require_user, run_page
from schemas.catalogue import Catalogue
from schemas.records import Egv, Profiling, Status, User
from services.catalogue import get_catalogue
from services.closing import save_and_close_egv
from services.egv import (
    TEXT_FIELDS,
    draft_egv,
    egv_gaps,
    egv_label,
    egv_versions,
    follow_profiling,
    fortschreiben_egv,
    save_egv,
    ziel_abweichung,
)
from services.safety import markdown_literal
from storage.base import Store


def render() -> None:
    user = require_user()
    store = get_store()
    w.begin_page()
    client = cs.require_client()
    draft = cs.require_draft(client)
    vereinbarung = get_catalogue(store, draft.catalogue_version).vereinbarung
    ch.case_header(f"4 {markdown_literal(vereinbarung.kurzname)}", client, None)
    st.caption(f"{markdown_literal(vereinbarung.titel)} nach {markdown_literal(vereinbarung.rechtsgrundlage)} – vorbelegt aus dem Profiling vom "
               f"{w.fmt_datetime(draft.created_at)}.")
    if cs.is_new(draft):
        st.info("Bitte speichern Sie zuerst das Profiling; die Vereinbarung wird daraus vorbelegt.")
        w.page_link(w.PAGE_PROFILING, label="Zum Profiling", icon=":material/edit_note:")
        return

    versions = egv_versions(store, client.id, actor=user)
    egv = _current(store, user, draft, versions)
    egv, profiling = follow_profiling(store, egv, actor=user)
    if egv.status == Status.OFFEN:
        EGVS.put(egv)  # the profiling's strategies taken over (unsaved until the next save)
    catalogue = get_catalogue(store, egv.catalogue_version)
    _status_line(egv)

    form, panel = ch.form_and_panel()
    with form:
        if egv.status == Status.ABGESCHLOSSEN:
            _read_only(egv, catalogue)
        else:
            if draft.id == egv.profiling_id and cs.has_changes(draft):
                st.info("Das Profiling hat ungespeicherte Änderungen. Die Vereinbarung übernimmt die Strategien "
                        "aus dem gespeicherten Profiling – bitte speichern Sie zuerst das Profiling.")
            _edit(egv, catalogue, profiling)
        downloads.egv_download(store, user, client, egv, markdown_literal(catalogue.vereinbarung.kurzname))
    with panel:
        _panel(store, user, egv, versions, catalogue, profiling)
    _older_versions(store, egv, versions)
    ch.next_step("Umsetzung in Folgegesprächen nachhalten.", w.PAGE_FOLGE, "Folgegespräch führen", ":material/forum:")


# --- state -------------------------------------------------------------------------------------

#: The agreements being edited (EGV id → draft, and the stored Fassung each started from).
EGVS: SessionDraft[Egv] = SessionDraft("egv_drafts", "egv_saved", "egv_id")


def _current(store: Store, user: User, profiling: Profiling, versions: list[Egv]) -> Egv:
    """The EGV of this profiling being edited: kept draft, else its open Fassung or a new prefilled one;
    if its newest Fassung is agreed, that one (read-only, ready for the Fortschreibung)."""
    current = EGVS.current()
    if current is not None and current.profiling_id == profiling.id:
        return current
    # a kept new draft of this profiling: nothing typed is lost
    kept = EGVS.find(lambda e: e.profiling_id == profiling.id and e.revision == 0)
    if kept is not None:
        return kept
    try:
        egv = draft_egv(store, profiling.id, actor=user)
    except LifecycleError:
        egv = next(e for e in versions if e.profiling_id == profiling.id)
    # A stored Fassung is kept as stored, so that strategies taken over from the profiling show as unsaved.
    return EGVS.keep(next((v for v in versions if v.id == egv.id), egv))


# --- rendering ---------------------------------------------------------------------------------


def _status_line(egv: Egv) -> None:
    cols = st.columns([4, 2, 3], vertical_alignment="center")
    if egv.revision == 0:
        cols[0].markdown(f"**Fassung {egv.fassung}** – neu, noch nicht gespeichert")
    else:
        cols[0].markdown(f"**Fassung {egv.fassung}** vom {w.fmt_datetime(egv.created_at)}, "
                         f"bearbeitet {w.fmt_datetime(egv.updated_at)}")
    ch.status_badge(egv.status, container=cols[1])
    ch.changes_slot(cols[2])


def _strategies(egv: Egv, catalogue: Catalogue) -> str:
    return "\n".join(f"- {markdown_literal(catalogue.label(s))}" for s in egv.strategien)


def _edit(egv: Egv, catalogue: Catalogue, profiling: Profiling | None) -> None:
    """Exactly the sections the catalogue offers, in its order; each shows the EGV field it names."""
    abschnitte = catalogue.vereinbarung.angeboten()
    if egv.strategien and all(a.feld != "handlungsstrategien" for a in abschnitte):
        st.caption("Grundlage aus dem Profiling – Handlungsstrategien: "
                   + markdown_literal("; ".join(catalogue.label(s) for s in egv.strategien)))
    for abschnitt in abschnitte:
        feld = abschnitt.feld
        if feld == "handlungsstrategien":
            st.markdown(f"**{markdown_literal(abschnitt.label)}**")
            if egv.strategien:
                st.markdown(_strategies(egv, catalogue))
                st.caption("Aus dem gespeicherten Profiling übernommen; ändern Sie sie in Phase 3.")
            else:
                st.warning("Im Profiling ist noch keine Handlungsstrategie gewählt.")
            w.field_slot("strategien")
        elif feld in TEXT_FIELDS:
            key = f"{egv.id}-{feld}"
            value = st.text_area(markdown_literal(abschnitt.label), value=getattr(egv, feld), key=key,
                                 height=160 if feld == "teilschritte" else 100, max_chars=10000)
            setattr(egv, feld, value)
            w.field_slot(feld)
            if feld == "integrationsziel" and (ziel := ziel_abweichung(egv, profiling)) is not None:
                _offer_ziel(ziel, key)
    egv.ueberpruefung_am = st.date_input("Überprüfung am", value=egv.ueberpruefung_am, min_value=None,
                                         format="DD.MM.YYYY", key=f"{egv.id}-ueberpruefung")
    w.field_slot("ueberpruefung_am")


def _offer_ziel(ziel: str, key: str) -> None:
    """The profiling's Integrationsziel differs: show it and take it over with one click."""

    def take_over() -> None:
        st.session_state[key] = ziel  # set before the text area is drawn, so the browser shows it too

    cols = st.columns([4, 2], vertical_alignment="center")
    cols[0].info(f"Im Profiling steht ein anderes Integrationsziel: „{markdown_literal(ziel)}“")
    cols[1].button("Aus dem Profiling übernehmen", key=f"{key}-uebernehmen", icon=":material/sync:",
                   on_click=take_over)


def _read_only(egv: Egv, catalogue: Catalogue) -> None:
    st.info(f"Fassung {egv.fassung} ist abgeschlossen (vereinbart am {w.fmt_datetime(egv.closed_at)}) – "
            "nur lesbar. Änderungen als Fortschreibung.")
    _show(egv, catalogue)


def _show(egv: Egv, catalogue: Catalogue) -> None:
    for abschnitt in catalogue.vereinbarung.angeboten():
        st.markdown(f"**{markdown_literal(abschnitt.label)}**")
        if abschnitt.feld == "handlungsstrategien":
            st.markdown(_strategies(egv, catalogue) or "—")
        elif abschnitt.feld in TEXT_FIELDS:
            st.text(getattr(egv, abschnitt.feld) or "—")
    st.markdown(f"**Überprüfung am:** {w.fmt_date(egv.ueberpruefung_am)}")


def _panel(store: Store, user: User, egv: Egv, versions: list[Egv], catalogue: Catalogue,
           profiling: Profiling | None) -> None:
    kurzname = markdown_literal(catalogue.vereinbarung.kurzname)
    ch.mark_changes(egv.status == Status.OFFEN and EGVS.has_changes(egv))
    if egv.status == Status.ABGESCHLOSSEN:
        newest = not any(v.previous_id == egv.id for v in versions)
        if newest and st.button("Fortschreibung anlegen", key="egv-fortschreiben", type="primary",
                                icon=":material/history_edu:", use_container_width=True,
                                help="Neue Fassung mit diesem Inhalt; diese Fassung bleibt lesbar."):
            try:
                new = fortschreiben_egv(store, egv.id, actor=user)
            except DomainError as err:
                w.report(err)
                return
            EGVS.keep(new)
            w.flash(f"Fassung {new.fassung} angelegt (offen). Die bisherige Fassung bleibt lesbar.")
            st.rerun()
        return
    st.markdown("**Checkliste zum Abschließen**")
    gaps = egv_gaps(egv, catalogue, profiling)
    for text in gaps:
        st.markdown(f"{w.TODO} {markdown_literal(text)}")
    if not gaps:
        st.markdown(f"{w.DONE} Alles Nötige ist eingetragen")
    if st.button(f"{kurzname} speichern", key="egv-save", type="primary", icon=":material/save:",
                 use_container_width=True):
        _save(store, user, egv, kurzname, close=False)
    if st.button(f"{kurzname} abschließen (vereinbart)", key="egv-close", icon=":material/lock:",
                 use_container_width=True,
                 help="Die Vereinbarung ist besprochen (und, wo vorgesehen, unterschrieben); danach nur noch lesbar."):
        _save(store, user, egv, kurzname, close=True)


def _save(store: Store, user: User, egv: Egv, kurzname: str, *, close: bool) -> None:
    try:
        if close:
            closing = save_and_close_egv(store, egv, actor=user)
            if closing.refusal is not None:  # saved (if changed) and still open
                EGVS.keep(closing.record)
                w.report(closing.refusal)
                return
            saved = closing.record
        else:
            saved = save_egv(store, egv, actor=user) if egv.revision == 0 or EGVS.has_changes(egv) else egv
    except DomainError as err:
        w.report(err)
        return
    w.clear_field_error()
    cs.reset_inputs(saved.id)
    EGVS.keep(saved)
    w.flash(f"{kurzname} abgeschlossen (vereinbart)." if close else f"{kurzname} gespeichert – Status „offen“.")
    st.rerun()


def _older_versions(store: Store, egv: Egv, versions: list[Egv]) -> None:
    others = [v for v in versions if v.id != egv.id]
    if not others:
        return
    w.section(f"Weitere Fassungen ({len(others)})", "egv-fassungen-offen", lambda: _older_version(store, others))


def _older_version(store: Store, others: list[Egv]) -> None:
    choice = st.selectbox("Fassung", range(len(others)), format_func=lambda i: egv_label(others[i]), key="egv-older")
    chosen = others[choice]
    _show(chosen, get_catalogue(store, chosen.catalogue_version))


run_page(render)
