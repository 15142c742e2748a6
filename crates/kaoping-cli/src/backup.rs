//! `kaoping backup` and `kaoping restore` (SQLite): a consistent snapshot taken while the server runs,
//! and a restore that puts it in place only once `kaoping verify`'s checks pass on it.

use std::path::{Path, PathBuf};

use crate::database::{self, SQLITE_FILE as DB};
use crate::verify::{failed, passed};

/// A check in words, as `kaoping verify` says it (only the first problem is named here).
fn summary(check: &kaoping_app::IntegrityCheck) -> String {
    if check.report.intact() {
        passed(check)
    } else {
        failed(check, 0)
    }
}

pub fn backup(data: &Path, output: &Path) -> Result<(), String> {
    database::require_sqlite(data)?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("无法启动：{e}"))?;
    runtime.block_on(async {
        let store = database::open(data, None).await?;
        let written = store.backup_into(output).await;
        store.close().await;
        written.map_err(|e| format!("备份失败：{e}"))?;
        // The copy is checked on its own, in a folder of its own, so its checks say what the copy holds.
        let scratch = tempfile_dir(output)?;
        std::fs::copy(output, scratch.join(DB)).map_err(|e| format!("无法检查备份：{e}"))?;
        let checked = database::check(&scratch, None).await;
        let _ = std::fs::remove_dir_all(&scratch);
        let checked = checked?;
        println!("已备份到 {}。{}", output.display(), summary(&checked));
        if checked.report.intact() {
            Ok(())
        } else {
            Err(
                "备份已写出，但数据库本身的完整性校验未通过（见上），请用 kaoping verify 查看"
                    .into(),
            )
        }
    })
}

/// A fresh folder beside `file` for checking a copy of it.
fn tempfile_dir(file: &Path) -> Result<PathBuf, String> {
    let parent = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = parent.join(format!(".kaoping-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("无法创建 {}：{e}", dir.display()))?;
    Ok(dir)
}

/// The database files of `data` (the database, its write-ahead log and shared memory).
fn db_files(data: &Path) -> [PathBuf; 3] {
    [
        data.join(DB),
        data.join(format!("{DB}-wal")),
        data.join(format!("{DB}-shm")),
    ]
}

/// Moves the database files of `data` aside with `suffix`; returns the moved pairs.
fn move_aside(data: &Path, suffix: &str) -> Result<Vec<(PathBuf, PathBuf)>, String> {
    let mut moved = Vec::new();
    for file in db_files(data) {
        if file.exists() {
            let to = PathBuf::from(format!("{}.{suffix}", file.display()));
            std::fs::rename(&file, &to)
                .map_err(|e| format!("无法把 {} 改名：{e}", file.display()))?;
            moved.push((file, to));
        }
    }
    Ok(moved)
}

pub fn restore(file: &Path, data: &Path, replace: bool) -> Result<(), String> {
    let head = std::fs::read(file)
        .map(|b| b.get(..16).map(<[u8]>::to_vec).unwrap_or_default())
        .map_err(|e| format!("{}：无法读取：{e}", file.display()))?;
    if head != b"SQLite format 3\0" {
        return Err(format!(
            "{} 不是 kaoping backup 写出的 SQLite 备份文件",
            file.display()
        ));
    }
    std::fs::create_dir_all(data).map_err(|e| format!("无法创建 {}：{e}", data.display()))?;
    let stamp = kaoping_app::now_ms();
    let replaced = if data.join(DB).exists() {
        if !replace {
            return Err(format!(
                "数据目录 {} 已有数据库。请先停止所有 kaoping serve，再加 --replace（原数据库改名保留），或恢复到一个空目录",
                data.display()
            ));
        }
        move_aside(data, &format!("replaced-{stamp}"))?
    } else {
        Vec::new()
    };
    std::fs::copy(file, data.join(DB)).map_err(|e| format!("无法复制备份：{e}"))?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("无法启动：{e}"))?;
    let checked = runtime.block_on(database::check(data, None));
    match checked {
        Ok(c) if c.report.intact() => {
            println!(
                "已从 {} 恢复到 {}。{}",
                file.display(),
                data.display(),
                summary(&c)
            );
            if !replaced.is_empty() {
                println!("原数据库已改名保留：{}", replaced[0].1.display());
            }
            Ok(())
        }
        other => {
            // A backup that does not verify is not put in place: the restored copy is moved aside and
            // the database that was there comes back.
            move_aside(data, &format!("unverified-{stamp}"))?;
            for (original, moved) in &replaced {
                std::fs::rename(moved, original)
                    .map_err(|e| format!("无法还原 {}：{e}", original.display()))?;
            }
            Err(match other {
                Ok(c) => format!("恢复未完成：{}。数据目录保持原样。", summary(&c)),
                Err(e) => format!("恢复未完成：{e}。数据目录保持原样。"),
            })
        }
    }
}
