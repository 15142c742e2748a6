//! Reminders (migration 0012): the channels a digest goes to (企业微信 and 钉钉 group robots, e-mail), the
//! one SMTP server, and the outbox — one row per (channel, message) with its attempts, kept after it is
//! sent or has failed for good.
//!
//! Several `kaoping serve` processes share the outbox: a worker claims a due row with one conditional
//! `UPDATE` (`claimed_until` unset or past) before sending it, so exactly one process sends each attempt.
//! A digest carries a `dedup_key` (unique), so queuing it again the same day changes nothing.

use sqlx::any::AnyRow;

use crate::audit::{note_on, AuditNote};
use crate::{col, now_ms, Store, StoreError};

/// Where a channel's messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// 企业微信 group robot (webhook).
    WeCom,
    /// 钉钉 group robot (webhook, optionally signed).
    DingTalk,
    /// E-mail through the SMTP server.
    Email,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 3] = [
        ChannelKind::WeCom,
        ChannelKind::DingTalk,
        ChannelKind::Email,
    ];

    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            ChannelKind::WeCom => "wecom",
            ChannelKind::DingTalk => "dingtalk",
            ChannelKind::Email => "email",
        }
    }

    /// The kind a stored key names.
    pub fn from_key(key: &str) -> Option<ChannelKind> {
        ChannelKind::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// A configured channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: i64,
    pub kind: ChannelKind,
    pub name: String,
    /// The webhook URL (robots) or the recipients, one per line (e-mail).
    pub target: String,
    /// DingTalk's signing secret; empty when unused.
    pub secret: String,
    pub enabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A channel as created or edited (checked by the application).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChannel {
    pub kind: ChannelKind,
    pub name: String,
    pub target: String,
    pub secret: String,
    pub enabled: bool,
}

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain text (a relay on the same machine or network).
    None,
    /// Plain, then STARTTLS (usually port 587).
    StartTls,
    /// TLS from the start (usually port 465).
    Tls,
}

impl SmtpSecurity {
    pub const ALL: [SmtpSecurity; 3] = [
        SmtpSecurity::None,
        SmtpSecurity::StartTls,
        SmtpSecurity::Tls,
    ];

    pub fn key(self) -> &'static str {
        match self {
            SmtpSecurity::None => "none",
            SmtpSecurity::StartTls => "starttls",
            SmtpSecurity::Tls => "tls",
        }
    }

    pub fn from_key(key: &str) -> Option<SmtpSecurity> {
        SmtpSecurity::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// The SMTP server's settings. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// Empty: no login.
    pub username: String,
    pub password: String,
    pub from_address: String,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &"***")
            .field("from_address", &self.from_address)
            .finish()
    }
}

/// A message to put in the outbox for one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub channel_id: i64,
    pub channel_kind: ChannelKind,
    pub channel_name: String,
    /// `digest` or `test`.
    pub purpose: &'static str,
    /// Unique when given: a second message with the key is not queued.
    pub dedup_key: Option<String>,
    pub subject: String,
    pub body: String,
    pub next_attempt_at: i64,
}

/// One outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: i64,
    /// None once the channel is deleted.
    pub channel_id: Option<i64>,
    /// The stored key of the channel's kind (kept as written).
    pub channel_kind: String,
    pub channel_name: String,
    pub purpose: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
    pub created_at: i64,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    /// Set when no further attempt will be made.
    pub failed_at: Option<i64>,
    pub last_error: Option<String>,
}

const CHANNEL_COLUMNS: &str = "id, kind, name, target, secret, enabled, created_at, updated_at";
const OUTBOX_COLUMNS: &str = "id, channel_id, channel_kind, channel_name, purpose, subject, body, \
     attempts, created_at, next_attempt_at, sent_at, failed_at, last_error";

fn channel_from_row(row: &AnyRow) -> Result<Channel, StoreError> {
    let kind: String = col(row, "kind")?;
    Ok(Channel {
        id: col(row, "id")?,
        kind: ChannelKind::from_key(&kind)
            .ok_or_else(|| StoreError::Invalid(format!("未知的提醒渠道类型“{kind}”")))?,
        name: col(row, "name")?,
        target: col(row, "target")?,
        secret: col(row, "secret")?,
        enabled: col::<i64>(row, "enabled")? != 0,
        created_at: col(row, "created_at")?,
        updated_at: col(row, "updated_at")?,
    })
}

fn outbox_from_row(row: &AnyRow) -> Result<OutboxMessage, StoreError> {
    Ok(OutboxMessage {
        id: col(row, "id")?,
        channel_id: col(row, "channel_id")?,
        channel_kind: col(row, "channel_kind")?,
        channel_name: col(row, "channel_name")?,
        purpose: col(row, "purpose")?,
        subject: col(row, "subject")?,
        body: col(row, "body")?,
        attempts: col(row, "attempts")?,
        created_at: col(row, "created_at")?,
        next_attempt_at: col(row, "next_attempt_at")?,
        sent_at: col(row, "sent_at")?,
        failed_at: col(row, "failed_at")?,
        last_error: col(row, "last_error")?,
    })
}

fn channel_missing(id: i64) -> StoreError {
    StoreError::NotFound(format!("提醒渠道 {id}"))
}

impl Store {
    /// Every channel, in the order they were added.
    pub async fn notify_channels(&self) -> Result<Vec<Channel>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CHANNEL_COLUMNS} FROM notify_channels ORDER BY id"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(channel_from_row).collect()
    }

    pub async fn notify_channel(&self, id: i64) -> Result<Option<Channel>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {CHANNEL_COLUMNS} FROM notify_channels WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(channel_from_row).transpose()
    }

    /// Adds a channel with its audit record, in one transaction. Returns its id.
    pub async fn create_notify_channel(
        &self,
        channel: &NewChannel,
        note: &AuditNote,
    ) -> Result<i64, StoreError> {
        let (mut tx, mut chain) = self.begin_org().await?;
        let now = now_ms();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO notify_channels (kind, name, target, secret, enabled, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(channel.kind.key())
        .bind(&channel.name)
        .bind(&channel.target)
        .bind(&channel.secret)
        .bind(i64::from(channel.enabled))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        note_on(&mut tx, &mut chain, note).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Changes a channel, with its audit record, in one transaction.
    pub async fn update_notify_channel(
        &self,
        id: i64,
        channel: &NewChannel,
        note: &AuditNote,
    ) -> Result<(), StoreError> {
        let (mut tx, mut chain) = self.begin_org().await?;
        let changed = sqlx::query(
            "UPDATE notify_channels SET kind = $1, name = $2, target = $3, secret = $4, enabled = $5, \
             updated_at = $6 WHERE id = $7",
        )
        .bind(channel.kind.key())
        .bind(&channel.name)
        .bind(&channel.target)
        .bind(&channel.secret)
        .bind(i64::from(channel.enabled))
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(channel_missing(id));
        }
        note_on(&mut tx, &mut chain, note).await?;
        tx.commit().await
    }

    /// Deletes a channel with its audit record. Its outbox rows stay (naming it by its copied name).
    pub async fn delete_notify_channel(&self, id: i64, note: &AuditNote) -> Result<(), StoreError> {
        let (mut tx, mut chain) = self.begin_org().await?;
        let deleted = sqlx::query("DELETE FROM notify_channels WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(channel_missing(id));
        }
        note_on(&mut tx, &mut chain, note).await?;
        tx.commit().await
    }

    /// The SMTP settings, if saved.
    pub async fn smtp_settings(&self) -> Result<Option<SmtpSettings>, StoreError> {
        let row = sqlx::query(
            "SELECT host, port, security, username, password, from_address FROM notify_smtp WHERE id = 1",
        )
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let security: String = col(&row, "security")?;
        let port: i64 = col(&row, "port")?;
        Ok(Some(SmtpSettings {
            host: col(&row, "host")?,
            port: u16::try_from(port)
                .map_err(|_| StoreError::Invalid(format!("SMTP端口 {port} 无效")))?,
            security: SmtpSecurity::from_key(&security)
                .ok_or_else(|| StoreError::Invalid(format!("未知的SMTP加密方式“{security}”")))?,
            username: col(&row, "username")?,
            password: col(&row, "password")?,
            from_address: col(&row, "from_address")?,
        }))
    }

    /// Saves the SMTP settings with their audit record. `password: None` keeps the stored one.
    pub async fn save_smtp_settings(
        &self,
        settings: &SmtpSettings,
        password: Option<&str>,
        note: &AuditNote,
    ) -> Result<(), StoreError> {
        let (mut tx, mut chain) = self.begin_org().await?;
        sqlx::query(
            "INSERT INTO notify_smtp (id, host, port, security, username, password, from_address, updated_at) \
             VALUES (1, $1, $2, $3, $4, COALESCE($5, ''), $6, $7) \
             ON CONFLICT (id) DO UPDATE SET host = $1, port = $2, security = $3, username = $4, \
             password = COALESCE($5, notify_smtp.password), from_address = $6, updated_at = $7",
        )
        .bind(&settings.host)
        .bind(i64::from(settings.port))
        .bind(settings.security.key())
        .bind(&settings.username)
        .bind(password)
        .bind(&settings.from_address)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        note_on(&mut tx, &mut chain, note).await?;
        tx.commit().await
    }

    /// Puts a message in the outbox. `None` when a message with its `dedup_key` is there already.
    pub async fn enqueue_message(&self, m: &NewMessage) -> Result<Option<i64>, StoreError> {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO notify_outbox (channel_id, channel_kind, channel_name, purpose, dedup_key, \
             subject, body, attempts, created_at, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9) \
             ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
        )
        .bind(m.channel_id)
        .bind(m.channel_kind.key())
        .bind(&m.channel_name)
        .bind(m.purpose)
        .bind(m.dedup_key.as_deref())
        .bind(&m.subject)
        .bind(&m.body)
        .bind(now_ms())
        .bind(m.next_attempt_at)
        .fetch_optional(self.pool())
        .await?;
        Ok(id)
    }

    /// Ids of up to `limit` messages due at `now` (not sent, not failed for good, not claimed by a
    /// process now), oldest first.
    pub async fn due_messages(&self, now: i64, limit: i64) -> Result<Vec<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM notify_outbox WHERE sent_at IS NULL AND failed_at IS NULL \
             AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until < $1) \
             ORDER BY next_attempt_at, id LIMIT $2",
        )
        .bind(now)
        .bind(limit.max(0))
        .fetch_all(self.pool())
        .await?)
    }

    /// Claims message `id` for this process until `until`, if it is still due and unclaimed at `now`:
    /// one conditional `UPDATE`, so of several processes exactly one gets it. Returns the message when
    /// claimed.
    pub async fn claim_message(
        &self,
        id: i64,
        now: i64,
        until: i64,
    ) -> Result<Option<OutboxMessage>, StoreError> {
        let claimed = sqlx::query(
            "UPDATE notify_outbox SET claimed_until = $1 WHERE id = $2 AND sent_at IS NULL \
             AND failed_at IS NULL AND next_attempt_at <= $3 \
             AND (claimed_until IS NULL OR claimed_until < $3)",
        )
        .bind(until)
        .bind(id)
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected();
        if claimed == 0 {
            return Ok(None);
        }
        self.message(id).await
    }

    /// One outbox row.
    pub async fn message(&self, id: i64) -> Result<Option<OutboxMessage>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM notify_outbox WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(outbox_from_row).transpose()
    }

    /// Records a successful attempt at `now`.
    pub async fn message_sent(&self, id: i64, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE notify_outbox SET attempts = attempts + 1, sent_at = $1, claimed_until = NULL \
             WHERE id = $2",
        )
        .bind(now)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records a failed attempt at `now` with its error: tried again at `retry_at`, or, when `None`,
    /// failed for good.
    pub async fn message_failed(
        &self,
        id: i64,
        now: i64,
        error: &str,
        retry_at: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE notify_outbox SET attempts = attempts + 1, last_error = $1, claimed_until = NULL, \
             next_attempt_at = COALESCE($2, next_attempt_at), failed_at = $3 WHERE id = $4",
        )
        .bind(error)
        .bind(retry_at)
        .bind(retry_at.is_none().then_some(now))
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The latest `limit` outbox rows, newest first.
    pub async fn recent_messages(&self, limit: i64) -> Result<Vec<OutboxMessage>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM notify_outbox ORDER BY id DESC LIMIT $1"
        ))
        .bind(limit.max(0))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(outbox_from_row).collect()
    }
}
