//! Files in: a findings file (CSV or .xlsx) into a period's ledger, all rows or none, every bad row
//! listed; and a rubric table (Word, Excel, CSV) read into a rubric to review before it is saved.

use kaoping_core::finding::Resolver;
use kaoping_core::score::Scorer;
use kaoping_formats::rubric_toml::RubricFileError;
use kaoping_store::{NewEntry, Source};

use crate::actor::Actor;
use crate::audit::AuditAction;
use crate::error::AppError;
use crate::findings::LOCKED;
use crate::period::owner;
use crate::permissions::Action;
use crate::rubric_form::RubricForm;
use crate::App;
use kaoping_store::RubricVersion;

/// Every problem of a rubric file, located by line and column.
pub fn rubric_problems(e: &RubricFileError) -> Vec<String> {
    match e {
        RubricFileError::Unreadable { reason, .. } => vec![format!("无法读取：{reason}")],
        RubricFileError::Invalid(problems) => problems
            .iter()
            .map(|p| {
                let mut s = format!("第{}行第{}列：{}", p.at.line, p.at.column, p.message);
                if let Some(h) = &p.hint {
                    s.push_str(&format!("（提示：{h}）"));
                }
                s
            })
            .collect(),
    }
}

/// The findings text of an uploaded file: CSV as it is (UTF-8), a workbook's first sheet as CSV.
///
/// # Errors
/// [`AppError::Invalid`] for a file that is neither, naming it.
pub fn findings_text(filename: &str, bytes: &[u8]) -> Result<String, AppError> {
    let lower = filename.to_lowercase();
    // Another kind of file (a Word table, an old .xls, a PDF) would otherwise be read as CSV and
    // refused for its "header".
    let named_text = [".csv", ".txt", ".tsv"]
        .iter()
        .any(|ext| lower.ends_with(ext));
    if !lower.ends_with(".xlsx")
        && (!named_text && lower.contains('.') || bytes.starts_with(b"PK\x03\x04"))
    {
        return Err(AppError::Invalid(format!(
            "{filename}：只能导入CSV（.csv）或Excel（.xlsx）文件；.xls请在Excel中另存为.xlsx"
        )));
    }
    if lower.ends_with(".xlsx") {
        kaoping_import::findings_csv_from_xlsx(filename, bytes)
            .map_err(|e| AppError::Invalid(e.to_string()))
    } else {
        String::from_utf8(bytes.to_vec()).map_err(|_| {
            AppError::Invalid(format!(
                "{filename}: 不是UTF-8编码，请在Excel中另存为“CSV UTF-8”，或直接上传.xlsx"
            ))
        })
    }
}

/// Why a findings import stored nothing.
#[derive(Debug)]
pub enum FindingsImportError {
    /// The file's problems, each at its line; `more` counts rows left out of a long list.
    Rows {
        file: String,
        problems: Vec<RowProblem>,
        more: usize,
    },
    Other(AppError),
}

/// One problem of an imported file: the line it is on (none when the file as a whole is unreadable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub line: Option<u64>,
    pub message: String,
}

impl FindingsImportError {
    fn from_file(e: kaoping_formats::FindingsError) -> Self {
        use kaoping_formats::FindingsError as E;
        let (file, problems, more) = match e {
            E::Unreadable { file, reason } => (
                file,
                vec![RowProblem {
                    line: None,
                    message: format!("无法读取：{reason}"),
                }],
                0,
            ),
            E::Header { file, message } => (
                file,
                vec![RowProblem {
                    line: Some(1),
                    message,
                }],
                0,
            ),
            E::Rows { file, errors, more } => (
                file,
                errors
                    .into_iter()
                    .map(|e| RowProblem {
                        line: Some(e.line),
                        message: e.message,
                    })
                    .collect(),
                more,
            ),
        };
        FindingsImportError::Rows {
            file,
            problems,
            more,
        }
    }
}

/// `file:line: message`, one per line, as compilers and the CLI say it.
impl std::fmt::Display for FindingsImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FindingsImportError::Rows {
                file,
                problems,
                more,
            } => {
                for (i, p) in problems.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    match p.line {
                        Some(line) => write!(f, "{file}:{line}: {}", p.message)?,
                        None => write!(f, "{file}: {}", p.message)?,
                    }
                }
                if *more > 0 {
                    write!(f, "\n……另有{more}行有错误")?;
                }
                Ok(())
            }
            FindingsImportError::Other(e) => write!(f, "{}", e.user_message()),
        }
    }
}

impl From<AppError> for FindingsImportError {
    fn from(e: AppError) -> Self {
        FindingsImportError::Other(e)
    }
}

impl From<kaoping_store::StoreError> for FindingsImportError {
    fn from(e: kaoping_store::StoreError) -> Self {
        FindingsImportError::Other(e.into())
    }
}

/// A rubric table read into a rubric, for review before saving.
pub struct RubricImport {
    pub imported: kaoping_import::Imported,
    /// The review form: a row per rule, problems already said in the table's terms.
    pub form: RubricForm,
    /// The rubric as text, for the advanced editor.
    pub text: String,
    /// What must change in the text before it can be saved, by line and column.
    pub problems: Option<String>,
}

impl App {
    /// Imports a findings file into a period's ledger: under the period's lock, every row is checked
    /// against the rubric, the period's units and the entries already active (a second discretionary
    /// entry is an error), then all are appended in the same transaction, or none. `progress` is called
    /// with each row read.
    ///
    /// # Errors
    /// Rows with problems (all listed), a locked period, or the database.
    pub async fn import_findings(
        &self,
        actor: &Actor,
        period_id: i64,
        file: &str,
        text: &str,
        mut progress: impl FnMut(u64),
    ) -> Result<usize, FindingsImportError> {
        actor.require(Action::Administer, "只有管理员可以批量导入考核发现")?;
        let departments = self.store.departments().await?;
        let (mut tx, snapshot) = self.begin(period_id).await?;
        if snapshot.published() {
            return Err(AppError::Conflict(LOCKED.into()).into());
        }
        // The rows are checked against every active entry at once (one tally), as the CLI checks a
        // file. Stored entries get origins apart from the file's line numbers, so a conflict names the
        // right one.
        const STORED: u64 = 1 << 40;
        let rubric = &*snapshot.rubric;
        let units = &*snapshot.units;
        let resolver = Resolver::new(rubric, false);
        let mut scorer = Scorer::new(rubric);
        let mut stored: Vec<_> = snapshot.assessor.counted().collect();
        stored.sort_by_key(|c| c.entry.id);
        for c in stored {
            let mut f = c.finding.clone();
            f.origin = STORED + c.entry.id as u64;
            let _ = scorer.add(units, f);
        }
        let mut entries = Vec::new();
        let mut lines = Vec::new();
        let read = kaoping_formats::read_findings(file, text.as_bytes(), |input, line| {
            progress(line);
            let finding = resolver
                .resolve_known(units, input, line)
                .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>())?;
            scorer.add(units, finding).map_err(|e| {
                vec![e.message_with(|origin| match origin.checked_sub(STORED) {
                    Some(id) => format!("已有记录#{id}"),
                    None => format!("见第{origin}行"),
                })]
            })?;
            let owner = owner(rubric, input.code);
            entries.push(NewEntry {
                department_id: owner
                    .and_then(|o| departments.iter().find(|d| d.answers_to(o)).map(|d| d.id)),
                source: Source::Assessor,
                ..NewEntry::record(period_id, input, actor.id())
            });
            lines.push(line);
            Ok(())
        });
        if let Err(e) = read {
            return Err(FindingsImportError::from_file(e));
        }
        let n = entries.len();
        let saved = tx
            .append_all(&entries)
            .await
            .map_err(|(i, e)| FindingsImportError::Rows {
                file: file.to_string(),
                problems: vec![RowProblem {
                    line: lines.get(i).copied(),
                    message: AppError::from(e).user_message(),
                }],
                more: 0,
            })?;
        tx.audit(
            Some(actor.id()),
            AuditAction::Import.key(),
            &format!("从{file}导入{n}条考核发现到“{}”", snapshot.period.name),
        )
        .await?;
        self.commit(tx, &snapshot, &saved).await?;
        Ok(n)
    }

    /// The actor a command-line import records as: an existing, active user.
    pub async fn actor_named(&self, username: &str) -> Result<Actor, AppError> {
        let user = self
            .store
            .user_by_username(username)
            .await?
            .filter(|u| u.active)
            .ok_or_else(|| AppError::NotFound(format!("用户“{username}”")))?;
        self.actor(user).await
    }

    /// Reads a rubric table (Word .docx, Excel .xlsx, CSV) into a rubric to review.
    ///
    /// # Errors
    /// [`AppError::Invalid`] for a file that is not a rubric table, saying why.
    pub async fn import_rubric(
        &self,
        actor: &Actor,
        filename: &str,
        bytes: &[u8],
        name: &str,
    ) -> Result<RubricImport, AppError> {
        actor.require(Action::Administer, "只有管理员可以导入考评细则")?;
        if name.trim().is_empty() {
            return Err(AppError::Invalid("名称：请填写考评细则名称".into()));
        }
        let imported = kaoping_import::import_file(filename, bytes, name.trim())
            .map_err(|e| AppError::Invalid(e.to_string()))?;
        let text = kaoping_formats::write_rubric(&imported.spec);
        let problems = kaoping_formats::parse_rubric("导入结果", &text)
            .err()
            .map(|e| e.to_string());
        let form = RubricForm::of_import(name.trim(), &imported);
        Ok(RubricImport {
            imported,
            form,
            text,
            problems,
        })
    }

    /// Saves the review form as a new version of its name, exactly as the TOML editor saves (the same
    /// permission, checks and audit record), once every field reads, every row to confirm is ticked
    /// and the rubric is valid; else the form comes back with each problem beside its field.
    ///
    /// # Errors
    /// Not an administrator, or the database.
    pub async fn save_rubric_form(
        &self,
        actor: &Actor,
        mut form: RubricForm,
    ) -> Result<Result<RubricVersion, RubricForm>, AppError> {
        self.may_import(actor)?;
        let Some(spec) = form.check(true) else {
            return Ok(Err(form));
        };
        let toml = kaoping_formats::write_rubric(&spec);
        match self
            .save_rubric(actor, &form.name, &toml, AuditAction::RubricImport)
            .await?
        {
            Ok(version) => Ok(Ok(version)),
            Err(draft) => {
                form.problems.extend(draft.problems);
                Ok(Err(form))
            }
        }
    }

    /// The import page itself: only for the administrator.
    pub fn may_import(&self, actor: &Actor) -> Result<(), AppError> {
        actor.require(Action::Administer, "只有管理员可以导入考评细则")
    }

    /// The findings import page of a period: only for the administrator.
    pub async fn findings_import_form(
        &self,
        actor: &Actor,
        period_id: i64,
    ) -> Result<kaoping_store::Period, AppError> {
        actor.require(Action::Administer, "只有管理员可以批量导入考核发现")?;
        Ok(self.store.period(period_id).await?)
    }
}
