"""Logs without personal data: an unexpected error is logged with its reference, type and place — not its text."""

from __future__ import annotations

import logging

import pytest

from pages.session import guarded


def test_unexpected_error_log_names_reference_and_place_but_no_client_data(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="vierphasen")
    with guarded():
        raise ValueError("Kundin Maria Muster, geb. 17.05.1985, 123D000777: Eingabe abgelehnt")
    ours = [record for record in caplog.records if record.name == "vierphasen"]
    text = "\n".join(record.getMessage() + (record.exc_text or "") for record in ours)
    assert "Referenz" in text and "ValueError" in text and "test_logs.py" in text
    for personal in ("Maria", "Muster", "17.05.1985", "123D000777"):
        assert personal not in text
    assert not any(record.exc_info for record in ours), "no traceback with the exception's message"
