//! `kaoping verify` and the administrator's integrity check: the store's hash chains, plus every
//! publication scored again from the ledger up to its head (the store never scores). The last result is
//! kept per process, so every administrator page can show a warning banner without checking again.

use std::collections::HashSet;
use std::sync::Mutex;

use kaoping_store::{
    Entry, EntryKind, LedgerHead, PeriodLoad, Problem, ProblemKind, Publication, Store,
    VerifyReport,
};

use crate::actor::Actor;
use crate::error::AppError;
use crate::period::Snapshot;
use crate::permissions::Action;
use crate::publication::{digest_of, published_units, results_document};
use crate::App;

/// The last check of this process: when it ran (unix ms) and what it found.
#[derive(Debug, Clone)]
pub struct IntegrityCheck {
    pub at: i64,
    pub report: VerifyReport,
    /// How many publications were scored again.
    pub publications: usize,
}

/// What this process last found, shared by its requests.
#[derive(Default)]
pub(crate) struct LastCheck(Mutex<Option<IntegrityCheck>>);

/// Everything checked: the chains, the records, the evidence bytes, and each publication's digest.
///
/// # Errors
/// A database failure (a verification that cannot run is not a verification that passed).
pub async fn verify(store: &Store) -> Result<IntegrityCheck, AppError> {
    let mut report = store.verify_chains().await?;
    let publications = store.all_publications().await?;
    // Publications come by period, then revision: each period's parts and history are read once. What
    // counts is taken from the history as of each publication, so the active entries are not read.
    let mut loaded: Option<(i64, PeriodLoad, Vec<Entry>)> = None;
    for p in &publications {
        if loaded.as_ref().is_none_or(|(id, _, _)| *id != p.period_id) {
            let period = store.period(p.period_id).await?;
            let load = PeriodLoad {
                head: LedgerHead::default(),
                rubric: store.rubric(period.rubric_id).await?,
                org: store.org_units().await?,
                active: Vec::new(),
                period,
            };
            let history = store.entries(p.period_id).await?;
            loaded = Some((p.period_id, load, history));
        }
        let Some((_, load, history)) = &loaded else {
            continue;
        };
        if let Some(problem) = check_publication(store, p, load, history).await? {
            report.problems.push(problem);
        }
    }
    Ok(IntegrityCheck {
        at: crate::auth::now_ms(),
        report,
        publications: publications.len(),
    })
}

/// One publication: its head in the chain, its stored text under its digest, and the ledger up to its
/// head scoring to the same text.
async fn check_publication(
    store: &Store,
    p: &Publication,
    load: &PeriodLoad,
    history: &[Entry],
) -> Result<Option<Problem>, AppError> {
    let problem = |detail: String| Problem {
        kind: ProblemKind::Publication,
        chain: Some(format!("period:{}", p.period_id)),
        seq: None,
        record: format!(
            "publication {}（考评期{}第{}版）",
            p.id, p.period_id, p.revision
        ),
        detail,
    };
    if store
        .chain_has(p.period_id, &p.ledger_head)
        .await?
        .is_none()
    {
        return Ok(Some(problem(format!(
            "发布时的链头 {} 已不在哈希链中（链尾被截断或改写）",
            short(&p.ledger_head)
        ))));
    }
    let stored_digest = digest_of(&p.results);
    if stored_digest != p.digest {
        return Ok(Some(problem(format!(
            "所存结果的摘要为 {}，发布时为 {}",
            short(&stored_digest),
            short(&p.digest)
        ))));
    }
    let mut as_of = load.clone();
    as_of.active = active_as_of(history, p.head_entry);
    let snapshot = Snapshot::from_load(as_of)?;
    let (text, digest) = results_document(&published_units(&snapshot));
    if digest != p.digest {
        return Ok(Some(problem(format!(
            "按台账（截至记录{}）重新计分，结果摘要为 {}，发布时为 {}{}",
            p.head_entry,
            short(&digest),
            short(&p.digest),
            first_changed_unit(&p.results, &text)
        ))));
    }
    Ok(None)
}

/// The first unit whose published line differs from the re-scored one, for the report.
fn first_changed_unit(published: &str, rescored: &str) -> String {
    let parse = |t: &str| -> Vec<crate::publication::PublishedUnit> {
        serde_json::from_str(t).unwrap_or_default()
    };
    let (a, b) = (parse(published), parse(rescored));
    for old in &a {
        match b.iter().find(|n| n.code == old.code) {
            Some(new) if new != old => {
                return format!(
                    "；{}（{}）发布为{}分第{}名，现为{}分第{}名",
                    old.name, old.code, old.score, old.rank, new.score, new.rank
                )
            }
            None => return format!("；{}（{}）已不在结果中", old.name, old.code),
            _ => {}
        }
    }
    String::new()
}

fn short(hash: &str) -> &str {
    hash.get(..16).unwrap_or(hash)
}

/// What counted after entry `head`: entries up to it, less those replaced by entries up to it, less
/// withdrawals.
fn active_as_of(history: &[Entry], head: i64) -> Vec<Entry> {
    let upto: Vec<&Entry> = history.iter().filter(|e| e.id <= head).collect();
    let replaced: HashSet<i64> = upto.iter().filter_map(|e| e.replaces).collect();
    upto.into_iter()
        .filter(|e| e.kind != EntryKind::Withdraw && !replaced.contains(&e.id))
        .cloned()
        .collect()
}

impl App {
    /// Runs the integrity check now, for the administrator, and keeps its result for the banner.
    pub async fn check_integrity(&self, actor: &Actor) -> Result<IntegrityCheck, AppError> {
        actor.require(Action::Review, "只有管理员可以校验数据完整性")?;
        self.refresh_integrity().await
    }

    /// Runs the integrity check and keeps its result (a server does this once at start).
    pub async fn refresh_integrity(&self) -> Result<IntegrityCheck, AppError> {
        let check = verify(&self.store).await?;
        *self.integrity.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(check.clone());
        Ok(check)
    }

    /// For an administrator, when this process's last check failed: how many problems and the first, in
    /// words (the banner every administrator page shows). Asked on every request, so nothing is copied
    /// but the sentence.
    pub fn integrity_alarm(&self, actor: &Actor) -> Option<String> {
        if !actor.may(Action::Review) {
            return None;
        }
        let last = self.integrity.0.lock().unwrap_or_else(|e| e.into_inner());
        let problems = &last.as_ref()?.report.problems;
        let first = problems.first()?;
        Some(format!("发现{}处问题，第一处：{first}", problems.len()))
    }

    /// This process's last check, for an administrator (None for others, or before the first check).
    pub fn last_integrity(&self, actor: &Actor) -> Option<IntegrityCheck> {
        if !actor.may(Action::Review) {
            return None;
        }
        self.integrity
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}
