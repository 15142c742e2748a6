//! The reads behind the pages and the API: the dashboard, the summary, a unit's score sheet, a rubric,
//! the periods and results of the API. Each asks permission before it hands anything out.

use std::sync::Arc;

use kaoping_core::rubric::Rubric;
use kaoping_core::score::UnitResult;
use kaoping_core::units::UnitId;
use kaoping_store::{Department, OrgUnit, Period, PeriodStatus, Review, RubricVersion, User};

use crate::actor::Actor;
use crate::error::AppError;
use crate::period::Snapshot;
use crate::permissions::Action;
use crate::App;

/// One period on the dashboard.
pub struct PeriodCard {
    pub snapshot: Arc<Snapshot>,
    /// The actor may open the summary (汇总表).
    pub can_summary: bool,
    /// The actor's own unit, when it is assessed in this period.
    pub own_unit: Option<OrgUnit>,
    /// Each department's latest review step.
    pub reviews: Vec<Review>,
    /// The latest correction of the published results that changed the actor's own unit: the
    /// revision, its date (unix ms) and the change.
    pub own_correction: Option<(i64, i64, crate::ChangedUnit)>,
}

/// 首页: the periods the actor may see, oldest first.
pub struct Dashboard {
    pub cards: Vec<PeriodCard>,
    pub departments: Vec<Department>,
}

/// 考评表: one unit's score sheet.
pub struct Sheet {
    pub snapshot: Arc<Snapshot>,
    pub unit: UnitId,
    /// The assessors' result, with the trace behind every point.
    pub result: Arc<UnitResult>,
    /// The unit's own self-assessment, scored the same way.
    pub own: Arc<UnitResult>,
    /// The actor may record the unit's self-assessment.
    pub may_self: bool,
    /// The actor may appeal the unit's findings.
    pub may_appeal: bool,
    /// The actor may open the ledger (where every finding behind a rule is listed).
    pub may_ledger: bool,
    /// The rules that count the unit's 记录本 and what its records say of them (empty once published,
    /// or when the rubric counts no records).
    pub records: Vec<crate::records::Provisional>,
    /// The rectification (整改) state of each deduction the actor may see, by entry id.
    pub rectifications: std::collections::HashMap<i64, crate::RectificationShown>,
    /// Who reads the sheet (what they may do beside each finding).
    actor: Actor,
}

impl Sheet {
    /// An entry the sheet's trace cites (found by id in the unit's and its groups' entries, each list
    /// in id order: no index is built per request).
    pub fn entry(&self, id: i64) -> Option<&kaoping_store::Entry> {
        let snapshot = &*self.snapshot;
        let units = &*snapshot.units;
        std::iter::once(self.unit)
            .chain(
                units
                    .unit(self.unit)
                    .groups
                    .iter()
                    .map(|&g| units.len() + g),
            )
            .find_map(|slot| snapshot.assessor.parties[slot].find(id).map(|c| &c.entry))
    }

    /// Whether the reader may require rectification of this entry now: a deduction on an item of
    /// their department (or the administrator), not yet under a requirement.
    pub fn may_require(&self, entry: &kaoping_store::Entry) -> bool {
        !self.rectifications.contains_key(&entry.id)
            && crate::rectifications::deducts(&self.snapshot, entry)
            && self.actor.may(Action::RequireRectification {
                owner: self.snapshot.owner(&entry.code),
            })
    }

    /// The unit's organisation record.
    pub fn org(&self) -> &OrgUnit {
        &self.snapshot.org[self.unit]
    }
}

/// The periods a results document shows, and how much of each unit.
pub struct Results {
    pub snapshot: Arc<Snapshot>,
    /// By unit id: the unit's full result (with trace) when the actor may open its sheet; `None` for a
    /// unit of the summary the actor may see only as a line of the ranking.
    pub open: Vec<Option<Arc<UnitResult>>>,
    /// The actor sees the whole ranking (otherwise only the units they may open).
    pub summary: bool,
}

/// Whether the actor may see some sheet of a period: all of them with the summary, or their own unit's.
fn may_see_a_sheet(actor: &Actor, published: bool) -> bool {
    actor.may(Action::ViewSummary { published }) || actor.user.unit_id.is_some()
}

impl App {
    /// The periods the actor may see (the summary, or their own unit's sheet), oldest first.
    pub async fn dashboard(&self, actor: &Actor) -> Result<Dashboard, AppError> {
        let mut cards = Vec::new();
        for period in self.visible_periods(actor).await?.into_iter().rev() {
            let published = period.status == PeriodStatus::Published;
            // Listed periods are those the actor may see.
            let snapshot = self.snapshot(period.id, |_| true, "").await?;
            let own_unit = actor
                .user
                .unit_id
                .and_then(|id| snapshot.org.iter().find(|o| o.id == id).cloned());
            let own_correction = match &own_unit {
                Some(unit) if published => self
                    .store
                    .publications(period.id)
                    .await?
                    .into_iter()
                    .rev()
                    .filter(|p| p.revision > 1)
                    .find_map(|p| {
                        let changes: Vec<crate::ChangedUnit> =
                            serde_json::from_str(&p.changes).ok()?;
                        let change = changes.into_iter().find(|c| c.code == unit.code)?;
                        Some((p.revision, p.at, change))
                    }),
                _ => None,
            };
            cards.push(PeriodCard {
                can_summary: actor.may(Action::ViewSummary { published }),
                own_unit,
                own_correction,
                reviews: self.store.reviews(period.id).await?,
                snapshot,
            });
        }
        Ok(Dashboard {
            cards,
            departments: self.store.departments().await?,
        })
    }

    /// The periods the actor may see, newest first.
    pub async fn visible_periods(&self, actor: &Actor) -> Result<Vec<Period>, AppError> {
        Ok(self
            .store
            .periods()
            .await?
            .into_iter()
            .filter(|p| {
                let published = p.status == PeriodStatus::Published;
                actor.may(Action::ViewSummary { published })
                    || actor.user.unit_id.is_some_and(|u| p.unit_ids.contains(&u))
            })
            .collect())
    }

    /// 汇总表 and 通报: a period's ranking, for those who may see it.
    ///
    /// # Errors
    /// [`AppError::Forbidden`] for a leader or viewer before publication.
    pub async fn summary(&self, actor: &Actor, period_id: i64) -> Result<Arc<Snapshot>, AppError> {
        self.snapshot(
            period_id,
            |published| actor.may(Action::ViewSummary { published }),
            "只能查看已发布的汇总表",
        )
        .await
    }

    /// 考评表: one unit's sheet with its trace, for those who may see it.
    ///
    /// # Errors
    /// [`AppError::NotFound`] for a unit the period does not assess, [`AppError::Forbidden`] for a unit
    /// the actor may not see.
    pub async fn sheet(
        &self,
        actor: &Actor,
        period_id: i64,
        code: &str,
    ) -> Result<Sheet, AppError> {
        let who = match actor.role() {
            kaoping_store::Role::Leader => "只能查看本单位的考评表；其他单位的得分和名次见汇总表",
            kaoping_store::Role::Viewer => "考评结果发布后才能查看考评表",
            _ => "无权查看该考评表",
        };
        let snapshot = self
            .snapshot(period_id, |p| may_see_a_sheet(actor, p), who)
            .await?;
        let unit = snapshot
            .unit_id(code)
            .ok_or_else(|| AppError::NotFound(format!("单位“{code}”")))?;
        let unit_id = snapshot.org[unit].id;
        let published = snapshot.published();
        actor.require(Action::ViewSheet { unit_id, published }, who)?;
        let result = snapshot
            .assessor
            .traced(&snapshot.rubric, &snapshot.units, unit);
        let own = snapshot.self_check.results()[unit].clone();
        let records = if published || snapshot.rubric.record_kinds().is_empty() {
            Vec::new()
        } else {
            let dates = self.record_dates(period_id).await?;
            crate::records::provisional_for(&snapshot, &dates, unit, self.today())
        };
        let rectifications = self.rectification_states(actor, period_id).await?;
        Ok(Sheet {
            records,
            rectifications,
            actor: actor.clone(),
            may_self: actor.may(Action::SelfAssess { unit_id, published }),
            may_appeal: actor.may(Action::FileAppeal { unit_id, published }),
            may_ledger: actor.may(Action::ViewLedger { published }),
            snapshot,
            unit,
            result,
            own,
        })
    }

    /// A period's results for the API: the whole ranking for those who may see the summary, and each
    /// unit's details (sections, items, trace) only where the actor may open its sheet.
    ///
    /// # Errors
    /// [`AppError::Forbidden`] when the actor may see neither.
    pub async fn results(&self, actor: &Actor, period_id: i64) -> Result<Results, AppError> {
        let snapshot = self
            .snapshot(period_id, |p| may_see_a_sheet(actor, p), "无权查看该考评期")
            .await?;
        let published = snapshot.published();
        let open: Vec<Option<Arc<UnitResult>>> = (0..snapshot.units.len())
            .map(|u| {
                actor
                    .may(Action::ViewSheet {
                        unit_id: snapshot.org[u].id,
                        published,
                    })
                    .then(|| {
                        snapshot
                            .assessor
                            .traced(&snapshot.rubric, &snapshot.units, u)
                    })
            })
            .collect();
        let summary = actor.may(Action::ViewSummary { published });
        if !summary && open.iter().all(Option::is_none) {
            return Err(AppError::Forbidden("无权查看该考评期".into()));
        }
        Ok(Results {
            snapshot,
            open,
            summary,
        })
    }

    /// A stored rubric version, parsed: any logged-in user may read the rules they are assessed by.
    pub async fn rubric_version(
        &self,
        _actor: &Actor,
        id: i64,
    ) -> Result<(RubricVersion, Rubric), AppError> {
        let version = self.store.rubric(id).await?;
        let rubric = kaoping_formats::parse_rubric(&version.name, &version.toml)
            .map_err(|e| AppError::Internal(format!("考评细则“{}”无法读取：{e}", version.name)))?;
        Ok((version, rubric))
    }

    /// `code` if it names a unit of the period (where to go back to after recording on it), `None` for a
    /// group or anything else.
    pub async fn unit_in_period(&self, period_id: i64, code: &str) -> Option<String> {
        let snapshot = self.snapshot(period_id, |_| true, "").await.ok()?;
        snapshot.unit_id(code).map(|_| code.to_string())
    }

    /// Every user, to name who recorded or decided what (pages that show the ledger or the review).
    pub async fn users(&self) -> Result<Vec<User>, AppError> {
        Ok(self.store.users().await?)
    }

    /// Every department.
    pub async fn departments(&self) -> Result<Vec<Department>, AppError> {
        Ok(self.store.departments().await?)
    }
}
