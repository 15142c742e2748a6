//! The administrator's settings: channels (企业微信/钉钉 robots, e-mail recipients) and the SMTP server,
//! each form checked field by field (Chinese messages that name the field: `网址：…`), saved with its
//! audit record in one transaction. Secrets (钉钉's signing secret, the SMTP password) are kept, never
//! shown back: a blank field on an edit keeps the stored one.

use kaoping_store::{AuditNote, Channel, ChannelKind, NewChannel, SmtpSecurity, SmtpSettings};

use crate::actor::Actor;
use crate::audit::AuditAction;
use crate::error::AppError;
use crate::limits::{bounded, NAME_CHARS, PASSWORD_CHARS};
use crate::permissions::Action;
use crate::App;

/// A webhook URL may be this long.
pub const URL_CHARS: usize = 1000;
/// An e-mail channel may have this many recipients.
pub const MAX_RECIPIENTS: usize = 50;
/// An e-mail address may be this long (RFC 5321).
const ADDRESS_CHARS: usize = 254;
/// A signing secret, an SMTP host or user name may be this long.
const SETTING_CHARS: usize = 255;

/// Who may change reminders.
pub(crate) const ADMIN_ONLY: &str = "只有管理员可以设置消息提醒";

/// A channel's kind as users read it.
pub fn channel_kind_name(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::WeCom => "企业微信群机器人",
        ChannelKind::DingTalk => "钉钉群机器人",
        ChannelKind::Email => "电子邮件",
    }
}

/// An SMTP security setting as users read it.
pub fn smtp_security_name(security: SmtpSecurity) -> &'static str {
    match security {
        SmtpSecurity::None => "不加密",
        SmtpSecurity::StartTls => "STARTTLS（通常为587端口）",
        SmtpSecurity::Tls => "SSL/TLS（通常为465端口）",
    }
}

/// A channel as typed into its form.
#[derive(Debug, Clone, Default)]
pub struct ChannelForm {
    /// `wecom`, `dingtalk` or `email`.
    pub kind: String,
    pub name: String,
    /// The webhook URL, or the recipients (one per line, or separated by commas or semicolons).
    pub target: String,
    /// 钉钉's signing secret; blank keeps the stored one on an edit.
    pub secret: String,
    /// Remove the stored signing secret.
    pub clear_secret: bool,
    pub enabled: bool,
}

/// A channel as pages and the API show it: the signing secret only as whether there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelView {
    pub id: i64,
    pub kind: ChannelKind,
    pub name: String,
    pub target: String,
    pub signed: bool,
    pub enabled: bool,
}

impl From<&Channel> for ChannelView {
    fn from(c: &Channel) -> ChannelView {
        ChannelView {
            id: c.id,
            kind: c.kind,
            name: c.name.clone(),
            target: c.target.clone(),
            signed: !c.secret.is_empty(),
            enabled: c.enabled,
        }
    }
}

/// The SMTP settings as typed into their form.
#[derive(Debug, Clone, Default)]
pub struct SmtpForm {
    pub host: String,
    pub port: String,
    /// `none`, `starttls` or `tls`.
    pub security: String,
    pub username: String,
    /// Blank keeps the stored password.
    pub password: String,
    pub from_address: String,
}

/// The SMTP settings as shown: everything but the password, and whether one is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpView {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: String,
    pub has_password: bool,
    pub from_address: String,
}

/// Checks a webhook URL: http or https, a host, no spaces, at most [`URL_CHARS`].
pub fn check_webhook(url: &str) -> Result<String, String> {
    let url = url.trim();
    if url.is_empty() {
        return Err("网址：请填写群机器人的Webhook地址".into());
    }
    bounded("网址", url, URL_CHARS)?;
    if url.chars().any(char::is_whitespace) {
        return Err("网址：不能含有空格".into());
    }
    let parsed = reqwest::Url::parse(url).map_err(|_| format!("网址：“{url}”不是有效的网址"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("网址：应以 http:// 或 https:// 开头".into());
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("网址：缺少主机名".into());
    }
    Ok(url.to_string())
}

/// Checks one e-mail address (`label` names the field).
pub fn check_address(label: &str, address: &str) -> Result<String, String> {
    let address = address.trim();
    if address.is_empty() {
        return Err(format!("{label}：请填写邮件地址"));
    }
    bounded(label, address, ADDRESS_CHARS)?;
    let looks_right = address.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
    }) && address.parse::<lettre::Address>().is_ok();
    if !looks_right {
        return Err(format!(
            "{label}：“{address}”不像邮件地址（应如 name@example.com）"
        ));
    }
    Ok(address.to_string())
}

/// Checks the recipients of an e-mail channel (one per line, or separated by commas, semicolons or
/// spaces); returns them one per line.
pub fn check_recipients(text: &str) -> Result<String, String> {
    let addresses: Vec<&str> = text
        .split(|c: char| c == ',' || c == ';' || c == '，' || c == '；' || c.is_whitespace())
        .filter(|a| !a.is_empty())
        .collect();
    if addresses.is_empty() {
        return Err("收件人：请至少填写一个邮件地址".into());
    }
    if addresses.len() > MAX_RECIPIENTS {
        return Err(format!(
            "收件人：最多{MAX_RECIPIENTS}个，现有{}个",
            addresses.len()
        ));
    }
    let mut checked: Vec<String> = Vec::with_capacity(addresses.len());
    for a in addresses {
        let a = check_address("收件人", a)?;
        if !checked.contains(&a) {
            checked.push(a);
        }
    }
    Ok(checked.join("\n"))
}

/// Checks a channel's form against the stored channel (for a kept secret).
fn check_channel(form: &ChannelForm, stored: Option<&Channel>) -> Result<NewChannel, String> {
    let kind = ChannelKind::from_key(form.kind.trim())
        .ok_or_else(|| format!("类型：没有“{}”这种渠道", form.kind.trim()))?;
    let name = form.name.trim();
    if name.is_empty() {
        return Err("名称：请填写渠道名称（如 党委工作群）".into());
    }
    bounded("名称", name, NAME_CHARS)?;
    let target = match kind {
        ChannelKind::WeCom | ChannelKind::DingTalk => check_webhook(&form.target)?,
        ChannelKind::Email => check_recipients(&form.target)?,
    };
    let typed = form.secret.trim();
    let secret = if kind != ChannelKind::DingTalk || form.clear_secret {
        String::new()
    } else if typed.is_empty() {
        stored
            .filter(|c| c.kind == ChannelKind::DingTalk)
            .map(|c| c.secret.clone())
            .unwrap_or_default()
    } else {
        bounded("加签密钥", typed, SETTING_CHARS)?;
        if !typed.chars().all(|c| c.is_ascii_graphic()) {
            return Err(
                "加签密钥：只能含英文字母、数字和符号（钉钉机器人“加签”处的 SEC 开头的字符串）"
                    .into(),
            );
        }
        typed.to_string()
    };
    Ok(NewChannel {
        kind,
        name: name.to_string(),
        target,
        secret,
        enabled: form.enabled,
    })
}

/// Checks the SMTP form.
fn check_smtp(form: &SmtpForm) -> Result<(SmtpSettings, Option<String>), String> {
    let host = form.host.trim();
    if host.is_empty() {
        return Err("SMTP服务器：请填写服务器地址（如 smtp.example.com）".into());
    }
    bounded("SMTP服务器", host, SETTING_CHARS)?;
    if host
        .chars()
        .any(|c| c.is_whitespace() || c == '/' || c == ':')
    {
        return Err("SMTP服务器：只填主机名，不含端口、空格或 /".into());
    }
    let port: u16 = form
        .port
        .trim()
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("端口：“{}”不是1到65535之间的整数", form.port.trim()))?;
    let security = SmtpSecurity::from_key(form.security.trim())
        .ok_or_else(|| format!("加密方式：没有“{}”这种方式", form.security.trim()))?;
    let username = form.username.trim();
    bounded("用户名", username, SETTING_CHARS)?;
    bounded("密码", &form.password, PASSWORD_CHARS)?;
    let from_address = check_address("发件人", &form.from_address)?;
    let password = (!form.password.is_empty()).then(|| form.password.clone());
    Ok((
        SmtpSettings {
            host: host.to_string(),
            port,
            security,
            username: username.to_string(),
            password: String::new(),
            from_address,
        },
        password,
    ))
}

impl App {
    /// Every channel, for the administrator.
    pub async fn notify_channels(&self, actor: &Actor) -> Result<Vec<ChannelView>, AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        Ok(self
            .store
            .notify_channels()
            .await?
            .iter()
            .map(ChannelView::from)
            .collect())
    }

    /// One channel, for its edit form.
    pub async fn notify_channel(&self, actor: &Actor, id: i64) -> Result<ChannelView, AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        let channel = self.stored_channel(id).await?;
        Ok(ChannelView::from(&channel))
    }

    pub(crate) async fn stored_channel(&self, id: i64) -> Result<Channel, AppError> {
        self.store
            .notify_channel(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("提醒渠道 {id}")))
    }

    /// Adds a channel; returns its id.
    pub async fn create_channel(&self, actor: &Actor, form: &ChannelForm) -> Result<i64, AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        let channel = check_channel(form, None).map_err(AppError::Invalid)?;
        let note = AuditNote {
            user_id: Some(actor.id()),
            action: AuditAction::NotifyChannelCreate.key(),
            detail: format!("{}：{}", channel_kind_name(channel.kind), channel.name),
        };
        Ok(self.store.create_notify_channel(&channel, &note).await?)
    }

    /// Changes a channel (a blank secret keeps the stored one).
    pub async fn edit_channel(
        &self,
        actor: &Actor,
        id: i64,
        form: &ChannelForm,
    ) -> Result<(), AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        let stored = self.stored_channel(id).await?;
        let channel = check_channel(form, Some(&stored)).map_err(AppError::Invalid)?;
        let note = AuditNote {
            user_id: Some(actor.id()),
            action: AuditAction::NotifyChannelEdit.key(),
            detail: format!(
                "{}：{}{}",
                channel_kind_name(channel.kind),
                channel.name,
                if channel.enabled { "" } else { "（停用）" }
            ),
        };
        Ok(self
            .store
            .update_notify_channel(id, &channel, &note)
            .await?)
    }

    /// Enables or disables a channel.
    pub async fn set_channel_enabled(
        &self,
        actor: &Actor,
        id: i64,
        enabled: bool,
    ) -> Result<(), AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        let stored = self.stored_channel(id).await?;
        let channel = NewChannel {
            kind: stored.kind,
            name: stored.name.clone(),
            target: stored.target.clone(),
            secret: stored.secret.clone(),
            enabled,
        };
        let note = AuditNote {
            user_id: Some(actor.id()),
            action: AuditAction::NotifyChannelEdit.key(),
            detail: format!("{}：{}", if enabled { "启用" } else { "停用" }, stored.name),
        };
        Ok(self
            .store
            .update_notify_channel(id, &channel, &note)
            .await?)
    }

    /// Deletes a channel; the messages sent through it stay in the outbox.
    pub async fn delete_channel(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        let stored = self.stored_channel(id).await?;
        let note = AuditNote {
            user_id: Some(actor.id()),
            action: AuditAction::NotifyChannelDelete.key(),
            detail: format!("{}：{}", channel_kind_name(stored.kind), stored.name),
        };
        Ok(self.store.delete_notify_channel(id, &note).await?)
    }

    /// The SMTP settings without the password.
    pub async fn smtp_settings(&self, actor: &Actor) -> Result<Option<SmtpView>, AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        Ok(self.store.smtp_settings().await?.map(|s| SmtpView {
            host: s.host,
            port: s.port,
            security: s.security,
            username: s.username,
            has_password: !s.password.is_empty(),
            from_address: s.from_address,
        }))
    }

    /// Saves the SMTP settings (a blank password keeps the stored one).
    pub async fn save_smtp(&self, actor: &Actor, form: &SmtpForm) -> Result<(), AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        let (settings, password) = check_smtp(form).map_err(AppError::Invalid)?;
        let note = AuditNote {
            user_id: Some(actor.id()),
            action: AuditAction::NotifySmtp.key(),
            detail: format!(
                "{}:{}（{}），发件人 {}",
                settings.host,
                settings.port,
                settings.security.key(),
                settings.from_address
            ),
        };
        Ok(self
            .store
            .save_smtp_settings(&settings, password.as_deref(), &note)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhooks_must_be_http_or_https() {
        assert!(check_webhook("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc").is_ok());
        assert!(check_webhook("http://127.0.0.1:9000/hook").is_ok());
        assert_eq!(
            check_webhook("ftp://example.com/x").unwrap_err(),
            "网址：应以 http:// 或 https:// 开头"
        );
        assert!(check_webhook("qyapi.weixin.qq.com")
            .unwrap_err()
            .starts_with("网址："));
        assert!(check_webhook("https://a b")
            .unwrap_err()
            .starts_with("网址："));
        assert!(check_webhook(&format!("https://a.cn/{}", "x".repeat(1000)))
            .unwrap_err()
            .contains("太长"));
    }

    #[test]
    fn recipients_are_checked_and_kept_one_per_line() {
        assert_eq!(
            check_recipients("a@example.com, b@example.cn；a@example.com").unwrap(),
            "a@example.com\nb@example.cn"
        );
        assert!(check_recipients("").unwrap_err().starts_with("收件人："));
        assert_eq!(
            check_recipients("a@example.com nobody").unwrap_err(),
            "收件人：“nobody”不像邮件地址（应如 name@example.com）"
        );
        let many = (0..51)
            .map(|i| format!("u{i}@x.cn"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(check_recipients(&many).unwrap_err().contains("最多50个"));
    }

    #[test]
    fn a_blank_secret_keeps_the_stored_one_and_other_kinds_have_none() {
        let stored = Channel {
            id: 1,
            kind: ChannelKind::DingTalk,
            name: "群".into(),
            target: "https://oapi.dingtalk.com/robot/send?access_token=t".into(),
            secret: "SECold".into(),
            enabled: true,
            created_at: 0,
            updated_at: 0,
        };
        let mut form = ChannelForm {
            kind: "dingtalk".into(),
            name: " 群 ".into(),
            target: stored.target.clone(),
            secret: String::new(),
            clear_secret: false,
            enabled: true,
        };
        assert_eq!(
            check_channel(&form, Some(&stored)).unwrap().secret,
            "SECold"
        );
        form.clear_secret = true;
        assert_eq!(check_channel(&form, Some(&stored)).unwrap().secret, "");
        form.clear_secret = false;
        form.kind = "wecom".into();
        form.secret = "SECnew".into();
        assert_eq!(check_channel(&form, Some(&stored)).unwrap().secret, "");
        form.kind = "sms".into();
        assert_eq!(
            check_channel(&form, None).unwrap_err(),
            "类型：没有“sms”这种渠道"
        );
    }

    #[test]
    fn smtp_fields_are_named_in_their_errors() {
        let mut form = SmtpForm {
            host: "smtp.example.com".into(),
            port: "465".into(),
            security: "tls".into(),
            username: "u".into(),
            password: String::new(),
            from_address: "kaoping@example.com".into(),
        };
        let (s, password) = check_smtp(&form).unwrap();
        assert_eq!(
            (s.port, s.security, password),
            (465, SmtpSecurity::Tls, None)
        );
        form.port = "70000".into();
        assert!(check_smtp(&form).unwrap_err().starts_with("端口："));
        form.port = "25".into();
        form.from_address = "kaoping".into();
        assert!(check_smtp(&form).unwrap_err().starts_with("发件人："));
        form.from_address = "k@example.com".into();
        form.host = "smtp.example.com:25".into();
        assert!(check_smtp(&form).unwrap_err().starts_with("SMTP服务器："));
    }
}
