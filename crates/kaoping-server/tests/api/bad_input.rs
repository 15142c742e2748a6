//! Bad input: every refusal says what is wrong, and nothing changes — not the ledger, not the scores.

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

use crate::helpers::{TestApp, UserClient};

on_both!(
    findings_that_do_not_fit_the_rubric,
    markup_in_a_note_is_escaped_on_the_pages,
    missing_or_wrong_csrf_token,
    publishing_needs_an_administrator_and_a_complete_period,
    evidence_upload_accepts_a_pdf,
    evidence_upload_refuses_large_and_disguised_files,
);
on_both!(malformed_json_is_a_400);
on_both!(a_finding_on_a_locked_period_is_a_409);

/// The ledger and the scores of a period, to compare before and after a refused request.
async fn state(admin: &UserClient, period: i64) -> (Vec<Value>, Value) {
    (
        admin.entries(period).await,
        admin.results(period).await["units"].clone(),
    )
}

async fn malformed_json_is_a_400(app: TestApp) {
    let admin = app.client("admin").await;
    let anquan = app.client("anquan").await;
    let before = state(&admin, 2).await;
    for body in [
        r#"{"unit": "D03", "code": "1.4.2", "count": 1"#,
        r#"{unit: D03}"#,
        "",
    ] {
        let r = anquan
            .post_raw("/api/periods/2/entries", "application/json", body)
            .await;
        assert_eq!(r.status, 400, "{body:?}: {}", r.text());
        assert!(r.error().contains("JSON"), "{}", r.error());
    }
    let r = app
        .anonymous()
        .post_raw("/api/login", "application/json", r#"{"username": "admin""#)
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.error().contains("JSON"));
    assert_eq!(state(&admin, 2).await, before);
}

async fn findings_that_do_not_fit_the_rubric(app: TestApp) {
    let admin = app.client("admin").await;
    let anquan = app.client("anquan").await;
    let before = state(&admin, 2).await;

    // Wrong types and unknown fields are named.
    let r = anquan
        .record(2, &json!({"unit": "D03", "code": "1.4.2", "count": "two"}))
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.error().contains("count"), "{}", r.error());
    let r = anquan
        .record(
            2,
            &json!({"unit": "D03", "code": "1.4.2", "count": 1, "cuont": 2}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.error().contains("cuont"), "{}", r.error());

    // An unknown code (the administrator may record on any item, so the rubric check answers).
    let r = admin
        .record(2, &json!({"unit": "D03", "code": "9.9.9", "count": 1}))
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.error().contains("9.9.9"), "names the code: {}", r.error());
    // An unknown unit.
    let r = anquan
        .record(2, &json!({"unit": "D99", "code": "1.4.2", "count": 1}))
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.error().contains("D99"), "names the unit: {}", r.error());
    // A count on a fixed rule.
    let r = anquan
        .record(2, &json!({"unit": "D03", "code": "1.4.3", "count": 2}))
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.error().contains("1.4.3"), "{}", r.error());
    // A negative count (an empty count means one occurrence, as in the CSV).
    for count in [json!(-1), json!(-3)] {
        let r = anquan
            .record(2, &json!({"unit": "D03", "code": "1.4.2", "count": count}))
            .await;
        assert_eq!(r.status, 422, "count {count}: {}", r.text());
    }
    // Discretionary points out of range, or not a number.
    let dangong = app.client("dangong").await;
    for points in [json!("7"), json!("abc"), json!(-1)] {
        let r = dangong
            .record(
                2,
                &json!({"unit": "D03", "code": "6.1", "points": points, "note": "理由"}),
            )
            .await;
        assert_eq!(r.status, 422, "points {points}: {}", r.text());
    }
    // A level that the graded rule does not have.
    let r = dangong
        .record(2, &json!({"unit": "D03", "code": "2.2.2", "level": "优秀"}))
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.error().contains("优秀"), "{}", r.error());
    // A period that does not exist.
    let r = anquan
        .record(99, &json!({"unit": "D03", "code": "1.4.2", "count": 1}))
        .await;
    assert_eq!(r.status, 404, "{}", r.text());

    assert_eq!(state(&admin, 2).await, before, "nothing changed");
}

async fn markup_in_a_note_is_escaped_on_the_pages(app: TestApp) {
    let admin = app.client("admin").await;
    let anquan = app.client("anquan").await;
    let note = r#"<script>alert("xss")</script><img src=x onerror=alert(1)>"#;
    let r = anquan
        .record(2, &json!({"unit": "D03", "code": "1.4.3", "note": note}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    // Stored as typed…
    let ledger = admin.entries(2).await;
    assert_eq!(ledger.last().unwrap()["note"], note);
    // …and shown as text, never as markup.
    for path in ["/periods/2/units/D03", "/periods/2/ledger"] {
        let page = admin.get(path).await;
        assert_eq!(page.status, 200);
        let text = page.text();
        assert!(
            text.contains("&lt;script&gt;"),
            "{path} shows the note escaped"
        );
        assert!(!text.contains("<script>alert"), "{path} has a live script");
        assert!(!text.contains("<img src=x"), "{path} has a live tag");
    }
}

async fn missing_or_wrong_csrf_token(app: TestApp) {
    let admin = app.client("admin").await;
    let anquan = app.client("anquan").await;
    let before = state(&admin, 2).await;
    let finding = json!({"unit": "D03", "code": "1.4.2", "count": 1});

    let r = anquan
        .post_json_without_csrf("/api/periods/2/entries", &finding)
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.error().contains("CSRF"), "{}", r.error());
    // Another session's token is no good either.
    let stolen = UserClient {
        csrf: admin.csrf.clone(),
        ..anquan.clone()
    };
    let r = stolen.record(2, &finding).await;
    assert_eq!(r.status, 403, "{}", r.text());
    let r = anquan
        .post_json_without_csrf("/api/periods/2/publish", &json!({}))
        .await;
    assert_eq!(r.status, 403);
    let r = admin
        .post_json_without_csrf("/api/periods/2/publish", &json!({}))
        .await;
    assert_eq!(r.status, 403, "even the administrator needs the token");

    // HTML forms without `?csrf=…` in the action.
    let form = Form::new()
        .text("unit", "D03")
        .text("code", "1.4.2")
        .text("count", "1");
    let r = anquan.post_multipart("/periods/2/entries", form).await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains("CSRF"));
    let form = Form::new()
        .text("unit", "D03")
        .text("code", "1.4.2")
        .text("count", "1");
    let r = anquan
        .post_multipart("/periods/2/entries?csrf=not-the-token", form)
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    let r = admin.post_form("/periods/2/publish", &[]).await;
    assert_eq!(r.status, 403);

    assert_eq!(state(&admin, 2).await, before, "nothing changed");

    // With the token the same form goes through.
    let form = Form::new()
        .text("unit", "D03")
        .text("code", "1.4.2")
        .text("count", "1");
    let r = anquan
        .post_multipart(&anquan.with_csrf("/periods/2/entries"), form)
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(
        r.location()
            .unwrap()
            .starts_with("/periods/2/units/D03?msg="),
        "{:?}",
        r.location()
    );
    assert_eq!(admin.entries(2).await.len(), before.0.len() + 1);
}

async fn finding_on_period_1(client: &UserClient) -> crate::helpers::Resp {
    client
        .record(1, &json!({"unit": "D01", "code": "1.4.3", "note": "补录"}))
        .await
}

async fn a_finding_on_a_locked_period_is_a_409(app: TestApp) {
    let admin = app.client("admin").await;
    let anquan = app.client("anquan").await;
    let before = state(&admin, 1).await;
    for who in [&admin, &anquan] {
        let r = finding_on_period_1(who).await;
        assert_eq!(r.status, 409, "{}", r.text());
        assert!(r.error().contains("考评期已发布锁定"), "{}", r.error());
    }
    assert_eq!(state(&admin, 1).await, before);
}

async fn publishing_needs_an_administrator_and_a_complete_period(app: TestApp) {
    let admin = app.client("admin").await;
    let before = state(&admin, 2).await;

    // Whoever asks, a published period takes no new finding.
    for who in ["admin", "anquan"] {
        let r = finding_on_period_1(&app.client(who).await).await;
        assert_eq!(r.status, 409, "{who}: {}", r.text());
    }
    let ledger_1 = admin.entries(1).await;
    assert_eq!(ledger_1.len(), 104, "the demo year's ledger is unchanged");
    let first = ledger_1[0]["id"].as_i64().unwrap();
    let r = app
        .client("anquan")
        .await
        .post_json(
            &format!("/api/periods/1/entries/{first}/withdraw"),
            &json!({"reason": "发布后撤回"}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(admin.entries(1).await, ledger_1);

    for who in ["anquan", "d01", "lingdao"] {
        let c = app.client(who).await;
        let r = c.post_json("/api/periods/2/publish", &json!({})).await;
        assert_eq!(r.status, 403, "{who}: {}", r.text());
        assert!(r.error().contains("只有管理员可以发布"), "{}", r.error());
        let r = c.post_form(&c.with_csrf("/periods/2/publish"), &[]).await;
        assert_eq!(r.status, 403, "{who} through the page");
    }
    // Incomplete: every unit still lacks 6.1 and 7.1.
    let r = admin.post_json("/api/periods/2/publish", &json!({})).await;
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(
        r.error()
            .starts_with("还有18个单位的评分项未评完，不能发布：")
            && r.error().contains("供电车间党支部"),
        "{}",
        r.error()
    );
    let r = admin
        .post_form(&admin.with_csrf("/periods/2/publish"), &[])
        .await;
    assert_eq!(r.status, 303);
    assert!(r.location().unwrap().starts_with("/periods/2/publish?err="));
    // The confirmation page says the same and offers no button.
    let page = admin.get("/periods/2/publish").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("不能发布"), "{}", page.text());
    assert!(
        page.text().contains("6.1、7.1"),
        "the items still missing are named"
    );
    assert!(!page.text().contains("确认发布"));
    // Publishing the published year again conflicts.
    let r = admin.post_json("/api/periods/1/publish", &json!({})).await;
    assert_eq!(r.status, 409, "{}", r.text());

    assert_eq!(state(&admin, 2).await, before);
    let status = admin.results(2).await["period"]["status"].clone();
    assert_eq!(status, "open");
}

/// A one-page PDF, as a scanner would produce.
fn small_pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
        .to_vec()
}

fn finding_form(unit: &str, code: &str, file: Vec<u8>, filename: &str, mime: &str) -> Form {
    Form::new()
        .text("unit", unit.to_string())
        .text("code", code.to_string())
        .text("count", "")
        .text("note", "班组安全教育记录缺失，附记录本扫描件")
        .part(
            "evidence",
            Part::bytes(file)
                .file_name(filename.to_string())
                .mime_str(mime)
                .expect("mime"),
        )
}

async fn evidence_upload_accepts_a_pdf(app: TestApp) {
    let admin = app.client("admin").await;
    let anquan = app.client("anquan").await;
    let pdf = small_pdf();
    let r = anquan
        .post_multipart(
            &anquan.with_csrf("/periods/2/entries"),
            finding_form(
                "D03",
                "1.4.3",
                pdf.clone(),
                "安全教育记录.pdf",
                "application/pdf",
            ),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let ledger = admin.entries(2).await;
    assert_eq!(ledger.len(), 1);
    let evidence = ledger[0]["evidence_id"].as_i64().expect("evidence linked");

    let r = admin.get(&format!("/periods/2/evidence/{evidence}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    assert!(r
        .header("content-disposition")
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(r.body, pdf, "the same bytes come back");
    // The sheet links it.
    let sheet = admin.get("/periods/2/units/D03").await.text();
    assert!(sheet.contains(&format!("/periods/2/evidence/{evidence}")));
    // Not for users who may not see that sheet.
    for who in ["d01", "lingdao"] {
        let r = app
            .client(who)
            .await
            .get(&format!("/periods/2/evidence/{evidence}"))
            .await;
        assert_eq!(r.status, 403, "{who}");
    }
    assert_eq!(
        app.anonymous()
            .get(&format!("/periods/2/evidence/{evidence}"))
            .await
            .status,
        303
    );
}

/// Uploads a PDF of `size` bytes through the form; `None` when the connection was reset before an answer.
async fn upload_big(client: &UserClient, action: &str, size: usize) -> Option<(u16, String)> {
    let mut big = small_pdf();
    big.resize(size, b' ');
    let sent = client
        .http
        .post(format!("{}{action}", client.base_url))
        // The server closes the connection after refusing an unread upload: do not reuse it.
        .header("connection", "close")
        .multipart(finding_form(
            "D03",
            "1.4.3",
            big,
            "扫描件.pdf",
            "application/pdf",
        ))
        .send()
        .await;
    match sent {
        Ok(r) => {
            let status = r.status().as_u16();
            Some((status, r.text().await.unwrap_or_default()))
        }
        Err(e) => {
            eprintln!("upload of {size} bytes: no answer ({e})");
            None
        }
    }
}

/// A browser uploading an 11 MB scan: the server refuses it once it has read past the limit, and the
/// rest of the upload (here its last bytes, arriving a moment later as they would over a slow line)
/// meets a closed connection. The refusal must still reach the client.
async fn oversized_uploads_always_get_an_answer(app: TestApp) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let admin = app.client("admin").await;
    let before = state(&admin, 2).await;
    let (anquan, _) = app.user_and_department("anquan").await;
    let session = app
        .store()
        .create_session(anquan.id, 3_600_000)
        .await
        .unwrap();
    let mut file = small_pdf();
    file.resize(11 * 1024 * 1024, b' ');
    let mut head = Vec::new();
    for (name, value) in [("unit", "D03"), ("code", "1.4.3"), ("note", "扫描件")] {
        head.extend_from_slice(
            format!(
                "--B0undary\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    head.extend_from_slice(
        b"--B0undary\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"scan.pdf\"\r\nContent-Type: application/pdf\r\n\r\n",
    );
    head.extend_from_slice(&file);
    let tail = b"\r\n--B0undary--\r\n";
    let addr = app.base_url().trim_start_matches("http://").to_string();
    let request = format!(
        "POST /periods/2/entries?csrf={} HTTP/1.1\r\nHost: {addr}\r\nCookie: kaoping_session={}\r\n\
         Content-Type: multipart/form-data; boundary=B0undary\r\nContent-Length: {}\r\n\r\n",
        session.csrf_token,
        session.id,
        head.len() + tail.len()
    );
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    // The server may stop reading (and answer) before the whole file is sent.
    let _ = stream.write_all(&head).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let _ = stream.write_all(tail).await;
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.starts_with("HTTP/1.1 413") || text.starts_with("HTTP/1.1 422"),
        "no refusal received ({read:?}): {:?}",
        text.chars().take(80).collect::<String>()
    );
    assert_eq!(state(&admin, 2).await, before);
}

async fn evidence_upload_refuses_large_and_disguised_files(app: TestApp) {
    let admin = app.client("admin").await;
    let anquan = app.client("anquan").await;
    let before = state(&admin, 2).await;
    let action = anquan.with_csrf("/periods/2/entries");

    // Just over 10 MB, and well over (past the request body limit): refused, nothing appended. The
    // server answers before reading the rest of the upload, so the answer is sometimes lost to a
    // connection reset (see `oversized_uploads_always_get_an_answer`); here a reset counts as refused.
    for size in [10 * 1024 * 1024 + 1, 11 * 1024 * 1024] {
        if let Some((status, text)) = upload_big(&anquan, &action, size).await {
            assert!(matches!(status, 413 | 422), "{size}: {status}");
            if status == 422 {
                assert!(text.contains("10MB"), "says the limit");
            }
        }
    }

    let mut elf =
        b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00".to_vec();
    elf.resize(512, 0);
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    exe.resize(512, 0);
    exe[0x3c] = 0x80;
    exe[0x80..0x84].copy_from_slice(b"PE\0\0");
    let html =
        b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"
            .to_vec();
    for (what, bytes) in [("ELF", elf), ("EXE", exe), ("HTML", html)] {
        let r = anquan
            .post_multipart(
                &action,
                finding_form("D03", "1.4.3", bytes, "记录.pdf", "application/pdf"),
            )
            .await;
        assert_eq!(r.status, 422, "{what}");
        let text = r.text();
        assert!(
            text.contains("只接受图片、PDF和Office文件"),
            "{what}: {text}"
        );
        assert!(!text.contains("<script>alert"), "{what} echoed");
    }
    assert_eq!(state(&admin, 2).await, before, "nothing appended");
}

on_both!(
    withdrawing_needs_a_reason,
    oversized_uploads_always_get_an_answer,
);
on_both!(an_unknown_code_is_named_for_an_assessor);

async fn withdrawing_needs_a_reason(app: TestApp) {
    let admin = app.client("admin").await;
    let anquan = app.client("anquan").await;
    let r = anquan
        .record(2, &json!({"unit": "D08", "code": "1.4.3"}))
        .await;
    assert_eq!(r.status, 201);
    let id = r.json()["id"].as_i64().unwrap();
    let before = state(&admin, 2).await;
    for body in [json!({"reason": ""}), json!({"reason": "   "})] {
        let r = anquan
            .post_json(&format!("/api/periods/2/entries/{id}/withdraw"), &body)
            .await;
        assert_eq!(r.status, 422, "{body}: {}", r.text());
    }
    let r = anquan
        .post_json(&format!("/api/periods/2/entries/{id}/withdraw"), &json!({}))
        .await;
    assert!(matches!(r.status, 400 | 422), "{}", r.text());
    // The page's form says so too.
    let r = anquan
        .post_form(
            &anquan.with_csrf(&format!("/periods/2/entries/{id}/withdraw")),
            &[("reason", "")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("撤回必须写明原因"));
    assert_eq!(state(&admin, 2).await, before, "nothing changed");
}

async fn an_unknown_code_is_named_for_an_assessor(app: TestApp) {
    let admin = app.client("admin").await;
    let anquan = app.client("anquan").await;
    let before = state(&admin, 2).await;
    let r = anquan
        .record(2, &json!({"unit": "D03", "code": "9.9.9", "count": 1}))
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.error().contains("9.9.9"), "{}", r.error());
    assert_eq!(state(&admin, 2).await, before);
}
