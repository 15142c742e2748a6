//! 发布 as an act with a record: the confirmation page's preview, publishing (every owning department's
//! review approved, or a written reason to override), the results stored with the ledger head they were
//! scored from and their digest, and a new revision whenever an accepted appeal changes them.
//!
//! The results document is the one canonical form of published results (docs/hash-chain.md): a JSON
//! array of [`PublishedUnit`] in ranking order, fields in the order declared, written by serde_json
//! without spaces. Its digest is the lowercase hex SHA-256 of those bytes. `kaoping verify` scores the
//! ledger again up to each publication's head and must find the same bytes.

use std::sync::Arc;

use kaoping_store::{
    Department, NewPublication, NoticeHeading, PeriodTx, Publication, Review, ReviewStatus,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::actor::Actor;
use crate::audit::AuditAction;
use crate::error::AppError;
use crate::limits::{bounded, NAME_CHARS, NOTE_CHARS};
use crate::period::Snapshot;
use crate::permissions::Action;
use crate::App;

/// One unit's published result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedUnit {
    pub code: String,
    pub name: String,
    /// The ranking group (排名分组), when the unit is ranked within one.
    pub group: Option<String>,
    pub rank: usize,
    /// The final score, exact, as normalized decimal text.
    pub score: String,
    pub grade: Option<String>,
    pub pass: Option<bool>,
}

/// A unit whose published result a revision changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedUnit {
    pub code: String,
    pub name: String,
    pub old_score: String,
    pub new_score: String,
    pub old_rank: usize,
    pub new_rank: usize,
}

/// The results of a snapshot in ranking order (group, rank, code).
pub fn published_units(snapshot: &Snapshot) -> Vec<PublishedUnit> {
    let mut rows: Vec<PublishedUnit> = snapshot
        .results()
        .iter()
        .map(|r| {
            let unit = snapshot.units.unit(r.unit);
            PublishedUnit {
                code: unit.code.clone(),
                name: unit.name.clone(),
                group: unit.ranking_group.clone(),
                rank: r.rank,
                score: r.final_score.normalize().to_string(),
                grade: r.grade.map(|g| snapshot.rubric.grades()[g].name.clone()),
                pass: r.pass,
            }
        })
        .collect();
    rows.sort_by(|a, b| (&a.group, a.rank, &a.code).cmp(&(&b.group, b.rank, &b.code)));
    rows
}

/// The results document and its digest.
pub fn results_document(units: &[PublishedUnit]) -> (String, String) {
    // Serializing plain strings, numbers and options cannot fail.
    let text = serde_json::to_string(units).unwrap_or_default();
    let digest = digest_of(&text);
    (text, digest)
}

/// The digest of a results document's text: lowercase hex SHA-256 of its UTF-8 bytes.
pub(crate) fn digest_of(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A stored publication read back: its units and, for a correction, what changed.
pub struct PublishedRevision {
    pub publication: Publication,
    pub units: Vec<PublishedUnit>,
    pub changes: Vec<ChangedUnit>,
}

impl PublishedRevision {
    fn read(publication: Publication) -> Result<PublishedRevision, AppError> {
        let units = serde_json::from_str(&publication.results).map_err(|e| {
            AppError::Internal(format!("发布记录{}的结果无法读取：{e}", publication.id))
        })?;
        let changes = serde_json::from_str(&publication.changes).unwrap_or_default();
        Ok(PublishedRevision {
            publication,
            units,
            changes,
        })
    }

    /// The number printed on the notice, `PERIOD-REVISION` (`1-2`: period 1's second revision).
    pub fn number(&self) -> String {
        format!(
            "{}-{}",
            self.publication.period_id, self.publication.revision
        )
    }
}

/// A department whose review publishing waits for, with its latest step.
pub struct ReviewState {
    pub department: Department,
    pub latest: Option<ReviewStatus>,
}

/// What the confirmation page shows before publishing.
pub struct PublishPreview {
    pub snapshot: Arc<Snapshot>,
    pub units: Vec<PublishedUnit>,
    /// Units with items not yet scored, with those items' codes (publishing is refused while there are
    /// any).
    pub incomplete: Vec<(String, Vec<String>)>,
    /// Every department that owns items of the rubric, with its review state.
    pub reviews: Vec<ReviewState>,
}

impl PublishPreview {
    /// The departments whose review is not approved.
    pub fn not_approved(&self) -> Vec<&str> {
        self.reviews
            .iter()
            .filter(|r| r.latest != Some(ReviewStatus::Approved))
            .map(|r| r.department.name.as_str())
            .collect()
    }
}

const ADMIN_ONLY: &str = "只有管理员可以发布";

/// The departments that own items of the snapshot's rubric (by name or code), with their latest step.
fn review_states(
    snapshot: &Snapshot,
    departments: Vec<Department>,
    reviews: &[Review],
) -> Vec<ReviewState> {
    departments
        .into_iter()
        .filter(|d| {
            snapshot
                .rubric
                .items()
                .iter()
                .any(|i| crate::grid::item_owned_by(i, d))
        })
        .map(|department| ReviewState {
            latest: reviews
                .iter()
                .find(|r| r.department_id == department.id)
                .map(|r| r.status),
            department,
        })
        .collect()
}

fn incomplete_units(snapshot: &Snapshot) -> Vec<(String, Vec<String>)> {
    snapshot
        .results()
        .iter()
        .filter(|r| r.is_incomplete())
        .map(|r| {
            let mut items: Vec<String> = r
                .incomplete
                .iter()
                .map(|m| snapshot.rubric.items()[m.item].code.clone())
                .collect();
            items.dedup();
            (snapshot.units.unit(r.unit).name.clone(), items)
        })
        .collect()
}

impl App {
    /// The confirmation page of publishing, for the administrator.
    pub async fn publish_preview(
        &self,
        actor: &Actor,
        period_id: i64,
    ) -> Result<PublishPreview, AppError> {
        actor.require(Action::Publish, ADMIN_ONLY)?;
        let snapshot = self.snapshot(period_id, |_| true, ADMIN_ONLY).await?;
        let reviews = self.store.reviews(period_id).await?;
        Ok(PublishPreview {
            units: published_units(&snapshot),
            incomplete: incomplete_units(&snapshot),
            reviews: review_states(&snapshot, self.store.departments().await?, &reviews),
            snapshot,
        })
    }

    /// Publishes and locks a period, storing its results (revision 1). Every department that owns items
    /// must have its review approved; otherwise `reason` (the override, printed on the notice) is
    /// required. Refused while any unit has items not yet scored.
    ///
    /// # Errors
    /// [`AppError::Forbidden`] for anyone but the administrator; [`AppError::Conflict`] when published
    /// already, incomplete, or reviews are pending without a reason.
    ///
    /// `heading` is what the notice is headed with: the issuing office (the rubric's issuer when left
    /// empty) and the document number (文号), kept with the publication and its hash.
    pub async fn publish(
        &self,
        actor: &Actor,
        period_id: i64,
        reason: &str,
        heading: &NoticeHeading,
    ) -> Result<Publication, AppError> {
        actor.require(Action::Publish, ADMIN_ONLY)?;
        self.publish_as(actor.id(), period_id, reason, heading)
            .await
    }

    /// [`App::publish`] once the caller is known to be the administrator `user_id` (the demo's seeding).
    pub(crate) async fn publish_as(
        &self,
        user_id: i64,
        period_id: i64,
        reason: &str,
        heading: &NoticeHeading,
    ) -> Result<Publication, AppError> {
        let reason = reason.trim();
        bounded("发布理由", reason, NOTE_CHARS).map_err(AppError::Invalid)?;
        let (issuer, doc_number) = (heading.issuer.trim(), heading.doc_number.trim());
        bounded("发文单位", issuer, NAME_CHARS)
            .and_then(|()| bounded("文号", doc_number, NAME_CHARS))
            .map_err(AppError::Invalid)?;
        let departments = self.store.departments().await?;
        let (mut tx, snapshot) = self.begin(period_id).await?;
        if snapshot.published() {
            return Err(AppError::Conflict("考评期已发布锁定".into()));
        }
        let base = snapshot.head;
        let snapshot = self.close_records(&mut tx, snapshot, user_id).await?;
        let incomplete = incomplete_units(&snapshot);
        if !incomplete.is_empty() {
            let names: Vec<&str> = incomplete.iter().map(|(name, _)| name.as_str()).collect();
            return Err(AppError::Conflict(format!(
                "还有{}个单位的评分项未评完，不能发布：{}",
                incomplete.len(),
                names.join("、")
            )));
        }
        let reviews = tx.reviews().await?;
        let pending: Vec<String> = review_states(&snapshot, departments, &reviews)
            .into_iter()
            .filter(|r| r.latest != Some(ReviewStatus::Approved))
            .map(|r| r.department.name)
            .collect();
        if !pending.is_empty() && reason.is_empty() {
            return Err(AppError::Conflict(format!(
                "以下部门的审核尚未通过：{}。如确需发布，请写明发布理由（将印在通报上）",
                pending.join("、")
            )));
        }
        let units = published_units(&snapshot);
        let (results, digest) = results_document(&units);
        let publication = tx
            .publish(&NewPublication {
                results,
                digest,
                head_entry: snapshot.head.last_entry,
                reason: reason.to_string(),
                changes: "[]".into(),
                by_user: user_id,
                heading: NoticeHeading {
                    issuer: if issuer.is_empty() {
                        snapshot.rubric.issuer().unwrap_or_default().to_string()
                    } else {
                        issuer.to_string()
                    },
                    doc_number: doc_number.to_string(),
                },
            })
            .await?;
        tx.audit(
            Some(user_id),
            AuditAction::Publish.key(),
            &format!(
                "发布考评期“{}”（发布编号{}-1，摘要{}）{}",
                snapshot.period.name,
                period_id,
                publication.short_digest(),
                if pending.is_empty() {
                    String::new()
                } else {
                    format!("；未审核通过的部门：{}；理由：{reason}", pending.join("、"))
                }
            ),
        )
        .await?;
        let period = tx.period().clone();
        tx.commit().await?;
        self.periods.period_changed(base, period).await;
        Ok(publication)
    }

    /// The year closes: the 记录本's deductions still pending become ledger entries, in the publishing
    /// transaction, and the period is read again with them.
    async fn close_records(
        &self,
        tx: &mut kaoping_store::PeriodTx,
        snapshot: std::sync::Arc<crate::period::Snapshot>,
        user_id: i64,
    ) -> Result<std::sync::Arc<crate::period::Snapshot>, AppError> {
        if snapshot.rubric.record_kinds().is_empty() {
            return Ok(snapshot);
        }
        let dates =
            crate::records::provisional::dates_by_unit_and_kind(&tx.active_records().await?);
        let all: Vec<usize> = (0..snapshot.units.len()).collect();
        let today = self.today();
        let confirmed =
            crate::records::confirm_in(tx, &snapshot, user_id, None, &dates, &all, today, |_| true)
                .await?;
        if confirmed.is_empty() {
            return Ok(snapshot);
        }
        tx.audit(
            Some(user_id),
            AuditAction::RecordsConfirm.key(),
            &format!("发布时核定记录本扣分{}条", confirmed.len()),
        )
        .await?;
        Ok(std::sync::Arc::new(crate::period::Snapshot::from_load(
            tx.load().await?,
        )?))
    }

    /// Every revision of a period's published results, revision 1 first, for whoever may see the
    /// published summary.
    pub async fn published_revisions(
        &self,
        actor: &Actor,
        period_id: i64,
    ) -> Result<Vec<PublishedRevision>, AppError> {
        self.snapshot(
            period_id,
            |published| actor.may(Action::ViewSummary { published }),
            "无权查看本考评期的汇总",
        )
        .await?;
        self.store
            .publications(period_id)
            .await?
            .into_iter()
            .map(PublishedRevision::read)
            .collect()
    }
}

/// After an accepted appeal in a published period: if the results changed, writes the next revision
/// with the changed units, in the appeal's transaction (so its head and digest are those of the
/// ledger as the decision leaves it). `before` is the snapshot the decision was checked against.
pub(crate) async fn amend_if_changed(
    tx: &mut PeriodTx,
    before: &Snapshot,
    reason: &str,
    by_user: i64,
) -> Result<Option<Publication>, AppError> {
    if !before.published() {
        return Ok(None);
    }
    // The transaction sees its own appends: the decision's entry is the new head.
    let head_entry = tx
        .entries_since(before.head.last_entry)
        .await?
        .last()
        .map_or(before.head.last_entry, |e| e.id);
    let load = tx.load().await?;
    let after = Snapshot::from_load(load)?;
    let (old, new) = (published_units(before), published_units(&after));
    if old == new {
        return Ok(None);
    }
    let changes: Vec<ChangedUnit> = new
        .iter()
        .filter_map(|n| {
            let o = old.iter().find(|o| o.code == n.code)?;
            (o.score != n.score || o.rank != n.rank).then(|| ChangedUnit {
                code: n.code.clone(),
                name: n.name.clone(),
                old_score: o.score.clone(),
                new_score: n.score.clone(),
                old_rank: o.rank,
                new_rank: n.rank,
            })
        })
        .collect();
    let (results, digest) = results_document(&new);
    let changes = serde_json::to_string(&changes).unwrap_or_else(|_| "[]".into());
    // A correction is headed as the notice it corrects.
    let heading = tx.latest_heading().await?;
    Ok(Some(
        tx.amend_publication(&NewPublication {
            results,
            digest,
            head_entry,
            reason: reason.to_string(),
            changes,
            by_user,
            heading,
        })
        .await?,
    ))
}
