//! Sending one message: a JSON POST to a 企业微信 or 钉钉 group robot (success is HTTP 2xx with
//! `{"errcode":0}`; 钉钉 signed with HMAC-SHA256 when a secret is set), or an e-mail through the SMTP
//! server (lettre, rustls). A failure comes back as a message for the administrator; no URL, token,
//! secret or password is ever part of it.

use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use kaoping_store::{Channel, ChannelKind, SmtpSecurity, SmtpSettings};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::{json, Value};
use sha2::Sha256;

/// How long one attempt may take.
const TIMEOUT: Duration = Duration::from_secs(20);
/// A robot's answer is read up to this many bytes.
const ANSWER_BYTES: usize = 64 * 1024;

/// The HTTP client every robot message goes through (no redirects: a webhook answers itself).
pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// Sends `subject`/`body` (already rendered for the channel's kind) to `channel`. `now_ms` signs
/// 钉钉 messages.
pub(crate) async fn send(
    http: &reqwest::Client,
    smtp: Option<&SmtpSettings>,
    channel: &Channel,
    subject: &str,
    body: &str,
    now_ms: i64,
) -> Result<(), String> {
    match channel.kind {
        ChannelKind::WeCom => {
            let message = json!({"msgtype": "markdown", "markdown": {"content": body}});
            post_robot(http.post(&channel.target), &message, "企业微信").await
        }
        ChannelKind::DingTalk => {
            let message =
                json!({"msgtype": "markdown", "markdown": {"title": subject, "text": body}});
            let mut request = http.post(&channel.target);
            if !channel.secret.is_empty() {
                let sign = dingtalk_sign(&channel.secret, now_ms);
                request = request.query(&[("timestamp", now_ms.to_string()), ("sign", sign)]);
            }
            post_robot(request, &message, "钉钉").await
        }
        ChannelKind::Email => {
            let Some(smtp) = smtp else {
                return Err("尚未设置SMTP服务器，无法发送邮件".into());
            };
            send_mail(smtp, &channel.target, subject, body).await
        }
    }
}

/// 钉钉's signature: base64 of HMAC-SHA256 over `"{timestamp}\n{secret}"` keyed by the secret (the
/// caller puts it in the query, which URL-encodes it).
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

async fn post_robot(
    request: reqwest::RequestBuilder,
    message: &Value,
    who: &str,
) -> Result<(), String> {
    let mut response = request
        .json(message)
        .send()
        .await
        .map_err(|e| format!("无法连接{who}：{}", e.without_url()))?;
    let status = response.status();
    let mut answer = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("读取{who}应答失败：{}", e.without_url()))?
    {
        let room = ANSWER_BYTES.saturating_sub(answer.len());
        answer.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if room <= chunk.len() {
            break;
        }
    }
    if !status.is_success() {
        return Err(format!(
            "{who}应答 HTTP {}：{}",
            status.as_u16(),
            shown(&answer)
        ));
    }
    let answer: Value = serde_json::from_slice(&answer)
        .map_err(|_| format!("{who}的应答不是JSON：{}", shown(&answer)))?;
    match answer.get("errcode").and_then(Value::as_i64) {
        Some(0) => Ok(()),
        Some(code) => Err(format!(
            "{who}返回错误 errcode={code}：{}",
            answer.get("errmsg").and_then(Value::as_str).unwrap_or("")
        )),
        None => Err(format!("{who}的应答没有 errcode：{}", shown_value(&answer))),
    }
}

/// The start of an answer, for the error message.
fn shown(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(200).collect()
}

fn shown_value(v: &Value) -> String {
    v.to_string().chars().take(200).collect()
}

/// One plain-text UTF-8 mail to every recipient in `to` (one per line).
async fn send_mail(smtp: &SmtpSettings, to: &str, subject: &str, body: &str) -> Result<(), String> {
    let from = smtp
        .from_address
        .parse()
        .map_err(|e| format!("发件人地址无效：{e}"))?;
    let mut builder = Message::builder().from(from).subject(subject);
    for address in to.lines().map(str::trim).filter(|a| !a.is_empty()) {
        builder = builder.to(address
            .parse()
            .map_err(|e| format!("收件人“{address}”无效：{e}"))?);
    }
    let message = builder
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_string())
        .map_err(|e| format!("无法生成邮件：{e}"))?;
    let transport = match smtp.security {
        SmtpSecurity::None => {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str())
        }
        SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
            .map_err(|e| format!("SMTP服务器设置无效：{e}"))?,
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
            .map_err(|e| format!("SMTP服务器设置无效：{e}"))?,
    };
    let mut transport = transport.port(smtp.port).timeout(Some(TIMEOUT));
    if !smtp.username.is_empty() {
        transport = transport.credentials(Credentials::new(
            smtp.username.clone(),
            smtp.password.clone(),
        ));
    }
    transport
        .build()
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| format!("邮件发送失败：{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dingtalk_signs_timestamp_and_secret_with_hmac_sha256() {
        // Computed independently: printf '1700000000000\nSECtest' | openssl dgst -sha256 -hmac SECtest -binary | base64
        assert_eq!(
            dingtalk_sign("SECtest", 1_700_000_000_000),
            "aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g="
        );
    }
}
