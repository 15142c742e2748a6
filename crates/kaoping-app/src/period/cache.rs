//! Each process keeps one [`Snapshot`] per period and checks it against the ledger's head (one cheap
//! query) before every use. Several processes share one database, so nothing is ever pushed between
//! them: a process that finds its snapshot behind reads the entries it has not seen and applies them, and
//! after a change to the period itself or to the organisation (the head's revision) it builds the period
//! again.
//!
//! Two paths lead here:
//! - reads ([`PeriodCache::current`]) compare the head outside any transaction;
//! - writes ([`PeriodCache::current_in`]) compare it inside their [`PeriodTx`], under the period's lock,
//!   so the snapshot a write checks against is exactly what is committed, and after committing they hand
//!   their own entries over ([`PeriodCache::committed`]) instead of reading them back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use kaoping_store::{Entry, LedgerHead, Period, PeriodLoad, PeriodTx, Store};

use super::snapshot::{Located, Snapshot};
use crate::error::AppError;

/// The snapshot a process keeps of one period, and what it needs to advance it.
struct Live {
    snapshot: Arc<Snapshot>,
    index: HashMap<i64, Located>,
}

#[derive(Default)]
struct Slot {
    /// The latest snapshot, for readers: a clone of the `Arc` under a short lock.
    latest: RwLock<Option<Arc<Snapshot>>>,
    /// The writer side, held while the snapshot is advanced (possibly across a query), so one request
    /// does the work and the others wait for its result.
    live: tokio::sync::Mutex<Option<Live>>,
}

impl Slot {
    fn latest(&self) -> Option<Arc<Snapshot>> {
        self.latest
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn install(&self, live: &mut Option<Live>, next: Live) -> Arc<Snapshot> {
        let snapshot = next.snapshot.clone();
        *self.latest.write().unwrap_or_else(|e| e.into_inner()) = Some(snapshot.clone());
        *live = Some(next);
        snapshot
    }
}

/// The periods this process keeps; see the module docs.
#[derive(Default)]
pub(crate) struct PeriodCache {
    slots: Mutex<HashMap<i64, Arc<Slot>>>,
}

fn built(load: PeriodLoad) -> Result<Live, AppError> {
    let (snapshot, index) = Snapshot::build_load(load)?;
    Ok(Live {
        snapshot: Arc::new(snapshot),
        index,
    })
}

impl PeriodCache {
    fn slot(&self, period_id: i64) -> Arc<Slot> {
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(period_id)
            .or_default()
            .clone()
    }

    /// The period as committed at `head` (read by the caller) or later: entries not yet seen are read
    /// and applied; a changed revision builds the period again.
    pub(crate) async fn current(
        &self,
        store: &Store,
        period_id: i64,
        head: LedgerHead,
    ) -> Result<Arc<Snapshot>, AppError> {
        let slot = self.slot(period_id);
        if let Some(s) = slot.latest().filter(|s| fresh(&s.head, &head)) {
            return Ok(s);
        }
        let mut live = slot.live.lock().await;
        if let Some(l) = live.as_ref().filter(|l| fresh(&l.snapshot.head, &head)) {
            return Ok(l.snapshot.clone());
        }
        let next = match live.take() {
            Some(mut l) if l.snapshot.head.revision == head.revision => {
                let entries = store
                    .entries_since(period_id, l.snapshot.head.last_entry)
                    .await?;
                let snapshot = Arc::new(l.snapshot.advance(&entries, &mut l.index));
                Live {
                    snapshot,
                    index: l.index,
                }
            }
            _ => built(store.load_period(period_id).await?)?,
        };
        Ok(slot.install(&mut live, next))
    }

    /// The period exactly as committed when `tx` took its lock: what a write checks against.
    pub(crate) async fn current_in(&self, tx: &mut PeriodTx) -> Result<Arc<Snapshot>, AppError> {
        let head = tx.head();
        let slot = self.slot(tx.period().id);
        let mut live = slot.live.lock().await;
        if let Some(l) = live.as_ref().filter(|l| l.snapshot.head == head) {
            return Ok(l.snapshot.clone());
        }
        let next = match live.take() {
            Some(mut l)
                if l.snapshot.head.revision == head.revision
                    && l.snapshot.head.last_entry < head.last_entry =>
            {
                let entries = tx.entries_since(l.snapshot.head.last_entry).await?;
                let snapshot = Arc::new(l.snapshot.advance(&entries, &mut l.index));
                Live {
                    snapshot,
                    index: l.index,
                }
            }
            _ => built(tx.load().await?)?,
        };
        Ok(slot.install(&mut live, next))
    }

    /// After a write committed `entries` on top of `base` (the head its checks saw): the snapshot moves on
    /// without reading them back. If this process's snapshot has moved elsewhere meanwhile, nothing is
    /// done; the next request catches up from the database.
    pub(crate) async fn committed(&self, period_id: i64, base: LedgerHead, entries: &[Entry]) {
        if entries.is_empty() {
            return;
        }
        let slot = self.slot(period_id);
        let mut live = slot.live.lock().await;
        let Some(mut l) = live.take().filter(|l| l.snapshot.head == base) else {
            return;
        };
        let snapshot = Arc::new(l.snapshot.advance(entries, &mut l.index));
        slot.install(
            &mut live,
            Live {
                snapshot,
                index: l.index,
            },
        );
    }

    /// After a write changed the period row itself (publication) on top of `base`.
    pub(crate) async fn period_changed(&self, base: LedgerHead, period: Period) {
        let slot = self.slot(period.id);
        let mut live = slot.live.lock().await;
        let Some(l) = live.take().filter(|l| l.snapshot.head == base) else {
            return;
        };
        let snapshot = Arc::new(l.snapshot.with_period(period));
        slot.install(
            &mut live,
            Live {
                snapshot,
                index: l.index,
            },
        );
    }
}

/// Whether a snapshot at `kept` serves a request that read `head`: same revision, and it has seen every
/// entry the head names (it may have seen later ones, committed since).
fn fresh(kept: &LedgerHead, head: &LedgerHead) -> bool {
    kept.revision == head.revision && kept.last_entry >= head.last_entry
}
