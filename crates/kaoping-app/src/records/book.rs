//! The 记录本 as pages read it: one unit's records by kind and month, and a department's view across
//! units.

use std::sync::Arc;

use kaoping_core::date::Date;
use kaoping_core::records::{tally, Feed, Schedule, Slot};
use kaoping_core::units::UnitId;
use kaoping_store::ActivityRecord;

use super::provisional::{dates_by_unit_and_kind, provisional_for, Provisional, RecordDates};
use crate::actor::Actor;
use crate::error::AppError;
use crate::period::Snapshot;
use crate::permissions::Action;
use crate::App;

/// A record kind with how often it is due (a kind two rules count on different schedules appears
/// once per schedule).
fn kinds_with_schedules(snapshot: &Snapshot) -> Vec<(String, Schedule)> {
    let mut out: Vec<(String, Schedule)> = Vec::new();
    for rule in snapshot.rubric.rules() {
        if let Some(Feed::Records(links)) = &rule.feed {
            for l in links {
                if !out.iter().any(|(k, s)| *k == l.kind && *s == l.schedule) {
                    out.push((l.kind.clone(), l.schedule));
                }
            }
        }
    }
    out
}

/// How a month or quarter of a kind stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellState {
    /// Enough records.
    Done,
    /// Over, and short.
    Missed,
    /// Under way and short.
    Open,
    /// Not begun.
    Future,
}

/// One kind of a unit's 记录本: each month or quarter with its records.
#[derive(Debug, Clone)]
pub struct KindRow {
    pub kind: String,
    pub schedule: Schedule,
    pub cells: Vec<(Slot, u32, CellState)>,
}

impl KindRow {
    fn new(kind: &str, schedule: Schedule, year: u16, dates: &[Date], today: Date) -> KindRow {
        let cells = tally(schedule, year, dates)
            .into_iter()
            .map(|(slot, held)| {
                let state = if held >= slot.needed {
                    CellState::Done
                } else if slot.start > today {
                    CellState::Future
                } else if slot.end < today {
                    CellState::Missed
                } else {
                    CellState::Open
                };
                (slot, held, state)
            })
            .collect();
        KindRow {
            kind: kind.to_string(),
            schedule,
            cells,
        }
    }

    pub fn missed(&self) -> usize {
        self.cells
            .iter()
            .filter(|c| c.2 == CellState::Missed)
            .count()
    }
}

/// One unit's 记录本.
pub struct RecordBook {
    pub snapshot: Arc<Snapshot>,
    pub unit: UnitId,
    pub today: Date,
    pub kinds: Vec<KindRow>,
    /// Every row, replaced ones and rejections included, oldest first.
    pub history: Vec<ActivityRecord>,
    pub provisional: Vec<Provisional>,
    /// The actor may record for this unit.
    pub may_keep: bool,
    /// The kinds the actor's department may reject.
    pub may_reject: Vec<String>,
    /// Some unit of the period keeps its 记录本 here: only then do misses count (see `provisional_for`).
    pub in_use: bool,
}

/// A unit's line in a department's view.
pub struct UnitKinds {
    pub unit: UnitId,
    /// Per kind of [`RecordsBoard::kinds`]: months or quarters missed, and whether the current one is
    /// still short.
    pub cells: Vec<(usize, bool)>,
    /// Deductions still to confirm (of rules the actor may confirm).
    pub pending: Vec<Provisional>,
}

/// Every unit's 记录本 at a glance.
pub struct RecordsBoard {
    pub snapshot: Arc<Snapshot>,
    pub today: Date,
    pub kinds: Vec<(String, Schedule)>,
    pub units: Vec<UnitKinds>,
    /// The actor may confirm some pending deductions.
    pub may_confirm: bool,
    /// Some unit of the period keeps its 记录本 here.
    pub in_use: bool,
}

impl App {
    pub(crate) async fn record_dates(&self, period_id: i64) -> Result<RecordDates, AppError> {
        let records = self.store.active_records(period_id).await?;
        Ok(dates_by_unit_and_kind(&records))
    }

    /// One unit's 记录本 (whoever may open its score sheet).
    ///
    /// # Errors
    /// 403 for those who may not see the unit's sheet; 404 for an unknown unit.
    pub async fn record_book(
        &self,
        actor: &Actor,
        period_id: i64,
        code: &str,
    ) -> Result<RecordBook, AppError> {
        let snapshot = self
            .snapshot(period_id, |_| true, "无权查看该单位的记录本")
            .await?;
        let unit = snapshot
            .unit_id(code)
            .ok_or_else(|| AppError::NotFound(format!("单位“{code}”")))?;
        let unit_id = snapshot.org[unit].id;
        let published = snapshot.published();
        actor.require(
            Action::ViewSheet { unit_id, published },
            "只能查看本单位的记录本",
        )?;
        let today = self.today();
        let dates = self.record_dates(period_id).await?;
        let year = u16::try_from(snapshot.period.year).unwrap_or(0);
        let none = Vec::new();
        let code = snapshot.units.unit(unit).code.clone();
        let kinds = kinds_with_schedules(&snapshot)
            .into_iter()
            .map(|(kind, schedule)| {
                let held = dates.get(&(code.clone(), kind.clone())).unwrap_or(&none);
                KindRow::new(&kind, schedule, year, held, today)
            })
            .collect();
        let may_reject = snapshot
            .rubric
            .record_kinds()
            .into_iter()
            .filter(|k| {
                super::owners_of_kind(&snapshot.rubric, k)
                    .into_iter()
                    .any(|owner| actor.may(Action::RecordFinding { owner, published }))
            })
            .map(str::to_string)
            .collect();
        Ok(RecordBook {
            in_use: !dates.is_empty(),
            provisional: provisional_for(&snapshot, &dates, unit, today),
            history: self.store.unit_records(period_id, &code).await?,
            may_keep: actor.may(Action::KeepRecords { unit_id, published }),
            may_reject,
            kinds,
            unit,
            today,
            snapshot,
        })
    }

    /// Every unit's 记录本 at a glance, with the deductions awaiting confirmation (assessors and the
    /// administrator: those who may read the ledger).
    ///
    /// # Errors
    /// 403 for those who may not read the ledger.
    pub async fn records_board(
        &self,
        actor: &Actor,
        period_id: i64,
    ) -> Result<RecordsBoard, AppError> {
        let snapshot = self
            .snapshot(
                period_id,
                |published| actor.may(Action::ViewLedger { published }),
                "无权查看各单位记录本",
            )
            .await?;
        let today = self.today();
        let dates = self.record_dates(period_id).await?;
        let year = u16::try_from(snapshot.period.year).unwrap_or(0);
        let kinds = kinds_with_schedules(&snapshot);
        let published = snapshot.published();
        let none = Vec::new();
        let units = (0..snapshot.units.len())
            .map(|u| {
                let code = &snapshot.units.unit(u).code;
                let cells = kinds
                    .iter()
                    .map(|(kind, schedule)| {
                        let held = dates.get(&(code.clone(), kind.clone())).unwrap_or(&none);
                        let row = KindRow::new(kind, *schedule, year, held, today);
                        let open = row.cells.iter().any(|c| c.2 == CellState::Open);
                        (row.missed(), open)
                    })
                    .collect();
                let pending = provisional_for(&snapshot, &dates, u, today)
                    .into_iter()
                    .filter(|p| {
                        p.pending()
                            && actor.may(Action::RecordFinding {
                                owner: p.owner.as_deref(),
                                published,
                            })
                    })
                    .collect();
                UnitKinds {
                    unit: u,
                    cells,
                    pending,
                }
            })
            .collect::<Vec<_>>();
        let may_confirm = units.iter().any(|u| !u.pending.is_empty());
        Ok(RecordsBoard {
            in_use: !dates.is_empty(),
            snapshot,
            today,
            kinds,
            units,
            may_confirm,
        })
    }
}

impl App {
    /// The records that count now, of the units whose sheet the actor may open (one unit, or all).
    ///
    /// # Errors
    /// 403 when the actor may open no such sheet; 404 for an unknown unit.
    pub async fn records(
        &self,
        actor: &Actor,
        period_id: i64,
        unit: Option<&str>,
    ) -> Result<Vec<ActivityRecord>, AppError> {
        let snapshot = self
            .snapshot(period_id, |_| true, "无权查看该考评期的记录本")
            .await?;
        let published = snapshot.published();
        let visible = |code: &str| {
            snapshot.org_of(code).is_some_and(|o| {
                actor.may(Action::ViewSheet {
                    unit_id: o.id,
                    published,
                })
            })
        };
        if let Some(code) = unit {
            if snapshot.unit_id(code).is_none() {
                return Err(AppError::NotFound(format!("单位“{code}”")));
            }
            if !visible(code) {
                return Err(AppError::Forbidden("只能查看本单位的记录本".into()));
            }
        }
        let all = self.store.active_records(period_id).await?;
        Ok(all
            .into_iter()
            .filter(|r| unit.is_none_or(|c| r.unit_code == c) && visible(&r.unit_code))
            .collect())
    }
}
