//! The operations that change a period, shared by the pages and the API so both check the same things
//! in the same order: a locked period (409), then what is wrong with the finding (422), then who may do
//! it (403); only then is anything stored, and every change is written to the audit log.

use kaoping_store::{Department, Entry, NewEntry, Source};

use crate::auth::CurrentUser;
use crate::error::ServerError;
use crate::pages::{require, role_name};
use crate::permissions::{allowed, Action};
use crate::scoring::{self, PeriodView};
use crate::state::AppState;

const LOCKED: &str = "考评期已发布锁定，只能通过申诉更改";

/// Whether the user may append `e`: a self-check by the unit's leader, a finding by the owning department.
pub fn may_append(
    view: &PeriodView,
    user: &CurrentUser,
    dept: Option<&Department>,
    e: &NewEntry,
) -> Result<(), ServerError> {
    let published = view.published();
    match e.source {
        Source::SelfCheck => {
            let unit_id = view
                .org
                .iter()
                .find(|o| o.code == e.unit_code)
                .map(|o| o.id)
                .unwrap_or(-1);
            require(
                allowed(&user.user, dept, Action::SelfAssess { unit_id, published }),
                "只能为本单位录入自查，且须在发布前",
            )
        }
        Source::Assessor => {
            let owner = scoring::owner(&view.rubric, &e.code);
            require(
                allowed(
                    &user.user,
                    dept,
                    Action::RecordFinding {
                        owner: owner.as_deref(),
                        published,
                    },
                ),
                &format!(
                    "{}只能录入本部门负责的评分项{}",
                    role_name(user.user.role),
                    owner
                        .map(|o| format!("（该项由“{o}”负责）"))
                        .unwrap_or_default()
                ),
            )
        }
    }
}

/// Appends a finding (a record, or a correction naming the entry it replaces), with its evidence file if
/// any (type-checked by content, stored only once everything else has passed).
pub async fn append_finding(
    state: &AppState,
    view: &PeriodView,
    user: &CurrentUser,
    dept: Option<&Department>,
    mut entry: NewEntry,
    evidence: Option<(&[u8], &str)>,
) -> Result<Entry, ServerError> {
    if view.published() {
        return Err(ServerError::Conflict(LOCKED.into()));
    }
    scoring::check_entry(view, &entry)?;
    may_append(view, user, dept, &entry)?;
    if let Some(r) = entry.replaces {
        // A correction must also be allowed on the finding it replaces (another department's, say).
        let old = view
            .entry(r)
            .ok_or_else(|| ServerError::NotFound(format!("记录#{r}")))?;
        let as_old = NewEntry {
            code: old.code.clone(),
            unit_code: old.unit_code.clone(),
            source: old.source,
            ..entry.clone()
        };
        may_append(view, user, dept, &as_old)?;
    }
    let mime = evidence
        .map(|(bytes, _)| crate::pages::evidence_type(bytes))
        .transpose()?;
    if let (Some((bytes, name)), Some(mime)) = (evidence, mime) {
        entry.evidence_id = Some(
            state
                .store
                .put_evidence(bytes, mime, name, user.user.id)
                .await?
                .id,
        );
    }
    let saved = state.store.append_entry(&entry).await?;
    state
        .store
        .audit(
            Some(user.user.id),
            "entry",
            &format!(
                "记录#{}：{} {} {}",
                saved.id, saved.unit_code, saved.code, saved.note
            ),
        )
        .await?;
    Ok(saved)
}

/// Withdraws entry `id` with a reason; returns the withdrawn entry and the withdrawal.
pub async fn withdraw(
    state: &AppState,
    view: &PeriodView,
    user: &CurrentUser,
    dept: Option<&Department>,
    id: i64,
    reason: &str,
) -> Result<(Entry, Entry), ServerError> {
    let old = view
        .entry(id)
        .ok_or_else(|| ServerError::NotFound(format!("记录#{id}")))?
        .clone();
    let e = scoring::withdrawal(&old, dept.map(|d| d.id), user.user.id, reason);
    may_append(view, user, dept, &e)?;
    if e.reason.is_empty() {
        return Err(ServerError::Invalid("撤回必须写明原因".into()));
    }
    let saved = state.store.append_entry(&e).await?;
    state
        .store
        .audit(
            Some(user.user.id),
            "withdraw",
            &format!("记录#{} 撤回记录#{}：{}", saved.id, old.id, e.reason),
        )
        .await?;
    Ok((old, saved))
}

/// Publishes and locks a period; refused while any unit has items not yet scored.
pub async fn publish(
    state: &AppState,
    user: &CurrentUser,
    dept: Option<&Department>,
    period_id: i64,
) -> Result<(), ServerError> {
    require(
        allowed(&user.user, dept, Action::Publish),
        "只有管理员可以发布",
    )?;
    let view = scoring::load(&state.store, period_id).await?;
    let incomplete = view.results.iter().filter(|r| r.is_incomplete()).count();
    if incomplete > 0 {
        return Err(ServerError::Conflict(format!(
            "还有{incomplete}个单位的评分项未评完，不能发布"
        )));
    }
    state.store.publish_period(period_id, user.user.id).await?;
    state
        .store
        .audit(
            Some(user.user.id),
            "publish",
            &format!(
                "发布考评期“{}”（{}）",
                view.period.name,
                crate::pages::summary_date(crate::auth::now_ms())
            ),
        )
        .await?;
    Ok(())
}
