//! 审核 and 发布: a department says its entries are complete, the administrator approves them or returns
//! them for rework with a reason, and publishes the period, which locks it. Each step is written under
//! the period's lock with its audit record.

use std::sync::Arc;

use kaoping_store::{Department, Review, ReviewStatus, User};

use crate::actor::Actor;
use crate::audit::AuditAction;
use crate::error::AppError;
use crate::limits::{bounded, NOTE_CHARS};
use crate::period::Snapshot;
use crate::permissions::Action;
use crate::App;

/// What the review page shows.
pub struct ReviewBoard {
    pub snapshot: Arc<Snapshot>,
    pub departments: Vec<Department>,
    /// The latest step of each department that has one.
    pub reviews: Vec<Review>,
    /// Every step, oldest first.
    pub history: Vec<Review>,
    pub users: Vec<User>,
}

/// A review step's name as users read it.
pub fn review_step_name(status: ReviewStatus) -> &'static str {
    match status {
        ReviewStatus::Approved => "通过",
        ReviewStatus::Returned => "退回修改",
        ReviewStatus::Submitted => "提交审核",
    }
}

const ADMIN_ONLY: &str = "只有管理员可以审核各部门的考核记录";

impl App {
    /// The review page of a period, for the administrator.
    pub async fn review_board(
        &self,
        actor: &Actor,
        period_id: i64,
    ) -> Result<ReviewBoard, AppError> {
        actor.require(Action::Review, ADMIN_ONLY)?;
        let snapshot = self.snapshot(period_id, |_| true, ADMIN_ONLY).await?;
        Ok(ReviewBoard {
            snapshot,
            departments: self.store.departments().await?,
            reviews: self.store.reviews(period_id).await?,
            history: self.store.review_history(period_id).await?,
            users: self.store.users().await?,
        })
    }

    /// The administrator approves a department's submitted entries or returns them (with a reason).
    ///
    /// # Errors
    /// [`AppError::Invalid`] naming the field (department, decision, reason);
    /// [`AppError::Conflict`] on a published period, or for a department whose entries are not submitted.
    pub async fn decide_review(
        &self,
        actor: &Actor,
        period_id: i64,
        department_id: Option<i64>,
        status: Option<ReviewStatus>,
        reason: &str,
    ) -> Result<(Department, ReviewStatus), AppError> {
        actor.require(Action::Review, ADMIN_ONLY)?;
        let (mut tx, snapshot) = self.begin(period_id).await?;
        if snapshot.published() {
            return Err(AppError::Conflict("考评期已发布锁定，不能再审核".into()));
        }
        let department = match department_id {
            Some(id) => self.store.department(id).await.ok(),
            None => None,
        }
        .ok_or_else(|| AppError::Invalid("部门：请选择要审核的部门".into()))?;
        let status = match status {
            Some(s @ (ReviewStatus::Approved | ReviewStatus::Returned)) => s,
            _ => {
                return Err(AppError::Invalid(
                    "审核结果：请选择“通过”或“退回修改”".into(),
                ))
            }
        };
        let reason = reason.trim();
        bounded("退回理由", reason, NOTE_CHARS).map_err(AppError::Invalid)?;
        if status == ReviewStatus::Returned && reason.is_empty() {
            return Err(AppError::Invalid(format!(
                "退回理由：退回“{}”的记录必须写明理由",
                department.name
            )));
        }
        // Only what a department submitted is reviewed: decided here, under the period's lock, so a
        // decision and a resubmission cannot pass each other.
        let latest = tx
            .reviews()
            .await?
            .into_iter()
            .find(|r| r.department_id == department.id)
            .map(|r| r.status);
        if latest != Some(ReviewStatus::Submitted) {
            return Err(AppError::Conflict(format!(
                "“{}”{}，不能{}",
                department.name,
                match latest {
                    Some(ReviewStatus::Approved) => "已审核通过",
                    Some(ReviewStatus::Returned) => "已退回修改，尚未重新提交",
                    _ => "尚未提交审核",
                },
                review_step_name(status)
            )));
        }
        tx.set_review(department.id, status, reason, actor.id())
            .await?;
        tx.audit(
            Some(actor.id()),
            AuditAction::Review.key(),
            &format!(
                "审核“{}”{}：{}{}",
                snapshot.period.name,
                department.name,
                review_step_name(status),
                if reason.is_empty() {
                    String::new()
                } else {
                    format!("（{reason}）")
                }
            ),
        )
        .await?;
        self.commit(tx, &snapshot, &[]).await?;
        Ok((department, status))
    }

    /// An assessor says their department's entries are complete; returns the period's name.
    ///
    /// # Errors
    /// [`AppError::Forbidden`] for anyone but an assessor with a department, and after publication;
    /// [`AppError::Conflict`] while the department's submission awaits review.
    pub async fn submit_review(&self, actor: &Actor, period_id: i64) -> Result<String, AppError> {
        const WHO: &str = "只有考核部门可以在发布前提交本部门的记录审核";
        actor.require(Action::SubmitReview { published: false }, WHO)?;
        let department = actor
            .department
            .clone()
            .ok_or_else(|| AppError::Forbidden(WHO.into()))?;
        let (mut tx, snapshot) = self.begin(period_id).await?;
        actor.require(
            Action::SubmitReview {
                published: snapshot.published(),
            },
            WHO,
        )?;
        let pending = tx
            .reviews()
            .await?
            .iter()
            .any(|r| r.department_id == department.id && r.status == ReviewStatus::Submitted);
        if pending {
            return Err(AppError::Conflict(format!(
                "“{}”已提交审核，等待管理员审核",
                department.name
            )));
        }
        tx.set_review(department.id, ReviewStatus::Submitted, "", actor.id())
            .await?;
        tx.audit(
            Some(actor.id()),
            AuditAction::ReviewSubmit.key(),
            &format!(
                "{}提交“{}”的考核记录审核",
                department.name, snapshot.period.name
            ),
        )
        .await?;
        self.commit(tx, &snapshot, &[]).await?;
        Ok(snapshot.period.name.clone())
    }
}
