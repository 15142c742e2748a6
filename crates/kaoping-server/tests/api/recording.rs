//! Recording findings: the owning department records, the results change by exactly the rule's amount,
//! corrections and withdrawals are new ledger entries, and the ledger never loses one.

use kaoping_core::Decimal;
use serde_json::{json, Value};

use crate::helpers::{dec, section_score, unit, TestApp, UserClient};

on_both!(
    assessor_records_and_the_results_change_exactly,
    assessor_cannot_record_another_departments_item,
    corrections_and_withdrawals_append_to_the_ledger,
    assessor_cannot_withdraw_another_departments_finding,
    publishing_a_complete_period_locks_it,
);
on_both!(assessor_cannot_correct_another_departments_finding);

fn ids(entries: &[Value]) -> Vec<i64> {
    entries.iter().map(|e| e["id"].as_i64().unwrap()).collect()
}

fn entry(entries: &[Value], id: i64) -> &Value {
    entries
        .iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("entry #{id} not in the ledger"))
}

/// The ledger only grows: every entry seen before is still there, unchanged.
fn assert_kept(before: &[Value], after: &[Value]) {
    assert!(after.len() >= before.len(), "the ledger got shorter");
    for e in before {
        let id = e["id"].as_i64().unwrap();
        let now = entry(after, id);
        for field in [
            "unit", "code", "count", "points", "note", "kind", "replaces", "reason",
        ] {
            assert_eq!(now[field], e[field], "entry #{id} {field} changed");
        }
    }
}

async fn created_id(r: crate::helpers::Resp) -> i64 {
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_i64().expect("id")
}

async fn assessor_records_and_the_results_change_exactly(app: TestApp) {
    let admin = app.client("admin").await;
    let anquan = app.client("anquan").await;
    let before = admin.results(2).await;
    let ledger_before = admin.entries(2).await;
    assert!(ledger_before.is_empty(), "the open year starts empty");
    assert_eq!(section_score(&before, "D03", "1"), Decimal::from(20));

    let id = created_id(
        anquan
            .record(
                2,
                &json!({"unit": "D03", "code": "1.4.2", "count": 1, "note": "3月管道爆裂一般性安全事故"}),
            )
            .await,
    )
    .await;

    let after = admin.results(2).await;
    assert_eq!(section_score(&after, "D03", "1"), Decimal::from(15));
    assert_eq!(
        dec(&unit(&after, "D03")["total"]),
        dec(&unit(&before, "D03")["total"]) - Decimal::from(5)
    );
    let item = unit(&after, "D03")["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "1.4")
        .unwrap()
        .clone();
    assert_eq!(dec(&item["deducted"]), Decimal::from(5));
    // The trace cites the ledger entry.
    let trace = unit(&after, "D03")["trace"].as_array().unwrap().clone();
    let t = trace.iter().find(|t| t["code"] == "1.4.2").expect("traced");
    assert_eq!(t["findings"][0]["line"], id);
    assert_eq!(dec(&t["amount"]), Decimal::from(-5));
    // Every other unit is untouched.
    for u in before["units"].as_array().unwrap() {
        let code = u["unit"].as_str().unwrap();
        if code != "D03" {
            assert_eq!(unit(&after, code)["total"], u["total"], "{code}");
            assert_eq!(unit(&after, code)["sections"], u["sections"], "{code}");
        }
    }

    let ledger = admin.entries(2).await;
    assert_eq!(ledger.len(), 1);
    let e = entry(&ledger, id);
    assert_eq!(e["unit"], "D03");
    assert_eq!(e["code"], "1.4.2");
    assert_eq!(e["count"], 1);
    assert_eq!(e["kind"], "record");
    assert_eq!(e["source"], "assessor");
    assert_eq!(e["active"], true);
    let (anquan_user, _) = app.user_and_department("anquan").await;
    assert_eq!(e["recorded_by"], anquan_user.id);

    // The score sheet shows it.
    let sheet = anquan.get("/periods/2/units/D03").await;
    assert_eq!(sheet.status, 200);
    let text = sheet.text();
    assert!(
        text.contains(&format!("记录#{id}")),
        "sheet cites the entry"
    );
    assert!(text.contains("扣5分"));
    assert!(text.contains("3月管道爆裂一般性安全事故"));
}

async fn assessor_cannot_record_another_departments_item(app: TestApp) {
    let admin = app.client("admin").await;
    let anquan = app.client("anquan").await;
    let ledger = admin.entries(2).await;
    let results = admin.results(2).await;

    let r = anquan
        .record(2, &json!({"unit": "D03", "code": "3.2.1", "count": 1}))
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(
        r.error().contains("党工部"),
        "names the owner: {}",
        r.error()
    );
    // Through the HTML form as well.
    let form = reqwest::multipart::Form::new()
        .text("unit", "D03")
        .text("code", "3.2.1")
        .text("count", "1");
    let r = anquan
        .post_multipart(&anquan.with_csrf("/periods/2/entries"), form)
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    // A leader and a viewer may not record at all.
    for who in ["d01", "lingdao"] {
        let c = app.client(who).await;
        let r = c.record(2, &json!({"unit": "D01", "code": "1.4.3"})).await;
        assert_eq!(r.status, 403, "{who}: {}", r.text());
    }
    assert_eq!(admin.entries(2).await, ledger, "nothing appended");
    assert_eq!(admin.results(2).await["units"], results["units"]);

    // The owning department may.
    let dangong = app.client("dangong").await;
    created_id(
        dangong
            .record(2, &json!({"unit": "D03", "code": "3.2.1", "count": 1}))
            .await,
    )
    .await;
    assert_eq!(
        section_score(&admin.results(2).await, "D03", "3"),
        section_score(&results, "D03", "3") - Decimal::from(2)
    );
}

async fn corrections_and_withdrawals_append_to_the_ledger(app: TestApp) {
    let admin = app.client("admin").await;
    let anquan = app.client("anquan").await;
    let s1 = |r: &Value| section_score(r, "D03", "1");
    let mut history: Vec<Vec<Value>> = vec![admin.entries(2).await];
    fn snapshot(history: &mut Vec<Vec<Value>>, ledger: Vec<Value>) {
        assert_kept(history.last().unwrap(), &ledger);
        history.push(ledger);
    }

    let first = created_id(
        anquan
            .record(
                2,
                &json!({"unit": "D03", "code": "1.4.2", "count": 1, "note": "一起"}),
            )
            .await,
    )
    .await;
    assert_eq!(s1(&admin.results(2).await), Decimal::from(15));
    snapshot(&mut history, admin.entries(2).await);

    // Correct it: two accidents, not one (5 + 10 = 15 off the pool).
    let second = created_id(
        anquan
            .record(
                2,
                &json!({"unit": "D03", "code": "1.4.2", "count": 2, "note": "两起",
                        "replaces": first, "reason": "复核安全通报，实为两起"}),
            )
            .await,
    )
    .await;
    assert_eq!(s1(&admin.results(2).await), Decimal::from(5));
    let ledger = admin.entries(2).await;
    assert_eq!(entry(&ledger, first)["active"], false);
    let c = entry(&ledger, second);
    assert_eq!(c["kind"], "correct");
    assert_eq!(c["replaces"], first);
    assert_eq!(c["reason"], "复核安全通报，实为两起");
    assert_eq!(c["active"], true);
    snapshot(&mut history, ledger);

    // The first entry was already corrected: a second correction of it conflicts, and changes nothing.
    let r = anquan
        .record(
            2,
            &json!({"unit": "D03", "code": "1.4.2", "count": 3,
                    "replaces": first, "reason": "再次更正"}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.error().contains("已被更正或撤回"), "{}", r.error());
    assert_eq!(s1(&admin.results(2).await), Decimal::from(5));
    assert_eq!(&admin.entries(2).await, history.last().unwrap());

    // A correction needs a reason.
    let r = anquan
        .record(
            2,
            &json!({"unit": "D03", "code": "1.4.2", "count": 3, "replaces": second}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(&admin.entries(2).await, history.last().unwrap());

    // Withdraw the correction: the deduction disappears.
    let r = anquan
        .post_json(
            &format!("/api/periods/2/entries/{second}/withdraw"),
            &json!({"reason": "事故定性为设备故障，非安全事故"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let withdrawal = r.json()["id"].as_i64().unwrap();
    let after = admin.results(2).await;
    assert_eq!(s1(&after), Decimal::from(20));
    assert!(
        !unit(&after, "D03")["trace"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["code"] == "1.4.2"),
        "no trace of the withdrawn finding"
    );
    let ledger = admin.entries(2).await;
    let w = entry(&ledger, withdrawal);
    assert_eq!(w["kind"], "withdraw");
    assert_eq!(w["replaces"], second);
    assert_eq!(w["active"], false);
    assert_eq!(entry(&ledger, second)["active"], false);
    snapshot(&mut history, ledger);

    // Withdrawing again conflicts.
    let r = anquan
        .post_json(
            &format!("/api/periods/2/entries/{second}/withdraw"),
            &json!({"reason": "再撤一次"}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text());
    // Withdrawing an entry that does not exist is a 404.
    let r = anquan
        .post_json(
            "/api/periods/2/entries/999999/withdraw",
            &json!({"reason": "没有这条"}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text());
    snapshot(&mut history, admin.entries(2).await);

    // Every entry is still there, in order.
    let last = history.last().unwrap();
    assert_eq!(ids(last), vec![first, second, withdrawal]);
    let lengths: Vec<usize> = history.iter().map(Vec::len).collect();
    assert!(lengths.windows(2).all(|w| w[0] <= w[1]), "{lengths:?}");

    // The ledger page shows the whole history.
    let page = admin.get("/periods/2/ledger").await;
    assert_eq!(page.status, 200);
    let text = page.text();
    assert!(text.contains(&format!("（替代#{first}）")));
    assert!(text.contains(&format!("（替代#{second}）")));
    assert!(text.contains("复核安全通报，实为两起"));
    assert!(text.contains("事故定性为设备故障，非安全事故"));
    // The sheet no longer lists either finding.
    let sheet = admin.get("/periods/2/units/D03").await.text();
    assert!(!sheet.contains(&format!("记录#{first}<")));
    assert!(!sheet.contains(&format!("记录#{second}<")));
}

async fn record_for_dangong(app: &TestApp) -> (UserClient, i64) {
    let dangong = app.client("dangong").await;
    let id = created_id(
        dangong
            .record(
                2,
                &json!({"unit": "D05", "code": "3.2.1", "count": 2, "note": "两次支委会未开"}),
            )
            .await,
    )
    .await;
    (dangong, id)
}

async fn assessor_cannot_withdraw_another_departments_finding(app: TestApp) {
    let admin = app.client("admin").await;
    let anquan = app.client("anquan").await;
    let (_, id) = record_for_dangong(&app).await;
    let ledger = admin.entries(2).await;
    let r = anquan
        .post_json(
            &format!("/api/periods/2/entries/{id}/withdraw"),
            &json!({"reason": "不归我管也撤"}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    // The page's withdraw form too.
    let r = anquan
        .post_form(
            &anquan.with_csrf(&format!("/periods/2/entries/{id}/withdraw")),
            &[("reason", "不归我管也撤")],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(admin.entries(2).await, ledger);
}

async fn assessor_cannot_correct_another_departments_finding(app: TestApp) {
    let admin = app.client("admin").await;
    let anquan = app.client("anquan").await;
    let (_, id) = record_for_dangong(&app).await;
    let ledger = admin.entries(2).await;
    let results = admin.results(2).await;
    // 安全科 "corrects" 党工部's finding on 3.2.1 into one on its own item 1.4.3.
    let r = anquan
        .record(
            2,
            &json!({"unit": "D05", "code": "1.4.3", "replaces": id, "reason": "改成安全教育"}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(admin.entries(2).await, ledger, "nothing appended");
    assert_eq!(admin.results(2).await["units"], results["units"]);
}

async fn publishing_a_complete_period_locks_it(app: TestApp) {
    let admin = app.client("admin").await;
    let dangong = app.client("dangong").await;
    // 6.1 and 7.1 are discretionary: every unit needs a score before the year can be published.
    let r = admin.post_json("/api/periods/2/publish", &json!({})).await;
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.error().contains("18个单位"), "{}", r.error());
    for n in 1..=18 {
        for code in ["6.1", "7.1"] {
            created_id(
                dangong
                    .record(
                        2,
                        &json!({"unit": format!("D{n:02}"), "code": code, "points": "4.5", "note": "按时完成"}),
                    )
                    .await,
            )
            .await;
        }
    }
    // No department's review is approved: publishing needs a written reason, printed on the notice.
    let r = admin.post_json("/api/periods/2/publish", &json!({})).await;
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.error().contains("审核尚未通过"), "{}", r.error());
    let confirm = admin.get("/periods/2/publish").await;
    assert!(confirm.text().contains("确认发布") && confirm.text().contains("未提交"));
    // The notice's heading is asked for, the issuing office filled in from the rubric.
    assert!(
        confirm.text().contains("name=\"doc_number\"")
            && confirm
                .text()
                .contains("value=\"中共大冶有色金属有限公司动力厂党委工作部\""),
        "{}",
        confirm.text()
    );
    let r = admin
        .post_json(
            "/api/periods/2/publish",
            &json!({"reason": "年终会议已确认各部门记录", "issuer": "中共动力厂委员会", "doc_number": "动力党发〔2025〕3号"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let published = r.json();
    assert_eq!(published["publication"], "2-1");
    let digest = published["digest"].as_str().unwrap().to_string();
    assert_eq!(digest.len(), 64);
    // The notice prints the number, the first 16 digits of the digest and the override's reason.
    let notice = admin.get("/periods/2/notice").await;
    assert_eq!(notice.status, 200);
    let text = notice.text();
    assert!(text.contains("发布编号 2-1"), "{text}");
    assert!(text.contains(&digest[..16]), "{text}");
    assert!(text.contains("年终会议已确认各部门记录"), "{text}");
    // Its heading: the document number, and the issuer over the place of the seal.
    assert!(
        text.contains("<p class=\"doc-number\">动力党发〔2025〕3号</p>"),
        "{text}"
    );
    assert!(text.contains("中共动力厂委员会"), "{text}");
    assert!(text.contains("（盖章）"), "{text}");
    // The heading is part of the publication's record: the chain still verifies.
    let run = admin
        .post_form(&admin.with_csrf("/admin/integrity"), &[])
        .await;
    assert!(run.status == 303 || run.status == 200, "{}", run.text());
    let check = admin.get("/admin/integrity").await.text();
    assert!(check.contains("校验通过"), "{check}");
    let results = admin.results(2).await;
    assert_eq!(results["period"]["status"], "published");
    assert_eq!(dec(&unit(&results, "D07")["final"]), Decimal::from(99));
    // Now locked: no more findings, withdrawals or publishing; the viewer sees it.
    let ledger = admin.entries(2).await;
    let r = dangong
        .record(2, &json!({"unit": "D01", "code": "3.2.1", "count": 1}))
        .await;
    assert_eq!(
        r.status,
        409,
        "locked, for someone who records: {}",
        r.text()
    );
    let first = ledger[0]["id"].as_i64().unwrap();
    let r = dangong
        .post_json(
            &format!("/api/periods/2/entries/{first}/withdraw"),
            &json!({"reason": "发布后撤回"}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text());
    let r = admin.post_json("/api/periods/2/publish", &json!({})).await;
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(admin.entries(2).await, ledger);
    let lingdao = app.client("lingdao").await;
    assert_eq!(lingdao.results(2).await["units"], results["units"]);
}

on_both!(the_ledger_is_read_a_page_at_a_time);

/// The API hands the ledger out in pages (at most 1000 entries a call), each saying where the next starts.
async fn the_ledger_is_read_a_page_at_a_time(app: TestApp) {
    let anquan = app.client("anquan").await;
    let mut recorded = Vec::new();
    for unit in ["D01", "D02", "D03"] {
        let r = anquan
            .record(2, &json!({"unit": unit, "code": "1.4.2", "count": 1}))
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        recorded.push(r.json()["id"].as_i64().unwrap());
    }
    let first = anquan.get("/api/periods/2/entries?limit=2").await.json();
    assert_eq!(ids(first["entries"].as_array().unwrap()), recorded[..2]);
    assert_eq!(first["next_after"], recorded[1]);
    let rest = anquan
        .get(&format!(
            "/api/periods/2/entries?after={}&limit=2",
            recorded[1]
        ))
        .await
        .json();
    assert_eq!(ids(rest["entries"].as_array().unwrap()), recorded[2..]);
    assert!(rest["next_after"].is_null(), "{rest}");
    // Without a cursor: everything (up to the limit), and nothing more to read.
    let all = anquan.get("/api/periods/2/entries").await.json();
    assert_eq!(ids(all["entries"].as_array().unwrap()), recorded);
    assert!(all["next_after"].is_null());
}
