#!/usr/bin/env bash
# Webhook throughput benchmark: signed WhatsApp status webhooks and Twilio callbacks against
# `aviso serve` for $DURATION, then the same load against a bare Hummingbird route; finally
# counts the ledger: exactly one event per request answered 200 must be there.
# BIN=dir of prebuilt release binaries skips the build.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-30s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
SCRATCH=${SCRATCH:-.build-server-release}
PORT=${PORT:-18080}
BARE_PORT=${BARE_PORT:-18090}
WORK=$(mktemp -d /tmp/aviso-webhook-bench.XXXXXX)
PRODUCTS="aviso webhook-bench-bare" source tools/webhook-bench/server-env.sh

# Enough for 25,000 requests/s without wrapping around: a repeated request is a duplicate,
# answered 200 and not appended, which the count below would take for a loss.
SECONDS_RUN=${DURATION%s}
# CPU seconds a process has used (user + system), from /proc.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }

python3 tools/webhook-bench/gen_requests.py $((SECONDS_RUN * 25000 > 200000 ? SECONDS_RUN * 25000 : 200000)) "$WORK/requests.tsv" "$WHATSAPP_APP_SECRET" "$TWILIO_AUTH_TOKEN" "$AVISO_PUBLIC_URL"

"$BIN/aviso" serve --data "$WORK/data" --port "$PORT" > "$WORK/serve.log" 2>&1 &
SERVE=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
BEFORE=$(curl -sf "http://127.0.0.1:$PORT/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ledgerPosition"])')

echo "== aviso serve: signed webhooks, $DURATION, $CONNECTIONS connections"
REQUESTS="$WORK/requests.tsv" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s tools/webhook-bench/webhooks.lua \
  "http://127.0.0.1:$PORT" | tee "$WORK/aviso.txt"
CPU_AVISO=$(cpu_seconds "$SERVE")
sleep 1
AFTER=$(curl -sf "http://127.0.0.1:$PORT/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ledgerPosition"])')
LAG=$(curl -sf "http://127.0.0.1:$PORT/metrics" | awk '/^aviso_projection_lag_records/ {print $2}')
kill -TERM "$SERVE"; wait "$SERVE" || true

"$BIN/webhook-bench-bare" "$BARE_PORT" > "$WORK/bare.log" 2>&1 &
BARE=$!
for _ in $(seq 100); do curl -sf -X POST "http://127.0.0.1:$BARE_PORT/api/webhooks/twilio" >/dev/null && break; sleep 0.1; done
echo "== bare Hummingbird route, same requests, $DURATION"
REQUESTS="$WORK/requests.tsv" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s tools/webhook-bench/webhooks.lua \
  "http://127.0.0.1:$BARE_PORT" | tee "$WORK/bare.txt"
CPU_BARE=$(cpu_seconds "$BARE")
kill -TERM "$BARE"; wait "$BARE" || true

# Count again after a graceful stop, straight from the ledger (verify walks the hash chain).
VERIFIED=$("$BIN/aviso" verify --data "$WORK/data" | sed -n 's/^ok: \([0-9]*\) events.*/\1/p')
OK=$(sed -n 's/.*RESULT ok=\([0-9]*\).*/\1/p' "$WORK/aviso.txt")
RPS=$(sed -n 's/.*RESULT .*rps=\([0-9.]*\).*/\1/p' "$WORK/aviso.txt")
BARE_RPS=$(sed -n 's/.*RESULT .*rps=\([0-9.]*\).*/\1/p' "$WORK/bare.txt")
APPENDED=$((VERIFIED - BEFORE))
echo "== ledger: $APPENDED events appended during the run (head $VERIFIED, before $BEFORE, after run $AFTER, projection lag at end $LAG)"
echo "== answered 200: $OK; events - answered = $((APPENDED - OK)) (requests in flight when wrk stopped may add a few; never fewer)"
python3 -c "print('== aviso/bare requests/s: %.0f / %.0f = %.0f%%' % ($RPS, $BARE_RPS, 100*$RPS/$BARE_RPS))"
BARE_OK=$(sed -n 's/.*RESULT ok=\([0-9]*\).*/\1/p' "$WORK/bare.txt")
python3 -c "print('== server CPU per request answered: aviso %.0f us (%.1f s), bare %.0f us (%.1f s); ratio %.1f' % (1e6*$CPU_AVISO/$OK, $CPU_AVISO, 1e6*$CPU_BARE/$BARE_OK, $CPU_BARE, ($CPU_AVISO/$OK)/($CPU_BARE/$BARE_OK)))"
[ "$APPENDED" -ge "$OK" ] && echo "PASS: no acknowledged webhook lost" || { echo "FAIL: lost events"; exit 1; }
echo "work dir: $WORK"
