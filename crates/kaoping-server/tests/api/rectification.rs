//! 整改 over HTTP: the owning department requires rectification of a deduction by a date, the unit's
//! leader reports, the department returns or accepts; who may do what; overdue before and after the due
//! day, with the server's day fixed (`run_on_day`) and a second server on the same database reading a
//! later day; twenty racing decisions of which one lands; the score sheet showing the state.

use serde_json::{json, Value};

use crate::helpers::{run_on_day, TestApp, UserClient};

/// Declares a `sqlite` and a `postgres` test of `NAME(app)` with the server's day fixed at 2024-07-21.
macro_rules! on_both_on_day {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::run_on_day(kaoping_store::Backend::Sqlite, super::TODAY, super::$name).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::run_on_day(kaoping_store::Backend::Postgres, super::TODAY, super::$name).await
            }
        }
    )*};
}

const TODAY: &str = "2024-07-21";

on_both_on_day!(
    a_deduction_is_rectified_after_a_return,
    only_the_department_and_the_unit_take_part,
    twenty_racing_decisions_one_lands,
    overdue_turns_on_the_due_day,
);

/// Records a 1.4.2 finding (安全科's progressive deduction) on `unit` in the open period 2.
async fn deduction(anquan: &UserClient, unit: &str) -> i64 {
    let r = anquan
        .record(
            2,
            &json!({"unit": unit, "code": "1.4.2", "count": 1, "note": "管道爆裂一般性安全事故"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_i64().expect("entry id")
}

async fn require(who: &UserClient, entry: i64, due: &str) -> (u16, Value) {
    let r = who
        .post_json(
            "/api/periods/2/rectifications",
            &json!({"entry": entry, "due": due, "requirement": "完善安全生产责任制，组织一次隐患排查"}),
        )
        .await;
    let body = if r.status == 201 || r.header("content-type").is_some_and(|c| c.contains("json")) {
        r.json()
    } else {
        Value::Null
    };
    (r.status, body)
}

async fn report(who: &UserClient, id: i64, text: &str) -> (u16, Value) {
    let r = who
        .post_json(
            &format!("/api/rectifications/{id}/report"),
            &json!({ "text": text }),
        )
        .await;
    (r.status, r.json())
}

async fn decide(who: &UserClient, id: i64, accept: bool, reason: &str) -> (u16, Value) {
    let r = who
        .post_json(
            &format!("/api/rectifications/{id}/decide"),
            &json!({ "accept": accept, "reason": reason }),
        )
        .await;
    (r.status, r.json())
}

/// The ids of a period's rectifications as `who` lists them, narrowed by `query`.
async fn listed(who: &UserClient, query: &str) -> Vec<i64> {
    let r = who
        .get(&format!("/api/periods/2/rectifications{query}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["rectifications"]
        .as_array()
        .expect("list")
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

async fn a_deduction_is_rectified_after_a_return(app: TestApp) {
    let anquan = app.client("anquan").await;
    let d01 = app.client("d01").await;
    let admin = app.client("admin").await;
    let entry = deduction(&anquan, "D01").await;

    // The due day is required, a date, and not before today.
    for (due, says) in [
        ("", "整改期限：必须填写"),
        ("7月底", "整改期限：“7月底”不是日期"),
        ("2024-07-20", "整改期限：不能早于今天（2024-07-21）"),
    ] {
        let (status, body) = require(&anquan, entry, due).await;
        assert_eq!(status, 422, "{due}: {body}");
        assert!(body["error"].as_str().unwrap().contains(says), "{body}");
    }
    // The ledger offers to require it; the form shows the deduction.
    let ledger = "/periods/2/ledger?unit=D01&code=1.4.2";
    let new_form = format!("/periods/2/rectifications/new?entry={entry}");
    assert!(anquan.get(ledger).await.text().contains(&new_form));
    let r = anquan.get(&new_form).await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains(&format!("记录#{entry}")));
    let (status, body) = require(&anquan, entry, "2024-07-31").await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_i64().unwrap();
    let (status, body) = require(&anquan, entry, "2024-07-31").await;
    assert_eq!(status, 409, "one requirement per deduction: {body}");
    assert_eq!(anquan.get(&new_form).await.status, 409);
    assert!(anquan
        .get(ledger)
        .await
        .text()
        .contains(&format!("/rectifications/{id}")));

    let r = d01.get(&format!("/api/rectifications/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let shown = r.json();
    assert_eq!(shown["state"], "pending");
    assert_eq!(shown["state_name"], "待整改");
    assert_eq!(shown["overdue"], false);
    assert_eq!(shown["entry"], entry);
    assert_eq!(shown["unit"], "D01");
    assert_eq!(shown["due"], "2024-07-31");
    for who in [&anquan, &d01, &admin] {
        assert_eq!(listed(who, "").await, vec![id]);
    }

    // Nothing to decide before a report; a report needs its text.
    assert_eq!(decide(&anquan, id, true, "").await.0, 409);
    let (status, body) = report(&d01, id, "  ").await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("整改情况"),
        "{body}"
    );

    let (status, body) = report(&d01, id, "已更换老化管道，组织隐患排查一次").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "awaiting");
    assert_eq!(report(&d01, id, "再报一次").await.0, 409, "a report awaits");
    assert_eq!(listed(&admin, "?state=awaiting").await, vec![id]);
    assert!(listed(&admin, "?state=pending").await.is_empty());
    let r = admin.get("/api/periods/2/rectifications?state=done").await;
    assert_eq!(r.status, 422);
    assert!(r.error().contains("状态"), "{}", r.error());

    // Returned without a reason: refused; with one: the unit reports again.
    let (status, body) = decide(&anquan, id, false, " ").await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("验收意见"),
        "{body}"
    );
    let (status, body) = decide(&anquan, id, false, "缺少排查记录").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "returned");
    assert_eq!(body["state_name"], "已退回");
    // The second report through the page, with a PDF: anyone who may see the sheet opens it.
    let form = reqwest::multipart::Form::new()
        .text("text", "补充隐患排查记录")
        .part(
            "evidence",
            reqwest::multipart::Part::bytes(small_pdf()).file_name("排查记录.pdf"),
        );
    let r = d01
        .post_multipart(
            &d01.with_csrf(&format!("/rectifications/{id}/report")),
            form,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(r.location().unwrap().contains("msg="), "{:?}", r.location());
    let shown = d01.get(&format!("/api/rectifications/{id}")).await.json();
    assert_eq!(shown["state"], "awaiting");
    let evidence = shown["steps"][2]["evidence"].as_i64().expect("evidence");
    for who in [&anquan, &d01] {
        let r = who.get(&format!("/periods/2/evidence/{evidence}")).await;
        assert_eq!(r.status, 200);
        assert!(r.body.starts_with(b"%PDF-"));
    }
    let (status, body) = decide(&anquan, id, true, "").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "accepted");
    let kinds: Vec<&str> = body["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["report", "return", "report", "accept"]);
    assert_eq!(decide(&anquan, id, true, "").await.0, 409, "decided");
    assert_eq!(report(&d01, id, "又一次").await.0, 409, "accepted");

    // The sheet shows the state beside the deduction, linked to the rectification.
    let sheet = anquan.get("/periods/2/units/D01").await;
    assert_eq!(sheet.status, 200);
    let text = sheet.text();
    assert!(text.contains(&format!("/rectifications/{id}")), "link");
    assert!(text.contains("整改：已通过"), "state on the sheet");
    // And the list and detail pages.
    let page = d01.get("/periods/2/rectifications").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("已通过"));
    let page = d01.get(&format!("/rectifications/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("缺少排查记录"));
    assert!(page.text().contains("补充隐患排查记录"));

    // Every step is in the audit log and linked into the period's chain.
    let log = admin.get("/audit?action=rectification_decision").await;
    assert_eq!(log.status, 200);
    assert!(log.text().contains(&format!("整改#{id}")), "audited");
    let report = app.store().verify_chains().await.expect("verify");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

/// A one-page PDF, as a scanner would produce.
fn small_pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
        .to_vec()
}

async fn only_the_department_and_the_unit_take_part(app: TestApp) {
    let anquan = app.client("anquan").await;
    let dangong = app.client("dangong").await;
    let d01 = app.client("d01").await;
    let lingdao = app.client("lingdao").await;
    let entry = deduction(&anquan, "D01").await;

    // Another department, a leader and a viewer may not require it.
    for who in [&dangong, &d01, &lingdao] {
        let (status, body) = require(who, entry, "2024-07-31").await;
        assert_eq!(status, 403, "{body}");
    }
    let (status, body) = require(&anquan, entry, "2024-07-31").await;
    assert_eq!(status, 201, "{body}");
    let own = body["id"].as_i64().unwrap();

    // A deduction on another unit: D01's leader neither sees nor reports it.
    let other_entry = deduction(&anquan, "D02").await;
    let (status, body) = require(&anquan, other_entry, "2024-07-31").await;
    assert_eq!(status, 201, "{body}");
    let other = body["id"].as_i64().unwrap();
    assert_eq!(report(&d01, other, "代报").await.0, 403);
    assert_eq!(
        d01.get(&format!("/api/rectifications/{other}"))
            .await
            .status,
        403
    );
    assert_eq!(listed(&d01, "").await, vec![own]);
    assert_eq!(listed(&d01, "?unit=D02").await, Vec::<i64>::new());
    assert_eq!(listed(&anquan, "?unit=D02").await, vec![other]);

    // The department reports nothing; another department neither decides nor sees.
    assert_eq!(report(&anquan, own, "代报").await.0, 403);
    assert_eq!(report(&d01, own, "已整改").await.0, 200);
    assert_eq!(decide(&dangong, own, true, "").await.0, 403);
    assert_eq!(decide(&d01, own, true, "").await.0, 403);
    assert_eq!(decide(&lingdao, own, true, "").await.0, 403);
    assert!(listed(&dangong, "").await.is_empty());
    assert_eq!(
        dangong
            .get(&format!("/api/rectifications/{own}"))
            .await
            .status,
        403
    );
    // The viewer sees none.
    let r = lingdao.get("/api/periods/2/rectifications").await;
    assert_eq!(r.status, 403);
    assert_eq!(lingdao.get("/periods/2/rectifications").await.status, 403);

    // Only a deduction: a level (2.2.2 graded) is not one.
    let r = dangong
        .record(
            2,
            &json!({"unit": "D01", "code": "2.2.2", "level": "一般", "note": "参与一般"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let level = r.json()["id"].as_i64().unwrap();
    let (status, body) = require(&dangong, level, "2024-07-31").await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("不是扣分记录"),
        "{body}"
    );
    // Nor may another department open the form.
    assert_eq!(
        dangong
            .get(&format!("/periods/2/rectifications/new?entry={entry}"))
            .await
            .status,
        403
    );
    // The page's form: a bad entry number is the viewer's 403 before it is anyone's 422.
    let fields = |entry: &str| {
        vec![
            ("entry", entry.to_string()),
            ("due", "2024-07-31".to_string()),
            ("requirement", "完善制度".to_string()),
        ]
    };
    let post = |who: &UserClient, entry: &str| {
        let who = who.clone();
        let fields = fields(entry);
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            who.post_form(&who.with_csrf("/periods/2/rectifications"), &fields)
                .await
        }
    };
    assert_eq!(post(&lingdao, "abc").await.status, 403);
    let r = post(&anquan, "abc").await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("记录编号"));
    let fourth = deduction(&anquan, "D04").await;
    let r = post(&anquan, &fourth.to_string()).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(r.location().unwrap().starts_with("/rectifications/"));
    // An unknown entry is not found; a withdrawn one is a conflict.
    assert_eq!(require(&anquan, 999_999, "2024-07-31").await.0, 404);
    let third = deduction(&anquan, "D03").await;
    let r = anquan
        .post_json(
            &format!("/api/periods/2/entries/{third}/withdraw"),
            &json!({"reason": "录错单位"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(require(&anquan, third, "2024-07-31").await.0, 409);
}

async fn twenty_racing_decisions_one_lands(app: TestApp) {
    let anquan = app.client("anquan").await;
    let admin = app.client("admin").await;
    let d01 = app.client("d01").await;
    let entry = deduction(&anquan, "D01").await;
    let (_, body) = require(&anquan, entry, "2024-07-31").await;
    let id = body["id"].as_i64().unwrap();
    assert_eq!(report(&d01, id, "已整改").await.0, 200);

    let mut tasks = Vec::new();
    for i in 0..20 {
        let who = if i % 2 == 0 {
            anquan.clone()
        } else {
            admin.clone()
        };
        // Half accept, half return: whichever lands first decides, the rest find nothing awaiting.
        tasks.push(tokio::spawn(async move {
            decide(&who, id, i % 4 < 2, "验收").await.0
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    let r = app.store().rectification(id).await.unwrap();
    assert_eq!(r.steps.len(), 2, "one report, one decision");
}

async fn overdue_turns_on_the_due_day(app: TestApp) {
    let anquan = app.client("anquan").await;
    let d01 = app.client("d01").await;
    let admin = app.client("admin").await;
    // Two deductions due today: one reported today, one not.
    let reported_entry = deduction(&anquan, "D01").await;
    let silent_entry = deduction(&anquan, "D01").await;
    let (_, body) = require(&anquan, reported_entry, TODAY).await;
    let reported = body["id"].as_i64().unwrap();
    let (_, body) = require(&anquan, silent_entry, TODAY).await;
    let silent = body["id"].as_i64().unwrap();
    assert_eq!(report(&d01, reported, "当天整改完毕").await.0, 200);
    // On the due day nothing is overdue.
    assert!(listed(&admin, "?state=overdue").await.is_empty());
    let on_time = kaoping_app::App::new(app.store().clone())
        .with_clock(kaoping_app::Clock::Fixed(TODAY.parse().unwrap()));
    assert!(on_time.overdue_rectifications(2).await.unwrap().is_empty());

    // A day later (a second server on the same database, reading 2024-07-22): the one never reported
    // is overdue; the one reported in time awaits its decision and is not.
    let later = app
        .spawn_other_server_with(|c| c.today = Some("2024-07-22".parse().unwrap()))
        .await;
    let admin_later = admin.at(&later.base_url);
    let anquan_later = anquan.at(&later.base_url);
    assert_eq!(listed(&admin_later, "?state=overdue").await, vec![silent]);
    let late = kaoping_app::App::new(app.store().clone())
        .with_clock(kaoping_app::Clock::Fixed("2024-07-22".parse().unwrap()));
    let overdue = late.overdue_rectifications(2).await.unwrap();
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].entry_id, silent_entry);
    assert_eq!(overdue[0].unit_code, "D01");
    assert_eq!(overdue[0].code, "1.4.2");
    assert_eq!(overdue[0].due.to_string(), TODAY);
    let r = admin_later
        .get(&format!("/api/rectifications/{silent}"))
        .await;
    assert_eq!(r.json()["overdue"], true);
    let page = admin_later.get("/periods/2/rectifications").await;
    assert!(page.text().contains("逾期"), "the list marks it");
    let sheet = admin_later.get("/periods/2/units/D01").await;
    assert!(sheet.text().contains("待整改·逾期"), "the sheet marks it");

    // Returned after the due day, the reported one is overdue too; a report now is late, so it stays so.
    assert_eq!(
        decide(&anquan_later, reported, false, "整改不到位").await.0,
        200
    );
    let mut ids = listed(&admin_later, "?state=overdue").await;
    ids.sort_unstable();
    assert_eq!(ids, vec![reported, silent]);
    assert_eq!(
        report(&d01.at(&later.base_url), reported, "重新整改")
            .await
            .0,
        200
    );
    let mut ids = listed(&admin_later, "?state=overdue").await;
    ids.sort_unstable();
    assert_eq!(ids, vec![reported, silent]);
    // Accepted: no longer overdue.
    assert_eq!(decide(&anquan_later, reported, true, "").await.0, 200);
    assert_eq!(listed(&admin_later, "?state=overdue").await, vec![silent]);
    // The first server, still on the due day, sees nothing overdue.
    assert!(listed(&admin, "?state=overdue").await.is_empty());
    // A deduction withdrawn since is no longer overdue.
    let r = anquan
        .post_json(
            &format!("/api/periods/2/entries/{silent_entry}/withdraw"),
            &json!({"reason": "核实后不属实"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(listed(&admin_later, "?state=overdue").await.is_empty());
    let r = admin_later
        .get(&format!("/api/rectifications/{silent}"))
        .await
        .json();
    assert_eq!(
        (r["superseded"].clone(), r["overdue"].clone()),
        (json!(true), json!(false))
    );
    assert!(late.overdue_rectifications(2).await.unwrap().is_empty());
}
