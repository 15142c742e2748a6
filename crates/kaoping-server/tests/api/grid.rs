//! 本部门评分表 (the department's grid): one form for every unit × the department's rules; each change is
//! a ledger entry, and the permission rules are those of recording one finding.

use kaoping_core::Decimal;

use crate::helpers::{section_score, TestApp};

on_both!(
    grid_records_corrects_and_refuses_other_departments,
    levels_and_judged_points_are_entered_for_every_unit_in_one_form,
);

async fn grid_records_corrects_and_refuses_other_departments(app: TestApp) {
    let admin = app.client("admin").await;
    let anquan = app.client("anquan").await;
    let page = anquan.get("/periods/2/grid").await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains("1.4.2"));
    let action = anquan.with_csrf("/periods/2/grid");

    // Another department's rule in the form: refused whole.
    let r = anquan
        .post_form(
            &action,
            &[
                ("o|D05|1.4.2", ""),
                ("v|D05|1.4.2", "1"),
                ("o|D05|3.2.1", ""),
                ("v|D05|3.2.1", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(admin.entries(2).await.is_empty(), "nothing appended");
    // Not for a viewer or a leader at all.
    for who in ["lingdao", "d01"] {
        let c = app.client(who).await;
        assert_eq!(c.get("/periods/2/grid").await.status, 403, "{who}");
        let r = c
            .post_form(
                &c.with_csrf("/periods/2/grid"),
                &[("o|D05|1.4.2", ""), ("v|D05|1.4.2", "1")],
            )
            .await;
        assert_eq!(r.status, 403, "{who}");
    }
    // Without the token.
    let r = anquan
        .post_form(
            "/periods/2/grid",
            &[("o|D05|1.4.2", ""), ("v|D05|1.4.2", "1")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(admin.entries(2).await.is_empty());

    // Two accidents on D05: 15 off the pool.
    let r = anquan
        .post_form(
            &action,
            &[
                ("o|D05|1.4.2", ""),
                ("v|D05|1.4.2", "2"),
                ("note", "两起一般事故"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(
        !r.location().unwrap().contains("err="),
        "{:?}",
        r.location()
    );
    assert_eq!(
        section_score(&admin.results(2).await, "D05", "1"),
        Decimal::from(5)
    );
    let ledger = admin.entries(2).await;
    assert_eq!(ledger.len(), 1);

    // Down to one needs a reason…
    let r = anquan
        .post_form(&action, &[("o|D05|1.4.2", "2"), ("v|D05|1.4.2", "1")])
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("必须写明原因"));
    assert_eq!(admin.entries(2).await, ledger);
    // …and with one, the entry is corrected, never edited.
    let r = anquan
        .post_form(
            &action,
            &[
                ("o|D05|1.4.2", "2"),
                ("v|D05|1.4.2", "1"),
                ("reason", "其中一起定性为设备故障"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        section_score(&admin.results(2).await, "D05", "1"),
        Decimal::from(15)
    );
    let now = admin.entries(2).await;
    assert!(now.len() > ledger.len());
    assert_eq!(now[0], {
        let mut first = ledger[0].clone();
        first["active"] = serde_json::json!(false);
        first
    });

    // A stale form (someone changed the cell meanwhile) is refused, not applied.
    let r = anquan
        .post_form(&action, &[("o|D05|1.4.2", "2"), ("v|D05|1.4.2", "3")])
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("已被他人改为"));
    assert_eq!(admin.entries(2).await, now);
}

/// 2.2.2 (分档: 较好 5, 一般 2) and 6.1.1 (酌情评分, 0–5) for several branches in one save, each with its
/// reason; then a change, an emptied cell and bad values.
async fn levels_and_judged_points_are_entered_for_every_unit_in_one_form(app: TestApp) {
    let admin = app.client("admin").await;
    let dangong = app.client("dangong").await;
    let page = dangong.get("/periods/2/grid").await.text();
    assert!(
        page.contains("name=\"v|D01|2.2.2\""),
        "a level select per unit"
    );
    assert!(
        page.contains("<option value=\"一般\">一般（2分）</option>"),
        "{page}"
    );
    assert!(page.contains("name=\"n|D01|6.1.1\""), "a reason per unit");
    let action = dangong.with_csrf("/periods/2/grid");
    let shown = |cells: &[(&'static str, &'static str)]| {
        cells
            .iter()
            .flat_map(|(k, v)| {
                [
                    (format!("o|{k}"), v.to_string()),
                    (format!("on|{k}"), String::new()),
                ]
            })
            .collect::<Vec<_>>()
    };
    let mut form = shown(&[
        ("D01|2.2.2", ""),
        ("D02|2.2.2", ""),
        ("D01|6.1.1", ""),
        ("D02|6.1.1", ""),
    ]);
    form.extend(
        [
            ("v|D01|2.2.2", "较好"),
            ("v|D02|2.2.2", "一般"),
            ("n|D02|2.2.2", "重大问题决策记录不全"),
            ("v|D01|6.1.1", "5"),
            ("n|D01|6.1.1", "按时完成交办任务"),
            ("v|D02|6.1.1", "3.5"),
            ("n|D02|6.1.1", "迎峰度夏保供延误两天"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = dangong.post_form(&action, &fields).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(r.location().unwrap().contains("msg="), "{:?}", r.location());
    let entries = admin.entries(2).await;
    assert_eq!(entries.len(), 4, "{entries:?}");
    let d02 = entries
        .iter()
        .find(|e| e["unit"] == "D02" && e["code"] == "6.1.1")
        .expect("D02's 6.1.1");
    assert_eq!(d02["points"], "3.5");
    assert_eq!(d02["note"], "迎峰度夏保供延误两天");
    let results = admin.results(2).await;
    // D02: 2.2 = 2 (一般), 6 = 3.5.
    assert_eq!(section_score(&results, "D02", "6"), Decimal::new(35, 1));
    let page = dangong.get("/periods/2/grid").await.text();
    assert!(
        page.contains("<option value=\"一般\" selected>一般（2分）</option>"),
        "the page shows what was entered"
    );

    // A changed level needs the reason for changing it; with it, the entry is corrected.
    let change = [
        ("o|D02|2.2.2", "一般"),
        ("on|D02|2.2.2", "重大问题决策记录不全"),
        ("v|D02|2.2.2", "较好"),
        ("n|D02|2.2.2", "补齐了决策记录"),
    ];
    let r = dangong.post_form(&action, &change).await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("必须写明原因"), "{}", r.text());
    let mut with_reason = change.to_vec();
    with_reason.push(("reason", "复核后改为较好"));
    let r = dangong.post_form(&action, &with_reason).await;
    assert_eq!(r.status, 303, "{}", r.text());
    // An emptied cell withdraws its entry: D01's 6.1.1 is unscored again.
    let r = dangong
        .post_form(
            &action,
            &[
                ("o|D01|6.1.1", "5"),
                ("on|D01|6.1.1", "按时完成交办任务"),
                ("v|D01|6.1.1", ""),
                ("n|D01|6.1.1", "按时完成交办任务"),
                ("reason", "录错单位"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let results = admin.results(2).await;
    assert_eq!(section_score(&results, "D01", "6"), Decimal::ZERO);
    let active: Vec<_> = admin
        .entries(2)
        .await
        .into_iter()
        .filter(|e| e["active"] == true)
        .collect();
    assert_eq!(active.len(), 3, "{active:?}");

    // Bad values: each said at its cell, nothing saved, the typed values kept.
    let before = admin.entries(2).await;
    let r = dangong
        .post_form(
            &action,
            &[
                ("o|D03|2.2.2", ""),
                ("on|D03|2.2.2", ""),
                ("v|D03|2.2.2", "优秀"),
                ("o|D03|6.1.1", ""),
                ("on|D03|6.1.1", ""),
                ("v|D03|6.1.1", "7"),
                ("n|D03|6.1.1", "超额完成"),
                ("o|D04|6.1.1", ""),
                ("on|D04|6.1.1", ""),
                ("v|D04|6.1.1", "四分"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    let text = r.text();
    assert!(
        text.contains("“优秀”不是2.2.2的等级（较好、一般）"),
        "{text}"
    );
    assert!(text.contains("分值“四分”不是数字"), "{text}");
    assert!(text.contains("6.1.1"), "{text}");
    assert!(
        text.contains("value=\"超额完成\""),
        "the typed reason is kept: {text}"
    );
    assert_eq!(admin.entries(2).await, before);
}
