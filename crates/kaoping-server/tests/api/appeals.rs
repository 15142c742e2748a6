//! 申诉 over HTTP: after publication a unit's leader contests a finding on their unit, the administrator
//! accepts it with a correction, and the published results change through the ledger, and only so.

use kaoping_core::Decimal;
use serde_json::Value;

use crate::helpers::{dec, section_score, unit, TestApp};

on_both!(an_accepted_appeal_changes_the_published_results);

fn entry_of(ledger: &[Value], unit: &str, code: &str) -> i64 {
    ledger
        .iter()
        .find(|e| e["unit"] == unit && e["code"] == code && e["active"] == true)
        .unwrap_or_else(|| panic!("{unit} {code} in the ledger"))["id"]
        .as_i64()
        .unwrap()
}

async fn an_accepted_appeal_changes_the_published_results(app: TestApp) {
    let admin = app.client("admin").await;
    let d01 = app.client("d01").await;
    let anquan = app.client("anquan").await;
    let ledger = admin.entries(1).await;
    let before = admin.results(1).await;
    let own = entry_of(&ledger, "D01", "7.1");
    let other = entry_of(&ledger, "D02", "7.1");
    assert_eq!(section_score(&before, "D01", "7"), Decimal::from(5));

    // The leader opens the form for a finding on their unit…
    let r = d01
        .get(&format!("/periods/1/appeals/new?entry={own}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains(&format!("记录#{own}")));
    // …but not for others, and no one else may file.
    let r = anquan
        .get(&format!("/periods/1/appeals/new?entry={own}"))
        .await;
    assert_eq!(r.status, 403);
    let r = anquan
        .post_form(
            &anquan.with_csrf("/periods/1/appeals"),
            &[("entry", own.to_string().as_str()), ("reason", "代为申诉")],
        )
        .await;
    assert_eq!(r.status, 403);
    let r = d01
        .post_form(
            &d01.with_csrf("/periods/1/appeals"),
            &[
                ("entry", other.to_string().as_str()),
                ("reason", "替别的单位申诉"),
            ],
        )
        .await;
    assert_eq!(r.status, 403, "another unit's finding: {}", r.text());
    assert!(r.text().contains("该记录不涉及本单位"), "{}", r.text());
    // Nor is another unit's finding shown on the appeal form.
    let r = d01
        .get(&format!("/periods/1/appeals/new?entry={other}"))
        .await;
    assert_eq!(r.status, 403);
    assert!(!r.text().contains(&format!("记录#{other}")));
    assert!(app.store().appeals(1).await.unwrap().is_empty());
    // Without a token, nothing.
    let r = d01
        .post_form(
            "/periods/1/appeals",
            &[("entry", own.to_string().as_str()), ("reason", "无令牌")],
        )
        .await;
    assert_eq!(r.status, 403);

    // Filed.
    let r = d01
        .post_form(
            &d01.with_csrf("/periods/1/appeals"),
            &[
                ("entry", own.to_string().as_str()),
                ("reason", "特色工作已获厂党委推广，应得满分以外另有依据"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(r.location().unwrap().starts_with("/periods/1/appeals?msg="));
    let appeals = app.store().appeals(1).await.unwrap();
    assert_eq!(appeals.len(), 1);
    let appeal = appeals[0].id;
    let list = admin.get("/periods/1/appeals").await;
    assert_eq!(list.status, 200);
    assert!(list.text().contains("特色工作已获厂党委推广"));

    // Only the administrator decides.
    let decide = format!("/periods/1/appeals/{appeal}/decide");
    for who in [&d01, &anquan] {
        let r = who
            .post_form(
                &who.with_csrf(&decide),
                &[
                    ("decision", "accept"),
                    ("reason", "自己采纳"),
                    ("points", "5"),
                ],
            )
            .await;
        assert_eq!(r.status, 403);
    }
    assert_eq!(admin.entries(1).await, ledger, "nothing changed yet");

    // Blank fields never mean "revoke": accepting needs the corrected values, revoking its own button
    // and the box ticked.
    for fields in [
        vec![("decision", "accept"), ("reason", "空白采纳")],
        vec![("decision", "revoke"), ("reason", "未确认的撤销")],
    ] {
        let r = admin.post_form(&admin.with_csrf(&decide), &fields).await;
        assert_eq!(r.status, 303);
        assert!(r.location().unwrap().contains("err="), "{:?}", r.location());
    }
    assert_eq!(admin.entries(1).await, ledger, "nothing revoked");
    let published_before = app.store().publications(1).await.unwrap();
    assert_eq!(published_before.len(), 1, "the demo published 2023 once");

    // Accepted with a correction: 7.1 from 5 to 4 points (the review found the practice not new).
    let r = admin
        .post_form(
            &admin.with_csrf(&decide),
            &[
                ("decision", "accept"),
                ("reason", "复核后认定做法非首创"),
                ("points", "4"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(
        !r.location().unwrap().contains("err="),
        "{:?}",
        r.location()
    );
    let after = admin.results(1).await;
    assert_eq!(after["period"]["status"], "published");
    assert_eq!(section_score(&after, "D01", "7"), Decimal::from(4));
    assert_eq!(
        dec(&unit(&after, "D01")["final"]),
        dec(&unit(&before, "D01")["final"]) - Decimal::ONE
    );
    let now = admin.entries(1).await;
    assert_eq!(now.len(), ledger.len() + 1, "one entry appended");
    let fix = now.last().unwrap();
    assert_eq!(fix["kind"], "appeal_decision");
    assert_eq!(fix["replaces"], own);
    assert_eq!(fix["points"], "4");
    assert_eq!(
        now.iter().find(|e| e["id"] == own).unwrap()["active"],
        false
    );
    // Everyone who may see the published year sees the new score.
    let lingdao = app.client("lingdao").await;
    assert_eq!(
        unit(&lingdao.results(1).await, "D01")["final"],
        unit(&after, "D01")["final"]
    );

    // The correction is revision 2 of the published results, with its own digest; revision 1 stays
    // readable; D01's leader sees the change on the dashboard; and everything still verifies.
    let revisions = app.store().publications(1).await.unwrap();
    assert_eq!(revisions.len(), 2);
    assert_eq!(revisions[0], published_before[0]);
    assert_ne!(revisions[1].digest, revisions[0].digest);
    assert!(
        revisions[1].changes.contains("\"D01\""),
        "{}",
        revisions[1].changes
    );
    let summary = lingdao.get("/periods/1").await.text();
    assert!(summary.contains("更正（第2版）"), "{summary}");
    assert!(summary.contains("复核后认定做法非首创"), "{summary}");
    let old_score = dec(&unit(&before, "D01")["final"]).normalize().to_string();
    let first = lingdao.get("/periods/1/notice?revision=1").await.text();
    assert!(first.contains(revisions[0].short_digest()), "{first}");
    assert!(!first.contains("更正（第2版）"));
    let latest = lingdao.get("/periods/1/notice").await.text();
    assert!(latest.contains("发布编号 1-2") && latest.contains(revisions[1].short_digest()));
    let home = d01.get("/").await.text();
    assert!(home.contains("本单位考评结果已更正（第2版"), "{home}");
    assert!(home.contains(&format!("{old_score}分第")), "{home}");
    let check = kaoping_app::verify(app.store()).await.unwrap();
    assert!(check.report.intact(), "{:?}", check.report.problems);
    assert_eq!(check.publications, 2);

    // Deciding again changes nothing.
    let r = admin
        .post_form(
            &admin.with_csrf(&decide),
            &[("decision", "reject"), ("reason", "再处理一次")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(r.location().unwrap().contains("err="), "{:?}", r.location());
    assert_eq!(admin.entries(1).await, now);
}
