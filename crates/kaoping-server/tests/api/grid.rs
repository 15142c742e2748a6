//! 本部门评分表 (the department's grid): one form for every unit × the department's rules; each change is
//! a ledger entry, and the permission rules are those of recording one finding.

use kaoping_core::Decimal;

use crate::helpers::{section_score, TestApp};

on_both!(grid_records_corrects_and_refuses_other_departments);

async fn grid_records_corrects_and_refuses_other_departments(app: TestApp) {
    let admin = app.client("admin").await;
    let anquan = app.client("anquan").await;
    let page = anquan.get("/periods/2/grid").await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains("1.4.2"));
    let action = anquan.with_csrf("/periods/2/grid");

    // Another department's rule in the form: refused whole.
    let r = anquan
        .post_form(
            &action,
            &[
                ("o|D05|1.4.2", ""),
                ("v|D05|1.4.2", "1"),
                ("o|D05|3.2.1", ""),
                ("v|D05|3.2.1", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(admin.entries(2).await.is_empty(), "nothing appended");
    // Not for a viewer or a leader at all.
    for who in ["lingdao", "d01"] {
        let c = app.client(who).await;
        assert_eq!(c.get("/periods/2/grid").await.status, 403, "{who}");
        let r = c
            .post_form(
                &c.with_csrf("/periods/2/grid"),
                &[("o|D05|1.4.2", ""), ("v|D05|1.4.2", "1")],
            )
            .await;
        assert_eq!(r.status, 403, "{who}");
    }
    // Without the token.
    let r = anquan
        .post_form(
            "/periods/2/grid",
            &[("o|D05|1.4.2", ""), ("v|D05|1.4.2", "1")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(admin.entries(2).await.is_empty());

    // Two accidents on D05: 15 off the pool.
    let r = anquan
        .post_form(
            &action,
            &[
                ("o|D05|1.4.2", ""),
                ("v|D05|1.4.2", "2"),
                ("note", "两起一般事故"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(
        !r.location().unwrap().contains("err="),
        "{:?}",
        r.location()
    );
    assert_eq!(
        section_score(&admin.results(2).await, "D05", "1"),
        Decimal::from(5)
    );
    let ledger = admin.entries(2).await;
    assert_eq!(ledger.len(), 1);

    // Down to one needs a reason…
    let r = anquan
        .post_form(&action, &[("o|D05|1.4.2", "2"), ("v|D05|1.4.2", "1")])
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("必须写明原因"));
    assert_eq!(admin.entries(2).await, ledger);
    // …and with one, the entry is corrected, never edited.
    let r = anquan
        .post_form(
            &action,
            &[
                ("o|D05|1.4.2", "2"),
                ("v|D05|1.4.2", "1"),
                ("reason", "其中一起定性为设备故障"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        section_score(&admin.results(2).await, "D05", "1"),
        Decimal::from(15)
    );
    let now = admin.entries(2).await;
    assert!(now.len() > ledger.len());
    assert_eq!(now[0], {
        let mut first = ledger[0].clone();
        first["active"] = serde_json::json!(false);
        first
    });

    // A stale form (someone changed the cell meanwhile) is refused, not applied.
    let r = anquan
        .post_form(&action, &[("o|D05|1.4.2", "2"), ("v|D05|1.4.2", "3")])
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("已被他人改为"));
    assert_eq!(admin.entries(2).await, now);
}
