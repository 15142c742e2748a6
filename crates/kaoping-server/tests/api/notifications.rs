//! Reminders (消息提醒): channels configured by the administrator, a digest queued once per day per
//! channel, delivered to a local HTTP receiver (企业微信 and 钉钉 robot JSON) and a local SMTP server,
//! both started here and both failing the first attempt, so every delivery is retried and its outbox
//! row says so.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use kaoping_app::notify::{dingtalk_sign, Backoff, DeliveryRound, Digest};
use kaoping_app::App;
use kaoping_store::OutboxMessage;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::helpers::TestApp;

on_both!(
    robots_get_their_json_after_a_retry,
    a_digest_queued_twice_in_a_day_is_sent_once,
    mail_arrives_after_a_retry_with_its_chinese_subject,
    the_test_button_sends_now_and_shows_the_outcome,
    only_the_administrator_configures_reminders,
);

/// The worker on a server whose today is fixed (the digest's day is the application's clock's).
mod the_servers_worker_delivers_and_retries_on_its_own {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        crate::helpers::run_on_day(
            kaoping_store::Backend::Sqlite,
            "2024-07-21",
            super::the_servers_worker_delivers_and_retries_on_its_own,
        )
        .await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        crate::helpers::run_on_day(
            kaoping_store::Backend::Postgres,
            "2024-07-21",
            super::the_servers_worker_delivers_and_retries_on_its_own,
        )
        .await
    }
}

/// One request the receiver got: the robot's name (the path), the query and the JSON body.
#[derive(Debug, Clone)]
struct Hit {
    robot: String,
    query: HashMap<String, String>,
    body: Value,
}

#[derive(Clone, Default)]
struct Receiver(Arc<Mutex<Vec<Hit>>>);

impl Receiver {
    fn hits(&self, robot: &str) -> Vec<Hit> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h.robot == robot)
            .cloned()
            .collect()
    }
}

/// The first request to `/wecom…` gets HTTP 500, the first to `/ding…` `{"errcode":310000}`; every
/// later one `{"errcode":0}`.
async fn hook(
    State(r): State<Receiver>,
    Path(robot): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    Json(body): Json<Value>,
) -> Response {
    let first = {
        let mut hits = r.0.lock().unwrap();
        let first = !hits.iter().any(|h| h.robot == robot);
        hits.push(Hit {
            robot: robot.clone(),
            query,
            body,
        });
        first
    };
    match (first, robot.starts_with("wecom")) {
        (true, true) => (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response(),
        (true, false) => {
            Json(json!({"errcode": 310000, "errmsg": "sign not match"})).into_response()
        }
        (false, _) => Json(json!({"errcode": 0, "errmsg": "ok"})).into_response(),
    }
}

/// A local HTTP receiver; returns its base URL.
async fn receiver() -> (String, Receiver) {
    let received = Receiver::default();
    let router = axum::Router::new()
        .route("/{robot}", axum::routing::post(hook))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (base, received)
}

/// A mail the SMTP server took.
#[derive(Debug, Clone)]
struct Mail {
    to: Vec<String>,
    data: String,
}

#[derive(Clone, Default)]
struct Mailbox {
    mails: Arc<Mutex<Vec<Mail>>>,
    connections: Arc<AtomicUsize>,
}

/// A minimal SMTP server: 220, EHLO/HELO 250, MAIL/RCPT 250, DATA 354 … `.` 250, QUIT 221. The first
/// connection answers MAIL with 451 (try again later). Returns its port.
async fn smtp_server() -> (u16, Mailbox) {
    let mailbox = Mailbox::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mb = mailbox.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let refuse = mb.connections.fetch_add(1, Ordering::SeqCst) == 0;
            let mb = mb.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 localhost test SMTP\r\n").await;
                let (mut to, mut data, mut in_data) = (Vec::new(), String::new(), false);
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            mb.mails.lock().unwrap().push(Mail {
                                to: std::mem::take(&mut to),
                                data: std::mem::take(&mut data),
                            });
                            let _ = write.write_all(b"250 2.0.0 queued\r\n").await;
                        } else {
                            data.push_str(line.strip_prefix('.').unwrap_or(&line));
                            data.push('\n');
                        }
                        continue;
                    }
                    let upper = line.to_ascii_uppercase();
                    let answer: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 localhost\r\n"
                    } else if upper.starts_with("MAIL FROM") {
                        if refuse {
                            b"451 4.3.0 try again later\r\n"
                        } else {
                            b"250 2.1.0 ok\r\n"
                        }
                    } else if upper.starts_with("RCPT TO") {
                        to.push(
                            line[8..]
                                .trim()
                                .trim_start_matches('<')
                                .trim_end_matches('>')
                                .to_string(),
                        );
                        b"250 2.1.5 ok\r\n"
                    } else if upper == "DATA" {
                        in_data = true;
                        b"354 end with .\r\n"
                    } else if upper == "QUIT" {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = write.write_all(answer).await;
                }
            });
        }
    });
    (port, mailbox)
}

/// A header's value with its folded lines joined.
fn header(data: &str, name: &str) -> Option<String> {
    let mut lines = data.lines();
    let prefix = format!("{}:", name.to_ascii_lowercase());
    let first = lines
        .by_ref()
        .find(|l| l.to_ascii_lowercase().starts_with(&prefix))?;
    let mut value = first[prefix.len()..].trim().to_string();
    for l in lines {
        if l.starts_with(' ') || l.starts_with('\t') {
            value.push(' ');
            value.push_str(l.trim());
        } else {
            break;
        }
    }
    Some(value)
}

/// RFC 2047 words (`=?utf-8?b?…?=`) decoded and joined; plain words kept.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    for word in value.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        if lower.starts_with("=?utf-8?b?") && word.ends_with("?=") {
            let encoded = &word["=?utf-8?b?".len()..word.len() - 2];
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .expect("base64 word");
            out.push_str(&String::from_utf8(bytes).expect("UTF-8 word"));
        } else {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

fn digest(title: &str) -> Digest {
    Digest {
        title: title.into(),
        sections: vec![
            (
                "安全科 · 供电车间党支部".into(),
                vec!["红色：6月支委会记录缺失".into()],
            ),
            (
                "党工部 · 供水车间党支部".into(),
                vec!["黄色：7月党小组会记录尚未录入".into()],
            ),
        ],
    }
}

/// An application over the test server's database, as another process's would be.
fn app_on(app: &TestApp) -> App {
    App::new(app.store().clone())
}

async fn add_channel(app: &TestApp, channel: Value) -> i64 {
    let admin = app.client("admin").await;
    let r = admin.post_json("/api/notify/channels", &channel).await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_i64().expect("id")
}

async fn outbox(app: &TestApp) -> Vec<OutboxMessage> {
    app.store().recent_messages(100).await.expect("outbox")
}

fn by_channel<'a>(rows: &'a [OutboxMessage], name: &str) -> &'a OutboxMessage {
    rows.iter()
        .find(|m| m.channel_name == name)
        .unwrap_or_else(|| panic!("no message for {name}"))
}

/// The WeCom robot's key in its address: long enough that no token on a page holds it by chance. The
/// two-letter `k1` it replaces turns up inside the page's CSRF token (43 random base64url characters)
/// about once in a hundred runs, and failed CI once that way.
const ROBOT_KEY: &str = "robotkey-9Xq7Zw";

async fn robots_get_their_json_after_a_retry(app: TestApp) {
    let (base, received) = receiver().await;
    add_channel(
        &app,
        json!({"kind": "wecom", "name": "党委工作群", "target": format!("{base}/wecom?key={ROBOT_KEY}")}),
    )
    .await;
    add_channel(
        &app,
        json!({"kind": "dingtalk", "name": "钉钉党建群", "target": format!("{base}/ding?access_token=t1"), "secret": "SECabc"}),
    )
    .await;
    let local = app_on(&app);
    let day = "2024-07-21".parse().unwrap();
    assert_eq!(
        local
            .queue_digest(day, &digest("考评预警日报 2024-07-21"))
            .await
            .unwrap(),
        2
    );

    // First attempt: both fail and are kept for a retry a minute later.
    let now = kaoping_app::now_ms();
    let round = local.deliver_due(now).await.unwrap();
    assert_eq!(
        round,
        DeliveryRound {
            sent: 0,
            retrying: 2,
            failed: 0
        }
    );
    let rows = outbox(&app).await;
    let wecom = by_channel(&rows, "党委工作群");
    assert_eq!(
        (wecom.attempts, wecom.sent_at, wecom.failed_at),
        (1, None, None)
    );
    assert!(
        wecom.last_error.as_deref().unwrap().contains("HTTP 500"),
        "{wecom:?}"
    );
    assert_eq!(wecom.next_attempt_at, now + 60_000);
    let ding = by_channel(&rows, "钉钉党建群");
    assert!(
        ding.last_error
            .as_deref()
            .unwrap()
            .contains("errcode=310000"),
        "{ding:?}"
    );
    // Not due again before the backoff's minute.
    assert_eq!(
        local.deliver_due(now + 30_000).await.unwrap(),
        DeliveryRound::default()
    );
    let page = app.client("admin").await.get("/admin/notifications").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("待重试"), "{}", page.text());
    assert!(page.text().contains("HTTP 500"));
    assert!(
        !page.text().contains(ROBOT_KEY),
        "the robot's key is not shown"
    );

    // The retry succeeds.
    let later = now + 61_000;
    assert_eq!(local.deliver_due(later).await.unwrap().sent, 2);
    let rows = outbox(&app).await;
    for name in ["党委工作群", "钉钉党建群"] {
        let m = by_channel(&rows, name);
        assert_eq!((m.attempts, m.sent_at), (2, Some(later)), "{m:?}");
    }

    let wecom = received.hits("wecom");
    assert_eq!(wecom.len(), 2);
    let body = &wecom[1].body;
    assert_eq!(body["msgtype"], "markdown");
    assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
    let content = body["markdown"]["content"].as_str().expect("content");
    assert!(
        content.starts_with("**考评预警日报 2024-07-21**"),
        "{content}"
    );
    assert!(content.contains("**安全科 · 供电车间党支部**\n> 红色：6月支委会记录缺失"));
    assert!(content.len() <= 4096);
    assert_eq!(
        wecom[1].query.get("key").map(String::as_str),
        Some(ROBOT_KEY)
    );

    let ding = received.hits("ding");
    assert_eq!(ding.len(), 2);
    let body = &ding[1].body;
    assert_eq!(body["msgtype"], "markdown");
    assert_eq!(body["markdown"]["title"], "考评预警日报 2024-07-21");
    let text = body["markdown"]["text"].as_str().expect("text");
    assert!(text.contains("- 黄色：7月党小组会记录尚未录入"), "{text}");
    let q = &ding[1].query;
    assert_eq!(q["access_token"], "t1");
    assert_eq!(q["timestamp"], later.to_string());
    assert_eq!(q["sign"], dingtalk_sign("SECabc", later));

    let page = app.client("admin").await.get("/admin/notifications").await;
    assert!(page.text().contains("已发送"));
}

async fn a_digest_queued_twice_in_a_day_is_sent_once(app: TestApp) {
    let (base, received) = receiver().await;
    add_channel(
        &app,
        json!({"kind": "dingtalk", "name": "钉钉群", "target": format!("{base}/ding")}),
    )
    .await;
    let off = add_channel(
        &app,
        json!({"kind": "wecom", "name": "停用的群", "target": format!("{base}/wecom"), "enabled": false}),
    )
    .await;
    let local = app_on(&app);
    // Two processes queue the same day's digest: one message per enabled channel.
    let other = app_on(&app);
    let day = "2024-07-21".parse().unwrap();
    let d = digest("日报");
    let (a, b) = tokio::join!(local.queue_digest(day, &d), other.queue_digest(day, &d));
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(local.queue_digest(day, &d).await.unwrap(), 0);
    // An empty digest queues nothing; the next day queues again.
    assert_eq!(
        local
            .queue_digest("2024-07-22".parse().unwrap(), &Digest::default())
            .await
            .unwrap(),
        0
    );
    let now = kaoping_app::now_ms();
    // Two processes deliver at once: each attempt is claimed by one of them.
    let (x, y) = tokio::join!(local.deliver_due(now), other.deliver_due(now));
    assert_eq!(x.unwrap().retrying + y.unwrap().retrying, 1);
    let (x, y) = tokio::join!(
        local.deliver_due(now + 61_000),
        other.deliver_due(now + 61_000)
    );
    assert_eq!(x.unwrap().sent + y.unwrap().sent, 1);
    assert_eq!(
        local.deliver_due(now + 3_600_000).await.unwrap(),
        DeliveryRound::default()
    );
    assert_eq!(received.hits("ding").len(), 2, "one failure, one success");
    assert!(received.hits("wecom").is_empty(), "disabled: nothing sent");
    let rows = outbox(&app).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows.iter().all(|m| m.channel_id != Some(off)));
}

async fn mail_arrives_after_a_retry_with_its_chinese_subject(app: TestApp) {
    let (port, mailbox) = smtp_server().await;
    let admin = app.client("admin").await;
    let r = admin
        .post_form(
            &admin.with_csrf("/admin/notifications/smtp"),
            &[
                ("host", "127.0.0.1"),
                ("port", &port.to_string()),
                ("security", "none"),
                ("username", ""),
                ("password", "s3cret-pw"),
                ("from_address", "kaoping@example.com"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = admin.get("/admin/notifications").await;
    assert!(
        !page.text().contains("s3cret-pw"),
        "the password is never shown"
    );
    assert!(page.text().contains("已保存；留空则不变"));
    // Saved again without a password: the stored one stays.
    let r = admin
        .post_form(
            &admin.with_csrf("/admin/notifications/smtp"),
            &[
                ("host", "127.0.0.1"),
                ("port", &port.to_string()),
                ("security", "none"),
                ("username", ""),
                ("password", ""),
                ("from_address", "kaoping@example.com"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let kept = app.store().smtp_settings().await.unwrap().unwrap();
    assert_eq!(kept.password, "s3cret-pw");
    // Without a user name the server is not asked to log in (this one offers no AUTH).

    add_channel(
        &app,
        json!({"kind": "email", "name": "党委邮箱", "target": "dangwei@example.com, jiwei@example.com"}),
    )
    .await;
    let local = app_on(&app);
    let day = "2024-07-21".parse().unwrap();
    let title = "考评预警日报 2024年7月21日：红色1个、黄色1个";
    assert_eq!(local.queue_digest(day, &digest(title)).await.unwrap(), 1);
    let now = kaoping_app::now_ms();
    assert_eq!(local.deliver_due(now).await.unwrap().retrying, 1);
    let m = outbox(&app).await.remove(0);
    assert!(
        m.last_error.as_deref().unwrap().contains("451"),
        "{:?}",
        m.last_error
    );
    assert!(mailbox.mails.lock().unwrap().is_empty());
    assert_eq!(local.deliver_due(now + 61_000).await.unwrap().sent, 1);

    let mails = mailbox.mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.to, ["dangwei@example.com", "jiwei@example.com"]);
    let subject = header(&mail.data, "Subject").expect("subject");
    assert_eq!(decode_words(&subject), title, "{}", mail.data);
    let content_type = header(&mail.data, "Content-Type").expect("content type");
    assert!(
        content_type
            .to_ascii_lowercase()
            .starts_with("text/plain; charset=utf-8"),
        "{content_type}"
    );
    let m = outbox(&app).await.remove(0);
    assert_eq!((m.attempts, m.sent_at), (2, Some(now + 61_000)));
}

async fn the_test_button_sends_now_and_shows_the_outcome(app: TestApp) {
    let (base, received) = receiver().await;
    let admin = app.client("admin").await;
    let r = admin
        .post_form(
            &admin.with_csrf("/admin/notifications/channels"),
            &[
                ("kind", "wecom"),
                ("name", "测试群"),
                ("target", &format!("{base}/wecom-test?key=x")),
                ("enabled", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let channels = admin.get("/api/notify/channels").await.json();
    let id = channels[0]["id"].as_i64().unwrap();
    assert_eq!(channels[0]["kind"], "wecom");
    assert_eq!(channels[0]["enabled"], true);

    // The robot refuses the first message: the page says so with the error.
    let path = format!("/admin/notifications/channels/{id}/test");
    let r = admin.post_form(&admin.with_csrf(&path), &[]).await;
    assert_eq!(r.status, 303);
    let shown = admin.get(r.location().unwrap()).await.text();
    assert!(shown.contains("测试消息发送失败"), "{shown}");
    assert!(shown.contains("HTTP 500"), "{shown}");
    // The second is delivered.
    let r = admin.post_form(&admin.with_csrf(&path), &[]).await;
    let shown = admin.get(r.location().unwrap()).await.text();
    assert!(shown.contains("测试消息已发送"), "{shown}");
    // And through the API.
    let r = admin
        .post_json(&format!("/api/notify/channels/{id}/test"), &json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"sent": true}));

    let hits = received.hits("wecom-test");
    assert_eq!(hits.len(), 3);
    let content = hits[1].body["markdown"]["content"].as_str().unwrap();
    assert!(content.contains("考评系统测试消息"), "{content}");
    // Each attempt is in the outbox: the failure for good (a test is not retried), then two sent.
    let rows = outbox(&app).await;
    assert_eq!(rows.len(), 3);
    assert!(rows[2].failed_at.is_some() && rows[2].sent_at.is_none());
    assert!(rows[2].last_error.as_deref().unwrap().contains("HTTP 500"));
    assert!(rows[0].sent_at.is_some() && rows[1].sent_at.is_some());
    assert!(rows.iter().all(|m| m.purpose == "test"));
    // The workers never pick a test message up.
    let local = app_on(&app);
    assert_eq!(
        local
            .deliver_due(kaoping_app::now_ms() + 86_400_000)
            .await
            .unwrap(),
        DeliveryRound::default()
    );
    let page = admin.get("/admin/notifications").await.text();
    assert!(page.contains("失败") && page.contains("已发送"), "{page}");
}

async fn only_the_administrator_configures_reminders(app: TestApp) {
    let assessor = app.client("anquan").await;
    let channel = json!({"kind": "wecom", "name": "群", "target": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=1"});
    assert_eq!(assessor.get("/api/notify/channels").await.status, 403);
    assert_eq!(
        assessor
            .post_json("/api/notify/channels", &channel)
            .await
            .status,
        403
    );
    assert_eq!(assessor.get("/admin/notifications").await.status, 403);
    assert_eq!(
        app.anonymous().get("/api/notify/channels").await.status,
        401
    );
    let id = add_channel(&app, channel).await;
    assert_eq!(
        assessor
            .post_json(&format!("/api/notify/channels/{id}/test"), &json!({}))
            .await
            .status,
        403
    );
    let r = assessor
        .post_form(
            &assessor.with_csrf(&format!("/admin/notifications/channels/{id}/delete")),
            &[],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(outbox(&app).await.is_empty(), "nothing was sent");

    // The administrator's mistakes are named by field.
    let admin = app.client("admin").await;
    let r = admin
        .post_json(
            "/api/notify/channels",
            &json!({"kind": "wecom", "name": "群", "target": "ftp://example.com/hook"}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.error(), "网址：应以 http:// 或 https:// 开头");
    let r = admin
        .post_form(
            &admin.with_csrf("/admin/notifications/channels"),
            &[
                ("kind", "email"),
                ("name", "邮箱"),
                ("target", "not-an-address"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    let text = r.text();
    assert!(text.contains("id=\"target-error\""), "{text}");
    assert!(
        text.contains("收件人：“not-an-address”不像邮件地址"),
        "{text}"
    );
    assert!(text.contains("not-an-address"), "kept as typed");

    // Edit, disable, delete: each audited.
    let r = admin
        .post_form(
            &admin.with_csrf(&format!("/admin/notifications/channels/{id}/edit")),
            &[
                ("kind", "dingtalk"),
                ("name", "钉钉群"),
                (
                    "target",
                    "https://oapi.dingtalk.com/robot/send?access_token=abc",
                ),
                ("secret", "SECxyz"),
                ("enabled", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let edit = admin
        .get(&format!("/admin/notifications/channels/{id}/edit"))
        .await
        .text();
    assert!(!edit.contains("SECxyz"), "the secret is never shown");
    let listed = admin.get("/api/notify/channels").await.json();
    assert_eq!(listed[0]["signed"], true);
    assert!(!listed.to_string().contains("SECxyz"));
    let r = admin
        .post_form(
            &admin.with_csrf(&format!("/admin/notifications/channels/{id}/enabled")),
            &[("enabled", "0")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        admin.get("/api/notify/channels").await.json()[0]["enabled"],
        false
    );
    let r = admin
        .post_form(
            &admin.with_csrf(&format!("/admin/notifications/channels/{id}/delete")),
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(admin.get("/api/notify/channels").await.json(), json!([]));
    let actions: Vec<String> = app
        .store()
        .audit_log(20)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for key in [
        "notify_channel_create",
        "notify_channel_edit",
        "notify_channel_delete",
    ] {
        assert!(actions.iter().any(|a| a == key), "{key}: {actions:?}");
    }
}

async fn the_servers_worker_delivers_and_retries_on_its_own(app: TestApp) {
    let (base, received) = receiver().await;
    add_channel(
        &app,
        json!({"kind": "wecom", "name": "党委工作群", "target": format!("{base}/wecom")}),
    )
    .await;
    // A second server process whose worker runs every 200 ms and retries after 100 ms.
    let _other = app
        .spawn_other_server_with(|c| {
            c.notify.every = Duration::from_millis(200);
            c.notify.backoff = Backoff::new(vec![100]);
        })
        .await;
    let day = "2024-07-21".parse().unwrap();
    assert_eq!(
        app_on(&app)
            .queue_digest(day, &digest("日报"))
            .await
            .unwrap(),
        1
    );
    let mut waited = 0;
    loop {
        let rows = outbox(&app).await;
        if rows[0].sent_at.is_some() {
            assert_eq!(rows[0].attempts, 2);
            assert!(rows[0].last_error.as_deref().unwrap().contains("HTTP 500"));
            break;
        }
        waited += 1;
        assert!(waited < 100, "not delivered within 10 s: {rows:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(received.hits("wecom").len(), 2);
}
