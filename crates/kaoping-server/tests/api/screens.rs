//! The everyday screens as each role reads them: the overview's progress and charts, the summary's groups,
//! the notice's title and columns, the sheet's standing, error pages with the user's navigation, and the
//! confirmation before a one-way step.

use serde_json::json;

use crate::helpers::TestApp;

on_both!(
    the_overview_shows_each_departments_progress_and_the_spread_of_scores,
    a_leader_sees_the_ranking_at_a_glance_and_no_progress,
    the_summary_heads_each_ranking_group_and_shows_only_the_columns_the_rubric_has,
    the_notice_title_is_not_doubled,
    a_sheet_shows_its_sections_against_the_group_and_its_years,
    error_pages_keep_the_users_navigation,
);

/// The 2024 card of the overview (the newer period comes second).
fn card_2024(page: &str) -> &str {
    let at = page.find("2024年度党建工作考评").expect("the 2024 period");
    &page[at..]
}

async fn the_overview_shows_each_departments_progress_and_the_spread_of_scores(app: TestApp) {
    let admin = app.client("admin").await;
    let page = admin.get("/").await.text();
    assert!(page.contains("各部门进度"), "{page}");
    // 2023 is scored in full; its spread in bands of five: five units between 85 and 90.
    assert!(page.contains("各单位最终得分分布（每5分一档）"), "{page}");
    assert!(page.contains("85–90分：5个单位"), "{page}");
    // 2024: 党工部 owns 6.1 and 7.1, scored by judgement: 18 units × 2 items still to score.
    let (_, dept) = app.user_and_department("dangong").await;
    let dept = dept.expect("党工部").id;
    let link = format!("/periods/2/grid?department={dept}");
    let open = card_2024(&page);
    assert!(open.contains("党工部：0%"), "{open}");
    assert!(open.contains(&format!("href=\"{link}\">18</a>")), "{open}");
    assert!(open.contains("尚未评完的单位"), "{open}");

    // One score entered moves the bar: 1 of 36.
    let dangong = app.client("dangong").await;
    let r = dangong
        .record(
            2,
            &json!({"unit": "D01", "code": "6.1", "points": "4", "note": "完成上级交办任务"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let page = admin.get("/").await.text();
    let open = card_2024(&page);
    assert!(open.contains("党工部：2%"), "{open}");
    assert!(
        open.contains(&format!("href=\"{link}\">18</a>")),
        "D01 still lacks 7.1: {open}"
    );
    // An assessor sees the same overview.
    let theirs = dangong.get("/").await.text();
    assert!(card_2024(&theirs).contains("党工部：2%"), "{theirs}");
}

async fn a_leader_sees_the_ranking_at_a_glance_and_no_progress(app: TestApp) {
    let leader = app.client("lingdao").await;
    let page = leader.get("/").await.text();
    assert!(page.contains("排名一览"), "{page}");
    assert!(page.contains("供电车间党支部：100"), "{page}");
    assert!(!page.contains("各部门进度"), "{page}");
    assert!(
        !page.contains("2024年度党建工作考评"),
        "unpublished: {page}"
    );
}

async fn the_summary_heads_each_ranking_group_and_shows_only_the_columns_the_rubric_has(
    app: TestApp,
) {
    let admin = app.client("admin").await;
    let page = admin.get("/periods/1").await.text();
    // Ranks restart in each group, so each group is headed, in the table and in the phone's list.
    assert_eq!(page.matches("class=\"group-head\"").count(), 4, "{page}");
    assert!(page.contains("机关（组内排名）"), "{page}");
    assert!(page.contains("生产单位（组内排名）"), "{page}");
    assert_eq!(page.matches("class=\"rank-row").count(), 18, "{page}");
    // Scheme A has neither a pass mark nor grades: no empty 是否合格 and 等次 columns.
    assert!(!page.contains("是否合格"), "{page}");
    assert!(!page.contains("<th>等次</th>"), "{page}");
    // A group chosen: no headings, its ranks alone.
    let offices = admin
        .get(&format!("/periods/1?group={}", "%E6%9C%BA%E5%85%B3"))
        .await
        .text();
    assert!(!offices.contains("class=\"group-head\""), "{offices}");
    assert_eq!(offices.matches("class=\"rank-row").count(), 4, "{offices}");
}

async fn the_notice_title_is_not_doubled(app: TestApp) {
    let admin = app.client("admin").await;
    let notice = admin.get("/periods/1/notice").await.text();
    assert!(notice.contains("2023年度党建工作考评结果通报"), "{notice}");
    assert!(!notice.contains("考评考评"), "{notice}");
    // Groups are headed where their ranks restart; no 等次 or 是否合格 for a rubric without them.
    assert!(
        notice.contains("<td colspan=\"3\">生产单位</td>"),
        "{notice}"
    );
    assert!(!notice.contains("是否合格"), "{notice}");
}

async fn a_sheet_shows_its_sections_against_the_group_and_its_years(app: TestApp) {
    let admin = app.client("admin").await;
    let sheet = admin.get("/periods/2/units/D01").await.text();
    assert!(sheet.contains("各栏目得分与生产单位平均"), "{sheet}");
    assert!(sheet.contains("历年最终得分"), "{sheet}");
    assert!(sheet.contains("2023年：100分"), "{sheet}");
    assert!(sheet.contains("（考评中的为暂计）"), "{sheet}");
    // The phone's cards: one per item, its criteria folded.
    assert!(sheet.contains("class=\"item-card\""), "{sheet}");
    assert!(
        sheet.contains("<summary>考核内容与评分标准</summary>"),
        "{sheet}"
    );

    // The branch's secretary sees the years, but the group's average only once it is published (before
    // then the others' scores are not theirs to see).
    let d01 = app.client("d01").await;
    let open = d01.get("/periods/2/units/D01").await.text();
    assert!(open.contains("历年最终得分"), "{open}");
    assert!(open.contains("2023年：100分"), "{open}");
    assert!(!open.contains("平均"), "{open}");
    let published = d01.get("/periods/1/units/D01").await.text();
    assert!(
        published.contains("各栏目得分与生产单位平均"),
        "{published}"
    );
}

async fn error_pages_keep_the_users_navigation(app: TestApp) {
    let admin = app.client("admin").await;
    let missing = admin.get("/periods/99").await;
    assert_eq!(missing.status, 404);
    let text = missing.text();
    assert!(text.contains("<h1>找不到</h1>"), "{text}");
    assert!(text.contains("考评期 99"), "{text}");
    assert!(text.contains("退出"), "the header: {text}");
    assert!(!text.contains("href=\"/login\""), "{text}");

    let d01 = app.client("d01").await;
    let refused = d01.get("/periods/2/units/D02").await;
    assert_eq!(refused.status, 403);
    let text = refused.text();
    assert!(text.contains("<h1>无权访问</h1>"), "{text}");
    assert!(
        text.contains("供电车间党支部书记"),
        "the user's name: {text}"
    );

    let unknown = d01.get("/no/such/page").await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.text().contains("退出"), "{}", unknown.text());

    // Someone not logged in is offered the login.
    let anonymous = app.anonymous().get("/no/such/page").await;
    assert_eq!(anonymous.status, 404);
    assert!(anonymous.text().contains("href=\"/login\""));
}
