//! `kaoping import-rubric` and `kaoping export`: the Word and Excel files people pass around.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::Subcommand;
use kaoping_core::units::Units;
use kaoping_formats::{read_rubric_file, read_units, score_findings_bytes};

use crate::input::{open, read_all};

/// The scored inputs an export needs.
#[derive(clap::Args)]
pub struct Scored {
    #[arg(long)]
    rubric: PathBuf,
    #[arg(long)]
    findings: PathBuf,
    #[arg(long)]
    units: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum Export {
    /// The rubric in its original table layout (imports back to the same rubric).
    Rubric {
        rubric: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// The summary and ranking (汇总表).
    Summary {
        #[command(flatten)]
        scored: Scored,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// One unit's score sheet (考评表).
    Sheet {
        #[command(flatten)]
        scored: Scored,
        /// The unit's code.
        #[arg(long)]
        unit: String,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// The findings as a ledger table.
    Findings {
        #[command(flatten)]
        scored: Scored,
        #[arg(short, long)]
        output: PathBuf,
    },
}

/// Scores files with traces, for exports.
fn scored(
    s: &Scored,
) -> Result<
    (
        kaoping_core::rubric::Rubric,
        Units,
        Vec<kaoping_core::score::UnitResult>,
    ),
    String,
> {
    let rubric = read_rubric_file(&s.rubric).map_err(|e| e.to_string())?;
    let mut units = match &s.units {
        Some(path) => {
            read_units(&path.display().to_string(), open(path)?).map_err(|e| e.to_string())?
        }
        None => Units::new(),
    };
    let bytes = read_all(&s.findings)?;
    let name = s.findings.display().to_string();
    let results = score_findings_bytes(
        &rubric,
        &mut units,
        s.units.is_none(),
        &name,
        &bytes,
        kaoping_core::score::Detail::Trace,
        1,
    )
    .map_err(|e| e.to_string())?;
    Ok((rubric, units, results))
}

fn write_xlsx(
    output: &Path,
    bytes: Result<Vec<u8>, kaoping_formats::xlsx::XlsxError>,
) -> Result<(), String> {
    let bytes = bytes.map_err(|e| format!("无法生成Excel文件：{e}"))?;
    std::fs::write(output, bytes).map_err(|e| format!("{}: 无法写入：{e}", output.display()))?;
    println!("已导出 {}", output.display());
    Ok(())
}

pub fn export(what: Export) -> Result<(), String> {
    use kaoping_formats::xlsx;
    match what {
        Export::Rubric { rubric, output } => {
            let rubric = read_rubric_file(&rubric).map_err(|e| e.to_string())?;
            write_xlsx(&output, xlsx::rubric_xlsx(&rubric))
        }
        Export::Summary { scored: s, output } => {
            let (rubric, units, results) = scored(&s)?;
            write_xlsx(
                &output,
                xlsx::summary_xlsx(
                    &format!("{} 汇总表", rubric.title()),
                    &rubric,
                    &units,
                    &results,
                ),
            )
        }
        Export::Sheet {
            scored: s,
            unit,
            output,
        } => {
            let (rubric, units, results) = scored(&s)?;
            let result = results
                .iter()
                .find(|r| units.unit(r.unit).code == unit)
                .ok_or_else(|| format!("单位“{unit}”不在名单中"))?;
            let describe = |f: &kaoping_core::finding::Finding| {
                if f.note.is_empty() {
                    format!("第{}行", f.origin)
                } else {
                    format!("第{}行 {}", f.origin, f.note)
                }
            };
            write_xlsx(
                &output,
                xlsx::sheet_xlsx(
                    &format!("{} 考评表", rubric.title()),
                    &rubric,
                    &units,
                    result,
                    &describe,
                ),
            )
        }
        Export::Findings { scored: s, output } => {
            let (rubric, _, _) = scored(&s)?;
            let mut rows = Vec::new();
            let name = s.findings.display().to_string();
            kaoping_formats::read_findings(&name, open(&s.findings)?, |input, line| {
                rows.push(xlsx::LedgerRow {
                    id: line.to_string(),
                    kind: "记录".into(),
                    unit: input.unit.to_string(),
                    code: input.code.to_string(),
                    round: input.round.to_string(),
                    count: input.count,
                    level: input.level.unwrap_or("").to_string(),
                    points: input.value,
                    note: input.note.to_string(),
                    recorded_by: String::new(),
                    recorded_at: String::new(),
                    reason: String::new(),
                    active: true,
                });
                Ok(())
            })
            .map_err(|e| e.to_string())?;
            write_xlsx(
                &output,
                xlsx::ledger_xlsx(&format!("{} 考核记录", rubric.title()), &rows),
            )
        }
    }
}

/// Imports a rubric table, writes the rubric file, and says what was found and what to confirm.
pub fn import_rubric(file: &Path, output: &Path, title: Option<&str>) -> Result<(), String> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|e| format!("{name}: 无法读取：{e}"))?;
    let stem = file
        .file_stem()
        .map_or_else(|| "考评细则".into(), |s| s.to_string_lossy().into_owned());
    let imported = kaoping_import::import_file(&name, &bytes, title.unwrap_or(&stem))
        .map_err(|e| e.to_string())?;
    let text = kaoping_formats::write_rubric(&imported.spec);
    let mut out = io::stdout().lock();
    let mut say = |line: String| writeln!(out, "{line}").map_err(|e| format!("输出失败：{e}"));
    // Each row: what was read (beside its phrase), what to confirm, what was not understood.
    let (mut read, mut to_confirm, mut unread) = (0, 0, 0);
    for item in &imported.items {
        say(format!(
            "第{}行 {} {}：{}条规则",
            item.row, item.section, item.content, item.rules
        ))?;
        for r in &item.read {
            say(format!("    读作：{} ←“{}”", r.meaning, r.phrase))?;
        }
        read += item.read.len();
        for c in item.confirm.iter().filter(|c| !c.not_understood()) {
            say(format!("    待确认：“{}”——{}", c.phrase, c.reason))?;
            to_confirm += 1;
        }
        for c in item.confirm.iter().filter(|c| c.not_understood()) {
            say(format!("    未读懂：“{}”——{}", c.phrase, c.reason))?;
            unread += 1;
        }
    }
    std::fs::write(output, &text).map_err(|e| format!("{}: 无法写入：{e}", output.display()))?;
    say(format!(
        "已写入 {}：读出{read}条规则，{to_confirm}项待确认，{unread}处未读懂",
        output.display()
    ))?;
    // The written file must read back; if not, say where, so the author can fix it.
    kaoping_formats::parse_rubric(&output.display().to_string(), &text)
        .map(|_| ())
        .map_err(|e| format!("导入的考评细则还需修改：\n{e}"))
}
