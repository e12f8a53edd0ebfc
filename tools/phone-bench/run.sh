#!/usr/bin/env bash
# Phone parsing benchmark: PhoneNumberParser (release build) against Python phonenumbers'
# parse + is_valid_number, on the same 100,000 mixed numbers, in the same run.
#   tools/phone-bench/run.sh [COUNT] [ROUNDS]      (needs: pip install -r tools/phone-metadata/requirements.txt)
set -euo pipefail
cd "$(dirname "$0")/../.."
COUNT=${1:-100000}
ROUNDS=${2:-5}
WORK=$(mktemp -d /tmp/aviso-phone-bench.XXXXXX)

swift build -c release --product phone-bench >/dev/null
BIN=$(swift build -c release --show-bin-path)

python3 tools/phone-bench/make_list.py "$COUNT" "$WORK/list.tsv"
echo "== python phonenumbers"
python3 tools/phone-bench/reference.py "$WORK/list.tsv" "$ROUNDS" "$WORK/answers.txt" | tee "$WORK/python.txt"
echo "== swift PhoneNumberParser"
"$BIN/phone-bench" "$WORK/list.tsv" "$ROUNDS" "$WORK/answers.txt" | tee "$WORK/swift.txt"

python3 - "$WORK" "$COUNT" <<'PY'
import sys
work, count = sys.argv[1], int(sys.argv[2])
median = lambda name: float(open(f"{work}/{name}.txt").read().split("median_seconds=")[1].split()[0])
python, swift = median("python"), median("swift")
print(f"== {count} numbers: python {python:.3f} s ({count / python:,.0f}/s), swift {swift:.3f} s ({count / swift:,.0f}/s): swift is {python / swift:.1f}x python")
PY
rm -rf "$WORK"
