# MariaDB 10.11 on 127.0.0.1:$IDSTORE_MARIADB_PORT (default 23306), user idstore / password idstore (every
# privilege, for the tests that create databases), database idstore; and a least-privileged account as an
# application would get it: user idstore_app / password idstore_app with privileges on database idstore_app only. `--no-defaults` keeps the system's /etc/mysql configuration out. The server offers TLS
# with a throwaway CA made at start ($IDSTORE_SERVICES_DIR/mariadb/tls/ca.pem; the server certificate names
# 127.0.0.1 and localhost); clients may still connect without it. The InnoDB buffer pool is 1 GiB
# ($IDSTORE_MARIADB_BUFFER_POOL): with the default 128 MiB the benchmark's 1M-grant data set and its indexes do
# not fit (even raw libmariadb reads went from 64 to 127 µs p50), which measures page reads, not the adapter.
#
#   start_mariadb     a new, empty server (the data directory is wiped first)
#   stop_mariadb      a clean shutdown; returns once the server process is gone
#   restart_mariadb   stop, then start again on the same data (the fault tests use it: nothing committed may be lost)
#
# restart_mariadb is not an action of Scripts/services.sh; call it as
#   bash -c 'source Scripts/services/mariadb.sh && restart_mariadb'
IDSTORE_MARIADB_PORT="${IDSTORE_MARIADB_PORT:-23306}"

mariadb_base() {
    echo "${IDSTORE_SERVICES_DIR:-/tmp/identitystorage-services}/mariadb"
}

# Starts mariadbd on the existing data directory and waits until it answers.
launch_mariadb() {
    local base
    base="$(mariadb_base)"
    local user_args=()
    if [ "$(id -u)" -eq 0 ]; then user_args=(--user=mysql); fi
    local tls_args=()
    if [ -f "$base/tls/server.pem" ]; then
        tls_args=(--ssl-ca="$base/tls/ca.pem" --ssl-cert="$base/tls/server.pem" --ssl-key="$base/tls/server.key")
    fi
    setsid nohup mariadbd --no-defaults --datadir="$base/data" "${user_args[@]}" "${tls_args[@]}" --socket="$base/mariadb.sock" \
        --port="$IDSTORE_MARIADB_PORT" --bind-address=127.0.0.1 --pid-file="$base/mariadb.pid" \
        --log-error="$base/server.log" --max-connections=300 --innodb-flush-log-at-trx-commit=2 \
        --innodb-buffer-pool-size="${IDSTORE_MARIADB_BUFFER_POOL:-1G}" \
        --skip-name-resolve >/dev/null 2>&1 &
    for _ in $(seq 1 120); do
        if mariadb-admin --no-defaults --socket="$base/mariadb.sock" -uroot ping >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.5
    done
    echo "mariadb did not answer; see $base/server.log" >&2
    return 1
}

start_mariadb() {
    local base
    base="$(mariadb_base)"
    stop_mariadb >/dev/null 2>&1 || true
    rm -rf "$base"
    mkdir -p "$base/data"
    local user_args=()
    if [ "$(id -u)" -eq 0 ]; then chown -R mysql:mysql "$base"; user_args=(--user=mysql); fi
    mariadb-install-db --no-defaults --datadir="$base/data" "${user_args[@]}" --skip-test-db --skip-name-resolve \
        >"$base/install.log" 2>&1
    make_mariadb_tls "$base/tls" >"$base/tls.log" 2>&1 || echo "mariadb: no TLS (openssl failed; see $base/tls.log)" >&2
    if [ "$(id -u)" -eq 0 ] && [ -d "$base/tls" ]; then chown -R mysql:mysql "$base/tls"; fi
    launch_mariadb || return 1
    mariadb --no-defaults --socket="$base/mariadb.sock" -uroot <<SQL
CREATE USER IF NOT EXISTS 'idstore'@'127.0.0.1' IDENTIFIED BY 'idstore';
CREATE USER IF NOT EXISTS 'idstore'@'localhost' IDENTIFIED BY 'idstore';
GRANT ALL PRIVILEGES ON *.* TO 'idstore'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'idstore'@'localhost' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS idstore CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
CREATE USER IF NOT EXISTS 'idstore_app'@'127.0.0.1' IDENTIFIED BY 'idstore_app';
CREATE USER IF NOT EXISTS 'idstore_app'@'localhost' IDENTIFIED BY 'idstore_app';
CREATE DATABASE IF NOT EXISTS idstore_app CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
GRANT ALL PRIVILEGES ON idstore_app.* TO 'idstore_app'@'127.0.0.1';
GRANT ALL PRIVILEGES ON idstore_app.* TO 'idstore_app'@'localhost';
SQL
}

# A throwaway CA and a server certificate for 127.0.0.1 and localhost, valid for a day.
make_mariadb_tls() {
    local dir="$1"
    command -v openssl >/dev/null || return 1
    mkdir -p "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=IdentityStorage test CA" \
        -keyout "$dir/ca.key" -out "$dir/ca.pem" || return 1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$dir/server.key" -out "$dir/server.csr" || return 1
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 1 \
        -extfile "$dir/server.ext" -out "$dir/server.pem" || return 1
}

stop_mariadb() {
    local base
    base="$(mariadb_base)"
    [ -S "$base/mariadb.sock" ] || return 0
    local pid=""
    [ -f "$base/mariadb.pid" ] && pid="$(cat "$base/mariadb.pid" 2>/dev/null || true)"
    mariadb-admin --no-defaults --socket="$base/mariadb.sock" -uroot shutdown >/dev/null 2>&1 || true
    # A stopped daemon can linger as a zombie for a moment: wait until it is gone or a zombie.
    if [ -n "$pid" ]; then
        for _ in $(seq 1 120); do
            local state
            state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
            if [ -z "$state" ] || [ "$state" = "Z" ]; then break; fi
            sleep 0.25
        done
    fi
}

restart_mariadb() {
    stop_mariadb
    launch_mariadb
}

env_mariadb() {
    echo "IDSTORE_TEST_MARIADB_URL=mariadb://idstore:idstore@127.0.0.1:$IDSTORE_MARIADB_PORT/idstore"
    echo "IDSTORE_TEST_MARIADB_APP_URL=mariadb://idstore_app:idstore_app@127.0.0.1:$IDSTORE_MARIADB_PORT/idstore_app"
}
