"""The house-wide backend: PostgreSQL through psycopg 3 and a connection pool; the schema migrates itself at start.

Each kind has its table (id, client_id, revision, status, created_at, data JSONB). A change runs in one
transaction: the row is locked (SELECT … FOR UPDATE), checked, the audit entry appended under a table lock that
serialises the hash chain, and the row written with `WHERE revision = <old>`. The audit table and the catalogue
versions refuse UPDATE, DELETE and TRUNCATE by trigger.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import psycopg_pool
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from errors import AlreadyExists, DomainError, NotFound, StorageUnavailable
from schemas.records import AuditEntry, CatalogueVersion, Client, Record, User, utcnow
from storage import audit_chain
from storage.base import CLIENT_KINDS, LIFECYCLE_KINDS, R
from storage.core import KATALOG_VEROEFFENTLICHT, TABLES, RuleStore, check_id, check_kind

_UNAVAILABLE = (
    "Die Datenbank ist nicht erreichbar oder hat den Vorgang abgelehnt. Bitte versuchen Sie es später erneut."
)

_RECORD_TABLE = """
CREATE TABLE {table} (
    id text PRIMARY KEY,
    client_id text NOT NULL REFERENCES clients(id),
    revision integer NOT NULL,
    status text,
    created_at timestamptz NOT NULL,
    data jsonb NOT NULL
);
CREATE INDEX {table}_client ON {table} (client_id, created_at DESC, id DESC);
"""

#: Schema migrations, applied in order once each; never edit a released one, append a new one.
MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
CREATE TABLE clients (
    id text PRIMARY KEY,
    kundennummer text NOT NULL UNIQUE,
    team text NOT NULL,
    revision integer NOT NULL,
    created_at timestamptz NOT NULL,
    data jsonb NOT NULL
);
CREATE INDEX clients_team ON clients (team);
CREATE TABLE users (
    id text PRIMARY KEY,
    username text NOT NULL UNIQUE,
    revision integer NOT NULL,
    created_at timestamptz NOT NULL,
    data jsonb NOT NULL
);
"""
        + "".join(
            _RECORD_TABLE.format(table=t) for t in ("profilings", "egvs", "folgegespraeche", "documents")
        )
        + """
CREATE TABLE catalogue_versions (
    number integer PRIMARY KEY,
    text text NOT NULL,
    note text NOT NULL,
    published_by text NOT NULL,
    published_at timestamptz NOT NULL
);
CREATE TABLE audit (
    seq bigint PRIMARY KEY,
    at timestamptz NOT NULL,
    actor text NOT NULL,
    role text NOT NULL,
    action text NOT NULL,
    record_kind text NOT NULL,
    record_id text NOT NULL,
    client_id text,
    catalogue_version integer,
    reason text,
    prev_hash text NOT NULL,
    hash text NOT NULL
);
CREATE INDEX audit_client ON audit (client_id, seq);
CREATE INDEX audit_record ON audit (record_id, seq);
CREATE FUNCTION vierphasen_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'Tabelle % ist unveränderlich: % verweigert', TG_TABLE_NAME, TG_OP;
END
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION vierphasen_refuse_change();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION vierphasen_refuse_change();
CREATE TRIGGER catalogue_keep BEFORE UPDATE OR DELETE ON catalogue_versions
    FOR EACH ROW EXECUTE FUNCTION vierphasen_refuse_change();
CREATE TRIGGER catalogue_no_truncate BEFORE TRUNCATE ON catalogue_versions
    FOR EACH STATEMENT EXECUTE FUNCTION vierphasen_refuse_change();
""",
    ),
]

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@contextmanager
def _db_errors() -> Iterator[None]:
    try:
        yield
    except DomainError:
        raise
    except psycopg_pool.PoolTimeout as exc:
        raise StorageUnavailable(_UNAVAILABLE) from exc
    except psycopg.Error as exc:
        raise StorageUnavailable(_UNAVAILABLE) from exc


def _ident(name: str) -> sql.Identifier:
    return sql.Identifier(name)


class _PgTx:
    def __init__(self, store: PostgresStore, conn: psycopg.Connection, kind: type[Record], record_id: str,
                 client_id: str | None):  # fmt: skip
        self.store = store
        self.conn = conn
        self.kind = kind
        self.table = TABLES[kind]
        self.record_id = record_id
        if client_id is not None:
            row = conn.execute("SELECT 1 FROM clients WHERE id = %s FOR KEY SHARE", (client_id,)).fetchone()
            if row is None:
                raise NotFound(f"Kunde „{client_id}“ wurde nicht gefunden.")
        row = conn.execute(
            sql.SQL("SELECT data FROM {} WHERE id = %s FOR UPDATE").format(_ident(self.table)), (record_id,)
        ).fetchone()
        self.stored = kind.model_validate(row["data"]) if row else None

    def ensure_unique(self, record: Record) -> None:
        if isinstance(record, Client):
            row = self.conn.execute(
                "SELECT 1 FROM clients WHERE kundennummer = %s AND id <> %s", (record.kundennummer, record.id)
            ).fetchone()
            if row:
                raise AlreadyExists(f"Die Kundennummer {record.kundennummer} ist bereits vergeben.")
        elif isinstance(record, User):
            row = self.conn.execute(
                "SELECT 1 FROM users WHERE username = %s AND id <> %s", (record.username, record.id)
            ).fetchone()
            if row:
                raise AlreadyExists(f"Der Benutzername „{record.username}“ ist bereits vergeben.")

    def put(self, record: Record) -> None:
        try:
            if self.stored is None:
                self.store.insert(self.conn, record)
            else:
                columns, values = self.store.columns(record)
                assignments = sql.SQL(", ").join(
                    sql.SQL("{} = %s").format(_ident(c)) for c in columns if c != "id"
                )
                cursor = self.conn.execute(
                    sql.SQL("UPDATE {} SET {} WHERE id = %s AND revision = %s").format(
                        _ident(self.table), assignments
                    ),
                    [v for c, v in zip(columns, values) if c != "id"] + [record.id, self.stored.revision],
                )
                if cursor.rowcount != 1:  # cannot happen under the row lock; refuse rather than overwrite
                    raise self.store._stale(self.kind, self.stored, self)
        except psycopg.errors.UniqueViolation as exc:
            raise AlreadyExists("Der Datensatz ist bereits gespeichert.") from exc

    def user(self, username: str) -> User | None:
        row = self.conn.execute("SELECT data FROM users WHERE username = %s", (username,)).fetchone()
        return User.model_validate(row["data"]) if row else None

    def delete(self) -> None:
        self.conn.execute(
            sql.SQL("DELETE FROM {} WHERE id = %s").format(_ident(self.table)), (self.record_id,)
        )

    def audit(self, **fields: Any) -> AuditEntry:
        return self.store.append_audit(self.conn, fields)


class PostgresStore(RuleStore):
    """The PostgreSQL store; `schema` (optional) keeps its tables in their own schema (tests, several tenants)."""

    def __init__(self, url: str, *, schema: str | None = None, max_size: int = 10, timeout: float = 15.0):
        if schema is not None and not _SCHEMA_NAME.match(schema):
            raise ValueError(f"invalid schema name {schema!r}")
        self.url = url
        self.schema = schema
        kwargs: dict[str, Any] = {"row_factory": dict_row}
        if schema:
            kwargs["options"] = f"-c search_path={schema}"
        self.pool = psycopg_pool.ConnectionPool(
            url, min_size=1, max_size=max_size, kwargs=kwargs, timeout=timeout, open=False, name="vierphasen"
        )
        with _db_errors():
            try:
                self.pool.open(wait=True, timeout=timeout)
            except psycopg_pool.PoolTimeout as exc:
                self.pool.close()
                raise StorageUnavailable(_UNAVAILABLE) from exc
            try:
                self.migrate_schema()
            except BaseException:
                self.pool.close()
                raise

    def __repr__(self) -> str:
        return f"PostgresStore(schema={self.schema!r})"

    def close_store(self) -> None:
        self.pool.close()

    def migrate_schema(self) -> list[int]:
        """Create or migrate the schema; safe to run by several app instances at once. Returns what it applied."""
        applied: list[int] = []
        with self.pool.connection() as conn, conn.transaction():
            # one lock for every schema on the server: app instances starting together migrate one after another
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('vierphasen-migrate'))")
            if self.schema:
                conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(_ident(self.schema)))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                " version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {row["version"] for row in conn.execute("SELECT version FROM schema_version")}
            for version, script in MIGRATIONS:
                if version in done:
                    continue
                conn.execute(script)
                conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))
                applied.append(version)
        return applied

    # --- rows ------------------------------------------------------------------------------------------
    @staticmethod
    def columns(record: Record) -> tuple[list[str], list[Any]]:
        data = record.model_dump(mode="json")
        columns = ["id", "revision", "created_at", "data"]
        values: list[Any] = [record.id, record.revision, record.created_at, Jsonb(data)]
        if isinstance(record, Client):
            columns += ["kundennummer", "team"]
            values += [record.kundennummer, record.team]
        elif isinstance(record, User):
            columns.append("username")
            values.append(record.username)
        else:
            columns.append("client_id")
            values.append(record.client_id)  # type: ignore[attr-defined]
            columns.append("status")
            values.append(str(record.status) if type(record) in LIFECYCLE_KINDS else None)  # type: ignore[attr-defined]
        return columns, values

    def insert(self, conn: psycopg.Connection, record: Record) -> None:
        columns, values = self.columns(record)
        conn.execute(
            sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                _ident(TABLES[type(record)]),
                sql.SQL(", ").join(map(_ident, columns)),
                sql.SQL(", ").join(sql.Placeholder() * len(columns)),
            ),
            values,
        )

    @contextmanager
    def _tx(self, kind: type[Record], record_id: str, *, client_id: str | None = None) -> Iterator[_PgTx]:
        with _db_errors(), self.pool.connection() as conn, conn.transaction():
            yield _PgTx(self, conn, kind, record_id, client_id)

    # --- reads -----------------------------------------------------------------------------------------
    def get(self, kind: type[R], record_id: str) -> R:
        check_kind(kind)
        check_id(record_id)
        with _db_errors(), self.pool.connection() as conn:
            row = conn.execute(
                sql.SQL("SELECT data FROM {} WHERE id = %s").format(_ident(TABLES[kind])), (record_id,)
            ).fetchone()
        if row is None:
            raise self._not_found(kind, record_id)
        return kind.model_validate(row["data"])

    def list_for_client(self, kind: type[R], client_id: str) -> list[R]:
        check_kind(kind)
        check_id(client_id)
        if kind is User:
            return []
        column = "id" if kind is Client else "client_id"
        with _db_errors(), self.pool.connection() as conn:
            rows = conn.execute(
                sql.SQL(
                    'SELECT data FROM {} WHERE {} = %s ORDER BY created_at DESC, id COLLATE "C" DESC'
                ).format(_ident(TABLES[kind]), _ident(column)),
                (client_id,),
            ).fetchall()
        return [kind.model_validate(row["data"]) for row in rows]

    def find_clients(self, text: str = "", *, team: str | None = None, limit: int = 50) -> list[Client]:
        needle = text.strip().lower()
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with _db_errors(), self.pool.connection() as conn:
            rows = conn.execute(
                """
                SELECT data FROM clients
                WHERE (%(team)s::text IS NULL OR team = %(team)s)
                  AND (%(needle)s = ''
                       OR lower(kundennummer) LIKE %(p)s
                       OR lower(data->>'vorname') LIKE %(p)s
                       OR lower(data->>'nachname') LIKE %(p)s
                       OR lower((data->>'vorname') || ' ' || (data->>'nachname')) LIKE %(p)s)
                ORDER BY lower(data->>'nachname') COLLATE "C", lower(data->>'vorname') COLLATE "C",
                         id COLLATE "C"
                LIMIT %(limit)s
                """,
                {"team": team, "needle": needle, "p": pattern, "limit": limit},
            ).fetchall()
        return [Client.model_validate(row["data"]) for row in rows]

    def client_by_kundennummer(self, kundennummer: str) -> Client | None:
        with _db_errors(), self.pool.connection() as conn:
            row = conn.execute("SELECT data FROM clients WHERE kundennummer = %s", (kundennummer,)).fetchone()
        return Client.model_validate(row["data"]) if row else None

    def user_by_username(self, username: str) -> User | None:
        with _db_errors(), self.pool.connection() as conn:
            row = conn.execute("SELECT data FROM users WHERE username = %s", (username,)).fetchone()
        return User.model_validate(row["data"]) if row else None

    def list_users(self) -> list[User]:
        with _db_errors(), self.pool.connection() as conn:
            rows = conn.execute('SELECT data FROM users ORDER BY username COLLATE "C"').fetchall()
        return [User.model_validate(row["data"]) for row in rows]

    # --- audit trail -------------------------------------------------------------------------------------
    def append_audit(self, conn: psycopg.Connection, fields: dict[str, Any]) -> AuditEntry:
        """Append in the caller's transaction; the table lock serialises the chain until commit."""
        conn.execute("LOCK TABLE audit IN EXCLUSIVE MODE")
        last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last["seq"], last["hash"]) if last else (0, audit_chain.GENESIS)
        entry = audit_chain.make_entry(seq=seq + 1, prev_hash=prev, at=utcnow(), **fields)
        self._insert_audit(conn, [entry])
        return entry

    @staticmethod
    def _insert_audit(conn: psycopg.Connection, entries: list[AuditEntry]) -> None:
        with conn.cursor() as cursor:
            cursor.executemany(
                """
                INSERT INTO audit (seq, at, actor, role, action, record_kind, record_id, client_id,
                                   catalogue_version, reason, prev_hash, hash)
                VALUES (%(seq)s, %(at)s, %(actor)s, %(role)s, %(action)s, %(record_kind)s, %(record_id)s,
                        %(client_id)s, %(catalogue_version)s, %(reason)s, %(prev_hash)s, %(hash)s)
                """,
                [e.model_dump() for e in entries],
            )

    def audit_append(self, *, actor: User, action: str, record_kind: str, record_id: str,
                     client_id: str | None = None, catalogue_version: int | None = None,
                     reason: str | None = None) -> AuditEntry:  # fmt: skip
        fields = {
            "actor": actor.username,
            "role": str(actor.role),
            "action": action,
            "record_kind": record_kind,
            "record_id": record_id,
            "client_id": client_id,
            "catalogue_version": catalogue_version,
            "reason": reason,
        }
        with _db_errors(), self.pool.connection() as conn, conn.transaction():
            return self.append_audit(conn, fields)

    def _audit_rows(self, where: str = "", params: tuple = ()) -> list[AuditEntry]:
        with _db_errors(), self.pool.connection() as conn:
            rows = conn.execute(f"SELECT * FROM audit {where} ORDER BY seq", params).fetchall()
        return [AuditEntry.model_validate(row) for row in rows]

    def audit_entries(
        self, *, client_id: str | None = None, record_id: str | None = None
    ) -> list[AuditEntry]:
        conditions, params = [], []
        if client_id is not None:
            conditions.append("client_id = %s")
            params.append(client_id)
        if record_id is not None:
            conditions.append("record_id = %s")
            params.append(record_id)
        where = ("WHERE " + " AND ".join(conditions)) if conditions else ""
        return self._audit_rows(where, tuple(params))

    def audit_verify(self) -> int | None:
        with (
            _db_errors(),
            self.pool.connection() as conn,
            conn.transaction(),
            conn.cursor(name="audit_verify") as cursor,
        ):
            cursor.itersize = 5000
            cursor.execute("SELECT * FROM audit ORDER BY seq")
            return audit_chain.first_break(AuditEntry.model_validate(row) for row in cursor)

    # --- catalogue versions ------------------------------------------------------------------------------
    def publish_catalogue(self, text: str, *, note: str, actor: User) -> CatalogueVersion:
        with _db_errors(), self.pool.connection() as conn, conn.transaction():
            conn.execute("LOCK TABLE catalogue_versions IN EXCLUSIVE MODE")
            number = conn.execute(
                "SELECT coalesce(max(number), 0) + 1 AS n FROM catalogue_versions"
            ).fetchone()["n"]
            version = CatalogueVersion(
                number=number, text=text, note=note, published_by=actor.username, published_at=utcnow()
            )
            self._insert_catalogue(conn, [version])
            self.append_audit(
                conn,
                {
                    "actor": actor.username,
                    "role": str(actor.role),
                    "action": KATALOG_VEROEFFENTLICHT,
                    "record_kind": "Katalog",
                    "record_id": str(number),
                    "client_id": None,
                    "catalogue_version": number,
                    "reason": None,
                },
            )
        return version

    @staticmethod
    def _insert_catalogue(conn: psycopg.Connection, versions: list[CatalogueVersion]) -> None:
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO catalogue_versions (number, text, note, published_by, published_at)"
                " VALUES (%(number)s, %(text)s, %(note)s, %(published_by)s, %(published_at)s)",
                [v.model_dump() for v in versions],
            )

    def catalogue_version(self, number: int) -> CatalogueVersion:
        with _db_errors(), self.pool.connection() as conn:
            row = conn.execute("SELECT * FROM catalogue_versions WHERE number = %s", (number,)).fetchone()
        if row is None:
            raise NotFound(f"Die Katalogversion {number} gibt es nicht.")
        return CatalogueVersion.model_validate(row)

    def catalogue_numbers(self) -> list[int]:
        with _db_errors(), self.pool.connection() as conn:
            return [
                row["number"] for row in conn.execute("SELECT number FROM catalogue_versions ORDER BY number")
            ]

    # --- export / import ---------------------------------------------------------------------------------
    def export_records(self, kind: type[R]) -> Iterator[R]:
        check_kind(kind)
        with _db_errors(), self.pool.connection() as conn:
            rows = conn.execute(
                sql.SQL('SELECT data FROM {} ORDER BY id COLLATE "C"').format(_ident(TABLES[kind]))
            ).fetchall()
        return iter([kind.model_validate(row["data"]) for row in rows])

    def export_catalogue(self) -> list[CatalogueVersion]:
        return [self.catalogue_version(n) for n in self.catalogue_numbers()]

    def export_audit(self) -> list[AuditEntry]:
        return self._audit_rows()

    def is_empty(self) -> bool:
        with _db_errors(), self.pool.connection() as conn:
            return self.is_empty_in(conn)

    def import_all(self, records, audit, catalogue) -> None:
        """Copy everything verbatim into this empty store in one transaction (COPY for speed)."""
        with _db_errors(), self.pool.connection() as conn, conn.transaction():
            conn.execute("LOCK TABLE audit IN EXCLUSIVE MODE")
            if not self.is_empty_in(conn):
                raise AlreadyExists("Die Zieldatenbank enthält bereits Daten; es wird nichts überschrieben.")
            order = [Client, User, *CLIENT_KINDS]
            for kind in order:
                items = records.get(kind, [])
                if not items:
                    continue
                columns, _ = self.columns(items[0])
                with conn.cursor() as cursor:
                    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
                        _ident(TABLES[kind]), sql.SQL(", ").join(map(_ident, columns))
                    )
                    with cursor.copy(copy_sql) as copy:
                        for record in items:
                            _, values = self.columns(record)
                            copy.write_row(values)
            if catalogue:
                self._insert_catalogue(conn, catalogue)
            if audit:
                with (
                    conn.cursor() as cursor,
                    cursor.copy(
                        "COPY audit (seq, at, actor, role, action, record_kind, record_id, client_id,"
                        " catalogue_version, reason, prev_hash, hash) FROM STDIN"
                    ) as copy,
                ):
                    for e in audit:
                        copy.write_row(
                            [e.seq, e.at, e.actor, e.role, e.action, e.record_kind, e.record_id, e.client_id,
                             e.catalogue_version, e.reason, e.prev_hash, e.hash]
                        )  # fmt: skip

    @staticmethod
    def is_empty_in(conn: psycopg.Connection) -> bool:
        for table in (*TABLES.values(), "audit", "catalogue_versions"):
            if conn.execute(sql.SQL("SELECT 1 FROM {} LIMIT 1").format(_ident(table))).fetchone():
                return False
        return True
