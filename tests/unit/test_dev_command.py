"""`python3 dev.py test`: the README's test command runs the suite on pytest-xdist workers unless told otherwise."""

from __future__ import annotations

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
