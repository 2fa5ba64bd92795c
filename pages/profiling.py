"""Phase 1 – Profiling: Basisprofil (Zielberuf + Kompetenzen), the four Handlungsfelder, Prognose / Profillage."""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError

from pages import case_header as ch
from pages import case_state as cs
from pages import downloads
from pages import lifecycle as lc
from pages import widgets as w
from pages.forms import held_input, held_widgets, model_input
from pages.session import get_store, require_user, run_page
from schemas.forms import (
    basisprofil_input,
    basisprofil_output,
    bedarf_forms,
    einschaetzung_input,
    einschaetzung_output,
)
from schemas.records import BedarfEintrag, Profiling
from services.profiling import basisprofil, kompetenzen_nach_klassen
from services.safety import markdown_literal
from storage.base import Store


def render() -> None:
    user = require_user()
    store = get_store()
    w.begin_page(lc.ACTIONS)
    client = cs.require_client()
    draft = cs.draft_for(store, user, client)
    save_refused = None
    if lc.save_requested() and not cs.is_closed(draft) and _take_all_input(store, draft):
        save_refused = lc.save_first(store, user, draft)  # on success the page runs again, with the saved state
    ch.case_header("1 Profiling", client, draft)
    draft = ch.history_select(store, user, client, draft)
    catalogue, models = cs.catalogue_of(store, draft)

    form, panel = ch.form_and_panel()
    open_feld = None
    with form:
        if cs.is_closed(draft):
            _read_only(draft, catalogue)
            w.section("Änderungen an diesem Profiling", "profiling-verlauf-offen",
                      lambda: ch.change_history(store, draft.id, user))
        else:
            open_feld = _edit(draft, catalogue, models)
        downloads.profiling_print_download(store, user, client, draft)
    with panel:
        lc.checklist_panel(store, user, draft, catalogue, save_refused=save_refused)
    _open_refused_tab(catalogue, open_feld)
    ch.next_step("Integrationsziel mit der Kundin / dem Kunden festlegen.", w.PAGE_ZIEL, "2 Ziel festlegen",
                ":material/flag:", draft=draft, catalogue=catalogue)


def _edit(draft: Profiling, catalogue, models) -> str | None:
    """The profiling's inputs; returns the id of the Handlungsfeld whose tab is open."""
    st.subheader("Basisprofil (Stärken)")
    basis = model_input(
        cs.form_key(draft, "basisprofil"),
        basisprofil_input(models.basisprofil, draft.zielberuf, draft.kompetenzen, draft.kompetenzklassen),
    )
    w.field_slot("zielberuf", "kompetenzen")
    _take_basisprofil(draft, catalogue, basis)
    st.caption(markdown_literal(basisprofil(draft, catalogue)))

    st.subheader("Handlungsbedarfe (Schwächen)")
    felder = _felder(catalogue, models)
    refused = _take_held_input(draft, models, felder)
    counts = _relevant_counts(draft, models, felder)
    labels = {feld.id: f"{markdown_literal(feld.label)} ({counts[feld.id]})" for feld in felder}
    st.caption("Nur markieren, was einer nachhaltigen Integration in den Zielberuf im Weg steht; "
               "in den Bemerkungen die Standortbestimmung dokumentieren.  \n"
               "In Klammern: wie viele Handlungsbedarfe des Handlungsfelds als relevant markiert sind.")
    active = st.session_state.setdefault(_ACTIVE_TAB, {})
    if (opened := refused or st.session_state.pop(_SHOW_TAB, None)) in labels:
        active[draft.id] = opened
        st.session_state[_TABS] = labels[opened]  # open the tab with the refused value: its message is shown there
    tabs = st.tabs(list(labels.values()), key=_TABS, default=labels.get(active.get(draft.id)),
                   on_change=_remember_tab, args=(draft.id, {label: fid for fid, label in labels.items()}))
    open_feld = next((feld.id for tab, feld in zip(tabs, felder) if tab.open), None)
    if open_feld is not None:  # only the open tab is drawn (a click on a tab reruns): the other tabs' inputs
        with tabs[[feld.id for feld in felder].index(open_feld)]:  # are in the draft (`_take_held_input`)
            _bedarfe(draft, models, open_feld)
    if _relevant_counts(draft, models, felder) != counts:
        st.rerun()  # the tab labels count what is marked relevant: show the new counts (the tab stays open)
    shown = {form.id for form in bedarf_forms(models.handlungsfelder[open_feld])} if open_feld else set()
    w.field_slot("handlungsbedarfe", *(f"handlungsbedarfe.{bid}" for bid in draft.handlungsbedarfe
                                       if bid not in shown))

    if models.einschaetzung.model_fields:  # the catalogue may have neither Integrationsprognose nor Profillagen
        st.subheader("Einschätzung")
        value = model_input(
            cs.form_key(draft, "einschaetzung"),
            einschaetzung_input(models, draft.integrationsprognose, draft.profillage),
        )
        draft.integrationsprognose, draft.profillage = einschaetzung_output(value)
        w.field_slot("integrationsprognose", "profillage")
    return open_feld


def _felder(catalogue, models) -> list:
    """The catalogue's Handlungsfelder that have a generated form, in catalogue order."""
    return [feld for feld in catalogue.handlungsfelder if feld.id in models.handlungsfelder]


def _take_basisprofil(draft: Profiling, catalogue, value) -> None:
    zielberuf, kompetenzen, klassen = basisprofil_output(value)
    draft.zielberuf = zielberuf
    if catalogue.kompetenzklassen:
        if draft.kompetenzklassen != klassen:
            draft.kompetenzklassen = klassen
    else:
        draft.kompetenzen = kompetenzen


def _take_all_input(store: Store, draft: Profiling) -> bool:
    """Put what every input of the page holds in the session into the draft, as drawing the page does (before a
    save made ahead of drawing: `lc.save_first`). False when a value is refused: the page is then drawn and its
    own save shows the message at the field."""
    catalogue, models = cs.catalogue_of(store, draft)
    held = held_widgets()
    basis = basisprofil_input(models.basisprofil, draft.zielberuf, draft.kompetenzen, draft.kompetenzklassen)
    einschaetzung = einschaetzung_input(models, draft.integrationsprognose, draft.profillage)
    try:
        basis = held_input(cs.form_key(draft, "basisprofil"), type(basis), held_in=held, **dict(basis))
        einschaetzung = held_input(cs.form_key(draft, "einschaetzung"), type(einschaetzung), held_in=held,
                                   **dict(einschaetzung))
    except ValidationError:
        return False
    if _take_held_input(draft, models, _felder(catalogue, models)) is not None:
        return False
    if basis is not None:
        _take_basisprofil(draft, catalogue, basis)
    if einschaetzung is not None and models.einschaetzung.model_fields:
        draft.integrationsprognose, draft.profillage = einschaetzung_output(einschaetzung)
    return True


_ACTIVE_TAB = "profiling_tab"  # profiling id → id of the Handlungsfeld whose tab is open
_TABS = "handlungsfelder"  # key of the Handlungsfeld tabs: the label of the open tab
_SHOW_TAB = "profiling_show_tab"  # id of the Handlungsfeld whose tab the next run opens (a refused save)


_NOTHING = BedarfEintrag()  # a Handlungsbedarf with no entry yet (read only)


def _take_held_input(draft: Profiling, models, felder) -> str | None:
    """Put what the Handlungsbedarf widgets hold in the session into the draft, for every tab: an input that
    reached the server with the click on another tab (the browser sends a text area's value when it loses the
    focus) is kept although its tab is not drawn in that run. Returns the id of the Handlungsfeld with a refused
    value (its tab is opened, where `model_input` shows the message at the field), else None."""
    refused = None
    prefix, held = cs.form_key(draft, ""), held_widgets()  # each session look-up costs: read once per run
    for feld in felder:
        if not any(f"-{prefix}{feld.id}-" in widget for widget in held):
            continue  # none of this tab's widgets holds anything (as usual for all but the last drawn tab)
        for form in bedarf_forms(models.handlungsfelder[feld.id]):
            entry = draft.handlungsbedarfe.get(form.id) or _NOTHING
            key = f"{prefix}{feld.id}-{form.id}"  # cs.form_key(draft, f"{feld.id}-{form.id}")
            try:
                relevant = held_input(key, form.relevant, held_in=held, relevant=entry.relevant)
                notes = held_input(f"{key}-notiz", form.bemerkungen, held_in=held, bemerkungen=entry.bemerkungen)
            except ValidationError:
                refused = refused or feld.id
                continue
            if relevant is None and notes is None:
                continue
            updated = BedarfEintrag(relevant=entry.relevant if relevant is None else relevant.relevant,
                                    bemerkungen=entry.bemerkungen if notes is None else notes.bemerkungen)
            if updated != entry:
                draft.handlungsbedarfe[form.id] = updated
    return refused


def _open_refused_tab(catalogue, open_feld: str | None) -> None:
    """When this run refused a Handlungsbedarf of a closed tab (a save): run again with its tab open, where the
    message is shown below it (the refused value stays in the draft)."""
    field = (w.refused_now() or "").split(".")
    if field[0] != "handlungsbedarfe" or len(field) < 2:
        return
    feld = next((feld.id for feld, bedarf in catalogue.bedarfe() if bedarf.id == field[1]), None)
    if feld is not None and open_feld is not None and feld != open_feld:
        st.session_state[_SHOW_TAB] = feld
        w.flash("Bitte prüfen Sie die markierte Eingabe.", "error")
        st.rerun()


def _remember_tab(profiling_id: str, feld_by_label: dict[str, str]) -> None:
    """Keep the open tab by Handlungsfeld id: its label changes with the count, and a save reloads the inputs."""
    feld_id = feld_by_label.get(st.session_state.get(_TABS))
    if feld_id is not None:
        st.session_state.setdefault(_ACTIVE_TAB, {})[profiling_id] = feld_id


def _relevant_counts(draft: Profiling, models, felder) -> dict[str, int]:
    return {feld.id: sum(1 for form in bedarf_forms(models.handlungsfelder[feld.id])
                         if (entry := draft.handlungsbedarfe.get(form.id)) is not None and entry.relevant)
            for feld in felder}


def _bedarfe(draft: Profiling, models, feld_id: str) -> None:
    """One checkbox per Handlungsbedarf; its Bemerkungen box only while it is marked relevant (notes typed
    before stay kept when it is unmarked)."""
    prefix = cs.form_key(draft, "")
    for form in bedarf_forms(models.handlungsfelder[feld_id]):
        entry = draft.handlungsbedarfe.get(form.id) or BedarfEintrag()
        key = f"{prefix}{feld_id}-{form.id}"  # cs.form_key(draft, f"{feld_id}-{form.id}"), one session look-up
        relevant = model_input(key, form.relevant(relevant=entry.relevant)).relevant
        notes = entry.bemerkungen
        if relevant:
            notes = model_input(f"{key}-notiz", form.bemerkungen(bemerkungen=entry.bemerkungen)).bemerkungen
        updated = BedarfEintrag(relevant=relevant, bemerkungen=notes)
        if draft.handlungsbedarfe.get(form.id, BedarfEintrag()) != updated:
            draft.handlungsbedarfe[form.id] = updated
        w.field_slot(f"handlungsbedarfe.{form.id}")


def _read_only(draft: Profiling, catalogue) -> None:
    st.info(f"Abgeschlossen – nur zur Information (Katalogversion {draft.catalogue_version}).")
    st.subheader("Basisprofil")
    st.markdown(f"**Zielberuf:** {markdown_literal(draft.zielberuf) or '—'}")
    for titel, values in kompetenzen_nach_klassen(draft, catalogue):
        st.markdown(f"**{markdown_literal(titel)}:** " + (markdown_literal(", ".join(values)) or "—"))
    st.subheader("Handlungsbedarfe")
    for feld in catalogue.handlungsfelder:
        relevant = [b for b in feld.handlungsbedarfe
                    if (e := draft.handlungsbedarfe.get(b.id)) is not None and e.relevant]
        st.markdown(f"**{markdown_literal(feld.label)}:** " + ("" if relevant else "kein Handlungsbedarf"))
        for bedarf in relevant:
            notes = draft.handlungsbedarfe[bedarf.id].bemerkungen.strip()
            st.markdown(f"- {markdown_literal(bedarf.label)} – relevant" + (f": {markdown_literal(notes)}" if notes else ""))
    groups = [(g, entry_id) for g, entry_id in ((catalogue.integrationsprognose, draft.integrationsprognose),
                                                 (catalogue.profillagen, draft.profillage)) if g.vorhanden]
    if groups:
        st.subheader("Einschätzung")
        st.markdown("  \n".join(f"**{markdown_literal(g.label)}:** "
                                 f"{markdown_literal(catalogue.label(entry_id)) if entry_id else '—'}"
                                 for g, entry_id in groups))


run_page(render)
