//! A check and the write it guards share one transaction, under the period's lock: twenty requests race
//! for something only one of them may do, through two server processes on one database, and exactly
//! one lands. The ledger then holds what the sheet shows.

use serde_json::json;

use crate::helpers::{dec, unit, Resp, TestApp};

on_both!(
    twenty_discretionary_scores_for_one_item_one_lands,
    twenty_corrections_of_one_entry_one_lands,
    twenty_grid_saves_of_one_cell_one_lands,
);

/// Sends each request on its own task, alternating between the two servers, all at once.
async fn race<F, Fut>(n: usize, send: F) -> Vec<Resp>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Resp> + Send + 'static,
{
    let tasks: Vec<_> = (0..n).map(|i| tokio::spawn(send(i))).collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("request task"));
    }
    out
}

/// 6.1.1 is discretionary (党工部's): one score per unit and round. Twenty assessors' posts race.
async fn twenty_discretionary_scores_for_one_item_one_lands(app: TestApp) {
    let b = app.spawn_other_server().await;
    let on_a = app.client("dangong").await;
    let on_b = on_a.at(&b.base_url);
    let responses = race(20, |i| {
        let c = if i % 2 == 0 { on_a.clone() } else { on_b.clone() };
        async move {
            c.record(
                2,
                &json!({"unit": "D07", "code": "6.1.1", "points": format!("{}.5", i % 5), "note": format!("第{i}位考评人")}),
            )
            .await
        }
    })
    .await;
    let landed: Vec<&Resp> = responses.iter().filter(|r| r.status == 201).collect();
    assert_eq!(landed.len(), 1, "exactly one score lands");
    for r in responses.iter().filter(|r| r.status != 201) {
        assert_eq!(r.status, 422, "{}", r.text());
        assert!(
            r.error().contains("记录#"),
            "names the score that landed: {}",
            r.error()
        );
    }
    let admin = app.client("admin").await;
    let active: Vec<_> = admin
        .entries(2)
        .await
        .into_iter()
        .filter(|e| e["unit"] == "D07" && e["code"] == "6.1.1" && e["active"] == true)
        .collect();
    assert_eq!(active.len(), 1, "one active entry in the ledger");
    // Both servers show that one score.
    let points: kaoping_core::Decimal = active[0]["points"].as_str().unwrap().parse().unwrap();
    for c in [&admin, &admin.at(&b.base_url)] {
        let results = c.results(2).await;
        let item = unit(&results, "D07")["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|it| it["code"] == "6.1")
            .cloned()
            .unwrap();
        assert_eq!(dec(&item["score"]), points);
    }
}

/// Twenty corrections of one entry through two servers: one replaces it, the rest find it replaced.
async fn twenty_corrections_of_one_entry_one_lands(app: TestApp) {
    let b = app.spawn_other_server().await;
    let on_a = app.client("anquan").await;
    let on_b = on_a.at(&b.base_url);
    let r = on_a
        .record(2, &json!({"unit": "D03", "code": "1.4.2", "count": 3}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let first = r.json()["id"].as_i64().unwrap();
    let responses = race(20, |i| {
        let c = if i % 2 == 0 { on_a.clone() } else { on_b.clone() };
        async move {
            c.record(
                2,
                &json!({"unit": "D03", "code": "1.4.2", "count": 1 + i % 2, "replaces": first, "reason": format!("核实第{i}次")}),
            )
            .await
        }
    })
    .await;
    assert_eq!(responses.iter().filter(|r| r.status == 201).count(), 1);
    for r in responses.iter().filter(|r| r.status != 201) {
        assert_eq!(r.status, 409, "{}", r.text());
        assert_eq!(r.error(), "该记录已被更正或撤回");
    }
    let admin = app.client("admin").await;
    let active = admin
        .entries(2)
        .await
        .into_iter()
        .filter(|e| e["unit"] == "D03" && e["active"] == true)
        .count();
    assert_eq!(active, 1);
}

/// Twenty grid saves of the same empty cell (a tick on 1.4.3 for D09), each made from a page that
/// showed it empty: one lands, the others are told someone else changed it.
async fn twenty_grid_saves_of_one_cell_one_lands(app: TestApp) {
    let b = app.spawn_other_server().await;
    let on_a = app.client("anquan").await;
    let on_b = on_a.at(&b.base_url);
    let responses = race(20, |i| {
        let c = if i % 2 == 0 {
            on_a.clone()
        } else {
            on_b.clone()
        };
        async move {
            c.post_form(
                &c.with_csrf("/periods/2/grid"),
                &[("o|D09|1.4.3", ""), ("v|D09|1.4.3", "1")],
            )
            .await
        }
    })
    .await;
    let saved = responses
        .iter()
        .filter(|r| r.status == 303 && r.location().is_some_and(|l| l.contains("msg=")))
        .count();
    assert_eq!(saved, 1, "one save lands");
    for r in responses
        .iter()
        .filter(|r| !(r.status == 303 && r.location().is_some_and(|l| l.contains("msg="))))
    {
        assert_eq!(r.status, 422, "{}", r.text());
        assert!(r.text().contains("此格已被他人改为"), "{}", r.text());
    }
    let admin = app.client("admin").await;
    let ticks = admin
        .entries(2)
        .await
        .into_iter()
        .filter(|e| e["unit"] == "D09" && e["code"] == "1.4.3")
        .count();
    assert_eq!(ticks, 1);
}
