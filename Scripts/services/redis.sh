# A standalone Redis on 127.0.0.1:$IDSTORE_REDIS_PORT (default 26379), no persistence. Besides the default user
# (every command, every key), a least-privileged ACL user as an application would get it: idstore_app / password
# idstore_app, keys and pub/sub channels under idstore-app: only, no dangerous commands. It is part of the server's start-up
# configuration, so a restarted server has it again.
IDSTORE_REDIS_PORT="${IDSTORE_REDIS_PORT:-26379}"
IDSTORE_REDIS_APP_USER=(idstore_app on ">idstore_app" "~idstore-app:*" resetchannels "&idstore-app:*" +@all -@dangerous "+cluster|slots" "+cluster|shards")

start_redis() {
    local base="$IDSTORE_SERVICES_DIR/redis"
    stop_redis >/dev/null 2>&1 || true
    rm -rf "$base"
    mkdir -p "$base"
    redis-server --port "$IDSTORE_REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
        --user "${IDSTORE_REDIS_APP_USER[@]}" --dir "$base" --pidfile "$base/redis.pid" --logfile "$base/server.log"
    for _ in $(seq 1 60); do
        [ "$(redis-cli -p "$IDSTORE_REDIS_PORT" ping 2>/dev/null)" = "PONG" ] && return 0
        sleep 0.25
    done
    echo "redis did not answer; see $base/server.log" >&2
    return 1
}

stop_redis() {
    redis-cli -p "$IDSTORE_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
}

env_redis() {
    echo "IDSTORE_TEST_REDIS_URL=redis://127.0.0.1:$IDSTORE_REDIS_PORT/0"
    echo "IDSTORE_TEST_REDIS_APP_URL=redis://idstore_app:idstore_app@127.0.0.1:$IDSTORE_REDIS_PORT/0?key_prefix=idstore-app:"
}
