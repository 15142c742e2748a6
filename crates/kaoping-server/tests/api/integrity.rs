//! The administrator's integrity check: the demo verifies; an edit behind the application's back turns
//! every administrator page red with what was found, and nobody else sees the banner.

use crate::helpers::TestApp;

on_both!(
    an_edit_behind_the_back_shows_on_every_admin_page,
    a_server_started_on_an_edited_database_warns_by_itself,
    published_results_that_no_longer_follow_from_the_ledger_are_named,
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

/// A published year whose findings were edited no longer scores to its published digest; a publication
/// rewritten to match is itself changed; both are named.
async fn published_results_that_no_longer_follow_from_the_ledger_are_named(app: TestApp) {
    let check = kaoping_app::verify(app.store()).await.unwrap();
    assert!(check.report.intact(), "{:?}", check.report.problems);
    assert_eq!(check.publications, 1);

    app.behind_the_app(
        "UPDATE entries SET count = count + 5 WHERE id = \
         (SELECT MIN(id) FROM entries WHERE period_id = 1 AND count IS NOT NULL)",
    )
    .await;
    let problems = kaoping_app::verify(app.store())
        .await
        .unwrap()
        .report
        .problems;
    let publication = problems
        .iter()
        .find(|p| p.kind == kaoping_store::ProblemKind::Publication)
        .unwrap_or_else(|| panic!("{problems:?}"));
    assert!(publication.detail.contains("重新计分"), "{publication}");
    assert!(publication.record.contains("第1版"), "{publication}");

    // The stored results rewritten: the publication record itself no longer matches its link.
    app.behind_the_app("UPDATE publications SET results = '[]'")
        .await;
    let problems = kaoping_app::verify(app.store())
        .await
        .unwrap()
        .report
        .problems;
    assert!(
        problems
            .iter()
            .any(|p| p.kind == kaoping_store::ProblemKind::Changed
                && p.record.starts_with("publication ")),
        "{problems:?}"
    );
    assert!(problems
        .iter()
        .any(|p| p.kind == kaoping_store::ProblemKind::Publication && p.detail.contains("摘要")));
}
