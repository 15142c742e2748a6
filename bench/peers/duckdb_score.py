#!/usr/bin/env python3
"""Benchmark peer: Kaoping's unit totals computed as SQL in DuckDB; Python is only glue.

    python3 bench/peers/duckdb_score.py --rubric rubrics/dongli-2023.toml \
        --findings bench-data/findings-10m.csv -o out.csv

Same input, output and semantics as pandas_score.py (see there): `unit,total` sorted by unit, totals
written like Kaoping's. The rubric becomes small tables (rules, levels, items, sections, rounds) with every
point value in integer hundredths and round weights in millionths, so every sum is exact; the findings are
read with read_csv and aggregated per unit, round and rule in one pass, then joined and clamped in SQL.
"""

import argparse
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rubric_table as rt  # noqa: E402

SCALE = rt.SCALE * rt.WEIGHT_SCALE


def fail(msg):
    sys.exit(f"duckdb_score: {msg}")


def sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rubric", required=True)
    ap.add_argument("--findings", required=True)
    ap.add_argument("-o", "--out", default="/dev/stdout")
    args = ap.parse_args()

    rules, levels, items, sections, rounds = rt.load(args.rubric)
    con = duckdb.connect()

    con.execute(
        """CREATE TABLE rules (code VARCHAR PRIMARY KEY, item VARCHAR, section VARCHAR, kind VARCHAR,
           amount BIGINT, max_count BIGINT, first BIGINT, step BIGINT, cap BIGINT)"""
    )
    con.executemany(
        "INSERT INTO rules VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [r[c] for c in ("code", "item", "section", "kind", "amount", "max_count", "first", "step", "cap")]
            for r in rules
        ],
    )
    con.execute("CREATE TABLE levels (code VARCHAR, level VARCHAR, points BIGINT)")
    if levels:
        con.executemany("INSERT INTO levels VALUES (?, ?, ?)", [[l["code"], l["level"], l["points"]] for l in levels])
    con.execute("CREATE TABLE items (item VARCHAR PRIMARY KEY, section VARCHAR, max BIGINT, pool BOOLEAN, dflt BIGINT)")
    con.executemany(
        "INSERT INTO items VALUES (?, ?, ?, ?, ?)",
        [[i["item"], i["section"], i["max"], i["pool"], i["default"]] for i in items],
    )
    con.execute("CREATE TABLE sections (section VARCHAR PRIMARY KEY, points BIGINT, pool BOOLEAN)")
    con.executemany("INSERT INTO sections VALUES (?, ?, ?)", [[s["section"], s["points"], s["pool"]] for s in sections])
    # A finding names its round by name or code; an empty round is the only round.
    con.execute("CREATE TABLE rounds (key VARCHAR, rnd INTEGER, weight BIGINT)")
    keys = {(k, i, r["weight"]) for i, r in enumerate(rounds) for k in (r["name"], r["code"])}
    con.executemany("INSERT INTO rounds VALUES (?, ?, ?)", [list(k) for k in sorted(keys)])
    baseline = rt.baseline(items, sections) * sum(r["weight"] for r in rounds)

    # One pass over the file: per unit, round and rule.
    con.execute(
        f"""
        CREATE TEMP TABLE agg AS
        SELECT unit, coalesce(round, '') AS round, code,
               sum(coalesce(count, 1)) AS n,
               count(*) AS entries,
               any_value(level) AS level,
               CAST(round(any_value(points) * {rt.SCALE}) AS BIGINT) AS points
        FROM read_csv({sql_str(args.findings)}, header = true, auto_detect = false, delim = ',', quote = '"',
                      columns = {{'unit': 'VARCHAR', 'code': 'VARCHAR', 'count': 'BIGINT', 'level': 'VARCHAR',
                                  'points': 'DECIMAL(18,3)', 'round': 'VARCHAR', 'note': 'VARCHAR'}})
        GROUP BY ALL
        """
    )

    # What a careful analyst checks before trusting the numbers.
    bad = con.execute("SELECT DISTINCT code FROM agg ANTI JOIN rules USING (code) LIMIT 10").fetchall()
    if bad:
        fail(f"unknown codes: {[b[0] for b in bad]}")
    bad = con.execute("SELECT DISTINCT round FROM agg a ANTI JOIN rounds r ON a.round = r.key LIMIT 10").fetchall()
    if bad:
        fail(f"unknown rounds: {[b[0] for b in bad]}")
    supported = ", ".join(sql_str(k) for k in sorted(rt.SUPPORTED))
    bad = con.execute(f"SELECT DISTINCT kind FROM agg JOIN rules USING (code) WHERE kind NOT IN ({supported})").fetchall()
    if bad:
        fail(f"rule kinds this peer does not score: {[b[0] for b in bad]}")
    bad = con.execute(
        """SELECT unit, code, round FROM agg JOIN rules USING (code)
           WHERE kind IN ('graded', 'discretionary') AND entries > 1 LIMIT 1"""
    ).fetchall()
    if bad:
        fail(f"a second entry for {bad[0][0]} {bad[0][1]} in round {bad[0][2]!r}")
    bad = con.execute(
        """SELECT unit, code, level FROM agg JOIN rules USING (code) ANTI JOIN levels USING (code, level)
           WHERE kind = 'graded' LIMIT 1"""
    ).fetchall()
    if bad:
        fail(f"a graded finding names a level the rule does not have: {bad[0]}")

    con.execute(
        f"""
        COPY (
          WITH found AS (
            SELECT a.unit, w.rnd, w.weight, ru.item, ru.kind, a.n, ru.amount, ru.max_count, ru.cap,
                   a.n * ru.first + ru.step * (a.n * (a.n - 1) // 2) AS progressive,
                   CASE ru.kind WHEN 'discretionary' THEN a.points WHEN 'graded' THEN l.points END AS base
            FROM agg a
            JOIN rules ru USING (code)
            JOIN rounds w ON a.round = w.key
            LEFT JOIN levels l ON ru.kind = 'graded' AND l.code = a.code AND l.level = a.level
          ),
          per_item AS (
            SELECT unit, rnd, weight, item,
                   sum(CASE kind
                         WHEN 'fixed' THEN amount
                         WHEN 'per_occurrence' THEN amount * least(n, coalesce(max_count, n))
                         WHEN 'progressive' THEN least(progressive, coalesce(cap, progressive))
                         ELSE 0 END) AS deduct,
                   bool_or(kind = 'zero' AND n > 0) AS zeroed,
                   max(base) AS base
            FROM found
            GROUP BY unit, rnd, weight, item
          ),
          scored AS (
            SELECT p.unit, p.rnd, p.weight, i.section, i.pool, p.deduct,
                   greatest(CASE WHEN p.zeroed THEN 0 ELSE least(greatest(coalesce(p.base, i.dflt), 0), i.max) END
                            - p.deduct, 0) - i.dflt AS delta
            FROM per_item p JOIN items i USING (item)
          ),
          pools AS (
            SELECT s.unit, s.weight, greatest(sec.points - sum(s.deduct), 0) - sec.points AS delta
            FROM scored s JOIN sections sec USING (section)
            WHERE s.pool
            GROUP BY s.unit, s.rnd, s.weight, s.section, sec.points
          ),
          deltas AS (
            SELECT unit, weight * delta AS wd FROM scored WHERE NOT pool
            UNION ALL
            SELECT unit, weight * delta FROM pools
          ),
          totals AS (
            SELECT u.unit, {baseline} + coalesce(sum(d.wd), 0) AS t
            FROM (SELECT DISTINCT unit FROM agg) u LEFT JOIN deltas d USING (unit)
            GROUP BY u.unit
          )
          SELECT unit,
                 CASE WHEN t % {SCALE} = 0 THEN CAST(t // {SCALE} AS VARCHAR)
                      ELSE CAST(t // {SCALE} AS VARCHAR) || '.'
                           || rtrim(lpad(CAST(t % {SCALE} AS VARCHAR), {len(str(SCALE)) - 1}, '0'), '0')
                 END AS total
          FROM totals
          ORDER BY unit
        ) TO {sql_str(args.out)} (HEADER, DELIMITER ',')
        """
    )


if __name__ == "__main__":
    main()
