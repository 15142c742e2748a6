//! What a rule read from a table means, in the words an author checks it against: the import report
//! puts each beside the phrase it was read from.

use kaoping_core::rubric::{
    AppliesTo, BonusRuleSpec, Feed, LevelSpec, RuleKindSpec, RuleSpec, VetoSpec,
};
use kaoping_core::Decimal;

fn pts(d: Decimal) -> String {
    d.normalize().to_string()
}

/// Levels as `好10分、较好8分` (`?` for points not read).
fn level_words(levels: &[LevelSpec]) -> String {
    levels
        .iter()
        .map(|l| format!("{}{}分", l.name, l.points.map_or_else(|| "?".into(), pts)))
        .collect::<Vec<_>>()
        .join("、")
}

/// A rule in words: `按次扣分：每次扣1分，最多计4次`.
pub fn rule_meaning(rule: &RuleSpec) -> String {
    let words = match &rule.kind {
        RuleKindSpec::Fixed { amount } => {
            format!("定额扣分：扣{}分（发现即扣，只扣一次）", pts(*amount))
        }
        RuleKindSpec::PerOccurrence { amount, max_count } => match max_count {
            Some(m) => format!("按次扣分：每次扣{}分，最多计{m}次", pts(*amount)),
            None => format!("按次扣分：每次扣{}分", pts(*amount)),
        },
        RuleKindSpec::Zero => "不得分：本项记0分".into(),
        RuleKindSpec::Graded { levels } => format!("分档得分：{}", level_words(levels)),
        RuleKindSpec::Progressive { first, step, cap } => {
            let base = format!(
                "累进扣分：首次扣{}分，每次加扣{}分",
                pts(*first),
                pts(*step)
            );
            match cap {
                Some(c) => format!("{base}，最多扣{}分", pts(*c)),
                None => base,
            }
        }
        RuleKindSpec::Rate {
            threshold,
            per_point,
            ..
        } => format!(
            "比率扣分：{}%以上满分，每低一个百分点扣{}分",
            pts(*threshold),
            pts(*per_point)
        ),
        RuleKindSpec::Conversion {
            scale_min,
            scale_max,
            ..
        } => format!(
            "折合得分：原始分{}～{}折合为本项分值",
            pts(*scale_min),
            pts(*scale_max)
        ),
        RuleKindSpec::Discretionary => "酌情评分：0～本项分值，须写明理由".into(),
        RuleKindSpec::Frequency { expected, amount } => {
            format!("频次扣分：应开展{expected}次，每少一次扣{}分", pts(*amount))
        }
        RuleKindSpec::Deadline { penalty } => match penalty {
            Some(p) => format!("时限规则：逾期每次扣{}分", pts(*p)),
            None => "时限规则：逾期本项不得分".into(),
        },
        RuleKindSpec::Earned { amount, max_count } => match max_count {
            Some(1) => format!("达标得分：达到得{}分", pts(*amount)),
            Some(m) => format!("达标得分：每达到一项得{}分，最多{m}项", pts(*amount)),
            None => format!("达标得分：每达到一项得{}分", pts(*amount)),
        },
        RuleKindSpec::RangeDeduction { min, max } => {
            format!("酌情扣分：每次扣{}～{}分，须写明理由", pts(*min), pts(*max))
        }
    };
    let words = match rule.applies_to {
        Some(AppliesTo::Group) => format!("{words}（对组内每人）"),
        _ => words,
    };
    match &rule.feed {
        Some(Feed::Records(links)) => {
            let named: Vec<String> = links
                .iter()
                .map(|l| format!("“{}”{}", l.kind, l.schedule.describe()))
                .collect();
            format!(
                "{words}；由记录本计数：{}（请核对记录类型名称）",
                named.join("、")
            )
        }
        Some(Feed::Measure(m)) => format!("{words}；取{}", m.label()),
        None => words,
    }
}

/// A bonus rule in words: `加分：2分` or `加分：市级5分、省级10分`.
pub fn bonus_meaning(rule: &BonusRuleSpec) -> String {
    match rule.amount {
        Some(a) => format!("加分（总分之外）：{}分", pts(a)),
        None => format!("加分（总分之外）：{}", level_words(&rule.levels)),
    }
}

/// A veto in words.
pub fn veto_meaning(_veto: &VetoSpec) -> String {
    "一票否决：不合格".into()
}
