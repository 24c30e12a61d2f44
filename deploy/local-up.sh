#!/usr/bin/env bash
# `make up` without Docker: find (or start) RabbitMQ and Redis, prepare the
# databases and the broker, then run the six processes (or CITYHUB_REPLICAS of each
# service and CITYHUB_GATEWAY_PROCESSES gateways) until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

port_open() { python3 -c "import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(s.connect_ex(('127.0.0.1', $1)))"; }

wait_port() {
  for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 1; done
  echo "make up: $2 did not come up on 127.0.0.1:$1" >&2; exit 1
}

ensure() {  # ensure NAME PORT COMPOSE_SERVICE LOCAL_START_COMMAND
  local name=$1 port=$2 service=$3 start=$4 binary=${4%% *}
  port_open "$port" && return 0
  if docker info >/dev/null 2>&1; then
    echo "make up: starting $name with docker compose"
    docker compose up -d "$service"
  elif command -v "$binary" >/dev/null 2>&1; then
    echo "make up: starting the local $name"
    eval "$start"
  else
    cat >&2 <<MSG
make up: $name is not listening on 127.0.0.1:$port, and neither Docker nor a
local $binary was found. Install one of them, for example:
  apt-get install rabbitmq-server redis-server     (Debian/Ubuntu)
  brew install rabbitmq redis                      (macOS)
or point CITYHUB_AMQP_URI / CITYHUB_REDIS_URL at running servers.
MSG
    exit 1
  fi
  wait_port "$port" "$name"
}

if [ -z "${CITYHUB_AMQP_URI:-}" ]; then
  ensure RabbitMQ 5672 rabbitmq "rabbitmq-server -detached"
fi
if [ -z "${CITYHUB_REDIS_URL:-}" ]; then
  ensure Redis 6379 redis "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no"
fi

# The sandbox clock: `cityhub clock advance 3600` moves every service's now (README).
export CITYHUB_SANDBOX_CLOCK="${CITYHUB_SANDBOX_CLOCK:-1}"

# How many of each process (docs/operations.md, "Running several replicas"): a second
# replica of a service needs PostgreSQL, and is refused before anything starts.
replicas="${CITYHUB_REPLICAS:-1}"
gateways="${CITYHUB_GATEWAY_PROCESSES:-1}"
for service in identity payments appointments notify matters; do
  cityhub run "$service" --replica "$replicas" --check || exit 2
done
cityhub run gateway --replica "$gateways" --check || exit 2

mkdir -p var
cityhub migrate
cityhub topology >/dev/null
cityhub seed >/dev/null

procfile=Procfile
if [ "$replicas" != 1 ] || [ "$gateways" != 1 ]; then
  procfile="${CITYHUB_VAR_DIR:-var}/Procfile.replicas"
  mkdir -p "$(dirname "$procfile")"
  : > "$procfile"
  # A process name of letters, digits, _ and - only: honcho skips any other line
  # without a word (identity.2 was never started).
  for service in identity payments appointments notify matters; do
    for n in $(seq 1 "$replicas"); do
      echo "$service-$n: cityhub run $service --replica $n" >> "$procfile"
    done
  done
  for n in $(seq 1 "$gateways"); do
    echo "gateway-$n: cityhub run gateway --replica $n" >> "$procfile"
  done
  grep '^sandbox:' Procfile >> "$procfile"
fi

honcho start -f "$procfile" &
honcho_pid=$!
trap 'kill -INT $honcho_pid 2>/dev/null; wait $honcho_pid' INT TERM

gateway="http://${CITYHUB_GATEWAY_HOST:-127.0.0.1}:${CITYHUB_GATEWAY_PORT:-8000}"
for _ in $(seq 1 60); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('$gateway/readyz', timeout=1)" 2>/dev/null; then
    echo
    echo "CityHub is up. Gateway: $gateway   (sandbox partner: app id 'sandbox')"
    echo "Metrics: 127.0.0.1:9100-9105/metrics (replica N: 10 ports up per replica)."
    echo "Ctrl-C stops everything."
    break
  fi
  sleep 1
done
wait $honcho_pid
