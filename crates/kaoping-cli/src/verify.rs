//! `kaoping verify`: recomputes every hash chain, compares every record with its link, hashes every
//! evidence file again and re-scores every publication; exits 0 when all is intact, 1 naming the first
//! broken record otherwise. The wording of a check is shared with `kaoping backup` and `restore`.

use std::path::Path;

use kaoping_app::IntegrityCheck;

use crate::database;

/// How many problems `kaoping verify` lists after the first (the rest are counted).
const LISTED: usize = 20;

pub fn verify(data: &Path, url: Option<&str>) -> Result<(), String> {
    database::require(data, url)?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("无法启动：{e}"))?;
    let check = runtime.block_on(database::check(data, url))?;
    if check.report.intact() {
        println!("{}", passed(&check));
        Ok(())
    } else {
        Err(failed(&check, LISTED))
    }
}

/// An intact check in words, with the chain heads to keep.
pub fn passed(check: &IntegrityCheck) -> String {
    let report = &check.report;
    let heads: Vec<String> = report
        .heads
        .iter()
        .map(|h| format!("  {} 第 {} 环 {}", h.chain, h.seq, h.hash))
        .collect();
    format!(
        "校验通过：{} 条记录与哈希链一致，{} 份发布结果重新计分后摘要一致。\n各哈希链的链头（请另行记下，日后可据此发现链尾被截断）：\n{}",
        report.records,
        check.publications,
        heads.join("\n")
    )
}

/// A failed check in words: the first problem, then up to `listed` more.
pub fn failed(check: &IntegrityCheck, listed: usize) -> String {
    let problems = &check.report.problems;
    let mut out = format!("校验失败：发现 {} 处问题。", problems.len());
    if let Some(first) = problems.first() {
        out.push_str(&format!("\n第一处：{first}"));
    }
    for p in problems.iter().skip(1).take(listed) {
        out.push_str(&format!("\n  {p}"));
    }
    if problems.len() > listed + 1 {
        out.push_str(&format!(
            "\n  ……另有 {} 处未列出",
            problems.len() - listed - 1
        ));
    }
    out
}
