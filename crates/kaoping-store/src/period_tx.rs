//! A write transaction on one period, holding the period's lock: the one way anything that changes a
//! period is written (ledger entries, evidence they cite, review steps, publication, appeals, and the
//! audit records of all of them).
//!
//! The lock holds across processes: on SQLite the transaction starts with `BEGIN IMMEDIATE` (the whole
//! database's write lock), on PostgreSQL it takes the period row `FOR UPDATE`. So a caller can read the
//! period's state inside the transaction, check a change against it, and append, knowing that no other
//! process changes the period in between: the check and the write it guards share one transaction.
//! Within a process, writers first queue at an in-process gate (see `Gates` in lib.rs).

use sqlx::AnyConnection;

use crate::activity_records;
use crate::appeals::{self, Appeal};
use crate::ballots::{self, CampaignRow, NewCampaign, StoredBallot};
use crate::chain::{self, canonical, Link};
use crate::evidence::{self, Evidence};
use crate::ledger::{self, Entry, NewEntry, Via};
use crate::org::{self, OrgUnit};
use crate::periods::{self, Period, PeriodStatus};
use crate::publications::{self, NewPublication, Publication};
use crate::rectifications::{self, NewRectification, NewStep, Rectification};
use crate::reviews::{self, Review, ReviewStatus};
use crate::rubrics::{self, RubricVersion};
use crate::{audit, Store, StoreError, WriteTx};

/// Where a period's ledger stands: what a process compares with what it keeps of the period. Entries are
/// appended under the period's lock, so the last id says which entries exist; the revision counts every
/// other change that alters the period's scores or how they read (publication, the organisation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct LedgerHead {
    pub revision: i64,
    /// The last entry id of the period, 0 before the first.
    pub last_entry: i64,
}

/// Everything a process needs to build its state of a period, read as of one moment.
#[derive(Debug, Clone)]
pub struct PeriodLoad {
    pub head: LedgerHead,
    pub period: Period,
    pub rubric: RubricVersion,
    pub org: Vec<OrgUnit>,
    /// What counts now, both sources, oldest first.
    pub active: Vec<Entry>,
}

/// Reads a [`PeriodLoad`] on one connection (inside a transaction, so the parts agree).
async fn load_on(conn: &mut AnyConnection, period: Period) -> Result<PeriodLoad, StoreError> {
    let head = LedgerHead {
        revision: period.revision,
        last_entry: ledger::last_entry_on(conn, period.id).await?,
    };
    let rubric = rubrics::rubric_on(conn, period.rubric_id).await?;
    let org = org::org_units_on(conn).await?;
    let active = ledger::active_entries_on(conn, period.id).await?;
    Ok(PeriodLoad {
        head,
        period,
        rubric,
        org,
        active,
    })
}

/// A write transaction holding one period's lock; see the module docs. Dropped without
/// [`PeriodTx::commit`], nothing it did is kept.
pub struct PeriodTx {
    tx: WriteTx,
    period: Period,
    /// The head when the lock was taken.
    head: LedgerHead,
    /// The period's hash chain: every record this transaction writes is linked into it.
    chain: Link,
    tx_backend: crate::Backend,
}

impl Store {
    /// Starts a write transaction on the period and takes its lock (waiting for any other writer of the
    /// period, in this process or another).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when there is no such period.
    pub async fn lock_period(&self, period_id: i64) -> Result<PeriodTx, StoreError> {
        let mut tx = self.begin_for_period(period_id).await?;
        // The row alone: a write needs its status and revision, not its (possibly thousand) units.
        let period = periods::period_row_on(&mut tx, period_id, self.for_update()).await?;
        // Read after the lock: every entry committed before it, none after; and the chain's tip, in
        // the same query.
        let name = chain::period_chain(period_id);
        let (last, seq, hash): (Option<i64>, Option<i64>, Option<String>) = sqlx::query_as(
            "SELECT (SELECT MAX(id) FROM entries WHERE period_id = $1), \
             (SELECT seq FROM chain_links WHERE chain = $2 ORDER BY seq DESC LIMIT 1), \
             (SELECT hash FROM chain_links WHERE chain = $2 ORDER BY seq DESC LIMIT 1)",
        )
        .bind(period_id)
        .bind(&name)
        .fetch_one(&mut *tx)
        .await?;
        let head = LedgerHead {
            revision: period.revision,
            last_entry: last.unwrap_or(0),
        };
        let tip = match (seq, hash) {
            (Some(seq), Some(hash)) => chain::Tip { seq, hash },
            _ => chain::Tip::genesis(),
        };
        let chain = Link::deferred(name, tip);
        Ok(PeriodTx {
            tx,
            period,
            head,
            chain,
            tx_backend: self.backend,
        })
    }

    /// A period's parts as of one moment: a read-only transaction (repeatable read on PostgreSQL, a
    /// read snapshot on SQLite's WAL), so the head and the entries agree.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when there is no such period.
    pub async fn load_period(&self, period_id: i64) -> Result<PeriodLoad, StoreError> {
        let mut tx = self.pool().begin().await?;
        if self.backend() == crate::Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        let period = periods::period_on(&mut tx, period_id, "").await?;
        let load = load_on(&mut tx, period).await?;
        tx.rollback().await?;
        Ok(load)
    }

    /// The period's head, in one query: what a process checks before it trusts what it keeps.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when there is no such period.
    pub async fn ledger_head(&self, period_id: i64) -> Result<LedgerHead, StoreError> {
        Ok(self.period_head(period_id).await?.0)
    }

    /// The period's head and whether it is published, in one query: enough to ask permission before
    /// anything is built.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when there is no such period.
    pub async fn period_head(
        &self,
        period_id: i64,
    ) -> Result<(LedgerHead, PeriodStatus), StoreError> {
        let row: Option<(i64, String, Option<i64>)> = sqlx::query_as(
            "SELECT revision, status, (SELECT MAX(id) FROM entries WHERE period_id = $1) \
             FROM periods WHERE id = $1",
        )
        .bind(period_id)
        .fetch_optional(self.pool())
        .await?;
        let (revision, status, last) =
            row.ok_or_else(|| StoreError::not_found("考评期", period_id))?;
        let status = PeriodStatus::parse(&status)
            .ok_or_else(|| StoreError::Invalid(format!("未知考评期状态“{status}”")))?;
        Ok((
            LedgerHead {
                revision,
                last_entry: last.unwrap_or(0),
            },
            status,
        ))
    }
}

impl PeriodTx {
    /// The period as locked (its row; `unit_ids` is empty, see [`PeriodTx::load`]).
    pub fn period(&self) -> &Period {
        &self.period
    }

    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// The head as of the lock: every entry committed before it, none after (this transaction's own
    /// appends are not counted).
    pub fn head(&self) -> LedgerHead {
        self.head
    }

    /// The period's parts as of the lock, its units included.
    pub async fn load(&mut self) -> Result<PeriodLoad, StoreError> {
        let mut period = self.period.clone();
        period.unit_ids = periods::unit_ids_on(self.conn(), period.id).await?;
        load_on(self.conn(), period).await
    }

    /// Entries after `after`, both sources, oldest first.
    pub async fn entries_since(&mut self, after: i64) -> Result<Vec<Entry>, StoreError> {
        let id = self.period.id;
        ledger::entries_since_on(self.conn(), id, after).await
    }

    /// What counts now, both sources, oldest first.
    pub async fn active_entries(&mut self) -> Result<Vec<Entry>, StoreError> {
        let id = self.period.id;
        ledger::active_entries_on(self.conn(), id).await
    }

    /// The entry `id` if it still counts: [`StoreError::Conflict`] ("该记录已被更正或撤回") when a later
    /// entry replaced it or it is a withdrawal, [`StoreError::NotFound`] when it does not exist or
    /// belongs to another period.
    pub async fn active_entry(&mut self, id: i64) -> Result<Entry, StoreError> {
        let entry = ledger::active_entry_on(self.conn(), id).await?;
        if entry.period_id != self.period.id {
            return Err(StoreError::not_found("记录", id));
        }
        Ok(entry)
    }

    /// The period's rubric version.
    pub async fn rubric(&mut self) -> Result<RubricVersion, StoreError> {
        let id = self.period.rubric_id;
        rubrics::rubric_on(self.conn(), id).await
    }

    /// The organisation tree (the period's units are those of `period().unit_ids`).
    pub async fn org_units(&mut self) -> Result<Vec<OrgUnit>, StoreError> {
        org::org_units_on(self.conn()).await
    }

    /// Appends an entry, checking that the period is open (or the entry is an appeal decision, which only
    /// [`PeriodTx::decide_appeal`] appends), that a replacement names an entry of the same period and
    /// source that is still active, and that corrections and withdrawals give a reason. A stale
    /// replacement is a [`StoreError::Conflict`] ("该记录已被更正或撤回"), a locked period too
    /// ("考评期已发布锁定").
    pub async fn append(&mut self, e: &NewEntry) -> Result<Entry, StoreError> {
        self.check_period(e)?;
        let status = self.period.status;
        let (entry, content) =
            ledger::append_linkable_on(&mut self.tx, status, e, Via::Direct).await?;
        self.chain
            .record_content(&mut self.tx, &canonical::ENTRY, entry.id, &content)
            .await?;
        Ok(entry)
    }

    fn check_period(&self, e: &NewEntry) -> Result<(), StoreError> {
        if e.period_id != self.period.id {
            return Err(StoreError::Invalid(format!(
                "记录属于考评期{}，不能记入考评期{}",
                e.period_id, self.period.id
            )));
        }
        Ok(())
    }

    /// Appends several entries; the first refused is returned with its position.
    pub async fn append_all(
        &mut self,
        entries: &[NewEntry],
    ) -> Result<Vec<Entry>, (usize, StoreError)> {
        let mut saved = Vec::with_capacity(entries.len());
        let mut contents = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            self.check_period(e).map_err(|err| (i, err))?;
            let status = self.period.status;
            let (entry, content) = ledger::append_linkable_on(&mut self.tx, status, e, Via::Direct)
                .await
                .map_err(|err| (i, err))?;
            contents.push((entry.id, content));
            saved.push(entry);
        }
        // Linked together, in order, after the last: a bulk import writes its links a batch at a time.
        self.chain
            .record_all(&mut self.tx, &canonical::ENTRY, &contents)
            .await
            .map_err(|err| (entries.len(), err))?;
        Ok(saved)
    }

    /// Stores an evidence file (once per content) for an entry of this transaction to cite.
    pub async fn put_evidence(
        &mut self,
        bytes: &[u8],
        mime: &str,
        filename: &str,
        user_id: i64,
    ) -> Result<Evidence, StoreError> {
        let evidence = evidence::put_on(&mut self.tx, bytes, mime, filename, user_id).await?;
        self.chain
            .record_once(&mut self.tx, &canonical::EVIDENCE, evidence.id)
            .await?;
        Ok(evidence)
    }

    /// Writes an audit record in the same transaction as the change it describes.
    pub async fn audit(
        &mut self,
        user_id: Option<i64>,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        let id = audit::audit_on(&mut self.tx, user_id, action, detail).await?;
        self.chain.record(&mut self.tx, &canonical::AUDIT, id).await
    }

    /// The latest review step of each department of the period.
    pub async fn reviews(&mut self) -> Result<Vec<Review>, StoreError> {
        let id = self.period.id;
        reviews::reviews_on(self.conn(), id).await
    }

    /// Records a review step of a department; returning needs a reason.
    pub async fn set_review(
        &mut self,
        department_id: i64,
        status: ReviewStatus,
        reason: &str,
        user_id: i64,
    ) -> Result<(), StoreError> {
        let id = self.period.id;
        let review =
            reviews::set_review_on(&mut self.tx, id, department_id, status, reason, user_id)
                .await?;
        self.chain
            .record(&mut self.tx, &canonical::REVIEW, review)
            .await
    }

    /// Publishes and locks the period with its results (revision 1 of its publication): from now on its
    /// ledger takes only appeal decisions. Publishing twice is a [`StoreError::Conflict`].
    pub async fn publish(&mut self, p: &NewPublication) -> Result<Publication, StoreError> {
        if self.period.status == PeriodStatus::Published {
            return Err(StoreError::Conflict(ledger::LOCKED.into()));
        }
        let id = self.period.id;
        periods::publish_on(&mut self.tx, id, p.by_user).await?;
        self.chain
            .record(&mut self.tx, &canonical::PERIOD, id)
            .await?;
        let publication = self.add_publication(p).await?;
        self.period.status = PeriodStatus::Published;
        self.period.revision += 1;
        Ok(publication)
    }

    /// The heading (发文单位, 文号) of the period's latest publication, for its correction.
    pub async fn latest_heading(&mut self) -> Result<crate::NoticeHeading, StoreError> {
        publications::latest_heading(&mut self.tx, self.period.id).await
    }

    /// A corrected revision of the published results (after an accepted appeal changed them).
    pub async fn amend_publication(
        &mut self,
        p: &NewPublication,
    ) -> Result<Publication, StoreError> {
        if self.period.status != PeriodStatus::Published {
            return Err(StoreError::Conflict(
                "考评期尚未发布，没有可更正的结果".into(),
            ));
        }
        self.add_publication(p).await
    }

    async fn add_publication(&mut self, p: &NewPublication) -> Result<Publication, StoreError> {
        let head = self.chain.tip(&mut self.tx).await?;
        let id = self.period.id;
        let publication = publications::insert_on(&mut self.tx, id, &head.hash, p).await?;
        self.chain
            .record(&mut self.tx, &canonical::PUBLICATION, publication.id)
            .await?;
        Ok(publication)
    }

    /// Appends a row to a unit's 记录本 (see [`crate::activity_records`]) and links it into the period's
    /// chain. Records may be kept after publication too: they feed next year's warnings, not this
    /// year's published scores.
    pub async fn append_record(
        &mut self,
        new: &activity_records::NewRecord,
    ) -> Result<activity_records::ActivityRecord, StoreError> {
        let period_id = self.period.id;
        let record = activity_records::append_on(&mut self.tx, period_id, new).await?;
        self.chain
            .record(&mut self.tx, &canonical::ACTIVITY_RECORD, record.id)
            .await?;
        Ok(record)
    }

    /// The records of this period that count now, read under the lock.
    pub async fn active_records(
        &mut self,
    ) -> Result<Vec<activity_records::ActivityRecord>, StoreError> {
        let period_id = self.period.id;
        activity_records::active_on(&mut self.tx, period_id).await
    }

    /// One row of this period's 记录本, read under the lock.
    pub async fn activity_record(
        &mut self,
        id: i64,
    ) -> Result<activity_records::ActivityRecord, StoreError> {
        let period_id = self.period.id;
        activity_records::record_on(&mut self.tx, period_id, id).await
    }

    /// Files an appeal of `unit_id` against an active assessor entry of this (published) period that
    /// names the unit or a group it belongs to. One pending appeal per unit and entry.
    pub async fn file_appeal(
        &mut self,
        entry_id: i64,
        unit_id: i64,
        reason: &str,
        user_id: i64,
    ) -> Result<i64, StoreError> {
        let period = self.period.clone();
        let id =
            appeals::file_on(&mut self.tx, &period, entry_id, unit_id, reason, user_id).await?;
        self.chain
            .record(&mut self.tx, &canonical::APPEAL, id)
            .await?;
        Ok(id)
    }

    /// One appeal of this period with its decision.
    pub async fn appeal(&mut self, appeal_id: i64) -> Result<Appeal, StoreError> {
        let appeal = appeals::appeal_on(self.conn(), appeal_id).await?;
        if appeal.period_id != self.period.id {
            return Err(StoreError::not_found("申诉", appeal_id));
        }
        Ok(appeal)
    }

    /// Decides an appeal of this period, once; see [`Store::decide_appeal`]. Returns the ledger entry an
    /// accepted appeal appended.
    pub async fn decide_appeal(
        &mut self,
        appeal_id: i64,
        accept: bool,
        reason: &str,
        user_id: i64,
        correction: Option<&NewEntry>,
    ) -> Result<Option<Entry>, StoreError> {
        let appeal = self.appeal(appeal_id).await?;
        let status = self.period.status;
        let entry = appeals::decide_on(
            &mut self.tx,
            status,
            &appeal,
            accept,
            reason,
            user_id,
            correction,
        )
        .await?;
        if let Some(entry) = &entry {
            self.chain
                .record(&mut self.tx, &canonical::ENTRY, entry.id)
                .await?;
        }
        self.chain
            .record(&mut self.tx, &canonical::APPEAL_DECISION, appeal_id)
            .await?;
        Ok(entry)
    }

    /// Requires rectification of an active assessor entry of this period (published or not: 整改
    /// follows the assessment), one requirement per entry; returns its id. Linked into the chain.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an entry of another period, [`StoreError::Conflict`] for an entry
    /// replaced or already under a requirement, [`StoreError::Invalid`] for a self-assessment.
    pub async fn require_rectification(&mut self, r: &NewRectification) -> Result<i64, StoreError> {
        let period_id = self.period.id;
        let id = rectifications::require_on(&mut self.tx, period_id, r).await?;
        self.chain
            .record(&mut self.tx, &canonical::RECTIFICATION, id)
            .await?;
        Ok(id)
    }

    /// One rectification of this period with its steps, read under the lock.
    pub async fn rectification(&mut self, id: i64) -> Result<Rectification, StoreError> {
        let r = rectifications::rectification_on(self.conn(), id).await?;
        if r.period_id != self.period.id {
            return Err(StoreError::not_found("整改", id));
        }
        Ok(r)
    }

    /// Appends a step to a rectification of this period when its state allows it (a report while none
    /// awaits a decision; an acceptance or a return on a report that does; nothing after acceptance:
    /// [`StoreError::Conflict`] otherwise); returns the step's id. Linked into the chain.
    pub async fn add_rectification_step(
        &mut self,
        rectification_id: i64,
        step: &NewStep,
    ) -> Result<i64, StoreError> {
        let r = self.rectification(rectification_id).await?;
        let id = rectifications::add_step_on(&mut self.tx, &r, step).await?;
        self.chain
            .record(&mut self.tx, &canonical::RECTIFICATION_STEP, id)
            .await?;
        Ok(id)
    }

    /// Creates a ballot campaign in this period.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the period already has a campaign of that title.
    pub async fn create_campaign(&mut self, c: &NewCampaign) -> Result<i64, StoreError> {
        ballots::create_campaign_on(&mut self.tx, c).await
    }

    /// A campaign of this period, locked against votes and other changes until commit.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the period has no such campaign.
    pub async fn campaign(&mut self, id: i64) -> Result<CampaignRow, StoreError> {
        let lock = match self.tx_backend {
            crate::Backend::Sqlite => "",
            crate::Backend::Postgres => " FOR UPDATE",
        };
        let c = ballots::campaign_on(&mut self.tx, id, lock).await?;
        if c.period_id != self.period.id {
            return Err(StoreError::NotFound(format!("评议#{id}")));
        }
        Ok(c)
    }

    /// Stores a campaign's codes (class, SHA-256 of the code) and marks them issued.
    pub async fn issue_codes(
        &mut self,
        campaign_id: i64,
        codes: &[(i64, String)],
    ) -> Result<(), StoreError> {
        ballots::issue_codes_on(&mut self.tx, campaign_id, codes).await
    }

    /// Makes a campaign's unused codes void; how many per class (to issue as many new ones).
    pub async fn void_unused_codes(
        &mut self,
        campaign_id: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        ballots::void_unused_on(&mut self.tx, campaign_id).await
    }

    /// Paper slips of one class, each taking one of the class's unused codes.
    pub async fn enter_paper(
        &mut self,
        campaign_id: i64,
        class_index: i64,
        ballots: &[StoredBallot],
    ) -> Result<(), StoreError> {
        ballots::enter_paper_on(&mut self.tx, campaign_id, class_index, ballots).await
    }

    /// Every ballot of a campaign, read under the lock.
    pub async fn ballots(&mut self, campaign_id: i64) -> Result<Vec<StoredBallot>, StoreError> {
        ballots::ballots_on(&mut self.tx, campaign_id).await
    }

    /// Issued, voted and paper codes per class, read under the lock.
    pub async fn code_counts(
        &mut self,
        campaign_id: i64,
    ) -> Result<Vec<(i64, ballots::CodeCounts)>, StoreError> {
        ballots::code_counts_on(&mut self.tx, campaign_id).await
    }

    /// Closes a campaign (it never opens again), its ballots and codes as counted linked into the period's
    /// chain.
    pub async fn close_campaign(&mut self, campaign_id: i64, by: i64) -> Result<(), StoreError> {
        ballots::close_campaign_on(&mut self.tx, campaign_id, by).await?;
        self.chain
            .record(&mut self.tx, &canonical::BALLOT_CLOSING, campaign_id)
            .await
    }

    /// Renames the period and changes its year (an open one: a published period is locked), linking it
    /// again into its chain. A name another period has is refused naming the field (`名称：…`).
    pub async fn edit(&mut self, name: &str, year: i32) -> Result<(), StoreError> {
        if self.period.status == PeriodStatus::Published {
            return Err(StoreError::Conflict(
                "已发布的考评期不能修改：通知和结果以这个名称发布".into(),
            ));
        }
        let id = self.period.id;
        periods::name_is_free_on(&mut self.tx, name, id).await?;
        sqlx::query(
            "UPDATE periods SET name = $1, name_key = $2, year = $3, revision = revision + 1 \
             WHERE id = $4",
        )
        .bind(name)
        .bind(periods::period_name_key(name))
        .bind(i64::from(year))
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        self.chain
            .record(&mut self.tx, &canonical::PERIOD, id)
            .await?;
        self.period.name = name.to_string();
        self.period.year = year;
        self.period.revision += 1;
        Ok(())
    }

    /// Deletes the period while it holds nothing (no entry, review, appeal, publication or campaign, and
    /// not published: checked here, under its lock), linking its deletion into its chain. Otherwise a
    /// [`StoreError::Conflict`] naming what it holds.
    pub async fn delete(&mut self) -> Result<(), StoreError> {
        let period = self.period.clone();
        let uses = periods::period_uses_on(&mut self.tx, &period).await?;
        if !uses.is_empty() {
            return Err(StoreError::Conflict(format!(
                "考评期“{}”已有{}，不能删除",
                period.name,
                uses.join("、")
            )));
        }
        for sql in [
            "DELETE FROM period_units WHERE period_id = $1",
            "DELETE FROM periods WHERE id = $1",
        ] {
            sqlx::query(sql)
                .bind(period.id)
                .execute(&mut *self.tx)
                .await?;
        }
        self.chain
            .record_deleted(&mut self.tx, &canonical::PERIOD, period.id)
            .await
    }

    /// Keeps everything done in the transaction (its hash-chain links written first) and releases the
    /// lock.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        self.chain.flush(&mut self.tx).await?;
        self.tx.commit().await
    }
}
