"""Katalog: the published catalogue versions, their entries, and the forms generated from them."""

from __future__ import annotations

import streamlit as st

from pages.forms import model_input
from pages.session import get_store, require_user, run_page
from schemas.catalogue import Catalogue, Entry
from services.catalogue import get_catalogue, get_models, list_versions
from services.dates import format_datetime


def _entries(entries: list[Entry]) -> None:
    for entry in entries:
        retired = " *(ausgesondert)*" if entry.ausgesondert else ""
        st.markdown(f"- {entry.label}{retired} · `{entry.id}`")


def _tree(catalogue: Catalogue) -> None:
    for feld in catalogue.handlungsfelder:
        st.subheader(feld.label)
        for bedarf in feld.handlungsbedarfe:
            st.markdown(f"**{bedarf.label}** · `{bedarf.id}`")
            _entries(bedarf.handlungsstrategien)
    for gruppe, entries in (
        (catalogue.uebergreifend, catalogue.uebergreifend.handlungsstrategien),
        (catalogue.integrationsprognose, catalogue.integrationsprognose.optionen),
        (catalogue.profillagen, catalogue.profillagen.optionen),
        (catalogue.folgegespraech, catalogue.folgegespraech.aktivitaeten),
    ):
        st.subheader(gruppe.label)
        if gruppe.bemerkung:
            st.caption(gruppe.bemerkung)
        _entries(entries)
    vereinbarung = catalogue.vereinbarung
    st.subheader(f"Vereinbarung: {vereinbarung.titel} ({vereinbarung.kurzname}, {vereinbarung.rechtsgrundlage})")
    st.caption("mit Unterschriften" if vereinbarung.unterschriften else "ohne Unterschriften")
    _entries(vereinbarung.abschnitte)
    st.subheader("Hinweise")
    for hinweis in catalogue.hinweise:
        st.info(hinweis.text)


def _preview(store, catalogue: Catalogue) -> None:
    st.caption("So sehen Integrationsfachkräfte die Formulare dieser Version. Eingaben hier werden nicht gespeichert.")
    models = get_models(store, catalogue.version)
    for feld in catalogue.handlungsfelder:
        with st.expander(feld.label):
            model_input(f"vorschau-{catalogue.version}-{feld.id}", models.handlungsfelder[feld.id]())
    with st.expander(catalogue.uebergreifend.label):
        model_input(f"vorschau-{catalogue.version}-uebergreifend", models.uebergreifend())
    with st.expander(f"{catalogue.integrationsprognose.label} / {catalogue.profillagen.label}"):
        model_input(f"vorschau-{catalogue.version}-einschaetzung", models.einschaetzung())


def render() -> None:
    user = require_user()
    store = get_store()
    st.title("Katalog")
    versions = list_versions(store, actor=user)
    version = st.selectbox(
        "Veröffentlichte Version",
        versions,
        format_func=lambda v: f"Version {v.number} vom {format_datetime(v.published_at)} – {v.note}",
    )
    st.caption(f"Veröffentlicht von {version.published_by}. Gespeicherte Profilings behalten ihre Version.")
    catalogue = get_catalogue(store, version.number)
    entries, preview, source = st.tabs(["Einträge", "Formularvorschau", "YAML-Datei"])
    with entries:
        _tree(catalogue)
    with preview:
        _preview(store, catalogue)
    with source:
        st.download_button(
            "YAML-Datei herunterladen",
            version.text.encode("utf-8"),
            file_name=f"katalog_version_{version.number}.yaml",
            mime="application/x-yaml",
        )
        st.code(version.text, language="yaml")


run_page(render)
