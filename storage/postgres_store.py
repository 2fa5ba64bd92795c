"""The house-wide backend: PostgreSQL through psycopg 3 and a connection pool; the schema migrates itself at start.

Each kind has its table (id, client_id, revision, status, created_at, data JSONB). A change runs in one
transaction: the row is locked (SELECT … FOR UPDATE), checked, the audit entry appended under a table lock that
serialises the hash chain, and the row written with `WHERE revision = <old>`. The audit table and the catalogue
versions refuse UPDATE, DELETE and TRUNCATE by trigger.

Round trips are what a request waits for when the server is busy, so a read is one statement: the pool's
connections are in autocommit mode (every change opens its transaction with `conn.transaction()`), and a connection
is checked with a query only when its socket shows that the server has sent something (`_check_idle`).
"""

from __future__ import annotations

import re
import select
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from time import time as time_now
from typing import Any

import psycopg
import psycopg_pool
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from dates import BERLIN
from errors import AlreadyExists, DomainError, InvalidInput, NotFound, StorageUnavailable
from schemas.audit import Aktion, AuditAction
from schemas.records import (
    AuditEntry,
    CatalogueDraft,
    CatalogueVersion,
    Client,
    Profiling,
    Record,
    User,
    Vertretung,
    utcnow,
)
from storage import audit_chain
from storage.base import (
    CLIENT_KINDS,
    KIND_NAMES,
    LIFECYCLE_KINDS,
    DueItem,
    R,
    ReportCounts,
    VerlaufCounts,
    state_live,
)
from storage.core import (
    CONTROL_MESSAGE,
    TABLES,
    RuleStore,
    audit_fields,
    check_id,
    check_kind,
    check_text,
    stale_draft,
)

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
    (
        2,
        # issue 8: the one shared catalogue draft (a single row, id = 1), and open profilings found quickly
        """
CREATE TABLE catalogue_draft (
    id integer PRIMARY KEY CHECK (id = 1),
    text text NOT NULL,
    base_version integer NOT NULL,
    revision integer NOT NULL,
    saved_by text NOT NULL,
    saved_at timestamptz NOT NULL
);
CREATE INDEX profilings_open ON profilings (status) WHERE status = 'offen';
""",
    ),
    (
        3,
        # the newest audit entry, kept beside the trail by a trigger, so that entries removed from its end show
        """
CREATE TABLE audit_head (
    id integer PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL,
    hash text NOT NULL
);
INSERT INTO audit_head SELECT 1, seq, hash FROM audit ORDER BY seq DESC LIMIT 1;
CREATE FUNCTION vierphasen_audit_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_head VALUES (1, NEW.seq, NEW.hash)
        ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash WHERE audit_head.seq < EXCLUDED.seq;
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_head_advance AFTER INSERT ON audit
    FOR EACH ROW EXECUTE FUNCTION vierphasen_audit_head();
""",
    ),
    (
        4,
        # issue 18: transient security state shared by every instance (sign-in throttling, session activity)
        """
CREATE TABLE security_state (
    key text PRIMARY KEY,
    value jsonb NOT NULL,
    expires double precision
);
CREATE INDEX security_state_expires ON security_state (expires);
""",
    ),
    (
        5,
        # issue 18: the head's HMAC under the audit key (written by the app; the trigger clears it on every append)
        """
ALTER TABLE audit_head ADD COLUMN mac text;
CREATE OR REPLACE FUNCTION vierphasen_audit_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_head VALUES (1, NEW.seq, NEW.hash, NULL)
        ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, mac = NULL
        WHERE audit_head.seq < EXCLUDED.seq;
    RETURN NULL;
END
$$;
""",
    ),
    (
        6,
        # issue 14: Vertretungen (per installation), and ended cases found quickly for the Löschfristen
        """
CREATE TABLE vertretungen (
    id text PRIMARY KEY,
    revision integer NOT NULL,
    created_at timestamptz NOT NULL,
    data jsonb NOT NULL
);
CREATE INDEX clients_ended ON clients ((data->>'abgemeldet_am'), id)
    WHERE data->>'abgemeldet_am' IS NOT NULL;
""",
    ),
    (
        7,
        # issue 16: measures (Maßnahmen), job starts (Beschäftigungsaufnahmen) and job searches (Stellensuchläufe)
        "".join(_RECORD_TABLE.format(table=t) for t in ("massnahmen", "beschaeftigungsaufnahmen", "stellensuchlaeufe")),
    ),
    (
        8,
        # issue 19: the head advances once per statement, not once per row. A row trigger updated the one head row
        # for every entry of a bulk COPY (restore, migration) within one transaction, and each update had to walk
        # the row's growing chain of dead versions: quadratic (> 3 min at 200,000 entries). A normal append
        # inserts one row per statement, so its cost is unchanged. Like before (5), an append clears the head's mac.
        """
DROP TRIGGER audit_head_advance ON audit;
CREATE FUNCTION vierphasen_audit_head_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_head SELECT 1, seq, hash, NULL FROM new_rows ORDER BY seq DESC LIMIT 1
        ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, mac = NULL
        WHERE audit_head.seq < EXCLUDED.seq;
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_head_advance AFTER INSERT ON audit REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION vierphasen_audit_head_statement();
DROP FUNCTION vierphasen_audit_head();
""",
    ),
    (
        9,
        # issue 16: the Wiedervorlage finds running measures by their planned end and job starts by their follow-up
        # date; "a Folgegespräch held on or after" is looked up per client and date
        """
CREATE INDEX massnahmen_laufend_ende ON massnahmen ((data->>'ende_geplant'))
    WHERE data->>'ende_tatsaechlich' IS NULL;
CREATE INDEX beschaeftigungsaufnahmen_nachhalten ON beschaeftigungsaufnahmen ((data->>'nachhalten_am'))
    WHERE data->>'nachhalten_am' IS NOT NULL;
CREATE INDEX folgegespraeche_datum ON folgegespraeche (client_id, (data->>'datum'));
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
    except psycopg.DataError as exc:  # the input, not the server: e.g. NUL in a search text
        raise InvalidInput(CONTROL_MESSAGE) from exc
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

    def put(self, record: Record, *, audit: dict[str, Any]) -> None:
        # The row first, then the audit entry, in the same transaction (both or neither): the audit table's lock,
        # which every change of the house waits for, is then held only for the entry and the commit.
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
        self.store.append_audit(self.conn, audit)

    def user(self, username: str) -> User | None:
        row = self.conn.execute("SELECT data FROM users WHERE username = %s", (username,)).fetchone()
        return User.model_validate(row["data"]) if row else None

    def delete(self, *, audit: dict[str, Any]) -> None:
        self.conn.execute(
            sql.SQL("DELETE FROM {} WHERE id = %s").format(_ident(self.table)), (self.record_id,)
        )
        self.store.append_audit(self.conn, audit)  # last: see `put`


_RECONNECT_ROUND_S = 5.0


def _check_idle(conn: psycopg.Connection) -> None:
    """The pool's check before it hands out a connection: a round trip only if the connection may be broken.

    An idle connection has nothing to read. A server that ended it (restart, shutdown, terminated backend) has sent
    its last message or closed the socket, which makes the socket readable: then psycopg's check (an empty query)
    raises and the pool replaces the connection. A healthy idle connection costs one poll, not a round trip."""
    if conn.closed:
        raise psycopg.OperationalError("connection closed")
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    if poller.poll(0) or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        psycopg_pool.ConnectionPool.check_connection(conn)


def _next_reconnect_round(pool: psycopg_pool.ConnectionPool) -> None:
    if not pool.closed:
        pool.check()  # an empty pool below its minimum starts a new connection attempt


class PostgresStore(RuleStore):
    """The PostgreSQL store; `schema` (optional) keeps its tables in their own schema (tests, several tenants)."""

    def __init__(self, url: str, *, schema: str | None = None, max_size: int = 10, timeout: float = 15.0):
        if schema is not None and not _SCHEMA_NAME.match(schema):
            raise ValueError(f"invalid schema name {schema!r}")
        self.url = url
        self.schema = schema
        #: published catalogue versions as read: they never change (triggers catalogue_keep, catalogue_no_truncate)
        self._versions: dict[int, CatalogueVersion] = {}
        kwargs: dict[str, Any] = {"row_factory": dict_row, "autocommit": True}
        if schema:
            kwargs["options"] = f"-c search_path={schema}"
        # check: a connection broken by a server restart is replaced before use, not handed out (issue 10).
        # While the server is down the pool retries with a doubling pause; left alone (5 minutes) the pause grows
        # past a request's wait, and the first requests after the server is back would still fail. So a round of
        # retries gives up after _RECONNECT_ROUND_S and the next round starts at once: a retry at least every 2 s.
        self.pool = psycopg_pool.ConnectionPool(
            url, min_size=1, max_size=max_size, kwargs=kwargs, timeout=timeout, open=False, name="vierphasen",
            check=_check_idle,
            reconnect_timeout=_RECONNECT_ROUND_S, reconnect_failed=_next_reconnect_round,
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
        elif isinstance(record, Vertretung):
            pass
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

    def records_of_team(self, kind: type[R], team: str | None) -> list[R]:
        """One query instead of one per client (the generic version reads each client's records)."""
        check_kind(kind)
        if kind not in CLIENT_KINDS:
            return super().records_of_team(kind, team)
        query = sql.SQL(
            "SELECT r.data FROM {} r JOIN clients c ON c.id = r.client_id"
            " WHERE %(team)s::text IS NULL OR c.team = %(team)s"
            ' ORDER BY r.client_id COLLATE "C", r.created_at DESC, r.id COLLATE "C" DESC'
        ).format(_ident(TABLES[kind]))
        with _db_errors(), self.pool.connection() as conn:
            rows = conn.execute(query, {"team": team}).fetchall()
        return [kind.model_validate(row["data"]) for row in rows]

    def find_clients(self, text: str = "", *, team: str | None = None, limit: int = 50) -> list[Client]:
        needle = check_text(text).strip().lower()
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
        """Append in the caller's transaction; the table lock serialises the chain until commit.

        Every change of the house waits for that lock, so it is held for as few round trips as can be: the lock
        and the newest entry in one (a pipeline), the entry and the head's signature in one, then the commit."""
        key = audit_chain.audit_key()  # an unusable configured key refuses before anything is written
        with conn.pipeline():
            conn.execute("LOCK TABLE audit IN EXCLUSIVE MODE")
            newest = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        last = newest.fetchone()
        seq, prev = (last["seq"], last["hash"]) if last else (0, audit_chain.GENESIS)
        entry = audit_chain.make_entry(seq=seq + 1, prev_hash=prev, at=utcnow(), **fields)
        with conn.pipeline():
            self._insert_audit(conn, [entry])
            if key is not None:  # the trigger has just made this entry the head
                conn.execute("UPDATE audit_head SET mac = %s", (audit_chain.head_mac(key, entry.seq, entry.hash),))
        return entry

    @staticmethod
    def _sign_head(conn: psycopg.Connection, key: bytes | None) -> None:
        """Put the HMAC of the newest entry into audit_head (in the caller's transaction); nothing without a key."""
        if key is None:
            return
        head = conn.execute("SELECT seq, hash FROM audit_head").fetchone()
        if head:
            conn.execute("UPDATE audit_head SET mac = %s", (audit_chain.head_mac(key, head["seq"], head["hash"]),))

    def audit_seal(self) -> int | None:
        """Sign the newest entry with the current audit key (see TinyDBStore.audit_seal)."""
        with _db_errors(), self.pool.connection() as conn, conn.transaction():
            conn.execute("LOCK TABLE audit IN EXCLUSIVE MODE")
            rows = conn.execute("SELECT * FROM audit ORDER BY seq").fetchall()
            if audit_chain.first_break(AuditEntry.model_validate(row) for row in rows) is not None:
                raise InvalidInput(audit_chain.SEAL_REFUSED)
            self._sign_head(conn, audit_chain.audit_key())
            return rows[-1]["seq"] if rows else None

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

    def audit_append(self, *, actor: User, action: AuditAction | Aktion, record_kind: str, record_id: str,
                     client_id: str | None = None, catalogue_version: int | None = None,
                     reason: str | None = None) -> AuditEntry:  # fmt: skip
        fields = audit_fields(actor, action, record_kind, record_id, client_id, catalogue_version, reason)
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
            head = conn.execute("SELECT seq, hash, mac FROM audit_head").fetchone()
            cursor.itersize = 5000
            cursor.execute("SELECT * FROM audit ORDER BY seq")
            return audit_chain.verify(
                (AuditEntry.model_validate(row) for row in cursor),
                {k: v for k, v in head.items() if v is not None} if head else None,
                audit_chain.audit_key(),
            )

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
                conn, audit_fields(actor, AuditAction.KATALOG_VEROEFFENTLICHT, "Katalog", str(number), None, number, None)
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
        """A published version: read from the database once per store (a page run asks for it several times)."""
        version = self._versions.get(number)
        if version is None:
            with _db_errors(), self.pool.connection() as conn:
                row = conn.execute("SELECT * FROM catalogue_versions WHERE number = %s", (number,)).fetchone()
            if row is None:
                raise NotFound(f"Die Katalogversion {number} gibt es nicht.")
            version = self._versions.setdefault(number, CatalogueVersion.model_validate(row))
        return version.model_copy()

    def catalogue_numbers(self) -> list[int]:
        with _db_errors(), self.pool.connection() as conn:
            return [
                row["number"] for row in conn.execute("SELECT number FROM catalogue_versions ORDER BY number")
            ]

    # --- catalogue draft (issue 8) ------------------------------------------------------------------------
    def catalogue_draft(self) -> CatalogueDraft | None:
        with _db_errors(), self.pool.connection() as conn:
            row = conn.execute(
                "SELECT text, base_version, revision, saved_by, saved_at FROM catalogue_draft WHERE id = 1"
            ).fetchone()
        return CatalogueDraft.model_validate(row) if row else None

    def save_catalogue_draft(self, text: str, *, base_version: int, revision: int, actor: User) -> CatalogueDraft:
        with _db_errors(), self.pool.connection() as conn, conn.transaction():
            conn.execute("LOCK TABLE catalogue_draft IN EXCLUSIVE MODE")  # also serialises the first insert
            row = conn.execute(
                "SELECT text, base_version, revision, saved_by, saved_at FROM catalogue_draft WHERE id = 1"
            ).fetchone()
            stored = CatalogueDraft.model_validate(row) if row else None
            if (stored.revision if stored else 0) != revision:
                if stored is None:
                    raise NotFound("Der Katalogentwurf wurde inzwischen veröffentlicht oder verworfen.")
                raise stale_draft(stored)
            draft = CatalogueDraft(text=text, base_version=base_version, revision=revision + 1,
                                   saved_by=actor.username, saved_at=utcnow())
            conn.execute(
                "INSERT INTO catalogue_draft (id, text, base_version, revision, saved_by, saved_at)"
                " VALUES (1, %(text)s, %(base_version)s, %(revision)s, %(saved_by)s, %(saved_at)s)"
                " ON CONFLICT (id) DO UPDATE SET text = EXCLUDED.text, base_version = EXCLUDED.base_version,"
                " revision = EXCLUDED.revision, saved_by = EXCLUDED.saved_by, saved_at = EXCLUDED.saved_at",
                draft.model_dump(),
            )
        return draft

    def discard_catalogue_draft(self) -> None:
        with _db_errors(), self.pool.connection() as conn, conn.transaction():
            conn.execute("DELETE FROM catalogue_draft")

    # --- transient security state (issue 18) ---------------------------------------------------------------
    def state_get(self, key: str) -> dict | None:
        with _db_errors(), self.pool.connection() as conn:
            row = conn.execute("SELECT value FROM security_state WHERE key = %s", (key,)).fetchone()
        return state_live(row["value"]) if row else None

    def state_update(self, key: str, change: Callable[[dict | None], dict | None]) -> dict | None:
        with _db_errors(), self.pool.connection() as conn, conn.transaction():
            conn.execute("DELETE FROM security_state WHERE expires <= %s", (time_now(),))
            conn.execute("INSERT INTO security_state (key, value) VALUES (%s, 'null') ON CONFLICT DO NOTHING",
                         (key,))
            row = conn.execute("SELECT value FROM security_state WHERE key = %s FOR UPDATE", (key,)).fetchone()
            new = change(state_live(row["value"]))
            if new is None:
                conn.execute("DELETE FROM security_state WHERE key = %s", (key,))
            else:
                expires = new.get("expires")
                conn.execute("UPDATE security_state SET value = %s, expires = %s WHERE key = %s",
                             (Jsonb(new), expires if isinstance(expires, (int, float)) else None, key))
        return new

    def open_profilings(self) -> list[Profiling]:
        with _db_errors(), self.pool.connection() as conn:
            rows = conn.execute("SELECT data FROM profilings WHERE status = 'offen'").fetchall()
        return [Profiling.model_validate(row["data"]) for row in rows]

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
            order = [Client, User, Vertretung, *CLIENT_KINDS]
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
                self._sign_head(conn, audit_chain.audit_key())

    @staticmethod
    def is_empty_in(conn: psycopg.Connection) -> bool:
        for table in (*TABLES.values(), "audit", "catalogue_versions"):
            if conn.execute(sql.SQL("SELECT 1 FROM {} LIMIT 1").format(_ident(table))).fetchone():
                return False
        return True

    # --- reports and Wiedervorlage (issue 9): SQL aggregates over the JSONB columns -----------------------
    def report_counts(self, *, team: str | None, von: date, bis: date, stichtag: date) -> ReportCounts:
        params = {"team": team, "von": von, "bis": bis, "stichtag": stichtag,
                  "von_text": von.isoformat(), "bis_text": bis.isoformat()}  # fmt: skip
        months, bounds = _month_bounds(von, bis)
        side = [(_report_verlauf(team is not None), params | {"bounds": bounds}),
                (_report_massnahmen(team is not None), params)]
        with _db_errors(), self.pool.connection() as conn, conn.transaction():
            _report_session(conn)
            # The Bestand query runs beside the others on two connections that share one snapshot
            # (pg_export_snapshot); without a free second connection they run one after the other on this one.
            snapshot = conn.execute("SELECT pg_export_snapshot() AS s").fetchone()["s"]
            with ThreadPoolExecutor(max_workers=1) as helper:
                side_job = helper.submit(self._on_snapshot, snapshot, side)
                bestand = conn.execute(_report_bestand(team is not None), params).fetchone()
                results = side_job.result()
            if results is None:
                results = [conn.execute(query, query_params).fetchall() for query, query_params in side]
        verlauf, (massnahmen,) = results
        team_month: dict[tuple[str, str], tuple[int, int, int]] = {}
        due_held: dict[str, tuple[int, int]] = {}
        consent = [0, 0, 0]
        for r in verlauf:  # a few rows per team and month; the months' sums over the teams are summed here
            monat = r["monat"] or months[r["bucket"] - 1]
            if r["angelegt"] or r["abgeschlossen"] or r["gespraeche"]:
                before = team_month.get((r["team"], monat), (0, 0, 0))
                team_month[(r["team"], monat)] = (before[0] + r["angelegt"], before[1] + r["abgeschlossen"],
                                                  before[2] + r["gespraeche"])  # fmt: skip
            due, held = due_held.get(monat, (0, 0))
            if r["faellig"] or r["gespraeche"]:
                due_held[monat] = (due + r["faellig"], held + r["gespraeche"])
            consent = [consent[0] + r["erteilt"], consent[1] + r["verweigert"], consent[2] + r["offen"]]
        return ReportCounts(
            clients=bestand["clients"],
            with_closed_profiling=bestand["with_closed"],
            egv_valid=bestand["egv_valid"],
            egv_overdue=bestand["egv_overdue"],
            prognose=bestand["prognose"],
            profillage=bestand["profillage"],
            bedarfe=bestand["bedarfe"],
            strategien=bestand["strategien"],
            team_month=team_month,
            due_held=due_held,
            verlauf=VerlaufCounts(**massnahmen, einverstaendnis_erteilt=consent[0],
                                  einverstaendnis_verweigert=consent[1], einverstaendnis_offen=consent[2]),
        )

    def _on_snapshot(self, snapshot: str, queries: list[tuple[str, dict[str, Any]]]) -> list[list[dict]] | None:
        """Run report queries in the exported snapshot on a second connection; None if none is free at once."""
        try:
            with self.pool.connection(timeout=0.2) as conn, conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
                conn.execute("SET LOCAL jit = off")
                conn.execute("SET LOCAL work_mem = '32MB'")
                return [conn.execute(query, params).fetchall() for query, params in queries]
        except psycopg_pool.PoolTimeout:
            return None

    def due_items(self, *, team: str | None, until: date) -> list[DueItem]:
        with _db_errors(), self.pool.connection() as conn, conn.transaction():
            _report_session(conn)
            rows = conn.execute(_due_items(team is not None), {"team": team, "until": until}).fetchall()
        return sorted(DueItem(r["due"], r["kind"], r["client_id"]) for r in rows)

    def verlauf_due(self, *, team: str | None, heute: date, massnahme_bis: date, vorschau_tage: int) -> list[DueItem]:
        params = {"team": team, "heute": heute.isoformat(), "massnahme_bis": massnahme_bis.isoformat(),
                  "nachhalten_bis": (heute + timedelta(days=vorschau_tage)).isoformat(), "tage": vorschau_tage}
        with _db_errors(), self.pool.connection() as conn, conn.transaction():
            _report_session(conn)
            rows = conn.execute(_verlauf_due(team is not None), params).fetchall()
        return sorted(DueItem(r["due"], r["kind"], r["client_id"], r["version"]) for r in rows)

    def report_teams(self) -> list[str]:
        with _db_errors(), self.pool.connection() as conn:
            return [r["team"] for r in conn.execute('SELECT DISTINCT team COLLATE "C" AS team FROM clients ORDER BY 1')]

    # --- the case over the years (issue 14) ----------------------------------------------------------------
    def ended_clients(self, *, team: str | None = None) -> list[Client]:
        with _db_errors(), self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT data FROM clients WHERE data->>'abgemeldet_am' IS NOT NULL"
                " AND (%(team)s::text IS NULL OR team = %(team)s)"
                " ORDER BY data->>'abgemeldet_am', id COLLATE \"C\"",
                {"team": team},
            ).fetchall()
        return [Client.model_validate(row["data"]) for row in rows]

    def purge_client(self, client_id: str, *, actor: User, action: AuditAction | Aktion) -> list[str]:
        check_id(client_id)
        with _db_errors(), self.pool.connection() as conn, conn.transaction():
            if conn.execute("SELECT 1 FROM clients WHERE id = %s FOR UPDATE", (client_id,)).fetchone() is None:
                raise NotFound(f"Kunde „{client_id}“ wurde nicht gefunden.")
            records: list[tuple[str, str]] = []
            for kind in CLIENT_KINDS:
                rows = conn.execute(
                    sql.SQL('SELECT id FROM {} WHERE client_id = %s ORDER BY id COLLATE "C"').format(
                        _ident(TABLES[kind])), (client_id,)
                ).fetchall()
                records += [(KIND_NAMES[kind], row["id"]) for row in rows]
            records.append((KIND_NAMES[Client], client_id))
            for kind_name, record_id in records:
                self.append_audit(conn, audit_fields(actor, action, kind_name, record_id, client_id, None, None))
            for kind in CLIENT_KINDS:
                conn.execute(sql.SQL("DELETE FROM {} WHERE client_id = %s").format(_ident(TABLES[kind])), (client_id,))
            conn.execute("DELETE FROM clients WHERE id = %s", (client_id,))
        return [record_id for _, record_id in records]


# --- report queries (issue 9); the definitions are those of storage.base.ReportCounts / DueItem -----------------
# Each scan projects only the few JSONB fields it needs before any join, sort or materialisation, so that the
# whole documents (with their free text) are never carried through the plan.


def _report_session(conn: psycopg.Connection) -> None:
    """One snapshot for all queries of a report; no JIT (compiling costs more than these scans take)."""
    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    conn.execute("SET LOCAL jit = off")
    conn.execute("SET LOCAL work_mem = '32MB'")


def _of_team(alias: str, filtered: bool) -> str:
    """The join that keeps only records of clients of %(team)s (nothing when all teams are reported)."""
    return f"JOIN clients tc ON tc.id = {alias}.client_id AND tc.team = %(team)s" if filtered else ""


def _newest_closed(table: str, alias: str, filtered: bool, columns: str) -> str:
    """Per client the newest closed record (latest closed_at, ties: the greater id)."""
    return f"""
        SELECT DISTINCT ON ({alias}.client_id) {columns}
        FROM {table} {alias} {_of_team(alias, filtered)}
        WHERE {alias}.status = 'abgeschlossen'
        ORDER BY {alias}.client_id, ({alias}.data->>'closed_at')::timestamptz DESC, {alias}.id COLLATE "C" DESC
    """


def _report_bestand(filtered: bool) -> str:
    clients = "SELECT count(*) FROM clients" + (" WHERE team = %(team)s" if filtered else "")
    return f"""
WITH np_ids AS MATERIALIZED ({_newest_closed("profilings", "p", filtered, "p.id")}),
np AS MATERIALIZED (
    SELECT p.id, p.data->>'integrationsprognose' AS prognose, p.data->>'profillage' AS profillage,
           p.data->'handlungsbedarfe' AS hb, p.data->'strategien' AS st, p.data->'uebergreifend' AS ue
    FROM profilings p JOIN np_ids USING (id)
),
ne AS MATERIALIZED ({_newest_closed("egvs", "e", filtered, "(e.data->>'ueberpruefung_am')::date AS u")})
SELECT
    ({clients})::int AS clients,
    (SELECT count(*) FROM np)::int AS with_closed,
    (SELECT count(*) FROM ne WHERE u IS NULL OR u >= %(stichtag)s)::int AS egv_valid,
    (SELECT count(*) FROM ne WHERE u < %(stichtag)s)::int AS egv_overdue,
    (SELECT coalesce(jsonb_object_agg(k, n), '{{}}') FROM (
        SELECT coalesce(prognose, '') AS k, count(*) AS n FROM np GROUP BY 1) x) AS prognose,
    (SELECT coalesce(jsonb_object_agg(k, n), '{{}}') FROM (
        SELECT coalesce(profillage, '') AS k, count(*) AS n FROM np GROUP BY 1) x) AS profillage,
    (SELECT coalesce(jsonb_object_agg(k, n), '{{}}') FROM (
        SELECT b.key AS k, count(*) AS n FROM np, jsonb_each(np.hb) b
        WHERE (b.value->>'relevant')::boolean GROUP BY 1) x) AS bedarfe,
    (SELECT coalesce(jsonb_object_agg(k, n), '{{}}') FROM (
        SELECT k, count(DISTINCT id) AS n FROM (  -- each strategy once per profiling
            SELECT np.id, jsonb_array_elements_text(v.value) AS k FROM np, jsonb_each(np.st) v
            WHERE (np.hb -> v.key ->> 'relevant')::boolean  -- strategies of an unmarked Bedarf count nowhere
            UNION ALL
            SELECT np.id, jsonb_array_elements_text(np.ue) FROM np
        ) s GROUP BY k) x) AS strategien
"""


def _month_bounds(von: date, bis: date) -> tuple[list[str], list[datetime]]:
    """The months von..bis ("YYYY-MM") and the instants their days start in Europe/Berlin (one more at the end):
    times are put into months by width_bucket over these bounds instead of converting every row's time zone."""
    months, bounds = [], [datetime.combine(von, time.min, BERLIN)]
    day = von
    while day <= bis:
        months.append(f"{day:%Y-%m}")
        nxt = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        day = nxt
        bounds.append(datetime.combine(min(nxt, bis + timedelta(days=1)), time.min, BERLIN))
    return months, bounds


def _report_verlauf(filtered: bool) -> str:
    """Per team and month: profilings created (kind 0) and closed (1), Folgegespräche held (2) and due (3); of the
    closed profilings those with consent given (`erteilt`), refused (`verweigert`) or neither recorded (`offen`).

    Times (created_at, closed_at) fall into a month by width_bucket over the Berlin month starts (`bucket`);
    dates (datum, naechster_termin) are ISO text in the JSONB, so their month is their first seven characters.
    """
    return f"""
WITH f AS MATERIALIZED (
    SELECT client_id, width_bucket(created_at, %(bounds)s::timestamptz[]) AS bucket, NULL::text AS monat, 0 AS kind,
           NULL::boolean AS erteilt, NULL::boolean AS verweigert
    FROM profilings WHERE created_at >= (%(bounds)s::timestamptz[])[1]
    UNION ALL
    SELECT client_id, width_bucket((data->>'closed_at')::timestamptz, %(bounds)s::timestamptz[]), NULL, 1,
           coalesce((data->>'einverstaendnis')::boolean, false),
           coalesce((data->>'einverstaendnis_verweigert')::boolean, false)
    FROM profilings WHERE status = 'abgeschlossen'
    UNION ALL
    SELECT g.client_id, 0, left(x.d, 7), x.kind, NULL, NULL FROM folgegespraeche g, LATERAL (VALUES
        (g.data->>'datum', 2), (g.data->>'naechster_termin', 3)) x(d, kind)
    WHERE x.d BETWEEN %(von_text)s AND %(bis_text)s
)
SELECT c.team, f.bucket, f.monat,
       (count(*) FILTER (WHERE kind = 0))::int AS angelegt,
       (count(*) FILTER (WHERE kind = 1))::int AS abgeschlossen,
       (count(*) FILTER (WHERE kind = 2))::int AS gespraeche,
       (count(*) FILTER (WHERE kind = 3))::int AS faellig,
       (count(*) FILTER (WHERE kind = 1 AND erteilt))::int AS erteilt,
       (count(*) FILTER (WHERE kind = 1 AND verweigert))::int AS verweigert,
       (count(*) FILTER (WHERE kind = 1 AND NOT erteilt AND NOT verweigert))::int AS offen
FROM f JOIN clients c ON c.id = f.client_id {"AND c.team = %(team)s" if filtered else ""}
WHERE f.monat IS NOT NULL OR f.bucket BETWEEN 1 AND cardinality(%(bounds)s::timestamptz[]) - 1
GROUP BY 1, 2, 3
"""


def _due_items(filtered: bool) -> str:
    latest_talk = f"""
        SELECT DISTINCT ON (g.client_id) g.client_id, (g.data->>'naechster_termin')::date AS due
        FROM folgegespraeche g {_of_team("g", filtered)}
        ORDER BY g.client_id, (g.data->>'datum')::date DESC, g.created_at DESC, g.id COLLATE "C" DESC
    """
    newest_egv = _newest_closed("egvs", "e", filtered, "e.client_id, (e.data->>'ueberpruefung_am')::date AS due")
    return f"""
SELECT client_id, 'folgegespraech' AS kind, due FROM ({latest_talk}) lf WHERE due <= %(until)s
UNION ALL
SELECT client_id, 'egv' AS kind, due FROM ({newest_egv}) ne WHERE due <= %(until)s
"""


def _report_massnahmen(filtered: bool) -> str:
    """Measures and job starts (see storage.base.VerlaufCounts; the consent decisions come with _report_verlauf).
    Dates are ISO text in the JSONB."""
    return f"""
WITH m AS MATERIALIZED (
    SELECT m.client_id, (m.data->>'beginn')::date AS beginn, (m.data->>'ende_geplant')::date AS geplant,
           (m.data->>'ende_tatsaechlich')::date AS tatsaechlich, m.data->>'ergebnis' AS ergebnis,
           coalesce(m.data->>'ende_tatsaechlich', m.data->>'ende_geplant') AS ende
    FROM massnahmen m {_of_team("m", filtered)}
),
ended AS MATERIALIZED (
    SELECT client_id, ende, ergebnis FROM m
    WHERE tatsaechlich BETWEEN %(von)s AND %(bis)s
       OR tatsaechlich IS NULL AND geplant BETWEEN %(von)s AND %(bis)s AND geplant < %(stichtag)s
),
b AS MATERIALIZED (
    SELECT coalesce((b.data->>'ausbildung')::boolean, false) AS ausbildung,
           coalesce((b.data->>'leistungen_weiter')::boolean, false) AS weiter
    FROM beschaeftigungsaufnahmen b {_of_team("b", filtered)}
    WHERE (b.data->>'datum')::date BETWEEN %(von)s AND %(bis)s
)
SELECT
    (SELECT count(*) FROM m WHERE beginn BETWEEN %(von)s AND %(bis)s)::int AS massnahmen_begonnen,
    (SELECT count(*) FROM m WHERE beginn <= %(stichtag)s AND tatsaechlich IS NULL AND geplant >= %(stichtag)s
    )::int AS massnahmen_laufend,
    (SELECT count(*) FROM ended)::int AS massnahmen_beendet,
    (SELECT count(*) FROM ended e WHERE NOT EXISTS (
        SELECT 1 FROM folgegespraeche g WHERE g.client_id = e.client_id AND g.data->>'datum' >= e.ende)
    )::int AS massnahmen_ohne_folgegespraech,
    (SELECT coalesce(jsonb_object_agg(ergebnis, n), '{{}}') FROM (
        SELECT ergebnis, count(*) AS n FROM ended WHERE ergebnis <> '' GROUP BY 1) x) AS ergebnisse,
    (SELECT count(*) FROM b)::int AS beschaeftigungen,
    (SELECT count(*) FROM b WHERE ausbildung)::int AS ausbildungen,
    (SELECT count(*) FROM b WHERE weiter)::int AS leistungen_weiter
"""


def _verlauf_due(filtered: bool) -> str:
    """The measures and job starts that can be due (see Store.verlauf_due). Dates are ISO text in the JSONB, so
    they are compared as text (and found by the indexes of migration 9)."""
    no_talk_since = """NOT EXISTS (SELECT 1 FROM folgegespraeche g WHERE g.client_id = {alias}.client_id
        AND g.data->>'datum' >= {since})"""
    ende = "coalesce(m.data->>'ende_tatsaechlich', m.data->>'ende_geplant')"
    since = "to_char((b.data->>'nachhalten_am')::date - %(tage)s::int, 'YYYY-MM-DD')"
    return f"""
SELECT m.client_id, 'massnahme_endet' AS kind, (m.data->>'ende_geplant')::date AS due,
       (m.data->>'catalogue_version')::int AS version
FROM massnahmen m {_of_team("m", filtered)}
WHERE m.data->>'ende_tatsaechlich' IS NULL AND m.data->>'ende_geplant' BETWEEN %(heute)s AND %(massnahme_bis)s
UNION ALL
SELECT m.client_id, 'nach_massnahme', ({ende})::date, (m.data->>'catalogue_version')::int
FROM massnahmen m {_of_team("m", filtered)}
WHERE (m.data->>'ende_tatsaechlich' IS NOT NULL OR m.data->>'ende_geplant' < %(heute)s)
  AND {no_talk_since.format(alias="m", since=ende)}
UNION ALL
SELECT b.client_id, 'nachhalten', (b.data->>'nachhalten_am')::date, (b.data->>'catalogue_version')::int
FROM beschaeftigungsaufnahmen b {_of_team("b", filtered)}
WHERE b.data->>'nachhalten_am' <= %(nachhalten_bis)s AND {no_talk_since.format(alias="b", since=since)}
"""
