#!/usr/bin/env bash
# Webhook latency while a scheduler run decides: imports a portfolio of $INSTALLMENTS installments,
# serves it, measures the signed webhooks alone for $DURATION, then again for $RUN_DURATION with
# `aviso run` started $RUN_DELAY seconds in (it must end before wrk does). Finally `aviso verify`
# and the count: every request answered 200 must be in the ledger.
# BIN=dir of a prebuilt release `aviso` skips the build.
set -euo pipefail
cd "$(dirname "$0")/../.."
INSTALLMENTS=${INSTALLMENTS:-100000}
DURATION=${DURATION:-15s}
RUN_DURATION=${RUN_DURATION:-20}
RUN_DELAY=${RUN_DELAY:-3}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
SCRATCH=${SCRATCH:-.build-server-release}
PORT=${PORT:-18080}
NOW=${NOW:-2026-11-26T15:00:00Z}   # 09:00 in Guatemala
WORK=$(mktemp -d /tmp/aviso-webhook-run.XXXXXX)
PRODUCTS=aviso source tools/webhook-bench/server-env.sh
# Two sets of requests with different message ids: the second phase repeats nothing of the first.
python3 tools/webhook-bench/gen_requests.py 200000 "$WORK/alone.tsv" "$WHATSAPP_APP_SECRET" "$TWILIO_AUTH_TOKEN" "$AVISO_PUBLIC_URL" 0
# Enough for 25,000 requests/s without wrapping around (a repeat is a duplicate, not appended).
python3 tools/webhook-bench/gen_requests.py $((RUN_DURATION * 25000)) "$WORK/during.tsv" "$WHATSAPP_APP_SECRET" "$TWILIO_AUTH_TOKEN" "$AVISO_PUBLIC_URL" 1000000
python3 tools/webhook-bench/gen_portfolio.py "$INSTALLMENTS" "$WORK/portfolio"
"$BIN/aviso" import --data "$WORK/data" --clients "$WORK/portfolio/clients.csv" --installments "$WORK/portfolio/installments.csv" | tail -1

"$BIN/aviso" serve --data "$WORK/data" --port "$PORT" > "$WORK/serve.log" 2>&1 &
SERVE=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
position() { curl -sf "http://127.0.0.1:$PORT/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ledgerPosition"])'; }
BEFORE=$(position)

echo "== webhooks alone, $DURATION"
REQUESTS="$WORK/alone.tsv" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s tools/webhook-bench/webhooks.lua \
  "http://127.0.0.1:$PORT" > "$WORK/alone.txt"
grep RESULT "$WORK/alone.txt"

echo "== webhooks for ${RUN_DURATION}s, aviso run (${INSTALLMENTS} installments) from ${RUN_DELAY}s"
REQUESTS="$WORK/during.tsv" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${RUN_DURATION}s" --latency -s tools/webhook-bench/webhooks.lua \
  "http://127.0.0.1:$PORT" > "$WORK/during.txt" &
WRK=$!
sleep "$RUN_DELAY"
START=$(date +%s.%N)
# The providers are not configured for the run: it decides and records dry-run sends.
env -u TWILIO_AUTH_TOKEN -u WHATSAPP_APP_SECRET "$BIN/aviso" run --data "$WORK/data" --now "$NOW" --json > "$WORK/run.json" 2> "$WORK/run.err"
END=$(date +%s.%N)
RUNNING=$(kill -0 "$WRK" 2>/dev/null && echo yes || echo no)
wait "$WRK"
grep RESULT "$WORK/during.txt"
python3 -c "print('== aviso run: %.1f s (from %ss to %.1fs of wrk); wrk still running when it ended: $RUNNING' % ($END - $START, $RUN_DELAY, $RUN_DELAY + $END - $START))"
cat "$WORK/run.json"
sleep 1
kill -TERM "$SERVE"; wait "$SERVE" || true

VERIFY=$("$BIN/aviso" verify --data "$WORK/data" 2>&1 | tail -1 || true)
echo "== verify: $VERIFY"
VERIFIED=$(echo "$VERIFY" | sed -n 's/^ok: \([0-9]*\) events.*/\1/p')
OK=$(( $(sed -n 's/.*RESULT ok=\([0-9]*\).*/\1/p' "$WORK/alone.txt") + $(sed -n 's/.*RESULT ok=\([0-9]*\).*/\1/p' "$WORK/during.txt") ))
echo "== answered 200: $OK; ledger grew by $((VERIFIED - BEFORE)) events (webhooks plus the run's decisions)"
WEBHOOK_EVENTS=$("$BIN/aviso" history --data "$WORK/data" --json 2>/dev/null | grep -c '"actor":"webhook:' || true)
echo "== webhook events in the ledger: $WEBHOOK_EVENTS (each request is one event; a wrap-around of a request file would repeat ids)"
[ "$WEBHOOK_EVENTS" -ge "$OK" ] && echo "PASS: no acknowledged webhook lost" || { echo "FAIL: lost events"; exit 1; }
echo "work dir: $WORK"
