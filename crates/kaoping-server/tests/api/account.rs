//! A user changes their own password: every session ends, the new password works, the old one does not.

use kaoping_app::demo::DEMO_PASSWORD;

use crate::helpers::{TestApp, UserClient};

on_both!(changing_the_password_ends_every_session);

async fn changing_the_password_ends_every_session(app: TestApp) {
    let anquan = UserClient::login(app.base_url(), "anquan", DEMO_PASSWORD).await;
    let other_device = UserClient::login(app.base_url(), "anquan", DEMO_PASSWORD).await;
    let page = anquan.get("/account/password").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("修改密码"));

    let wrong = anquan
        .post_form(
            &anquan.with_csrf("/account/password"),
            &[
                ("current", "nope"),
                ("new", "safety-2024"),
                ("again", "safety-2024"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.text().contains("当前密码：不正确"));
    assert_eq!(
        other_device.get("/api/me").await.status,
        200,
        "a refused change ends nothing"
    );

    let done = anquan
        .post_form(
            &anquan.with_csrf("/account/password"),
            &[
                ("current", DEMO_PASSWORD),
                ("new", "safety-2024"),
                ("again", "safety-2024"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.text());
    assert_eq!(anquan.get("/api/me").await.status, 401);
    assert_eq!(
        other_device.get("/api/me").await.status,
        401,
        "every session ends"
    );
    let login = |password: &'static str| {
        let app = app.clone();
        async move {
            app.anonymous()
                .post_json_without_csrf(
                    "/api/login",
                    &serde_json::json!({"username": "anquan", "password": password}),
                )
                .await
                .status
        }
    };
    assert_eq!(login("safety-2024").await, 200);
    assert_eq!(login(DEMO_PASSWORD).await, 422);
}
