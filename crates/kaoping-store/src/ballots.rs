//! Ballot campaigns, voting codes and ballots (民主评议). The store keeps what the application decided
//! (the campaign's rules as JSON, each ballot's ratings and validity) and guarantees the two things only
//! it can: a code is used once, in the transaction that stores its ballot; and nothing stored joins a
//! ballot to its code (no code, time or address in a ballot row; random ballot ids).
//!
//! Writes that change a campaign (creating it, issuing codes, paper slips, closing) go through the
//! period's [`PeriodTx`](crate::PeriodTx) and take the campaign row `FOR UPDATE`; a vote takes it
//! `FOR SHARE` on PostgreSQL (votes run side by side, a close waits for them), and SQLite's write lock.

use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use crate::{col, now_ms, Backend, Store, StoreError};

/// A campaign to create.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub period_id: i64,
    pub title: String,
    /// The conversion rule its raw scores go to.
    pub rule_code: String,
    pub round: String,
    /// The rules as JSON (the application's format).
    pub settings: String,
    pub created_by: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignStatus {
    Open,
    Closed,
}

/// A stored campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignRow {
    pub id: i64,
    pub period_id: i64,
    pub title: String,
    pub rule_code: String,
    pub round: String,
    pub settings: String,
    pub status: CampaignStatus,
    /// When the codes were issued (they are issued once).
    pub codes_issued_at: Option<i64>,
    pub created_by: i64,
    pub created_at: i64,
    pub closed_by: Option<i64>,
    pub closed_at: Option<i64>,
}

/// A ballot as stored: no code, no time, no address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBallot {
    /// Random (32 hex digits), so ids say nothing about the order ballots came in.
    pub id: String,
    pub class_index: i64,
    pub valid: bool,
    /// The ratings as JSON (the application's format).
    pub ratings: String,
}

/// How a class's codes stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CodeCounts {
    /// Codes that can be or were used (void ones not counted).
    pub issued: i64,
    /// Used by a ballot cast with the code.
    pub voted: i64,
    /// Taken by paper slips entered for the class.
    pub paper: i64,
    /// Made void, unused, when the codes were issued again.
    pub void: i64,
}

impl CodeCounts {
    pub fn used(&self) -> i64 {
        self.voted + self.paper
    }
}

/// What a code opens: its campaign and class, and whether it has been used or made void.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeLookup {
    pub campaign: CampaignRow,
    pub class_index: i64,
    pub used: bool,
    pub void: bool,
}

/// Code use as stored.
const UNUSED: i64 = 0;
const VOTED: i64 = 1;
const PAPER: i64 = 2;
const VOID: i64 = 3;

const CAMPAIGN_COLUMNS: &str = "id, period_id, title, rule_code, round, settings, status, \
     codes_issued_at, created_by, created_at, closed_by, closed_at";

fn campaign_from_row(row: &AnyRow) -> Result<CampaignRow, StoreError> {
    let status: String = col(row, "status")?;
    Ok(CampaignRow {
        id: col(row, "id")?,
        period_id: col(row, "period_id")?,
        title: col(row, "title")?,
        rule_code: col(row, "rule_code")?,
        round: col(row, "round")?,
        settings: col(row, "settings")?,
        status: if status == "closed" {
            CampaignStatus::Closed
        } else {
            CampaignStatus::Open
        },
        codes_issued_at: col(row, "codes_issued_at")?,
        created_by: col(row, "created_by")?,
        created_at: col(row, "created_at")?,
        closed_by: col(row, "closed_by")?,
        closed_at: col(row, "closed_at")?,
    })
}

pub(crate) async fn create_campaign_on(
    conn: &mut AnyConnection,
    c: &NewCampaign,
) -> Result<i64, StoreError> {
    sqlx::query_scalar(
        "INSERT INTO ballot_campaigns (period_id, title, rule_code, round, settings, status, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, 'open', $6, $7) RETURNING id",
    )
    .bind(c.period_id)
    .bind(&c.title)
    .bind(&c.rule_code)
    .bind(&c.round)
    .bind(&c.settings)
    .bind(c.created_by)
    .bind(now_ms())
    .fetch_one(conn)
    .await
    .map_err(|e| match StoreError::from(e) {
        StoreError::Conflict(_) => {
            StoreError::Conflict(format!("本考评期已有名为“{}”的评议", c.title))
        }
        other => other,
    })
}

/// The campaign row, locked as `lock` says (`FOR UPDATE`, `FOR SHARE` or nothing).
pub(crate) async fn campaign_on(
    conn: &mut AnyConnection,
    id: i64,
    lock: &str,
) -> Result<CampaignRow, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {CAMPAIGN_COLUMNS} FROM ballot_campaigns WHERE id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("评议#{id}")))?;
    campaign_from_row(&row)
}

pub(crate) async fn issue_codes_on(
    conn: &mut AnyConnection,
    campaign_id: i64,
    codes: &[(i64, String)],
) -> Result<(), StoreError> {
    // A few hundred rows a statement: well inside both backends' bound-parameter limits.
    for chunk in codes.chunks(300) {
        let mut sql = String::from(
            "INSERT INTO ballot_codes (code_hash, campaign_id, class_index, used) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, 0)",
                i * 3 + 1,
                i * 3 + 2,
                i * 3 + 3
            ));
        }
        let mut query = sqlx::query(&sql);
        for (class, hash) in chunk {
            query = query.bind(hash).bind(campaign_id).bind(*class);
        }
        query.execute(&mut *conn).await?;
    }
    sqlx::query("UPDATE ballot_campaigns SET codes_issued_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(campaign_id)
        .execute(conn)
        .await?;
    Ok(())
}

async fn insert_ballot_on(
    conn: &mut AnyConnection,
    campaign_id: i64,
    b: &StoredBallot,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO ballots (id, campaign_id, class_index, valid, ratings) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&b.id)
    .bind(campaign_id)
    .bind(b.class_index)
    .bind(i64::from(b.valid))
    .bind(&b.ratings)
    .execute(conn)
    .await?;
    Ok(())
}

/// Paper slips of one class: as many unused codes of the class are taken as there are slips, then the
/// slips are stored. Refused whole when the class has too few codes left.
pub(crate) async fn enter_paper_on(
    conn: &mut AnyConnection,
    campaign_id: i64,
    class_index: i64,
    ballots: &[StoredBallot],
) -> Result<(), StoreError> {
    let wanted = ballots.len() as i64;
    let taken = sqlx::query(
        "UPDATE ballot_codes SET used = $1 WHERE used = $2 AND code_hash IN \
         (SELECT code_hash FROM ballot_codes WHERE campaign_id = $3 AND class_index = $4 AND used = $2 \
          ORDER BY code_hash LIMIT $5)",
    )
    .bind(PAPER)
    .bind(UNUSED)
    .bind(campaign_id)
    .bind(class_index)
    .bind(wanted)
    .execute(&mut *conn)
    .await?
    .rows_affected() as i64;
    if taken < wanted {
        return Err(StoreError::Conflict(format!(
            "该类别只剩{taken}个未用的投票码，录入的纸质票有{wanted}张"
        )));
    }
    for b in ballots {
        insert_ballot_on(conn, campaign_id, b).await?;
    }
    Ok(())
}

pub(crate) async fn ballots_on(
    conn: &mut AnyConnection,
    campaign_id: i64,
) -> Result<Vec<StoredBallot>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, class_index, valid, ratings FROM ballots WHERE campaign_id = $1 ORDER BY id",
    )
    .bind(campaign_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let valid: i64 = col(row, "valid")?;
            Ok(StoredBallot {
                id: col(row, "id")?,
                class_index: col(row, "class_index")?,
                valid: valid == 1,
                ratings: col(row, "ratings")?,
            })
        })
        .collect()
}

/// Closes the campaign and records the close (the caller links it into the period's chain). Every code
/// row of the campaign is rewritten in the same transaction, so on PostgreSQL their `xmin` (the writing
/// transaction) no longer tells which vote used which code.
pub(crate) async fn close_campaign_on(
    conn: &mut AnyConnection,
    campaign_id: i64,
    by: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE ballot_campaigns SET status = 'closed', closed_by = $1, closed_at = $2 WHERE id = $3",
    )
    .bind(by)
    .bind(now_ms())
    .bind(campaign_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE ballot_codes SET used = used WHERE campaign_id = $1")
        .bind(campaign_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO ballot_closings (campaign_id, closed_by, closed_at) VALUES ($1, $2, $3)",
    )
    .bind(campaign_id)
    .bind(by)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn code_counts_on(
    conn: &mut AnyConnection,
    campaign_id: i64,
) -> Result<Vec<(i64, CodeCounts)>, StoreError> {
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT class_index, used, COUNT(*) FROM ballot_codes WHERE campaign_id = $1 \
         GROUP BY class_index, used ORDER BY class_index",
    )
    .bind(campaign_id)
    .fetch_all(conn)
    .await?;
    let mut counts: Vec<(i64, CodeCounts)> = Vec::new();
    for (class, used, n) in rows {
        if counts.last().is_none_or(|(c, _)| *c != class) {
            counts.push((class, CodeCounts::default()));
        }
        if let Some((_, c)) = counts.last_mut() {
            match used {
                VOTED => c.voted += n,
                PAPER => c.paper += n,
                VOID => c.void += n,
                _ => {}
            }
            if used != VOID {
                c.issued += n;
            }
        }
    }
    Ok(counts)
}

/// The answer to a code made void.
pub const VOID_MESSAGE: &str = "这个投票码已作废（选票已重新发放），请使用新发的选票";

/// Makes every unused code of a campaign void (its sheet of slips was lost), returning how many per
/// class; the caller issues as many new ones in the same transaction.
pub(crate) async fn void_unused_on(
    conn: &mut AnyConnection,
    campaign_id: i64,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let unused: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT class_index, COUNT(*) FROM ballot_codes WHERE campaign_id = $1 AND used = $2 \
         GROUP BY class_index ORDER BY class_index",
    )
    .bind(campaign_id)
    .bind(UNUSED)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query("UPDATE ballot_codes SET used = $1 WHERE campaign_id = $2 AND used = $3")
        .bind(VOID)
        .bind(campaign_id)
        .bind(UNUSED)
        .execute(conn)
        .await?;
    Ok(unused)
}

/// Failed votes from one address before it is refused, and over which window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoteLimits {
    pub window_ms: i64,
    pub per_address: i64,
}

impl Store {
    /// The campaigns of a period, oldest first.
    pub async fn campaigns(&self, period_id: i64) -> Result<Vec<CampaignRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM ballot_campaigns WHERE period_id = $1 ORDER BY id"
        ))
        .bind(period_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(campaign_from_row).collect()
    }

    pub async fn campaign(&self, id: i64) -> Result<CampaignRow, StoreError> {
        let mut conn = self.connection().await?;
        campaign_on(&mut conn, id, "").await
    }

    /// Issued, voted and paper codes per class (classes without codes are absent).
    pub async fn code_counts(
        &self,
        campaign_id: i64,
    ) -> Result<Vec<(i64, CodeCounts)>, StoreError> {
        let mut conn = self.connection().await?;
        code_counts_on(&mut conn, campaign_id).await
    }

    /// Every ballot of a campaign, in the order of their random ids.
    pub async fn ballots(&self, campaign_id: i64) -> Result<Vec<StoredBallot>, StoreError> {
        let mut conn = self.connection().await?;
        ballots_on(&mut conn, campaign_id).await
    }

    /// What a code (by its hash) opens, if it exists.
    pub async fn code_lookup(&self, code_hash: &str) -> Result<Option<CodeLookup>, StoreError> {
        // One query on the voter's path: the code and its campaign together.
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            let columns: Vec<String> = CAMPAIGN_COLUMNS
                .split(", ")
                .map(|c| format!("c.{c}"))
                .collect();
            format!(
                "SELECT {}, k.class_index AS code_class, k.used AS code_used FROM ballot_codes k \
                 JOIN ballot_campaigns c ON c.id = k.campaign_id WHERE k.code_hash = $1",
                columns.join(", ")
            )
        });
        let row = sqlx::query(&SQL)
            .bind(code_hash)
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let used: i64 = col(&row, "code_used")?;
        Ok(Some(CodeLookup {
            campaign: campaign_from_row(&row)?,
            class_index: col(&row, "code_class")?,
            used: used == VOTED || used == PAPER,
            void: used == VOID,
        }))
    }

    /// Casts a ballot with a code: the code is marked used and the ballot stored in one transaction,
    /// the campaign still open (a close waits for it). Exactly one of any number of racing casts with
    /// one code lands.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the code was used or the campaign closed meanwhile;
    /// [`StoreError::NotFound`] when the code is not the campaign's.
    pub async fn cast_ballot(
        &self,
        code_hash: &str,
        campaign_id: i64,
        ballot: &StoredBallot,
    ) -> Result<(), StoreError> {
        let share = match self.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR SHARE",
        };
        let mut tx = self.begin().await?;
        let campaign = campaign_on(&mut tx, campaign_id, share).await?;
        if campaign.status == CampaignStatus::Closed {
            return Err(StoreError::Conflict("本次评议已结束，不再接受投票".into()));
        }
        let marked = sqlx::query(
            "UPDATE ballot_codes SET used = $1 WHERE code_hash = $2 AND campaign_id = $3 AND used = $4",
        )
        .bind(VOTED)
        .bind(code_hash)
        .bind(campaign_id)
        .bind(UNUSED)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if marked != 1 {
            let exists: Option<i64> = sqlx::query_scalar(
                "SELECT used FROM ballot_codes WHERE code_hash = $1 AND campaign_id = $2",
            )
            .bind(code_hash)
            .bind(campaign_id)
            .fetch_optional(&mut *tx)
            .await?;
            return Err(match exists {
                Some(VOID) => StoreError::Conflict(VOID_MESSAGE.into()),
                Some(_) => StoreError::Conflict("这个投票码已经投过票了".into()),
                None => StoreError::NotFound("投票码".into()),
            });
        }
        insert_ballot_on(&mut tx, campaign_id, ballot).await?;
        tx.commit().await
    }

    /// Whether `ip` has given too many unknown codes lately (then it waits; see [`VoteLimits`]). Only
    /// failures count, never votes in progress: an office votes from behind one address, all at once.
    /// Guesses sent side by side may each pass this check before any is recorded, so an address can
    /// exceed the limit by the requests it has in flight at that moment, never more.
    pub async fn vote_refused(&self, ip: &str, limits: VoteLimits) -> Result<bool, StoreError> {
        let failures: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM vote_failures WHERE ip = $1 AND at >= $2")
                .bind(ip)
                .bind(now_ms() - limits.window_ms)
                .fetch_one(self.pool())
                .await?;
        Ok(failures >= limits.per_address)
    }

    /// Records an unknown code given from `ip` (and forgets failures older than the window).
    pub async fn vote_failed(&self, ip: &str, limits: VoteLimits) -> Result<(), StoreError> {
        let now = now_ms();
        sqlx::query("DELETE FROM vote_failures WHERE at < $1")
            .bind(now - limits.window_ms)
            .execute(self.pool())
            .await?;
        sqlx::query("INSERT INTO vote_failures (ip, at) VALUES ($1, $2)")
            .bind(ip)
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
