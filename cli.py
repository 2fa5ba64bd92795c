"""The `vierphasen` command line: operator tasks next to the web app (catalogue check, storage admin …)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from errors import DomainError


def _catalogue_check(args: argparse.Namespace) -> int:
    from schemas.catalogue import load_catalogue

    catalogue = load_catalogue(Path(args.file))
    counts = ", ".join(f"{n} {name}" for name, n in catalogue.counts().items())
    print(f"OK: {args.file} (Version {catalogue.version}): {counts}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vierphasen", description="Vierphasen – Verwaltung auf der Kommandozeile")
    commands = parser.add_subparsers(dest="command", required=True)

    catalogue = commands.add_parser("catalogue", help="Katalog prüfen").add_subparsers(dest="action", required=True)
    check = catalogue.add_parser("check", help="Katalogdatei prüfen; Exit-Code 1 bei Fehlern")
    check.add_argument("file")
    check.set_defaults(run=_catalogue_check)

    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; a DomainError prints its German message and exits 1."""
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except DomainError as err:
        print(err.message, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
