//! The administrator's integrity check: the demo verifies; an edit behind the application's back turns
//! every administrator page red with what was found, and nobody else sees the banner.

use crate::helpers::TestApp;

on_both!(
    an_edit_behind_the_back_shows_on_every_admin_page,
    a_server_started_on_an_edited_database_warns_by_itself
);

async fn an_edit_behind_the_back_shows_on_every_admin_page(app: TestApp) {
    let admin = app.client("admin").await;
    let page = admin.get("/admin/integrity").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("校验通过"), "{}", page.text());
    assert!(page.text().contains("period:1"));
    assert!(!admin.get("/").await.text().contains("数据完整性校验未通过"));
    // Only the administrator checks.
    let lingdao = app.client("lingdao").await;
    assert_eq!(lingdao.get("/admin/integrity").await.status, 403);

    // A role changed in the database: the leader of D01 made an administrator.
    app.behind_the_app("UPDATE users SET role = 'admin' WHERE username = 'd01'")
        .await;
    let r = admin
        .post_form(&admin.with_csrf("/admin/integrity"), &[])
        .await;
    assert_eq!(r.status, 303);
    let page = admin.get("/admin/integrity").await.text();
    assert!(page.contains("校验未通过"), "{page}");
    assert!(page.contains("记录被改动"), "{page}");
    assert!(page.contains("role"), "{page}");
    for path in ["/", "/admin", "/periods/1"] {
        let text = admin.get(path).await.text();
        assert!(text.contains("数据完整性校验未通过"), "{path}: {text}");
    }
    assert!(!lingdao
        .get("/")
        .await
        .text()
        .contains("数据完整性校验未通过"));
}

/// Nobody has to ask: a server started on a database edited while it was stopped checks it shortly after
/// start, and the administrator's pages turn red.
async fn a_server_started_on_an_edited_database_warns_by_itself(app: TestApp) {
    app.behind_the_app("UPDATE periods SET status = 'open' WHERE id = 1")
        .await;
    let other = app.spawn_other_server().await;
    let admin = app.client("admin").await.at(&other.base_url);
    let mut seen = String::new();
    for _ in 0..100 {
        seen = admin.get("/").await.text();
        if seen.contains("数据完整性校验未通过") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(seen.contains("数据完整性校验未通过"), "{seen}");
    assert!(seen.contains("period 1"), "{seen}");
}
