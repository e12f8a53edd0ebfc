#!/usr/bin/env bash
# Durable appends into the PostgreSQL ledger beside pgbench's insert-only transactions per
# second, on one fresh local server, in one run. Needs Debian's postgresql (and, as root,
# runs the server as nobody). Usage: tools/pg-ledger-bench/run.sh [EVENTS] [WRITERS]
set -euo pipefail
cd "$(dirname "$0")/../.."
events="${1:-20000}"; writers="${2:-64}"
bin=/usr/lib/postgresql/15/bin
dir="$(mktemp -d /tmp/aviso-pg-bench.XXXXXX)"; chmod 755 "$dir"; mkdir "$dir/data"
as=(); if [ "$(id -u)" = 0 ]; then chown nobody "$dir/data"; as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --); fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() { "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
(cd / && "${as[@]}" "$bin/initdb" -D "$dir/data" -U aviso --auth=trust -E UTF8 --locale=C >/dev/null)
# Default durability (fsync on, synchronous_commit on): both sides pay a flush per commit.
(cd / && "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='' -c max_connections=200" start >/dev/null)
url="postgres://aviso@127.0.0.1:$port"
psql "$url/postgres" -X -q -c "CREATE DATABASE ledger" -c "CREATE DATABASE pgbench"
# PG_LEDGER_BENCH_BIN: a release build made beforehand (else it is built here).
bench="${PG_LEDGER_BENCH_BIN:-}"
if [ -z "$bench" ]; then
    swift build -c release --scratch-path .build-release --product pg-ledger-bench >/dev/null
    bench=.build-release/release/pg-ledger-bench
fi
aviso=$("$bench" "$url/ledger" --events "$events" --writers "$writers")
echo "$aviso"
# pgbench: one INSERT of a record-sized row per transaction, the same number of clients.
psql "$url/pgbench" -X -q -c "CREATE TABLE t (position bigint, record bytea)"
echo "INSERT INTO t VALUES (1, decode(repeat('ab', 300), 'hex'));" > "$dir/insert.sql"
tps=$("$bin/pgbench" -n -c "$writers" -j 2 -T 15 -f "$dir/insert.sql" "$url/pgbench" | awk '/^tps/ {print int($3)}')
echo "pgbench insert-only, $writers clients: $tps transactions/s"
single=$(echo "$aviso" | awk '/single-event/ {print $(NF-1)}')
python3 -c "print(f'ratio: ledger single-event appends / pgbench insert transactions = {$single / $tps:.2f}')"
