"""Reads a Kaoping rubric TOML (docs/rubric-format.md) into flat tables for the benchmark peers.

Shared by pandas_score.py and duckdb_score.py: the part of the job an analyst writes once. Codes follow
Kaoping's rules: sections `1`, `2` …, items `1.1` …, rules `1.1.1` … by position unless `code` is given; a
section without `items` but with `rules` is its own single item and shares the section's code.

Every point value is kept as an integer number of hundredths (SCALE) so sums are exact; every round weight
as an integer number of millionths (WEIGHT_SCALE).
"""

import tomllib
from decimal import Decimal

SCALE = 100  # points are kept in hundredths
WEIGHT_SCALE = 1_000_000  # round weights in millionths

# The kinds the benchmark generator emits and these peers score.
SUPPORTED = {"fixed", "zero", "per_occurrence", "progressive", "graded", "discretionary"}


def dec(value) -> Decimal:
    """A TOML number or string as an exact Decimal (`0.5`, `"0.5"`, `5`)."""
    if isinstance(value, str):
        return Decimal(value.strip())
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def scaled(value, scale=SCALE) -> int:
    d = dec(value) * scale
    if d != d.to_integral_value():
        raise ValueError(f"{value} is not a multiple of 1/{scale}")
    return int(d)


def weight(value) -> int:
    if isinstance(value, str) and value.strip().endswith("%"):
        return scaled(Decimal(value.strip()[:-1]) / 100, WEIGHT_SCALE)
    return scaled(value, WEIGHT_SCALE)


def load(path):
    """Returns (rules, levels, items, sections, rounds) as lists of dicts.

    rules:    code, item, section, kind, amount, max_count, first, step, cap (hundredths; None when absent)
    levels:   code, level, points
    items:    item, section, max, pool, default (the score with no finding: 0 when a discretionary entry is
              required, else the item's points)
    sections: section, points, pool
    rounds:   name, code, weight; one round named "" when the rubric has no [[rounds]]
    """
    with open(path, "rb") as f:
        doc = tomllib.load(f)

    if doc.get("rounds"):
        rounds = [
            {"name": r["name"], "code": r.get("code", r["name"]), "weight": weight(r["weight"])}
            for r in doc["rounds"]
        ]
    else:
        rounds = [{"name": "", "code": "", "weight": WEIGHT_SCALE}]

    rules, levels, items, sections = [], [], [], []
    for si, s in enumerate(doc["sections"]):
        scode = str(s.get("code", si + 1))
        pool = bool(s.get("pool", False))
        spoints = scaled(s["points"])
        sections.append({"section": scode, "points": spoints, "pool": pool})
        if "items" in s:
            its = [(str(it.get("code", f"{scode}.{ii + 1}")), it) for ii, it in enumerate(s["items"])]
        else:  # a flat section: its own single item
            its = [(scode, {**s, "points": None if pool else s["points"]})]
        for icode, it in its:
            imax = spoints if pool else scaled(it["points"])
            kinds = []
            for ri, r in enumerate(it.get("rules", [])):
                code = str(r.get("code", f"{icode}.{ri + 1}"))
                kind = r["kind"]
                kinds.append(kind)
                first = scaled(r["first"]) if "first" in r else None
                rules.append(
                    {
                        "code": code,
                        "item": icode,
                        "section": scode,
                        "kind": kind,
                        "amount": scaled(r["amount"]) if "amount" in r else None,
                        "max_count": int(r["max_count"]) if "max_count" in r else None,
                        "first": first,
                        "step": scaled(r["step"]) if "step" in r else first,
                        "cap": scaled(r["cap"]) if "cap" in r else None,
                    }
                )
                for lv in r.get("levels", []):
                    levels.append({"code": code, "level": lv["name"], "points": scaled(lv["points"])})
            required = "discretionary" in kinds or "conversion" in kinds
            items.append(
                {
                    "item": icode,
                    "section": scode,
                    "max": imax,
                    "pool": pool,
                    "default": 0 if required else imax,
                }
            )
    return rules, levels, items, sections, rounds


def baseline(items, sections) -> int:
    """A round's total (hundredths) for a unit with no finding at all in it."""
    pool_points = sum(s["points"] for s in sections if s["pool"])
    return pool_points + sum(i["default"] for i in items if not i["pool"])


def fmt_total(value: int, scale: int) -> str:
    """`value / scale` written as Kaoping writes a normalized decimal: 97.5, 100, 0."""
    d = (Decimal(int(value)) / Decimal(scale)).normalize()
    s = format(d, "f")
    return "0" if s in ("-0", "") else s
