//! Several server processes on one database: sessions, throttling and the ledger live in the database,
//! so two servers (two store connections, two ports) behave as one.

use kaoping_formats::report::results_json;
use kaoping_formats::{read_rubric_file, read_units, score_findings};
use serde_json::{json, Value};

use crate::helpers::{unit, TestApp};

on_both!(
    a_session_from_one_server_works_on_the_other,
    concurrent_recording_through_two_servers,
    concurrent_corrections_of_one_entry_through_two_servers,
    publishing_while_findings_arrive_through_the_other_server,
    publishing_at_once_through_two_servers,
);

async fn a_session_from_one_server_works_on_the_other(app: TestApp) {
    let b = app.spawn_other_server().await;
    assert_ne!(b.base_url, app.base_url());
    // Logged in on A…
    let on_a = app.client("anquan").await;
    let on_b = on_a.at(&b.base_url);
    // …known on B, with the same token.
    let me = on_b.get("/api/me").await;
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(me.json()["username"], "anquan");
    assert_eq!(me.json()["csrf_token"], on_a.csrf.as_str());
    // A finding recorded through B is seen through A.
    let r = on_b
        .record(
            2,
            &json!({"unit": "D06", "code": "1.4.3", "note": "经B录入"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let admin = app.client("admin").await;
    let seen: Vec<i64> = admin
        .entries(2)
        .await
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, vec![id]);
    assert_eq!(b.store.entries(2).await.unwrap().len(), 1);
    // Logging out on B ends the session on A.
    let r = on_b.post_json("/api/logout", &json!({})).await;
    assert_eq!(r.status, 200);
    assert_eq!(on_a.get("/api/me").await.status, 401);
    assert_eq!(on_a.get("/periods/2").await.status, 303);
}

/// 50 findings for 安全科 and 50 for 党工部, spread over all 18 units.
fn findings() -> Vec<(&'static str, String, &'static str, Option<i64>)> {
    let mut out = Vec::new();
    for (who, rules) in [
        (
            "anquan",
            [("1.4.2", Some(1)), ("1.4.3", None), ("1.4.1", None)],
        ),
        (
            "dangong",
            [("2.1.1", Some(1)), ("3.2.1", Some(1)), ("3.2.2", None)],
        ),
    ] {
        for (n, (code, count)) in rules
            .iter()
            .flat_map(|r| std::iter::repeat_n(*r, 18))
            .take(50)
            .enumerate()
        {
            out.push((who, format!("D{:02}", n % 18 + 1), code, count));
        }
    }
    out
}

/// The CLI's scores of the same findings, as a findings CSV.
fn expected(findings: &[(&str, String, &str, Option<i64>)]) -> Value {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let rubric = read_rubric_file(&root.join("rubrics/dongli-2023.toml")).unwrap();
    let units_file = std::fs::read(root.join("examples/dongli-units.csv")).unwrap();
    let mut units = read_units("dongli-units.csv", units_file.as_slice()).unwrap();
    let mut csv = String::from("unit,code,count,level,points,round,note\n");
    for (_, u, code, count) in findings {
        let count = count.map(|c| c.to_string()).unwrap_or_default();
        csv.push_str(&format!("{u},{code},{count},,,,\n"));
    }
    let results =
        score_findings(&rubric, &mut units, false, "x.csv", csv.as_bytes(), false).expect("score");
    results_json(&rubric, &units, &results)
}

async fn concurrent_recording_through_two_servers(app: TestApp) {
    let b = app.spawn_other_server().await;
    // 安全科 logs in on A, 党工部 on B; each records half through each server, all at once.
    let anquan = app.client("anquan").await;
    let dangong = {
        let c = crate::helpers::UserClient::login(
            &b.base_url,
            "dangong",
            kaoping_app::demo::DEMO_PASSWORD,
        )
        .await;
        c.at(app.base_url())
    };
    let all = findings();
    assert_eq!(all.len(), 100);
    let mut tasks = tokio::task::JoinSet::new();
    for (n, (who, u, code, count)) in all.iter().cloned().enumerate() {
        let client = if who == "anquan" {
            anquan.clone()
        } else {
            dangong.clone()
        };
        let client = if n % 2 == 0 {
            client
        } else {
            client.at(&b.base_url)
        };
        tasks.spawn(async move {
            let r = client
                .record(
                    2,
                    &json!({"unit": u, "code": code, "count": count, "note": format!("并发{n}")}),
                )
                .await;
            (n, r.status, r.text())
        });
    }
    let mut failed = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (n, status, text) = done.expect("task");
        if status != 201 {
            failed.push(format!("#{n}: {status} {text}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));

    // All 100 are in the ledger, seen the same through both servers.
    let admin = app.client("admin").await;
    let ledger = admin.entries(2).await;
    assert_eq!(ledger.len(), 100);
    let mut notes: Vec<String> = ledger
        .iter()
        .map(|e| e["note"].as_str().unwrap().to_string())
        .collect();
    notes.sort();
    notes.dedup();
    assert_eq!(notes.len(), 100, "each finding once");
    assert_eq!(admin.at(&b.base_url).entries(2).await, ledger);

    // The results reflect all of them: the CLI's scores of the same 100 findings.
    let want = expected(&all);
    for server in [app.base_url(), b.base_url.as_str()] {
        let got = admin.at(server).results(2).await;
        for w in want["units"].as_array().unwrap() {
            let code = w["unit"].as_str().unwrap();
            let g = unit(&got, code);
            for field in ["total", "final", "rank", "sections", "items", "incomplete"] {
                assert_eq!(g[field], w[field], "{server} {code} {field}");
            }
        }
    }
}

async fn concurrent_corrections_of_one_entry_through_two_servers(app: TestApp) {
    let b = app.spawn_other_server().await;
    let anquan = app.client("anquan").await;
    let admin = app.client("admin").await;
    for n in 1..=6 {
        let unit = format!("D{n:02}");
        let r = anquan
            .record(2, &json!({"unit": unit, "code": "1.4.2", "count": 1}))
            .await;
        assert_eq!(r.status, 201);
        let original = r.json()["id"].as_i64().unwrap();
        // The same entry corrected at once through A and through B: one lands, the other conflicts.
        let via_a = json!({"unit": unit, "code": "1.4.2", "count": 2, "replaces": original, "reason": "经A更正"});
        let via_b = json!({"unit": unit, "code": "1.4.2", "count": 3, "replaces": original, "reason": "经B更正"});
        let on_b = anquan.at(&b.base_url);
        let (x, y) = tokio::join!(anquan.record(2, &via_a), on_b.record(2, &via_b));
        let mut statuses = [x.status, y.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "{unit}: {} / {}", x.text(), y.text());
        let ledger = admin.entries(2).await;
        let corrections: Vec<&Value> = ledger
            .iter()
            .filter(|e| e["replaces"] == original)
            .collect();
        assert_eq!(corrections.len(), 1, "{unit}: one correction in the ledger");
        let expected_pool = if corrections[0]["count"] == 2 { 5 } else { 0 };
        assert_eq!(
            crate::helpers::section_score(&admin.results(2).await, &unit, "1"),
            kaoping_core::Decimal::from(expected_pool),
            "{unit}"
        );
    }
}

async fn publishing_while_findings_arrive_through_the_other_server(app: TestApp) {
    let b = app.spawn_other_server().await;
    let admin = app.client("admin").await;
    let dangong = app.client("dangong").await;
    for n in 1..=18 {
        for code in ["6.1", "7.1"] {
            let r = dangong
                .record(
                    2,
                    &json!({"unit": format!("D{n:02}"), "code": code, "points": 5, "note": "完成"}),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.text());
        }
    }
    let anquan = app.client("anquan").await.at(&b.base_url);
    let findings = tokio::spawn(async move {
        let mut statuses = Vec::new();
        for n in 0..30 {
            let r = anquan
                .record(
                    2,
                    &json!({"unit": format!("D{:02}", n % 18 + 1), "code": "1.4.3", "note": format!("竞态{n}")}),
                )
                .await;
            statuses.push((r.status, r.text()));
        }
        statuses
    });
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let r = admin
        .post_json(
            "/api/periods/2/publish",
            &json!({"reason": "各部门已线下确认"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let statuses = findings.await.unwrap();
    // Each finding either landed before the lock or was refused because of it.
    let landed = statuses.iter().filter(|(s, _)| *s == 201).count();
    for (status, text) in &statuses {
        assert!(
            *status == 201 || (*status == 409 && text.contains("考评期已发布锁定")),
            "{status} {text}"
        );
    }
    let ledger = admin.entries(2).await;
    let race: Vec<&Value> = ledger
        .iter()
        .filter(|e| e["note"].as_str().unwrap().starts_with("竞态"))
        .collect();
    assert_eq!(
        race.len(),
        landed,
        "every accepted finding is in the ledger, no other"
    );
    let published_at = app.store().period(2).await.unwrap().published_at.unwrap();
    assert!(ledger
        .iter()
        .all(|e| e["recorded_at"].as_i64().unwrap() <= published_at));
    // And the published results count exactly those.
    let results = admin.results(2).await;
    let deducted: usize = results["units"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| {
            u["trace"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["code"] == "1.4.3")
        })
        .count();
    assert_eq!(deducted, landed.min(18));
}

async fn publishing_at_once_through_two_servers(app: TestApp) {
    let b = app.spawn_other_server().await;
    let admin = app.client("admin").await;
    let dangong = app.client("dangong").await;
    for n in 1..=18 {
        for code in ["6.1", "7.1"] {
            let r = dangong
                .record(
                    2,
                    &json!({"unit": format!("D{n:02}"), "code": code, "points": 4, "note": "完成"}),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.text());
        }
    }
    let on_b = admin.at(&b.base_url);
    let empty = json!({"reason": "各部门已线下确认"});
    let (x, y) = tokio::join!(
        admin.post_json("/api/periods/2/publish", &empty),
        on_b.post_json("/api/periods/2/publish", &empty),
    );
    let mut statuses = [x.status, y.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{} / {}", x.text(), y.text());
    let publications = app.store().publications(2).await.unwrap();
    assert_eq!(publications.len(), 1, "published once");
    assert!(kaoping_app::verify(app.store())
        .await
        .unwrap()
        .report
        .intact());
}
