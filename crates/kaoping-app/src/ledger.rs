//! 考核记录: a period's history, every entry ever appended with who, when and why, paged in the
//! database; never the whole ledger per request.

use std::sync::Arc;

use kaoping_store::{Entry, LedgerFilter, LedgerPage, User};

use crate::actor::Actor;
use crate::error::AppError;
use crate::period::Snapshot;
use crate::permissions::Action;
use crate::App;

/// Entries on one page of the ledger.
pub const LEDGER_PAGE_SIZE: i64 = 100;
/// The most entries one API call returns.
pub const LEDGER_API_LIMIT: i64 = 1000;

/// What a ledger page is narrowed to, as asked.
#[derive(Debug, Clone, Default)]
pub struct LedgerQuery {
    /// A unit (its groups' entries reach it too, and are shown with its own) or a group.
    pub unit: Option<String>,
    /// A rule or item code.
    pub code: Option<String>,
}

/// One page of a period's ledger.
pub struct LedgerView {
    pub snapshot: Arc<Snapshot>,
    pub query: LedgerQuery,
    pub page: LedgerPage,
    /// 1-based.
    pub page_number: i64,
    pub pages: i64,
    /// Everyone who recorded something, to name them.
    pub users: Vec<User>,
}

const NOT_THE_LEDGER: &str = "无权查看考核记录";

impl App {
    async fn ledger_snapshot(
        &self,
        actor: &Actor,
        period_id: i64,
    ) -> Result<Arc<Snapshot>, AppError> {
        self.snapshot(
            period_id,
            |published| actor.may(Action::ViewLedger { published }),
            NOT_THE_LEDGER,
        )
        .await
    }

    /// Page `page_number` (1-based, oldest first) of a period's ledger, narrowed as `query` asks.
    pub async fn ledger(
        &self,
        actor: &Actor,
        period_id: i64,
        query: LedgerQuery,
        page_number: i64,
    ) -> Result<LedgerView, AppError> {
        let snapshot = self.ledger_snapshot(actor, period_id).await?;
        let mut filter = LedgerFilter {
            units: Vec::new(),
            code: query.code.clone(),
        };
        if let Some(unit) = &query.unit {
            filter.units.push(unit.clone());
            if let Some(u) = snapshot.unit_id(unit) {
                filter.units.extend(
                    snapshot
                        .units
                        .unit(u)
                        .groups
                        .iter()
                        .map(|&g| snapshot.units.group(g).code.clone()),
                );
            }
        }
        let page_number = page_number.max(1);
        let page = self
            .store
            .ledger_page(
                period_id,
                &filter,
                (page_number - 1).saturating_mul(LEDGER_PAGE_SIZE),
                LEDGER_PAGE_SIZE,
            )
            .await?;
        let pages = ((page.total + LEDGER_PAGE_SIZE - 1) / LEDGER_PAGE_SIZE).max(1);
        Ok(LedgerView {
            snapshot,
            query,
            page,
            page_number,
            pages,
            users: self.store.users().await?,
        })
    }

    /// Up to `limit` (at most [`LEDGER_API_LIMIT`]) entries after entry `after`, oldest first, each with
    /// whether it still counts: the API's cursor over a period's history.
    pub async fn ledger_after(
        &self,
        actor: &Actor,
        period_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(Entry, bool)>, AppError> {
        self.ledger_snapshot(actor, period_id).await?;
        Ok(self
            .store
            .ledger_after(period_id, after, limit.clamp(1, LEDGER_API_LIMIT))
            .await?)
    }

    /// The whole ledger, for the Excel download: the one read of all of it.
    pub async fn ledger_export(
        &self,
        actor: &Actor,
        period_id: i64,
    ) -> Result<(Arc<Snapshot>, Vec<(Entry, bool)>, Vec<User>), AppError> {
        let snapshot = self.ledger_snapshot(actor, period_id).await?;
        let page = self
            .store
            .ledger_page(period_id, &LedgerFilter::default(), 0, i64::MAX)
            .await?;
        Ok((snapshot, page.entries, self.store.users().await?))
    }
}
