//! What the daily digest says: the day's new red and yellow early warnings (预警) of every open period,
//! a section per department (reasons on no department's item, such as a projected score, under 各单位),
//! a line per unit and reason.
//!
//! "New" is by the day a reason became due: a month missed the day after it ended, a reminder from the
//! 21st, a 整改 the day after its due day. A projected score under or near the pass mark has no such
//! day: it is said every day while it holds. A day the worker does not run (the server was down) is
//! not said again the next day; the warnings page and the dashboard always show everything.

use kaoping_core::date::Date;

use super::digest::Digest;
use crate::error::AppError;
use crate::records::Level;
use crate::App;

impl App {
    /// The digest of `day`'s new red and yellow warnings, or `None` when there is nothing new to say.
    /// The worker of `kaoping serve` calls it once a day and hands the digest to [`App::queue_digest`].
    pub async fn daily_digest(&self, day: Date) -> Result<Option<Digest>, AppError> {
        let mut sections: Vec<(String, Vec<String>)> = Vec::new();
        for period in self.store.periods().await? {
            if period.status != kaoping_store::PeriodStatus::Open {
                continue;
            }
            let (head, _) = self.store.period_head(period.id).await?;
            let snapshot = self.periods.current(&self.store, period.id, head).await?;
            let units: Vec<usize> = (0..snapshot.units.len()).collect();
            for w in self.unit_warnings(&snapshot, &units, day).await? {
                for r in w
                    .reasons
                    .iter()
                    .filter(|r| r.since.is_none_or(|d| d == day))
                {
                    let heading = format!(
                        "{} · {}",
                        period.name,
                        r.department.as_deref().unwrap_or("各单位")
                    );
                    let line = format!(
                        "{}：{} {}",
                        match r.level {
                            Level::Red => "红色",
                            Level::Yellow => "黄色",
                        },
                        w.name,
                        r.text
                    );
                    match sections.iter_mut().find(|(h, _)| *h == heading) {
                        Some((_, lines)) => lines.push(line),
                        None => sections.push((heading, vec![line])),
                    }
                }
            }
        }
        let digest = Digest {
            title: format!("考评预警 {day}"),
            sections,
        };
        Ok((!digest.is_empty()).then_some(digest))
    }
}
