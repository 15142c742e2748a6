//! The reminder worker every `kaoping serve` process runs: every `every` (60 s by default) it delivers
//! the messages due ([`App::deliver_due`]: each claimed by one process, so several processes on one
//! PostgreSQL send each once), and once a day, from `digest_hour` China time, it asks the application
//! for the day's digest and queues it ([`App::queue_digest`], at most once per day per channel however
//! many processes ask).

use std::time::Duration;

use kaoping_app::notify::{Backoff, DeliveryRound};
use kaoping_app::App;
use kaoping_core::date::Date;
use tokio::task::JoinHandle;

/// When the worker runs and how failed messages are retried.
#[derive(Debug, Clone)]
pub struct NotifySchedule {
    /// How often due messages are delivered.
    pub every: Duration,
    /// The hour (China time, 0–23) from which the day's digest is queued.
    pub digest_hour: u8,
    /// The delays between attempts of a failed message.
    pub backoff: Backoff,
}

impl Default for NotifySchedule {
    fn default() -> NotifySchedule {
        NotifySchedule {
            every: Duration::from_secs(60),
            digest_hour: 8,
            backoff: Backoff::default(),
        }
    }
}

/// The worker's task, aborted when dropped (with the server that started it).
pub(crate) struct Worker(JoinHandle<()>);

impl Drop for Worker {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts the worker; its first round is one interval after the start.
pub(crate) fn spawn(app: App, schedule: NotifySchedule) -> Worker {
    Worker(tokio::spawn(async move {
        let every = schedule.every.max(Duration::from_millis(10));
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut digest_day: Option<Date> = None;
        loop {
            ticker.tick().await;
            round(&app, &schedule, &mut digest_day).await;
        }
    }))
}

/// The hour of `ms` in China time (UTC+8).
fn china_hour(ms: i64) -> u8 {
    let seconds = (ms.div_euclid(1000) + 8 * 3600).rem_euclid(86_400);
    (seconds / 3600) as u8
}

async fn round(app: &App, schedule: &NotifySchedule, digest_day: &mut Option<Date>) {
    let now = kaoping_app::now_ms();
    let today = app.today();
    if china_hour(now) >= schedule.digest_hour && *digest_day != Some(today) {
        match app.daily_digest(today).await {
            Ok(None) => *digest_day = Some(today),
            Ok(Some(digest)) => match app.queue_digest(today, &digest).await {
                Ok(queued) => {
                    *digest_day = Some(today);
                    if queued > 0 {
                        tracing::info!(day = %today, queued, "已排队每日预警提醒");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "每日预警提醒未能排队，稍后重试"),
            },
            Err(e) => tracing::warn!(error = %e, "每日预警提醒未能生成，稍后重试"),
        }
    }
    match app.deliver_due(now).await {
        Ok(r) if r == DeliveryRound::default() => {}
        Ok(r) => tracing::info!(
            sent = r.sent,
            retrying = r.retrying,
            failed = r.failed,
            "提醒发送"
        ),
        Err(e) => tracing::warn!(error = %e, "提醒发送未能进行，稍后重试"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_hour_is_chinas() {
        // 2024-07-21T00:30:00Z is 08:30 in Beijing.
        assert_eq!(super::china_hour(1_721_521_800_000), 8);
        assert_eq!(super::china_hour(1_721_521_800_000 - 3_600_000), 7);
        assert_eq!(super::china_hour(1_721_577_600_000), 0);
    }
}
