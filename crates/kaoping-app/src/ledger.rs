//! 考核记录: a period's history, every entry ever appended with who, when and why, paged in the
//! database; never the whole ledger per request.

use std::sync::Arc;

use kaoping_core::rubric::{Coded, Rubric, RuleKind};
use kaoping_core::Decimal;
use kaoping_store::{Entry, EntryKind, LedgerFilter, LedgerPage, OrgKind, User};

use crate::actor::Actor;
use crate::error::AppError;
use crate::lists::{day_range, pages, search_text, user_id, FieldProblem};
use crate::period::Snapshot;
use crate::permissions::Action;
use crate::App;

/// Entries on one page of the ledger.
pub const LEDGER_PAGE_SIZE: i64 = 100;
/// The most entries one API call returns.
pub const LEDGER_API_LIMIT: i64 = 1000;

/// What a ledger page is narrowed to, as typed into its form (empty or absent: not narrowed). Every
/// given condition applies (AND), in SQL.
#[derive(Debug, Clone, Default)]
pub struct LedgerQuery {
    /// A unit (its groups' entries reach it too, and are shown with its own) or a group, by code.
    pub unit: Option<String>,
    /// The department that owns the items (the rubric's name for it, or a department's code or name).
    pub department: Option<String>,
    /// A rule, bonus or veto code, or an item's (its rules' entries too).
    pub code: Option<String>,
    /// Who recorded the entries: a user's id.
    pub recorder: Option<String>,
    /// `YYYY-MM-DD`, China time, inclusive: when the entries were recorded.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Text in the entries' notes or reasons.
    pub text: Option<String>,
}

impl LedgerQuery {
    /// Each condition by its name in the page's address, as given.
    pub fn fields(&self) -> [(&'static str, &Option<String>); 7] {
        [
            ("unit", &self.unit),
            ("department", &self.department),
            ("code", &self.code),
            ("recorder", &self.recorder),
            ("from", &self.from),
            ("to", &self.to),
            ("text", &self.text),
        ]
    }

    /// Whether any condition is given.
    pub fn narrowed(&self) -> bool {
        self.fields()
            .iter()
            .any(|(_, v)| v.as_deref().is_some_and(|t| !t.trim().is_empty()))
    }
}

/// A department the ledger can be narrowed to: one the rubric names as an item's owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerChoice {
    /// The rubric's name for it (the form's value).
    pub owner: String,
    /// The department's name when one answers to it, else the rubric's.
    pub label: String,
}

/// What one entry deducts, as the rubric's rule says, before the rule's own limits and the item's
/// bounds (which the score sheet applies to all of a unit's entries together).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryDeduction {
    Points(Decimal),
    /// 不得分: the item scores nothing.
    Zero,
}

/// One page of a period's ledger.
pub struct LedgerView {
    pub snapshot: Arc<Snapshot>,
    pub query: LedgerQuery,
    /// Filter values the ledger cannot use; the page is empty then.
    pub problems: Vec<FieldProblem>,
    pub page: LedgerPage,
    /// 1-based.
    pub page_number: i64,
    pub pages: i64,
    /// Everyone who recorded something, to name them.
    pub users: Vec<User>,
    /// Those who recorded entries of this period, to narrow to one.
    pub recorders: Vec<User>,
    /// The departments owning the rubric's items, in the rubric's order.
    pub owners: Vec<OwnerChoice>,
    /// The names of the organisation's groups, by code (units' names are the snapshot's).
    group_names: Vec<(String, String)>,
}

impl LedgerView {
    /// The name of the unit or group an entry names (`None` when the period knows neither).
    pub fn party_name(&self, code: &str) -> Option<&str> {
        match self.snapshot.unit_id(code) {
            Some(u) => Some(&self.snapshot.units.unit(u).name),
            None => self
                .group_names
                .iter()
                .find(|(c, _)| c == code)
                .map(|(_, n)| n.as_str()),
        }
    }

    /// What an entry deducts, when the rubric's rule says it without scoring the unit.
    pub fn deduction(&self, entry: &Entry) -> Option<EntryDeduction> {
        entry_deduction(&self.snapshot.rubric, entry)
    }
}

/// What an entry deducts by its rule alone: a per-occurrence rule's amount times the count, a fixed
/// rule's amount, a judged deduction's points, 不得分. `None`
/// for everything whose effect depends on the other entries or sets a score rather than deducting
/// (graded, rates, conversions, frequencies, progressive rules, bonuses, vetoes) and for withdrawals.
pub fn entry_deduction(rubric: &Rubric, entry: &Entry) -> Option<EntryDeduction> {
    if entry.kind == EntryKind::Withdraw {
        return None;
    }
    let Some(Coded::Rule(r)) = rubric.lookup(entry.code.trim()) else {
        return None;
    };
    let count = entry.count.unwrap_or(1);
    match &rubric.rules()[r].kind {
        RuleKind::PerOccurrence { amount, .. } => {
            Some(EntryDeduction::Points(amount * Decimal::from(count)))
        }
        RuleKind::Fixed { amount } if count > 0 => Some(EntryDeduction::Points(*amount)),
        RuleKind::Zero if count > 0 => Some(EntryDeduction::Zero),
        RuleKind::RangeDeduction { .. } => entry.points.map(EntryDeduction::Points),
        _ => None,
    }
}

const NOT_THE_LEDGER: &str = "无权查看考核记录";

/// The codes of the items `owner` owns and of their rules, or a problem when it owns none.
fn owned_codes(
    rubric: &Rubric,
    owner: &str,
    departments: &[kaoping_store::Department],
) -> Option<Vec<String>> {
    let answers = |item_owner: &str| {
        item_owner == owner
            || departments
                .iter()
                .any(|d| (d.code == owner || d.name == owner) && d.answers_to(item_owner))
    };
    let mut codes = Vec::new();
    for (i, item) in rubric.items().iter().enumerate() {
        if item.department.as_deref().is_some_and(answers) {
            codes.push(item.code.clone());
            codes.extend(rubric.item_rules(i).iter().map(|r| r.code.clone()));
        }
    }
    (!codes.is_empty()).then_some(codes)
}

/// The codes a code filter keeps: an item's and its rules', or the code itself.
fn code_and_rules(rubric: &Rubric, code: &str) -> Option<Vec<String>> {
    match rubric.lookup(code)? {
        Coded::Item(i) => {
            let mut codes = vec![rubric.items()[i].code.clone()];
            codes.extend(rubric.item_rules(i).iter().map(|r| r.code.clone()));
            Some(codes)
        }
        Coded::Section(_) => None,
        _ => Some(vec![code.to_string()]),
    }
}

fn given(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

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

    /// Page `page_number` (1-based, oldest first) of a period's ledger, narrowed as `query` asks. A value
    /// the ledger cannot use (an unknown unit, a date that is not one) is a problem of its field, and
    /// the page is empty then: never a wider list than asked for.
    pub async fn ledger(
        &self,
        actor: &Actor,
        period_id: i64,
        query: LedgerQuery,
        page_number: i64,
    ) -> Result<LedgerView, AppError> {
        let snapshot = self.ledger_snapshot(actor, period_id).await?;
        let rubric = &snapshot.rubric;
        let users = self.store.users().await?;
        let recorder_ids = self.store.ledger_recorders(period_id).await?;
        let recorders: Vec<User> = users
            .iter()
            .filter(|u| recorder_ids.contains(&u.id))
            .cloned()
            .collect();
        let departments = self.store.departments().await?;
        let mut owners: Vec<OwnerChoice> = Vec::new();
        for item in rubric.items() {
            if let Some(owner) = item.department.as_deref() {
                if !owners.iter().any(|o| o.owner == owner) {
                    let label = departments
                        .iter()
                        .find(|d| d.answers_to(owner))
                        .map_or_else(|| owner.to_string(), |d| d.name.clone());
                    owners.push(OwnerChoice {
                        owner: owner.to_string(),
                        label,
                    });
                }
            }
        }
        let group_names: Vec<(String, String)> = self
            .store
            .org_units()
            .await?
            .into_iter()
            .filter(|o| o.kind == OrgKind::Group)
            .map(|o| (o.code, o.name))
            .collect();

        let mut problems = Vec::new();
        let mut filter = LedgerFilter::default();
        if let Some(unit) = given(&query.unit) {
            if let Some(u) = snapshot.unit_id(unit) {
                filter.units.push(unit.to_string());
                filter.units.extend(
                    snapshot
                        .units
                        .unit(u)
                        .groups
                        .iter()
                        .map(|&g| snapshot.units.group(g).code.clone()),
                );
            } else if snapshot.units.find(unit).is_some() {
                filter.units.push(unit.to_string());
            } else {
                problems.push(FieldProblem::new(
                    "unit",
                    format!("单位：本考评期没有单位或组“{unit}”"),
                ));
            }
        }
        let mut codes: Option<Vec<String>> = None;
        if let Some(owner) = given(&query.department) {
            match owned_codes(rubric, owner, &departments) {
                Some(c) => codes = Some(c),
                None => problems.push(FieldProblem::new(
                    "department",
                    format!("部门：考评细则中没有“{owner}”负责的评分项"),
                )),
            }
        }
        if let Some(code) = given(&query.code) {
            match code_and_rules(rubric, code) {
                Some(c) => {
                    codes = Some(match codes {
                        Some(owned) => c.into_iter().filter(|c| owned.contains(c)).collect(),
                        None => c,
                    })
                }
                None => problems.push(FieldProblem::new(
                    "code",
                    format!("规则：考评细则中没有评分项或规则“{code}”"),
                )),
            }
        }
        filter.codes = codes;
        filter.recorded_by = user_id(
            "recorder",
            "录入人",
            query.recorder.as_deref(),
            |id| recorders.iter().any(|u| u.id == id),
            &mut problems,
        );
        (filter.from_ms, filter.until_ms) =
            day_range(query.from.as_deref(), query.to.as_deref(), &mut problems);
        filter.text = search_text(query.text.as_deref(), &mut problems);

        let page_number = page_number.max(1);
        let page = if problems.is_empty() {
            self.store
                .ledger_page(
                    period_id,
                    &filter,
                    (page_number - 1).saturating_mul(LEDGER_PAGE_SIZE),
                    LEDGER_PAGE_SIZE,
                )
                .await?
        } else {
            LedgerPage {
                entries: Vec::new(),
                total: 0,
            }
        };
        Ok(LedgerView {
            pages: pages(page.total, LEDGER_PAGE_SIZE),
            snapshot,
            query,
            problems,
            page,
            page_number,
            users,
            recorders,
            owners,
            group_names,
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
