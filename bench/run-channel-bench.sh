#!/usr/bin/env bash
# Starts a private redis-server and rabbitmq-server on free loopback ports, runs the channel benchmark for every
# kind with batch sizes 1 and 500, prints a Markdown table, and stops the servers.
# Usage: bench/run-channel-bench.sh [EVENTS]   (default 100000; batch size 1 runs a tenth of that)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-100000}
tmp=$(mktemp -d)
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(port); amqp_port=$(port); dist_port=$(port); epmd_port=$(port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" --daemonize yes --pidfile "$tmp/redis.pid" >/dev/null
echo '[].' > "$tmp/plugins"
export RABBITMQ_NODE_PORT=$amqp_port RABBITMQ_DIST_PORT=$dist_port ERL_EPMD_PORT=$epmd_port RABBITMQ_NODENAME=bench$amqp_port@localhost \
  RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 HOME=$tmp RABBITMQ_MNESIA_BASE=$tmp/mnesia RABBITMQ_LOG_BASE=$tmp/log \
  RABBITMQ_ENABLED_PLUGINS_FILE=$tmp/plugins RABBITMQ_CONFIG_FILE=$tmp/rabbitmq
/usr/lib/rabbitmq/bin/rabbitmq-server >/dev/null 2>&1 &
trap '/usr/lib/rabbitmq/bin/rabbitmqctl -n bench$amqp_port@localhost stop >/dev/null 2>&1; kill $(cat $tmp/redis.pid); rm -rf $tmp' EXIT
for _ in $(seq 60); do (echo > /dev/tcp/127.0.0.1/$amqp_port) 2>/dev/null && break; sleep 1; done
sleep 2
dotnet build -c Release bench/IntelMQ.ChannelBench >/dev/null
bin=bench/IntelMQ.ChannelBench/bin/Release/net10.0/IntelMQ.ChannelBench
echo "| channel | batch | events | events/s | p50 ms | p99 ms |"
echo "|---|---|---|---|---|---|"
for kind in memory sqlite redis redis-stream amqp; do
  for batch in 1 500; do
    n=$events; [ "$batch" = 1 ] && n=$((events / 10))
    "$bin" --kind "$kind" --batch "$batch" --events "$n" --redis "127.0.0.1:$redis_port" --amqp "amqp://guest:guest@127.0.0.1:$amqp_port/" 2>/dev/null || echo "| $kind | $batch | failed | | | |"
  done
done
