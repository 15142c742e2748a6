//! The server's database as the commands that work on it find it (import-findings, verify, backup,
//! restore): a data folder holding SQLite's `kaoping.db`, or a PostgreSQL address.

use std::path::Path;

use kaoping_store::Store;

/// The database file in a data folder.
pub const SQLITE_FILE: &str = "kaoping.db";

/// Refuses a data folder without a database: opening one would create an empty database, and the
/// command would then fail on something else (an unknown user, nothing to check).
pub fn require(data: &Path, url: Option<&str>) -> Result<(), String> {
    if url.is_none() {
        require_sqlite(data).map_err(|e| format!("{e}，或用 --database-url 指定 PostgreSQL"))?;
    }
    Ok(())
}

/// [`require`] for the commands that work on SQLite's file only (backup).
pub fn require_sqlite(data: &Path) -> Result<(), String> {
    if !data.join(SQLITE_FILE).is_file() {
        return Err(format!(
            "数据目录 {} 里没有考评数据库（kaoping.db）：请用 --data 指定 kaoping serve 使用的数据目录",
            data.display()
        ));
    }
    Ok(())
}

/// Opens the database (running migrations, as `kaoping serve` does).
pub async fn open(data: &Path, url: Option<&str>) -> Result<Store, String> {
    match url {
        Some(url) => Store::connect(url).await,
        None => Store::open_sqlite(data).await,
    }
    .map_err(|e| format!("无法打开数据库：{e}"))
}

/// Runs the integrity check on the database and closes it.
pub async fn check(data: &Path, url: Option<&str>) -> Result<kaoping_app::IntegrityCheck, String> {
    let store = open(data, url).await?;
    let check = kaoping_app::verify(&store)
        .await
        .map_err(|e| format!("校验无法完成：{}", e.user_message()));
    store.close().await;
    check
}
