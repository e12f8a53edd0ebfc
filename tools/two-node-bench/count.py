#!/usr/bin/env python3
"""The exactly-once check after a load run: reads `aviso history --json` (stdin) and wrk's RESULT
line (argv[1]) and fails unless every webhook's message id is in the ledger once, no request was
refused, and the ledger holds at least as many as were answered 200 and at most that plus the
requests still in flight when wrk stopped (argv[2], the connections).

wrk does not say which request an answer belongs to, so "each acknowledged one is there" is
checked by count: all requests are distinct, none is twice in the ledger, and none is missing
unless more than the in-flight ones were appended without an answer.
"""
import collections, json, re, sys

result = dict(re.findall(r"(\w+)=([\d.]+)", open(sys.argv[1]).read().split("RESULT", 1)[1]))
ok, bad, in_flight = int(result["ok"]), int(result["bad"]), int(sys.argv[2])
ids = collections.Counter()
for line in sys.stdin:
    event = json.loads(line)
    if event["type"] == "DeliveryStatusReceived":
        ids[event["payload"]["messageId"]] += 1
twice = [i for i, n in ids.items() if n > 1]
stored = len(ids)
print(f"answered 200: {ok}, refused: {bad}, distinct webhooks in the ledger: {stored}, twice: {len(twice)}")
if bad or twice or not ok <= stored <= ok + in_flight:
    sys.exit(f"FAIL: expected {ok}..{ok + in_flight} distinct webhooks, none twice, none refused")
print("PASS: every acknowledged webhook in the ledger exactly once")
