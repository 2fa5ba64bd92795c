#!/usr/bin/env bash
# Start a throwaway PostgreSQL for the test suite and print the line that exports its URL.
#
#   eval "$(.ci/pg.sh)"        # installs Debian's postgresql if missing, starts it on 127.0.0.1,
#                              # creates role vierphasen (password) and database vierphasen_test
#   .ci/pg.sh stop             # stops it again (uses VIERPHASEN_PG_DIR from the eval above)
#
# Only the `export …` lines go to stdout; progress goes to stderr.
set -euo pipefail

log() { echo "pg.sh: $*" >&2; }

as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

find_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n | tail -n 1
}

if [ "${1:-start}" = stop ]; then
    dir="${VIERPHASEN_PG_DIR:?VIERPHASEN_PG_DIR ist nicht gesetzt}"
    as_postgres "$(find_bin)/pg_ctl" -D "$dir/data" -m fast stop >&2 || true
    rm -rf "$dir"
    exit 0
fi

bin="$(find_bin)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    log "PostgreSQL fehlt, installiere Debians Paket postgresql …"
    if [ "$(id -u)" != 0 ]; then log "dazu sind root-Rechte nötig"; exit 1; fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y postgresql >&2
    bin="$(find_bin)"
fi

dir="$(mktemp -d /tmp/vierphasen-ci-pg.XXXXXX)"
chmod 755 "$dir"
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
password="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"

# The superuser may log in only over the private socket; TCP logins need a password (scram-sha-256).
as_postgres "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 --auth-local=trust --auth-host=scram-sha-256 >&2
as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >&2
as_postgres "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q >&2 <<SQL
CREATE ROLE vierphasen LOGIN CREATEDB PASSWORD '$password';
CREATE DATABASE vierphasen_test OWNER vierphasen;
SQL
log "PostgreSQL läuft auf 127.0.0.1:$port (Daten in $dir)"
echo "export VIERPHASEN_PG_DIR='$dir'"
echo "export VIERPHASEN_TEST_DATABASE_URL='postgresql://vierphasen:$password@127.0.0.1:$port/vierphasen_test'"
