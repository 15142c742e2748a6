//! Logging in and out: passwords, throttling shared through the database, sessions, cookie flags and the
//! security headers every response carries.

use serde_json::json;

use crate::helpers::{http_client, read, TestApp, UserClient};

on_both!(
    right_and_wrong_password,
    throttled_after_five_failures_on_every_server,
    logout_ends_the_session,
    cookie_flags_and_security_headers,
    html_login_form,
);

/// The seeded demo hash (Argon2id, default parameters), not the tests' lighter one.
mod seeded_password_hash {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        crate::helpers::run_with(kaoping_store::Backend::Sqlite, false, super::seeded_hash).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        crate::helpers::run_with(kaoping_store::Backend::Postgres, false, super::seeded_hash).await
    }
}

async fn seeded_hash(app: TestApp) {
    let (user, _) = app.user_and_department("lingdao").await;
    assert!(
        user.password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        user.password_hash
    );
    let lingdao = app.client("lingdao").await;
    assert_eq!(lingdao.get("/api/me").await.json()["role"], "viewer");
    let r = app
        .anonymous()
        .post_json_without_csrf(
            "/api/login",
            &json!({"username": "lingdao", "password": "kaoping2024"}),
        )
        .await;
    assert_eq!(r.status, 422);
}

async fn right_and_wrong_password(app: TestApp) {
    let anon = app.anonymous();
    let r = anon
        .post_json_without_csrf(
            "/api/login",
            &json!({"username": "anquan", "password": kaoping_app::demo::DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert_eq!(body["username"], "anquan");
    assert_eq!(body["role"], "assessor");
    let token = body["csrf_token"].as_str().expect("csrf_token");
    assert!(token.len() >= 32, "a long random token: {token}");

    // The session cookie now authenticates the API.
    let me = anon.get("/api/me").await;
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(me.json()["username"], "anquan");
    assert_eq!(me.json()["csrf_token"], token);

    for (username, password) in [
        ("anquan", "wrong-password"),
        ("anquan", ""),
        ("nobody", kaoping_app::demo::DEMO_PASSWORD),
    ] {
        let fresh = app.anonymous();
        let r = fresh
            .post_json_without_csrf(
                "/api/login",
                &json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(r.status, 422, "{username}/{password}: {}", r.text());
        assert_eq!(r.error(), "用户名或密码错误");
        assert!(r.header("set-cookie").is_none(), "no session on failure");
        let me = fresh.get("/api/me").await;
        assert_eq!(me.status, 401, "not logged in after a failure");
        assert_eq!(me.error(), "请先登录");
    }
}

async fn throttled_after_five_failures_on_every_server(app: TestApp) {
    let wrong = json!({"username": "anquan", "password": "guess"});
    let right = json!({"username": "anquan", "password": kaoping_app::demo::DEMO_PASSWORD});
    let anon = app.anonymous();
    for i in 0..5 {
        let r = anon.post_json_without_csrf("/api/login", &wrong).await;
        assert_eq!(r.status, 422, "failure {i}: {}", r.text());
    }
    // The sixth attempt is refused even with the right password.
    let r = anon.post_json_without_csrf("/api/login", &right).await;
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(r.error().contains("登录失败次数过多"), "{}", r.text());
    let r = anon.post_json_without_csrf("/api/login", &wrong).await;
    assert_eq!(r.status, 429, "{}", r.text());

    // A second server process on the same database refuses as well: the count is in the database.
    let other = app.spawn_other_server().await;
    let r = anon
        .at(&other.base_url)
        .post_json_without_csrf("/api/login", &right)
        .await;
    assert_eq!(r.status, 429, "second server: {}", r.text());
    assert!(r.error().contains("登录失败次数过多"));
    // The HTML form says the same.
    let r = read(
        http_client()
            .post(format!("{}/login", other.base_url))
            .form(&[
                ("username", "anquan"),
                ("password", kaoping_app::demo::DEMO_PASSWORD),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 429);
    assert!(r.text().contains("登录失败次数过多"));
    assert!(r.header("set-cookie").is_none());
}

fn session_cookie(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .expect("name=value")
        .trim()
        .to_string()
}

async fn logout_ends_the_session(app: TestApp) {
    let anon = app.anonymous();
    let r = anon
        .post_json_without_csrf(
            "/api/login",
            &json!({"username": "admin", "password": kaoping_app::demo::DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 200);
    let cookie = session_cookie(r.header("set-cookie").expect("set-cookie"));
    let admin = UserClient {
        csrf: r.json()["csrf_token"].as_str().unwrap().to_string(),
        ..anon
    };
    assert_eq!(admin.get("/api/me").await.status, 200);
    assert_eq!(admin.get("/periods/2").await.status, 200);

    // Logging out needs the CSRF token too.
    let r = admin
        .post_json_without_csrf("/api/logout", &json!({}))
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(admin.get("/api/me").await.status, 200, "still logged in");

    let r = admin.post_json("/api/logout", &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(admin.get("/api/me").await.status, 401);

    // The old cookie, replayed by hand from a clean client, is dead on the API and the pages.
    let replay = http_client();
    let r = read(
        replay
            .get(format!("{}/api/me", app.base_url()))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 401);
    let r = read(
        replay
            .get(format!("{}/periods/2", app.base_url()))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/login?next=/periods/2"));

    // The page's logout form (POST /logout?csrf=…) ends a session and clears the cookie.
    let lingdao = app.client("lingdao").await;
    let r = lingdao.post_form("/logout", &[]).await;
    assert_eq!(r.status, 403, "no token in the form action: {}", r.text());
    assert_eq!(lingdao.get("/api/me").await.status, 200);
    let r = lingdao.post_form(&lingdao.with_csrf("/logout"), &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/login"));
    let cleared = r.header("set-cookie").expect("cookie cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(lingdao.get("/api/me").await.status, 401);
}

fn assert_security_headers(r: &crate::helpers::Resp, what: &str) {
    let csp = r
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"));
    assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("object-src 'none'"), "{what}: {csp}");
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert!(r.header("referrer-policy").is_some(), "{what}");
}

async fn cookie_flags_and_security_headers(app: TestApp) {
    let anon = app.anonymous();
    let r = anon
        .post_json_without_csrf(
            "/api/login",
            &json!({"username": "d01", "password": kaoping_app::demo::DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 200);
    let cookie = r.header("set-cookie").expect("set-cookie").to_string();
    assert!(cookie.starts_with("kaoping_session="), "{cookie}");
    let flags: Vec<&str> = cookie.split(';').map(str::trim).collect();
    assert!(flags.contains(&"HttpOnly"), "{cookie}");
    assert!(flags.contains(&"SameSite=Strict"), "{cookie}");
    assert!(flags.contains(&"Path=/"), "{cookie}");
    assert!(
        !flags.contains(&"Secure"),
        "plain HTTP test server: {cookie}"
    );
    assert_security_headers(&r, "POST /api/login");

    for path in [
        "/login",
        "/",
        "/periods/1/units/D01",
        "/api/me",
        "/api/openapi.json",
        "/static/app.css",
        "/no-such-page",
        "/api/periods/99/results",
    ] {
        let r = anon.get(path).await;
        assert_security_headers(&r, path);
    }
    // Errors too: a page a leader may not see, and a rejected POST.
    let r = anon.get("/periods/1/units/D02").await;
    assert_eq!(r.status, 403);
    assert_security_headers(&r, "403 page");
    let r = anon
        .post_json_without_csrf("/api/periods/2/entries", &json!({}))
        .await;
    assert_eq!(r.status, 403);
    assert_security_headers(&r, "403 API");
}

async fn html_login_form(app: TestApp) {
    let http = http_client();
    let url = |p: &str| format!("{}{p}", app.base_url());
    let r = read(http.get(url("/periods/1")).send().await.unwrap()).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/login?next=/periods/1"));
    let r = read(
        http.get(url("/login?next=/periods/1"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("考评 · 登录"));

    let r = read(
        http.post(url("/login?next=/periods/1"))
            .form(&[("username", "lingdao"), ("password", "nope")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 401);
    assert!(r.text().contains("用户名或密码错误"));

    // No open redirect: an absolute `next` goes home.
    let r = read(
        http.post(url("/login?next=//evil.example/"))
            .form(&[
                ("username", "lingdao"),
                ("password", kaoping_app::demo::DEMO_PASSWORD),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/"));
    let cookie = r.header("set-cookie").expect("session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let r = read(http.get(url("/periods/1")).send().await.unwrap()).await;
    assert_eq!(r.status, 200, "logged in through the form");
    assert!(r.text().contains("汇总表"));
}

on_both!(
    expired_sessions_and_deactivated_users,
    secure_cookies_when_configured,
    forwarded_addresses_are_ignored_without_trust_proxy,
);
on_both!(forwarded_addresses_cannot_be_spoofed_behind_a_proxy);

fn cookie_header(r: &crate::helpers::Resp) -> String {
    session_cookie(r.header("set-cookie").expect("set-cookie"))
}

async fn with_cookie(app: &TestApp, cookie: &str, path: &str) -> crate::helpers::Resp {
    read(
        http_client()
            .get(format!("{}{path}", app.base_url()))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn expired_sessions_and_deactivated_users(app: TestApp) {
    // A session past its time (12 hours) is not accepted.
    let (gonghui, _) = app.user_and_department("gonghui").await;
    let expired = app.store().create_session(gonghui.id, -1000).await.unwrap();
    let r = with_cookie(&app, &format!("kaoping_session={}", expired.id), "/api/me").await;
    assert_eq!(r.status, 401, "{}", r.text());
    let r = with_cookie(
        &app,
        &format!("kaoping_session={}", expired.id),
        "/periods/2",
    )
    .await;
    assert_eq!(r.status, 303);
    // A made-up session id neither.
    let r = with_cookie(
        &app,
        "kaoping_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "/api/me",
    )
    .await;
    assert_eq!(r.status, 401);

    // Deactivating a user ends their sessions and refuses their logins.
    let jiwei = app.client("jiwei").await;
    assert_eq!(jiwei.get("/api/me").await.status, 200);
    let (user, _) = app.user_and_department("jiwei").await;
    app.store().set_user_active(user.id, false).await.unwrap();
    assert_eq!(jiwei.get("/api/me").await.status, 401);
    let r = app
        .anonymous()
        .post_json_without_csrf(
            "/api/login",
            &json!({"username": "jiwei", "password": kaoping_app::demo::DEMO_PASSWORD}),
        )
        .await;
    // Whoever knows the password hears that the account is deactivated; a wrong password says no more
    // than for anyone else.
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.error(), "没有权限：该账号已停用，请联系管理员");
    let r = app
        .anonymous()
        .post_json_without_csrf(
            "/api/login",
            &json!({"username": "jiwei", "password": "not-the-password"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.error(), "用户名或密码错误");
}

async fn secure_cookies_when_configured(app: TestApp) {
    let secure = app
        .spawn_other_server_with(|c| c.secure_cookies = true)
        .await;
    let r = app
        .anonymous()
        .at(&secure.base_url)
        .post_json_without_csrf(
            "/api/login",
            &json!({"username": "admin", "password": kaoping_app::demo::DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 200);
    let cookie = r.header("set-cookie").unwrap();
    let flags: Vec<&str> = cookie.split(';').map(str::trim).collect();
    for flag in ["Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(flags.contains(&flag), "{cookie}");
    }
    // The session itself works on the plain server too (same database).
    let r = with_cookie(&app, &cookie_header(&r), "/api/me").await;
    assert_eq!(r.status, 200);
}

/// Thirty failed logins, five each for six users, from one client: its address is then refused for
/// every account.
async fn spray(base_url: &str, forwarded: impl Fn(usize) -> String) {
    let http = http_client();
    let users = ["anquan", "dangong", "jiwei", "gonghui", "d01", "lingdao"];
    for (n, user) in users.iter().flat_map(|u| [u; 5]).enumerate() {
        let r = read(
            http.post(format!("{base_url}/api/login"))
                .header("x-forwarded-for", forwarded(n))
                .json(&json!({"username": user, "password": "guess"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, 422, "{user}: {}", r.text());
    }
}

async fn login_from(base_url: &str, forwarded: &str, user: &str) -> u16 {
    read(
        http_client()
            .post(format!("{base_url}/api/login"))
            .header("x-forwarded-for", forwarded)
            .json(&json!({"username": user, "password": kaoping_app::demo::DEMO_PASSWORD}))
            .send()
            .await
            .unwrap(),
    )
    .await
    .status
}

async fn forwarded_addresses_are_ignored_without_trust_proxy(app: TestApp) {
    // Without --trust-proxy a client's own X-Forwarded-For changes nothing: five failures from this
    // address throttle every user from it.
    spray(app.base_url(), |n| format!("198.51.100.{n}")).await;
    assert_eq!(
        login_from(app.base_url(), "198.51.100.99", "admin").await,
        429
    );
}

async fn forwarded_addresses_cannot_be_spoofed_behind_a_proxy(app: TestApp) {
    // Behind a proxy that appends the real client address (10.0.0.7), the client writes the rest.
    let proxied = app.spawn_other_server_with(|c| c.trust_proxy = true).await;
    spray(&proxied.base_url, |n| format!("198.51.100.{n}, 10.0.0.7")).await;
    assert_eq!(
        login_from(&proxied.base_url, "198.51.100.99, 10.0.0.7", "admin").await,
        429,
        "the same real client is throttled whatever it writes"
    );
}
