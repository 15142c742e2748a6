#!/usr/bin/env python3
"""Benchmark peer: Kaoping's unit totals computed with pandas, as an analyst would write it.

    python3 bench/peers/pandas_score.py --rubric rubrics/dongli-2023.toml \
        --findings bench-data/findings-10m.csv -o out.csv

Reads the findings CSV (unit,code,count,level,points,round,note) and writes `unit,total` sorted by unit,
totals written like Kaoping's (97.5, 100, 0). Scores the kinds the benchmark generator emits, with
Kaoping's semantics (docs/rubric-format.md):

- fixed deducts its amount once however often found; zero sets the item to 0;
- per_occurrence deducts amount x min(sum of counts, max_count);
- progressive with n = sum of counts deducts n*first + step*n(n-1)/2, at most cap;
- graded sets the item's base to the level's points (no entry: the item's points); discretionary sets it to
  the points given (no entry: 0);
- an ordinary item scores clamp(base, 0, points), 0 if a zero rule was found, less its deductions, never
  below 0; a pool section scores max(0, points - all its items' deductions);
- a round's total is the sum of its sections; the year's total is the rounds' totals weighted.

Points are integers in hundredths throughout, weights integers in millionths: every sum is exact.
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rubric_table as rt  # noqa: E402

KEYS = ["unit", "round", "item"]
NO_LIMIT = 1 << 60  # no max_count / no cap (exact as a float64, so it casts cleanly)


def fail(msg):
    sys.exit(f"pandas_score: {msg}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rubric", required=True)
    ap.add_argument("--findings", required=True)
    ap.add_argument("-o", "--out", default="-")
    args = ap.parse_args()

    rules, levels, items, sections, rounds = rt.load(args.rubric)
    rules = pd.DataFrame(rules)
    levels = pd.DataFrame(levels, columns=["code", "level", "points"])
    items = pd.DataFrame(items)
    sections = pd.DataFrame(sections)

    # Round names and codes -> round index and weight.
    round_of = {}
    for i, r in enumerate(rounds):
        round_of[r["name"]] = i
        round_of[r["code"]] = i
    weights = np.array([r["weight"] for r in rounds], dtype=np.int64)

    f = pd.read_csv(
        args.findings,
        usecols=["unit", "code", "count", "level", "points", "round"],
        dtype={
            "unit": "category",
            "code": "category",
            "count": "float64",
            "level": "category",
            "points": "float64",
            "round": "category",
        },
        keep_default_na=False,
        na_values={"count": [""], "points": [""]},
    )

    # --- check what the file names -------------------------------------------------------------
    unknown = set(f["code"].cat.categories) - set(rules["code"])
    if unknown:
        fail(f"unknown codes: {sorted(unknown)[:10]}")
    bad_rounds = set(f["round"].cat.categories) - set(round_of)
    if bad_rounds:
        fail(f"unknown rounds: {sorted(bad_rounds)[:10]}")
    f["round"] = f["round"].cat.rename_categories(lambda r: round_of[r]).astype("int64")

    kind = rules.set_index("code")["kind"]
    f["kind"] = f["code"].map(kind)
    unsupported = set(f["kind"].unique()) - rt.SUPPORTED
    if unsupported:
        fail(f"rule kinds this peer does not score: {sorted(unsupported)}")

    setter_mask = f["kind"].isin(["graded", "discretionary"])
    counted = f.loc[~setter_mask, ["unit", "round", "code", "count"]]
    setters = f.loc[setter_mask, ["unit", "round", "code", "kind", "level", "points"]]
    units = f["unit"].cat.remove_unused_categories().cat.categories
    del f

    # --- deductions: one row per unit, round and rule found --------------------------------------
    counted = counted.assign(n=counted["count"].fillna(1).astype("int64"))
    per_rule = counted.groupby(["unit", "round", "code"], observed=True, sort=False)["n"].sum().reset_index()
    per_rule["code"] = per_rule["code"].astype(str)
    per_rule = per_rule.merge(rules, on="code", how="left")
    n = per_rule["n"].to_numpy()
    amount = per_rule["amount"].fillna(0).to_numpy(dtype=np.int64)
    max_count = per_rule["max_count"].fillna(NO_LIMIT).to_numpy(dtype=np.int64)
    first = per_rule["first"].fillna(0).to_numpy(dtype=np.int64)
    step = per_rule["step"].fillna(0).to_numpy(dtype=np.int64)
    cap = per_rule["cap"].fillna(NO_LIMIT).to_numpy(dtype=np.int64)
    k = per_rule["kind"].to_numpy()
    progressive = np.minimum(n * first + step * (n * (n - 1) // 2), cap)
    per_rule["deduct"] = np.select(
        [k == "fixed", k == "per_occurrence", k == "progressive"],
        [amount, amount * np.minimum(n, max_count), progressive],
        default=0,
    )
    per_rule["zero"] = (k == "zero") & (n > 0)
    per_item = (
        per_rule.groupby(KEYS, observed=True, sort=False)
        .agg(deduct=("deduct", "sum"), zero=("zero", "any"))
        .reset_index()
    )

    # --- score-setting entries: at most one per unit, round and rule -----------------------------
    dup = setters.duplicated(["unit", "round", "code"])
    if dup.any():
        row = setters[dup].iloc[0]
        fail(f"a second entry for {row['unit']} {row['code']} in round {row['round']}")
    setters = setters.assign(code=setters["code"].astype(str), level=setters["level"].astype(str))
    setters = setters.merge(levels, on=["code", "level"], how="left", suffixes=("", "_level"))
    graded = setters["kind"] == "graded"
    if (graded & setters["points_level"].isna()).any():
        fail("a graded finding names a level the rule does not have")
    setters["base"] = np.where(
        graded, setters["points_level"], np.round(setters["points"] * rt.SCALE)
    ).astype("int64")
    setters = setters.merge(rules[["code", "item"]], on="code")[KEYS + ["base"]]

    # --- items touched by a finding: new score minus the score they have with none ---------------
    touched = per_item.merge(setters, on=KEYS, how="outer")
    touched = touched.merge(items, on="item", how="left")
    touched["deduct"] = touched["deduct"].fillna(0).astype("int64")
    touched["zero"] = touched["zero"].astype("boolean").fillna(False).astype(bool)
    base = touched["base"].fillna(touched["default"]).clip(lower=0, upper=touched["max"])
    base = base.where(~touched["zero"], 0)
    touched["delta"] = (base - touched["deduct"]).clip(lower=0) - touched["default"]

    ordinary = touched[~touched["pool"]]
    pooled = touched[touched["pool"]]
    pool = pooled.groupby(["unit", "round", "section"], observed=True, sort=False)["deduct"].sum().reset_index()
    pool = pool.merge(sections[["section", "points"]], on="section")
    pool["delta"] = (pool["points"] - pool["deduct"]).clip(lower=0) - pool["points"]

    deltas = pd.concat([ordinary[["unit", "round", "delta"]], pool[["unit", "round", "delta"]]])
    deltas["weighted"] = deltas["delta"].astype("int64") * weights[deltas["round"].to_numpy()]
    per_unit = deltas.groupby("unit", observed=True)["weighted"].sum()

    # --- the year's total: every round starts from the baseline ---------------------------------
    start = rt.baseline(items.to_dict("records"), sections.to_dict("records")) * int(weights.sum())
    totals = pd.Series(start, index=pd.Index(units, name="unit"), dtype="int64")
    totals = totals.add(per_unit.reindex(totals.index, fill_value=0), fill_value=0).astype("int64")

    scale = rt.SCALE * rt.WEIGHT_SCALE
    out = pd.DataFrame({"unit": totals.index.astype(str), "total": [rt.fmt_total(v, scale) for v in totals.to_numpy()]})
    out = out.sort_values("unit", kind="stable")
    out.to_csv(sys.stdout if args.out == "-" else args.out, index=False)


if __name__ == "__main__":
    main()
