//! The outbox: a digest queued once per day per enabled channel, due messages sent by whichever process
//! claims them, failures retried with growing delays and then marked failed — every failure logged
//! (`tracing::warn!`) and kept in the row's `last_error`, no row ever deleted. A test message is sent at
//! once and recorded the same way, without retries (its outcome is shown to the administrator).

use kaoping_core::date::Date;
use kaoping_store::{Channel, NewMessage, OutboxMessage};

use super::channels::ADMIN_ONLY;
use super::digest::Digest;
use super::send::send;
use crate::actor::Actor;
use crate::error::AppError;
use crate::permissions::Action;
use crate::App;

/// How long a process holds a claimed message before another may take it (an attempt takes at most
/// 20 seconds; a process that died mid-send leaves its claim to lapse).
const CLAIM_MS: i64 = 5 * 60 * 1000;
/// Messages one [`App::deliver_due`] call sends at most.
const BATCH: i64 = 50;
/// Outbox rows the page shows.
pub const RECENT_MESSAGES: i64 = 50;

/// When failed attempts are tried again: `delays_ms[i]` after the (i+1)-th failure; after
/// `delays_ms.len() + 1` attempts a message has failed for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    delays_ms: Vec<i64>,
}

impl Backoff {
    /// The delays between attempts (at least one attempt is always made; negative delays count as 0).
    pub fn new(delays_ms: Vec<i64>) -> Backoff {
        Backoff {
            delays_ms: delays_ms.into_iter().map(|d| d.max(0)).collect(),
        }
    }

    /// Attempts in all.
    pub fn max_attempts(&self) -> i64 {
        self.delays_ms.len() as i64 + 1
    }

    /// When to try again after `attempts` attempts failed, or `None` when that was the last.
    pub fn retry_at(&self, attempts: i64, now_ms: i64) -> Option<i64> {
        let i = usize::try_from(attempts.checked_sub(1)?).ok()?;
        self.delays_ms.get(i).map(|d| now_ms.saturating_add(*d))
    }
}

impl Default for Backoff {
    /// 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, 24 h: eight attempts over about two days.
    fn default() -> Backoff {
        const MIN: i64 = 60_000;
        Backoff::new(vec![
            MIN,
            5 * MIN,
            30 * MIN,
            120 * MIN,
            360 * MIN,
            720 * MIN,
            1440 * MIN,
        ])
    }
}

/// A message's state as the page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageStatus {
    /// Not tried yet.
    Queued,
    Sent,
    /// Failed, to be tried again.
    Retrying,
    /// Failed for good.
    Failed,
}

impl MessageStatus {
    pub fn of(m: &OutboxMessage) -> MessageStatus {
        if m.sent_at.is_some() {
            MessageStatus::Sent
        } else if m.failed_at.is_some() {
            MessageStatus::Failed
        } else if m.attempts > 0 {
            MessageStatus::Retrying
        } else {
            MessageStatus::Queued
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            MessageStatus::Queued => "待发送",
            MessageStatus::Sent => "已发送",
            MessageStatus::Retrying => "待重试",
            MessageStatus::Failed => "失败",
        }
    }
}

/// What one [`App::deliver_due`] call did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryRound {
    pub sent: usize,
    /// Failed and queued again.
    pub retrying: usize,
    /// Failed for good.
    pub failed: usize,
}

/// The outcome of a test message: sent, or the error.
pub type TestOutcome = Result<(), String>;

/// An error as kept in the outbox: at most 500 characters.
fn shortened(error: &str) -> String {
    let mut chars = error.chars();
    let cut: String = chars.by_ref().take(500).collect();
    if chars.next().is_some() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// The test message's content.
fn test_digest(now_ms: i64) -> Digest {
    Digest {
        title: "考评系统测试消息".into(),
        sections: vec![(
            "消息提醒".into(),
            vec![
                "这是一条测试消息：收到即表示提醒渠道设置正确。".into(),
                format!("发送时间：{}", crate::china_time::datetime_of(now_ms)),
            ],
        )],
    }
}

impl App {
    /// Queues `digest` to every enabled channel, at most once per day per channel (a second call for
    /// `day` queues nothing). Returns how many messages were queued. An empty digest queues nothing.
    pub async fn queue_digest(&self, day: Date, digest: &Digest) -> Result<usize, AppError> {
        if digest.is_empty() {
            return Ok(0);
        }
        let now = crate::auth::now_ms();
        let subject = digest.subject();
        let mut queued = 0;
        for channel in self.store.notify_channels().await? {
            if !channel.enabled {
                continue;
            }
            let message = NewMessage {
                channel_id: channel.id,
                channel_kind: channel.kind,
                channel_name: channel.name.clone(),
                purpose: "digest",
                dedup_key: Some(format!("digest:{day}:{}", channel.id)),
                subject: subject.clone(),
                body: digest.render(channel.kind),
                next_attempt_at: now,
            };
            if self.store.enqueue_message(&message).await?.is_some() {
                queued += 1;
            }
        }
        Ok(queued)
    }

    /// Sends every message due at `now_ms` that this process can claim: a success is marked sent, a
    /// failure logged and tried again after the backoff's delay, or marked failed after the last attempt.
    pub async fn deliver_due(&self, now_ms: i64) -> Result<DeliveryRound, AppError> {
        let mut round = DeliveryRound::default();
        let smtp = self.store.smtp_settings().await?;
        for id in self.store.due_messages(now_ms, BATCH).await? {
            let Some(message) = self
                .store
                .claim_message(id, now_ms, now_ms.saturating_add(CLAIM_MS))
                .await?
            else {
                continue; // another process took it
            };
            let outcome = match message.channel_id {
                None => Err("渠道已删除，未发送".to_string()),
                Some(channel_id) => match self.store.notify_channel(channel_id).await? {
                    None => Err("渠道已删除，未发送".to_string()),
                    Some(c) if !c.enabled => Err("渠道已停用，未发送".to_string()),
                    // Rendered for the kind it had when queued.
                    Some(c) if c.kind.key() != message.channel_kind => {
                        Err("渠道类型已修改，未发送".to_string())
                    }
                    Some(channel) => {
                        send(
                            &self.notifier.http,
                            smtp.as_ref(),
                            &channel,
                            &message.subject,
                            &message.body,
                            now_ms,
                        )
                        .await
                    }
                },
            };
            match outcome {
                Ok(()) => {
                    self.store.message_sent(id, now_ms).await?;
                    round.sent += 1;
                }
                Err(error) => {
                    let error = shortened(&error);
                    let attempts = message.attempts.saturating_add(1);
                    let retry_at = self.notifier.backoff.retry_at(attempts, now_ms);
                    tracing::warn!(
                        message = id,
                        channel = %message.channel_name,
                        attempt = attempts,
                        retry = retry_at.is_some(),
                        error = %error,
                        "提醒发送失败"
                    );
                    self.store
                        .message_failed(id, now_ms, &error, retry_at)
                        .await?;
                    if retry_at.is_some() {
                        round.retrying += 1;
                    } else {
                        round.failed += 1;
                    }
                }
            }
        }
        Ok(round)
    }

    /// Sends a test message to channel `channel_id` now (enabled or not) and returns the outcome; it is
    /// recorded in the outbox (sent, or failed with its error), not retried.
    pub async fn send_test(&self, actor: &Actor, channel_id: i64) -> Result<TestOutcome, AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        let channel = self.stored_channel(channel_id).await?;
        let now = crate::auth::now_ms();
        let digest = test_digest(now);
        let id = self
            .store
            .enqueue_message(&NewMessage {
                channel_id: channel.id,
                channel_kind: channel.kind,
                channel_name: channel.name.clone(),
                purpose: "test",
                dedup_key: None,
                subject: digest.subject(),
                body: digest.render(channel.kind),
                // Claimed below at once; never due for the workers.
                next_attempt_at: i64::MAX,
            })
            .await?
            .ok_or_else(|| AppError::Internal("测试消息未能写入发送记录".into()))?;
        self.attempt_test(id, &channel, &digest, now).await
    }

    async fn attempt_test(
        &self,
        id: i64,
        channel: &Channel,
        digest: &Digest,
        now: i64,
    ) -> Result<TestOutcome, AppError> {
        let smtp = self.store.smtp_settings().await?;
        let outcome = send(
            &self.notifier.http,
            smtp.as_ref(),
            channel,
            &digest.subject(),
            &digest.render(channel.kind),
            now,
        )
        .await;
        match &outcome {
            Ok(()) => self.store.message_sent(id, now).await?,
            Err(error) => {
                let error = &shortened(error);
                tracing::warn!(message = id, channel = %channel.name, error = %error, "测试消息发送失败");
                self.store.message_failed(id, now, error, None).await?;
            }
        }
        Ok(outcome)
    }

    /// The latest outbox rows, newest first, for the administrator.
    pub async fn recent_messages(&self, actor: &Actor) -> Result<Vec<OutboxMessage>, AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        Ok(self.store.recent_messages(RECENT_MESSAGES).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_backoff_grows_and_stops_after_eight_attempts() {
        let b = Backoff::default();
        assert_eq!(b.max_attempts(), 8);
        assert_eq!(b.retry_at(1, 0), Some(60_000));
        assert_eq!(b.retry_at(2, 0), Some(300_000));
        assert_eq!(b.retry_at(4, 1000), Some(7_200_000 + 1000));
        assert_eq!(b.retry_at(7, 0), Some(86_400_000));
        assert_eq!(b.retry_at(8, 0), None);
        assert_eq!(b.retry_at(0, 0), None);
        assert_eq!(Backoff::new(vec![]).retry_at(1, 0), None);
    }
}
