#!/usr/bin/env python3
"""Re-answers a phone vectors file (`REGION<TAB>RAW<TAB>EXPECTED`) with the installed phonenumbers:
EXPECTED becomes the E.164 of parse + is_valid_number, or `invalid`. Run it on
Fixtures/phone-vectors*.tsv after refreshing the metadata, and review the diff.

    python3 tools/phone-metadata/answer_vectors.py Fixtures/phone-vectors-world.tsv [--write]
"""
import sys

import phonenumbers


def answer(raw, region):
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return "invalid"
    if not phonenumbers.is_valid_number(number):
        return "invalid"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def main():
    path = sys.argv[1]
    with open(path, encoding="utf-8") as file:
        rows = [line.rstrip("\n").split("\t") for line in file if line.strip()]
    out, changed = [], 0
    for region, raw, expected in rows:
        new = answer(raw, region)
        if new != expected:
            changed += 1
            sys.stderr.write("%s %r: %s -> %s\n" % (region, raw, expected, new))
        out.append("%s\t%s\t%s\n" % (region, raw, new))
    sys.stderr.write("%d of %d answers differ (phonenumbers %s)\n" % (changed, len(rows), phonenumbers.__version__))
    if "--write" in sys.argv[2:]:
        with open(path, "w", encoding="utf-8", newline="\n") as file:
            file.writelines(out)


if __name__ == "__main__":
    main()
