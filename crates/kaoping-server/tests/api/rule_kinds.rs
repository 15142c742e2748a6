//! The two rule kinds read from published rubrics, end to end on both backends: a rubric with 达标得分
//! and 酌情扣分 rules saved, a period on it, findings recorded through the API, and the results and the
//! score sheet that follow; a judged deduction outside its range or without its reason is refused.

use serde_json::json;

use crate::helpers::{dec, unit, TestApp};

on_both!(earned_points_and_judged_deductions_from_entry_to_sheet);

const RUBRIC: &str = include_str!("../../../../examples/earned-and-judged.toml");

async fn earned_points_and_judged_deductions_from_entry_to_sheet(app: TestApp) {
    let units: Vec<(String, String)> = ["K1", "K2"]
        .iter()
        .map(|c| (c.to_string(), format!("科室{c}")))
        .collect();
    let period = app
        .period_on(
            ("达标得分与酌情扣分", RUBRIC),
            ("2024年度科室考核", 2024),
            &units,
        )
        .await;
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
