//! Results: the server's scores of the demo's published year equal the CLI's scoring of the same findings
//! file, and each role sees only what it may.

use std::path::PathBuf;

use kaoping_formats::report::results_json;
use kaoping_formats::{read_rubric_file, read_units, score_findings};
use serde_json::Value;

use crate::helpers::{unit, TestApp};

on_both!(
    admin_results_match_the_cli,
    leader_sees_only_their_unit,
    viewer_sees_published_periods_only,
    unknown_period_and_no_session,
);
on_both!(leader_sees_only_their_unit_when_published);

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// What `kaoping score rubrics/dongli-2023.toml examples/dongli-findings.csv --units
/// examples/dongli-units.csv --format json` computes, through the same `score_findings` path.
fn cli_results() -> Value {
    let rubric = read_rubric_file(&repo("rubrics/dongli-2023.toml")).expect("rubric");
    let units_file = std::fs::read(repo("examples/dongli-units.csv")).expect("units file");
    let mut units = read_units("dongli-units.csv", units_file.as_slice()).expect("units");
    let findings = std::fs::read(repo("examples/dongli-findings.csv")).expect("findings file");
    let results = score_findings(
        &rubric,
        &mut units,
        false,
        "dongli-findings.csv",
        findings.as_slice(),
        true,
    )
    .expect("scores");
    results_json(&rubric, &units, &results)
}

/// The parts of a unit's result that do not depend on where findings came from (trace origins are line
/// numbers for the CLI, ledger entry ids for the server).
fn comparable(u: &Value) -> Value {
    let mut u = u.clone();
    let m = u.as_object_mut().expect("unit object");
    m.remove("trace");
    for v in m
        .get_mut("vetoes")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        v.as_object_mut().expect("veto").remove("line");
    }
    u
}

async fn admin_results_match_the_cli(app: TestApp) {
    let admin = app.client("admin").await;
    let server = admin.results(1).await;
    let cli = cli_results();
    assert_eq!(server["period"]["id"], 1);
    assert_eq!(server["period"]["status"], "published");
    assert_eq!(server["rubric"], cli["rubric"]);
    let s_units = server["units"].as_array().expect("units");
    let c_units = cli["units"].as_array().expect("units");
    assert_eq!(s_units.len(), 18);
    assert_eq!(c_units.len(), 18);
    // Same units in the same ranking order, with the same totals, ranks, sections and items.
    let order = |us: &[Value]| -> Vec<String> {
        us.iter()
            .map(|u| u["unit"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(order(s_units), order(c_units));
    for (s, c) in s_units.iter().zip(c_units) {
        let code = &c["unit"];
        assert_eq!(s["total"], c["total"], "{code} total");
        assert_eq!(s["final"], c["final"], "{code} final");
        assert_eq!(s["rank"], c["rank"], "{code} rank");
        assert_eq!(comparable(s), comparable(c), "{code}");
        // Every trace finding cites a ledger entry, as many as the CLI cites lines.
        let findings = |u: &Value| -> usize {
            u["trace"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["findings"].as_array().unwrap().len())
                .sum()
        };
        assert_eq!(findings(s), findings(c), "{code} trace findings");
    }
    // The demo's year is complete: nothing is missing anywhere.
    assert!(s_units
        .iter()
        .all(|u| u["incomplete"].as_array().unwrap().is_empty()));

    // The summary page shows the same ranking, and the sheet the same final score.
    let page = admin.get("/periods/1").await;
    assert_eq!(page.status, 200);
    let text = page.text();
    assert!(text.contains("已发布锁定"));
    for u in c_units {
        assert!(
            text.contains(u["name"].as_str().unwrap()),
            "{} on the summary",
            u["name"]
        );
    }
    let first = &c_units[0];
    let sheet = admin
        .get(&format!(
            "/periods/1/units/{}",
            first["unit"].as_str().unwrap()
        ))
        .await;
    assert_eq!(sheet.status, 200);
    assert!(
        sheet
            .text()
            .contains(&format!("最终得分 <strong>{}</strong>", first["final"])),
        "sheet shows final {}",
        first["final"]
    );
}

async fn leader_sees_only_their_unit(app: TestApp) {
    let d01 = app.client("d01").await;
    // The open year: only their own unit.
    let own = d01.results(2).await;
    let units = own["units"].as_array().unwrap();
    assert_eq!(units.len(), 1, "{own}");
    assert_eq!(units[0]["unit"], "D01");
    // The leader's own sheet, not another's; no ledger.
    for period in [1, 2] {
        assert_eq!(
            d01.get(&format!("/periods/{period}/units/D01"))
                .await
                .status,
            200
        );
        let other = d01.get(&format!("/periods/{period}/units/D02")).await;
        assert_eq!(other.status, 403);
        assert!(other.text().contains("只能查看本单位"));
        assert!(!other.text().contains("变电车间党支部 · 考评表"));
        assert_eq!(
            d01.get(&format!("/api/periods/{period}/entries"))
                .await
                .status,
            403
        );
    }
    // Both periods are listed (their own unit is in each).
    let periods = d01.get("/api/periods").await.json();
    assert_eq!(periods["periods"].as_array().unwrap().len(), 2);
}

/// The published year through the API: a leader may see the ranking (ViewSummary), but not another
/// unit's sheet (GET /periods/1/units/D02 is 403), so only D01 may carry sections, items, trace and vetoes.
async fn leader_sees_only_their_unit_when_published(app: TestApp) {
    let admin = app.client("admin").await;
    let d01 = app.client("d01").await;
    let all = admin.results(1).await;
    let own = d01.results(1).await;
    for u in own["units"].as_array().unwrap() {
        let code = u["unit"].as_str().unwrap();
        if code == "D01" {
            assert_eq!(comparable(u), comparable(unit(&all, "D01")));
            assert_eq!(u["trace"], unit(&all, "D01")["trace"]);
        } else {
            for detail in ["sections", "items", "trace", "vetoes"] {
                assert!(
                    u.get(detail).is_none(),
                    "d01 sees {code}'s {detail} through the API"
                );
            }
            // The ranking itself is the summary's, which the leader may see.
            assert_eq!(u["final"], unit(&all, code)["final"]);
            assert_eq!(u["rank"], unit(&all, code)["rank"]);
        }
    }
}

async fn viewer_sees_published_periods_only(app: TestApp) {
    let lingdao = app.client("lingdao").await;
    let admin = app.client("admin").await;
    let published = lingdao.results(1).await;
    assert_eq!(published["units"].as_array().unwrap().len(), 18);
    assert_eq!(
        published["units"],
        admin.results(1).await["units"],
        "the viewer sees what the administrator sees"
    );
    let open = lingdao.get("/api/periods/2/results").await;
    assert_eq!(open.status, 403, "{}", open.text());
    assert_eq!(open.error(), "没有权限：无权查看该考评期");
    assert_eq!(lingdao.get("/api/periods/2/entries").await.status, 403);
    assert_eq!(lingdao.get("/periods/2").await.status, 403);
    let periods = lingdao.get("/api/periods").await.json();
    let ids: Vec<i64> = periods["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![1], "only the published year is listed");
}

async fn unknown_period_and_no_session(app: TestApp) {
    let admin = app.client("admin").await;
    let r = admin.get("/api/periods/99/results").await;
    assert_eq!(r.status, 404, "{}", r.text());
    assert!(r.error().starts_with("找不到"), "{}", r.text());
    let r = app.anonymous().get("/api/periods/1/results").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.error(), "请先登录");
}
