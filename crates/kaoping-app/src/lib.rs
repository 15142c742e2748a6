//! Kaoping's application layer: every use case of the server and the CLI, with its permission check,
//! between the storage (`kaoping-store`), the engine (`kaoping-core`), the file formats
//! (`kaoping-formats`, `kaoping-import`) and the adapters (web pages, JSON API, command line), which only
//! translate requests into calls here and results into responses.
//!
//! Architecture invariants:
//! - **Permission is asked here**, once per operation, through [`allowed`], for reads as for writes; no
//!   adapter decides who may see or change what.
//! - **A check and its write share one transaction**, under the period's lock ([`kaoping_store::PeriodTx`]):
//!   the period's state is read under the lock, the change is checked against it, then written.
//! - **A period is scored once per change, not per request.** Each process keeps a [`Snapshot`] per period,
//!   checks it against the ledger's head (one query) and applies only what is new.
//! - **No request reads the whole ledger.** Pages read snapshots and pages of the history; only the
//!   explicit exports stream all of it.
//! - Inputs arrive typed (exact decimals, dates, ids); one error type, [`AppError`].

mod actor;
mod admin;
mod admin_edit;
mod appeals;
mod attendance;
mod audit;
mod auth;
mod ballots;
pub mod china_time;
mod clock;
pub mod demo;
mod error;
mod evidence;
mod exports;
mod findings;
mod grid;
mod imports;
mod integrity;
mod ledger;
mod limits;
mod lists;
pub mod notify;
mod period;
mod permissions;
mod progress;
mod publication;
mod reads;
mod records;
mod rectifications;
mod review;
mod rubric_form;
mod self_check;
mod standing;

use std::sync::Arc;

use kaoping_store::Store;

pub use actor::{role_name, Actor};
pub use admin::{
    org_kind_name, AdminBoard, NewOrgUnitForm, NewPeriodForm, NewUserForm, RubricDraft,
};
pub use admin_edit::{
    problems_from, rubric_title, Checked, Deletable, Deletion, OrgEdit, PeriodEdit, UserEdit,
};
pub use appeals::{AppealBoard, AppealCorrection, AppealDecision};
pub use attendance::{
    attendance_rate, tally_words, ImportSummary, MeasureTally, ATTENDANCE_REASON, EXAM_REASON,
    RATE_DECIMALS,
};
pub use audit::{action_name, AuditAction, AuditQuery, AuditView, AUDIT_PAGE_SIZE};
pub use auth::{
    hash_password, now_ms, random_password, verify_password, PasswordChange, MIN_PASSWORD_LENGTH,
    SESSION_TTL_MS,
};
pub use ballots::{
    normalize_code, paper_slips_from_text, CampaignInput, CampaignView, CastOutcome, ClassInput,
    ClassView, GradeInput, IssuedCode, Num, PaperSlip, ScaleInput, VoteForm, CODE_ALPHABET,
    CODE_LENGTH,
};
pub use clock::{date_at, Clock};
pub use error::AppError;
pub use evidence::{evidence_type, Upload, MAX_UPLOAD_BYTES};
pub use exports::{entry_kind_name, Workbook};
pub use findings::{FindingDraft, Withdrawal};
pub use grid::{
    cell_key, cell_kind, owned_by, CellKind, Grid, GridOutcome, GridRow, GridSubmission, GridView,
};
pub use imports::{findings_text, FindingsImportError, RowProblem, RubricImport};
pub use integrity::{verify, IntegrityCheck};
pub use ledger::{
    EntryDeduction, LedgerQuery, LedgerView, OwnerChoice, LEDGER_API_LIMIT, LEDGER_PAGE_SIZE,
};
pub use lists::{problem_of, FieldProblem};
pub use period::{owner, Counted, Side, Snapshot};
pub use permissions::{allowed, Action};
pub use progress::{department_progress, score_bands, DepartmentProgress, ScoreBand};
pub use publication::{
    published_units, results_document, ChangedUnit, PublishPreview, PublishedRevision,
    PublishedUnit, ReviewState,
};
pub use reads::{Dashboard, PeriodCard, Results, Sheet};
pub use records::{
    CellState, KindGaps, KindRow, Level, Provisional, Reason, RecordBook, RecordDraft,
    RecordsBoard, UnitKinds, Warning, WarningBoard, MAX_PEOPLE, TOPIC_CHARS,
};
pub use rectifications::{
    deducts, is_overdue, may_view_any as may_see_rectifications, Overdue, RectificationBoard,
    RectificationQuery, RectificationRequest, RectificationRow, RectificationShown,
    RectificationView,
};
pub use review::{review_step_name, ReviewBoard};
pub use rubric_form::{
    bonus_key, item_key, kind_hint, rule_key, section_key, veto_key, BonusForm, ItemForm,
    RubricForm, RuleForm, SectionForm, VetoForm, FORM_CELL_CHARS, RULE_KINDS,
};
pub use self_check::{SelfCheckForm, SelfCheckOutcome, SelfCheckSubmission};
pub use standing::{PastScore, UnitStanding};

/// The application: the store and what this process keeps of each period. Cheap to clone; one per
/// process, shared by every request.
#[derive(Clone)]
pub struct App {
    store: Store,
    periods: Arc<period::PeriodCache>,
    integrity: Arc<integrity::LastCheck>,
    clock: Clock,
    notifier: notify::Notifier,
}

impl App {
    pub fn new(store: Store) -> App {
        App {
            store,
            periods: Arc::default(),
            integrity: Arc::default(),
            clock: Clock::System,
            notifier: notify::Notifier::default(),
        }
    }

    /// The same application retrying failed reminders after `backoff`'s delays (tests make them short).
    pub fn with_backoff(mut self, backoff: notify::Backoff) -> App {
        self.notifier.backoff = backoff;
        self
    }

    /// The same application reading today from `clock` (tests fix the day).
    pub fn with_clock(mut self, clock: Clock) -> App {
        self.clock = clock;
        self
    }

    /// Today in China time, by this application's clock.
    pub fn today(&self) -> kaoping_core::date::Date {
        self.clock.today()
    }

    /// The store underneath (for the process's own start-up: migrations, the first administrator).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The period as committed now, for whoever passes `gate` (asked whether the period is published),
    /// asked before the period is built or brought up to date: nobody who may not see a period makes the
    /// server score it. Callers then ask the exact permission on what they hand out.
    pub(crate) async fn snapshot(
        &self,
        period_id: i64,
        gate: impl FnOnce(bool) -> bool,
        why: &str,
    ) -> Result<Arc<Snapshot>, AppError> {
        let (head, status) = self.store.period_head(period_id).await?;
        if !gate(status == kaoping_store::PeriodStatus::Published) {
            return Err(AppError::Forbidden(why.to_string()));
        }
        self.periods.current(&self.store, period_id, head).await
    }
}
