//! The lists people search: the ledger (考核记录) and the audit log (操作日志), narrowed by their filter
//! forms in SQL, paged with their totals, their bad filter values said beside the field, and what each
//! user may see no wider for any filter.

use kaoping_app::AuditAction;
use serde_json::Value;

use crate::helpers::{TestApp, UserClient};

on_both!(
    ledger_filters_narrow_the_page,
    ledger_pages_keep_their_filters_and_bad_values_are_said,
    ledger_filters_widen_nothing,
    audit_log_in_chinese_filtered_and_paged,
);

/// The count in the page's “共N条”.
fn total(page: &str) -> i64 {
    let at = page.find("条，第").expect("a total on the page");
    let before = &page[..at];
    let start = before.rfind('共').expect("共") + '共'.len_utf8();
    before[start..].parse().expect("a number")
}

/// The table row that holds `text`.
fn row_with<'p>(page: &'p str, text: &str) -> &'p str {
    page.split("<tr>")
        .find(|r| r.contains(text))
        .unwrap_or_else(|| panic!("no row with {text}"))
}

async fn ledger(client: &UserClient, query: &str) -> (u16, String) {
    let r = client.get(&format!("/periods/1/ledger?{query}")).await;
    (r.status, r.text())
}

fn count(entries: &[Value], keep: impl Fn(&Value) -> bool) -> i64 {
    entries.iter().filter(|e| keep(e)).count() as i64
}

async fn ledger_filters_narrow_the_page(app: TestApp) {
    let admin = app.client("admin").await;
    let entries = admin.entries(1).await;
    assert_eq!(entries.len(), 104);

    // The whole ledger: the columns once each, unit names, deductions, times to the minute.
    let (status, page) = ledger(&admin, "").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(total(&page), 104);
    for heading in [
        "记录号",
        "类型",
        "单位",
        "规则",
        "内容",
        "扣分",
        "录入人",
        "时间",
        "原因",
        "状态",
    ] {
        assert_eq!(
            page.matches(&format!(">{heading}</th>")).count(),
            1,
            "{heading}"
        );
    }
    assert!(!page.contains(">编号</th>"), "no 编号 heading");
    assert!(page.contains("<form class=\"filters\" method=\"get\""));
    assert!(page.contains("<div class=\"table-wrap\">"));

    // A unit: its entries only, with its name and code.
    let (_, page) = ledger(&admin, "unit=D04").await;
    assert_eq!(total(&page), count(&entries, |e| e["unit"] == "D04"));
    let row = row_with(&page, "1月、2月支委会未召开");
    assert!(
        row.contains("制氧车间党支部 <small class=\"muted\">D04</small>"),
        "{row}"
    );
    // 3.2.1 deducts 2 per meeting missed: 3 missed, 6.
    assert!(row.contains("<td class=\"num\">6</td>"), "{row}");
    assert!(
        !page.contains("5月变电站误操作"),
        "D02's entry is not D04's"
    );
    // A fixed rule's amount; a progressive rule's is the sheet's to say.
    let (_, page) = ledger(&admin, "unit=D03").await;
    assert!(row_with(&page, "二季度班组安全教育记录缺失").contains("<td class=\"num\">3</td>"));
    assert!(row_with(&page, "4月、9月各发生").contains("<td class=\"num\"></td>"));

    // The department that owns the items: 安全科 owns 1.4 and its rules.
    let safety = |e: &Value| e["code"].as_str().unwrap().starts_with("1.4");
    let (_, page) = ledger(&admin, "department=%E5%AE%89%E5%85%A8%E7%A7%91").await;
    assert_eq!(total(&page), count(&entries, safety));
    assert!(page.contains("全年发生一般性安全事故3起"));
    assert!(!page.contains("3月、8月党小组会未召开"));
    // The item's code keeps its rules' entries; a rule's code only its own.
    let (_, page) = ledger(&admin, "code=1.4").await;
    assert_eq!(total(&page), count(&entries, safety));
    let (_, page) = ledger(&admin, "code=1.4.2").await;
    assert_eq!(total(&page), count(&entries, |e| e["code"] == "1.4.2"));

    // Who recorded them.
    let (anquan, _) = app.user_and_department("anquan").await;
    let (dangong, _) = app.user_and_department("dangong").await;
    let (_, page) = ledger(&admin, &format!("recorder={}", dangong.id)).await;
    let by_dangong = count(&entries, |e| e["recorded_by"] == dangong.id);
    assert!(by_dangong > 0);
    assert_eq!(total(&page), by_dangong);
    assert!(
        !page.contains("全年发生一般性安全事故3起"),
        "安全科's entry"
    );
    let (_, page) = ledger(&admin, &format!("recorder={}", anquan.id)).await;
    assert_eq!(
        total(&page),
        count(&entries, safety),
        "安全科 recorded its own items"
    );

    // Days, China time, whole days inclusive.
    let (_, page) = ledger(&admin, "from=2000-01-01&to=2000-12-31").await;
    assert_eq!(total(&page), 0);
    assert!(
        page.contains("value=\"2000-01-01\""),
        "the dates typed stay in the form"
    );
    let (_, page) = ledger(&admin, "from=2000-01-01&to=2999-12-31").await;
    assert_eq!(total(&page), 104);

    // Text in the notes or reasons; % is itself.
    let (_, page) = ledger(&admin, "text=%E5%AE%89%E5%85%A8%E4%BA%8B%E6%95%85").await; // 安全事故
    let accidents = count(&entries, |e| {
        e["note"].as_str().unwrap().contains("安全事故")
    });
    assert!(accidents >= 4);
    assert_eq!(total(&page), accidents);
    let (_, page) = ledger(&admin, "text=%25").await;
    assert_eq!(total(&page), 1, "only the note with a literal %");
    assert!(page.contains("党风廉政保证书签订未达100%"));

    // Together: AND.
    let (_, page) = ledger(
        &admin,
        &format!(
            "unit=D04&department=%E5%AE%89%E5%85%A8%E7%A7%91&recorder={}",
            anquan.id
        ),
    )
    .await;
    assert_eq!(
        total(&page),
        count(&entries, |e| e["unit"] == "D04" && safety(e))
    );
    assert!(
        page.contains("value=\"D04\" selected"),
        "the unit chosen stays chosen"
    );
    let (_, page) = ledger(
        &admin,
        &format!(
            "department=%E5%AE%89%E5%85%A8%E7%A7%91&recorder={}",
            dangong.id
        ),
    )
    .await;
    assert_eq!(total(&page), 0);
}

async fn ledger_pages_keep_their_filters_and_bad_values_are_said(app: TestApp) {
    let admin = app.client("admin").await;
    // 104 entries from 2000 on: two pages, and the pager keeps the filter.
    let (_, page) = ledger(&admin, "from=2000-01-01").await;
    assert_eq!(total(&page), 104);
    assert!(page.contains("第1/2页"));
    let next = "/periods/1/ledger?from=2000-01-01&amp;page=2";
    assert!(page.contains(&format!("href=\"{next}\"")), "{page}");
    let (_, second) = ledger(&admin, "from=2000-01-01&page=2").await;
    assert!(second.contains("第2/2页"));
    assert_eq!(
        second.matches("<td class=\"num\">").count() / 2,
        4,
        "4 rows on page 2"
    );
    assert!(second.contains("href=\"/periods/1/ledger?from=2000-01-01&amp;page=1\""));
    // Every filter travels in the links.
    let (_, page) = ledger(&admin, "from=2000-01-01&to=2999-12-31&page=1").await;
    assert!(
        page.contains("href=\"/periods/1/ledger?from=2000-01-01&amp;to=2999-12-31&amp;page=2\"")
    );

    // Bad values: said beside their field and at the top, 422, no list.
    let (status, page) = ledger(&admin, "from=2024-13-01").await;
    assert_eq!(status, 422);
    assert!(
        page.contains("起始日期：“2024-13-01”不是有效日期"),
        "{page}"
    );
    assert!(
        page.contains("value=\"2024-13-01\""),
        "the value typed stays"
    );
    assert!(
        !page.contains("<table"),
        "no list for a filter it cannot use"
    );
    let (status, page) = ledger(&admin, "from=2024-03-02&to=2024-03-01").await;
    assert_eq!(status, 422);
    assert!(page.contains("截止日期2024-03-01早于起始日期2024-03-02"));
    let (status, page) = ledger(&admin, "unit=X99").await;
    assert_eq!(status, 422);
    assert!(page.contains("单位：本考评期没有单位或组“X99”"));
    let (status, page) = ledger(&admin, "department=%E5%A4%96%E4%BA%A4%E9%83%A8").await;
    assert_eq!(status, 422);
    assert!(page.contains("部门：考评细则中没有“外交部”负责的评分项"));
    let (status, page) = ledger(&admin, "code=9.9.9").await;
    assert_eq!(status, 422);
    assert!(page.contains("规则：考评细则中没有评分项或规则“9.9.9”"));
    let (status, page) = ledger(&admin, "recorder=abc").await;
    assert_eq!(status, 422);
    assert!(page.contains("录入人：没有用户“abc”"));
}

async fn ledger_filters_widen_nothing(app: TestApp) {
    // A branch secretary reads no ledger, however it is narrowed.
    let d01 = app.client("d01").await;
    for query in ["", "unit=D01", "unit=D01&from=2000-01-01", "text=x"] {
        let (status, _) = ledger(&d01, query).await;
        assert_eq!(status, 403, "{query}");
    }
    // A viewer reads the published year's, not the open year's.
    let lingdao = app.client("lingdao").await;
    let (status, page) = ledger(&lingdao, "unit=D01").await;
    assert_eq!(status, 200);
    assert_eq!(total(&page), 3);
    let r = lingdao
        .get("/periods/2/ledger?unit=D01&from=2000-01-01")
        .await;
    assert_eq!(r.status, 403);
    // Only who recorded in the period is listed to choose from.
    let admin = app.client("admin").await;
    let (_, page) = ledger(&admin, "").await;
    let start = page.find("name=\"recorder\"").expect("the recorder select");
    let recorders = &page[start..start + page[start..].find("</select>").unwrap()];
    assert!(recorders.contains("安全科考核员"), "{recorders}");
    assert!(!recorders.contains("厂领导"), "{recorders}");
    assert!(!recorders.contains("供电车间党支部书记"), "{recorders}");
}

async fn audit_log_in_chinese_filtered_and_paged(app: TestApp) {
    let admin = app.client("admin").await;
    // A finding recorded in the open year, beside what the demo wrote (its start, logins, publication).
    let anquan_client = app.client("anquan").await;
    let r = anquan_client
        .record(
            2,
            &serde_json::json!({"unit": "D03", "code": "1.4.3", "note": "未开展安全教育"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let log = app.store().audit_log(100_000).await.unwrap();
    let r = admin.get("/audit").await;
    assert_eq!(r.status, 200);
    let page = r.text();
    assert_eq!(total(&page), log.len() as i64);
    // Every action on the page by its Chinese name, never its stored key.
    for a in AuditAction::ALL {
        assert!(
            !page.contains(&format!("<td>{}</td>", a.key())),
            "{} shown raw",
            a.key()
        );
    }
    // Each action the demo wrote, chosen in the filter, listed by its name.
    let mut actions: Vec<&str> = log.iter().map(|a| a.action.as_str()).collect();
    actions.sort_unstable();
    actions.dedup();
    assert!(actions.len() >= 4, "{actions:?}");
    for key in actions {
        let action = AuditAction::from_key(key).unwrap_or_else(|| panic!("{key} has no name"));
        let page = admin.get(&format!("/audit?action={key}")).await.text();
        assert!(
            page.contains(&format!("<td>{}</td>", action.name())),
            "{key}"
        );
        assert!(
            !page.contains(&format!("<td>{key}</td>")),
            "{key} shown raw"
        );
    }

    // By action, by user, by text, by days.
    let (anquan, _) = app.user_and_department("anquan").await;
    let page = admin.get("/audit?action=publish").await.text();
    assert_eq!(
        total(&page),
        log.iter().filter(|a| a.action == "publish").count() as i64
    );
    assert!(page.contains("<option value=\"publish\" selected>发布</option>"));
    let page = admin
        .get(&format!("/audit?user={}", anquan.id))
        .await
        .text();
    let by_anquan = log.iter().filter(|a| a.user_id == Some(anquan.id)).count() as i64;
    assert!(by_anquan > 0);
    assert_eq!(total(&page), by_anquan);
    let page = admin
        .get("/audit?text=%E7%AE%A1%E7%90%86%E5%91%98")
        .await
        .text(); // 管理员
    assert_eq!(
        total(&page),
        log.iter().filter(|a| a.detail.contains("管理员")).count() as i64
    );
    let page = admin
        .get("/audit?from=2000-01-01&to=2000-01-02")
        .await
        .text();
    assert_eq!(total(&page), 0);

    // Paging: 50 a page, newest first, links keeping the filter.
    for i in 0..60 {
        app.store()
            .audit(
                Some(anquan.id),
                AuditAction::Login.key(),
                &format!("测试登录{i}"),
            )
            .await
            .unwrap();
    }
    let page = admin
        .get("/audit?action=login&from=2000-01-01")
        .await
        .text();
    let logins = 60 + log.iter().filter(|a| a.action == "login").count() as i64;
    assert_eq!(total(&page), logins);
    assert!(page.contains("测试登录59"), "newest first");
    assert!(!page.contains("测试登录9<"), "the tenth is on page 2");
    assert!(page.contains("href=\"/audit?action=login&amp;from=2000-01-01&amp;page=2\""));
    let second = admin
        .get("/audit?action=login&from=2000-01-01&page=2")
        .await
        .text();
    assert!(second.contains("测试登录9<"));

    // Bad values said, and only the administrator reads the log, however narrowed.
    let r = admin.get("/audit?to=2024-02-30").await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("截止日期：“2024-02-30”不是有效日期"));
    let r = admin.get("/audit?action=nope").await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("操作：没有“nope”这种操作"));
    assert_eq!(
        anquan_client
            .get(&format!("/audit?user={}", anquan.id))
            .await
            .status,
        403
    );
}
