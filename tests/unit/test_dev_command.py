"""`python3 dev.py test`: the README's test command runs the suite on pytest-xdist workers unless told otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

import dev


def test_the_test_command_runs_the_suite_on_xdist_workers_with_the_groups_kept_together() -> None:
    args = dev.pytest_args(["-m", "not slow"])
    workers = int(args[args.index("-n") + 1])
    assert 1 <= workers <= dev.MAX_WORKERS
    assert args[args.index("--dist") + 1] == "loadgroup"
    assert args[-2:] == ["-m", "not slow"]


@pytest.mark.parametrize("choice", [["-n", "0"], ["-n3"], ["--numprocesses=2"], ["--dist", "load"], ["-p", "no:xdist"]])
def test_arguments_that_choose_the_workers_are_passed_on_unchanged(choice: list[str]) -> None:
    extra = ["tests/unit", "-q", *choice]
    assert dev.pytest_args(extra) == extra


def test_every_test_named_slow_exists() -> None:
    """A renamed test would silently drop out of `SLOW_TESTS` and slow the quick loop down again."""
    from tests.conftest import SLOW_TESTS

    root = Path(dev.__file__).resolve().parent
    for entry in SLOW_TESTS:
        path, _, name = entry.partition("::")
        assert (root / path).is_file(), entry
        assert not name or f"def {name}(" in (root / path).read_text(encoding="utf-8"), entry
