//! `/admin/notifications` (消息提醒): the channels (企业微信/钉钉 group robots, e-mail) with their edit,
//! enable/disable, delete and 发送测试消息 buttons, the SMTP settings (the password never drawn back),
//! and the latest messages of the outbox with their state, attempts and last error.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Form;
use kaoping_app::china_time::stamp_of;
use kaoping_app::notify::{
    channel_kind_name, smtp_security_name, ChannelForm, ChannelView, MessageStatus, SmtpForm,
    SmtpView,
};
use kaoping_app::{AppError, FieldProblem};
use kaoping_store::{ChannelKind, OutboxMessage, SmtpSecurity};
use maud::{html, Markup};
use serde::Deserialize;

use super::{
    admin_layout, create_refusal, described, field_error, form_problems, invalid, refused,
    unprocessable,
};
use crate::pages::html::{action, back, dash, flash, Flash, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

const HERE: &str = "/admin/notifications";

/// A channel form's labels (as the application's messages begin) and fields.
const CHANNEL_FIELDS: [(&str, &str); 4] = [
    ("类型", "kind"),
    ("名称", "name"),
    ("网址", "target"),
    ("收件人", "target"),
];
const SECRET_FIELD: [(&str, &str); 1] = [("加签密钥", "secret")];
const SMTP_FIELDS: [(&str, &str); 6] = [
    ("SMTP服务器", "host"),
    ("端口", "port"),
    ("加密方式", "security"),
    ("用户名", "username"),
    ("密码", "password"),
    ("发件人", "from_address"),
];

/// The channel form as posted.
#[derive(Deserialize, Default)]
pub struct ChannelFields {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    clear_secret: Option<String>,
    #[serde(default)]
    enabled: Option<String>,
}

impl ChannelFields {
    fn form(&self) -> ChannelForm {
        ChannelForm {
            kind: self.kind.clone(),
            name: self.name.clone(),
            target: self.target.clone(),
            secret: self.secret.clone(),
            clear_secret: self.clear_secret.is_some(),
            enabled: self.enabled.is_some(),
        }
    }

    fn of(c: &ChannelView) -> ChannelFields {
        ChannelFields {
            kind: c.kind.key().into(),
            name: c.name.clone(),
            target: c.target.clone(),
            secret: String::new(),
            clear_secret: None,
            enabled: c.enabled.then(|| "1".into()),
        }
    }
}

/// The SMTP form as posted.
#[derive(Deserialize, Default)]
pub struct SmtpFields {
    #[serde(default)]
    host: String,
    #[serde(default)]
    port: String,
    #[serde(default)]
    security: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    from_address: String,
}

impl SmtpFields {
    fn form(&self) -> SmtpForm {
        SmtpForm {
            host: self.host.clone(),
            port: self.port.clone(),
            security: self.security.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
            from_address: self.from_address.clone(),
        }
    }

    fn of(s: Option<&SmtpView>) -> SmtpFields {
        match s {
            Some(s) => SmtpFields {
                host: s.host.clone(),
                port: s.port.to_string(),
                security: s.security.key().into(),
                username: s.username.clone(),
                password: String::new(),
                from_address: s.from_address.clone(),
            },
            None => SmtpFields {
                port: "465".into(),
                security: SmtpSecurity::Tls.key().into(),
                ..SmtpFields::default()
            },
        }
    }
}

/// What the page draws again after a refusal: the form as typed with its problems.
#[derive(Default)]
struct Typed {
    channel: Option<(ChannelFields, Vec<FieldProblem>)>,
    smtp: Option<(SmtpFields, Vec<FieldProblem>)>,
}

pub async fn notifications_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(f): Query<Flash>,
) -> PageResult<Markup> {
    page(&state, &user, &f, Typed::default()).await
}

/// Where a webhook goes, without its token: scheme, host and path.
fn shown_target(c: &ChannelView) -> String {
    match c.kind {
        ChannelKind::Email => c.target.lines().collect::<Vec<_>>().join("、"),
        _ => without_query(&c.target),
    }
}

/// `https://host/path` of a URL (the query, which holds the robot's token, left out).
fn without_query(url: &str) -> String {
    match url.split_once('?') {
        Some((before, _)) => format!("{before}?…"),
        None => url.to_string(),
    }
}

fn status_badge(m: &OutboxMessage) -> Markup {
    let status = MessageStatus::of(m);
    let class = match status {
        MessageStatus::Sent => "badge ok",
        MessageStatus::Failed => "badge bad",
        MessageStatus::Retrying | MessageStatus::Queued => "badge warn",
    };
    html! { span class=(class) { (status.name()) } }
}

async fn page(state: &AppState, user: &CurrentUser, f: &Flash, typed: Typed) -> PageResult<Markup> {
    let channels = state.app.notify_channels(&user.actor).await?;
    let smtp = state.app.smtp_settings(&user.actor).await?;
    let messages = state.app.recent_messages(&user.actor).await?;
    let (channel, cp) = typed.channel.unwrap_or_else(|| {
        (
            ChannelFields {
                kind: ChannelKind::WeCom.key().into(),
                enabled: Some("1".into()),
                ..ChannelFields::default()
            },
            Vec::new(),
        )
    });
    let (smtp_typed, sp) = typed
        .smtp
        .unwrap_or_else(|| (SmtpFields::of(smtp.as_ref()), Vec::new()));
    Ok(admin_layout(
        "消息提醒",
        user,
        "notifications",
        html! {
            h1 { "消息提醒" }
            (flash(f))
            p.muted { "每天把新出现的红色、黄色预警按部门和单位汇总，发到企业微信群、钉钉群或邮箱。发送失败会自动重试，结果见下方发送记录。" }
            h2 { "提醒渠道" }
            @if channels.is_empty() {
                p.muted { "还没有提醒渠道。" }
            } @else {
                div.table-wrap { table {
                    thead { tr { th { "名称" } th { "类型" } th { "发送到" } th { "状态" } th { "操作" } } }
                    tbody {
                        @for c in &channels {
                            tr {
                                td { (c.name) }
                                td { (channel_kind_name(c.kind)) @if c.signed { " · 已加签" } }
                                td.wrap { (shown_target(c)) }
                                td { @if c.enabled { span.badge.ok { "启用" } } @else { span.badge { "停用" } } }
                                td.actions {
                                    form.inline method="post" action=(action(user, &format!("{HERE}/channels/{}/test", c.id))) {
                                        button type="submit" { "发送测试消息" }
                                    } " "
                                    a href=(format!("{HERE}/channels/{}/edit", c.id)) { "修改" } " "
                                    form.inline method="post" action=(action(user, &format!("{HERE}/channels/{}/enabled", c.id))) {
                                        input type="hidden" name="enabled" value=(if c.enabled { "0" } else { "1" });
                                        button.secondary type="submit" { @if c.enabled { "停用" } @else { "启用" } }
                                    } " "
                                    form.inline method="post" action=(action(user, &format!("{HERE}/channels/{}/delete", c.id))) {
                                        button.secondary type="submit" { "删除" }
                                    }
                                }
                            }
                        }
                    }
                } }
            }
            h2 { "新建提醒渠道" }
            (channel_form(user, &format!("{HERE}/channels"), &channel, &cp, false, "新建渠道"))
            h2 { "邮件服务器（SMTP）" }
            (form_problems(&sp))
            form.stack method="post" action=(action(user, &format!("{HERE}/smtp"))) novalidate {
                label for="host" { "SMTP服务器（如 smtp.exmail.qq.com）" }
                input #host name="host" value=(smtp_typed.host) aria-invalid=[invalid(&sp, "host")] aria-describedby=[described(&sp, "host")];
                (field_error(&sp, "host"))
                label for="port" { "端口" }
                input #port name="port" inputmode="numeric" value=(smtp_typed.port) aria-invalid=[invalid(&sp, "port")] aria-describedby=[described(&sp, "port")];
                (field_error(&sp, "port"))
                label for="security" { "加密方式" }
                select #security name="security" aria-invalid=[invalid(&sp, "security")] aria-describedby=[described(&sp, "security")] {
                    @for s in SmtpSecurity::ALL {
                        option value=(s.key()) selected[smtp_typed.security == s.key()] { (smtp_security_name(s)) }
                    }
                }
                (field_error(&sp, "security"))
                label for="username" { "用户名（不需要登录时留空）" }
                input #username name="username" autocomplete="off" value=(smtp_typed.username) aria-invalid=[invalid(&sp, "username")] aria-describedby=[described(&sp, "username")];
                (field_error(&sp, "username"))
                label for="password" {
                    "密码或授权码"
                    @if smtp.as_ref().is_some_and(|s| s.has_password) { "（已保存；留空则不变）" }
                }
                input #password name="password" type="password" autocomplete="new-password" value="" aria-invalid=[invalid(&sp, "password")] aria-describedby=[described(&sp, "password")];
                (field_error(&sp, "password"))
                label for="from_address" { "发件人地址" }
                input #from_address name="from_address" type="email" value=(smtp_typed.from_address) aria-invalid=[invalid(&sp, "from_address")] aria-describedby=[described(&sp, "from_address")];
                (field_error(&sp, "from_address"))
                button type="submit" { "保存邮件服务器设置" }
            }
            h2 { "发送记录" }
            @if messages.is_empty() {
                p.muted { "还没有发送过消息。" }
            } @else {
                div.table-wrap { table {
                    thead { tr { th { "时间" } th { "渠道" } th { "内容" } th { "状态" } th.num { "尝试次数" } th { "最近错误" } } }
                    tbody {
                        @for m in &messages {
                            tr {
                                td { (stamp_of(m.created_at)) }
                                td { (m.channel_name) }
                                td.wrap { @if m.purpose == "test" { "测试：" } (m.subject) }
                                td {
                                    (status_badge(m))
                                    @if let Some(at) = m.sent_at { br; span.muted { (stamp_of(at)) } }
                                    @else if let Some(at) = m.failed_at { br; span.muted { (stamp_of(at)) } }
                                    @else if m.attempts > 0 { br; span.muted { "下次：" (stamp_of(m.next_attempt_at)) } }
                                }
                                td.num { (m.attempts) }
                                td.wrap { @match &m.last_error { Some(e) if m.sent_at.is_none() => (e), _ => (dash()) } }
                            }
                        }
                    }
                } }
            }
        },
    ))
}

/// The channel form: new (`editing` false) or an edit, with what was typed and its problems.
fn channel_form(
    user: &CurrentUser,
    path: &str,
    c: &ChannelFields,
    p: &[FieldProblem],
    editing: bool,
    submit: &str,
) -> Markup {
    html! {
        (form_problems(p))
        form.stack method="post" action=(action(user, path)) novalidate {
            label for="kind" { "类型" }
            select #kind name="kind" aria-invalid=[invalid(p, "kind")] aria-describedby=[described(p, "kind")] {
                @for k in ChannelKind::ALL {
                    option value=(k.key()) selected[c.kind == k.key()] { (channel_kind_name(k)) }
                }
            }
            (field_error(p, "kind"))
            label for="name" { "名称（如 党委工作群）" }
            input #name name="name" value=(c.name) aria-invalid=[invalid(p, "name")] aria-describedby=[described(p, "name")];
            (field_error(p, "name"))
            label for="target" { "Webhook地址（群机器人），或收件人邮箱（电子邮件，每行一个）" }
            textarea #target name="target" rows="3" aria-invalid=[invalid(p, "target")] aria-describedby=[described(p, "target")] { (c.target) }
            (field_error(p, "target"))
            label for="secret" {
                "加签密钥（仅钉钉，机器人安全设置选“加签”时填写 SEC 开头的字符串）"
                @if editing { "：留空则不变" }
            }
            input #secret name="secret" type="password" autocomplete="off" value="" aria-invalid=[invalid(p, "secret")] aria-describedby=[described(p, "secret")];
            (field_error(p, "secret"))
            @if editing {
                label.check { input type="checkbox" name="clear_secret" value="1"; "不再加签（删除已保存的密钥）" }
            }
            label.check { input type="checkbox" name="enabled" value="1" checked[c.enabled.is_some()]; "启用" }
            div.actions {
                button type="submit" { (submit) }
                @if editing { a.button.secondary href=(HERE) { "取消" } }
            }
        }
    }
}

/// A refusal of a channel form: its problems beside their fields (None: not the form's).
fn channel_problems(e: &AppError) -> Option<(axum::http::StatusCode, Vec<FieldProblem>)> {
    let fields: Vec<(&str, &'static str)> = CHANNEL_FIELDS
        .iter()
        .chain(SECRET_FIELD.iter())
        .copied()
        .collect();
    create_refusal(e, &fields)
}

pub async fn create_channel(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<ChannelFields>,
) -> PageResult<Response> {
    match state.app.create_channel(&user.actor, &f.form()).await {
        Ok(_) => Ok(back(
            HERE,
            "msg",
            &format!("已新建提醒渠道{}", f.name.trim()),
        )),
        Err(e) => match channel_problems(&e) {
            Some((status, problems)) => {
                let typed = Typed {
                    channel: Some((f, problems)),
                    smtp: None,
                };
                let page = page(&state, &user, &Flash::default(), typed).await?;
                Ok((status, page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

fn edit_page(
    user: &CurrentUser,
    c: &ChannelView,
    typed: &ChannelFields,
    p: &[FieldProblem],
) -> Markup {
    admin_layout(
        "修改提醒渠道",
        user,
        "notifications",
        html! {
            h1 { "修改提醒渠道 " (c.name) }
            (channel_form(user, &format!("{HERE}/channels/{}/edit", c.id), typed, p, true, "保存"))
        },
    )
}

pub async fn channel_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    let c = state.app.notify_channel(&user.actor, id).await?;
    Ok(edit_page(&user, &c, &ChannelFields::of(&c), &[]))
}

pub async fn save_channel(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ChannelFields>,
) -> PageResult<Response> {
    match state.app.edit_channel(&user.actor, id, &f.form()).await {
        Ok(()) => Ok(back(
            HERE,
            "msg",
            &format!("已修改提醒渠道{}", f.name.trim()),
        )),
        Err(e) => match channel_problems(&e) {
            Some((_, problems)) => {
                let c = state.app.notify_channel(&user.actor, id).await?;
                Ok(unprocessable(edit_page(&user, &c, &f, &problems)))
            }
            None => Err(e.into()),
        },
    }
}

#[derive(Deserialize)]
pub struct EnabledForm {
    #[serde(default)]
    enabled: String,
}

pub async fn set_channel_enabled(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<EnabledForm>,
) -> PageResult<Response> {
    let enabled = f.enabled == "1";
    match state
        .app
        .set_channel_enabled(&user.actor, id, enabled)
        .await
    {
        Ok(()) => Ok(back(
            HERE,
            "msg",
            if enabled {
                "已启用提醒渠道"
            } else {
                "已停用提醒渠道"
            },
        )),
        Err(e) => refused("notifications", e),
    }
}

pub async fn delete_channel(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    match state.app.delete_channel(&user.actor, id).await {
        Ok(()) => Ok(back(HERE, "msg", "已删除提醒渠道（发送记录保留）")),
        Err(e) => refused("notifications", e),
    }
}

pub async fn test_channel(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    match state.app.send_test(&user.actor, id).await {
        Ok(Ok(())) => Ok(back(HERE, "msg", "测试消息已发送，请到群里或邮箱查看")),
        Ok(Err(error)) => Ok(back(HERE, "err", &format!("测试消息发送失败：{error}"))),
        Err(e) => refused("notifications", e),
    }
}

pub async fn save_smtp(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<SmtpFields>,
) -> PageResult<Response> {
    match state.app.save_smtp(&user.actor, &f.form()).await {
        Ok(()) => Ok(back(HERE, "msg", "已保存邮件服务器设置")),
        Err(e) => match create_refusal(&e, &SMTP_FIELDS) {
            Some((status, problems)) => {
                let typed = Typed {
                    channel: None,
                    smtp: Some((
                        SmtpFields {
                            password: String::new(),
                            ..f
                        },
                        problems,
                    )),
                };
                let page = page(&state, &user, &Flash::default(), typed).await?;
                Ok((status, page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_is_shown_without_its_token() {
        let c = ChannelView {
            id: 1,
            kind: ChannelKind::WeCom,
            name: "群".into(),
            target: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET".into(),
            signed: false,
            enabled: true,
        };
        assert_eq!(
            shown_target(&c),
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…"
        );
    }
}
