//! `kaoping import-attendance`: the attendance machine's monthly export, or with `--exams` the exam
//! score sheet, into a period of the server's database through kaoping-app, all rows or none, with a
//! progress bar on standard error and a summary per measure.

use std::path::Path;

use kaoping_app::{FindingsImportError, ImportSummary};
use kaoping_formats::attendance::Month;

/// What the command was asked.
pub struct AttendanceArgs<'a> {
    pub file: &'a Path,
    pub period: i64,
    pub exams: bool,
    pub month: Option<&'a str>,
    pub user: &'a str,
    pub data: &'a Path,
    pub url: Option<&'a str>,
}

/// The summary printed after an import.
fn summary(s: &ImportSummary, exams: bool) -> String {
    let mut out = format!(
        "已读取{}行{}：{}",
        s.rows,
        if exams { "考试成绩" } else { "考勤" },
        s.periods.join("、")
    );
    if !s.replaced.is_empty() {
        out.push_str(&format!("（替换此前导入的{}）", s.replaced.join("、")));
    }
    for t in &s.measures {
        out.push_str(&format!(
            "\n{} {}：记录{}条，更正{}条，撤回{}条，未变{}条",
            t.code,
            t.measure.label(),
            t.recorded,
            t.corrected,
            t.withdrawn,
            t.unchanged
        ));
    }
    out
}

/// Imports the file; every bad row is listed and nothing written on any error.
pub fn import_attendance(args: &AttendanceArgs<'_>) -> Result<(), String> {
    let name = args.file.display().to_string();
    let month = args
        .month
        .map(|m| m.parse::<Month>().map_err(|e| format!("--month：{e}")))
        .transpose()?;
    if args.exams && month.is_some() {
        return Err("--month 只用于考勤表，考试成绩表按“季度”列导入".into());
    }
    crate::database::require(args.data, args.url)?;
    let bytes = std::fs::read(args.file).map_err(|e| format!("{name}: 无法读取：{e}"))?;
    // A CSV file's lines are its rows (about); a workbook's rows are known only once it is read.
    let bar = if name.to_lowercase().ends_with(".xlsx") {
        indicatif::ProgressBar::new_spinner()
    } else {
        let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        let bar = indicatif::ProgressBar::new(lines.max(1));
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} 检查 {pos}/{len} 行 [{bar:30}] {percent}%",
            )
            .map_err(|e| e.to_string())?
            .progress_chars("=> "),
        );
        bar
    };
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("无法启动：{e}"))?;
    runtime.block_on(async {
        let store = crate::database::open(args.data, args.url).await?;
        let app = kaoping_app::App::new(store);
        let actor = app
            .actor_named(args.user)
            .await
            .map_err(|e| e.user_message())?;
        let progress = |line: u64| bar.set_position(line);
        let result = if args.exams {
            app.import_exams(&actor, args.period, &name, &bytes, progress)
                .await
        } else {
            app.import_attendance(&actor, args.period, &name, &bytes, month, progress)
                .await
        };
        bar.finish_and_clear();
        match result {
            Ok(s) => {
                println!("{}", summary(&s, args.exams));
                Ok(())
            }
            Err(rows @ FindingsImportError::Rows { .. }) => Err(format!("{rows}\n未导入任何记录")),
            Err(FindingsImportError::Other(e)) => Err(e.user_message()),
        }
    })
}
