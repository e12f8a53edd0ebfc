#!/bin/sh
# Backup throughput: `aviso backup` (mdb_env_copy2 with MDB_CP_COMPACT, a consistent hot copy)
# against a plain `cp` of the same data.mdb (not consistent while the server writes), on a ledger
# built by importing CLIENTS clients with 3 installments each (4 events per client).
#
#   tools/backup-bench/run.sh [CLIENTS]      (default 100000; AVISO=path/to/aviso, default .build/release/aviso)
#   DATA=DIR   time the copies of an existing data directory instead (e.g. a history-bench ledger); it is not changed
#
# Each is run 3 times, alternating, with the page cache warm for both; the best of each is kept.
# `cp` writes into the page cache; the backup writes with O_DIRECT, so `cp` is also timed with the
# `sync` that makes its copy as durable.
set -eu
clients="${1:-100000}"
aviso="${AVISO:-.build/release/aviso}"
work="$(mktemp -d "${BENCH_DIR:-/tmp}/aviso-backup-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

if [ -n "${DATA:-}" ]; then
    data="$DATA"
else
data="$work/data"
python3 - "$work" "$clients" <<'PY'
import sys, datetime
work, n = sys.argv[1], int(sys.argv[2])
with open(f"{work}/clients.csv", "w") as f:
    f.write("id,name,phone,phone_country_code,advisor,preferred_channel\n")
    for i in range(n):
        f.write(f"C{i},Cliente Número {i},5{i % 10000000:07d},GT,Asesor {i % 40},{['whatsapp','sms','both'][i % 3]}\n")
with open(f"{work}/installments.csv", "w") as f:
    f.write("id,client_id,loan_id,number,due_date,amount,currency,status\n")
    for i in range(n):
        for k in range(1, 4):
            days = (i + 30 * k) % 365 - 60
            f.write(f"I{i}-{k},C{i},L{i},{k},@{days:+d},{500 + i % 900}.00,GTQ,pending\n")
PY
"$aviso" import --data "$data" --clients "$work/clients.csv" --installments "$work/installments.csv" >/dev/null
fi
mdb="$data/ledger/data.mdb"
cat "$mdb" >/dev/null   # warm the page cache

now() { date +%s.%N; }
best_cp=999999; best_sync=999999; best_backup=999999
for round in 1 2 3; do
    rm -rf "$work/cp" "$work/backup"; mkdir -p "$work/cp"
    t0="$(now)"; cp "$mdb" "$work/cp/data.mdb"; t1="$(now)"; sync; t2="$(now)"
    t3="$(now)"; "$aviso" backup "$work/backup" --data "$data" >/dev/null; sync; t4="$(now)"
    best_cp="$(echo "$best_cp $t1 $t0" | awk '{d=$2-$3; print (d<$1)?d:$1}')"
    best_sync="$(echo "$best_sync $t2 $t0" | awk '{d=$2-$3; print (d<$1)?d:$1}')"
    best_backup="$(echo "$best_backup $t4 $t3" | awk '{d=$2-$3; print (d<$1)?d:$1}')"
done
size="$(stat -c %s "$mdb")"; copy="$(stat -c %s "$work/backup/ledger/data.mdb")"
head="$(grep -o '"head_position" *: *[0-9]*' "$work/backup/backup.json" | grep -o '[0-9]*$')"
awk -v s="$size" -v c="$copy" -v cp="$best_cp" -v cs="$best_sync" -v b="$best_backup" -v h="$head" 'BEGIN {
    mb = s / 1048576
    printf "ledger: %d events, data.mdb %.1f MiB (compacted copy %.1f MiB)\n", h, mb, c / 1048576
    printf "cp data.mdb:          %.3f s  %7.1f MiB/s\n", cp, mb / cp
    printf "cp data.mdb + sync:   %.3f s  %7.1f MiB/s\n", cs, mb / cs
    printf "aviso backup (+sync): %.3f s  %7.1f MiB/s of data.mdb\n", b, mb / b
    printf "backup time / cp time: %.2f   backup time / (cp + sync) time: %.2f\n", b / cp, b / cs
}'
