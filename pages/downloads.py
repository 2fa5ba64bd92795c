"""Download buttons for the documents (EGV, Einverständniserklärung, Profiling-Ausdruck, Auskunft).

A download button needs its bytes when it is drawn, and rendering a PDF costs tens of milliseconds (the
first one per process about a second), so a document is made only on request: a first button makes it (and
shows a refusal as a German message), then the download button offers it. The bytes are kept in the session
under the record id and revision, so reruns cost nothing and a changed record is never offered stale. Every
permission is checked by `services.documents`; hiding a button is only a convenience.
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
    egv_pdf,
    einverstaendnis_pdf,
    handed_out_documents,
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


def einverstaendnis_download(store: Store, user: User, profiling: Profiling, *, unsaved: bool,
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
    _offer(
        ("einverstaendnis", profiling.id, profiling.revision),
        make_label="Einverständniserklärung als PDF erstellen",
        make=lambda: [(LABEL_EINVERSTAENDNIS, *einverstaendnis_pdf(store, profiling.id, actor=user), PDF)],
        note=note,
    )


def egv_download(store: Store, user: User, egv: Egv, kurzname: str) -> None:
    """The agreement of a stored Fassung: the handed-out copy when agreed, a marked draft while open."""
    if not allowed(user, Permission.PRINT_CLIENT_DOCUMENTS):
        return
    if egv.revision == 0:
        st.caption(f"Drucken ({kurzname}) ist möglich, sobald die Vereinbarung gespeichert ist.")
        return
    closed = egv.status == Status.ABGESCHLOSSEN
    _offer(
        ("egv", egv.id, egv.revision),
        make_label=f"{kurzname} als PDF erstellen" if closed else f"{kurzname}-Entwurf als PDF erstellen",
        make=lambda: [(egv_label(kurzname, entwurf=not closed), *egv_pdf(store, egv.id, actor=user), PDF)],
        note=(
            "Dieses Exemplar wird als ausgehändigte Fassung aufbewahrt."
            if closed
            else "Entwurf zur Besprechung (zeigt den zuletzt gespeicherten Stand); ausgehändigt wird die "
            "abgeschlossene Fassung."
        ),
    )


def profiling_print_download(store: Store, user: User, profiling: Profiling) -> None:
    """The profiling print for the file; offered to KDN-Fachbetreuung only (the service refuses others)."""
    if not allowed(user, Permission.PRINT_PROFILING) or profiling.revision == 0:
        return
    _offer(
        ("profiling", profiling.id, profiling.revision),
        make_label="Profiling-Ausdruck für die Akte erstellen",
        make=lambda: [(LABEL_PROFILING, *profiling_print_pdf(store, profiling.id, actor=user), PDF)],
        note="Ausdruck für die Akte mit der Katalogversion des Profilings.",
    )


def auskunft_downloads(store: Store, user: User, client: Client) -> None:
    """The client's Auskunft as PDF and JSON, and the documents handed out so far."""
    if not allowed(user, Permission.EXPORT_AUSKUNFT):
        return
    st.markdown("**Auskunft (Art. 15 DSGVO)**")

    def make() -> list[tuple[str, str, bytes, str]]:
        pdf_name, pdf, json_name, data = auskunft(store, client.id, actor=user)
        return [(LABEL_AUSKUNFT_PDF, pdf_name, pdf, PDF), (LABEL_AUSKUNFT_JSON, json_name, data, JSON)]

    # The Auskunft shows the state of the moment it is made: made again on every request, never per revision.
    _offer(
        ("auskunft", client.id, 0),
        make_label="Auskunft erstellen",
        make=make,
        note="Alles, was zu dieser Kundin / diesem Kunden gespeichert ist, mit Zwecken, Empfängern und Zugriffen "
        "(Stellen und Rollen, keine Namen).",
        remake=True,
    )
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


def _offer(
    key: tuple[str, str, int],
    *,
    make_label: str,
    make: Callable[[], list[tuple[str, str, bytes, str]]],
    note: str,
    remake: bool = False,
) -> None:
    """The make button, then one download button per file made (kept in the session under `key`)."""
    cache: dict[tuple[str, str, int], list[tuple[str, str, bytes, str]]] = st.session_state.setdefault(
        _CACHE, {}
    )
    files = cache.get(key)
    widget = "-".join(str(part) for part in key)
    if files is None or remake:
        warm_up()
        if st.button(make_label, key=f"make-{widget}", icon=":material/picture_as_pdf:", help=note):
            files = _make(key, make)
    if files is None:
        return
    for label, filename, data, mime in files:
        st.download_button(
            label,
            data=data,
            file_name=filename,
            mime=mime,
            key=f"download-{widget}-{mime}",
            icon=":material/download:",
            on_click="ignore",
        )
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
