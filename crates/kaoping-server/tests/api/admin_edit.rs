//! Administration that edits (issue 11, part 5): one page per kind under a side navigation; edit forms
//! that keep what was typed and say each problem beside its field; deletes of what nothing uses, through
//! a confirmation page with a reason, refused naming the use otherwise; period names unique (also under
//! twenty racing creates); the last administrator kept; only the administrator; and the integrity check
//! still passing after all of it.

use serde_json::json;

use crate::helpers::{Resp, TestApp, UserClient};

on_both!(
    each_kind_has_its_page_under_the_side_navigation,
    edits_are_saved_and_shown,
    a_refused_edit_keeps_what_was_typed_beside_the_field,
    what_nothing_uses_is_deleted_with_a_reason,
    what_is_used_is_not_deleted_and_the_use_is_named,
    period_names_are_unique,
    twenty_racing_creates_of_one_period_name_one_lands,
    twenty_racing_creates_of_one_department_name_one_lands,
    administrators_keep_one_of_them,
    only_the_administrator_edits,
);

const PAGES: [(&str, &str); 5] = [
    ("/admin/users", "用户"),
    ("/admin/departments", "部门"),
    ("/admin/org", "组织"),
    ("/admin/rubrics", "考评细则"),
    ("/admin/periods", "考评期"),
];

/// The text of a page with maud's escapes of quotes undone.
fn text(r: &Resp) -> String {
    r.text().replace("&quot;", "\"").replace("&#39;", "'")
}

/// The message a redirect carries (`?msg=` or `?err=`), decoded.
fn carried(r: &Resp) -> String {
    let loc = r.location().unwrap_or_default();
    reqwest::Url::parse(&format!("http://x{loc}"))
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| format!("[{k}] {v}"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

async fn post(c: &UserClient, path: &str, fields: &[(&str, &str)]) -> Resp {
    c.post_form(&c.with_csrf(path), fields).await
}

async fn department_id(app: &TestApp, code: &str) -> i64 {
    let d = app.store().departments().await.unwrap();
    d.iter().find(|d| d.code == code).expect(code).id
}

async fn org_id(app: &TestApp, code: &str) -> i64 {
    let org = app.store().org_units().await.unwrap();
    org.iter().find(|u| u.code == code).expect(code).id
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    app.store()
        .user_by_username(username)
        .await
        .unwrap()
        .expect(username)
        .id
}

async fn period_id(app: &TestApp, name: &str) -> Option<i64> {
    let periods = app.store().periods().await.unwrap();
    periods.iter().find(|p| p.name == name).map(|p| p.id)
}

/// The integrity check, run now, passes.
async fn intact(admin: &UserClient) {
    let r = post(admin, "/admin/integrity", &[]).await;
    assert_eq!(r.status, 303);
    let page = admin.get("/admin/integrity").await.text();
    assert!(page.contains("校验通过"), "{page}");
}

async fn each_kind_has_its_page_under_the_side_navigation(app: TestApp) {
    let admin = app.client("admin").await;
    let overview = admin.get("/admin").await;
    assert_eq!(overview.status, 200);
    let t = text(&overview);
    assert!(t.contains("<nav class=\"side\""), "{t}");
    for (path, name) in PAGES {
        assert!(
            t.contains(&format!("href=\"{path}\"")),
            "overview links {path}"
        );
        let r = admin.get(path).await;
        assert_eq!(r.status, 200, "{path}");
        let t = text(&r);
        assert!(t.contains("<nav class=\"side\""), "{path}");
        assert!(
            t.contains(&format!("href=\"{path}\" aria-current=\"page\">{name}</a>")),
            "{path} is marked current: {t}"
        );
        for (other, _) in PAGES.iter().filter(|(p, _)| *p != path) {
            assert!(!t.contains(&format!("href=\"{other}\" aria-current")));
        }
    }
    // The new-period form's units: a grid of checkboxes, each with its name.
    let t = text(&admin.get("/admin/periods").await);
    assert!(t.contains("<div class=\"checks\">"), "{t}");
    assert!(t.contains("<label class=\"check\"><input type=\"checkbox\" name=\"unit\""));
}

async fn edits_are_saved_and_shown(app: TestApp) {
    let admin = app.client("admin").await;

    // A user: name, role, department.
    let lingdao = user_id(&app, "lingdao").await;
    let form = admin.get(&format!("/admin/users/{lingdao}/edit")).await;
    assert_eq!(form.status, 200);
    assert!(text(&form).contains("value=\"厂领导\""), "pre-filled");
    let aqk = department_id(&app, "AQK").await.to_string();
    let r = post(
        &admin,
        &format!("/admin/users/{lingdao}/edit"),
        &[
            ("display_name", "副厂长"),
            ("role", "assessor"),
            ("department", &aqk),
            ("unit", ""),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(carried(&r).contains("已修改用户lingdao"));
    let page = text(&admin.get("/admin/users").await);
    assert!(page.contains("副厂长"), "{page}");
    let u = app.store().user(lingdao).await.unwrap();
    assert_eq!(u.username, "lingdao", "the username stays");
    assert_eq!(u.department_id, Some(aqk.parse().unwrap()));

    // A department of its own: code and name.
    post(
        &admin,
        "/admin/departments",
        &[("code", "XCB"), ("name", "宣传部")],
    )
    .await;
    let xcb = department_id(&app, "XCB").await;
    let r = post(
        &admin,
        &format!("/admin/departments/{xcb}/edit"),
        &[("code", "XCK"), ("name", "宣传科")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = text(&admin.get("/admin/departments").await);
    assert!(page.contains("宣传科") && page.contains("XCK"), "{page}");

    // A node: name, kind and parent.
    let dlc = org_id(&app, "DLC").await.to_string();
    post(
        &admin,
        "/admin/org",
        &[
            ("code", "X01"),
            ("name", "新支部"),
            ("kind", "unit"),
            ("parent", &dlc),
        ],
    )
    .await;
    let x01 = org_id(&app, "X01").await;
    let form = text(&admin.get(&format!("/admin/org/{x01}/edit")).await);
    assert!(form.contains("value=\"新支部\""));
    let r = post(
        &admin,
        &format!("/admin/org/{x01}/edit"),
        &[
            ("code", "X02"),
            ("name", "新成立支部"),
            ("kind", "group"),
            ("parent", ""),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = text(&admin.get("/admin/org").await);
    assert!(
        page.contains("新成立支部") && page.contains("X02"),
        "{page}"
    );

    // A rubric version's label.
    let r = post(
        &admin,
        "/admin/rubrics/1/edit",
        &[("label", "2023年起用的细则")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = text(&admin.get("/admin/rubrics").await);
    assert!(page.contains("2023年起用的细则"), "{page}");
    assert!(text(&admin.get("/admin/rubrics/1/edit").await).contains("内容不能修改"));

    // The open period: name and year; the published one is not edited.
    let r = post(
        &admin,
        "/admin/periods/2/edit",
        &[("name", "2024年度党建工作考评（修订）"), ("year", "2025")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = text(&admin.get("/admin/periods").await);
    assert!(page.contains("2024年度党建工作考评（修订）"), "{page}");
    assert_eq!(app.store().period(2).await.unwrap().year, 2025);
    assert!(text(&admin.get("/periods/2").await).contains("2024年度党建工作考评（修订）"));
    let r = post(
        &admin,
        "/admin/periods/1/edit",
        &[("name", "改名"), ("year", "2023")],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(text(&r).contains("已发布的考评期不能修改"));
    assert_eq!(
        app.store().period(1).await.unwrap().name,
        "2023年度党建工作考评"
    );

    // Each change is in the log, and everything still verifies.
    let log = text(&admin.get("/audit").await);
    for words in ["修改用户lingdao", "修改部门宣传部", "修改考评期"] {
        assert!(log.contains(words), "{words}: {log}");
    }
    intact(&admin).await;
}

async fn a_refused_edit_keeps_what_was_typed_beside_the_field(app: TestApp) {
    let admin = app.client("admin").await;

    // A year in words: the typed name and year come back, the problem beside the year.
    let r = post(
        &admin,
        "/admin/periods/2/edit",
        &[("name", "新的名字"), ("year", "明年")],
    )
    .await;
    assert_eq!(r.status, 422);
    let t = text(&r);
    assert!(t.contains("value=\"新的名字\""), "{t}");
    assert!(t.contains("value=\"明年\""), "{t}");
    assert!(
        t.contains("aria-describedby=\"year-error\">")
            && t.contains("<span class=\"field-error\" id=\"year-error\" role=\"alert\">年度：“明年”不是2000至2100之间的年份</span>"),
        "{t}"
    );
    assert!(!t.contains("name-error"), "no problem with the name");
    assert_eq!(
        app.store().period(2).await.unwrap().name,
        "2024年度党建工作考评"
    );

    // An assessor without a department.
    let lingdao = user_id(&app, "lingdao").await;
    let r = post(
        &admin,
        &format!("/admin/users/{lingdao}/edit"),
        &[
            ("display_name", "改过的名字"),
            ("role", "assessor"),
            ("department", ""),
            ("unit", ""),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    let t = text(&r);
    assert!(t.contains("value=\"改过的名字\""));
    assert!(t.contains("<option value=\"assessor\" selected>"), "{t}");
    assert!(
        t.contains("id=\"department-error\" role=\"alert\">部门：考核部门的用户必须选择所属部门")
    );

    // A department code emptied, and a name that leaves the open period's items without an owner.
    let aqk = department_id(&app, "AQK").await;
    let r = post(
        &admin,
        &format!("/admin/departments/{aqk}/edit"),
        &[("code", " "), ("name", "安全环保科")],
    )
    .await;
    assert_eq!(r.status, 422);
    let t = text(&r);
    assert!(t.contains("value=\"安全环保科\""));
    assert!(t.contains("id=\"code-error\" role=\"alert\">部门编号：不能为空"));
    let r = post(
        &admin,
        &format!("/admin/departments/{aqk}/edit"),
        &[("code", "AQK"), ("name", "安全环保科")],
    )
    .await;
    assert_eq!(r.status, 422);
    let t = text(&r);
    assert!(
        t.contains("id=\"name-error\" role=\"alert\">部门名称：考评期“2024年度党建工作考评”的考评细则以“安全科”指定责任部门"),
        "{t}"
    );

    // A parent under the node itself: the tree would turn into a circle.
    let dlc = org_id(&app, "DLC").await;
    let d01 = org_id(&app, "D01").await.to_string();
    let r = post(
        &admin,
        &format!("/admin/org/{dlc}/edit"),
        &[
            ("code", "DLC"),
            ("name", "动力厂"),
            ("kind", "organisation"),
            ("parent", &d01),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    let t = text(&r);
    assert!(
        t.contains("id=\"parent-error\" role=\"alert\">上级：")
            && t.contains("的下级，选它作上级会使组织成环"),
        "{t}"
    );
    // A used unit's code, and a published unit's name.
    let d01_id = org_id(&app, "D01").await;
    let r = post(
        &admin,
        &format!("/admin/org/{d01_id}/edit"),
        &[
            ("code", "D01X"),
            ("name", "供电车间党支部"),
            ("kind", "unit"),
            ("parent", &dlc.to_string()),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(text(&r).contains("id=\"code-error\" role=\"alert\">编号：考评期"));
    let r = post(
        &admin,
        &format!("/admin/org/{d01_id}/edit"),
        &[
            ("code", "D01"),
            ("name", "改名支部"),
            ("kind", "unit"),
            ("parent", &dlc.to_string()),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    let t = text(&r);
    assert!(t.contains("value=\"改名支部\""));
    assert!(
        t.contains("id=\"name-error\" role=\"alert\">名称：已发布的考评期"),
        "{t}"
    );

    // The create forms keep what was typed too.
    let r = post(
        &admin,
        "/admin/departments",
        &[("code", "AQK"), ("name", "新的部门")],
    )
    .await;
    assert_eq!(r.status, 422);
    let t = text(&r);
    assert!(t.contains("value=\"新的部门\""), "{t}");
    assert!(
        t.contains("id=\"code-error\" role=\"alert\">部门编号：“AQK”已存在"),
        "{t}"
    );
    let r = post(
        &admin,
        "/admin/users",
        &[
            ("username", "xinren"),
            ("display_name", "新人"),
            ("role", "leader"),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    let t = text(&r);
    assert!(
        t.contains("value=\"xinren\"") && t.contains("value=\"新人\""),
        "{t}"
    );
    assert!(t.contains("<option value=\"leader\" selected>"), "{t}");
    assert!(t.contains("id=\"unit-error\" role=\"alert\">单位："), "{t}");

    // A new period's refusal keeps the form as typed, units included.
    let d02 = org_id(&app, "D02").await.to_string();
    let r = post(
        &admin,
        "/admin/periods",
        &[
            ("name", "2026年度"),
            ("year", "两千"),
            ("rubric", "1"),
            ("scope", "selected"),
            ("unit", &d02),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    let t = text(&r);
    assert!(t.contains("value=\"2026年度\"") && t.contains("value=\"两千\""));
    assert!(t.contains(&format!("value=\"{d02}\" checked")), "{t}");
    assert!(t.contains("id=\"year-error\" role=\"alert\">年度："));
    intact(&admin).await;
}

async fn what_nothing_uses_is_deleted_with_a_reason(app: TestApp) {
    let admin = app.client("admin").await;

    // A department: the confirmation says what, the reason is required, then it is gone.
    post(
        &admin,
        "/admin/departments",
        &[("code", "LSB"), ("name", "临时部门")],
    )
    .await;
    let lsb = department_id(&app, "LSB").await;
    let path = format!("/admin/departments/{lsb}/delete");
    let confirm = admin.get(&path).await;
    assert_eq!(confirm.status, 200);
    let t = text(&confirm);
    assert!(
        t.contains("将删除") && t.contains("部门“临时部门”（LSB）"),
        "{t}"
    );
    assert!(t.contains("name=\"reason\""));
    let r = post(&admin, &path, &[("reason", "  ")]).await;
    assert_eq!(r.status, 422);
    assert!(text(&r).contains("id=\"reason-error\" role=\"alert\">删除原因：不能为空"));
    assert!(
        app.store().department(lsb).await.is_ok(),
        "kept without a reason"
    );
    let r = post(&admin, &path, &[("reason", "建错了")]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(carried(&r).contains("已删除部门“临时部门”"));
    assert!(app.store().department(lsb).await.is_err());
    assert!(!text(&admin.get("/admin/departments").await).contains("临时部门"));

    // A node.
    post(
        &admin,
        "/admin/org",
        &[("code", "TMP"), ("name", "临时节点"), ("kind", "group")],
    )
    .await;
    let tmp = org_id(&app, "TMP").await;
    let r = post(
        &admin,
        &format!("/admin/org/{tmp}/delete"),
        &[("reason", "不再需要")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(!app
        .store()
        .org_units()
        .await
        .unwrap()
        .iter()
        .any(|u| u.code == "TMP"));

    // A rubric version no period uses.
    let admin_id = user_id(&app, "admin").await;
    let toml = app.store().rubric(1).await.unwrap().toml;
    let spare = app
        .store()
        .save_rubric("备用细则", &toml, admin_id)
        .await
        .unwrap();
    let r = post(
        &admin,
        &format!("/admin/rubrics/{}/delete", spare.id),
        &[("reason", "重复上传")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(app.store().rubric(spare.id).await.is_err());

    // A period that holds nothing.
    let r = post(
        &admin,
        "/admin/periods",
        &[
            ("name", "试用考评期"),
            ("year", "2025"),
            ("rubric", "1"),
            ("scope", "all"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let trial = period_id(&app, "试用考评期").await.expect("created");
    let r = post(
        &admin,
        &format!("/admin/periods/{trial}/delete"),
        &[("reason", "只是试试")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(period_id(&app, "试用考评期").await.is_none());
    assert_eq!(admin.get(&format!("/periods/{trial}")).await.status, 404);

    // The reasons are in the log, and every deletion is linked: the chains verify.
    let log = text(&admin.get("/audit").await);
    for words in ["建错了", "不再需要", "重复上传", "只是试试"] {
        assert!(log.contains(words), "{words}");
    }
    intact(&admin).await;
    // A deletion behind the application's back is still found.
    app.behind_the_app("DELETE FROM period_units WHERE period_id = 2")
        .await;
    let report = app.store().verify_chains().await.unwrap();
    assert!(!report.intact());
}

async fn what_is_used_is_not_deleted_and_the_use_is_named(app: TestApp) {
    let admin = app.client("admin").await;

    // 安全科 has its assessor.
    let aqk = department_id(&app, "AQK").await;
    let path = format!("/admin/departments/{aqk}/delete");
    let t = text(&admin.get(&path).await);
    assert!(t.contains("仍有1名用户"), "{t}");
    assert!(
        !t.contains("name=\"reason\""),
        "no form for what cannot be deleted"
    );
    let r = post(&admin, &path, &[("reason", "试试")]).await;
    assert_eq!(r.status, 409);
    assert!(
        text(&r).contains("部门“安全科”（AQK）仍有1名用户"),
        "{}",
        text(&r)
    );
    assert!(app.store().department(aqk).await.is_ok());

    // A unit in periods, with a leader; the organisation with its children.
    let d01 = org_id(&app, "D01").await;
    let r = post(
        &admin,
        &format!("/admin/org/{d01}/delete"),
        &[("reason", "试试")],
    )
    .await;
    assert_eq!(r.status, 409);
    let t = text(&r);
    assert!(
        t.contains("1名用户") && t.contains("考评期“2023年度党建工作考评”"),
        "{t}"
    );
    let dlc = org_id(&app, "DLC").await;
    let t = text(&admin.get(&format!("/admin/org/{dlc}/delete")).await);
    assert!(t.contains("个下级节点"), "{t}");

    // The rubric the periods are scored under.
    let r = post(&admin, "/admin/rubrics/1/delete", &[("reason", "试试")]).await;
    assert_eq!(r.status, 409);
    assert!(text(&r).contains("2个考评期在使用"), "{}", text(&r));

    // The published period, and the open one once it has an entry.
    let r = post(&admin, "/admin/periods/1/delete", &[("reason", "试试")]).await;
    assert_eq!(r.status, 409);
    assert!(text(&r).contains("已发布的结果"), "{}", text(&r));
    let dangong = app.client("dangong").await;
    let recorded = dangong
        .record(
            2,
            &json!({"unit": "D07", "code": "6.1.1", "points": "1.5", "note": "一条记录"}),
        )
        .await;
    assert_eq!(recorded.status, 201, "{}", recorded.text());
    let t = text(&admin.get("/admin/periods/2/delete").await);
    assert!(t.contains("1条考核记录"), "{t}");
    let r = post(&admin, "/admin/periods/2/delete", &[("reason", "试试")]).await;
    assert_eq!(r.status, 409);
    assert!(app.store().period(2).await.is_ok());
    intact(&admin).await;
}

async fn period_names_are_unique(app: TestApp) {
    let admin = app.client("admin").await;
    // The same name with other spaces: refused beside the name, as typed.
    let r = post(
        &admin,
        "/admin/periods",
        &[
            ("name", " 2024年度 党建工作考评 "),
            ("year", "2024"),
            ("rubric", "1"),
            ("scope", "all"),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    let t = text(&r);
    assert!(
        t.contains("id=\"name-error\" role=\"alert\">名称：已有考评期“2024年度党建工作考评”"),
        "{t}"
    );
    assert!(t.contains("value=\" 2024年度 党建工作考评 \""));
    assert_eq!(app.store().periods().await.unwrap().len(), 2);
    // Letters without regard to case.
    post(
        &admin,
        "/admin/periods",
        &[
            ("name", "Trial A"),
            ("year", "2025"),
            ("rubric", "1"),
            ("scope", "all"),
        ],
    )
    .await;
    let r = post(
        &admin,
        "/admin/periods",
        &[
            ("name", "trial a"),
            ("year", "2025"),
            ("rubric", "1"),
            ("scope", "all"),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    // Renaming onto another period's name.
    let r = post(
        &admin,
        "/admin/periods/2/edit",
        &[("name", "2023年度党建工作考评"), ("year", "2024")],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(text(&r).contains("id=\"name-error\""));
    // Keeping its own name is no clash.
    let r = post(
        &admin,
        "/admin/periods/2/edit",
        &[("name", "2024年度党建工作考评"), ("year", "2024")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
}

/// Twenty creates posted to `path` at once, alternately to this server and a second one on the same
/// database, the `i`th with `fields(i)`; asserts that exactly one lands, saying `landed`, and that every
/// other is refused with a message containing one of `refusal`.
async fn twenty_racing_creates(
    app: &TestApp,
    path: &'static str,
    fields: fn(usize) -> Vec<(&'static str, String)>,
    landed_says: &str,
    refusal: &[&str],
) {
    let b = app.spawn_other_server().await;
    let on_a = app.client("admin").await;
    let on_b = on_a.at(&b.base_url);
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let c = if i % 2 == 0 {
                on_a.clone()
            } else {
                on_b.clone()
            };
            tokio::spawn(async move {
                let fields = fields(i);
                let fields: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                post(&c, path, &fields).await
            })
        })
        .collect();
    let mut landed = 0;
    for t in tasks {
        let r = t.await.unwrap();
        if r.status == 303 {
            assert!(carried(&r).contains(landed_says), "{}", carried(&r));
            landed += 1;
        } else {
            assert!(
                r.status == 422 || r.status == 409,
                "{}: {}",
                r.status,
                r.text()
            );
            let t = text(&r);
            assert!(refusal.iter().any(|m| t.contains(m)), "{t}");
        }
    }
    assert_eq!(landed, 1, "exactly one lands");
}

async fn twenty_racing_creates_of_one_period_name_one_lands(app: TestApp) {
    twenty_racing_creates(
        &app,
        "/admin/periods",
        |i| {
            let name = if i % 3 == 0 {
                "并发考评期"
            } else {
                " 并发 考评期"
            };
            vec![
                ("name", name.to_string()),
                ("year", "2025".into()),
                ("rubric", "1".into()),
                ("scope", "all".into()),
            ]
        },
        "已新建考评期",
        &["已有考评期", "同名的考评期已存在"],
    )
    .await;
    let named = app
        .store()
        .periods()
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.name.contains("并发"))
        .count();
    assert_eq!(named, 1);
}

/// Department names have no unique index: the check runs under the organisation's lock, in the insert's
/// transaction, so of twenty creates of one name (each with its own code) on two servers one lands.
async fn twenty_racing_creates_of_one_department_name_one_lands(app: TestApp) {
    twenty_racing_creates(
        &app,
        "/admin/departments",
        |i| vec![("code", format!("BF{i:02}")), ("name", "并发办".into())],
        "已新建部门",
        &["“并发办”已存在"],
    )
    .await;
    let named = app
        .store()
        .departments()
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.name == "并发办")
        .count();
    assert_eq!(named, 1);
}

async fn administrators_keep_one_of_them(app: TestApp) {
    let admin = app.client("admin").await;
    let me = user_id(&app, "admin").await;
    // Not oneself.
    let r = post(
        &admin,
        &format!("/admin/users/{me}/active"),
        &[("active", "0")],
    )
    .await;
    assert_eq!(r.status, 303);
    assert!(
        carried(&r).contains("不能停用自己的账号"),
        "{}",
        carried(&r)
    );
    let r = post(
        &admin,
        &format!("/admin/users/{me}/edit"),
        &[
            ("display_name", "管理员"),
            ("role", "viewer"),
            ("department", ""),
            ("unit", ""),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(text(&r).contains("id=\"role-error\" role=\"alert\">角色：不能取消自己的管理员角色"));
    assert!(app.store().user(me).await.unwrap().active);
    // Not the last active administrator, whoever asks.
    let refused = app.store().set_user_active(me, false).await.unwrap_err();
    assert!(
        refused.to_string().contains("最后一位启用的管理员"),
        "{refused}"
    );
    // With a second one, the first may go.
    let lingdao = user_id(&app, "lingdao").await;
    let r = post(
        &admin,
        &format!("/admin/users/{lingdao}/edit"),
        &[
            ("display_name", "厂领导"),
            ("role", "admin"),
            ("department", ""),
            ("unit", ""),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    app.store().set_user_active(me, false).await.unwrap();
    let refused = app
        .store()
        .set_user_active(lingdao, false)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("最后一位"));
}

async fn only_the_administrator_edits(app: TestApp) {
    let aqk = department_id(&app, "AQK").await;
    let d01 = org_id(&app, "D01").await;
    let lingdao_id = user_id(&app, "lingdao").await;
    let gets = [
        "/admin".to_string(),
        "/admin/users".to_string(),
        "/admin/departments".to_string(),
        "/admin/org".to_string(),
        "/admin/rubrics".to_string(),
        "/admin/periods".to_string(),
        format!("/admin/users/{lingdao_id}/edit"),
        format!("/admin/departments/{aqk}/edit"),
        format!("/admin/departments/{aqk}/delete"),
        format!("/admin/org/{d01}/edit"),
        format!("/admin/org/{d01}/delete"),
        "/admin/rubrics/1/edit".to_string(),
        "/admin/rubrics/1/delete".to_string(),
        "/admin/periods/2/edit".to_string(),
        "/admin/periods/2/delete".to_string(),
    ];
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("/admin/users/{lingdao_id}/edit"),
            vec![("display_name", "x"), ("role", "admin")],
        ),
        (
            format!("/admin/departments/{aqk}/edit"),
            vec![("code", "X"), ("name", "X")],
        ),
        (
            format!("/admin/departments/{aqk}/delete"),
            vec![("reason", "x")],
        ),
        (
            format!("/admin/org/{d01}/edit"),
            vec![("code", "X"), ("name", "X"), ("kind", "unit")],
        ),
        (format!("/admin/org/{d01}/delete"), vec![("reason", "x")]),
        ("/admin/rubrics/1/edit".to_string(), vec![("label", "x")]),
        ("/admin/rubrics/1/delete".to_string(), vec![("reason", "x")]),
        (
            "/admin/periods/2/edit".to_string(),
            vec![("name", "x"), ("year", "2025")],
        ),
        ("/admin/periods/2/delete".to_string(), vec![("reason", "x")]),
    ];
    for who in ["anquan", "d01", "lingdao"] {
        let c = app.client(who).await;
        for path in &gets {
            assert_eq!(c.get(path).await.status, 403, "{who} GET {path}");
        }
        for (path, fields) in &posts {
            assert_eq!(
                post(&c, path, fields).await.status,
                403,
                "{who} POST {path}"
            );
        }
    }
    // Nothing changed.
    assert_eq!(app.store().department(aqk).await.unwrap().code, "AQK");
    assert_eq!(
        app.store().period(2).await.unwrap().name,
        "2024年度党建工作考评"
    );
}
