//! Reminders where the offices already talk: a daily digest sent to 企业微信 and 钉钉 group robots and by
//! e-mail, configured by the administrator, delivered through an outbox with retries.
//!
//! - `digest.rs` — [`Digest`] and its rendering per channel (企业微信 markdown within 4096 bytes, 钉钉
//!   markdown, plain text), cut at whole lines with `…另有N条`.
//! - `channels.rs` — the channel and SMTP forms checked field by field, their use cases with the audit
//!   record (`Action::Administer`).
//! - `send.rs` — one attempt: the robots' JSON (errcode 0 is success; 钉钉 signed), SMTP via lettre.
//! - `outbox.rs` — [`App::queue_digest`] (once per day per channel), [`App::deliver_due`] (claim, send,
//!   retry with [`Backoff`], fail for good), [`App::send_test`].
//! - `digest_source.rs` — [`App::daily_digest`]: what the day's digest says (the warnings module's).

mod channels;
mod digest;
mod digest_source;
mod outbox;
mod send;

pub use channels::{
    channel_kind_name, check_address, check_recipients, check_webhook, smtp_security_name,
    ChannelForm, ChannelView, SmtpForm, SmtpView, MAX_RECIPIENTS, URL_CHARS,
};
pub use digest::{Digest, DINGTALK_MAX_BYTES, WECOM_MAX_BYTES};
pub use outbox::{Backoff, DeliveryRound, MessageStatus, TestOutcome, RECENT_MESSAGES};
pub use send::dingtalk_sign;

/// What sending needs, kept per process: the HTTP client (its connection pool) and the retry delays.
#[derive(Clone)]
pub(crate) struct Notifier {
    pub(crate) http: reqwest::Client,
    pub(crate) backoff: Backoff,
}

impl Default for Notifier {
    fn default() -> Notifier {
        Notifier {
            http: send::http_client(),
            backoff: Backoff::default(),
        }
    }
}
