//! The bad-input catalogue of the web application: what careless clerks and outside probes sent, one
//! row each, through the JSON API, the forms and the file uploads. Every row asserts the status, the
//! words of the refusal (what is wrong and where: the field, the row, the line) and that nothing
//! stored changed: users, departments, the organisation, rubrics, periods, both ledgers, appeals,
//! reviews and the audit trail. The command line and the importers have their own catalogue
//! (`crates/kaoping-cli/tests/catalogue.rs`).
//!
//! A failing row does not stop the run: every row is tried and all failures are reported together.

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

use crate::helpers::{TestApp, UserClient};

on_both!(bad_input_catalogue);

/// How a row reaches the server.
enum Send {
    Get(String),
    Json(String, Value),
    /// A raw body with its content type (CSRF header included).
    Raw(String, &'static str, Vec<u8>),
    /// A JSON POST with extra headers and no CSRF token unless given.
    JsonWith(String, Value, Vec<(&'static str, String)>),
    /// An urlencoded form POST; the CSRF token is added to the action.
    Form(String, Vec<(&'static str, String)>),
    /// An urlencoded form POST without the token.
    FormWithoutToken(String, Vec<(&'static str, String)>),
    /// A multipart form POST with the CSRF token: text fields and files.
    Multipart(String, Vec<Field>),
}

enum Field {
    Text(&'static str, String),
    File(&'static str, &'static str, Vec<u8>),
}

struct Case {
    /// What the row is, as a failure names it.
    name: &'static str,
    /// Who sends it: a demo user, or "" for no session.
    who: &'static str,
    send: Send,
    status: u16,
    /// Fragments the refusal must contain (the body, or the message of a redirect).
    says: &'static [&'static str],
}

fn case(
    name: &'static str,
    who: &'static str,
    send: Send,
    status: u16,
    says: &'static [&'static str],
) -> Case {
    Case {
        name,
        who,
        send,
        status,
        says,
    }
}

fn json_entry(v: Value) -> Send {
    Send::Json("/api/periods/2/entries".into(), v)
}

fn form_entry(fields: &[(&'static str, &str)]) -> Send {
    Send::Multipart(
        "/periods/2/entries".into(),
        fields
            .iter()
            .map(|(k, v)| Field::Text(k, v.to_string()))
            .collect(),
    )
}

fn form(path: &str, fields: &[(&'static str, &str)]) -> Send {
    Send::Form(
        path.into(),
        fields.iter().map(|(k, v)| (*k, v.to_string())).collect(),
    )
}

fn upload(path: &str, filename: &'static str, bytes: &[u8]) -> Send {
    Send::Multipart(
        path.into(),
        vec![
            Field::Text("name", "导入的细则".into()),
            Field::File("file", filename, bytes.to_vec()),
        ],
    )
}

/// A workbook of `rows` (the first is the header), as a clerk's Excel file.
fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *v).expect("cell");
        }
    }
    book.save_to_buffer().expect("xlsx")
}

/// A workbook with cells at A1 and XFD1048576: its "used range" is the whole sheet, 512 GiB as a grid.
fn corner_bomb() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "unit").expect("cell");
    sheet.write_string(1_048_575, 16_383, "x").expect("cell");
    book.save_to_buffer().expect("xlsx")
}

/// A package of a few hundred KB whose one part inflates to 120 MB.
fn inflation_bomb(part: &str) -> Vec<u8> {
    use std::io::Write;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    out.start_file(part, options).expect("zip entry");
    let spaces = vec![b' '; 1024 * 1024];
    for _ in 0..120 {
        out.write_all(&spaces).expect("zip write");
    }
    out.finish().expect("zip").into_inner()
}

/// A rubric file with `body` after a valid header.
fn rubric(body: &str) -> String {
    format!("name = \"导入测试细则\"\ntotal = 100\n\n{body}")
}

/// A one-section rubric, valid but for what `rule` says.
fn one_item_rubric(points: &str, rule: &str) -> String {
    rubric(&format!(
        "[[sections]]\ncode = \"1\"\nname = \"党建\"\npoints = {points}\n\n[[sections.items]]\ncode = \"1.1\"\nname = \"学习\"\npoints = {points}\n\n[[sections.items.rules]]\ncode = \"1.1.1\"\ntext = \"每少一次扣2分\"\n{rule}\n"
    ))
}

/// Everything a user could see change, as text.
async fn stored(app: &TestApp) -> String {
    let s = app.store();
    let mut out = String::new();
    let mut add = |what: &str, v: String| {
        out.push_str(what);
        out.push_str(&v);
        out.push('\n');
    };
    add("users", format!("{:?}", s.users().await.unwrap()));
    add(
        "departments",
        format!("{:?}", s.departments().await.unwrap()),
    );
    add("org", format!("{:?}", s.org_units().await.unwrap()));
    add("rubrics", format!("{:?}", s.rubrics().await.unwrap()));
    add("periods", format!("{:?}", s.periods().await.unwrap()));
    for p in [1, 2] {
        add("entries", format!("{:?}", s.entries(p).await.unwrap()));
        add("appeals", format!("{:?}", s.appeals(p).await.unwrap()));
        add("reviews", format!("{:?}", s.reviews(p).await.unwrap()));
    }
    add(
        "audit",
        format!("{:?}", s.audit_log(100_000).await.unwrap()),
    );
    out
}

/// The body, and the message a redirect carries (`?err=`, `?msg=`), decoded.
fn said(r: &crate::helpers::Resp) -> String {
    let mut text = r.text();
    if let Some(loc) = r.location() {
        if let Ok(url) = reqwest::Url::parse(&format!("http://x{loc}")) {
            for (k, v) in url.query_pairs() {
                text.push_str(&format!("\n[{k}] {v}"));
            }
        }
    }
    text.replace("&quot;", "\"").replace("&#39;", "'")
}

async fn send(app: &TestApp, c: &Case) -> crate::helpers::Resp {
    let client: UserClient = if c.who.is_empty() {
        app.anonymous()
    } else {
        app.client(c.who).await
    };
    match &c.send {
        Send::Get(path) => client.get(path).await,
        Send::Json(path, body) => client.post_json(path, body).await,
        Send::Raw(path, content_type, body) => {
            let (token, body) = (client.csrf().to_string(), body.clone());
            client
                .post_with(path, |b| {
                    b.header("x-csrf-token", token)
                        .header("content-type", *content_type)
                        .body(body)
                })
                .await
        }
        Send::JsonWith(path, body, headers) => {
            client
                .post_with(path, |mut b| {
                    b = b.json(body);
                    for (k, v) in headers {
                        b = b.header(*k, v);
                    }
                    b
                })
                .await
        }
        Send::Form(path, fields) => {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            client.post_form(&client.with_csrf(path), &fields).await
        }
        Send::FormWithoutToken(path, fields) => {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            client.post_form(path, &fields).await
        }
        Send::Multipart(path, fields) => {
            let mut form = Form::new();
            for f in fields {
                form = match f {
                    Field::Text(k, v) => form.text(*k, v.clone()),
                    Field::File(k, name, bytes) => {
                        form.part(*k, Part::bytes(bytes.clone()).file_name(*name))
                    }
                };
            }
            client.post_multipart(&client.with_csrf(path), form).await
        }
    }
}

/// The ids the rows refer to, looked up in the demo.
struct Ids {
    /// An active entry of the open period, on an item the 安全科 owns.
    open_entry: i64,
    /// A published entry concerning D01.
    published_d01: i64,
    /// The user `lingdao`.
    viewer: i64,
}

async fn ids(app: &TestApp) -> Ids {
    let s = app.store();
    let anquan = app.client("anquan").await;
    let r = anquan
        .record(
            2,
            &json!({"unit": "D03", "code": "1.4.3", "note": "未开展安全教育"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let open_entry = r.json()["id"].as_i64().expect("id");
    let published_d01 = s
        .entries(1)
        .await
        .unwrap()
        .iter()
        .find(|e| e.unit_code == "D01")
        .expect("a D01 entry in 2023")
        .id;
    let viewer = s.user_by_username("lingdao").await.unwrap().unwrap().id;
    Ids {
        open_entry,
        published_d01,
        viewer,
    }
}

#[rustfmt::skip]
fn api_cases(ids: &Ids) -> Vec<Case> {
    let e = ids.open_entry;
    vec![
        case("JSON cut short", "anquan", Send::Raw("/api/periods/2/entries".into(), "application/json", br#"{"unit": "D03", "code": "1.4.2""#.to_vec()), 400, &["JSON"]),
        case("JSON without quotes", "anquan", Send::Raw("/api/periods/2/entries".into(), "application/json", b"{unit: D03}".to_vec()), 400, &["JSON"]),
        case("empty body", "anquan", Send::Raw("/api/periods/2/entries".into(), "application/json", Vec::new()), 400, &["JSON"]),
        case("not JSON at all", "anquan", Send::Raw("/api/periods/2/entries".into(), "text/plain", b"D03,1.4.2,1".to_vec()), 415, &["Content-Type", "application/json"]),
        case("invalid UTF-8 in JSON", "anquan", Send::Raw("/api/periods/2/entries".into(), "application/json", b"{\"unit\": \"\xff\xfe\"}".to_vec()), 400, &["JSON"]),
        case("count as a word", "anquan", json_entry(json!({"unit": "D03", "code": "1.4.2", "count": "two"})), 422, &["count", "类型不对", "第1行"]),
        case("misspelt field", "anquan", json_entry(json!({"unit": "D03", "code": "1.4.2", "count": 1, "cuont": 2})), 422, &["没有字段“cuont”"]),
        case("no unit", "anquan", json_entry(json!({"code": "1.4.2", "count": 1})), 422, &["缺少字段“unit”"]),
        case("empty object", "anquan", json_entry(json!({})), 422, &["缺少字段“unit”"]),
        case("an array for an object", "anquan", json_entry(json!([1, 2])), 422, &["JSON字段有误", "类型不对"]),
        case("unknown code", "admin", json_entry(json!({"unit": "D03", "code": "9.9.9", "count": 1})), 422, &["9.9.9"]),
        case("a unit code with SQL in it", "anquan", json_entry(json!({"unit": "D03' OR '1'='1", "code": "1.4.2", "count": 1})), 422, &["D03' OR '1'='1"]),
        case("a code with SQL in it", "anquan", json_entry(json!({"unit": "D03", "code": "1.4.2'; DROP TABLE entries; --", "count": 1})), 422, &["DROP TABLE"]),
        case("unknown unit", "anquan", json_entry(json!({"unit": "D99", "code": "1.4.2", "count": 1})), 422, &["D99"]),
        case("negative count", "anquan", json_entry(json!({"unit": "D03", "code": "1.4.2", "count": -1})), 422, &["次数", "负数", "-1"]),
        case("count past i64", "anquan", json_entry(json!({"unit": "D03", "code": "1.4.2", "count": 99999999999999999999u128})), 422, &["count"]),
        case("count of a million and one", "anquan", json_entry(json!({"unit": "D03", "code": "1.4.2", "count": 1000001})), 422, &["次数", "1000001"]),
        case("points on a counted rule", "anquan", json_entry(json!({"unit": "D03", "code": "1.4.2", "points": "3"})), 422, &["1.4.2"]),
        case("points as a word", "dangong", json_entry(json!({"unit": "D03", "code": "6.1.1", "points": "three", "note": "上级交办"})), 422, &["points"]),
        case("points above the item", "dangong", json_entry(json!({"unit": "D03", "code": "6.1.1", "points": "9", "note": "上级交办"})), 422, &["6.1.1", "5"]),
        case("negative points", "dangong", json_entry(json!({"unit": "D03", "code": "6.1.1", "points": "-1", "note": "上级交办"})), 422, &["6.1.1"]),
        case("points with 30 digits", "dangong", json_entry(json!({"unit": "D03", "code": "6.1.1", "points": "123456789012345678901234567890", "note": "x"})), 422, &["points"]),
        case("discretionary without a reason", "dangong", json_entry(json!({"unit": "D03", "code": "6.1.1", "points": "4"})), 422, &["6.1.1", "理由"]),
        case("unknown level", "dangong", json_entry(json!({"unit": "D03", "code": "2.2.2", "level": "极好"})), 422, &["极好"]),
        case("impossible date", "anquan", json_entry(json!({"unit": "D03", "code": "1.4.3", "date": "2024-02-30"})), 422, &["date"]),
        case("unknown round", "anquan", json_entry(json!({"unit": "D03", "code": "1.4.3", "round": "Q9"})), 422, &["Q9"]),
        case("a note of a whole document", "anquan", json_entry(json!({"unit": "D03", "code": "1.4.3", "note": "字".repeat(2001)})), 422, &["说明", "2000", "2001"]),
        case("another department's item", "anquan", json_entry(json!({"unit": "D03", "code": "6.1.1", "points": "4", "note": "x"})), 403, &["党工部"]),
        case("a viewer records", "lingdao", json_entry(json!({"unit": "D03", "code": "1.4.3"})), 403, &["没有权限"]),
        case("a published period", "admin", Send::Json("/api/periods/1/entries".into(), json!({"unit": "D03", "code": "1.4.3"})), 409, &["发布"]),
        case("a period that does not exist", "admin", Send::Json("/api/periods/999/entries".into(), json!({"unit": "D03", "code": "1.4.3"})), 404, &["999"]),
        case("a period id that is not a number", "admin", Send::Json("/api/periods/abc/entries".into(), json!({"unit": "D03", "code": "1.4.3"})), 400, &["abc"]),
        case("no session", "", json_entry(json!({"unit": "D03", "code": "1.4.3"})), 401, &["登录"]),
        case("no CSRF token", "anquan", Send::JsonWith("/api/periods/2/entries".into(), json!({"unit": "D03", "code": "1.4.3"}), vec![]), 403, &["CSRF"]),
        case("another site's page", "anquan", Send::JsonWith("/api/periods/2/entries".into(), json!({"unit": "D03", "code": "1.4.3"}), vec![("origin", "http://evil.example".into())]), 403, &["跨站"]),
        case("withdraw without a reason", "anquan", Send::Json(format!("/api/periods/2/entries/{e}/withdraw"), json!({"reason": "  "})), 422, &["原因"]),
        case("withdraw an entry that does not exist", "admin", Send::Json("/api/periods/2/entries/999999/withdraw".into(), json!({"reason": "重复"})), 404, &["999999"]),
        case("withdraw with a whole document", "anquan", Send::Json(format!("/api/periods/2/entries/{e}/withdraw"), json!({"reason": "错".repeat(5000)})), 422, &["撤回原因", "2000"]),
        case("publish as an assessor", "anquan", Send::Json("/api/periods/2/publish".into(), json!({})), 403, &["管理员"]),
        case("publish what is published", "admin", Send::Json("/api/periods/1/publish".into(), json!({})), 409, &["已发布"]),
        case("a reminder webhook that is not http", "admin", Send::Json("/api/notify/channels".into(), json!({"kind": "wecom", "name": "群", "target": "ftp://example.com/hook"})), 422, &["网址", "http://"]),
        case("a reminder channel of an unknown kind", "admin", Send::Json("/api/notify/channels".into(), json!({"kind": "sms", "name": "群", "target": "https://example.com/hook"})), 422, &["类型", "sms"]),
        case("reminder recipients that are not addresses", "admin", Send::Json("/api/notify/channels".into(), json!({"kind": "email", "name": "邮箱", "target": "dangwei@example.com, dangwei"})), 422, &["收件人", "“dangwei”"]),
        case("a reminder channel named with a page", "admin", Send::Json("/api/notify/channels".into(), json!({"kind": "wecom", "name": "群".repeat(1000), "target": "https://example.com/hook"})), 422, &["名称", "100"]),
        case("reminders set up by an assessor", "anquan", Send::Json("/api/notify/channels".into(), json!({"kind": "wecom", "name": "群", "target": "https://example.com/hook"})), 403, &["管理员"]),
        case("a test message to a channel that does not exist", "admin", Send::Json("/api/notify/channels/999/test".into(), json!({})), 404, &["999"]),
        case("an SMTP port that is not a port", "admin", Send::Form("/admin/notifications/smtp".into(), vec![("host", "smtp.example.com".into()), ("port", "99999".into()), ("security", "tls".into()), ("from_address", "k@example.com".into())]), 422, &["端口", "99999"]),
        case("login without a password", "", Send::JsonWith("/api/login".into(), json!({"username": "admin"}), vec![]), 422, &["password"]),
        case("login with a wrong password", "", Send::JsonWith("/api/login".into(), json!({"username": "admin", "password": "wrong-password"}), vec![]), 422, &["用户名或密码错误"]),
        case("login with a name of a page", "", Send::JsonWith("/api/login".into(), json!({"username": "a".repeat(10_000), "password": "x"}), vec![]), 422, &["太长"]),
        case("login from another site", "", Send::JsonWith("/api/login".into(), json!({"username": "admin", "password": "kaoping2023"}), vec![("origin", "http://evil.example".into())]), 403, &["跨站"]),
        case("a new password too short", "anquan", Send::Json("/api/account/password".into(), json!({"current": "kaoping2023", "new": "short1", "again": "short1"})), 422, &["新密码", "10"]),
        case("a new password with the user name", "anquan", Send::Json("/api/account/password".into(), json!({"current": "kaoping2023", "new": "anquan-2024-xyz", "again": "anquan-2024-xyz"})), 422, &["用户名"]),
        case("a common new password", "anquan", Send::Json("/api/account/password".into(), json!({"current": "kaoping2023", "new": "1234567890", "again": "1234567890"})), 422, &["常见"]),
        case("a new password of a page", "anquan", Send::Json("/api/account/password".into(), json!({"current": "kaoping2023", "new": "q".repeat(100_000), "again": "q".repeat(100_000)})), 422, &["新密码", "128"]),
        case("a wrong current password", "anquan", Send::Json("/api/account/password".into(), json!({"current": "not-it", "new": "tiger-lamp-orchard-58", "again": "tiger-lamp-orchard-58"})), 422, &["当前密码"]),
        case("results of a period that does not exist", "admin", Send::Get("/api/periods/999/results".into()), 404, &["999"]),
        case("results without a session", "", Send::Get("/api/periods/2/results".into()), 401, &["登录"]),
        case("a branch reads another's unpublished ledger", "d01", Send::Get("/api/periods/2/entries?unit=D03".into()), 403, &["没有权限"]),
        case("a ledger filter that is not a number", "admin", Send::Get("/api/periods/2/entries?after=abc".into()), 400, &["after", "不是有效的整数"]),
    ]
}

#[rustfmt::skip]
fn form_cases(ids: &Ids) -> Vec<Case> {
    let e = ids.open_entry;
    let viewer = ids.viewer;
    vec![
        case("form: count as a word", "anquan", form_entry(&[("unit", "D03"), ("code", "1.4.2"), ("count", "两次")]), 422, &["次数", "两次"]),
        case("form: count too large", "anquan", form_entry(&[("unit", "D03"), ("code", "1.4.2"), ("count", "99999999999999999999999")]), 422, &["次数", "太大"]),
        case("form: negative count", "anquan", form_entry(&[("unit", "D03"), ("code", "1.4.2"), ("count", "-2")]), 422, &["次数"]),
        case("form: no unit", "anquan", form_entry(&[("unit", ""), ("code", "1.4.2"), ("count", "1")]), 422, &["单位"]),
        case("form: no code", "anquan", form_entry(&[("unit", "D03"), ("code", ""), ("count", "1")]), 422, &["编号"]),
        case("form: points as a word", "dangong", form_entry(&[("unit", "D03"), ("code", "6.1.1"), ("points", "四分"), ("note", "x")]), 422, &["分值", "四分"]),
        case("form: impossible date", "anquan", form_entry(&[("unit", "D03"), ("code", "1.4.3"), ("date", "2024-02-30")]), 422, &["日期", "2024-02-30"]),
        case("form: a date in words", "anquan", form_entry(&[("unit", "D03"), ("code", "1.4.3"), ("date", "去年三月")]), 422, &["日期"]),
        case("form: a correction of nothing", "anquan", form_entry(&[("unit", "D03"), ("code", "1.4.3"), ("replaces", "abc"), ("reason", "x")]), 422, &["abc"]),
        case("form: a correction without a reason", "anquan", form_entry(&[("unit", "D03"), ("code", "1.4.3"), ("replaces", &e.to_string()), ("reason", "")]), 422, &["原因"]),
        case("form: a note of a whole document", "anquan", form_entry(&[("unit", "D03"), ("code", "1.4.3"), ("note", &"字".repeat(3000))]), 422, &["说明", "2000"]),
        case("form: an executable as evidence", "anquan", Send::Multipart("/periods/2/entries".into(), vec![Field::Text("unit", "D03".into()), Field::Text("code", "1.4.3".into()), Field::File("evidence", "照片.jpg", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec())]), 422, &["证据"]),
        case("form: evidence over 10 MB", "anquan", Send::Multipart("/periods/2/entries".into(), vec![Field::Text("unit", "D03".into()), Field::Text("code", "1.4.3".into()), Field::File("evidence", "扫描件.pdf", vec![b'%'; 10 * 1024 * 1024 + 1])]), 422, &["证据文件", "10MB"]),
        case("form: withdraw without a reason", "anquan", form(&format!("/periods/2/entries/{e}/withdraw"), &[("reason", "")]), 422, &["原因"]),
        case("form: no CSRF token", "anquan", Send::FormWithoutToken(format!("/periods/2/entries/{e}/withdraw"), vec![("reason", "重复".into())]), 403, &["CSRF"]),
        case("grid: a count in words", "anquan", form("/periods/2/grid", &[("department", ""), ("round", ""), ("o|D03|1.4.2", ""), ("v|D03|1.4.2", "三")]), 422, &["供水车间党支部", "1.4.2", "次数“三”"]),
        case("grid: a negative count", "anquan", form("/periods/2/grid", &[("department", ""), ("round", ""), ("o|D03|1.4.2", ""), ("v|D03|1.4.2", "-1")]), 422, &["供水车间党支部", "1.4.2", "次数“-1”"]),
        case("grid: a field that is no cell", "anquan", form("/periods/2/grid", &[("o|nonsense", "1")]), 422, &["o|nonsense"]),
        case("grid: a note of a whole document", "anquan", form("/periods/2/grid", &[("o|D03|1.4.2", ""), ("v|D03|1.4.2", "1"), ("note", &"字".repeat(2500))]), 422, &["说明", "2000"]),
        case("grid: another department's cell", "anquan", form("/periods/2/grid", &[("o|D03|6.1.1", ""), ("v|D03|6.1.1", "4")]), 403, &["6.1.1"]),
        case("admin: a user without a name", "admin", form("/admin/users", &[("username", " "), ("role", "viewer")]), 422, &["用户名", "不能为空"]),
        case("admin: a user name with a space", "admin", form("/admin/users", &[("username", "zhang wei"), ("role", "viewer")]), 422, &["用户名", "空格"]),
        case("admin: a user name of a page", "admin", form("/admin/users", &[("username", &"z".repeat(65)), ("role", "viewer")]), 422, &["用户名", "64"]),
        case("admin: a user name taken", "admin", form("/admin/users", &[("username", "anquan"), ("role", "viewer")]), 422, &["用户名", "“anquan”已存在"]),
        case("admin: no role", "admin", form("/admin/users", &[("username", "newuser"), ("role", "king")]), 422, &["角色"]),
        case("admin: an assessor without a department", "admin", form("/admin/users", &[("username", "newuser"), ("role", "assessor")]), 422, &["部门"]),
        case("admin: a department id in words", "admin", form("/admin/users", &[("username", "newuser"), ("role", "assessor"), ("department", "安全科")]), 422, &["部门"]),
        case("admin: a leader without a unit", "admin", form("/admin/users", &[("username", "newuser"), ("role", "leader")]), 422, &["单位"]),
        case("admin: a department without a code", "admin", form("/admin/departments", &[("code", ""), ("name", "宣传部")]), 422, &["部门编号"]),
        case("admin: a department name taken", "admin", form("/admin/departments", &[("code", "XC"), ("name", "安全科")]), 422, &["安全科", "已存在"]),
        case("admin: a department code taken", "admin", form("/admin/departments", &[("code", "AQK"), ("name", "宣传部")]), 422, &["部门编号", "“AQK”已存在"]),
        case("admin: a unit code taken", "admin", form("/admin/org", &[("code", "D01"), ("name", "新支部"), ("kind", "unit")]), 422, &["D01", "已被使用"]),
        case("admin: a unit code with a comma", "admin", form("/admin/org", &[("code", "D1,D2"), ("name", "新支部"), ("kind", "unit")]), 422, &["编号", "逗号"]),
        case("admin: a unit without a name", "admin", form("/admin/org", &[("code", "D99"), ("name", ""), ("kind", "unit")]), 422, &["名称"]),
        case("admin: a unit in a group that does not exist", "admin", form("/admin/org", &[("code", "D99"), ("name", "新支部"), ("kind", "unit"), ("member_of", "G9")]), 422, &["G9"]),
        case("admin: a parent in words", "admin", form("/admin/org", &[("code", "D99"), ("name", "新支部"), ("kind", "unit"), ("parent", "厂")]), 422, &["上级"]),
        case("admin: a period without a name", "admin", form("/admin/periods", &[("name", ""), ("year", "2025"), ("rubric", "1")]), 422, &["名称"]),
        case("admin: a year in words", "admin", form("/admin/periods", &[("name", "2025年度"), ("year", "明年"), ("rubric", "1")]), 422, &["年度", "明年"]),
        case("admin: a year out of range", "admin", form("/admin/periods", &[("name", "2025年度"), ("year", "20250"), ("rubric", "1")]), 422, &["年度", "20250"]),
        case("admin: a rubric that does not exist", "admin", form("/admin/periods", &[("name", "2025年度"), ("year", "2025"), ("rubric", "77")]), 422, &["考评细则"]),
        case("admin: a period of no units", "admin", form("/admin/periods", &[("name", "2025年度"), ("year", "2025"), ("rubric", "1"), ("scope", "selected")]), 422, &["至少"]),
        case("admin: a period name taken", "admin", form("/admin/periods", &[("name", "2024年度 党建工作考评"), ("year", "2025"), ("rubric", "1")]), 422, &["名称", "已有考评期“2024年度党建工作考评”"]),
        case("admin: a period renamed onto another", "admin", form("/admin/periods/2/edit", &[("name", "2023年度党建工作考评"), ("year", "2024")]), 422, &["名称", "已有考评期"]),
        case("admin: a published period edited", "admin", form("/admin/periods/1/edit", &[("name", "新名称"), ("year", "2023")]), 422, &["已发布的考评期不能修改"]),
        case("admin: a department in use deleted", "admin", form("/admin/departments/1/delete", &[("reason", "不再需要")]), 409, &["部门“党工部”", "名用户", "不能删除"]),
        case("admin: a status that is neither", "admin", form(&format!("/admin/users/{viewer}/active"), &[("active", "maybe")]), 303, &["状态"]),
        case("admin: deactivate a user that does not exist", "admin", form("/admin/users/999999/active", &[("active", "0")]), 404, &["999999"]),
        case("admin: a rubric that is not UTF-8", "admin", Send::Multipart("/admin/rubrics".into(), vec![Field::Text("name", "新细则".into()), Field::File("file", "细则.toml", b"name = \"\xb2\xe2\xca\xd4\"\n".to_vec())]), 422, &["UTF-8"]),
        case("admin: a rubric with a TOML mistake", "admin", Send::Multipart("/admin/rubrics".into(), vec![Field::Text("name", "新细则".into()), Field::File("file", "细则.toml", b"name = \"x\"\ntotal = \n".to_vec())]), 422, &["第2行"]),
        case("admin: a rubric without a name", "admin", Send::Multipart("/admin/rubrics".into(), vec![Field::Text("name", "".into()), Field::File("file", "细则.toml", one_item_rubric("100", "kind = \"per_occurrence\"\namount = 2") .into_bytes())]), 422, &["名称"]),
        case("appeal: an entry id in words", "d01", form("/periods/1/appeals", &[("entry", "第三条"), ("reason", "不服")]), 422, &["第三条"]),
        case("appeal: no reason", "d01", form("/periods/1/appeals", &[("entry", &ids.published_d01.to_string()), ("reason", " ")]), 303, &["申诉理由", "必须"]),
        case("appeal: a reason of a whole document", "d01", form("/periods/1/appeals", &[("entry", &ids.published_d01.to_string()), ("reason", &"冤".repeat(2001))]), 303, &["申诉理由", "2000"]),
        case("appeal: an entry that does not exist", "d01", form("/periods/1/appeals", &[("entry", "999999"), ("reason", "不服")]), 404, &["999999"]),
        case("appeal: decide one that does not exist", "admin", form("/periods/1/appeals/999/decide", &[("decision", "reject"), ("reason", "无据")]), 404, &["999"]),
        case("review: a branch submits", "d01", form("/periods/2/review/submit", &[]), 403, &["没有权限"]),
        case("review: a decision that is neither", "admin", form("/periods/2/review", &[("department", "1"), ("decision", "maybe")]), 303, &["审核结果"]),
        case("password: the two differ", "anquan", form("/account/password", &[("current", "kaoping2023"), ("new", "tiger-lamp-orchard-58"), ("again", "tiger-lamp-orchard-59")]), 422, &["两次输入不一致"]),
        case("password: the user name inside", "gonghui", form("/account/password", &[("current", "kaoping2023"), ("new", "gonghui-is-mine-88"), ("again", "gonghui-is-mine-88")]), 422, &["用户名"]),
        case("login form: an empty name", "", Send::Raw("/login".into(), "application/x-www-form-urlencoded", b"username=&password=x".to_vec()), 401, &["用户名或密码错误"]),
        case("a page of a period in words", "admin", Send::Get("/periods/abc".into()), 400, &["abc", "首页"]),
        case("a page that does not exist", "admin", Send::Get("/nonexistent".into()), 404, &["找不到", "首页"]),
        case("a sheet of a unit that does not exist", "admin", Send::Get("/periods/2/units/ZZZ".into()), 404, &["ZZZ"]),
        case("a ledger page in words", "admin", Send::Get("/periods/2/ledger?page=abc".into()), 400, &["page", "不是有效的整数"]),
    ]
}

#[rustfmt::skip]
fn import_cases() -> Vec<Case> {
    let csv = |text: &str| upload("/periods/2/findings/import", "发现.csv", text.as_bytes());
    vec![
        case("import: no file", "admin", Send::Multipart("/periods/2/findings/import".into(), vec![Field::Text("name", String::new())]), 422, &["请选择"]),
        case("import: a form cut short", "admin", Send::Multipart("/periods/2/findings/import".into(), vec![]), 422, &["表单无法读取"]),
        case("import: a Word file", "admin", upload("/periods/2/findings/import", "发现.docx", b"PK\x03\x04not really"), 422, &["发现.docx", "CSV", ".xlsx"]),
        case("import: a wrong header", "admin", csv("单位,项目,扣分\nD01,1.4.2,5\n"), 422, &["第1行"]),
        case("import: an unknown code on row 3", "admin", csv("unit,code,count\nD01,1.4.2,1\nD02,9.9.9,1\n"), 422, &["第3行", "9.9.9"]),
        case("import: an unknown unit on row 2", "admin", csv("unit,code,count\nD77,1.4.2,1\n"), 422, &["第2行", "D77"]),
        case("import: a count in words", "admin", csv("unit,code,count\nD01,1.4.2,一次\n"), 422, &["第2行", "一次"]),
        case("import: a quote left open", "admin", csv("unit,code,count,note\nD01,1.4.2,1,\"漏了引号\nD02,1.4.2,1,正常\nD03,1.4.3,1,正常\n"), 422, &["第2行", "引号"]),
        case("import: a column past the header", "admin", csv("unit,code,count\nD01,1.4.2,1,多出来的\n"), 422, &["第2行", "列"]),
        case("import: not UTF-8", "admin", upload("/periods/2/findings/import", "发现.csv", b"unit,code,count,note\nD01,1.4.2,1,\xb0\xb2\xc8\xab\n"), 422, &["UTF-8"]),
        case("import: a workbook that is not one", "admin", upload("/periods/2/findings/import", "发现.xlsx", b"PK\x03\x04garbage"), 422, &["xlsx"]),
        case("import: a workbook with a wrong header", "admin", upload("/periods/2/findings/import", "发现.xlsx", &xlsx(&[&["单位", "项目"], &["D01", "1.4.2"]])), 422, &["第1行"]),
        case("import: a workbook with an unknown code", "admin", upload("/periods/2/findings/import", "发现.xlsx", &xlsx(&[&["unit", "code", "count"], &["D01", "1.4.2", "1"], &["D02", "8.8.8", "1"]])), 422, &["第3行", "8.8.8"]),
        case("import: cells at A1 and XFD1048576", "admin", upload("/periods/2/findings/import", "发现.xlsx", &corner_bomb()), 422, &["发现.xlsx", "XFD1048576", "1000列"]),
        case("import: a sheet that inflates to 120 MB", "admin", upload("/periods/2/findings/import", "发现.xlsx", &inflation_bomb("xl/worksheets/sheet1.xml")), 422, &["发现.xlsx", "100MB"]),
        case("import: into a published period", "admin", upload("/periods/1/findings/import", "发现.csv", b"unit,code,count\nD01,1.4.2,1\n"), 409, &["发布"]),
        case("import: by a branch", "d01", csv("unit,code,count\nD01,1.4.2,1\n"), 403, &["没有权限"]),
        case("rubric import: not a table", "admin", upload("/rubrics/import", "细则.docx", b"PK\x03\x04garbage"), 422, &["docx"]),
        case("rubric import: an unknown kind of file", "admin", upload("/rubrics/import", "细则.pdf", b"%PDF-1.4"), 422, &["docx", "xlsx"]),
        case("rubric import: cells at A1 and XFD1048576", "admin", upload("/rubrics/import", "细则.xlsx", &corner_bomb()), 422, &["细则.xlsx", "XFD1048576"]),
        case("rubric import: a Word body that inflates to 120 MB", "admin", upload("/rubrics/import", "细则.docx", &inflation_bomb("word/document.xml")), 422, &["细则.docx", "100MB"]),
        case("rubric import: a quote left open", "admin", upload("/rubrics/import", "细则.csv", "栏目,分值,考核内容,评分标准\n一,100,\"内容,每缺一次扣1分\n".as_bytes()), 422, &["第2行", "引号"]),
        case("rubric import: a table without its header", "admin", upload("/rubrics/import", "细则.csv", "甲,乙\n1,2\n".as_bytes()), 422, &["表头"]),
        case("rubric save: a TOML mistake", "admin", form("/rubrics/import/save", &[("name", "导入的细则"), ("toml", "name = \"x\"\ntotal = \n")]), 422, &["第2行"]),
        case("rubric save: points that do not add up", "admin", form("/rubrics/import/save", &[("name", "导入的细则"), ("toml", &one_item_rubric("90", "kind = \"per_occurrence\"\namount = 2"))]), 422, &["100", "90"]),
    ]
}

async fn bad_input_catalogue(app: TestApp) {
    // Every user logs in first: a login is audited, and the rows must change nothing.
    for who in [
        "admin", "anquan", "dangong", "jiwei", "gonghui", "d01", "lingdao",
    ] {
        app.client(who).await;
    }
    let ids = ids(&app).await;
    let mut cases = api_cases(&ids);
    cases.extend(form_cases(&ids));
    cases.extend(import_cases());
    assert!(cases.len() >= 100, "{} rows", cases.len());
    let mut failures = Vec::new();
    let mut before = stored(&app).await;
    for c in &cases {
        let r = send(&app, c).await;
        let text = said(&r);
        let mut wrong = Vec::new();
        if r.status != c.status {
            wrong.push(format!("status {} (expected {})", r.status, c.status));
        }
        let missing: Vec<&str> = c
            .says
            .iter()
            .copied()
            .filter(|s| !text.contains(s))
            .collect();
        if !missing.is_empty() {
            wrong.push(format!("does not say {missing:?}"));
        }
        let refused = r.status >= 400 || text.contains("\n[err] ");
        if !refused {
            wrong.push("was accepted".into());
        }
        let after = stored(&app).await;
        if after != before {
            wrong.push("changed stored data".into());
            before = after;
        }
        if !wrong.is_empty() {
            let excerpt: String = excerpt(&text);
            failures.push(format!(
                "{}: {}\n    said: {excerpt}",
                c.name,
                wrong.join("; ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The message of a page: its alert or its main text, shortened.
fn excerpt(text: &str) -> String {
    let start = text
        .find("role=\"alert\"")
        .or_else(|| text.find("<main"))
        .unwrap_or(0);
    let plain: String = text[start..]
        .split('<')
        .map(|s| s.split_once('>').map_or(s, |(_, t)| t))
        .collect::<Vec<_>>()
        .join(" ");
    let plain = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    plain.chars().take(300).collect()
}
