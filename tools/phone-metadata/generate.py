#!/usr/bin/env python3
"""Writes Sources/AvisoMessaging/Phone/GeneratedPhoneMetadata.swift from libphonenumber's
metadata as shipped in the PyPI package `phonenumbers`, pinned in requirements.txt beside this file.

    pip install -r tools/phone-metadata/requirements.txt   # the pinned version
    python3 tools/phone-metadata/generate.py            # rewrite the Swift file
    python3 tools/phone-metadata/generate.py --stdout   # print it (the tests compare this)

The output is deterministic: regions and calling codes are sorted, nothing depends on time or
on the machine. The data is one Swift string in a line format (see FORMAT below) that
PhoneMetadataCatalogue.swift reads lazily, one region at a time; a giant Swift array literal
would take the type checker minutes.

Exit status 3 when the pinned `phonenumbers` is not installed.
"""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.join(HERE, "..", "..",
                      "Sources", "AvisoMessaging", "Phone", "GeneratedPhoneMetadata.swift")

# Number descriptions in the order libphonenumber tests them when it types a number
# (phonenumberutil._number_type_helper): the general description first, the special services,
# then fixed line and mobile.
TYPES = ["general_desc", "premium_rate", "toll_free", "shared_cost", "voip", "personal_number",
         "pager", "uan", "voicemail", "fixed_line", "mobile"]

# Our additions to the metadata, applied before writing and listed in the file's header.
# Each is expressed with libphonenumber's own fields, so the parser has no special case.
LOCAL_RULES = {
    # Mexico dropped the "1" between +52 and a mobile number in 2019 and libphonenumber no longer
    # strips it, but borrowers still write +52 1 55 1234 5678. A national-prefix-for-parsing with
    # a transform drops a "1" followed by exactly ten digits; a number that is already valid is
    # kept as it is (libphonenumber checks that before stripping any national prefix).
    "MX": {"national_prefix_for_parsing": r"1(\d{10})$", "national_prefix_transform_rule": r"\1"},
}

FORMAT = """\
Format: one line per fact, fields separated by one space (no pattern contains a space).
  cc CODE REGION...            regions sharing a calling code, the main one first
  region ID CODE               starts a region's block (ID 001: a non-geographic code)
  idd PATTERN                  international prefix dialled in the region
  national_prefix DIGITS       trunk prefix
  national_prefix_for_parsing PATTERN
  national_prefix_transform TEMPLATE   NSRegularExpression template ($1 = first group)
  leading_digits PATTERN       picks the region among those sharing a calling code
  TYPE LENGTHS LOCAL PATTERN   a number description: possible lengths, lengths only dialled
                               locally (- for none), the national number pattern
"""


def pinned_version():
    """The one pin, in requirements.txt beside this file (CI installs from it too)."""
    with open(os.path.join(HERE, "requirements.txt"), encoding="utf-8") as requirements:
        for line in requirements:
            match = re.match(r"\s*phonenumbers==([0-9.]+)\s*$", line)
            if match:
                return match.group(1)
    raise SystemExit("generate.py: requirements.txt does not pin phonenumbers==VERSION")


PINNED_VERSION = pinned_version()


def load_phonenumbers():
    try:
        import phonenumbers
    except ImportError:
        sys.stderr.write("generate.py: the Python package phonenumbers is not installed; "
                         "run: pip install -r tools/phone-metadata/requirements.txt\n")
        sys.exit(3)
    if phonenumbers.__version__ != PINNED_VERSION:
        sys.stderr.write("generate.py: phonenumbers %s is installed, the pinned version is %s; "
                         "run: pip install -r tools/phone-metadata/requirements.txt\n"
                         % (phonenumbers.__version__, PINNED_VERSION))
        sys.exit(3)
    return phonenumbers


def template(python_rule):
    """Python's `\\1` backreferences become NSRegularExpression's `$1`."""
    if re.search(r"[$]|\\[^0-9]", python_rule):
        raise SystemExit("generate.py: unexpected transform rule %r" % python_rule)
    return re.sub(r"\\([0-9])", r"$\1", python_rule)


def field(name, value):
    if value is None or value == "":
        return []
    if re.search(r"\s", value):
        raise SystemExit("generate.py: whitespace in %s %r" % (name, value))
    return ["%s %s" % (name, value)]


def lengths(values):
    return ",".join(str(n) for n in sorted(values)) if values else "-"


def region_block(region_id, metadata, overrides):
    get = lambda name: overrides.get(name, getattr(metadata, name))
    lines = ["region %s %d" % (region_id, metadata.country_code)]
    lines += field("idd", metadata.international_prefix)
    lines += field("national_prefix", metadata.national_prefix)
    npp = get("national_prefix_for_parsing")
    rule = get("national_prefix_transform_rule")
    lines += field("national_prefix_for_parsing", npp)
    if rule:
        if not npp or re.compile(npp).groups == 0:
            raise SystemExit("generate.py: %s has a transform without capturing groups" % region_id)
        lines += field("national_prefix_transform", template(rule))
    lines += field("leading_digits", metadata.leading_digits)
    for name in TYPES:
        desc = getattr(metadata, name)
        if desc is None or not desc.national_number_pattern:
            continue
        if not desc.possible_length or min(desc.possible_length) < 1:
            raise SystemExit("generate.py: %s %s has no possible lengths" % (region_id, name))
        type_name = "general" if name == "general_desc" else name
        pattern = desc.national_number_pattern
        if re.search(r"\s", pattern):
            raise SystemExit("generate.py: whitespace in %s %s" % (region_id, name))
        lines.append("%s %s %s %s" % (type_name, lengths(desc.possible_length),
                                      lengths(desc.possible_length_local_only), pattern))
    return lines


def generate():
    phonenumbers = load_phonenumbers()
    from phonenumbers import PhoneMetadata
    from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

    unknown = set(LOCAL_RULES) - set(phonenumbers.SUPPORTED_REGIONS)
    if unknown:
        raise SystemExit("generate.py: local rules for unknown regions %s" % sorted(unknown))

    body = []
    for code in sorted(COUNTRY_CODE_TO_REGION_CODE):
        body.append("cc %d %s" % (code, " ".join(COUNTRY_CODE_TO_REGION_CODE[code])))
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        body += region_block(region, PhoneMetadata.metadata_for_region(region), LOCAL_RULES.get(region, {}))
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        body += region_block("001", PhoneMetadata.metadata_for_nongeo_region(code), {})
    if any('"""#' in line for line in body):
        raise SystemExit("generate.py: a line would end the Swift string")

    local = "\n".join("//   %s: %s" % (region, ", ".join("%s %s" % kv for kv in sorted(rules.items())))
                      for region, rules in sorted(LOCAL_RULES.items()))
    swift_comment = "\n".join("// " + line if line else "//" for line in FORMAT.rstrip("\n").split("\n"))
    return (
        "// GENERATED by tools/phone-metadata/generate.py: do not edit; re-run the generator.\n"
        "// libphonenumber metadata %(version)s, as shipped in the PyPI package phonenumbers==%(version)s.\n"
        "// %(regions)d regions and %(nongeo)d non-geographic calling codes.\n"
        "// Our additions to the metadata (LOCAL_RULES in the generator):\n"
        "%(local)s\n"
        "//\n"
        "%(format)s\n"
        "\n"
        "enum GeneratedPhoneMetadata {\n"
        "    /// The libphonenumber metadata version this data comes from.\n"
        "    static let version = \"%(version)s\"\n"
        "\n"
        "    static let text = #\"\"\"\n"
        "%(body)s\n"
        "\"\"\"#\n"
        "}\n"
    ) % {
        "version": PINNED_VERSION,
        "regions": len(phonenumbers.SUPPORTED_REGIONS),
        "nongeo": len(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS),
        "local": local,
        "format": swift_comment,
        "body": "\n".join(body),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stdout", action="store_true", help="print the file instead of writing it")
    args = parser.parse_args()
    text = generate()
    if args.stdout:
        sys.stdout.write(text)
    else:
        with open(os.path.normpath(OUTPUT), "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        sys.stderr.write("wrote %s\n" % os.path.relpath(os.path.normpath(OUTPUT)))


if __name__ == "__main__":
    main()
