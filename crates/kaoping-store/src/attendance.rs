//! The figures the attendance and exam imports brought (migration 0010): per period, person and month the
//! days due and present and the late, early-leave and absence counts; per person and quarter an exam
//! score. Append-only: importing a month (or quarter) again adds rows, and the latest row of a period,
//! person and month is the one that counts. Written and read inside a [`PeriodTx`], under the period's
//! lock, so an import reads exactly the figures it is about to bring the ledger in line with.

use kaoping_core::Decimal;
use sqlx::any::AnyRow;

use crate::{col, now_ms, PeriodTx, StoreError};

/// One person's month as the attendance machine exported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceMonth {
    pub unit_code: String,
    /// `2024-03`.
    pub month: String,
    pub days_due: i64,
    pub days_present: i64,
    pub late: i64,
    pub early: i64,
    pub absent: i64,
}

/// One person's exam score in a quarter (1–4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExamScore {
    pub unit_code: String,
    pub quarter: i64,
    pub score: Decimal,
}

fn month_from_row(row: &AnyRow) -> Result<AttendanceMonth, StoreError> {
    Ok(AttendanceMonth {
        unit_code: col(row, "unit_code")?,
        month: col(row, "month")?,
        days_due: col(row, "days_due")?,
        days_present: col(row, "days_present")?,
        late: col(row, "late")?,
        early: col(row, "early")?,
        absent: col(row, "absent")?,
    })
}

fn exam_from_row(row: &AnyRow) -> Result<ExamScore, StoreError> {
    let score: String = col(row, "score")?;
    Ok(ExamScore {
        unit_code: col(row, "unit_code")?,
        quarter: col(row, "quarter")?,
        score: score
            .parse()
            .map_err(|_| StoreError::Invalid(format!("考试成绩“{score}”不是数字")))?,
    })
}

impl PeriodTx {
    /// The months of this period already imported: `(person, month)` pairs, the latest of each.
    pub async fn attendance(&mut self) -> Result<Vec<AttendanceMonth>, StoreError> {
        let id = self.period().id;
        let rows = sqlx::query(
            "SELECT unit_code, month, days_due, days_present, late, early, absent \
             FROM attendance_months a WHERE period_id = $1 AND id = (SELECT MAX(id) \
             FROM attendance_months b WHERE b.period_id = a.period_id \
             AND b.unit_code = a.unit_code AND b.month = a.month) \
             ORDER BY unit_code, month",
        )
        .bind(id)
        .fetch_all(&mut *self.conn())
        .await?;
        rows.iter().map(month_from_row).collect()
    }

    /// Adds imported months; a month already there is replaced by this row (the old one stays).
    pub async fn add_attendance(
        &mut self,
        months: &[AttendanceMonth],
        file: &str,
        by_user: i64,
    ) -> Result<(), StoreError> {
        let id = self.period().id;
        let at = now_ms();
        for m in months {
            sqlx::query(
                "INSERT INTO attendance_months (period_id, unit_code, month, days_due, \
                 days_present, late, early, absent, file, by_user, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(id)
            .bind(&m.unit_code)
            .bind(&m.month)
            .bind(m.days_due)
            .bind(m.days_present)
            .bind(m.late)
            .bind(m.early)
            .bind(m.absent)
            .bind(file)
            .bind(by_user)
            .bind(at)
            .execute(&mut *self.conn())
            .await?;
        }
        Ok(())
    }

    /// The exam scores of this period, the latest of each person and quarter.
    pub async fn exam_scores(&mut self) -> Result<Vec<ExamScore>, StoreError> {
        let id = self.period().id;
        let rows = sqlx::query(
            "SELECT unit_code, quarter, score FROM exam_scores a WHERE period_id = $1 \
             AND id = (SELECT MAX(id) FROM exam_scores b WHERE b.period_id = a.period_id \
             AND b.unit_code = a.unit_code AND b.quarter = a.quarter) \
             ORDER BY unit_code, quarter",
        )
        .bind(id)
        .fetch_all(&mut *self.conn())
        .await?;
        rows.iter().map(exam_from_row).collect()
    }

    /// Adds imported exam scores; a person's quarter already there is replaced by this row.
    pub async fn add_exam_scores(
        &mut self,
        scores: &[ExamScore],
        file: &str,
        by_user: i64,
    ) -> Result<(), StoreError> {
        let id = self.period().id;
        let at = now_ms();
        for s in scores {
            sqlx::query(
                "INSERT INTO exam_scores (period_id, unit_code, quarter, score, file, by_user, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(&s.unit_code)
            .bind(s.quarter)
            .bind(s.score.normalize().to_string())
            .bind(file)
            .bind(by_user)
            .bind(at)
            .execute(&mut *self.conn())
            .await?;
        }
        Ok(())
    }
}
