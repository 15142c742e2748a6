//! Attendance and exam imports (issue 10, part 3) against scheme C's rubric (rubrics/jishengju-2023.toml):
//! the worked examples of docs/worked-examples.md C1–C3 reproduced from files, a month imported again
//! corrected rather than doubled, a bad row refused whole, another department refused.

use kaoping_core::Decimal;
use serde_json::Value;

use crate::helpers::{section_score, TestApp, UserClient};

on_both!(
    attendance_reproduces_the_worked_examples,
    a_month_imported_again_corrects_its_entries,
    one_bad_row_writes_nothing_and_is_listed,
    another_department_is_refused,
    exams_become_entries_and_a_quarter_corrects,
    a_workbook_is_uploaded_on_the_page,
);

const RUBRIC: &str = include_str!("../../../../rubrics/jishengju-2023.toml");

/// Scheme C's rubric on ten staff J01–J10 beside the demo's; returns the period.
async fn bureau_year(app: &TestApp) -> i64 {
    let staff: Vec<(String, String)> = (1..=10)
        .map(|i| (format!("J{i:02}"), format!("职工{i}")))
        .collect();
    app.period_on(
        ("计生局岗位目标责任制考核方案", RUBRIC),
        ("2023年度计生局考核", 2023),
        &staff,
    )
    .await
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

async fn post(
    client: &UserClient,
    period: i64,
    what: &str,
    query: &str,
    csv: &str,
) -> crate::helpers::Resp {
    client
        .post_raw(
            &format!("/api/periods/{period}/{what}?{query}"),
            "text/csv",
            csv,
        )
        .await
}

/// The entries of a unit on a rule: (all, active).
async fn on_rule(
    client: &UserClient,
    period: i64,
    unit: &str,
    code: &str,
) -> (Vec<Value>, Vec<Value>) {
    let all: Vec<Value> = client
        .entries(period)
        .await
        .into_iter()
        .filter(|e| e["unit"] == unit && e["code"] == code)
        .collect();
    let active = all
        .iter()
        .filter(|e| e["active"] == true)
        .cloned()
        .collect();
    (all, active)
}

/// Ten months of one person: `due` and `present` each month, lates etc. in the first.
fn months(person: &str, rows: &[(u32, u32)], late: u32, absent: u32) -> String {
    rows.iter()
        .enumerate()
        .map(|(i, (due, present))| {
            let (l, a) = if i == 0 { (late, absent) } else { (0, 0) };
            format!("{person},{due},{present},{l},0,{a},2023-{:02}\n", i + 1)
        })
        .collect()
}

async fn attendance_reproduces_the_worked_examples(app: TestApp) {
    let period = bureau_year(&app).await;
    let admin = app.client("admin").await;
    // J01: 6 months of 20 days, 114 present = exactly 95%: nothing lost on 4.1.
    // J02: 10 months of 20 days, 189 present = 94.5%: 0.5 below × 3 = 1.5.
    // J03: 6 months, 108 present = 90%: 5 below × 3 = 15, the whole item; 2 lates and an absence on top
    // and item 4 stops at 0.
    let mut csv = String::from("工号,应出勤天数,实际出勤天数,迟到,早退,旷工,月份\n");
    csv.push_str(&months("J01", &[(20, 19); 6], 0, 0));
    let mut j02 = vec![(20, 19); 9];
    j02.push((20, 18));
    csv.push_str(&months("J02", &j02, 0, 0));
    csv.push_str(&months("J03", &[(20, 18); 6], 2, 1));
    let r = post(&admin, period, "attendance", "file=2023.csv", &csv).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let summary = r.json();
    assert_eq!(summary["rows"], 22);
    let rate = &summary["measures"][0];
    assert_eq!(rate["code"], "4.1");
    assert_eq!(rate["recorded"], 3);

    let (_, j01) = on_rule(&admin, period, "J01", "4.1").await;
    assert_eq!(j01.len(), 1);
    assert_eq!(j01[0]["points"], "95");
    assert_eq!(
        j01[0]["note"],
        "考勤导入：1–6月，应出勤120天，实出勤114天，出勤率95%"
    );
    let (_, j02) = on_rule(&admin, period, "J02", "4.1").await;
    assert_eq!(j02[0]["points"], "94.5");
    let (_, lates) = on_rule(&admin, period, "J03", "4.2").await;
    assert_eq!(lates.len(), 1);
    assert_eq!(lates[0]["count"], 2);
    assert_eq!(lates[0]["note"], "考勤导入：1–6月，迟到2次");
    // No early leaves: no entry at all.
    let (none, _) = on_rule(&admin, period, "J03", "4.3").await;
    assert!(none.is_empty());

    let results = admin.results(period).await;
    assert_eq!(section_score(&results, "J01", "4"), d("15"));
    assert_eq!(section_score(&results, "J02", "4"), d("13.5"));
    assert_eq!(section_score(&results, "J03", "4"), d("0"));
}

async fn a_month_imported_again_corrects_its_entries(app: TestApp) {
    let period = bureau_year(&app).await;
    let admin = app.client("admin").await;
    let header = "姓名,应出勤（天数）,实出勤,迟到（次数）,早退（次数）,旷工（次数）\n";
    let first = format!("{header}职工1,20,20,1,0,0\n职工2,20,19,0,0,0\n");
    let r = post(&admin, period, "attendance", "month=2023-01", &first).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let (_, rate) = on_rule(&admin, period, "J01", "4.1").await;
    let first_rate = rate[0]["id"].as_i64().unwrap();

    // January again: J01 was present 18 days, still late once; J02 unchanged.
    let again = format!("{header}职工1,20,18,1,0,0\n职工2,20,19,0,0,0\n");
    let r = post(&admin, period, "attendance", "month=2023-01", &again).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["replaced"], serde_json::json!(["2023-01"]));
    let (all, active) = on_rule(&admin, period, "J01", "4.1").await;
    assert_eq!(all.len(), 2, "a correction, not a second entry: {all:?}");
    assert_eq!(active.len(), 1);
    assert_eq!(active[0]["kind"], "correct");
    assert_eq!(active[0]["replaces"], first_rate);
    assert_eq!(active[0]["reason"], "考勤导入更新");
    assert_eq!(active[0]["points"], "90");
    // The late count did not change: left alone.
    let (lates, _) = on_rule(&admin, period, "J01", "4.2").await;
    assert_eq!(lates.len(), 1);
    let (j02, _) = on_rule(&admin, period, "J02", "4.1").await;
    assert_eq!(j02.len(), 1, "unchanged figures are left alone");

    // February adds to the year: the rate over both months; January's late withdrawn when it is 0.
    let r = post(
        &admin,
        period,
        "attendance",
        "",
        "工号,应出勤,实出勤,迟到,早退,旷工,月份\nJ01,20,20,0,0,0,2023年2月\nJ01,20,18,0,0,0,2023年1月\n",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let (_, active) = on_rule(&admin, period, "J01", "4.1").await;
    assert_eq!(active[0]["points"], "95");
    assert_eq!(
        active[0]["note"],
        "考勤导入：1–2月，应出勤40天，实出勤38天，出勤率95%"
    );
    let (lates, active_lates) = on_rule(&admin, period, "J01", "4.2").await;
    assert_eq!(lates.len(), 2, "{lates:?}");
    assert!(active_lates.is_empty());
    assert!(lates.iter().any(|e| e["kind"] == "withdraw"));
}

async fn one_bad_row_writes_nothing_and_is_listed(app: TestApp) {
    let period = bureau_year(&app).await;
    let admin = app.client("admin").await;
    let before = admin.entries(period).await.len();
    let csv = "工号,应出勤天数,实际出勤天数,迟到,早退,旷工\nJ01,20,20,0,0,0\nJ02,20,19,三,0,0\nJ03,20,19,0,0,0\n";
    let r = post(
        &admin,
        period,
        "attendance",
        "month=2023-03&file=三月.csv",
        csv,
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    let problems = r.json()["problems"].clone();
    assert_eq!(
        problems,
        serde_json::json!([{"line": 3, "message": "“迟到”列：“三”不是整数"}])
    );
    assert_eq!(admin.entries(period).await.len(), before);
    // A month outside the period's year is refused as well.
    let r = post(
        &admin,
        period,
        "attendance",
        "month=2024-03",
        "工号,应出勤天数,实际出勤天数,迟到,早退,旷工\nJ01,20,20,0,0,0\n",
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("不在考评期的2023年内"), "{}", r.text());
    assert_eq!(admin.entries(period).await.len(), before);
}

async fn another_department_is_refused(app: TestApp) {
    let period = bureau_year(&app).await;
    let anquan = app.client("anquan").await;
    let csv = "工号,应出勤天数,实际出勤天数,迟到,早退,旷工\nJ01,20,20,0,0,0\n";
    let r = post(&anquan, period, "attendance", "month=2023-03", csv).await;
    assert_eq!(r.status, 403, "{}", r.text());
    let r = post(&anquan, period, "exams", "", "工号,季度,成绩\nJ01,1,80\n").await;
    assert_eq!(r.status, 403, "{}", r.text());
    let r = anquan.get(&format!("/periods/{period}/attendance")).await;
    assert_eq!(r.status, 403);
    let admin = app.client("admin").await;
    assert!(admin.entries(period).await.is_empty());
    // The administrator's page has both forms.
    let r = admin.get(&format!("/periods/{period}/attendance")).await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("导入考勤") && r.text().contains("导入考试成绩"));
}

async fn exams_become_entries_and_a_quarter_corrects(app: TestApp) {
    let period = bureau_year(&app).await;
    let admin = app.client("admin").await;
    // C3: J01 88, 92, 85, 90 → mean 88.75 → 8 × 0.8875 = 7.1.
    let csv = "姓名,季度,成绩\n职工1,一季度,88\n职工1,Q2,92\n职工1,第3季度,85\n职工1,4,90\n";
    let r = post(&admin, period, "exams", "", csv).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["measures"][0]["recorded"], 4);
    let results = admin.results(period).await;
    assert_eq!(section_score(&results, "J01", "5"), d("7.1"));

    // The first quarter again, 80: corrected; (80 + 92 + 85 + 90) / 4 = 86.75 → 6.94.
    let r = post(&admin, period, "exams", "", "工号,季度,分数\nJ01,1,80\n").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["measures"][0]["corrected"], 1);
    assert_eq!(r.json()["measures"][0]["unchanged"], 3);
    let (all, active) = on_rule(&admin, period, "J01", "5.1").await;
    assert_eq!(all.len(), 5);
    assert_eq!(active.len(), 4);
    let corrected = active.iter().find(|e| e["kind"] == "correct").unwrap();
    assert_eq!(corrected["points"], "80");
    assert_eq!(corrected["reason"], "考试导入更新");
    let results = admin.results(period).await;
    assert_eq!(section_score(&results, "J01", "5"), d("6.94"));
}

/// A workbook of the attendance machine: text headers, numbers as numbers.
fn workbook(rows: &[(&str, [f64; 5])]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in [
        "姓名",
        "应出勤天数",
        "实际出勤天数",
        "迟到次数",
        "早退次数",
        "旷工次数",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (name, figures)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, *name).unwrap();
        for (c, v) in figures.iter().enumerate() {
            sheet.write_number(r, c as u16 + 1, *v).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

async fn a_workbook_is_uploaded_on_the_page(app: TestApp) {
    use reqwest::multipart::{Form, Part};
    let period = bureau_year(&app).await;
    let admin = app.client("admin").await;
    let form = |bytes: Vec<u8>| {
        Form::new()
            .text("kind", "attendance")
            .text("month", "2023年3月")
            .part("file", Part::bytes(bytes).file_name("三月.xlsx"))
    };
    let path = admin.with_csrf(&format!("/periods/{period}/attendance"));
    // A row with a fraction of a late arrival is refused at its row; nothing is written.
    let bad = workbook(&[
        ("职工1", [22.0, 22.0, 0.0, 0.0, 0.0]),
        ("职工2", [22.0, 21.0, 1.5, 0.0, 0.0]),
    ]);
    let r = admin.post_multipart(&path, form(bad)).await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.text().contains("第3行：“迟到”列：“1.5”不是整数"),
        "{}",
        r.text()
    );
    assert!(admin.entries(period).await.is_empty());

    let good = workbook(&[
        ("职工1", [22.0, 22.0, 0.0, 0.0, 0.0]),
        ("职工2", [22.0, 21.0, 1.0, 0.0, 0.0]),
    ]);
    let r = admin.post_multipart(&path, form(good)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let page = r.text();
    assert!(
        page.contains("导入完成") && page.contains("2023-03"),
        "{page}"
    );
    let (_, rate) = on_rule(&admin, period, "J02", "4.1").await;
    assert_eq!(rate[0]["points"], "95.4545");
    let (_, late) = on_rule(&admin, period, "J02", "4.2").await;
    assert_eq!(late[0]["count"], 1);
    // The summary links the page.
    let r = admin.get(&format!("/periods/{period}")).await;
    assert!(r.text().contains(&format!("/periods/{period}/attendance")));
}
