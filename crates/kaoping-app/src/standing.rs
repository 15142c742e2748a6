//! Where a unit stands: its sections against its ranking group's average, and its final score over the
//! periods it was assessed in. Shown beside its score sheet; every figure is one the actor may already
//! see (the average only with the summary, each period only with that period's sheet).

use kaoping_core::Decimal;

use crate::actor::Actor;
use crate::error::AppError;
use crate::permissions::Action;
use crate::{App, Sheet};

/// A unit's standing, as the actor may see it.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitStanding {
    /// Each section's average over the units of the unit's ranking group (all units when it has none),
    /// to two decimals; `None` for an actor who may not see the other units' results.
    pub group_average: Option<Vec<Decimal>>,
    /// What the average is over: the group's name, or 全部单位.
    pub group_label: String,
    /// The unit's final score in each period the actor may open its sheet in, oldest first.
    pub history: Vec<PastScore>,
}

/// A unit's final score in one period.
#[derive(Debug, Clone, PartialEq)]
pub struct PastScore {
    pub period: String,
    pub year: i32,
    pub score: Decimal,
    /// Published; otherwise the score is provisional.
    pub published: bool,
}

impl App {
    /// The standing of a sheet's unit (a sheet the actor was allowed to open, from [`App::sheet`]).
    ///
    /// # Errors
    /// The store fails reading the other periods.
    pub async fn unit_standing(
        &self,
        actor: &Actor,
        sheet: &Sheet,
    ) -> Result<UnitStanding, AppError> {
        let period_id = sheet.snapshot.period.id;
        let view = &*sheet.snapshot;
        let unit = view.units.unit(sheet.unit);
        let org_id = view.org[sheet.unit].id;
        let group_average = actor
            .may(Action::ViewSummary {
                published: view.published(),
            })
            .then(|| {
                let peers: Vec<_> = view
                    .results()
                    .iter()
                    .filter(|r| view.units.unit(r.unit).ranking_group == unit.ranking_group)
                    .collect();
                let n = Decimal::from(peers.len().max(1));
                (0..view.rubric.sections().len())
                    .map(|s| {
                        let sum: Decimal = peers.iter().map(|r| r.sections[s]).sum();
                        (sum / n).round_dp(2).normalize()
                    })
                    .collect()
            });
        let mut history = Vec::new();
        // Only the periods assessing the unit are read: every period with its units (what the period
        // list reads) was a thousand rows per sheet view for a thousand units.
        for period in self
            .store
            .periods_assessing(org_id)
            .await?
            .into_iter()
            .rev()
        {
            let published = period.status == kaoping_store::PeriodStatus::Published;
            // As `visible_periods` filters, for a period that assesses the unit; then the sheet's own check.
            let visible =
                actor.may(Action::ViewSummary { published }) || actor.user.unit_id == Some(org_id);
            let may = actor.may(Action::ViewSheet {
                unit_id: org_id,
                published,
            });
            if !visible || !may {
                continue;
            }
            let snapshot = if period.id == period_id {
                sheet.snapshot.clone()
            } else {
                self.snapshot(period.id, |_| true, "").await?
            };
            if let Some(u) = snapshot.org.iter().position(|o| o.id == org_id) {
                history.push(PastScore {
                    period: period.name.clone(),
                    year: period.year,
                    score: snapshot.results()[u].final_score,
                    published,
                });
            }
        }
        Ok(UnitStanding {
            group_average,
            group_label: unit
                .ranking_group
                .clone()
                .unwrap_or_else(|| "全部单位".into()),
            history,
        })
    }
}
