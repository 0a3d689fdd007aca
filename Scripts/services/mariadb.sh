# MariaDB 10.11 on 127.0.0.1:$IDSTORE_MARIADB_PORT (default 53306), user idstore / password idstore,
# database idstore. `--no-defaults` keeps the system's /etc/mysql configuration out.
IDSTORE_MARIADB_PORT="${IDSTORE_MARIADB_PORT:-53306}"

start_mariadb() {
    local base="$IDSTORE_SERVICES_DIR/mariadb"
    stop_mariadb >/dev/null 2>&1 || true
    rm -rf "$base"
    mkdir -p "$base/data"
    local user_args=()
    if [ "$(id -u)" -eq 0 ]; then chown -R mysql:mysql "$base"; user_args=(--user=mysql); fi
    mariadb-install-db --no-defaults --datadir="$base/data" "${user_args[@]}" --skip-test-db --skip-name-resolve \
        >"$base/install.log" 2>&1
    setsid nohup mariadbd --no-defaults --datadir="$base/data" "${user_args[@]}" --socket="$base/mariadb.sock" \
        --port="$IDSTORE_MARIADB_PORT" --bind-address=127.0.0.1 --pid-file="$base/mariadb.pid" \
        --log-error="$base/server.log" --max-connections=300 --innodb-flush-log-at-trx-commit=2 \
        --skip-name-resolve >/dev/null 2>&1 &
    for _ in $(seq 1 120); do
        if mariadb-admin --no-defaults --socket="$base/mariadb.sock" -uroot ping >/dev/null 2>&1; then
            mariadb --no-defaults --socket="$base/mariadb.sock" -uroot <<SQL
CREATE USER IF NOT EXISTS 'idstore'@'127.0.0.1' IDENTIFIED BY 'idstore';
CREATE USER IF NOT EXISTS 'idstore'@'localhost' IDENTIFIED BY 'idstore';
GRANT ALL PRIVILEGES ON *.* TO 'idstore'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'idstore'@'localhost' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS idstore CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
SQL
            return 0
        fi
        sleep 0.5
    done
    echo "mariadb did not answer; see $base/server.log" >&2
    return 1
}

stop_mariadb() {
    local base="$IDSTORE_SERVICES_DIR/mariadb"
    [ -S "$base/mariadb.sock" ] || return 0
    mariadb-admin --no-defaults --socket="$base/mariadb.sock" -uroot shutdown >/dev/null 2>&1 || true
}

env_mariadb() {
    echo "IDSTORE_TEST_MARIADB_URL=mariadb://idstore:idstore@127.0.0.1:$IDSTORE_MARIADB_PORT/idstore"
}
