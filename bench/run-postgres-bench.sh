#!/bin/sh
# Starts a private PostgreSQL 15 (fsync off, as IntelMQ's figure of about 2,000 events/s was measured) and runs
# bench/IntelMQ.OutputBench against it; stops the server afterwards. Run as root (initdb runs as user postgres).
set -eu
events=${1:-200000}
dir=$(mktemp -d /tmp/pg-bench-XXXXXX)
chown postgres "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
bin=/usr/lib/postgresql/15/bin
runuser -u postgres -- $bin/initdb -D "$dir/data" -A trust -U intelmq --no-sync >/dev/null
runuser -u postgres -- $bin/pg_ctl -D "$dir/data" -l "$dir/log" -w start -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" >/dev/null
trap 'runuser -u postgres -- $bin/pg_ctl -D "$dir/data" -m fast -w stop >/dev/null; rm -rf "$dir"' EXIT
psql -q -h 127.0.0.1 -p "$port" -U intelmq -d postgres -c 'CREATE DATABASE intelmq'
dotnet run -c Release --project "$(dirname "$0")/IntelMQ.OutputBench" -- --port "$port" --events "$events" \
    --schema "$(dirname "$0")/../../shared/data/intelmq/eventdb-events.sql" --file "$dir/rows.copy"
