//! Files out: the Excel workbooks people pass on (the summary, a unit's score sheet, the ledger, the
//! rubric), for whoever may see what they hold.

use kaoping_core::score::UnitResult;
use kaoping_formats::xlsx::{self, LedgerRow};
use kaoping_store::{EntryKind, Source};

use crate::actor::Actor;
use crate::china_time::date_of;
use crate::error::AppError;
use crate::permissions::Action;
use crate::App;

/// A workbook to download: its file name and bytes.
pub struct Workbook {
    pub filename: String,
    pub bytes: Vec<u8>,
}

fn workbook(
    filename: String,
    bytes: Result<Vec<u8>, xlsx::XlsxError>,
) -> Result<Workbook, AppError> {
    let bytes = bytes.map_err(|e| AppError::Internal(format!("无法生成Excel文件：{e}")))?;
    Ok(Workbook { filename, bytes })
}

/// An entry kind as the ledger names it.
pub fn entry_kind_name(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Record => "记录",
        EntryKind::Correct => "更正",
        EntryKind::Withdraw => "撤回",
        EntryKind::AppealDecision => "申诉改判",
    }
}

impl App {
    /// 汇总表 as a workbook.
    pub async fn summary_xlsx(&self, actor: &Actor, period_id: i64) -> Result<Workbook, AppError> {
        let snapshot = self
            .snapshot(
                period_id,
                |published| actor.may(Action::ViewSummary { published }),
                "无权下载汇总表",
            )
            .await?;
        let title = format!("{} 汇总表", snapshot.period.name);
        let results: Vec<UnitResult> = snapshot.results().iter().map(|r| (**r).clone()).collect();
        workbook(
            format!("{title}.xlsx"),
            xlsx::summary_xlsx(&title, &snapshot.rubric, &snapshot.units, &results),
        )
    }

    /// 考评表 of one unit as a workbook, each finding named by its ledger entry.
    pub async fn sheet_xlsx(
        &self,
        actor: &Actor,
        period_id: i64,
        code: &str,
    ) -> Result<Workbook, AppError> {
        let sheet = self
            .sheet(actor, period_id, code)
            .await
            .map_err(|e| match e {
                AppError::Forbidden(_) => AppError::Forbidden("无权下载该考评表".into()),
                other => other,
            })?;
        let describe = |f: &kaoping_core::finding::Finding| match sheet.entry(f.origin as i64) {
            Some(e) if !e.note.is_empty() => format!("记录#{} {}", e.id, e.note),
            _ => format!("记录#{}", f.origin),
        };
        let snapshot = &sheet.snapshot;
        let title = format!("{} 考评表", snapshot.period.name);
        let name = format!("{} {}.xlsx", title, snapshot.units.unit(sheet.unit).name);
        workbook(
            name,
            xlsx::sheet_xlsx(
                &title,
                &snapshot.rubric,
                &snapshot.units,
                &sheet.result,
                &describe,
            ),
        )
    }

    /// 考核记录 as a workbook: the whole history.
    pub async fn ledger_xlsx(&self, actor: &Actor, period_id: i64) -> Result<Workbook, AppError> {
        let (snapshot, entries, users) =
            self.ledger_export(actor, period_id)
                .await
                .map_err(|e| match e {
                    AppError::Forbidden(_) => AppError::Forbidden("无权下载考核记录".into()),
                    other => other,
                })?;
        let rows: Vec<LedgerRow> = entries
            .iter()
            .map(|(e, counts)| LedgerRow {
                id: e.id.to_string(),
                kind: entry_kind_name(e.kind).to_string()
                    + if e.source == Source::SelfCheck {
                        "（自查）"
                    } else {
                        ""
                    },
                unit: e.unit_code.clone(),
                code: e.code.clone(),
                round: e.round.clone(),
                count: e.count,
                level: e.level.clone().unwrap_or_default(),
                points: e.points,
                note: e.note.clone(),
                recorded_by: users
                    .iter()
                    .find(|u| u.id == e.recorded_by)
                    .map_or_else(String::new, |u| u.display_name.clone()),
                recorded_at: date_of(e.recorded_at),
                reason: e.reason.clone(),
                active: *counts,
            })
            .collect();
        let title = format!("{} 考核记录", snapshot.period.name);
        workbook(format!("{title}.xlsx"), xlsx::ledger_xlsx(&title, &rows))
    }

    /// A rubric version in its original table layout (imports back to the same rubric).
    pub async fn rubric_xlsx(&self, actor: &Actor, rubric_id: i64) -> Result<Workbook, AppError> {
        let (_, rubric) = self.rubric_version(actor, rubric_id).await?;
        workbook(
            format!("{}.xlsx", rubric.title()),
            xlsx::rubric_xlsx(&rubric),
        )
    }
}
