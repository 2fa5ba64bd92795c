"""Phase 2 – Ziel festlegen: the Integrationsziel and the client's consent (obtained, date)."""

from __future__ import annotations

import streamlit as st

from pages import case_header as ch
from pages import case_state as cs
from pages import downloads
from pages import lifecycle as lc
from pages import widgets as w
from pages.forms import model_input
from pages.session import run_page
from schemas.forms import Integrationsziel
from schemas.records import Profiling
from services.safety import markdown_literal

CONSENT_LABEL = "Einverständnis der Kundin / des Kunden eingeholt und Ergebnis besprochen"
REFUSAL_LABEL = "Einverständnis nicht erteilt (Gespräch darüber vermerken)"


def render() -> None:
    user, store, client, draft, catalogue, _ = ch.open_phase_page("2 Ziel festlegen")

    form, panel = ch.form_and_panel()
    with form:
        if cs.is_closed(draft):
            _read_only(draft)
        else:
            _edit(draft)
        downloads.einverstaendnis_download(
            store, user, client, draft, unsaved=not cs.is_closed(draft) and (cs.is_new(draft) or cs.has_changes(draft)),
            save=lambda: lc.save_draft(store, user, draft))
    with panel:
        lc.checklist_panel(store, user, draft, catalogue)
    ch.next_step("Handlungsstrategien zu den relevanten Handlungsbedarfen auswählen.", w.PAGE_STRATEGIEN,
                "3 Strategien auswählen", ":material/extension:", draft=draft, catalogue=catalogue)


def _edit(draft: Profiling) -> None:
    st.caption("Das Ziel bezieht sich auf den Arbeitsmarkt, ist erreichbar und überprüfbar und hat die höchste "
               "Erfolgsaussicht für eine nachhaltige Integration.")
    value = model_input(cs.form_key(draft, "ziel"), Integrationsziel(integrationsziel=draft.integrationsziel))
    draft.integrationsziel = value.integrationsziel
    w.field_slot("integrationsziel")

    st.subheader("Einverständnis")
    draft.einverstaendnis = st.checkbox(CONSENT_LABEL, value=draft.einverstaendnis, key=cs.form_key(draft, "einverstaendnis"))
    if draft.einverstaendnis:
        draft.einverstaendnis_verweigert = False
        draft.einverstaendnis_datum = _consent_date(draft, "Einverständnis eingeholt am", "einverstaendnis-datum")
    else:
        draft.einverstaendnis_verweigert = st.checkbox(
            REFUSAL_LABEL, value=draft.einverstaendnis_verweigert, key=cs.form_key(draft, "einverstaendnis-verweigert"))
        if draft.einverstaendnis_verweigert:
            draft.einverstaendnis_datum = _consent_date(draft, "Nicht erteilt am", "verweigert-datum")
            draft.einverstaendnis_notiz = st.text_area(
                "Notiz zum nicht erteilten Einverständnis", value=draft.einverstaendnis_notiz,
                key=cs.form_key(draft, "einverstaendnis-notiz"), height=80, max_chars=5000)
        else:
            draft.einverstaendnis_datum = None
    w.field_slot("einverstaendnis", "einverstaendnis_datum", "einverstaendnis_notiz")


def _consent_date(draft: Profiling, label: str, part: str):
    """The date of the consent decision (today unless stored), not after today."""
    return st.date_input(label, value=draft.einverstaendnis_datum or w.today(), max_value=w.today(),
                         format="DD.MM.YYYY", key=cs.form_key(draft, part))


def _read_only(draft: Profiling) -> None:
    st.info("Abgeschlossen – nur zur Information.")
    st.markdown(f"**Integrationsziel:** {markdown_literal(draft.integrationsziel) or '—'}")
    if draft.einverstaendnis:
        st.markdown(f"**Einverständnis:** eingeholt am {w.fmt_date(draft.einverstaendnis_datum)}")
    elif draft.einverstaendnis_verweigert:
        st.markdown(f"**Einverständnis:** nicht erteilt am {w.fmt_date(draft.einverstaendnis_datum)} – "
                    f"{markdown_literal(draft.einverstaendnis_notiz)}")
    else:
        st.markdown("**Einverständnis:** nicht vermerkt")


run_page(render)
