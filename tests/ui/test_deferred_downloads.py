"""A download's function stays callable for a few seconds after a later run stopped showing it
(pages/deferred_downloads.py), on Streamlit's own media file manager."""

from __future__ import annotations

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from pages import deferred_downloads


@pytest.fixture
def manager(monkeypatch: pytest.MonkeyPatch) -> MediaFileManager:
    monkeypatch.setattr(MediaFileManager, "_remove_orphaned_deferred_callables",
                        MediaFileManager._remove_orphaned_deferred_callables)  # restored after the test
    deferred_downloads.install()
    return MediaFileManager(MemoryMediaFileStorage("/media"))


def _next_run(manager: MediaFileManager, *, shows_button: bool) -> str | None:
    """A page run as Streamlit does it: the session's references cleared at its start, the button drawn anew (a new
    id), the functions no longer shown cleaned up at its end."""
    manager.clear_session_refs()
    file_id = manager.add_deferred(lambda: b"%PDF neu", "application/pdf", "1.2.3") if shows_button else None
    manager.remove_orphaned_files()
    return file_id


@pytest.mark.parametrize("shows_button", [True, False], ids=["drawn-again", "cut-short"])
def test_a_click_on_the_button_of_the_run_before_still_gets_its_file(manager: MediaFileManager,
                                                                   shows_button: bool) -> None:
    clicked = manager.add_deferred(lambda: b"%PDF", "application/pdf", "1.2.3")
    _next_run(manager, shows_button=shows_button)  # the run the click's own rerun cut short, or one that ended
    assert manager.execute_deferred(clicked).startswith("/media/")


def test_a_function_no_longer_shown_is_dropped_after_the_grace_period(manager: MediaFileManager,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    old = manager.add_deferred(lambda: b"%PDF", "application/pdf", "1.2.3")
    new = _next_run(manager, shows_button=True)  # `old` is noticed as no longer shown
    later = deferred_downloads._clock() + deferred_downloads.GRACE_S
    monkeypatch.setattr(deferred_downloads, "_clock", lambda: later)
    manager.remove_orphaned_files()
    with pytest.raises(MediaFileStorageError):
        manager.execute_deferred(old)
    assert manager.execute_deferred(new).startswith("/media/")  # the one shown stays


def test_a_button_drawn_disabled_is_still_revoked_at_once(manager: MediaFileManager) -> None:
    clicked = manager.add_deferred(lambda: b"%PDF", "application/pdf", "1.2.3")
    manager.remove_deferred("1.2.3")
    manager.remove_orphaned_files()
    with pytest.raises(MediaFileStorageError):
        manager.execute_deferred(clicked)


def test_app_py_installs_the_grace_period(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(MediaFileManager, "_remove_orphaned_deferred_callables",
                        MediaFileManager._remove_orphaned_deferred_callables)  # restored after the test
    app.run()
    assert not app.exception
    assert MediaFileManager._remove_orphaned_deferred_callables is deferred_downloads._remove_orphaned_deferred_callables
