#!/usr/bin/env python3
"""Writes the benchmark's mixed list of phone numbers: `REGION<TAB>RAW` per line, deterministic.

    python3 tools/phone-bench/make_list.py [COUNT] [OUT]     (default 100000, /tmp/phone-bench-list.tsv)

The mix (seeded, so every run times the same list):
- 40 % Guatemalan numbers as staff type them (national, with 502, +502, 00502; mobiles and fixed lines);
- 45 % numbers of every region from libphonenumber's example numbers of each type, written in their
  national format with their region as default, or internationally (+CC, 00 CC from Guatemala);
- 15 % of those with a digit dropped, added or changed: mostly invalid.
"""
import random
import sys

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

TYPES = [PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.TOLL_FREE,
         PhoneNumberType.PREMIUM_RATE, PhoneNumberType.VOIP, PhoneNumberType.SHARED_COST,
         PhoneNumberType.PERSONAL_NUMBER, PhoneNumberType.UAN]


def examples():
    found = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in TYPES:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                found.append((region, number))
    return found


def written(rng, region, number):
    """One way people write `number`: (default region, text)."""
    style = rng.randrange(4)
    if style == 0:
        return region, phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    if style == 1:
        return "GT", phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    if style == 2:
        return "GT", phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return "GT", "00 " + phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)[1:]


def guatemalan(rng):
    first = rng.choice("345") if rng.random() < 0.8 else rng.choice("2267")
    digits = first + "".join(rng.choice("0123456789") for _ in range(7))
    grouped = rng.choice([digits, digits[:4] + "-" + digits[4:], digits[:4] + " " + digits[4:]])
    return "GT", rng.choice(["", "", "", "502 ", "+502 ", "00502 ", "(502) "]) + grouped


def mutated(rng, text):
    positions = [i for i, c in enumerate(text) if c.isdigit()]
    i = rng.choice(positions[2:] or positions)
    action = rng.randrange(3)
    if action == 0:
        return text[:i] + text[i + 1:]
    if action == 1:
        return text[:i] + rng.choice("0123456789") + text[i:]
    return text[:i] + rng.choice("0123456789") + text[i + 1:]


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/phone-bench-list.tsv"
    rng = random.Random(20261130)
    pool = examples()
    with open(out, "w", encoding="utf-8") as file:
        for _ in range(count):
            roll = rng.random()
            if roll < 0.40:
                region, text = guatemalan(rng)
            else:
                region, text = written(rng, *rng.choice(pool))
                if roll >= 0.85:
                    text = mutated(rng, text)
            file.write("%s\t%s\n" % (region, text))
    sys.stderr.write("wrote %d numbers to %s\n" % (count, out))


if __name__ == "__main__":
    main()
