#!/usr/bin/env python3
"""Checks that several scorers gave every unit the same total.

    python3 bench/compare_totals.py kaoping=out/kaoping.csv pandas=out/pandas.csv duckdb=out/duckdb.csv

Each file is a CSV with (at least) `unit` and `total` columns, in any order of rows and columns. The totals
must be equal as written (Kaoping writes normalized decimals: 97.5, 100, 0); a total equal in value but
written differently is reported too. Exits 1 and prints the first differing units on any disagreement.
"""

import csv
import sys
from decimal import Decimal, InvalidOperation

SHOW = 10


def read(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = {"unit", "total"} - set(reader.fieldnames or [])
        if missing:
            sys.exit(f"{path}: no column {', '.join(sorted(missing))} (header: {reader.fieldnames})")
        totals = {}
        for row in reader:
            if row["unit"] in totals:
                sys.exit(f"{path}: unit {row['unit']} appears twice")
            totals[row["unit"]] = row["total"]
        return totals


def value(s):
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def main():
    pairs = [a.split("=", 1) for a in sys.argv[1:]]
    if len(pairs) < 2 or any(len(p) != 2 for p in pairs):
        sys.exit("usage: compare_totals.py NAME=FILE NAME=FILE [NAME=FILE …]")
    ref_name, ref_path = pairs[0]
    ref = read(ref_path)
    ok = True
    for name, path in pairs[1:]:
        other = read(path)
        only_ref = sorted(set(ref) - set(other))
        only_other = sorted(set(other) - set(ref))
        if only_ref or only_other:
            ok = False
            print(f"{ref_name} vs {name}: different units: {len(only_ref)} only in {ref_name} "
                  f"(first {only_ref[:SHOW]}), {len(only_other)} only in {name} (first {only_other[:SHOW]})")
        diffs = [u for u in sorted(set(ref) & set(other)) if ref[u] != other[u]]
        if diffs:
            ok = False
            same_value = sum(1 for u in diffs if value(ref[u]) is not None and value(ref[u]) == value(other[u]))
            print(f"{ref_name} vs {name}: {len(diffs)} of {len(ref)} units differ"
                  + (f" ({same_value} only in how the number is written)" if same_value else ""))
            print(f"  {'unit':<12} {ref_name:>12} {name:>12}")
            for u in diffs[:SHOW]:
                print(f"  {u:<12} {ref[u]:>12} {other[u]:>12}")
        if not (only_ref or only_other or diffs):
            print(f"{ref_name} vs {name}: all {len(ref)} unit totals agree")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
