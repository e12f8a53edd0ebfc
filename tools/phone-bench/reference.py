#!/usr/bin/env python3
"""The reference for phone-bench: Python phonenumbers' parse + is_valid_number over the same list.

    python3 tools/phone-bench/reference.py LIST [ROUNDS] [ANSWERS]

Prints one line per round and `median_seconds=…`; writes each number's answer (E.164 or
`invalid`) to ANSWERS (default LIST.answers) so phone-bench can check it computed the same.
"""
import os
import statistics
import sys
import time

import phonenumbers

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "phone-metadata"))
from answer_vectors import answer  # noqa: E402  (the same answer the vectors hold)


def main():
    path = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    answers_path = sys.argv[3] if len(sys.argv) > 3 else path + ".answers"
    with open(path, encoding="utf-8") as file:
        rows = [line.rstrip("\n").split("\t", 1) for line in file if line.strip()]
    with open(answers_path, "w", encoding="utf-8") as out:
        for region, raw in rows:
            out.write(answer(raw, region) + "\n")  # also the warm-up: metadata loaded, regexes cached

    times = []
    for round_ in range(rounds):
        start = time.perf_counter()
        valid = 0
        for region, raw in rows:
            try:
                if phonenumbers.is_valid_number(phonenumbers.parse(raw, region)):
                    valid += 1
            except phonenumbers.NumberParseException:
                pass
        times.append(time.perf_counter() - start)
        print("python round %d: %.3f s, %d valid of %d" % (round_ + 1, times[-1], valid, len(rows)))
    print("phonenumbers %s" % phonenumbers.__version__)
    print("median_seconds=%.6f" % statistics.median(times))


if __name__ == "__main__":
    main()
