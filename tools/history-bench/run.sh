#!/bin/sh
# History and timeline reads as the ledger grows. For each size: a mixed ledger (history-bench build),
# `aviso history --client X` timed as a whole process (best of 5, a client from the middle of the
# book), a message's timeline records through the index in-process, and the console's timeline page
# (GET /mensajes/{id}) through HTTP from a running `aviso serve` (p50/p99 over 1000 requests).
# Prints the ratios to the first size.
#
#   tools/history-bench/run.sh [SIZES...]     (default: 100000 1000000; 5000000 takes a while)
#   BIN=.build-release/release  where aviso and history-bench are (default .build/debug; time a release build)
#   LEDGERS=DIR   keep the built ledgers in DIR/SIZE and reuse them on the next run (default: a temp dir, removed)
#   PORT=18480    the port `aviso serve` listens on (loopback)
#   OLD=path/to/aviso   also time an aviso that scans the whole ledger (before ledger_index), same ledgers
set -eu
bin="${BIN:-.build/debug}"
sizes="${*:-100000 1000000}"
port="${PORT:-18480}"
here="$(cd "$(dirname "$0")" && pwd)"
if [ -n "${LEDGERS:-}" ]; then
    work="$LEDGERS"; mkdir -p "$work"; keep=1
else
    work="$(mktemp -d "${BENCH_DIR:-/tmp}/aviso-history-bench.XXXXXX")"; keep=0
fi
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    [ "$keep" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }
ms() { echo "$1" | awk '{printf "%.0f", $1 * 1000}'; }
base=""; base_p99=""
for n in $sizes; do
    data="$work/$n"
    [ -d "$data/ledger" ] || "$bin/history-bench" build --data "$data" --events "$n"
    client="C$((n / 80))"
    # The first read brings the read models (ledger_index among them) up to the ledger's head.
    "$bin/aviso" history --data "$data" --client "$client" >/dev/null
    best=999
    for _ in 1 2 3 4 5; do
        t0="$(now)"; "$bin/aviso" history --data "$data" --client "$client" >/dev/null; t1="$(now)"
        best="$(echo "$best $t1 $t0" | awk '{d=$2-$3; print (d<$1)?d:$1}')"
    done
    if [ -n "${OLD:-}" ]; then
        old=999
        for _ in 1 2 3; do
            t0="$(now)"; "$OLD" history --data "$data" --client "$client" >/dev/null; t1="$(now)"
            old="$(echo "$old $t1 $t0" | awk '{d=$2-$3; print (d<$1)?d:$1}')"
        done
        echo "$n events: whole-ledger scan (OLD): $(ms "$old") ms"
    fi
    lines="$("$bin/aviso" history --data "$data" --client "$client" | wc -l)"
    echo "$n events: aviso history --client $client: $(ms "$best") ms ($lines events)"
    "$bin/history-bench" timeline --data "$data"

    # The timeline page through HTTP: a release server on this ledger, one admin signed in,
    # sending paused (its daily run would append reminders to the book).
    "$bin/history-bench" pause --data "$data"
    if ! "$bin/aviso" user list --data "$data" 2>/dev/null | grep -q bench-admin; then
        printf '%s' "bench-password-1" | "$bin/aviso" user add --data "$data" --login bench-admin --role admin --name Bench >/dev/null
    fi
    "$bin/aviso" serve --data "$data" --port "$port" >"$work/serve-$n.log" 2>&1 &
    server=$!
    for _ in $(seq 1 600); do
        lag="$(python3 -c "import json,urllib.request;print(json.load(urllib.request.urlopen('http://127.0.0.1:$port/healthz'))['projectionLag'])" 2>/dev/null || true)"
        [ "$lag" = 0 ] && break
        sleep 0.5
    done
    [ "$lag" = 0 ] || { echo "aviso serve did not come up on $port (see $work/serve-$n.log)"; exit 1; }
    http="$(python3 "$here/timeline_http.py" "$port" bench-admin bench-password-1 "$data" 1000)"
    kill "$server"; wait "$server" 2>/dev/null || true; server=""
    echo "  $http"
    p99="$(echo "$http" | sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p')"

    if [ -z "$base" ]; then
        base="$best"; base_p99="$p99"
    else
        echo "  ratios to ${sizes%% *}: history $(echo "$best $base" | awk '{printf "%.2f", $1 / $2}'), timeline page p99 $(echo "$p99 $base_p99" | awk '{printf "%.2f", $1 / $2}')"
    fi
    [ "$keep" = 1 ] || rm -rf "$data"
done
