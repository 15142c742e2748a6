//! Benchmark tooling for Kaoping: a deterministic generator of synthetic findings CSV files that the
//! CLI accepts as they are, and the pieces shared by the bench binaries.
//!
//! The generator only emits findings that Kaoping accepts against the rubric it is given:
//! - every discretionary (酌情评分) rule gets exactly one entry per unit and round, with points in
//!   `0..=item max` in steps of 0.5 and a reason in `note` (an entry is required, and a second one for the
//!   same unit and round is an error);
//! - every graded (分档得分) rule gets at most one entry per unit and round (half of them get one), with a
//!   random level;
//! - the rest of the unit's findings are spread over the fixed / zero / per-occurrence / progressive rules,
//!   with `count` 1..=3 for per-occurrence and progressive and no count for fixed and zero; a zero (不得分)
//!   rule is picked for only 1 finding in [`ZERO_ONE_IN`], so that not every item of every unit ends at 0.
//!
//! Rules that only a group may be given (`applies_to = "group"`, inherited items) and the other kinds
//! (rate, conversion, frequency, deadline) are not generated.

use std::io::{self, Write};

use kaoping_core::rubric::{AppliesTo, Rubric, RuleKind};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// The findings CSV header Kaoping reads.
pub const HEADER: &str = "unit,code,count,level,points,round,note";

/// One counted finding in this many goes to a zero (不得分) rule, when the rubric has any.
pub const ZERO_ONE_IN: u64 = 400;

/// The reason written on every discretionary entry.
pub const DISCRETIONARY_NOTE: &str = "完成情况良好";

/// Short notes for the other findings; most are empty.
const NOTES: [&str; 8] = ["", "", "", "", "", "台账不全", "未按时上报", "整改不到位"];

/// Notes for `--notes every`: what a clerk writes on each row of a real ledger, some with commas (quoted).
const EVERY_NOTES: [&str; 6] = [
    "3月检查发现台账不全，已要求整改",
    "未按时上报季度报表",
    "整改不到位，第二次检查仍未完成",
    "支部委员会会议记录缺少签到表",
    "安全培训记录不全, 缺两名职工签字",
    "党费收缴明细与银行流水不符",
];

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast and fully determined by its seed, which is all a
/// benchmark generator needs. Not for anything that must be unpredictable.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`), by multiply-shift; the bias is below 2^-40 for the sizes used here.
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `1 / n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}

/// Quotes a CSV field if it needs it.
fn csv_field(s: &str) -> Vec<u8> {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        let mut out = Vec::with_capacity(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.replace('"', "\"\"").as_bytes());
        out.push(b'"');
        out
    } else {
        s.as_bytes().to_vec()
    }
}

#[derive(Debug, Clone)]
struct Discretionary {
    code: Vec<u8>,
    /// The item's points, in half points.
    max_halves: u64,
}

#[derive(Debug, Clone)]
struct Graded {
    code: Vec<u8>,
    levels: Vec<Vec<u8>>,
}

#[derive(Debug, Clone)]
struct Counted {
    code: Vec<u8>,
    /// Per-occurrence and progressive findings carry a count; fixed and zero ones do not.
    with_count: bool,
}

/// What the generator can emit for one rubric: the rules it uses, by kind, with their CSV fields ready.
#[derive(Debug, Clone)]
pub struct Plan {
    discretionary: Vec<Discretionary>,
    graded: Vec<Graded>,
    /// Fixed, per-occurrence and progressive rules.
    deductions: Vec<Counted>,
    zeroes: Vec<Counted>,
    /// Round names as written in the `round` column: one empty name when the rubric has one round.
    rounds: Vec<Vec<u8>>,
    notes: Vec<Vec<u8>>,
    discretionary_note: Vec<u8>,
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub units: u64,
    pub findings: u64,
    /// Sum of the `count` column (empty = not counted).
    pub count_sum: u64,
}

impl Plan {
    /// Every finding carries a note (as a ledger export does), instead of mostly none.
    pub fn with_notes_everywhere(mut self) -> Plan {
        self.notes = EVERY_NOTES.iter().map(|n| csv_field(n)).collect();
        self
    }

    /// # Errors
    /// A rubric with no rule the generator can use.
    pub fn new(rubric: &Rubric) -> Result<Plan, String> {
        let mut plan = Plan {
            discretionary: Vec::new(),
            graded: Vec::new(),
            deductions: Vec::new(),
            zeroes: Vec::new(),
            rounds: if rubric.rounds().len() > 1 {
                rubric.rounds().iter().map(|r| csv_field(&r.name)).collect()
            } else {
                vec![Vec::new()]
            },
            notes: NOTES.iter().map(|n| csv_field(n)).collect(),
            discretionary_note: csv_field(DISCRETIONARY_NOTE),
        };
        for rule in rubric.rules() {
            let item = &rubric.items()[rule.item];
            if item.inherit || rule.applies_to == AppliesTo::Group {
                continue;
            }
            let code = csv_field(&rule.code);
            match &rule.kind {
                RuleKind::Discretionary => {
                    let halves = (item.max * Decimal::TWO).floor().to_u64().unwrap_or(0);
                    plan.discretionary.push(Discretionary {
                        code,
                        max_halves: halves,
                    });
                }
                RuleKind::Graded { levels } => plan.graded.push(Graded {
                    code,
                    levels: levels.iter().map(|l| csv_field(&l.name)).collect(),
                }),
                RuleKind::Fixed { .. } => plan.deductions.push(Counted {
                    code,
                    with_count: false,
                }),
                RuleKind::PerOccurrence { .. } | RuleKind::Progressive { .. } => {
                    plan.deductions.push(Counted {
                        code,
                        with_count: true,
                    })
                }
                RuleKind::Zero => plan.zeroes.push(Counted {
                    code,
                    with_count: false,
                }),
                _ => {}
            }
        }
        if plan.discretionary.is_empty()
            && plan.graded.is_empty()
            && plan.deductions.is_empty()
            && plan.zeroes.is_empty()
        {
            return Err("the rubric has no fixed, zero, per_occurrence, progressive, graded or discretionary rule a unit can be given".into());
        }
        Ok(plan)
    }

    /// Findings every unit must have: one discretionary entry per rule and round.
    pub fn required_per_unit(&self) -> u64 {
        (self.discretionary.len() * self.rounds.len()) as u64
    }

    /// Checks that `findings` can be spread over `units` units.
    ///
    /// # Errors
    /// Too few findings for the required entries, or findings left over with no rule to put them on.
    pub fn check(&self, units: u64, findings: u64) -> Result<(), String> {
        if units == 0 {
            return Err("--units must be at least 1".into());
        }
        let per_unit = findings / units;
        if per_unit < self.required_per_unit() {
            return Err(format!(
                "{findings} findings for {units} units is {per_unit} a unit, but every unit needs {} discretionary entries ({} rules × {} rounds)",
                self.required_per_unit(),
                self.discretionary.len(),
                self.rounds.len()
            ));
        }
        let graded_room = (self.graded.len() * self.rounds.len()) as u64;
        if self.deductions.is_empty()
            && self.zeroes.is_empty()
            && per_unit + 1 > self.required_per_unit() + graded_room
        {
            return Err(format!(
                "the rubric has no fixed, zero, per_occurrence or progressive rule, so a unit can have at most {} findings",
                self.required_per_unit() + graded_room
            ));
        }
        Ok(())
    }
}

/// The code of unit `u` (0-based): `U000001` …, wider when there are more than 999,999 units.
fn unit_code(u: u64, width: usize, out: &mut Vec<u8>) {
    out.clear();
    out.push(b'U');
    let digits = (u + 1).to_string();
    out.extend(std::iter::repeat_n(
        b'0',
        width.saturating_sub(digits.len()),
    ));
    out.extend_from_slice(digits.as_bytes());
}

fn push_uint(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

#[derive(Debug, Clone, Copy)]
enum Row {
    Discretionary {
        rule: u32,
        round: u32,
        halves: u64,
    },
    Graded {
        rule: u32,
        round: u32,
        level: u32,
    },
    Counted {
        rule: u32,
        zero: bool,
        round: u32,
        count: u8,
        note: u8,
    },
}

/// Writes a findings CSV for `units` units and `findings` findings, fully determined by `seed`.
/// Unit `u` gets `findings / units` findings, one more for the first `findings % units` units; its rows
/// are together, in random order.
///
/// # Errors
/// What [`Plan::check`] rejects, or a write error.
pub fn generate<W: Write>(
    plan: &Plan,
    units: u64,
    findings: u64,
    seed: u64,
    out: W,
) -> io::Result<Stats> {
    plan.check(units, findings)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let mut out = out;
    let mut rng = SplitMix64::new(seed);
    let width = units.to_string().len().max(6);
    let rounds = plan.rounds.len() as u64;
    let mut stats = Stats {
        units,
        ..Stats::default()
    };
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    buf.extend_from_slice(HEADER.as_bytes());
    buf.push(b'\n');
    let mut code = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    for u in 0..units {
        let n = findings / units + u64::from(u < findings % units);
        rows.clear();
        for (i, d) in plan.discretionary.iter().enumerate() {
            for r in 0..rounds {
                rows.push(Row::Discretionary {
                    rule: i as u32,
                    round: r as u32,
                    halves: rng.below(d.max_halves + 1),
                });
            }
        }
        for (i, g) in plan.graded.iter().enumerate() {
            for r in 0..rounds {
                // Graded entries are optional (no entry = the item keeps its points); half get one, as
                // long as there is room left for them.
                if (rows.len() as u64) < n && rng.one_in(2) {
                    rows.push(Row::Graded {
                        rule: i as u32,
                        round: r as u32,
                        level: rng.below(g.levels.len() as u64) as u32,
                    });
                }
            }
        }
        while (rows.len() as u64) < n {
            let zero =
                plan.deductions.is_empty() || (!plan.zeroes.is_empty() && rng.one_in(ZERO_ONE_IN));
            let pool = if zero { &plan.zeroes } else { &plan.deductions };
            let rule = rng.below(pool.len() as u64) as usize;
            let count = if pool[rule].with_count {
                1 + rng.below(3) as u8
            } else {
                0
            };
            rows.push(Row::Counted {
                rule: rule as u32,
                zero,
                round: rng.below(rounds) as u32,
                count,
                note: rng.below(plan.notes.len() as u64) as u8,
            });
        }
        // Fisher–Yates: a unit's findings come in no particular order.
        for i in (1..rows.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            rows.swap(i, j);
        }
        unit_code(u, width, &mut code);
        for row in &rows {
            buf.extend_from_slice(&code);
            buf.push(b',');
            match *row {
                Row::Discretionary {
                    rule,
                    round,
                    halves,
                } => {
                    buf.extend_from_slice(&plan.discretionary[rule as usize].code);
                    buf.extend_from_slice(b",,,");
                    push_uint(&mut buf, halves / 2);
                    if halves % 2 == 1 {
                        buf.extend_from_slice(b".5");
                    }
                    buf.push(b',');
                    buf.extend_from_slice(&plan.rounds[round as usize]);
                    buf.push(b',');
                    buf.extend_from_slice(&plan.discretionary_note);
                }
                Row::Graded { rule, round, level } => {
                    let g = &plan.graded[rule as usize];
                    buf.extend_from_slice(&g.code);
                    buf.extend_from_slice(b",,");
                    buf.extend_from_slice(&g.levels[level as usize]);
                    buf.extend_from_slice(b",,");
                    buf.extend_from_slice(&plan.rounds[round as usize]);
                    buf.push(b',');
                }
                Row::Counted {
                    rule,
                    zero,
                    round,
                    count,
                    note,
                } => {
                    let c = if zero {
                        &plan.zeroes[rule as usize]
                    } else {
                        &plan.deductions[rule as usize]
                    };
                    buf.extend_from_slice(&c.code);
                    buf.push(b',');
                    if count > 0 {
                        buf.push(b'0' + count);
                        stats.count_sum += u64::from(count);
                    }
                    buf.extend_from_slice(b",,,");
                    buf.extend_from_slice(&plan.rounds[round as usize]);
                    buf.push(b',');
                    buf.extend_from_slice(&plan.notes[note as usize]);
                }
            }
            buf.push(b'\n');
        }
        stats.findings += rows.len() as u64;
        if buf.len() >= (1 << 20) - 4096 {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)?;
    out.flush()?;
    Ok(stats)
}

/// Writes the unit register for the generated units: `unit,name`, one row per unit.
///
/// # Errors
/// A write error.
pub fn write_units<W: Write>(units: u64, out: W) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    let width = units.to_string().len().max(6);
    let mut code = Vec::new();
    out.write_all(b"unit,name\n")?;
    for u in 0..units {
        unit_code(u, width, &mut code);
        out.write_all(&code)?;
        out.write_all(b",\xe5\x8d\x95\xe4\xbd\x8d")?; // 单位
        out.write_all(&code[1..])?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_is_the_reference_sequence() {
        // First outputs of SplitMix64 seeded with 1234567 (reference implementation).
        let mut r = SplitMix64::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn below_stays_in_range() {
        let mut r = SplitMix64::new(7);
        for n in 1..50 {
            for _ in 0..100 {
                assert!(r.below(n) < n);
            }
        }
    }

    #[test]
    fn unit_codes_are_padded() {
        let mut out = Vec::new();
        unit_code(0, 6, &mut out);
        assert_eq!(out, b"U000001");
        unit_code(1_234_566, 7, &mut out);
        assert_eq!(out, b"U1234567");
    }

    #[test]
    fn numbers_are_written_plainly() {
        let mut out = Vec::new();
        for n in [0, 7, 10, 12345] {
            out.clear();
            push_uint(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("1.2.3"), b"1.2.3");
        assert_eq!(csv_field("a,b"), b"\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), b"\"say \"\"hi\"\"\"");
    }
}

/// The lines of a findings CSV (`csv`, header first, every row one line) in random order, the header kept
/// first: a ledger export is in time order, not grouped by unit. Fully determined by `seed`.
pub fn shuffle_lines(csv: &[u8], seed: u64) -> Vec<u8> {
    let header_end = csv
        .iter()
        .position(|&b| b == b'\n')
        .map_or(csv.len(), |i| i + 1);
    let body = &csv[header_end..];
    let mut starts: Vec<usize> = std::iter::once(0)
        .chain(
            body.iter()
                .enumerate()
                .filter(|(_, &b)| b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .filter(|&i| i < body.len())
        .collect();
    let mut rng = SplitMix64::new(seed ^ 0x5348_5546_464c_4531);
    for i in (1..starts.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        starts.swap(i, j);
    }
    let mut out = Vec::with_capacity(csv.len() + 1);
    out.extend_from_slice(&csv[..header_end]);
    for start in starts {
        let end = body[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(body.len(), |i| start + i + 1);
        out.extend_from_slice(&body[start..end]);
        if out.last() != Some(&b'\n') {
            out.push(b'\n');
        }
    }
    out
}

/// A synthetic rubric of `rules` rules (a multiple of 100 up to 10,000): 10 sections of 10 points, each
/// of `rules / 10` one-rule items sharing the section's points as a pool, the rules in turn fixed (0.5),
/// per-occurrence (0.2 a time, at most 5 times), progressive (0.1, then 0.1 more each time, capped at 1)
/// and fixed (1). For measuring a findings file that names many codes.
///
/// # Errors
/// `rules` not a positive multiple of 100, or over 10,000.
pub fn wide_rubric(rules: usize) -> Result<String, String> {
    if rules == 0 || !rules.is_multiple_of(100) || rules > 10_000 {
        return Err(format!(
            "--rules must be a multiple of 100 from 100 to 10000, not {rules}"
        ));
    }
    let per_section = rules / 10;
    let mut out = format!(
        "# A synthetic rubric of {rules} rules for the scoring benchmark (kaoping-bench-gen --wide-rubric).\ntitle = \"宽细则{rules}条\"\ntotal = 100\n"
    );
    for s in 1..=10 {
        out.push_str(&format!(
            "\n[[sections]]\ntitle = \"第{s}部分\"\npoints = 10\npool = true\n"
        ));
        for i in 1..=per_section {
            let rule = match (s * per_section + i) % 4 {
                0 => "kind = \"fixed\"\namount = 0.5",
                1 => "kind = \"per_occurrence\"\namount = 0.2\nmax_count = 5",
                2 => "kind = \"progressive\"\nfirst = 0.1\nstep = 0.1\ncap = 1",
                _ => "kind = \"fixed\"\namount = 1",
            };
            out.push_str(&format!(
                "\n[[sections.items]]\ntitle = \"第{s}部分第{i}项\"\n\n[[sections.items.rules]]\n{rule}\ntext = \"按规则计分\"\n"
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod wide_rubric_tests {
    use super::*;

    #[test]
    fn the_wide_rubric_is_a_valid_rubric_of_that_many_rules() {
        let text = wide_rubric(1000).expect("text");
        let rubric = kaoping_formats::parse_rubric("wide.toml", &text).expect("valid");
        assert_eq!(rubric.rules().len(), 1000);
        assert!(wide_rubric(150).is_err());
    }
}
