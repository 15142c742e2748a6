//! 预警, early warnings: each unit's status from its 记录本 and its projected score, as of today.
//!
//! - Yellow: a month or quarter under way is still short of a required record after its last month's
//!   20th day; the projected score is within 5 points of the pass mark.
//! - Red: a month or quarter already over is short (missed, or paid late); the projected score is
//!   below the pass mark; a 整改 is overdue.
//!
//! The projected score is the assessors' score with the 记录本's pending deductions added, counting
//! items still to be scored at full marks (what the unit can still reach).

use std::sync::Arc;

use kaoping_core::Decimal;

use super::provisional::{findings, provisional_for};
use crate::actor::Actor;
use crate::error::AppError;
use crate::period::Snapshot;
use crate::permissions::Action;
use crate::App;

/// How close to the pass mark a projected score turns yellow.
const MARGIN: Decimal = Decimal::from_parts(5, 0, 0, false, 0);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Yellow,
    Red,
}

impl Level {
    pub fn key(self) -> &'static str {
        match self {
            Level::Yellow => "yellow",
            Level::Red => "red",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Yellow => "黄色预警",
            Level::Red => "红色预警",
        }
    }
}

/// One reason, with the department whose item it concerns (for the per-department counts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub level: Level,
    pub text: String,
    pub department: Option<String>,
    /// The day it became due (a month missed the day after it ended, a reminder from the 21st, a
    /// 整改 the day after its due day); `None` for a projected score, which holds while it holds.
    pub since: Option<kaoping_core::date::Date>,
}

/// A unit that is not green.
#[derive(Debug, Clone)]
pub struct Warning {
    pub unit: String,
    pub name: String,
    pub level: Level,
    pub reasons: Vec<Reason>,
}

/// The warnings of a period the actor may see, with counts per department.
pub struct WarningBoard {
    pub snapshot: Arc<Snapshot>,
    pub warnings: Vec<Warning>,
    /// (department, red, yellow), by department name; reasons on no department's item under "".
    pub by_department: Vec<(String, usize, usize)>,
}

impl WarningBoard {
    /// How many units are red, and how many yellow.
    pub fn counts(&self) -> (usize, usize) {
        let red = self
            .warnings
            .iter()
            .filter(|w| w.level == Level::Red)
            .count();
        (red, self.warnings.len() - red)
    }
}

fn points(d: Decimal) -> String {
    d.normalize().to_string()
}

impl App {
    /// Every unit the actor may open the sheet of, with its warnings as of today (green units left
    /// out). A published period warns of nothing: its year is closed.
    ///
    /// # Errors
    /// 403 for those who may see no unit of the period.
    pub async fn warnings(&self, actor: &Actor, period_id: i64) -> Result<WarningBoard, AppError> {
        let snapshot = self
            .snapshot(period_id, |_| true, "无权查看该考评期")
            .await?;
        let published = snapshot.published();
        let visible: Vec<usize> = (0..snapshot.units.len())
            .filter(|&u| {
                actor.may(Action::ViewSheet {
                    unit_id: snapshot.org[u].id,
                    published,
                })
            })
            .collect();
        if visible.is_empty() && !actor.may(Action::ViewSummary { published }) {
            return Err(AppError::Forbidden("无权查看该考评期的预警".into()));
        }
        let warnings = if published {
            Vec::new()
        } else {
            self.unit_warnings(&snapshot, &visible, self.today())
                .await?
        };
        let mut by_department: Vec<(String, usize, usize)> = Vec::new();
        for w in &warnings {
            for r in &w.reasons {
                let d = r.department.clone().unwrap_or_default();
                let i = match by_department.iter().position(|x| x.0 == d) {
                    Some(i) => i,
                    None => {
                        by_department.push((d, 0, 0));
                        by_department.len() - 1
                    }
                };
                match r.level {
                    Level::Red => by_department[i].1 += 1,
                    Level::Yellow => by_department[i].2 += 1,
                }
            }
        }
        by_department.sort();
        Ok(WarningBoard {
            snapshot,
            warnings,
            by_department,
        })
    }

    /// The warnings of `units` as of `today` (green units left out), whoever asks.
    pub(crate) async fn unit_warnings(
        &self,
        snapshot: &Snapshot,
        units: &[usize],
        today: kaoping_core::date::Date,
    ) -> Result<Vec<Warning>, AppError> {
        let overdue = self.overdue_by_unit(snapshot).await?;
        let dates = self.record_dates(snapshot.period.id).await?;
        let mut warnings = Vec::new();
        for &u in units {
            let reasons = unit_reasons(snapshot, &dates, u, today, overdue.get(&u));
            if let Some(level) = reasons.iter().map(|r| r.level).max() {
                let unit = snapshot.units.unit(u);
                warnings.push(Warning {
                    unit: unit.code.clone(),
                    name: unit.name.clone(),
                    level,
                    reasons,
                });
            }
        }
        Ok(warnings)
    }

    /// Overdue 整改 by unit (a group's deduction is overdue for each of its members).
    async fn overdue_by_unit(
        &self,
        snapshot: &Snapshot,
    ) -> Result<std::collections::HashMap<usize, Vec<Reason>>, AppError> {
        use kaoping_core::units::Party;
        let mut by: std::collections::HashMap<usize, Vec<Reason>> = Default::default();
        for o in self.overdue_rectifications(snapshot.period.id).await? {
            let units = match snapshot.units.find(&o.unit_code) {
                Some(Party::Unit(u)) => vec![u],
                Some(Party::Group(g)) => snapshot.units.group(g).members.clone(),
                None => continue,
            };
            for u in units {
                by.entry(u).or_default().push(Reason {
                    level: Level::Red,
                    text: format!(
                        "整改逾期：{}（记录#{}）应于{}前整改完毕",
                        o.code, o.entry_id, o.due
                    ),
                    department: snapshot.owner(&o.code).map(str::to_string),
                    since: Some(o.due.add_days(1)),
                });
            }
        }
        Ok(by)
    }
}

/// Unit `u`'s reasons, most serious first.
fn unit_reasons(
    snapshot: &Snapshot,
    dates: &super::provisional::RecordDates,
    u: usize,
    today: kaoping_core::date::Date,
    overdue: Option<&Vec<Reason>>,
) -> Vec<Reason> {
    let rubric = &snapshot.rubric;
    let provisional = provisional_for(snapshot, dates, u, today);
    let mut reasons = Vec::new();
    let mut seen: Vec<(String, String)> = Vec::new();
    for p in &provisional {
        for k in &p.kinds {
            for g in &k.gaps {
                // A kind two rules count is one record missing, said once.
                let key = (k.kind.clone(), g.slot.label.clone());
                if seen.contains(&key) {
                    continue;
                }
                let late = matches!(
                    k.schedule,
                    kaoping_core::records::Schedule::QuarterlyBy { .. }
                );
                let (level, text, since) = if g.closed {
                    let missing = if late {
                        "逾期或没有记录"
                    } else {
                        "没有记录"
                    };
                    (
                        Level::Red,
                        format!("{}：{}{missing}", k.kind, g.slot.label),
                        g.slot.end.add_days(1),
                    )
                } else if today >= g.slot.remind_from {
                    (
                        Level::Yellow,
                        format!("{}：{}尚未记录（截至{}）", k.kind, g.slot.label, g.slot.end),
                        g.slot.remind_from,
                    )
                } else {
                    continue;
                };
                seen.push(key);
                reasons.push(Reason {
                    level,
                    text,
                    department: p.owner.clone(),
                    since: Some(since),
                });
            }
        }
    }
    if let Some(overdue) = overdue {
        reasons.extend(overdue.iter().cloned());
    }
    if let Some(pass) = rubric.pass_mark() {
        let extra = findings(snapshot, u, &provisional);
        let result = snapshot
            .assessor
            .scored_with(rubric, &snapshot.units, u, &extra);
        let open: Decimal = result
            .incomplete
            .iter()
            .map(|m| rubric.rounds()[m.round].weight * rubric.items()[m.item].max)
            .sum();
        let projected = result.final_score + open;
        let level = if projected < pass {
            Some((Level::Red, "低于"))
        } else if projected - pass < MARGIN {
            Some((Level::Yellow, "接近"))
        } else {
            None
        };
        if let Some((level, word)) = level {
            reasons.push(Reason {
                level,
                text: format!(
                    "预计得分{}，{word}合格线{}",
                    points(projected),
                    points(pass)
                ),
                department: None,
                since: None,
            });
        }
    }
    reasons.sort_by_key(|r| std::cmp::Reverse(r.level));
    reasons
}
