//! `kaoping verify`: recomputes every hash chain, compares every record with its link, hashes every
//! evidence file again and re-scores every publication; exits 0 when all is intact, 1 naming the first
//! broken record otherwise.

use std::path::Path;

/// How many problems are listed after the first (the rest are counted).
const LISTED: usize = 20;

pub fn verify(data: &Path, url: Option<&str>) -> Result<(), String> {
    if url.is_none() && !data.join("kaoping.db").is_file() {
        return Err(format!(
            "数据目录 {} 里没有考评数据库（kaoping.db）：请用 --data 指定 kaoping serve 使用的数据目录，或用 --database-url 指定 PostgreSQL",
            data.display()
        ));
    }
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("无法启动：{e}"))?;
    runtime.block_on(async {
        let store = match url {
            Some(url) => kaoping_store::Store::connect(url).await,
            None => kaoping_store::Store::open_sqlite(data).await,
        }
        .map_err(|e| format!("无法打开数据库：{e}"))?;
        let check = kaoping_app::verify(&store)
            .await
            .map_err(|e| format!("校验无法完成：{}", e.user_message()));
        store.close().await;
        let check = check?;
        let report = &check.report;
        let heads: Vec<String> = report
            .heads
            .iter()
            .map(|h| format!("  {} 第 {} 环 {}", h.chain, h.seq, h.hash))
            .collect();
        if report.intact() {
            println!(
                "校验通过：{} 条记录与哈希链一致，{} 份发布结果重新计分后摘要一致。",
                report.records, check.publications
            );
            println!("各哈希链的链头（请另行记下，日后可据此发现链尾被截断）：");
            println!("{}", heads.join("\n"));
            return Ok(());
        }
        let mut out = format!(
            "校验失败：发现 {} 处问题。\n第一处：{}\n",
            report.problems.len(),
            report.problems[0]
        );
        for p in report.problems.iter().skip(1).take(LISTED) {
            out.push_str(&format!("  {p}\n"));
        }
        if report.problems.len() > LISTED + 1 {
            out.push_str(&format!(
                "  ……另有 {} 处未列出\n",
                report.problems.len() - LISTED - 1
            ));
        }
        Err(out.trim_end().to_string())
    })
}
