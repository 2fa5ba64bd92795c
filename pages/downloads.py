"""Download buttons for the documents (EGV, Einverständniserklärung, Profiling-Ausdruck, Auskunft).

Each document is one click: the download button is drawn with its file name, and the PDF is made (and
audited, and for an agreed EGV stored as the handed-out copy) only when it is clicked — Streamlit calls the
button's `data` function then, outside the page run. Every permission is checked by `services.documents`;
hiding a button is only a convenience. After "Speichern und Einverständniserklärung erstellen" the made PDF is
kept in the session under the record id and revision, so a changed record is never offered stale.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dates import format_datetime
from errors import DomainError
from schemas.records import Client, Egv, Profiling, Status, User
from services.access import Permission, allowed
from services.documents import (
    auskunft,
    auskunft_filenames,
    egv_filename,
    egv_pdf,
    einverstaendnis_filename,
    einverstaendnis_pdf,
    handed_out_documents,
    profiling_print_filename,
    profiling_print_pdf,
    warm_up,
)
from services.safety import markdown_literal
from storage.base import Store

PDF = "application/pdf"
JSON = "application/json"
_CACHE = "_document_downloads"  # (kind, record id, revision) → [(label, file name, bytes, mime), …]
_CACHE_MAX = 8  # documents kept per session; older ones are made again on request

LABEL_EINVERSTAENDNIS = "Einverständniserklärung drucken (PDF)"
LABEL_PROFILING = "Profiling drucken (PDF, nur KDN-Fachbetreuung)"
LABEL_AUSKUNFT_PDF = "Auskunft (PDF)"
LABEL_AUSKUNFT_JSON = "Auskunft (JSON)"


def egv_label(kurzname: str, *, entwurf: bool = False) -> str:
    """ "EGV drucken (PDF)", "EGV-Entwurf drucken (PDF)" – or "Kooperationsplan …" when the catalogue says so."""
    return f"{kurzname}-Entwurf drucken (PDF)" if entwurf else f"{kurzname} drucken (PDF)"


def einverstaendnis_download(store: Store, user: User, client: Client, profiling: Profiling, *, unsaved: bool,
                             save: Callable[[], Profiling | None]) -> None:
    """The consent form of a profiling (for IFK and KDN-Fachbetreuung). It prints the stored profiling, so with
    `unsaved` input (a new Integrationsziel typed, say) the one button saves first (`save`: the page's save,
    which shows its own errors and returns None on refusal), then makes the PDF of what is on the screen."""
    if not allowed(user, Permission.PRINT_CLIENT_DOCUMENTS):
        return
    note = "Der Ausdruck zeigt den gespeicherten Stand des Profilings."
    if unsaved:
        if st.button("Speichern und Einverständniserklärung erstellen", key=f"make-einverstaendnis-{profiling.id}",
                     icon=":material/picture_as_pdf:", help="Speichert das Profiling (Status „offen“), damit "
                     "der Ausdruck zeigt, was hier steht."):
            saved = save()
            if saved is None:
                return
            _make(("einverstaendnis", saved.id, saved.revision),
                  lambda: [(LABEL_EINVERSTAENDNIS, *einverstaendnis_pdf(store, saved.id, actor=user), PDF)])
            st.rerun()
        st.caption("Ungespeicherte Eingaben werden vor dem Druck gespeichert.")
        return
    kept = st.session_state.get(_CACHE, {}).get(("einverstaendnis", profiling.id, profiling.revision))
    if kept is not None:  # just saved and made by the button above
        _kept(("einverstaendnis", profiling.id, profiling.revision), kept, note)
        return
    _offer(f"einverstaendnis-{profiling.id}-{profiling.revision}", LABEL_EINVERSTAENDNIS,
           einverstaendnis_filename(profiling, client.kundennummer),
           lambda: einverstaendnis_pdf(store, profiling.id, actor=user)[1], note)


def egv_download(store: Store, user: User, client: Client, egv: Egv, kurzname: str) -> None:
    """The agreement of a stored Fassung: the handed-out copy when agreed, a marked draft while open."""
    if not allowed(user, Permission.PRINT_CLIENT_DOCUMENTS):
        return
    if egv.revision == 0:
        st.caption(f"Drucken ({kurzname}) ist möglich, sobald die Vereinbarung gespeichert ist.")
        return
    closed = egv.status == Status.ABGESCHLOSSEN
    _offer(
        f"egv-{egv.id}-{egv.revision}", egv_label(kurzname, entwurf=not closed),
        egv_filename(egv, kurzname, client.kundennummer),
        lambda: egv_pdf(store, egv.id, actor=user)[1],
        (
            "Dieses Exemplar wird als ausgehändigte Fassung aufbewahrt."
            if closed
            else "Entwurf zur Besprechung (zeigt den zuletzt gespeicherten Stand); ausgehändigt wird die "
            "abgeschlossene Fassung."
        ),
    )


def profiling_print_download(store: Store, user: User, client: Client, profiling: Profiling) -> None:
    """The profiling print for the file; offered to KDN-Fachbetreuung only (the service refuses others)."""
    if not allowed(user, Permission.PRINT_PROFILING) or profiling.revision == 0:
        return
    _offer(f"profiling-{profiling.id}-{profiling.revision}", LABEL_PROFILING,
           profiling_print_filename(profiling, client.kundennummer),
           lambda: profiling_print_pdf(store, profiling.id, actor=user)[1],
           "Ausdruck für die Akte mit der Katalogversion des Profilings.")


def auskunft_downloads(store: Store, user: User, client: Client) -> None:
    """The client's Auskunft as PDF and JSON, and the documents handed out so far."""
    if not allowed(user, Permission.EXPORT_AUSKUNFT):
        return
    st.markdown("**Auskunft (Art. 15 DSGVO)**")

    # Each file is made (and the Auskunft audited) when it is clicked, with the state of that moment.
    pdf_name, json_name = auskunft_filenames(client.kundennummer)
    note = ("Alles, was zu dieser Kundin / diesem Kunden gespeichert ist, mit Zwecken, Empfängern und Zugriffen "
            "(Stellen und Rollen, keine Namen).")
    _offer(f"auskunft-pdf-{client.id}", LABEL_AUSKUNFT_PDF, pdf_name,
           lambda: auskunft(store, client.id, actor=user)[1], note)
    _offer(f"auskunft-json-{client.id}", LABEL_AUSKUNFT_JSON, json_name,
           lambda: auskunft(store, client.id, actor=user)[3], "", mime=JSON)
    if st.toggle("Ausgehändigte Dokumente anzeigen", key=f"handed-out-{client.id}"):
        _handed_out(store, user, client)


def _handed_out(store: Store, user: User, client: Client) -> None:
    try:
        documents = handed_out_documents(store, client.id, actor=user)
    except DomainError as err:
        st.error(markdown_literal(err.message))
        return
    if not documents:
        st.caption("Bisher wurde kein Dokument ausgehändigt.")
    for document in documents:
        cols = st.columns([4, 2], vertical_alignment="center")
        cols[0].markdown(
            f"{document.filename} · ausgehändigt am {format_datetime(document.created_at)} · "
            f"Bearbeitungsstand {document.record_revision}"
        )
        cols[1].download_button(
            "Erneut herunterladen",
            data=document.pdf,
            file_name=document.filename,
            mime=PDF,
            key=f"handed-out-{document.id}",
            on_click="ignore",
        )


def _offer(key: str, label: str, filename: str, make: Callable[[], bytes], note: str, *, mime: str = PDF) -> None:
    """One download button; `make` runs when it is clicked (Streamlit's deferred download)."""
    warm_up()
    st.download_button(label, data=make, file_name=filename, mime=mime, key=f"download-{key}",
                       icon=":material/download:", on_click="ignore")
    if note:
        st.caption(f"{note} Datei: {filename}")


def _kept(key: tuple[str, str, int], files: list[tuple[str, str, bytes, str]], note: str) -> None:
    """Download buttons for files already made in this session (kept under `key`)."""
    widget = "-".join(str(part) for part in key)
    for label, filename, data, mime in files:
        st.download_button(label, data=data, file_name=filename, mime=mime, key=f"download-{widget}-{mime}",
                           icon=":material/download:", on_click="ignore")
    st.caption(f"{note} Datei: {', '.join(name for _, name, _, _ in files)}")


def _make(key: tuple[str, str, int], make: Callable[[], list[tuple[str, str, bytes, str]]],
          ) -> list[tuple[str, str, bytes, str]] | None:
    """Make the files and keep them in the session under `key`; a refusal is shown as a German message."""
    cache: dict[tuple[str, str, int], list[tuple[str, str, bytes, str]]] = st.session_state.setdefault(
        _CACHE, {}
    )
    try:
        files = make()
    except DomainError as err:
        st.error(markdown_literal(err.message))
        return None
    cache.pop(key, None)
    cache[key] = files
    while len(cache) > _CACHE_MAX:
        cache.pop(next(iter(cache)))
    return files
