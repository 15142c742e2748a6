//! 记录本 over HTTP: a branch keeps its 2024 records with gaps, the sheet shows the months missing as
//! provisional deductions (worked by hand below for scheme A's 2.1, 3.2, 3.4 and 4.4), the owning
//! department confirms them into the ledger, and the warnings name each record kind and month, on
//! fixed days.

use serde_json::{json, Value};

use crate::helpers::{section_score, unit, TestApp, UserClient};

on_both_on_day!("2024-07-21";
    a_gap_toothed_year_makes_the_deductions_worked_by_hand,
    records_are_kept_only_where_allowed_and_refused_with_reasons,
    twenty_racing_corrections_of_one_record_land_once,
);
on_both_on_day!("2024-07-15"; before_the_twenty_first_a_month_under_way_is_not_yet_a_warning);

/// D01's 2024 records up to 21 July (period 2, the open year).
///
/// | kind | schedule | recorded | missed (months over) |
/// |---|---|---|---|
/// | 干部政治学习 | monthly | Jan Feb Apr Jun | Mar, May → 2.1.1: 2 × 2 = 4 |
/// | 支委会 | monthly | Jan Mar Apr May Jun | Feb |
/// | 党小组会 | monthly | Jan Feb Apr May Jun | Mar |
/// | 党员大会 | quarterly | Q1 | Q2 → 3.2.1: 3 × 2 = 6 |
/// | 党课 | quarterly | Q1 Q2 | – → 3.2.2 nothing |
/// | 党费 | by the 5th after each quarter | 3 Apr (Q1), 8 Jul (Q2, late) | Q2 → 3.4.1 不得分: 3 |
/// | 新闻稿 | quarterly | Q1 | Q2 → 4.4.1: 4 |
/// | 黑板报 | monthly | Jan–Apr, Jun | May → 4.4.2: 1 |
///
/// Section 2 (15): 15 − 4 = 11. Section 3 (20): 3.2 = 7 − 6 = 1, 3.4 = 0 → 20 − 6 − 3 = 11.
/// Section 4 (20): 4.4 = 5 − 4 − 1 = 0 → 15.
const D01_RECORDS: &[(&str, &[&str])] = &[
    (
        "干部政治学习",
        &["2024-01-10", "2024-02-07", "2024-04-12", "2024-06-05"],
    ),
    (
        "支委会",
        &[
            "2024-01-08",
            "2024-03-04",
            "2024-04-08",
            "2024-05-06",
            "2024-06-03",
        ],
    ),
    (
        "党小组会",
        &[
            "2024-01-15",
            "2024-02-19",
            "2024-04-15",
            "2024-05-20",
            "2024-06-17",
        ],
    ),
    ("党员大会", &["2024-03-28"]),
    ("党课", &["2024-03-28", "2024-06-27"]),
    ("党费", &["2024-04-03", "2024-07-08"]),
    ("新闻稿", &["2024-02-20"]),
    (
        "黑板报",
        &[
            "2024-01-05",
            "2024-02-05",
            "2024-03-05",
            "2024-04-05",
            "2024-06-05",
        ],
    ),
];

async fn keep(client: &UserClient, unit: &str, kind: &str, date: &str) -> Value {
    let r = client
        .post_json(
            "/api/periods/2/records",
            &json!({"unit": unit, "kind": kind, "date": date, "topic": format!("{kind}（{date}）"), "attendees": 7, "eligible": 9}),
        )
        .await;
    assert_eq!(r.status, 201, "{kind} {date}: {}", r.text());
    r.json()
}

async fn keep_d01_year(app: &TestApp) {
    let d01 = app.client("d01").await;
    for (kind, dates) in D01_RECORDS {
        for date in *dates {
            keep(&d01, "D01", kind, date).await;
        }
    }
}

fn reasons_of(warnings: &Value, unit: &str) -> (String, Vec<String>) {
    let w = warnings
        .as_array()
        .expect("warnings")
        .iter()
        .find(|w| w["unit"] == unit)
        .unwrap_or_else(|| panic!("no warning for {unit}: {warnings}"));
    let reasons = w["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect();
    (w["level"].as_str().unwrap().to_string(), reasons)
}

async fn a_gap_toothed_year_makes_the_deductions_worked_by_hand(app: TestApp) {
    keep_d01_year(&app).await;
    let d01 = app.client("d01").await;
    let dangong = app.client("dangong").await;
    let admin = app.client("admin").await;

    // The sheet shows the provisional deductions, naming the months missing; the score does not
    // count them yet.
    let sheet = d01.get("/periods/2/units/D01").await;
    assert_eq!(sheet.status, 200);
    let text = sheet.text();
    assert!(text.contains("记录本扣分（暂计"), "{text}");
    for missing in [
        "干部政治学习：2024年3月、2024年5月",
        "支委会：2024年2月",
        "党小组会：2024年3月",
        "党员大会：2024年第2季度",
        "党费：2024年第2季度（7月5日前）",
        "新闻稿：2024年第2季度",
        "黑板报：2024年5月",
    ] {
        assert!(text.contains(missing), "{missing} in the sheet");
    }
    assert!(!text.contains("党课："), "党课 was held every quarter");
    let before = admin.results(2).await;
    assert_eq!(section_score(&before, "D01", "2").to_string(), "15");

    // The book: a month missed, a month held, the month under way.
    let book = d01.get("/periods/2/units/D01/records").await;
    assert_eq!(book.status, 200);
    assert!(book.text().contains("缺"), "{}", book.text());

    // 预警 on 21 July: red for every month or quarter missed, yellow for July still without a record.
    let warnings = admin.get("/api/periods/2/warnings").await;
    assert_eq!(warnings.status, 200, "{}", warnings.text());
    let (level, reasons) = reasons_of(&warnings.json(), "D01");
    assert_eq!(level, "red");
    for r in [
        "干部政治学习：2024年3月没有记录",
        "干部政治学习：2024年5月没有记录",
        "支委会：2024年2月没有记录",
        "党员大会：2024年第2季度没有记录",
        "党费：2024年第2季度（7月5日前）逾期或没有记录",
        "黑板报：2024年7月尚未记录（截至2024-07-31）",
    ] {
        assert!(reasons.contains(&r.to_string()), "{r} in {reasons:?}");
    }
    // Units that recorded nothing are red too (every month so far missed); the leader sees only theirs.
    let own = d01.get("/api/periods/2/warnings").await.json();
    assert_eq!(own.as_array().unwrap().len(), 1, "{own}");
    assert!(admin
        .get("/periods/2/warnings")
        .await
        .text()
        .contains("党工部"));

    // 安全科 owns none of these rules: nothing to confirm. 党工部 confirms D01's.
    let r = app
        .client("anquan")
        .await
        .post_json("/api/periods/2/records/confirm", &json!({"unit": "D01"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["entries"].as_array().unwrap().len(), 0);
    let r = dangong
        .post_json("/api/periods/2/records/confirm", &json!({"unit": "D01"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let entries = r.json()["entries"].as_array().unwrap().clone();
    let by_code = |code: &str| entries.iter().find(|e| e["code"] == code).cloned();
    assert_eq!(entries.len(), 5, "{entries:?}");
    assert_eq!(by_code("2.1.1").unwrap()["count"], 2);
    assert_eq!(by_code("3.2.1").unwrap()["count"], 3);
    assert!(by_code("3.2.2").is_none());
    assert_eq!(by_code("3.4.1").unwrap()["count"], Value::Null);
    assert_eq!(by_code("4.4.1").unwrap()["count"], Value::Null);
    assert_eq!(by_code("4.4.2").unwrap()["count"], 1);
    assert!(by_code("2.1.1").unwrap()["note"]
        .as_str()
        .unwrap()
        .contains("干部政治学习：2024年3月、2024年5月"));

    let after = admin.results(2).await;
    assert_eq!(section_score(&after, "D01", "2").to_string(), "11");
    assert_eq!(section_score(&after, "D01", "3").to_string(), "11");
    assert_eq!(section_score(&after, "D01", "4").to_string(), "15");
    let d02 = unit(&after, "D02");
    assert_eq!(section_score(&after, "D02", "2").to_string(), "15", "{d02}");
    // Confirming again writes nothing: the ledger has the department's word now.
    let r = dangong
        .post_json("/api/periods/2/records/confirm", &json!({"unit": "D01"}))
        .await;
    assert_eq!(r.json()["entries"].as_array().unwrap().len(), 0);
    let sheet = d01.get("/periods/2/units/D01").await.text();
    assert!(!sheet.contains("记录本扣分（暂计"), "nothing left pending");
}

async fn records_are_kept_only_where_allowed_and_refused_with_reasons(app: TestApp) {
    let d01 = app.client("d01").await;
    let admin = app.client("admin").await;
    let post = |c: &UserClient, body: Value| {
        let c = c.clone();
        async move { c.post_json("/api/periods/2/records", &body).await }
    };
    let ok = json!({"unit": "D01", "kind": "支委会", "date": "2024-03-12", "topic": "研究三月工作", "attendees": 7, "eligible": 9});
    // Another unit's book, a viewer, an assessor: 403.
    let mut other = ok.clone();
    other["unit"] = json!("D02");
    assert_eq!(post(&d01, other.clone()).await.status, 403);
    assert_eq!(
        post(&app.client("lingdao").await, ok.clone()).await.status,
        403
    );
    assert_eq!(
        post(&app.client("dangong").await, ok.clone()).await.status,
        403
    );
    // The administrator may keep any unit's.
    assert_eq!(post(&admin, other).await.status, 201);
    // Bad records say what is wrong.
    for (change, expected) in [
        (
            json!({"kind": "茶话会"}),
            "记录类型“茶话会”不在考评细则中，可选：干部政治学习、支委会",
        ),
        (json!({"date": "2024-07-22"}), "晚于今天（2024-07-21）"),
        (json!({"date": "2023-12-30"}), "不在本考评期"),
        (
            json!({"date": "2024-02-30"}),
            "date：“2024-02-30”不是有效日期",
        ),
        (json!({"topic": " "}), "主题：请填写"),
        (json!({"attendees": 10}), "参加人数：10人多于应参加的9人"),
    ] {
        let mut body = ok.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = post(&d01, body).await;
        assert_eq!(r.status, 422, "{change}: {}", r.text());
        assert!(r.error().contains(expected), "{change}: {}", r.error());
    }
    let mut unknown = ok.clone();
    unknown["minutes"] = json!("…");
    assert_eq!(post(&d01, unknown).await.status, 422);

    // Kept, then rejected by 党工部 (it counts 支委会) but not by 安全科; a rejected record no longer
    // counts and cannot be rejected again.
    let kept = post(&d01, ok.clone()).await.json();
    let id = kept["id"].as_i64().unwrap();
    let path = format!("/api/periods/2/records/{id}/reject");
    let r = app
        .client("anquan")
        .await
        .post_json(&path, &json!({"reason": "不是本部门的"}))
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    let dangong = app.client("dangong").await;
    let r = dangong.post_json(&path, &json!({"reason": ""})).await;
    assert_eq!(r.status, 422);
    let r = dangong
        .post_json(&path, &json!({"reason": "记录本上没有这次会议"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = dangong
        .post_json(&path, &json!({"reason": "再退一次"}))
        .await;
    assert_eq!(r.status, 409, "{}", r.text());
    let listed = d01.get("/api/periods/2/records?unit=D01").await.json();
    assert!(listed.as_array().unwrap().is_empty(), "{listed}");
    // The leader sees only their unit's book.
    assert_eq!(d01.get("/api/periods/2/records?unit=D02").await.status, 403);
    assert_eq!(d01.get("/periods/2/units/D02/records").await.status, 403);
    // A published period keeps no more records.
    let mut past = ok.clone();
    past["date"] = json!("2023-03-12");
    let r = admin.post_json("/api/periods/1/records", &past).await;
    assert_eq!(r.status, 409, "{}", r.text());
    // A period with records is in use: it cannot be deleted.
    let r = admin
        .post_form(
            &admin.with_csrf("/admin/periods/2/delete"),
            &[("reason", "试试")],
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.text().contains("条记录本记录"), "{}", r.text());
}

async fn twenty_racing_corrections_of_one_record_land_once(app: TestApp) {
    let d01 = app.client("d01").await;
    let kept = keep(&d01, "D01", "党课", "2024-05-30").await;
    let id = kept["id"].as_i64().unwrap();
    let other = app.spawn_other_server().await;
    let d01b = UserClient::login(&other.base_url, "d01", "kaoping2023").await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let c = if i % 2 == 0 {
            d01.clone()
        } else {
            d01b.clone()
        };
        tasks.push(tokio::spawn(async move {
            c.post_json(
                "/api/periods/2/records",
                &json!({"unit": "D01", "kind": "党课", "date": format!("2024-05-{:02}", i + 1),
                        "topic": "更正日期", "replaces": id, "reason": "日期记错"}),
            )
            .await
            .status
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        19,
        "{statuses:?}"
    );
    let listed = d01.get("/api/periods/2/records?unit=D01").await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
}

async fn before_the_twenty_first_a_month_under_way_is_not_yet_a_warning(app: TestApp) {
    keep_d01_year(&app).await;
    let (_, reasons) = reasons_of(
        &app.client("admin")
            .await
            .get("/api/periods/2/warnings")
            .await
            .json(),
        "D01",
    );
    assert!(
        reasons.iter().all(|r| !r.contains("2024年7月")),
        "{reasons:?}"
    );
    assert!(reasons.contains(&"黑板报：2024年5月没有记录".to_string()));
}
