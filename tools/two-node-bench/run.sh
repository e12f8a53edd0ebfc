#!/usr/bin/env bash
# Durable signed webhooks per second and p99: (a) one `aviso serve` on LMDB, the reference, against
# (b) two `aviso serve` nodes on one PostgreSQL ledger with the load split across both, through
# nginx when it is installed and also with one wrk per node straight at the ports; RUNS rounds of
# each, in turn, on one fresh local PostgreSQL 15 (default durability: fsync and synchronous_commit
# on). After every run: `aviso verify` on each node and the exactly-once count (count.py), and
# the CPU seconds per program during the load (cpu.py). Prints medians and (b)/(a).
# Needs wrk and Debian's postgresql (as root the server runs as nobody: initdb refuses root).
# AVISO_BIN: a release `aviso` built beforehand (else built here into .build-release).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}; DURATION=${DURATION:-20s}; CONNECTIONS=${CONNECTIONS:-64}; THREADS=${THREADS:-2}
here=tools/two-node-bench; hooks=tools/webhook-bench
pgbin=/usr/lib/postgresql/15/bin
work=$(mktemp -d /tmp/aviso-two-node-bench.XXXXXX); chmod 755 "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port_a=$(free_port); port_b=$(free_port); proxy=$(free_port); pg_port=$(free_port)

export AVISO_PUBLIC_URL="http://127.0.0.1:$proxy"   # the same on both nodes: Twilio signs this URL
export WHATSAPP_APP_SECRET="bench-app-secret-$RANDOM$RANDOM" TWILIO_AUTH_TOKEN="bench-twilio-token-$RANDOM$RANDOM"
export WHATSAPP_VERIFY_TOKEN=bench-verify AVISO_CRON_SECRET=bench-cron-secret AVISO_ADMIN_PASSWORD=bench-admin-password
export AVISO_BCRYPT_COST=4
unset AVISO_LEDGER_URL

aviso="${AVISO_BIN:-}"
if [ -z "$aviso" ]; then
    swift build -c release --scratch-path .build-release --product aviso >/dev/null
    aviso=.build-release/release/aviso
fi

# PostgreSQL: a throwaway cluster in $work, loopback only.
as=(); mkdir "$work/pg"
if [ "$(id -u)" = 0 ]; then chown nobody "$work/pg"; as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --); fi
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    [ -f "$work/nginx.pid" ] && kill -QUIT "$(cat "$work/nginx.pid")" 2>/dev/null || true
    "${as[@]}" "$pgbin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
(cd / && "${as[@]}" "$pgbin/initdb" -D "$work/pg" -U aviso --auth=trust -E UTF8 --locale=C >/dev/null)
(cd / && "${as[@]}" "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories='' -c max_connections=200" start >/dev/null)
pg="postgres://aviso@127.0.0.1:$pg_port"

# nginx in front of both nodes, if installed (Debian's package; apt-get install nginx).
front=direct
if command -v nginx >/dev/null; then
    front=nginx; mkdir -p "$work/nginx-tmp"
    sed -e "s|@WORK@|$work|g" -e "s|@A@|$port_a|" -e "s|@B@|$port_b|" -e "s|@PROXY@|$proxy|" "$here/nginx.conf" > "$work/nginx.conf"
    nginx -c "$work/nginx.conf" -p "$work" 
fi

python3 "$hooks/gen_requests.py" 200000 "$work/requests.tsv" "$WHATSAPP_APP_SECRET" "$TWILIO_AUTH_TOKEN" "$AVISO_PUBLIC_URL"

serve() { # DATA PORT [--ledger URL]: starts a node, waits until it answers
    "$aviso" serve --data "$1" --port "$2" "${@:3}" > "$1.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 300); do curl -sf "http://127.0.0.1:$2/healthz" >/dev/null && return; sleep 0.1; done
    echo "node on $2 did not start:"; cat "$1.log"; exit 1
}
stop_nodes() { for p in "${pids[@]}"; do kill -TERM "$p"; wait "$p" || true; done; pids=(); }
load() { # NAME URL...: one wrk per URL (THREADS and CONNECTIONS split between them), one RESULT line
    local name=$1; shift; local n=$#; local i=0; local wrks=()
    python3 "$here/cpu.py" snap "$work/$name.cpu"
    for url in "$@"; do
        # Each wrk starts at its own offset in the requests (WRK_INDEX), so no request is sent twice.
        WRK_INDEX=$i REQUESTS="$work/requests.tsv" wrk -t$((THREADS / n > 0 ? THREADS / n : 1)) -c$((CONNECTIONS / n)) \
            -d"$DURATION" --latency -s "$hooks/webhooks.lua" "$url" > "$work/$name.wrk$i" &
        wrks+=($!); i=$((i + 1))
    done
    for w in "${wrks[@]}"; do wait "$w"; done
    python3 "$here/cpu.py" diff "$work/$name.cpu" > "$work/$name.cpuout"
    python3 "$here/merge.py" "$work/$name".wrk* > "$work/$name.txt"
}
check() { # NAME, then the data/ledger flags of each node: verify on each, count once
    local name=$1; shift
    for flags in "$@"; do
        # shellcheck disable=SC2086
        "$aviso" verify $flags | tail -1 >> "$work/$name.verify" || { echo "FAIL: verify $flags"; cat "$work/$name.verify"; exit 1; }
    done
    # shellcheck disable=SC2086
    "$aviso" history --json $1 | python3 "$here/count.py" "$work/$name.txt" "$CONNECTIONS" > "$work/$name.count" \
        || { cat "$work/$name.count"; exit 1; }
}
report() { # NAME LABEL
    echo "== $2 | $(cat "$work/$1.txt") | $(tail -1 "$work/$1.count" | cut -c1-4) $(head -1 "$work/$1.count")"
    echo "   $(cat "$work/$1.cpuout"); load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
}

echo "two-node webhook bench: $RUNS rounds of $DURATION, $CONNECTIONS connections, front: $front; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$RUNS"); do
    serve "$work/lmdb-$r" "$port_a"
    load "lmdb-$r" "http://127.0.0.1:$port_a"
    stop_nodes; check "lmdb-$r" "--data $work/lmdb-$r"
    report "lmdb-$r" "round $r (a) one node, LMDB        "

    modes=(direct); [ "$front" = nginx ] && modes=(nginx direct)
    for mode in "${modes[@]}"; do
        db="ledger_${mode}_$r"
        psql "$pg/postgres" -X -q -c "CREATE DATABASE $db"
        serve "$work/pg-$mode-$r-a" "$port_a" --ledger "$pg/$db"
        serve "$work/pg-$mode-$r-b" "$port_b" --ledger "$pg/$db"
        if [ "$mode" = nginx ]; then load "pg-$mode-$r" "$AVISO_PUBLIC_URL"
        else load "pg-$mode-$r" "http://127.0.0.1:$port_a" "http://127.0.0.1:$port_b"; fi
        stop_nodes
        check "pg-$mode-$r" "--data $work/pg-$mode-$r-a --ledger $pg/$db" "--data $work/pg-$mode-$r-b --ledger $pg/$db"
        report "pg-$mode-$r" "round $r (b) two nodes, PostgreSQL, $mode"
    done
done
python3 "$here/summary.py" "$work" "$RUNS"
echo "work dir: $work"
