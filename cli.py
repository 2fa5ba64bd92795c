"""The `vierphasen` command line: operator tasks next to the web app (catalogue check, storage admin …)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from errors import DomainError


def _catalogue_check(args: argparse.Namespace) -> int:
    # The same checks as publishing (file rules, forms, sample profilings), so that both agree.
    from services.catalogue import check_catalogue_file, published_versions

    published = []
    if args.store:  # also: no entry of a published version may be missing
        from storage import open_store

        store = open_store()
        try:
            published = published_versions(store)
        finally:
            store.close_store()
    from schemas.catalogue import label_warnings

    catalogue = check_catalogue_file(Path(args.file), published)
    for warning in label_warnings(Path(args.file).read_text(encoding="utf-8"), source=Path(args.file).name):
        print(warning)
    counts = ", ".join(f"{n} {name}" for name, n in catalogue.counts().items())
    print(f"OK: {args.file} (Version {catalogue.version}): {counts}")
    return 0


_ROLE_NAMES = {"ifk": "IFK", "kdn": "KDN-Fachbetreuung", "kdn-fachbetreuung": "KDN-Fachbetreuung",
               "trainer": "Trainer", "fachaufsicht": "Fachaufsicht"}


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    from services.users import confirm_password

    password = getpass.getpass("Passwort: ")
    confirm_password(password, getpass.getpass("Passwort wiederholen: "))
    return password


def _user_add(args: argparse.Namespace) -> int:
    from services.access import SYSTEM
    from services.users import create_user
    from storage import open_store

    role = _ROLE_NAMES.get(args.role.strip().lower(), args.role)
    password = _read_password(args)
    store = open_store()
    try:
        user = create_user(store, username=args.username, display_name=args.name, role=role, team=args.team,
                           password=password, actor=SYSTEM)
    finally:
        store.close_store()
    team = f", Team: {user.team}" if user.team else ""
    print(f"OK: Benutzer „{user.username}“ ({user.role}{team}) angelegt.")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from config import get_settings
    from storage.admin import backup

    print(backup(get_settings().data_dir, Path(args.dir)))
    return 0


def _restore(args: argparse.Namespace) -> int:
    from config import get_settings
    from storage.admin import restore

    print(restore(Path(args.dir), get_settings().data_dir))
    # a backup may hold cases deleted after it was taken: they are due again, so the deletion is re-applied
    return _retention_delete(argparse.Namespace(confirm=True, after_restore=True))


def _retention_list(args: argparse.Namespace) -> int:
    from services.access import SYSTEM
    from services.retention import due_cases, retention_years
    from storage import open_store

    store = open_store()
    try:
        due = due_cases(store, actor=SYSTEM)
    finally:
        store.close_store()
    # ids only: the output of a nightly job ends up in logs that outlive the deleted client
    print(f"Löschfrist: {retention_years()} Jahre nach der Abmeldung; fällig: {len(due)} Fälle")
    for case in due:
        print(f"{case.client_id}  Team {case.team}  abgemeldet am {case.abgemeldet_am:%d.%m.%Y}  "
              f"fällig seit {case.faellig_seit:%d.%m.%Y}")
    return 0


def _retention_delete(args: argparse.Namespace) -> int:
    from services.access import SYSTEM
    from services.retention import delete_due_cases
    from storage import open_store

    if not args.confirm:
        print("Zum Löschen bitte --confirm angeben (vorher: vierphasen retention list).", file=sys.stderr)
        return 2
    store = open_store()
    try:
        deleted = delete_due_cases(store, actor=SYSTEM)
    finally:
        store.close_store()
    prefix = "Nach dem Zurückspielen erneut gelöscht" if getattr(args, "after_restore", False) else "Gelöscht"
    print(f"{prefix}: {len(deleted)} Fälle nach Ablauf der Löschfrist" + "".join(f"\n{i}" for i in deleted))
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from config import get_settings
    from storage.admin import migrate

    print(migrate(get_settings().data_dir, args.to))
    return 0


def _audit_verify(args: argparse.Namespace) -> int:
    from storage import open_store
    from storage.admin import audit_verify

    store = open_store()
    try:
        intact, message = audit_verify(store)
    finally:
        store.close_store()
    print(message, file=sys.stdout if intact else sys.stderr)
    return 0 if intact else 1


def _audit_seal(args: argparse.Namespace) -> int:
    from storage import open_store
    from storage.admin import audit_seal

    store = open_store()
    try:
        print(audit_seal(store))
    finally:
        store.close_store()
    return 0


def _add_storage_commands(commands: argparse._SubParsersAction) -> None:
    backup = commands.add_parser("backup", help="TinyDB-Datenverzeichnis im laufenden Betrieb sichern")
    backup.add_argument("dir", help="leeres Zielverzeichnis")
    backup.set_defaults(run=_backup)
    restore = commands.add_parser("restore", help="Sicherung zurückspielen (App vorher beenden)")
    restore.add_argument("dir", help="Verzeichnis einer Sicherung (mit MANIFEST.json)")
    restore.set_defaults(run=_restore)
    migrate = commands.add_parser("migrate", help="alle Daten aus TinyDB in eine leere PostgreSQL-Datenbank übernehmen")
    migrate.add_argument("--to", required=True, help="postgresql://benutzer:passwort@host:port/datenbank")
    migrate.set_defaults(run=_migrate)
    audit = commands.add_parser("audit", help="Audit-Protokoll").add_subparsers(dest="action", required=True)
    verify = audit.add_parser("verify", help="Hash-Kette prüfen; Exit-Code 1 und erster gebrochener Eintrag")
    verify.set_defaults(run=_audit_verify)
    seal = audit.add_parser("seal", help="Neuestes Audit-Ende mit dem aktuellen Schlüssel bestätigen (nach "
                                         "Einrichten, Wechsel oder Verlust des Schlüssels)")
    seal.set_defaults(run=_audit_seal)
    retention = commands.add_parser("retention", help="Löschfristen (Akten nach Ablauf löschen)").add_subparsers(
        dest="action", required=True)
    listing = retention.add_parser("list", help="fällige Fälle anzeigen (Kennungen, keine Namen)")
    listing.set_defaults(run=_retention_list)
    delete = retention.add_parser("delete", help="fällige Fälle mit allen Daten der Person löschen")
    delete.add_argument("--confirm", action="store_true", help="ohne diese Angabe wird nichts gelöscht")
    delete.set_defaults(run=_retention_delete)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vierphasen", description="Vierphasen – Verwaltung auf der Kommandozeile")
    commands = parser.add_subparsers(dest="command", required=True)

    catalogue = commands.add_parser("catalogue", help="Katalog prüfen").add_subparsers(dest="action", required=True)
    check = catalogue.add_parser("check", help="Katalogdatei prüfen; Exit-Code 1 bei Fehlern")
    check.add_argument("file")
    check.add_argument("--store", action="store_true",
                       help="auch gegen die veröffentlichten Versionen im eingestellten Speicher prüfen: kein "
                            "veröffentlichter Eintrag darf fehlen (wie beim Veröffentlichen)")
    check.set_defaults(run=_catalogue_check)

    user = commands.add_parser("user", help="Benutzerkonten").add_subparsers(dest="action", required=True)
    add = user.add_parser("add", help="Benutzerkonto anlegen (Passwort wird abgefragt, nie als Argument)")
    add.add_argument("--username", required=True, help="Benutzername (3–40 Zeichen: a–z, 0–9, . - _)")
    add.add_argument("--name", required=True, help="Anzeigename, z. B. „Erika Mustermann“")
    add.add_argument("--role", required=True, help="IFK, KDN-Fachbetreuung (oder KDN), Trainer, Fachaufsicht")
    add.add_argument("--team", default="", help="Team (Pflicht für IFK)")
    add.add_argument("--password-stdin", action="store_true", help="Passwort als erste Zeile von stdin lesen")
    add.set_defaults(run=_user_add)
    _add_storage_commands(commands)

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
