"""What a test does when a real component (PostgreSQL, Chromium, playwright) is missing: skip with the reason on a
developer's machine, fail with it on CI (CI=true), where `.ci/run` installs everything and nothing may skip."""

from __future__ import annotations

import os

import pytest


def skip_or_fail(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)
