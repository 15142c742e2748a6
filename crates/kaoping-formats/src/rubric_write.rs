//! Writing a [`RubricSpec`] as a rubric file in the documented format (docs/rubric-format.md), so an
//! imported rubric can be read, checked and edited like a hand-written one.

use std::fmt::Write;

use kaoping_core::rubric::*;
use kaoping_core::Decimal;

/// A TOML basic string.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A decimal as a TOML number, digits exactly as they are.
fn num(d: Decimal) -> String {
    d.normalize().to_string()
}

fn levels(out: &mut String, levels: &[LevelSpec]) {
    let list: Vec<String> = levels
        .iter()
        .map(|l| match l.points {
            Some(p) => format!("{{ name = {}, points = {} }}", quote(&l.name), num(p)),
            None => format!("{{ name = {} }}", quote(&l.name)),
        })
        .collect();
    let _ = writeln!(out, "levels = [{}]", list.join(", "));
}

fn rule(out: &mut String, header: &str, r: &RuleSpec) {
    let _ = writeln!(out, "\n[[{header}]]");
    if let Some(code) = &r.code {
        let _ = writeln!(out, "code = {}", quote(code));
    }
    let kind = match &r.kind {
        RuleKindSpec::Fixed { .. } => "fixed",
        RuleKindSpec::PerOccurrence { .. } => "per_occurrence",
        RuleKindSpec::Zero => "zero",
        RuleKindSpec::Graded { .. } => "graded",
        RuleKindSpec::Progressive { .. } => "progressive",
        RuleKindSpec::Rate { .. } => "rate",
        RuleKindSpec::Conversion { .. } => "conversion",
        RuleKindSpec::Discretionary => "discretionary",
        RuleKindSpec::Frequency { .. } => "frequency",
        RuleKindSpec::Deadline { .. } => "deadline",
        RuleKindSpec::Earned { .. } => "earned",
        RuleKindSpec::RangeDeduction { .. } => "range_deduction",
    };
    let _ = writeln!(out, "kind = {}", quote(kind));
    let _ = writeln!(out, "text = {}", quote(&r.text));
    match r.applies_to {
        None => {}
        Some(AppliesTo::Unit) => out.push_str("applies_to = \"unit\"\n"),
        Some(AppliesTo::Group) => out.push_str("applies_to = \"group\"\n"),
        Some(AppliesTo::Any) => out.push_str("applies_to = \"any\"\n"),
    }
    match &r.feed {
        None => {}
        Some(Feed::Measure(m)) => {
            let _ = writeln!(out, "measure = {}", quote(m.name()));
        }
        Some(Feed::Records(links)) => {
            out.push_str("records = [\n");
            for l in links {
                let every = match l.schedule {
                    Schedule::Monthly { times } => format!("every = \"month\", times = {times}"),
                    Schedule::Quarterly { times } => {
                        format!("every = \"quarter\", times = {times}")
                    }
                    Schedule::Yearly { times } => format!("every = \"year\", times = {times}"),
                    Schedule::QuarterlyBy { day } => {
                        format!("every = \"quarter\", due_day = {day}")
                    }
                };
                let _ = writeln!(out, "  {{ kind = {}, {every} }},", quote(&l.kind));
            }
            out.push_str("]\n");
        }
    }
    match &r.kind {
        RuleKindSpec::Fixed { amount } => {
            let _ = writeln!(out, "amount = {}", num(*amount));
        }
        RuleKindSpec::PerOccurrence { amount, max_count }
        | RuleKindSpec::Earned { amount, max_count } => {
            let _ = writeln!(out, "amount = {}", num(*amount));
            if let Some(m) = max_count {
                let _ = writeln!(out, "max_count = {m}");
            }
        }
        RuleKindSpec::RangeDeduction { min, max } => {
            let _ = writeln!(out, "min = {}\nmax = {}", num(*min), num(*max));
        }
        RuleKindSpec::Graded { levels: l } => levels(out, l),
        RuleKindSpec::Progressive { first, step, cap } => {
            let _ = writeln!(out, "first = {}\nstep = {}", num(*first), num(*step));
            if let Some(c) = cap {
                let _ = writeln!(out, "cap = {}", num(*c));
            }
        }
        RuleKindSpec::Rate {
            threshold,
            per_point,
            rounding,
        } => {
            let _ = writeln!(
                out,
                "threshold = {}\nper_point = {}",
                num(*threshold),
                num(*per_point)
            );
            if let Some(r) = rounding {
                let _ = writeln!(out, "rounding = {}", quote(rounding_name(*r)));
            }
        }
        RuleKindSpec::Conversion {
            scale_min,
            scale_max,
            decimals,
            expected,
        } => {
            let _ = writeln!(
                out,
                "scale_min = {}\nscale_max = {}\ndecimals = {decimals}",
                num(*scale_min),
                num(*scale_max)
            );
            if let Some(e) = expected {
                let _ = writeln!(out, "expected = {e}");
            }
        }
        RuleKindSpec::Frequency { expected, amount } => {
            let _ = writeln!(out, "expected = {expected}\namount = {}", num(*amount));
        }
        RuleKindSpec::Deadline { penalty: Some(p) } => {
            let _ = writeln!(out, "amount = {}", num(*p));
        }
        RuleKindSpec::Zero
        | RuleKindSpec::Discretionary
        | RuleKindSpec::Deadline { penalty: None } => {}
    }
}

fn rounding_name(r: RateRounding) -> &'static str {
    match r {
        RateRounding::Exact => "exact",
        RateRounding::Down => "down",
        RateRounding::Up => "up",
    }
}

fn item_fields(out: &mut String, item: &ItemSpec) {
    for (key, value) in [
        ("content", &item.content),
        ("criteria", &item.criteria),
        ("method", &item.method),
    ] {
        if !value.is_empty() {
            let _ = writeln!(out, "{key} = {}", quote(value));
        }
    }
    if let Some(d) = &item.department {
        let _ = writeln!(out, "department = {}", quote(d));
    }
    if item.inherit {
        out.push_str("inherit = true\n");
    }
}

/// The rubric file for `spec`. Sections that are their own single item are written flat.
pub fn write_rubric(spec: &RubricSpec) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {}\n# 格式见 docs/rubric-format.md；用 `kaoping check` 检查。\n",
        spec.title
    );
    let _ = writeln!(out, "title = {}", quote(&spec.title));
    if let Some(i) = &spec.issuer {
        let _ = writeln!(out, "issuer = {}", quote(i));
    }
    if let Some(i) = &spec.issued {
        let _ = writeln!(out, "issued = {}", quote(i));
    }
    let _ = writeln!(out, "total = {}", num(spec.total));
    if let Some(p) = spec.pass_mark {
        let _ = writeln!(out, "pass_mark = {}", num(p));
    }
    if spec.rate_rounding != RateRounding::Exact {
        let _ = writeln!(
            out,
            "rate_rounding = {}",
            quote(rounding_name(spec.rate_rounding))
        );
    }
    if let Some(d) = spec.total_decimals {
        let _ = writeln!(out, "decimals = {d}");
    }
    for r in &spec.rounds {
        let _ = writeln!(
            out,
            "\n[[rounds]]\nname = {}\nweight = {}",
            quote(&r.name),
            num(r.weight)
        );
        if let Some(c) = &r.code {
            let _ = writeln!(out, "code = {}", quote(c));
        }
    }
    for g in &spec.grades {
        let _ = writeln!(
            out,
            "\n[[grades]]\nname = {}\nmin = {}",
            quote(&g.name),
            num(g.min)
        );
    }
    for (i, s) in spec.sections.iter().enumerate() {
        let _ = writeln!(out, "\n[[sections]]");
        let position = (i + 1).to_string();
        let flat = s.items.len() == 1
            && !s.pool
            && s.items[0]
                .code
                .as_deref()
                .is_some_and(|c| c == s.code.as_deref().unwrap_or(&position));
        if let Some(c) = &s.code {
            let _ = writeln!(out, "code = {}", quote(c));
        }
        let _ = writeln!(
            out,
            "title = {}\npoints = {}",
            quote(&s.title),
            num(s.points)
        );
        if s.pool {
            out.push_str("pool = true\n");
        }
        if flat {
            item_fields(&mut out, &s.items[0]);
            for r in &s.items[0].rules {
                rule(&mut out, "sections.rules", r);
            }
            continue;
        }
        for item in &s.items {
            let _ = writeln!(out, "\n[[sections.items]]");
            if let Some(c) = &item.code {
                let _ = writeln!(out, "code = {}", quote(c));
            }
            if !item.title.is_empty() {
                let _ = writeln!(out, "title = {}", quote(&item.title));
            }
            if let Some(p) = item.points {
                let _ = writeln!(out, "points = {}", num(p));
            }
            item_fields(&mut out, item);
            for r in &item.rules {
                rule(&mut out, "sections.items.rules", r);
            }
        }
    }
    let b = &spec.bonus;
    if !b.rules.is_empty() || b.cap.is_some() || b.threshold.is_some() {
        out.push_str("\n[bonus]\n");
        if let Some(c) = b.cap {
            let _ = writeln!(out, "cap = {}", num(c));
        }
        if let Some(t) = b.threshold {
            let _ = writeln!(out, "threshold = {}", num(t));
        }
        if b.matter_scope == MatterScope::PerRule {
            out.push_str("matter_scope = \"rule\"\n");
        }
        if b.matter_optional {
            out.push_str("matter_required = false\n");
        }
        for r in &b.rules {
            let _ = writeln!(out, "\n[[bonus.rules]]");
            if let Some(c) = &r.code {
                let _ = writeln!(out, "code = {}", quote(c));
            }
            let _ = writeln!(
                out,
                "title = {}\ntext = {}",
                quote(&r.title),
                quote(&r.text)
            );
            let combine = match r.combine {
                BonusCombine::HighestPerMatter => "highest",
                BonusCombine::Sum => "sum",
            };
            let _ = writeln!(out, "combine = {}", quote(combine));
            if let Some(a) = r.amount {
                let _ = writeln!(out, "amount = {}", num(a));
            } else {
                levels(&mut out, &r.levels);
            }
        }
    }
    for v in &spec.vetoes {
        let _ = writeln!(out, "\n[[vetoes]]");
        if let Some(c) = &v.code {
            let _ = writeln!(out, "code = {}", quote(c));
        }
        let _ = writeln!(
            out,
            "title = {}\ntext = {}",
            quote(&v.title),
            quote(&v.text)
        );
        match &v.effect {
            VetoEffectSpec::Fail => out.push_str("effect = \"fail\"\n"),
            VetoEffectSpec::MaxGrade(g) => {
                let _ = writeln!(out, "effect = \"max_grade\"\nmax_grade = {}", quote(g));
            }
        }
    }
    out
}
