#!/bin/sh
# History and timeline reads as the ledger grows: builds mixed ledgers of each size, then times
# `aviso history --client X` as a whole process (best of 5, a client from the middle of the book)
# and one message's timeline records through the index, and prints the ratios to 100 k.
#
#   tools/history-bench/run.sh [SIZES...]     (default: 100000 1000000; 5000000 takes a while)
#   BIN=.build/release (where aviso and history-bench are; default .build/debug)
#   OLD=path/to/aviso   also time an aviso that scans the whole ledger (before ledger_index), same ledgers
set -eu
bin="${BIN:-.build/debug}"
sizes="${*:-100000 1000000}"
work="$(mktemp -d "${BENCH_DIR:-/tmp}/aviso-history-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
base=""
for n in $sizes; do
    "$bin/history-bench" build --data "$work/$n" --events "$n"
    client="C$((n / 80))"
    best=999
    for _ in 1 2 3 4 5; do
        t0="$(now)"; "$bin/aviso" history --data "$work/$n" --client "$client" >/dev/null; t1="$(now)"
        best="$(echo "$best $t1 $t0" | awk '{d=$2-$3; print (d<$1)?d:$1}')"
    done
    if [ -n "${OLD:-}" ]; then
        old=999
        for _ in 1 2 3; do
            t0="$(now)"; "$OLD" history --data "$work/$n" --client "$client" >/dev/null; t1="$(now)"
            old="$(echo "$old $t1 $t0" | awk '{d=$2-$3; print (d<$1)?d:$1}')"
        done
        echo "$n events: whole-ledger scan (OLD): $(echo "$old" | awk '{printf "%.0f", $1 * 1000}') ms"
    fi
    lines="$("$bin/aviso" history --data "$work/$n" --client "$client" | wc -l)"
    echo "$n events: aviso history --client $client: $(echo "$best" | awk '{printf "%.0f", $1 * 1000}') ms ($lines events)"
    "$bin/history-bench" timeline --data "$work/$n"
    if [ -z "$base" ]; then base="$best"; else echo "  history ratio to ${sizes%% *}: $(echo "$best $base" | awk '{printf "%.2f", $1 / $2}')"; fi
    rm -rf "$work/$n"
done
