//! What an outside probe found, kept out: each test here failed on the code before the hardening issue.

use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::helpers::{http_client, read, Resp, TestApp};

on_both!(
    parallel_guesses_stop_at_the_limit,
    a_stranger_cannot_lock_a_user_out,
    only_paths_of_this_site_after_login,
    cross_site_posts_are_refused,
    a_reset_password_is_changed_before_anything_else,
    evidence_is_served_as_what_it_is,
    unknown_and_unreadable_addresses_get_chinese_pages,
    a_leader_reads_the_ranking_and_their_own_sheet,
    a_count_too_large_says_so,
);
on_both!(first_start_and_the_demo_happen_once_whatever_starts_together);

async fn login_status(base: &str, user: &str, password: &str, forwarded: Option<&str>) -> Resp {
    let mut request = http_client()
        .post(format!("{base}/api/login"))
        .json(&json!({"username": user, "password": password}));
    if let Some(f) = forwarded {
        request = request.header("x-forwarded-for", f);
    }
    read(request.send().await.expect("login")).await
}

/// 200 wrong passwords for one account from one client, all at once: 5 are checked, 195 refused.
async fn parallel_guesses_stop_at_the_limit(app: TestApp) {
    let base = app.base_url().to_string();
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let base = base.clone();
            tokio::spawn(async move { login_status(&base, "admin", "guess", None).await.status })
        })
        .collect();
    let mut checked = 0;
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap() {
            422 => checked += 1,
            429 => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((checked, refused), (5, 195));
}

/// One failure for admin from each of five addresses used to lock admin out everywhere. Now each
/// address is counted apart: strangers' failures only slow the account's logins down.
async fn a_stranger_cannot_lock_a_user_out(app: TestApp) {
    let proxied = app.spawn_other_server_with(|c| c.trust_proxy = true).await;
    for n in 0..5 {
        for _ in 0..5 {
            let r = login_status(
                &proxied.base_url,
                "admin",
                "guess",
                Some(&format!("203.0.113.{n}")),
            )
            .await;
            assert_eq!(r.status, 422, "{}", r.text());
        }
        // That address is now refused for admin…
        let r = login_status(
            &proxied.base_url,
            "admin",
            kaoping_app::demo::DEMO_PASSWORD,
            Some(&format!("203.0.113.{n}")),
        )
        .await;
        assert_eq!(r.status, 429, "{}", r.text());
    }
    // …but admin at their own desk logs in.
    let r = login_status(
        &proxied.base_url,
        "admin",
        kaoping_app::demo::DEMO_PASSWORD,
        Some("10.0.0.8"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

async fn form_login(base: &str, query: &str, origin: Option<&str>) -> Resp {
    let mut request = http_client().post(format!("{base}/login{query}")).form(&[
        ("username", "lingdao"),
        ("password", kaoping_app::demo::DEMO_PASSWORD),
    ]);
    if let Some(o) = origin {
        request = request.header("origin", o);
    }
    read(request.send().await.expect("login")).await
}

/// `next` after login is a path of this site, or the dashboard: a tab or a line break smuggled in
/// (which browsers drop, or which break the header) sends nobody elsewhere and fails nothing.
async fn only_paths_of_this_site_after_login(app: TestApp) {
    let base = app.base_url();
    for (next, to) in [
        ("/periods/1", "/periods/1"),
        ("/%09/evil.example", "/"),
        ("//evil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("/%0a/x", "/"),
        ("/%0d%0aSet-Cookie:%20x=1", "/"),
        ("https://evil.example/", "/"),
    ] {
        let r = form_login(base, &format!("?next={next}"), None).await;
        assert_eq!(r.status, 303, "{next}: {}", r.text());
        assert_eq!(r.location(), Some(to), "{next}");
    }
}

/// Another site's page may not post here: not the login form (login CSRF), not anything else.
async fn cross_site_posts_are_refused(app: TestApp) {
    let base = app.base_url();
    let r = form_login(base, "", Some("http://evil.example")).await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains("跨站提交的请求被拒绝"));
    assert!(r.header("set-cookie").is_none());
    // The same page's own origin is fine.
    let host = base.trim_start_matches("http://");
    let r = form_login(base, "", Some(&format!("http://{host}"))).await;
    assert_eq!(r.status, 303, "{}", r.text());
    // A logged-in client with its token, posted from elsewhere: refused as well.
    let anquan = app.client("anquan").await;
    let r = read(
        anquan
            .http
            .post(format!("{base}/api/periods/2/entries"))
            .header("x-csrf-token", &anquan.csrf)
            .header("origin", "https://evil.example")
            .json(&json!({"unit": "D01", "code": "1.4.3"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(app.client("admin").await.entries(2).await.is_empty());
}

/// An administrator resets a password: its owner must choose their own before anything else, and a
/// weak one is refused, saying why.
async fn a_reset_password_is_changed_before_anything_else(app: TestApp) {
    let admin = app.client("admin").await;
    let (d01, _) = app.user_and_department("d01").await;
    let r = admin
        .post_form(
            &admin.with_csrf(&format!("/admin/users/{}/password", d01.id)),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let page = r.text();
    let password = page
        .split("<code>")
        .nth(1)
        .and_then(|s| s.split("</code>").next())
        .expect("the new password is shown once")
        .to_string();
    let c = crate::helpers::UserClient::login(app.base_url(), "d01", &password).await;
    let me = c.get("/api/me").await.json();
    assert_eq!(me["must_change_password"], true);
    // Nothing else until it is changed: the API says how, pages lead to the form.
    let r = c.get("/api/periods").await;
    assert_eq!(r.status, 403);
    assert!(r.error().contains("请先修改密码"), "{}", r.error());
    let r = c.get("/periods/1").await;
    assert_eq!(r.status, 303);
    assert!(r.location().unwrap().starts_with("/account/password"));
    // Weak passwords are refused, each saying why.
    for (weak, why) in [
        ("12345678", "至少10位"),
        ("          ", "太常见或太容易猜到"),
        ("1234567890", "太常见或太容易猜到"),
        ("d01d01d01d01", "不能包含用户名"),
        ("password123", "太常见或太容易猜到"),
    ] {
        let r = c
            .post_json(
                "/api/account/password",
                &json!({"current": password, "new": weak, "again": weak}),
            )
            .await;
        assert_eq!(r.status, 422, "{weak:?}: {}", r.text());
        assert!(r.error().contains(why), "{weak:?}: {}", r.error());
    }
    let own = "river-stone-lantern-49";
    let r = c
        .post_json(
            "/api/account/password",
            &json!({"current": password, "new": own, "again": own}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let c = crate::helpers::UserClient::login(app.base_url(), "d01", own).await;
    assert_eq!(c.get("/api/me").await.json()["must_change_password"], false);
    assert_eq!(c.get("/api/periods").await.status, 200);
}

/// A GIF that is also HTML, uploaded as `photo.hta`, is kept and served as `photo.gif`, in a sandbox;
/// an installer (a generic OLE file) is not evidence at all.
async fn evidence_is_served_as_what_it_is(app: TestApp) {
    let anquan = app.client("anquan").await;
    let mut polyglot =
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;<html><script>alert(1)</script></html>".to_vec();
    polyglot.resize(512, b' ');
    let form = Form::new()
        .text("unit", "D04")
        .text("code", "1.4.2")
        .text("count", "1")
        .part("evidence", Part::bytes(polyglot).file_name("photo.hta"));
    let r = anquan
        .post_multipart(&anquan.with_csrf("/periods/2/entries"), form)
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let ledger = app.client("admin").await.entries(2).await;
    let evidence = ledger[0]["evidence_id"].as_i64().expect("evidence kept");
    let r = anquan.get(&format!("/periods/2/evidence/{evidence}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("image/gif"));
    let disposition = r.header("content-disposition").unwrap();
    assert!(disposition.contains(".gif"), "{disposition}");
    assert!(!disposition.contains("hta"), "{disposition}");
    assert!(r
        .header("content-security-policy")
        .unwrap()
        .contains("sandbox"));

    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.resize(4096, 0);
    let form = Form::new()
        .text("unit", "D04")
        .text("code", "1.4.2")
        .text("count", "1")
        .part("evidence", Part::bytes(ole).file_name("setup.msi"));
    let r = anquan
        .post_multipart(&anquan.with_csrf("/periods/2/entries"), form)
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(app.client("admin").await.entries(2).await.len(), 1);
}

/// An address that is no number, and an address no page has, answer in Chinese, with the navigation.
async fn unknown_and_unreadable_addresses_get_chinese_pages(app: TestApp) {
    let admin = app.client("admin").await;
    let r = admin.get("/periods/abc").await;
    assert_eq!(r.status, 400);
    let page = r.text();
    assert!(page.contains("“abc”不是有效的编号"), "{page}");
    assert!(page.contains("修改密码"), "the navigation: {page}");
    assert!(!page.contains("Cannot parse"));
    let r = admin.get("/nonexistent").await;
    assert_eq!(r.status, 404);
    assert!(
        r.text().contains("找不到页面“/nonexistent”"),
        "{}",
        r.text()
    );
    let r = app.anonymous().get("/nonexistent").await;
    assert_eq!(r.status, 404);
    assert!(r.text().contains("登录"));
    let r = admin.get("/api/periods/abc/results").await;
    assert_eq!(r.status, 400);
    assert!(r.error().contains("“abc”不是有效的编号"), "{}", r.text());
}

/// Once published, a unit's leader sees the whole ranking but opens only their own sheet: the summary
/// links only that one, and another unit's sheet says why not.
async fn a_leader_reads_the_ranking_and_their_own_sheet(app: TestApp) {
    let d01 = app.client("d01").await;
    let summary = d01.get("/periods/1").await;
    assert_eq!(summary.status, 200);
    let page = summary.text();
    assert!(page.contains("/periods/1/units/D01"), "own unit linked");
    assert!(!page.contains("/periods/1/units/D02"), "others not linked");
    assert!(page.contains("变电车间党支部"), "others listed");
    let r = d01.get("/periods/1/units/D02").await;
    assert_eq!(r.status, 403);
    assert!(r.text().contains("只能查看本单位的考评表"), "{}", r.text());
    assert!(!r.text().contains("或已发布"));
}

async fn a_count_too_large_says_so(app: TestApp) {
    let anquan = app.client("anquan").await;
    let form = Form::new()
        .text("unit", "D04")
        .text("code", "1.4.2")
        .text("count", "99999999999999999999999");
    let r = anquan
        .post_multipart(&anquan.with_csrf("/periods/2/entries"), form)
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("太大"), "{}", r.text());
    assert!(!r.text().contains("不是整数"));
}

/// Four processes start together on an empty database, two with the demo: it is set up once, and all
/// of them come up.
async fn first_start_and_the_demo_happen_once_whatever_starts_together(app: TestApp) {
    let empty = app.empty_database().await;
    let mut tasks = Vec::new();
    for i in 0..4 {
        let store = empty.open().await;
        tasks.push(tokio::spawn(async move {
            let result = if i % 2 == 0 {
                kaoping_app::demo::seed(&store)
                    .await
                    .map(|seeded| seeded as u8)
            } else {
                kaoping_app::demo::create_first_admin(&store)
                    .await
                    .map(|created| created.is_some() as u8 * 2)
            };
            store.close().await;
            result
        }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap().expect("every process comes up"));
    }
    assert_eq!(
        outcomes.iter().filter(|&&o| o != 0).count(),
        1,
        "one process set the database up: {outcomes:?}"
    );
    let store = empty.open().await;
    assert_eq!(
        store
            .users()
            .await
            .unwrap()
            .iter()
            .filter(|u| u.username == "admin")
            .count(),
        1
    );
    store.close().await;
    empty.destroy().await;
}
