"""Download buttons for the documents (EGV, Einverständniserklärung, Profiling-Ausdruck, Auskunft).

Each document is one click: the download button is drawn with its file name, and the PDF is made (and
audited, and for an agreed EGV stored as the handed-out copy) only when it is clicked — Streamlit calls the
button's `data` function then, outside the page run. Every permission is checked by `services.documents`;
hiding a button is only a convenience. The consent form of an open profiling saves unsaved input first, in the
same click (see `einverstaendnis_download`).
"""

from __future__ import annotations

import threading
import time
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
_GATE = "_einverstaendnis_clicks"  # the session's `_ClickGate`
_AUSKUNFT = "_auskunft_requests"  # (user id, client id) → `_AuskunftRequest` of this session
AUSKUNFT_REQUEST_S = 600.0  # how long the second format of an Auskunft belongs to the same request
CLICK_TIMEOUT_S = 30.0  # how long the consent form waits for its click's save
REQUEST_WAIT_S = 10.0  # how long the click's run waits for the click's file request (see `_ClickGate`)

LABEL_EINVERSTAENDNIS = "Einverständniserklärung drucken (PDF)"
LABEL_PROFILING = "Profiling drucken (PDF, nur KDN-Fachbetreuung)"
LABEL_AUSKUNFT_PDF = "Auskunft (PDF)"
LABEL_AUSKUNFT_JSON = "Auskunft (JSON)"


def egv_label(kurzname: str, *, entwurf: bool = False) -> str:
    """ "EGV drucken (PDF)", "EGV-Entwurf drucken (PDF)" – or "Kooperationsplan …" when the catalogue says so."""
    return f"{kurzname}-Entwurf drucken (PDF)" if entwurf else f"{kurzname} drucken (PDF)"


def einverstaendnis_download(store: Store, user: User, client: Client, profiling: Profiling, *, unsaved: bool,
                             save: Callable[[], Profiling | None]) -> None:
    """The consent form of a profiling (for IFK and KDN-Fachbetreuung), one click in every state.

    It prints the stored profiling. While the profiling is open, a click first saves what is on the screen: the
    click reruns the page with every input as it is now (Streamlit sends the widget values with the click), that
    run saves unsaved input (`save`: the page's save, which shows its own errors at the field and returns None
    on refusal) and tells `_ClickGate`; the PDF, made on a separate thread for the same click, waits for that and
    prints the stored record — so the document is exactly what is on the screen and saved, never older input.
    A refused save makes no PDF (the message stands at the field)."""
    if not allowed(user, Permission.PRINT_CLIENT_DOCUMENTS):
        return
    filename = einverstaendnis_filename(profiling, client.kundennummer)
    note = "Der Ausdruck zeigt den gespeicherten Stand des Profilings."
    if profiling.status == Status.ABGESCHLOSSEN:
        _offer(f"einverstaendnis-{profiling.id}-{profiling.revision}", LABEL_EINVERSTAENDNIS, filename,
               lambda: einverstaendnis_pdf(store, profiling.id, actor=user)[1], note)
        return
    gate: _ClickGate = st.session_state.setdefault(_GATE, _ClickGate())
    seen = [gate.clicks]  # clicks handled before this button's next click (updated below when this run is one)
    profiling_id = profiling.id

    def make() -> bytes:
        gate.requested()
        if not gate.saved_after(seen[0], timeout=CLICK_TIMEOUT_S):
            raise DomainError("Die Einverständniserklärung wurde nicht erstellt: das Speichern ist fehlgeschlagen.")
        return einverstaendnis_pdf(store, profiling_id, actor=user)[1]

    warm_up()
    requests_before = gate.drawn()
    clicked = st.download_button(LABEL_EINVERSTAENDNIS, data=make, file_name=filename, mime=PDF,
                                 key=f"download-einverstaendnis-{profiling.id}", icon=":material/download:",
                                 on_click="rerun")
    st.caption(f"{note} Ungespeicherte Eingaben werden beim Klick zuerst gespeichert. Datei: {filename}")
    if clicked:
        saved = save() if unsaved else profiling
        seen[0] = gate.clicked(saved is not None)
        gate.wait_requested(requests_before, timeout=REQUEST_WAIT_S)
        if unsaved and saved is not None:
            st.rerun()


class _ClickGate:
    """Pairs a click on the consent form's button with the page run it causes (one per session).

    A click sends two messages: the rerun with the inputs (which saves) and the request for the file (run on a
    separate thread, in either order). The file waits until more clicks are handled than before that click
    (counted when its button was drawn, or at the end of the run that handled the previous click); a click whose
    run never comes (another click interrupted it) times out without a document.

    The other way round, the click's run waits for the click's file request to have taken its function: the run
    draws the button anew, which registers a new function, and Streamlit drops the previous run's function when
    the run ends. A request that came only after that found nothing, and no document was made (seen under load,
    where the save made the run end first)."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._results: list[bool] = []  # per handled click: whether the input was saved (or nothing to save)
        self._requests = 0  # file requests that have taken their function (`requested`)
        self._drawn = 0  # `_requests` when the button was last drawn

    def drawn(self) -> int:
        """Note that the button is drawn now; the file requests counted when it was drawn before."""
        with self._condition:
            before, self._drawn = self._drawn, self._requests
            return before

    def requested(self) -> None:
        """Note a file request that has taken its function (it runs it now)."""
        with self._condition:
            self._requests += 1
            self._condition.notify_all()

    def wait_requested(self, before: int, *, timeout: float) -> None:
        """Wait until more file requests than `before` have taken their function (or `timeout` passed)."""
        with self._condition:
            self._condition.wait_for(lambda: self._requests > before, timeout=timeout)

    @property
    def clicks(self) -> int:
        with self._condition:
            return len(self._results)

    def clicked(self, saved: bool) -> int:
        """Note a handled click; the number of clicks handled now."""
        with self._condition:
            self._results.append(saved)
            self._condition.notify_all()
            return len(self._results)

    def saved_after(self, seen: int, *, timeout: float) -> bool:
        """Wait until a click after the first `seen` is handled; whether its input was saved."""
        with self._condition:
            if not self._condition.wait_for(lambda: len(self._results) > seen, timeout=timeout):
                return False
            return self._results[seen]


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

    # One request, one Auskunft: the first click makes both files (one audit entry, "Auskunft erteilt") and the
    # other format is handed out from that same Auskunft for AUSKUNFT_REQUEST_S — same content, no second entry.
    pdf_name, json_name = auskunft_filenames(client.kundennummer)
    note = ("Alles, was zu dieser Kundin / diesem Kunden gespeichert ist, mit Zwecken, Empfängern und Zugriffen "
            "(Stellen und Rollen, keine Namen). PDF und JSON einer Auskunft haben denselben Inhalt.")
    request: _AuskunftRequest = st.session_state.setdefault(_AUSKUNFT, {}).setdefault(
        (user.id, client.id), _AuskunftRequest(lambda: auskunft(store, client.id, actor=user)))
    _offer(f"auskunft-pdf-{client.id}", LABEL_AUSKUNFT_PDF, pdf_name, lambda: request.files()[1], note)
    _offer(f"auskunft-json-{client.id}", LABEL_AUSKUNFT_JSON, json_name, lambda: request.files()[3], "", mime=JSON)
    if st.toggle("Ausgehändigte Dokumente anzeigen", key=f"handed-out-{client.id}"):
        _handed_out(store, user, client)


class _AuskunftRequest:
    """The Auskunft of one request: made (and audited) at the first click on either format, handed out again for
    the other format until AUSKUNFT_REQUEST_S have passed; a click after that is a new request."""

    def __init__(self, make: Callable[[], tuple[str, bytes, str, bytes]]) -> None:
        self._make = make
        self._lock = threading.Lock()
        self._made: tuple[float, tuple[str, bytes, str, bytes]] | None = None

    def files(self) -> tuple[str, bytes, str, bytes]:
        with self._lock:
            if self._made is None or time.monotonic() - self._made[0] > AUSKUNFT_REQUEST_S:
                self._made = (time.monotonic(), self._make())
            return self._made[1]


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
