//! The two rule kinds read from published rubrics, end to end on both backends: a rubric with 达标得分
//! and 酌情扣分 rules saved, a period on it, findings recorded through the API, and the results and the
//! score sheet that follow; a judged deduction outside its range or without its reason is refused.

use kaoping_store::{NewOrgUnit, NewPeriod, OrgKind};
use serde_json::json;

use crate::helpers::{dec, unit, TestApp};

on_both!(earned_points_and_judged_deductions_from_entry_to_sheet);

const RUBRIC: &str = r#"
title = "达标得分与酌情扣分"
total = 10

[[sections]]
title = "任务"
points = 10
[[sections.items]]
title = "完成任务"
points = 10
content = "完成年度任务"
criteria = "完成年度任务得6分；A、B、C各得2分；工作拖拉的，酌情扣1-3分"
[[sections.items.rules]]
kind = "earned"
text = "完成年度任务得6分"
amount = 6
max_count = 1
[[sections.items.rules]]
kind = "earned"
text = "A、B、C各得2分"
amount = 2
max_count = 3
[[sections.items.rules]]
kind = "range_deduction"
text = "工作拖拉的，酌情扣1-3分"
min = 1
max = 3
"#;

async fn earned_points_and_judged_deductions_from_entry_to_sheet(app: TestApp) {
    let store = app.store();
    let (admin_user, _) = app.user_and_department("admin").await;
    let mut ids = Vec::new();
    for code in ["K1", "K2"] {
        ids.push(
            store
                .create_org_unit(&NewOrgUnit {
                    code: code.into(),
                    name: format!("科室{code}"),
                    parent_id: None,
                    kind: OrgKind::Unit,
                    ranking_group: None,
                    member_of: Vec::new(),
                })
                .await
                .expect("unit"),
        );
    }
    let rubric = store
        .save_rubric("达标得分与酌情扣分", RUBRIC, admin_user.id)
        .await
        .expect("rubric");
    let period = store
        .create_period(&NewPeriod {
            name: "2024年度科室考核".into(),
            year: 2024,
            rubric_id: rubric.id,
            unit_ids: ids,
        })
        .await
        .expect("period");
    let admin = app.client("admin").await;

    // Nothing recorded: no criterion met, 0 points, for both.
    let results = admin.results(period).await;
    assert_eq!(dec(&unit(&results, "K1")["total"]), 0.into());

    // K1: the task met, two of A/B/C, and one judged deduction of 1.5 with its reason.
    for finding in [
        json!({"unit": "K1", "code": "1.1.1", "note": "年度任务已完成"}),
        json!({"unit": "K1", "code": "1.1.2", "count": 2, "note": "A、B已落实"}),
        json!({"unit": "K1", "code": "1.1.3", "points": 1.5, "note": "报表两次拖延"}),
    ] {
        let r = admin.record(period, &finding).await;
        assert_eq!(r.status, 201, "{finding}: {}", r.text());
    }
    // Outside the range, or without a reason: refused, saying why.
    let r = admin
        .record(
            period,
            &json!({"unit": "K2", "code": "1.1.3", "points": 4, "note": "严重拖延"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("超出范围1～3"), "{}", r.text());
    let r = admin
        .record(period, &json!({"unit": "K2", "code": "1.1.3", "points": 2}))
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("写明扣分理由"), "{}", r.text());

    // 6 + 2×2 = 10, the item's points, less 1.5.
    let results = admin.results(period).await;
    assert_eq!(dec(&unit(&results, "K1")["total"]), "8.5".parse().unwrap());
    assert_eq!(dec(&unit(&results, "K2")["total"]), 0.into());

    // The score sheet says where each point came from, in words.
    let r = admin.get(&format!("/periods/{period}/units/K1")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let page = r.text();
    for words in ["达到，得6分", "达到，得4分", "扣1.5分"] {
        assert!(page.contains(words), "the sheet says {words}");
    }
    let r = admin.get(&format!("/periods/{period}/units/K2")).await;
    assert!(r.text().contains("未记录达到，0分"), "{}", r.text());
}
