#!/usr/bin/env python3
"""Medians over the rounds in WORK (run.sh's work dir) of requests/s and p99 per setup, and each
two-node setup's requests/s over the one LMDB node's."""
import glob, os, re, statistics, sys

work, runs = sys.argv[1], int(sys.argv[2])
def results(setup):
    out = []
    for r in range(1, runs + 1):
        path = f"{work}/{setup}-{r}.txt"
        if os.path.exists(path):
            out.append({k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", open(path).read())})
    return out
setups = [("lmdb", "(a) one node, LMDB"), ("pg-nginx", "(b) two nodes, PostgreSQL, nginx"),
          ("pg-direct", "(b) two nodes, PostgreSQL, one wrk per node")]
ref = statistics.median(r["rps"] for r in results("lmdb"))
print("== medians of %d rounds" % runs)
for setup, label in setups:
    rs = results(setup)
    if not rs:
        continue
    rps = statistics.median(r["rps"] for r in rs)
    p99 = statistics.median(r["p99_ms"] for r in rs)
    print(f"{label:46} {rps:8.0f} webhooks/s  p99 {p99:6.1f} ms  ratio to (a) {rps / ref:.2f}"
          f"   (rounds: {', '.join('%.0f' % r['rps'] for r in rs)})")
