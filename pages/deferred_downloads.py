"""A download's function stays callable for GRACE_S after a later run of its page stopped showing it.

A download button with a function as its data (`st.download_button(data=make)`) gets a new id at every run, and
Streamlit forgets the functions no longer shown at the end of each run. A click sends its file request and its
rerun as two messages; if a run of the page ends in between, the request finds nothing and the browser gets no
file. The consent form meets this when the click also leaves a text field: leaving it reruns the page, the
click's rerun cuts that run short, and that run's end dropped the function the click was made on (seen under
load in the browser test; pages/downloads.py pairs the click with its request once the click's run has begun).

Now a function no longer shown is dropped only GRACE_S after that was first noticed. It stays a function of the
same session under an unguessable id; a button that Streamlit revokes on purpose (drawn disabled) is still
revoked at once.
"""

from __future__ import annotations

import time

from streamlit.runtime.media_file_manager import MediaFileManager

#: How long a function no longer shown stays callable.
GRACE_S = 10.0

_clock = time.monotonic
_ORPHANED = "_vierphasen_orphaned_at"  # per manager: file id → `_clock()` when first found orphaned


def _remove_orphaned_deferred_callables(self: MediaFileManager) -> None:
    """Streamlit's cleanup of deferred functions (called under the manager's lock), with the grace period."""
    now = _clock()
    orphaned: dict[str, float] = self.__dict__.setdefault(_ORPHANED, {})
    shown = {file_id for by_coordinates in self._files_by_session_and_coord.values()
             for file_id in by_coordinates.values()}
    for file_id in list(self._deferred_callables):
        if file_id in shown:
            orphaned.pop(file_id, None)
        elif now - orphaned.setdefault(file_id, now) >= GRACE_S:
            del orphaned[file_id]
            self._drop_deferred_id(file_id)
    for file_id in [file_id for file_id in orphaned if file_id not in self._deferred_callables]:
        del orphaned[file_id]  # revoked meanwhile (a disabled button)


def install() -> None:
    """Put the grace period into Streamlit's media file manager (once per process; app.py)."""
    MediaFileManager._remove_orphaned_deferred_callables = _remove_orphaned_deferred_callables
