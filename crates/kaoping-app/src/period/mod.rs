//! A period's state, kept per process and current per request: [`Snapshot`] (what pages read),
//! `cache` (keeping it current against the ledger's head), `check` (checking a new entry against it
//! inside a write).

mod cache;
pub(crate) mod check;
mod party_list;
mod snapshot;

pub(crate) use cache::PeriodCache;
pub(crate) use snapshot::slot_of;
pub use snapshot::{owner, Counted, Side, Snapshot};
