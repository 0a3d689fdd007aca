# PostgreSQL 15 on 127.0.0.1:$IDSTORE_POSTGRES_PORT (default 25432), user idstore / password idstore (a
# superuser, for the fault tests), database idstore; and a least-privileged account as an application would get
# it: role idstore_app / password idstore_app, no superuser, owner of database idstore_app and nothing else.
# PostgreSQL refuses to run as root, so its tools run as the postgres user.
IDSTORE_POSTGRES_PORT="${IDSTORE_POSTGRES_PORT:-25432}"
postgres_bin=/usr/lib/postgresql/15/bin

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else (cd / && "$@"); fi
}

start_postgres() {
    local base="$IDSTORE_SERVICES_DIR/postgres"
    stop_postgres >/dev/null 2>&1 || true
    rm -rf "$base"
    mkdir -p "$base"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$base"
    as_postgres "$postgres_bin/initdb" -D "$base/data" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >"$base/initdb.log" 2>&1
    as_postgres "$postgres_bin/pg_ctl" -D "$base/data" -l "$base/server.log" -w -t 60 start \
        -o "-p $IDSTORE_POSTGRES_PORT -c listen_addresses=127.0.0.1 -k $base -c max_connections=400 -c fsync=off" >/dev/null
    as_postgres "$postgres_bin/psql" -h "$base" -p "$IDSTORE_POSTGRES_PORT" -U postgres -v ON_ERROR_STOP=1 -q <<SQL
CREATE ROLE idstore LOGIN PASSWORD 'idstore' SUPERUSER;
CREATE DATABASE idstore OWNER idstore;
CREATE ROLE idstore_app LOGIN PASSWORD 'idstore_app' NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE DATABASE idstore_app OWNER idstore_app;
REVOKE ALL ON DATABASE idstore FROM PUBLIC;
SQL
    for _ in $(seq 1 60); do
        PGPASSWORD=idstore "$postgres_bin/pg_isready" -h 127.0.0.1 -p "$IDSTORE_POSTGRES_PORT" -U idstore -q && return 0
        sleep 0.5
    done
    echo "postgres did not answer; see $base/server.log" >&2
    return 1
}

stop_postgres() {
    local base="$IDSTORE_SERVICES_DIR/postgres"
    [ -d "$base/data" ] || return 0
    as_postgres "$postgres_bin/pg_ctl" -D "$base/data" -m fast -w stop >/dev/null 2>&1 || true
}

env_postgres() {
    echo "IDSTORE_TEST_POSTGRES_URL=postgres://idstore:idstore@127.0.0.1:$IDSTORE_POSTGRES_PORT/idstore"
    echo "IDSTORE_TEST_POSTGRES_APP_URL=postgres://idstore_app:idstore_app@127.0.0.1:$IDSTORE_POSTGRES_PORT/idstore_app"
}

# Restarts the server started by start_postgres, keeping its data (fault tests use it), and waits until it answers.
restart_postgres() {
    local base="$IDSTORE_SERVICES_DIR/postgres"
    [ -d "$base/data" ] || { echo "no PostgreSQL data directory at $base/data (start it with Scripts/services.sh start postgres)" >&2; return 1; }
    as_postgres "$postgres_bin/pg_ctl" -D "$base/data" -l "$base/server.log" -m fast -w -t 60 restart >/dev/null
    for _ in $(seq 1 60); do
        PGPASSWORD=idstore "$postgres_bin/pg_isready" -h 127.0.0.1 -p "$IDSTORE_POSTGRES_PORT" -U idstore -q && return 0
        sleep 0.5
    done
    echo "postgres did not answer after the restart; see $base/server.log" >&2
    return 1
}
