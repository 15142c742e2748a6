//! Setting up an empty database (the first administrator, the demo) once, however many processes start
//! together: a row in `setup_lock` is held while one of them does it; the others wait, then find the
//! database set up.

use std::time::Duration;

use crate::{now_ms, Store, StoreError};

/// A lock older than this was left by a process that died while setting up; it is taken over.
const STALE_MS: i64 = 10 * 60 * 1000;
/// How long a process waits for another's setup before giving up.
const WAIT: Duration = Duration::from_secs(120);

/// Held while setting up; [`SetupLock::release`] lets the next process in.
#[must_use = "release the lock when the setup is done"]
pub struct SetupLock {
    store: Store,
    taken_at: i64,
}

impl Store {
    /// Waits for and takes the setup lock.
    ///
    /// # Errors
    /// Another process held it for longer than two minutes, or the database failed.
    pub async fn take_setup_lock(&self) -> Result<SetupLock, StoreError> {
        let started = std::time::Instant::now();
        loop {
            let now = now_ms();
            let taken = sqlx::query("INSERT INTO setup_lock (id, taken_at) VALUES (1, $1)")
                .bind(now)
                .execute(self.pool())
                .await;
            match taken.map_err(StoreError::from) {
                Ok(_) => {
                    return Ok(SetupLock {
                        store: self.clone(),
                        taken_at: now,
                    })
                }
                Err(StoreError::Conflict(_)) => {
                    sqlx::query("DELETE FROM setup_lock WHERE id = 1 AND taken_at < $1")
                        .bind(now - STALE_MS)
                        .execute(self.pool())
                        .await?;
                }
                Err(e) => return Err(e),
            }
            if started.elapsed() > WAIT {
                return Err(StoreError::Conflict(
                    "另一个进程正在初始化数据库，两分钟后仍未完成".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl SetupLock {
    /// Lets the next process in.
    pub async fn release(self) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM setup_lock WHERE id = 1 AND taken_at = $1")
            .bind(self.taken_at)
            .execute(self.store.pool())
            .await?;
        Ok(())
    }
}
