#!/usr/bin/env bash
# A three-node RabbitMQ cluster on this machine, for the cluster tests and for trying
# a cluster without Kubernetes. It leaves the machine's own RabbitMQ (5672) alone: its
# nodes have their own names, ports, data directories and Erlang cookie. On this machine
# (2 cores, RabbitMQ 3.10.8) `start` took 4 min beside a running `make test`, `revive`
# 34 s; kombu given `uri`'s list connected to node b within 2 s of node a's SIGKILL.
#
#   deploy/rabbitmq-cluster.sh start         three nodes, joined: AMQP on 5701-5703
#   deploy/rabbitmq-cluster.sh stop          stop them (their data stays)
#   deploy/rabbitmq-cluster.sh kill NODE     SIGKILL one (a, b or c), as a lost machine
#   deploy/rabbitmq-cluster.sh revive NODE   start a killed node again; it rejoins
#   deploy/rabbitmq-cluster.sh status        the cluster as node a sees it
#   deploy/rabbitmq-cluster.sh uri           the CITYHUB_AMQP_URI that names all three
#   deploy/rabbitmq-cluster.sh ctl NODE ...  rabbitmqctl on one node (list_queues ...)
#
# CLUSTER_DIR (default var/rabbitmq-cluster) holds the nodes; CLUSTER_PORT (5701) is the
# first AMQP port; CLUSTER_NAME (cityhub) names the nodes NAME-a@localhost ..., so two
# clusters (yours and the tests') can run at once. `start` on a directory of an earlier
# run starts a fresh cluster.
set -euo pipefail
cd "$(dirname "$0")/.."

dir="$(realpath -m "${CLUSTER_DIR:-var/rabbitmq-cluster}")"
first_port="${CLUSTER_PORT:-5701}"
nodes=(a b c)
host=localhost
# Debian's rabbitmq-server and rabbitmqctl, called as root, switch to the rabbitmq user
# and its home (so its cookie and rights): the scripts behind them run the nodes as the
# caller, in the cluster's own directory.
bin="${RABBITMQ_BIN:-/usr/lib/rabbitmq/bin}"
[ -x "$bin/rabbitmq-server" ] || bin="$(dirname "$(command -v rabbitmq-server)")"

port_of() {
  local i
  for i in "${!nodes[@]}"; do
    if [ "${nodes[$i]}" = "$1" ]; then echo $((first_port + i)); return 0; fi
  done
  echo "no node $1: a, b or c" >&2
  return 1
}
name_of() { echo "${CLUSTER_NAME:-cityhub}-$1@$host"; }

# Everything a node needs to be a node of its own, exported for rabbitmq-server and
# rabbitmqctl alike.
as_node() {
  local node=$1 port
  port=$(port_of "$node")
  export HOME="$dir"  # the cluster's Erlang cookie, not the machine's
  export RABBITMQ_NODENAME
  RABBITMQ_NODENAME=$(name_of "$node")
  export RABBITMQ_NODE_PORT=$port
  export RABBITMQ_DIST_PORT=$((port + 20000))
  export RABBITMQ_MNESIA_BASE="$dir/$node/mnesia"
  export RABBITMQ_LOG_BASE="$dir/$node/log"
  export RABBITMQ_PID_FILE="$dir/$node/pid"
  export RABBITMQ_CONFIG_FILE="$dir/$node/rabbitmq"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$dir/$node/advanced.config"
  export ERL_CRASH_DUMP="$dir/$node/erl_crash.dump"  # not in the checkout
}

ctl() { local node=$1; shift; (as_node "$node"; "$bin/rabbitmqctl" -n "$RABBITMQ_NODENAME" "$@"); }

start_node() {
  local node=$1
  mkdir -p "$dir/$node/mnesia" "$dir/$node/log"
  cat > "$dir/$node/rabbitmq.conf" <<CONF
listeners.tcp.default = $(port_of "$node")
loopback_users.guest = true
log.file.level = warning
# Each new quorum queue is led by the node leading fewest (3.10+), not by the node its
# declarer is on: cityhub topology declares every queue from one connection.
queue_leader_locator = balanced
CONF
  echo "[]." > "$dir/$node/advanced.config"
  (as_node "$node"; "$bin/rabbitmq-server" -detached >/dev/null 2>&1)
  # `wait` on the pid file: await_startup gives up at once on a node that has not yet
  # told epmd its name, which takes seconds on a busy machine.
  ctl "$node" wait --timeout 180 "$dir/$node/pid" >/dev/null
}

case "${1:-}" in
  start)
    "$0" stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    mkdir -p "$dir"
    head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$dir/.erlang.cookie"
    chmod 400 "$dir/.erlang.cookie"
    echo "[]." > "$dir/enabled_plugins"  # no management or exporter ports to clash
    for node in "${nodes[@]}"; do start_node "$node"; done
    for node in "${nodes[@]:1}"; do
      ctl "$node" stop_app >/dev/null
      ctl "$node" join_cluster "$(name_of a)" >/dev/null
      ctl "$node" start_app >/dev/null
    done
    echo "cluster up: $("$0" uri)"
    ;;
  stop)
    for node in "${nodes[@]}"; do
      if [ -f "$dir/$node/pid" ]; then ctl "$node" stop >/dev/null 2>&1 || true; fi
    done
    ;;
  kill)
    pid=$(cat "$dir/${2:?which node: a, b or c}/pid")
    kill -9 "$pid"
    ;;
  revive)
    start_node "${2:?which node: a, b or c}"
    ;;
  status)
    ctl a cluster_status
    ;;
  ctl)
    shift
    ctl "${1:?which node: a, b or c}" "${@:2}"
    ;;
  uri)
    uris=()
    for node in "${nodes[@]}"; do uris+=("amqp://guest:guest@127.0.0.1:$(port_of "$node")/"); done
    (IFS=';'; echo "${uris[*]}")
    ;;
  *)
    sed -n '2,19p' "$0"
    exit 2
    ;;
esac
