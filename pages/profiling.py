"""Phase 1 – Profiling: Basisprofil (Zielberuf + Kompetenzen), the four Handlungsfelder, Prognose / Profillage."""

from __future__ import annotations

import streamlit as st

from pages import downloads
from pages import widgets as w
from pages.forms import model_input
from pages.session import get_store, require_user, run_page
from schemas.forms import (
    basisprofil_input,
    basisprofil_output,
    einschaetzung_input,
    einschaetzung_output,
    feld_input,
    feld_output,
)
from schemas.records import BedarfEintrag, Profiling
from services.profiling import basisprofil, kompetenzen_nach_klassen
from services.safety import markdown_literal


def render() -> None:
    user = require_user()
    store = get_store()
    w.begin_page()
    client = w.require_client()
    draft = w.draft_for(store, user, client)
    w.case_header("1 Profiling", client, draft)
    draft = w.history_select(store, user, client, draft)
    catalogue, models = w.catalogue_of(store, draft)

    form, panel = w.form_and_panel()
    with form:
        if w.is_closed(draft):
            _read_only(draft, catalogue)
            with st.expander("Änderungen an diesem Profiling"):
                w.change_history(store, draft.id, user)
        else:
            _edit(draft, catalogue, models)
        downloads.profiling_print_download(store, user, draft)
    with panel:
        w.checklist_panel(store, user, draft, catalogue)
    w.next_step("Integrationsziel mit der Kundin / dem Kunden festlegen.", w.PAGE_ZIEL, "2 Ziel festlegen",
                ":material/flag:", draft=draft, catalogue=catalogue)


def _edit(draft: Profiling, catalogue, models) -> None:
    st.subheader("Basisprofil (Stärken)")
    basis = model_input(
        w.form_key(draft, "basisprofil"),
        basisprofil_input(models.basisprofil, draft.zielberuf, draft.kompetenzen, draft.kompetenzklassen),
    )
    w.field_slot("zielberuf", "kompetenzen")
    zielberuf, kompetenzen, klassen = basisprofil_output(basis)
    draft.zielberuf = zielberuf
    if catalogue.kompetenzklassen:
        if draft.kompetenzklassen != klassen:
            draft.kompetenzklassen = klassen
    else:
        draft.kompetenzen = kompetenzen
    st.caption(markdown_literal(basisprofil(draft, catalogue)))

    st.subheader("Handlungsbedarfe (Schwächen)")
    st.caption("Nur markieren, was einer nachhaltigen Integration in den Zielberuf im Weg steht; "
               "in den Bemerkungen die Standortbestimmung dokumentieren.")
    felder = [feld for feld in catalogue.handlungsfelder if feld.id in models.handlungsfelder]
    tabs = st.tabs([markdown_literal(feld.label) for feld in felder])
    for tab, feld in zip(tabs, felder):
        with tab:
            value = model_input(w.form_key(draft, feld.id), feld_input(models, feld.id, draft.handlungsbedarfe))
            for bedarf_id, entry in feld_output(value).items():
                if draft.handlungsbedarfe.get(bedarf_id) != BedarfEintrag(**entry):
                    draft.handlungsbedarfe[bedarf_id] = BedarfEintrag(**entry)
    w.field_slot("handlungsbedarfe", *(f"handlungsbedarfe.{bid}" for bid in draft.handlungsbedarfe))

    if models.einschaetzung.model_fields:  # the catalogue may have neither Integrationsprognose nor Profillagen
        st.subheader("Einschätzung")
        value = model_input(
            w.form_key(draft, "einschaetzung"),
            einschaetzung_input(models, draft.integrationsprognose, draft.profillage),
        )
        draft.integrationsprognose, draft.profillage = einschaetzung_output(value)
        w.field_slot("integrationsprognose", "profillage")


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
