"""The Streamlit settings the app ships with (.streamlit/config.toml) that concern its cost per rerun."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_rerun_does_not_end_with_a_full_garbage_collection() -> None:
    # gc.collect(2) after every script run walks all objects of the process, including every open session's
    # state: its cost per rerun grows with the sessions (README "Performance", bench/sessions.py).
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert settings["runner"]["postScriptGC"] is False


def test_the_server_runs_its_event_loop_on_uvloop() -> None:
    # Every element a script run draws is handed to the server's event loop; asyncio's own loop paid one socket
    # write (a wake-up) per element, uvloop coalesces them (README "Performance"). Streamlit uses uvloop whenever
    # its loop factory finds it.
    from streamlit.web import bootstrap

    factory = bootstrap._get_uvloop_loop_factory()
    assert factory is not None, "uvloop fehlt oder ist zu alt: Streamlit liefe auf asyncio's eigener Schleife"
    loop = factory()
    try:
        assert type(loop).__module__.startswith("uvloop")
    finally:
        loop.close()

