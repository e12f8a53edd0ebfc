#!/usr/bin/env python3
"""One RESULT line from the wrk outputs given (one per node when wrk runs straight at both):
answers and requests/s added up; p50 and p99 the larger of the processes' (wrk reports no histogram
to merge, and the larger one is an upper bound of the union's percentile)."""
import re, sys

runs = [dict(re.findall(r"(\w+)=([\d.]+)", open(p).read().split("RESULT", 1)[1])) for p in sys.argv[1:]]
total = lambda k: sum(float(r[k]) for r in runs)
worst = lambda k: max(float(r[k]) for r in runs)
print("RESULT ok=%d bad=%d requests=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f" % (
    total("ok"), total("bad"), total("requests"), total("rps"), worst("p50_ms"), worst("p99_ms"), worst("max_ms")))
