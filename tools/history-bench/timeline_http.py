#!/usr/bin/env python3
"""The console's message timeline page (GET /mensajes/{id}) through HTTP, as a browser asks for it.

    timeline_http.py PORT LOGIN PASSWORD DATA_DIR [REQUESTS]

Signs in (POST /login), then asks for REQUESTS (default 1000) random messages (their ids read from
DATA_DIR's read models, read-only), one at a time on a kept-alive connection, after 50 warm-up requests. Prints p50, p99 and max in ms.
Every answer must be 200 and hold a timeline; anything else stops the benchmark.
"""
import http.client, json, random, sqlite3, sys, time

port, login, password, data = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
requests = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
conn.request("POST", "/login", body=json.dumps({"login": login, "password": password}),
             headers={"Content-Type": "application/json"})
answer = conn.getresponse()
answer.read()
cookie = next((v.split(";")[0] for k, v in answer.getheaders() if k.lower() == "set-cookie" and v.startswith("aviso_session=")), None)
if answer.status != 200 or cookie is None:
    sys.exit(f"login failed: {answer.status}")

def page(i):
    conn.request("GET", f"/mensajes/{i}", headers={"Cookie": cookie})
    r = conn.getresponse()
    body = r.read()
    # The page and its timeline, with the message's records in it (not the "no events" line).
    if r.status != 200 or b"linea-de-tiempo" not in body or "no tiene eventos".encode() in body:
        sys.exit(f"/mensajes/{i}: {r.status} {body[:200]!r}")

db = sqlite3.connect(f"file:{data}/aviso.sqlite?mode=ro", uri=True)
ids = [row[0] for row in db.execute("SELECT id FROM notifications_log")]
db.close()
rng = random.Random(12)
for _ in range(50):
    page(rng.choice(ids))
times = []
for _ in range(requests):
    i = rng.choice(ids)
    t0 = time.perf_counter()
    page(i)
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
print(f"timeline page over HTTP: p50 {p(0.5):.2f} ms, p99 {p(0.99):.2f} ms, max {times[-1]:.2f} ms ({requests} requests)")
