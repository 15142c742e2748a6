//! 民主评议 through the API, on both backends: a campaign validated whole, codes issued once, votes with
//! a code and no login, paper slips, the quorum, closing into ledger entries; one code one ballot under
//! 50 racing submissions on two servers; 300 voters at once; anonymity read off the schema and rows.

use serde_json::{json, Value};

use crate::helpers::{section_score, Resp, TestApp, UserClient};

/// A decimal as JSON gives it, a number or a string.
fn dec(v: &Value) -> kaoping_core::Decimal {
    v.as_str()
        .map_or_else(|| v.to_string(), String::from)
        .parse()
        .unwrap_or_else(|_| panic!("not a decimal: {v}"))
}

on_both!(
    a_campaign_is_checked_whole_and_nothing_is_half_saved,
    a_campaign_from_codes_to_points,
    paper_slips_take_codes_of_their_class,
    closing_needs_the_quorum_and_never_reopens,
    fifty_racing_votes_with_one_code_one_lands,
    nothing_stored_joins_a_ballot_to_its_code,
    who_may_run_and_see_a_campaign,
    guessing_codes_is_slowed_per_address,
    a_ballot_changed_after_the_count_is_named,
    closing_goes_through_the_ledger_checks,
    a_lost_sheet_is_issued_again,
);

const RUBRIC: &str = include_str!("../../../../rubrics/jishengju-2023.toml");

/// The bureau's year (scheme C) beside the demo's: ten staff as units, 8.1 民主评议 a conversion rule.
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

fn campaign(voters: (u32, u32), quorum: &str) -> Value {
    json!({
        "title": "2023年度民主评议",
        "code": "8.1",
        "candidates": ["J01", "J02", "J03"],
        "classes": [
            {"name": "班子成员", "weight": "0.3", "voters": voters.0},
            {"name": "职工", "weight": 0.7, "voters": voters.1}
        ],
        "scale": {"min": "0", "max": "100"},
        "max_excellent_share": null,
        "trim": 0,
        "quorum": quorum
    })
}

async fn create(admin: &UserClient, period: i64, body: &Value) -> i64 {
    let r = admin
        .post_json(&format!("/api/periods/{period}/ballots"), body)
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_i64().expect("id")
}

/// Issues the codes; (class, code) pairs.
async fn issue(admin: &UserClient, id: i64) -> Vec<(String, String)> {
    let r = admin
        .post_json(&format!("/api/ballots/{id}/codes"), &json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| {
            (
                c["class"].as_str().unwrap().to_string(),
                c["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn vote(app: &TestApp, code: &str, ratings: Value) -> Resp {
    app.anonymous()
        .post_json_without_csrf("/api/vote", &json!({"code": code, "ratings": ratings}))
        .await
}

fn codes_of<'c>(codes: &'c [(String, String)], class: &str) -> Vec<&'c str> {
    codes
        .iter()
        .filter(|(c, _)| c == class)
        .map(|(_, code)| code.as_str())
        .collect()
}

async fn a_campaign_is_checked_whole_and_nothing_is_half_saved(app: TestApp) {
    let period = bureau_year(&app).await;
    let admin = app.client("admin").await;
    let bad = json!({
        "title": "2023年度民主评议",
        "code": "1.1",
        "candidates": ["J01", "J01", "X99"],
        "classes": [
            {"name": "班子成员", "weight": "0.5", "voters": 0},
            {"name": "职工", "weight": "abc", "voters": 3}
        ],
        "scale": {"min": "0", "max": "120"},
        "trim": 2,
        "quorum": "0"
    });
    let r = admin
        .post_json(&format!("/api/periods/{period}/ballots"), &bad)
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    let error = r.error();
    for expected in [
        "code：1.1不是折合得分的规则",
        "candidates[2]：“X99”不是本考评期的被考核单位",
        "classes[1].weight：“abc”不是数字",
        "candidates[1]：候选人“J01”重复",
        "classes[0].voters：人数至少为1",
        "trim：去掉最高、最低分至少要有3个评分",
        "quorum：须是大于0、不超过1的小数",
    ] {
        assert!(error.contains(expected), "{expected} in {error}");
    }
    // A scale beyond the rule's raw scores is named too.
    let mut wide = campaign((2, 3), "0.6");
    wide["scale"] = json!({"min": "0", "max": "120"});
    let r = admin
        .post_json(&format!("/api/periods/{period}/ballots"), &wide)
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.error()
            .contains("评议分值0～120超出规则8.1的原始分范围0～100"),
        "{}",
        r.error()
    );
    // An unknown field is refused by name.
    let mut extra = campaign((2, 3), "0.6");
    extra["weights"] = json!([1]);
    let r = admin
        .post_json(&format!("/api/periods/{period}/ballots"), &extra)
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.error().contains("weights"), "{}", r.error());
    let list = admin.get(&format!("/api/periods/{period}/ballots")).await;
    assert_eq!(list.json(), json!([]), "nothing saved");
    // The good one, then its title again: a conflict.
    create(&admin, period, &campaign((2, 3), "0.6")).await;
    let again = admin
        .post_json(
            &format!("/api/periods/{period}/ballots"),
            &campaign((2, 3), "0.6"),
        )
        .await;
    assert_eq!(again.status, 409, "{}", again.text());
}

async fn a_campaign_from_codes_to_points(app: TestApp) {
    let period = bureau_year(&app).await;
    let admin = app.client("admin").await;
    let id = create(&admin, period, &campaign((2, 3), "0.6")).await;
    let codes = issue(&admin, id).await;
    assert_eq!(codes.len(), 5);
    for (_, code) in &codes {
        assert_eq!(code.len(), 8);
        assert!(!code.contains(['0', 'O', '1', 'I']), "{code}");
    }
    // Shown once.
    let again = admin
        .post_json(&format!("/api/ballots/{id}/codes"), &json!({}))
        .await;
    assert_eq!(again.status, 409, "{}", again.text());
    assert!(again.text().contains("只显示一次"));

    let leaders = codes_of(&codes, "班子成员");
    let staff = codes_of(&codes, "职工");
    // 班子成员: J01 90, 93 → 91.5; J02 80, 81 → 80.5; J03 70, 71 → 70.5
    for (code, r) in leaders.iter().zip([[90, 80, 70], [93, 81, 71]]) {
        let resp = vote(&app, code, json!({"J01": r[0], "J02": r[1], "J03": r[2]})).await;
        assert_eq!(resp.status, 201, "{}", resp.text());
        assert_eq!(resp.json()["valid"], true);
    }
    // 职工: J01 88, 86 → 87; J02 85, 80 → 82.5; J03 60, "61.5" → 60.75
    for (code, r) in staff.iter().zip([["88", "85", "60"], ["86", "80", "61.5"]]) {
        let resp = vote(&app, code, json!({"J01": r[0], "J02": r[1], "J03": r[2]})).await;
        assert_eq!(resp.status, 201, "{}", resp.text());
    }
    // The same code again: 409.
    let used = vote(&app, staff[0], json!({"J01": 1, "J02": 1, "J03": 1})).await;
    assert_eq!(used.status, 409);
    assert!(used.error().contains("已经投过票"), "{}", used.error());
    // An unknown code: 404.
    let unknown = vote(&app, "ABCDEFGH", json!({"J01": 1})).await;
    assert_eq!(unknown.status, 404, "{}", unknown.text());
    // A ballot that leaves J03 out is shown back, not stored, until the voter means it.
    let last = staff[2];
    let incomplete = vote(&app, last, json!({"J01": 99, "J02": 99})).await;
    assert_eq!(incomplete.status, 422, "{}", incomplete.text());
    assert!(incomplete.json()["reasons"][0]
        .as_str()
        .unwrap()
        .contains("未评价全部候选人"));
    // A score out of range is not a ballot at all.
    let out = vote(&app, last, json!({"J01": 101, "J02": 1, "J03": 1})).await;
    assert_eq!(out.status, 422);
    assert!(
        out.error().contains("J01：101不在0～100之间"),
        "{}",
        out.error()
    );
    let spoilt = app
        .anonymous()
        .post_json_without_csrf(
            "/api/vote",
            &json!({"code": last, "ratings": {"J01": 99, "J02": 99}, "cast_invalid": true}),
        )
        .await;
    assert_eq!(spoilt.status, 201, "{}", spoilt.text());
    assert_eq!(spoilt.json()["valid"], false);

    let state = admin.get(&format!("/api/ballots/{id}")).await.json();
    assert_eq!(state["issued"], 5);
    assert_eq!(state["used"], 5);
    assert_eq!(
        (state["valid"].as_i64(), state["invalid"].as_i64()),
        (Some(4), Some(1))
    );
    assert_eq!(state["status"], "open");
    assert_eq!(
        state["tally"],
        Value::Null,
        "no ratings shown while the vote is on"
    );

    let closed = admin
        .post_json(&format!("/api/ballots/{id}/close"), &json!({}))
        .await;
    assert_eq!(closed.status, 200, "{}", closed.text());
    let closed = closed.json();
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["entries"].as_array().unwrap().len(), 3);
    // J01: 91.5 × 0.3 + 87 × 0.7 = 27.45 + 60.9 = 88.35
    // J02: 80.5 × 0.3 + 82.5 × 0.7 = 24.15 + 57.75 = 81.9
    // J03: 70.5 × 0.3 + 60.75 × 0.7 = 21.15 + 42.525 = 63.675 → 63.68
    let raws: Vec<&str> = closed["tally"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["raw"].as_str().unwrap())
        .collect();
    assert_eq!(raws, ["88.35", "81.9", "63.68"]);

    // The raw scores are in the ledger as the campaign's entries, with the tally as the note, and
    // converted to 8.1's 5 points: 88.35 / 100 × 5 = 4.4175, 4.42 at the rule's 2 decimals.
    let entries = admin.entries(period).await;
    let j01 = entries
        .iter()
        .find(|e| e["unit"] == "J01" && e["code"] == "8.1")
        .expect("8.1 entry of J01");
    assert_eq!(dec(&j01["points"]), "88.35".parse().unwrap());
    assert!(
        j01["note"]
            .as_str()
            .unwrap()
            .starts_with("2023年度民主评议：有效票4张、无效1张；班子成员均分91.5（2票）×0.3 + 职工均分87（2票）×0.7 = 88.35"),
        "{}",
        j01["note"]
    );
    let results = admin.results(period).await;
    assert_eq!(section_score(&results, "J01", "8"), "4.42".parse().unwrap());

    // After closing: no more votes, no reopening.
    let late = vote(&app, leaders[0], json!({"J01": 1, "J02": 1, "J03": 1})).await;
    assert_eq!(late.status, 409, "{}", late.text());
    assert!(late.error().contains("已结束"));
    let reclose = admin
        .post_json(&format!("/api/ballots/{id}/close"), &json!({}))
        .await;
    assert_eq!(reclose.status, 409);
}

async fn paper_slips_take_codes_of_their_class(app: TestApp) {
    let period = bureau_year(&app).await;
    let admin = app.client("admin").await;
    let mut body = campaign((2, 3), "1");
    body["scale"] = json!({"grades": [
        {"name": "优秀", "value": "100"}, {"name": "称职", "value": "80"},
        {"name": "基本称职", "value": "60"}, {"name": "不称职", "value": "0"}
    ]});
    body["max_excellent_share"] = json!("0.4");
    let id = create(&admin, period, &body).await;
    let codes = issue(&admin, id).await;
    // Two paper slips of 职工 (one with two 优秀 of three: more than 40% → invalid but stored), and one
    // bad slip that stops the whole batch.
    let bad = admin
        .post_json(
            &format!("/api/ballots/{id}/paper"),
            &json!({"slips": [
                {"class": "职工", "ratings": ["优秀", "称职", "称职"]},
                {"class": "群众", "ratings": ["优秀", "称职", "称职"]},
                {"class": "职工", "ratings": ["很好", "称职", "称职"]}
            ]}),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text());
    assert!(
        bad.error().contains("第2张：类别“群众”不存在"),
        "{}",
        bad.error()
    );
    assert!(
        bad.error().contains("第3张：J01：“很好”不是评议等次"),
        "{}",
        bad.error()
    );
    let state = admin.get(&format!("/api/ballots/{id}")).await.json();
    assert_eq!(state["used"], 0, "nothing entered");

    let ok = admin
        .post_json(
            &format!("/api/ballots/{id}/paper"),
            &json!({"slips": [
                {"class": "职工", "ratings": ["优秀", "称职", "称职"]},
                {"class": "职工", "ratings": ["优秀", "优秀", "称职"]}
            ]}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    let state = admin.get(&format!("/api/ballots/{id}")).await.json();
    assert_eq!(state["classes"][1]["paper"], 2);
    assert_eq!(state["valid"], 1);
    assert_eq!(state["invalid"], 1);
    // 职工 has 3 codes, 2 taken by paper: two more slips do not fit.
    let over = admin
        .post_json(
            &format!("/api/ballots/{id}/paper"),
            &json!({"slips": [
                {"class": "职工", "ratings": ["称职", "称职", "称职"]},
                {"class": "职工", "ratings": ["称职", "称职", "称职"]}
            ]}),
        )
        .await;
    assert_eq!(over.status, 409, "{}", over.text());
    assert!(
        over.error().contains("只剩1个未用的投票码"),
        "{}",
        over.error()
    );
    // One of the three 职工 codes still votes; which one is not known, so try them: exactly one works.
    let staff = codes_of(&codes, "职工");
    let mut landed = 0;
    for code in staff {
        let r = vote(
            &app,
            code,
            json!({"J01": "称职", "J02": "称职", "J03": "基本称职"}),
        )
        .await;
        if r.status == 201 {
            landed += 1;
        } else {
            assert_eq!(r.status, 409, "{}", r.text());
        }
    }
    assert_eq!(landed, 1);
}

async fn closing_needs_the_quorum_and_never_reopens(app: TestApp) {
    let period = bureau_year(&app).await;
    let admin = app.client("admin").await;
    let id = create(&admin, period, &campaign((1, 4), "0.6")).await;
    let early = admin
        .post_json(&format!("/api/ballots/{id}/close"), &json!({}))
        .await;
    assert_eq!(early.status, 409);
    assert!(
        early.error().contains("还没有发放投票码"),
        "{}",
        early.error()
    );
    let codes = issue(&admin, id).await;
    for (_, code) in codes.iter().take(2) {
        let r = vote(&app, code, json!({"J01": 80, "J02": 70, "J03": 60})).await;
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let short = admin
        .post_json(&format!("/api/ballots/{id}/close"), &json!({}))
        .await;
    assert_eq!(short.status, 409, "{}", short.text());
    assert!(
        short
            .error()
            .contains("参加评议的有2人，占发放投票码5个的40%，未达到规定的60%"),
        "{}",
        short.error()
    );
    let r = vote(&app, &codes[2].1, json!({"J01": 80, "J02": 70, "J03": 60})).await;
    assert_eq!(r.status, 201);
    let closed = admin
        .post_json(&format!("/api/ballots/{id}/close"), &json!({}))
        .await;
    assert_eq!(closed.status, 200, "{}", closed.text());
    // The database itself refuses to reopen it.
    let mut conn = app.raw_connection().await;
    let reopened = sqlx::query("UPDATE ballot_campaigns SET status = 'open' WHERE id = $1")
        .bind(id)
        .execute(&mut conn)
        .await;
    assert!(reopened.is_err(), "a closed campaign stays closed");
}

/// A table's column names, sorted, as the database describes them.
async fn columns(app: &TestApp, table: &str) -> Vec<String> {
    let mut conn = app.raw_connection().await;
    let mut names: Vec<String> = if app.store().backend() == kaoping_store::Backend::Sqlite {
        sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .fetch_all(&mut conn)
            .await
            .expect("columns")
    } else {
        sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns WHERE table_name = $1",
        )
        .bind(table)
        .fetch_all(&mut conn)
        .await
        .expect("columns")
    };
    names.sort();
    names
}

async fn fifty_racing_votes_with_one_code_one_lands(app: TestApp) {
    let period = bureau_year(&app).await;
    let admin = app.client("admin").await;
    let id = create(&admin, period, &campaign((1, 2), "0.3")).await;
    let codes = issue(&admin, id).await;
    let code = codes[0].1.clone();
    let other = app.spawn_other_server().await;
    let bases = [app.base_url().to_string(), other.base_url.clone()];
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let url = format!("{}/api/vote", bases[i % 2]);
            let code = code.clone();
            tokio::spawn(async move {
                reqwest::Client::new()
                    .post(url)
                    .json(&json!({"code": code, "ratings": {"J01": i, "J02": 50, "J03": 50}}))
                    .send()
                    .await
                    .expect("vote")
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.expect("task"));
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    let state = admin.get(&format!("/api/ballots/{id}")).await.json();
    assert_eq!(state["used"], 1);
    assert_eq!(state["valid"], 1);
}

async fn nothing_stored_joins_a_ballot_to_its_code(app: TestApp) {
    let period = bureau_year(&app).await;
    let admin = app.client("admin").await;
    let id = create(&admin, period, &campaign((2, 4), "0.5")).await;
    let codes = issue(&admin, id).await;
    for (_, code) in &codes {
        let r = vote(&app, code, json!({"J01": 70, "J02": 80, "J03": 90})).await;
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let store = app.store();
    // The ballot table's columns: none a code, a time or an address.
    let ballot_columns = columns(&app, "ballots").await;
    assert_eq!(
        ballot_columns,
        ["campaign_id", "class_index", "id", "ratings", "valid"]
    );
    let code_columns = columns(&app, "ballot_codes").await;
    assert_eq!(
        code_columns,
        ["campaign_id", "class_index", "code_hash", "used"]
    );
    // The rows: random ids (not in the order cast, not sequential), and no code anywhere in them.
    let ballots = store.ballots(id).await.expect("ballots");
    assert_eq!(ballots.len(), codes.len());
    for b in &ballots {
        assert_eq!(b.id.len(), 32);
        assert!(b.id.bytes().all(|c| c.is_ascii_hexdigit()));
        for (_, code) in &codes {
            assert!(!b.ratings.contains(code.as_str()) && !b.id.contains(code.as_str()));
        }
    }
    // Nothing audited or shown names a code.
    let audit = admin.get("/audit").await.text();
    let shown = admin.get(&format!("/api/ballots/{id}")).await.text();
    let page = admin.get(&format!("/ballots/{id}")).await.text();
    for (_, code) in &codes {
        assert!(!audit.contains(code.as_str()), "audit names a code");
        assert!(!shown.contains(code.as_str()) && !page.contains(code.as_str()));
    }
    assert!(
        audit.contains("发放投票码6个"),
        "the audit says what happened"
    );
}

async fn who_may_run_and_see_a_campaign(app: TestApp) {
    let period = bureau_year(&app).await;
    let admin = app.client("admin").await;
    // An assessor of a department that does not own 8.1 (办公室's) may not run it.
    let anquan = app.client("anquan").await;
    let r = anquan
        .post_json(
            &format!("/api/periods/{period}/ballots"),
            &campaign((1, 1), "1"),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    // A branch secretary may not even look.
    let id = create(&admin, period, &campaign((1, 1), "1")).await;
    let d01 = app.client("d01").await;
    assert_eq!(d01.get(&format!("/api/ballots/{id}")).await.status, 403);
    assert_eq!(
        d01.post_json(&format!("/api/ballots/{id}/codes"), &json!({}))
            .await
            .status,
        403
    );
    // Nobody without a session: the API says 401, the pages send to the login.
    assert_eq!(
        app.anonymous()
            .get(&format!("/api/ballots/{id}"))
            .await
            .status,
        401
    );
    let page = app.anonymous().get(&format!("/ballots/{id}")).await;
    assert_eq!(page.status, 303);
    assert_eq!(
        page.location(),
        Some(format!("/login?next=/ballots/{id}").as_str())
    );
    // A leader (viewer) sees the counts, not the codes.
    let lingdao = app.client("lingdao").await;
    assert_eq!(lingdao.get(&format!("/api/ballots/{id}")).await.status, 200);
    assert_eq!(
        lingdao
            .post_json(&format!("/api/ballots/{id}/codes"), &json!({}))
            .await
            .status,
        403
    );
}

async fn guessing_codes_is_slowed_per_address(app: TestApp) {
    let period = bureau_year(&app).await;
    let admin = app.client("admin").await;
    let id = create(&admin, period, &campaign((1, 1), "1")).await;
    let codes = issue(&admin, id).await;
    let mut statuses = Vec::new();
    for i in 0..31 {
        let guess = format!(
            "ZZZZZZ{}{}",
            (b'2' + (i / 8) as u8) as char,
            (b'2' + (i % 8) as u8) as char
        );
        statuses.push(vote(&app, &guess, json!({"J01": 1})).await.status);
    }
    assert!(statuses[..30].iter().all(|s| *s == 404), "{statuses:?}");
    assert_eq!(statuses[30], 429);
    // Even a real code waits now.
    let r = vote(&app, &codes[0].1, json!({"J01": 1, "J02": 1, "J03": 1})).await;
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(r.error().contains("投票码输错次数过多"));
}

/// 300 voters vote at once on SQLite (one write lock for the whole database): nothing lost, every
/// ballot counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_voters_at_once_on_sqlite() {
    crate::helpers::run(kaoping_store::Backend::Sqlite, |app: TestApp| async move {
        let period = bureau_year(&app).await;
        let admin = app.client("admin").await;
        let id = create(&admin, period, &campaign((20, 280), "1")).await;
        let codes = issue(&admin, id).await;
        assert_eq!(codes.len(), 300);
        let url = format!("{}/api/vote", app.base_url());
        let client = reqwest::Client::new();
        let tasks: Vec<_> = codes
            .iter()
            .enumerate()
            .map(|(i, (_, code))| {
                let (client, url, code) = (client.clone(), url.clone(), code.clone());
                tokio::spawn(async move {
                    let r = client
                        .post(url)
                        .json(&json!({"code": code, "ratings": {"J01": 60 + i % 41, "J02": 80, "J03": 90}}))
                        .send()
                        .await
                        .expect("vote");
                    r.status().as_u16()
                })
            })
            .collect();
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.expect("task"));
        }
        assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
        let state = admin.get(&format!("/api/ballots/{id}")).await.json();
        assert_eq!(state["used"], 300);
        assert_eq!(state["valid"], 300);
        let closed = admin
            .post_json(&format!("/api/ballots/{id}/close"), &json!({}))
            .await;
        assert_eq!(closed.status, 200, "{}", closed.text());
        // J02 and J03 were rated alike by everyone.
        let tally = &closed.json()["tally"];
        assert_eq!(tally[1]["raw"], "80");
        assert_eq!(tally[2]["raw"], "90");
        assert_eq!(tally[0]["classes"][1]["ratings"], 280);
    })
    .await
}

/// The pages: a campaign created from the form (a mistake shows the form again as typed, with the
/// problem), codes issued as printable slips with a QR code each, a vote with no login, paper slips
/// pasted from Excel, and closing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_through_the_pages() {
    crate::helpers::run(kaoping_store::Backend::Sqlite, |app: TestApp| async move {
        let period = bureau_year(&app).await;
        let admin = app.client("admin").await;
        let summary = admin.get(&format!("/periods/{period}")).await;
        assert!(
            summary
                .text()
                .contains(&format!("/periods/{period}/ballots")),
            "the summary links to its ballots"
        );
        let mut fields = vec![
            ("title", "2023年度民主评议"),
            ("code", "8.1"),
            ("candidate", "J01"),
            ("candidate", "J02"),
            ("classes", "班子成员,0.3,2\n职工，0.7，三"),
            ("scale", "grades"),
            ("grades", "优秀,100\n称职,80\n基本称职,60\n不称职,0"),
            ("excellent", "50"),
            ("trim", "0"),
            ("quorum", "50"),
        ];
        let bad = admin
            .post_form(
                &admin.with_csrf(&format!("/periods/{period}/ballots")),
                &fields,
            )
            .await;
        assert_eq!(bad.status, 422, "{}", bad.text());
        let page = bad.text();
        assert!(page.contains("评议人类别第2行：人数“三”不是整数"), "{page}");
        assert!(page.contains("职工，0.7，三"), "what was typed is kept");
        fields[4] = ("classes", "班子成员,0.3,2\n职工,0.7,3");
        let ok = admin
            .post_form(
                &admin.with_csrf(&format!("/periods/{period}/ballots")),
                &fields,
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.text());
        let at = ok.location().expect("to the campaign").to_string();
        let id: i64 = at
            .trim_start_matches("/ballots/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        // The form now starts on the next rule no campaign feeds: 2.1 述职.
        let form = admin
            .get(&format!("/periods/{period}/ballots"))
            .await
            .text();
        assert!(form.contains("value=\"2023年度述职评议\""), "{form}");
        assert!(form.contains("<option value=\"2.1\" selected>"), "{form}");
        let slips = admin
            .post_form(&admin.with_csrf(&format!("/ballots/{id}/codes")), &[])
            .await;
        assert_eq!(slips.status, 200, "{}", slips.text());
        let sheet = slips.text();
        assert_eq!(sheet.matches("class=\"slip\"").count(), 5);
        assert_eq!(sheet.matches("<svg").count(), 5, "a QR code on every slip");
        let codes: Vec<String> = sheet
            .split("投票码 <strong>")
            .skip(1)
            .map(|s| s[..8].to_string())
            .collect();
        assert_eq!(codes.len(), 5);

        // A vote from a slip, no login: the ballot, then an incomplete one shown back, then cast.
        let voter = app.anonymous();
        let ballot = voter
            .get(&format!("/vote?code={}", codes[0].to_lowercase()))
            .await;
        assert_eq!(ballot.status, 200, "{}", ballot.text());
        assert!(
            ballot.text().contains("评为“优秀”的最多1名"),
            "{}",
            ballot.text()
        );
        let incomplete = voter
            .post_form("/vote", &[("code", codes[0].as_str()), ("r:J01", "优秀")])
            .await;
        assert_eq!(incomplete.status, 422);
        assert!(
            incomplete.text().contains("这张票将是废票"),
            "{}",
            incomplete.text()
        );
        assert!(
            incomplete.text().contains("还有1名未评：职工2"),
            "names, not codes"
        );
        let cast = voter
            .post_form(
                "/vote",
                &[
                    ("code", codes[0].as_str()),
                    ("r:J01", "优秀"),
                    ("r:J02", "称职"),
                ],
            )
            .await;
        assert_eq!(cast.status, 200, "{}", cast.text());
        assert!(cast.text().contains("投票成功"));
        let again = voter.get(&format!("/vote?code={}", codes[0])).await;
        assert_eq!(again.status, 409);
        assert!(again.text().contains("已经投过票"));

        // A lost sheet: the page asks for a confirmation, then prints new slips for the four unused codes.
        let page = admin.get(&format!("/ballots/{id}")).await.text();
        assert!(page.contains("作废并重新打印选票"), "{page}");
        let unconfirmed = admin
            .post_form(
                &admin.with_csrf(&format!("/ballots/{id}/codes/reissue")),
                &[],
            )
            .await;
        assert_eq!(unconfirmed.status, 303);
        assert!(unconfirmed.location().unwrap().contains("err="));
        let again = admin
            .post_form(
                &admin.with_csrf(&format!("/ballots/{id}/codes/reissue")),
                &[("confirm", "1")],
            )
            .await;
        assert_eq!(again.status, 200, "{}", again.text());
        assert_eq!(again.text().matches("class=\"slip\"").count(), 4);
        assert!(again.text().contains("原来未用的投票码已作废，重新发放4个"));

        // Four paper slips pasted from Excel (tabs), one of them left incomplete.
        let paper = admin
            .post_form(
                &admin.with_csrf(&format!("/ballots/{id}/paper")),
                &[(
                    "slips",
                    "班子成员\t称职\t优秀\n职工\t称职\t称职\n职工\t基本称职\t\n职工\t优秀\t称职\n",
                )],
            )
            .await;
        assert_eq!(paper.status, 303, "{}", paper.text());
        let shown = admin.get(&format!("/ballots/{id}")).await.text();
        assert!(shown.contains("收回选票5张：有效4张，无效1张"), "{shown}");
        // Closing is one-way: a page says what it does, and the form must be confirmed.
        let confirm = admin.get(&format!("/ballots/{id}/close")).await.text();
        assert!(confirm.contains("此操作不能撤销"), "{confirm}");
        assert!(confirm.contains("收回选票5张：有效4张"), "{confirm}");
        let unconfirmed = admin
            .post_form(&admin.with_csrf(&format!("/ballots/{id}/close")), &[])
            .await;
        assert_eq!(unconfirmed.status, 303);
        assert!(unconfirmed.location().unwrap().contains("err="));
        assert!(
            admin
                .get(&format!("/ballots/{id}"))
                .await
                .text()
                .contains("投票中"),
            "an unconfirmed close leaves the campaign open"
        );
        let closed = admin
            .post_form(
                &admin.with_csrf(&format!("/ballots/{id}/close")),
                &[("confirm", "yes")],
            )
            .await;
        assert_eq!(closed.status, 303);
        assert!(
            closed.location().unwrap().contains("msg="),
            "{:?}",
            closed.location()
        );
        // J01: 班子成员 (100 + 80) / 2 = 90; 职工 (80 + 100) / 2 = 90 → 90.
        let sheet = admin
            .get(&format!("/periods/{period}/units/J01"))
            .await
            .text();
        assert!(
            sheet.contains("2023年度民主评议：有效票4张、无效1张"),
            "the sheet shows the tally"
        );
        let xlsx = admin.get(&format!("/ballots/{id}/results.xlsx")).await;
        assert_eq!(xlsx.status, 200);
        assert_eq!(
            xlsx.header("content-type"),
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        );
    })
    .await
}

/// The close is linked into the period's hash chain with every ballot as counted: a ballot changed in the
/// database afterwards is named by the integrity check.
async fn a_ballot_changed_after_the_count_is_named(app: TestApp) {
    let period = bureau_year(&app).await;
    let admin = app.client("admin").await;
    let id = create(&admin, period, &campaign((1, 2), "1")).await;
    for (_, code) in issue(&admin, id).await {
        let r = vote(&app, &code, json!({"J01": 70, "J02": 80, "J03": 90})).await;
        assert_eq!(r.status, 201);
    }
    let closed = admin
        .post_json(&format!("/api/ballots/{id}/close"), &json!({}))
        .await;
    assert_eq!(closed.status, 200, "{}", closed.text());
    let check = |admin: UserClient| async move {
        let r = admin
            .post_form(&admin.with_csrf("/admin/integrity"), &[])
            .await;
        assert_eq!(r.status, 303);
        admin.get("/admin/integrity").await.text()
    };
    let page = check(admin.clone()).await;
    assert!(page.contains("校验通过"), "{page}");
    app.behind_the_app(&format!(
        "UPDATE ballots SET ratings = '[\"100\",\"100\",\"100\"]' WHERE campaign_id = {id}"
    ))
    .await;
    let page = check(admin).await;
    assert!(page.contains("校验未通过"), "{page}");
    assert!(page.contains(&format!("ballot_closing {id}")), "{page}");
}

/// Closing appends through the ledger's usual checks: a candidate who already has a 民主评议 score stops
/// the close (the campaign stays open, nothing is appended), while 述职 (2.1, four quarterly raw scores
/// averaged) takes one campaign per quarter.
async fn closing_goes_through_the_ledger_checks(app: TestApp) {
    let period = bureau_year(&app).await;
    let admin = app.client("admin").await;
    let typed = admin
        .record(
            period,
            &json!({"unit": "J02", "code": "8.1", "points": "75", "note": "手工录入"}),
        )
        .await;
    assert_eq!(typed.status, 201, "{}", typed.text());
    let id = create(&admin, period, &campaign((1, 1), "1")).await;
    for (_, code) in issue(&admin, id).await {
        assert_eq!(
            vote(&app, &code, json!({"J01": 90, "J02": 90, "J03": 90}))
                .await
                .status,
            201
        );
    }
    let refused = admin
        .post_json(&format!("/api/ballots/{id}/close"), &json!({}))
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.error().contains("J02："), "{}", refused.error());
    assert!(refused.error().contains("请先撤销"), "{}", refused.error());
    let state = admin.get(&format!("/api/ballots/{id}")).await.json();
    assert_eq!(state["status"], "open");
    let entries = admin.entries(period).await;
    assert_eq!(
        entries.iter().filter(|e| e["code"] == "8.1").count(),
        1,
        "nothing appended"
    );

    // 述职: two quarters' campaigns on 2.1, both counted and averaged on the sheet.
    for (quarter, score) in [("一季度", 80), ("二季度", 90)] {
        let mut body = campaign((1, 1), "1");
        body["title"] = json!(format!("2023年{quarter}述职评议"));
        body["code"] = json!("2.1");
        let id = create(&admin, period, &body).await;
        for (_, code) in issue(&admin, id).await {
            let r = vote(
                &app,
                &code,
                json!({"J01": score, "J02": score, "J03": score}),
            )
            .await;
            assert_eq!(r.status, 201);
        }
        let closed = admin
            .post_json(&format!("/api/ballots/{id}/close"), &json!({}))
            .await;
        assert_eq!(closed.status, 200, "{}", closed.text());
    }
    let entries = admin.entries(period).await;
    assert_eq!(
        entries
            .iter()
            .filter(|e| e["unit"] == "J01" && e["code"] == "2.1")
            .count(),
        2
    );
    // (80 + 90) / 2 = 85 of 100 → 85% of 2.1's 5 points = 4.25.
    let results = admin.results(period).await;
    assert_eq!(section_score(&results, "J01", "2"), "4.25".parse().unwrap());
}

/// A lost sheet of slips: the unused codes are made void and as many new ones issued, class by class;
/// what was cast stays, the old codes are refused.
async fn a_lost_sheet_is_issued_again(app: TestApp) {
    let period = bureau_year(&app).await;
    let admin = app.client("admin").await;
    let id = create(&admin, period, &campaign((2, 3), "1")).await;
    let early = admin
        .post_json(&format!("/api/ballots/{id}/codes/reissue"), &json!({}))
        .await;
    assert_eq!(early.status, 409, "{}", early.text());
    let old = issue(&admin, id).await;
    let leaders = codes_of(&old, "班子成员");
    let r = vote(&app, leaders[0], json!({"J01": 90, "J02": 80, "J03": 70})).await;
    assert_eq!(r.status, 201);
    let r = admin
        .post_json(&format!("/api/ballots/{id}/codes/reissue"), &json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let new: Vec<(String, String)> = r.json()["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["class"].as_str().unwrap().to_string(),
                c["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(codes_of(&new, "班子成员").len(), 1);
    assert_eq!(codes_of(&new, "职工").len(), 3);
    // The old unused codes are void; the new ones vote.
    let void = vote(&app, leaders[1], json!({"J01": 1, "J02": 1, "J03": 1})).await;
    assert_eq!(void.status, 409);
    assert!(void.error().contains("已作废"), "{}", void.error());
    let page = app
        .anonymous()
        .get(&format!("/vote?code={}", codes_of(&old, "职工")[0]))
        .await;
    assert_eq!(page.status, 409);
    for (_, code) in &new {
        let r = vote(&app, code, json!({"J01": 80, "J02": 80, "J03": 80})).await;
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let state = admin.get(&format!("/api/ballots/{id}")).await.json();
    assert_eq!(state["issued"], 5, "void codes are not counted as issued");
    assert_eq!(state["used"], 5);
    assert_eq!(state["classes"][1]["void"], 3);
    assert_eq!(state["quorum_met"], true);
    // Every code used: nothing left to issue again.
    let none = admin
        .post_json(&format!("/api/ballots/{id}/codes/reissue"), &json!({}))
        .await;
    assert_eq!(none.status, 409);
    assert!(none.error().contains("都已用过"), "{}", none.error());
    let audit = admin.get("/audit").await.text();
    assert!(
        audit.contains("作废未用的投票码4个，重新发放4个"),
        "the audit says so"
    );
}
