//! The administrator's integrity check: the demo verifies; an edit behind the application's back turns
//! every administrator page red with what was found, and nobody else sees the banner.

use crate::helpers::TestApp;

on_both!(an_edit_behind_the_back_shows_on_every_admin_page);

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
