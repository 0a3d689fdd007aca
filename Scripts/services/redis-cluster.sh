# A 6-node Redis Cluster (3 masters, 3 replicas) on 127.0.0.1 ports $IDSTORE_REDIS_CLUSTER_PORT..+5
# (default 17001-17006); the cluster bus uses port+10000. Every node has the least-privileged ACL user of redis.sh.
# Every port here stays below the ephemeral range (32768+), where an outgoing connection could already hold it. Healthy only when every node answers PONG
# and reports cluster_state:ok (one node can say ok while another is dead).
# shellcheck source=redis.sh
source "$(dirname "${BASH_SOURCE[0]}")/redis.sh"   # IDSTORE_REDIS_APP_USER
IDSTORE_REDIS_CLUSTER_PORT="${IDSTORE_REDIS_CLUSTER_PORT:-17001}"

redis_cluster_ports() {
    seq "$IDSTORE_REDIS_CLUSTER_PORT" $((IDSTORE_REDIS_CLUSTER_PORT + 5))
}

start_redis_cluster() {
    local base="$IDSTORE_SERVICES_DIR/redis-cluster"
    stop_redis_cluster >/dev/null 2>&1 || true
    rm -rf "$base"
    local nodes=()
    for port in $(redis_cluster_ports); do
        mkdir -p "$base/$port"
        redis_cluster_node_server "$port"
        nodes+=("127.0.0.1:$port")
    done
    for port in $(redis_cluster_ports); do
        for _ in $(seq 1 60); do
            [ "$(redis-cli -p "$port" ping 2>/dev/null)" = "PONG" ] && break
            sleep 0.25
        done
    done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$base/create.log" 2>&1
    wait_redis_cluster_healthy
}

# One node's server, with its cluster config file in its own directory (so a restarted node rejoins).
redis_cluster_node_server() {
    local port="$1" base="$IDSTORE_SERVICES_DIR/redis-cluster"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
        --user "${IDSTORE_REDIS_APP_USER[@]}" --cluster-enabled yes --cluster-config-file "nodes-$port.conf" --cluster-node-timeout 5000 \
        --dir "$base/$port" --pidfile "$base/$port/redis.pid" --logfile "$base/$port/server.log"
}

# Starts one stopped node again (fault tests stop a master); it rejoins the cluster, as a replica if its
# replica was promoted meanwhile. Follow with wait_redis_cluster_healthy.
start_redis_cluster_node() {
    local port="$1"
    redis_cluster_node_server "$port"
    for _ in $(seq 1 60); do
        [ "$(redis-cli -p "$port" ping 2>/dev/null)" = "PONG" ] && return 0
        sleep 0.25
    done
    echo "redis cluster node $port did not answer" >&2
    return 1
}

# Every node answers PONG and reports cluster_state:ok.
wait_redis_cluster_healthy() {
    for _ in $(seq 1 120); do
        local healthy=1
        for port in $(redis_cluster_ports); do
            if ! redis-cli -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; then healthy=0; break; fi
        done
        [ "$healthy" -eq 1 ] && return 0
        sleep 0.5
    done
    echo "redis cluster did not become healthy; see $IDSTORE_SERVICES_DIR/redis-cluster" >&2
    return 1
}

stop_redis_cluster() {
    for port in $(redis_cluster_ports); do
        redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
    done
}

env_redis_cluster() {
    local list=()
    for port in $(redis_cluster_ports); do list+=("127.0.0.1:$port"); done
    local joined
    joined=$(IFS=,; echo "${list[*]}")
    echo "IDSTORE_TEST_REDIS_CLUSTER_URL=redis-cluster://$joined"
    echo "IDSTORE_TEST_REDIS_CLUSTER_APP_URL=redis-cluster://idstore_app:idstore_app@$joined?key_prefix=idstore-app:"
}
