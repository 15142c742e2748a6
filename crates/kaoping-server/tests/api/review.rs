//! 审核: a department submits its entries, the administrator approves them or returns them with a reason.

use crate::helpers::TestApp;

on_both!(departments_submit_and_the_administrator_reviews);

async fn departments_submit_and_the_administrator_reviews(app: TestApp) {
    let admin = app.client("admin").await;
    let anquan = app.client("anquan").await;
    let (_, safety) = app.user_and_department("anquan").await;
    let safety = safety.expect("安全科").id.to_string();

    // Only an assessor submits their own department, and only before publication.
    for who in ["admin", "d01", "lingdao"] {
        let c = app.client(who).await;
        let r = c
            .post_form(&c.with_csrf("/periods/2/review/submit"), &[])
            .await;
        assert_eq!(r.status, 403, "{who}");
    }
    let r = anquan
        .post_form(&anquan.with_csrf("/periods/1/review/submit"), &[])
        .await;
    assert_eq!(r.status, 403, "published year");
    let r = anquan.post_form("/periods/2/review/submit", &[]).await;
    assert_eq!(r.status, 403, "no token");
    assert!(app.store().reviews(2).await.unwrap().is_empty());
    // Nothing submitted, nothing to approve.
    let r = admin
        .post_form(
            &admin.with_csrf("/periods/2/review"),
            &[("department", safety.as_str()), ("decision", "approve")],
        )
        .await;
    assert_eq!(r.status, 303);
    let location = percent_decoded(r.location().unwrap());
    assert!(location.contains("尚未提交审核"), "{location}");
    assert!(app.store().reviews(2).await.unwrap().is_empty());

    let r = anquan
        .post_form(&anquan.with_csrf("/periods/2/review/submit"), &[])
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(r.location().unwrap().starts_with("/?msg="));
    // A second submission while the first awaits review says so.
    let r = anquan
        .post_form(&anquan.with_csrf("/periods/2/review/submit"), &[])
        .await;
    assert_eq!(r.status, 303);
    assert!(percent_decoded(r.location().unwrap()).contains("等待管理员审核"));
    assert_eq!(app.store().review_history(2).await.unwrap().len(), 1);
    let page = admin.get("/periods/2/review").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("安全科"));
    assert!(page.text().contains("提交审核"));

    // Only the administrator decides; returning needs a reason.
    let decide = |c: &crate::helpers::UserClient| c.with_csrf("/periods/2/review");
    let r = anquan
        .post_form(
            &decide(&anquan),
            &[("department", safety.as_str()), ("decision", "approve")],
        )
        .await;
    assert_eq!(r.status, 403);
    let r = admin
        .post_form(
            &decide(&admin),
            &[("department", safety.as_str()), ("decision", "return")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(r.location().unwrap().contains("err="), "{:?}", r.location());
    let r = admin
        .post_form(
            &decide(&admin),
            &[
                ("department", safety.as_str()),
                ("decision", "return"),
                ("reason", "D03的1.4.2缺少安全通报依据"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(r.location().unwrap().contains("msg="), "{:?}", r.location());
    let reviews = app.store().reviews(2).await.unwrap();
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0].status, kaoping_store::ReviewStatus::Returned);
    let page = admin.get("/periods/2/review").await.text();
    assert!(page.contains("D03的1.4.2缺少安全通报依据"));
    // Returned: approved only after the department submits again.
    let r = admin
        .post_form(
            &decide(&admin),
            &[("department", safety.as_str()), ("decision", "approve")],
        )
        .await;
    assert!(percent_decoded(r.location().unwrap()).contains("尚未重新提交"));
    // The published year is not reviewed any more (the demo approved every department before it
    // published 2023).
    let history = app.store().review_history(1).await.unwrap();
    assert!(history.len() >= 2);
    let r = admin
        .post_form(
            &admin.with_csrf("/periods/1/review"),
            &[("department", safety.as_str()), ("decision", "approve")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(r.location().unwrap().contains("err="));
    assert_eq!(app.store().review_history(1).await.unwrap(), history);
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
