//! 自查表: a branch secretary fills in the whole self-assessment on one page; what is not self-scored is
//! said, not silently 0; only the unit's own leader may, and only before publication.

use kaoping_core::Decimal;

use crate::helpers::{dec, unit, TestApp};

on_both!(a_secretary_fills_in_the_whole_self_check_on_one_page);

async fn a_secretary_fills_in_the_whole_self_check_on_one_page(app: TestApp) {
    let d01 = app.client("d01").await;
    let admin = app.client("admin").await;
    let page = d01.get("/periods/2/units/D01/self").await;
    assert_eq!(page.status, 200, "{}", page.text());
    let text = page.text();
    // Every item of the rubric, 6.1 and 7.1 marked as not self-scored yet.
    assert!(text.contains("未自评：6.1、7.1"), "{text}");
    assert!(text.contains("name=\"v|1.4.2\""), "{text}");
    assert!(text.contains("name=\"v|2.2.2\""), "{text}");
    assert!(text.contains("name=\"n|6.1.1\""), "{text}");
    // The sheet says the same in its 自查 column, and links here.
    let sheet = d01.get("/periods/2/units/D01").await.text();
    assert!(sheet.contains("/periods/2/units/D01/self"), "{sheet}");
    assert!(sheet.contains("未自评"), "{sheet}");

    let action = d01.with_csrf("/periods/2/units/D01/self");
    let r = d01
        .post_form(
            &action,
            &[
                ("o|1.4.2", ""),
                ("v|1.4.2", "1"),
                ("o|3.2.1", ""),
                ("v|3.2.1", "2"),
                ("o|2.2.2", ""),
                ("on|2.2.2", ""),
                ("v|2.2.2", "一般"),
                ("n|2.2.2", ""),
                ("o|6.1.1", ""),
                ("on|6.1.1", ""),
                ("v|6.1.1", "4"),
                ("n|6.1.1", "交办任务延误一次"),
                ("note", "自查"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(r.location().unwrap().contains("msg="), "{:?}", r.location());
    let entries = admin.entries(2).await;
    assert_eq!(entries.len(), 4, "{entries:?}");
    assert!(
        entries.iter().all(|e| e["source"] == "self_check"),
        "{entries:?}"
    );
    // 100 − 5 (1.4.2) − 4 (3.2.1 twice) − 3 (2.2.2 一般) − 1 (6.1 = 4) − 5 (7.1 not self-scored) = 82.
    let page = d01.get("/periods/2/units/D01/self").await.text();
    assert!(page.contains("自查得分 <strong>82</strong> 分"), "{page}");
    assert!(page.contains("未自评：7.1"), "{page}");
    assert!(page.contains("value=\"交办任务延误一次\""), "{page}");
    // The assessors' side is untouched.
    let results = admin.results(2).await;
    assert_eq!(dec(&unit(&results, "D01")["final"]), Decimal::from(90));

    // Changing a self-assessed value needs the reason; with it, the entry is corrected.
    let change = [("o|3.2.1", "2"), ("v|3.2.1", "1")];
    let r = d01.post_form(&action, &change).await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("必须写明原因"), "{}", r.text());
    let mut with_reason = change.to_vec();
    with_reason.push(("reason", "第二次会议补开"));
    let r = d01.post_form(&action, &with_reason).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = d01.get("/periods/2/units/D01/self").await.text();
    assert!(page.contains("自查得分 <strong>84</strong> 分"), "{page}");

    // A value the rule does not take: said at its rule, nothing saved.
    let before = admin.entries(2).await;
    let r = d01
        .post_form(
            &action,
            &[("o|7.1.1", ""), ("on|7.1.1", ""), ("v|7.1.1", "九")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("7.1.1：分值“九”不是数字"), "{}", r.text());
    assert_eq!(admin.entries(2).await, before);

    // Only the unit's own leader, and only before publication.
    assert_eq!(d01.get("/periods/2/units/D02/self").await.status, 403);
    let r = d01
        .post_form(
            &d01.with_csrf("/periods/2/units/D02/self"),
            &[("o|1.4.2", ""), ("v|1.4.2", "1")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(d01.get("/periods/1/units/D01/self").await.status, 403);
    let anquan = app.client("anquan").await;
    assert_eq!(anquan.get("/periods/2/units/D01/self").await.status, 403);
    assert_eq!(admin.entries(2).await, before);
}
