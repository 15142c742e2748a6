//! The permission matrix over HTTP: for every demo role and every action the pages and the API offer,
//! the status the server answers agrees with `kaoping_app::allowed` — the one place the rules live.

use kaoping_app::{allowed, Action};
use serde_json::json;

use crate::helpers::{Resp, TestApp, UserClient};

on_both!(http_agrees_with_allowed, anonymous_users_are_sent_to_login);
on_both!(
    the_correction_form_asks_who_may_correct,
    audit_page_agrees_with_allowed,
    admin_page_agrees_with_allowed,
    review_appeals_and_administration_agree_with_allowed,
);

const ROLES: [&str; 4] = ["admin", "anquan", "d01", "lingdao"];

/// One request and what `allowed` says about it: the status when allowed (the request passes the
/// permission check) and when not.
struct Case {
    what: String,
    allowed: bool,
    ok: u16,
    denied: u16,
}

async fn org_id(app: &TestApp, code: &str) -> i64 {
    app.store()
        .org_units()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.code == code)
        .unwrap()
        .id
}

fn check(mismatches: &mut Vec<String>, who: &str, case: &Case, r: &Resp) {
    let want = if case.allowed { case.ok } else { case.denied };
    if r.status != want {
        mismatches.push(format!(
            "{who} {}: allowed = {}, expected {want}, got {} ({})",
            case.what,
            case.allowed,
            r.status,
            r.text().chars().take(200).collect::<String>()
        ));
    }
}

async fn http_agrees_with_allowed(app: TestApp) {
    let d01 = org_id(&app, "D01").await;
    let d02 = org_id(&app, "D02").await;
    let mut mismatches = Vec::new();
    for (i, who) in ROLES.into_iter().enumerate() {
        let c = app.client(who).await;
        let (user, dept) = app.user_and_department(who).await;
        let may = |a: Action<'_>| allowed(&user, dept.as_ref(), a);

        // Pages.
        for (period, published) in [(2, false), (1, true)] {
            let gets = [
                (
                    format!("GET /periods/{period}"),
                    may(Action::ViewSummary { published }),
                ),
                (
                    format!("GET /periods/{period}/notice"),
                    may(Action::ViewSummary { published }),
                ),
                (
                    format!("GET /periods/{period}/units/D01"),
                    may(Action::ViewSheet {
                        unit_id: d01,
                        published,
                    }),
                ),
                (
                    format!("GET /periods/{period}/units/D02"),
                    may(Action::ViewSheet {
                        unit_id: d02,
                        published,
                    }),
                ),
                (
                    format!("GET /api/periods/{period}/results"),
                    // The API shows a leader their own unit of a period they may not summarise.
                    may(Action::ViewSummary { published })
                        || may(Action::ViewSheet {
                            unit_id: d01,
                            published,
                        }) && user.unit_id == Some(d01),
                ),
            ];
            for (what, allowed) in gets {
                let path = what.trim_start_matches("GET ");
                let case = Case {
                    what: what.clone(),
                    allowed,
                    ok: 200,
                    denied: 403,
                };
                check(&mut mismatches, who, &case, &c.get(path).await);
            }
        }
        // The ledgers: their own permission, asked by the application (leaders never see them).
        for (period, published) in [(2, false), (1, true)] {
            for path in [
                format!("/periods/{period}/ledger"),
                format!("/api/periods/{period}/entries"),
            ] {
                let case = Case {
                    what: format!("GET {path}"),
                    allowed: may(Action::ViewLedger { published }),
                    ok: 200,
                    denied: 403,
                };
                check(&mut mismatches, who, &case, &c.get(&path).await);
            }
        }

        // Recording through the API: an item of 安全科 and one of 党工部, each on its own unit.
        let unit = format!("D{:02}", 10 + i);
        for (code, owner, count) in [("1.4.3", "安全科", None), ("3.2.1", "党工部", Some(1))]
        {
            let case = Case {
                what: format!("POST /api/periods/2/entries {code} ({owner})"),
                allowed: may(Action::RecordFinding {
                    owner: Some(owner),
                    published: false,
                }),
                ok: 201,
                denied: 403,
            };
            let r = c
                .record(2, &json!({"unit": unit, "code": code, "count": count}))
                .await;
            check(&mut mismatches, who, &case, &r);
            // The same on the published year: never allowed. Whoever records findings at all hears
            // that the period is locked (409); anyone else that they may not (403).
            let r = c
                .record(1, &json!({"unit": unit, "code": code, "count": count}))
                .await;
            let locked = may(Action::RecordFinding {
                owner: Some(owner),
                published: true,
            });
            let expected = if may(Action::EnterFindings) { 409 } else { 403 };
            if locked || r.status != expected {
                mismatches.push(format!(
                    "{who} POST /api/periods/1/entries {code}: allowed = {locked}, expected {expected}, got {}",
                    r.status
                ));
            }
        }
        // 自查: the unit's own self-assessment.
        for (code, unit_id) in [("D01", d01), ("D02", d02)] {
            let case = Case {
                what: format!("POST /api/periods/2/entries self-check {code}"),
                allowed: may(Action::SelfAssess {
                    unit_id,
                    published: false,
                }),
                ok: 201,
                denied: 403,
            };
            let r = c
                .record(
                    2,
                    &json!({"unit": code, "code": "1.4.3", "self_check": true, "note": "自查发现"}),
                )
                .await;
            check(&mut mismatches, who, &case, &r);
        }
        // Publishing: allowed means past the permission check, to the completeness check (409).
        let case = Case {
            what: "POST /api/periods/2/publish".into(),
            allowed: may(Action::Publish),
            ok: 409,
            denied: 403,
        };
        check(
            &mut mismatches,
            who,
            &case,
            &c.post_json("/api/periods/2/publish", &json!({})).await,
        );
        let case = Case {
            what: "POST /periods/2/publish (form)".into(),
            allowed: may(Action::Publish),
            ok: 303,
            denied: 403,
        };
        check(
            &mut mismatches,
            who,
            &case,
            &c.post_form(&c.with_csrf("/periods/2/publish"), &[]).await,
        );
    }
    assert!(
        mismatches.is_empty(),
        "HTTP disagrees with allowed():\n{}",
        mismatches.join("\n")
    );
}

async fn page_agrees(app: &TestApp, path: &str, action: Action<'_>) {
    let mut mismatches = Vec::new();
    for who in ROLES {
        let c: UserClient = app.client(who).await;
        let (user, dept) = app.user_and_department(who).await;
        let case = Case {
            what: format!("GET {path}"),
            allowed: allowed(&user, dept.as_ref(), action),
            ok: 200,
            denied: 403,
        };
        check(&mut mismatches, who, &case, &c.get(path).await);
    }
    let r = app.anonymous().get(path).await;
    if r.status != 303 || r.location() != Some(&format!("/login?next={path}")) {
        mismatches.push(format!("anonymous GET {path}: {}", r.status));
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

async fn admin_page_agrees_with_allowed(app: TestApp) {
    page_agrees(&app, "/admin", Action::Administer).await;
}

async fn audit_page_agrees_with_allowed(app: TestApp) {
    page_agrees(&app, "/audit", Action::ViewAudit).await;
}

async fn anonymous_users_are_sent_to_login(app: TestApp) {
    let anon = app.anonymous();
    for path in [
        "/",
        "/periods/1",
        "/periods/2",
        "/periods/1/notice",
        "/periods/1/units/D01",
        "/periods/2/units/D02",
        "/periods/2/ledger",
        "/periods/2/entries/new",
        "/periods/1/evidence/1",
        "/rubrics/1",
    ] {
        let r = anon.get(path).await;
        assert_eq!(r.status, 303, "{path}");
        assert_eq!(
            r.location(),
            Some(format!("/login?next={path}").as_str()),
            "{path}"
        );
    }
    for path in [
        "/api/me",
        "/api/periods",
        "/api/periods/1/results",
        "/api/periods/2/entries",
    ] {
        let r = anon.get(path).await;
        assert_eq!(r.status, 401, "{path}");
        assert_eq!(r.error(), "请先登录");
    }
    let r = anon
        .post_json_without_csrf(
            "/api/periods/2/entries",
            &json!({"unit": "D01", "code": "1.4.3"}),
        )
        .await;
    assert_eq!(r.status, 401);
    let r = anon
        .post_json_without_csrf("/api/periods/2/publish", &json!({}))
        .await;
    assert_eq!(r.status, 401);
    let r = anon.post_form("/periods/2/publish", &[]).await;
    assert_eq!(r.status, 303);
    assert!(app.store().entries(2).await.unwrap().is_empty());
}

async fn review_appeals_and_administration_agree_with_allowed(app: TestApp) {
    let d01 = org_id(&app, "D01").await;
    let own_entry = app
        .store()
        .entries(1)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.unit_code == "D01" && e.code == "7.1")
        .unwrap()
        .id;
    let mut mismatches = Vec::new();
    for who in ROLES {
        let c = app.client(who).await;
        let (user, dept) = app.user_and_department(who).await;
        let may = |a: Action<'_>| allowed(&user, dept.as_ref(), a);
        let file = may(Action::FileAppeal {
            unit_id: d01,
            published: true,
        }) && user.unit_id == Some(d01);
        let cases = [
            ("GET /periods/2/review".to_string(), may(Action::Review)),
            (
                "GET /periods/1/appeals".to_string(),
                may(Action::DecideAppeal) || file,
            ),
            (
                format!("GET /periods/1/appeals/new?entry={own_entry}"),
                file,
            ),
        ];
        for (what, allowed) in cases {
            let case = Case {
                what: what.clone(),
                allowed,
                ok: 200,
                denied: 403,
            };
            check(&mut mismatches, who, &case, &c.get(&what[4..]).await);
        }
        // Creating a department: the administrator is sent back to the page with the result.
        let case = Case {
            what: "POST /admin/departments".into(),
            allowed: may(Action::Administer),
            ok: 303,
            denied: 403,
        };
        let code = format!("T{who}");
        let r = c
            .post_form(
                &c.with_csrf("/admin/departments"),
                &[
                    ("code", code.as_str()),
                    ("name", format!("测试部门{who}").as_str()),
                ],
            )
            .await;
        check(&mut mismatches, who, &case, &r);
    }
    let names: Vec<String> = app
        .store()
        .departments()
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .filter(|n| n.starts_with("测试部门"))
        .collect();
    assert_eq!(
        names,
        vec!["测试部门admin"],
        "only the administrator's department exists"
    );
    assert!(
        mismatches.is_empty(),
        "HTTP disagrees with allowed():\n{}",
        mismatches.join("\n")
    );
}

/// The correction form shows an entry's content: only to whoever may correct it (it answered everyone
/// once). A locked period says so to those who could otherwise correct.
async fn the_correction_form_asks_who_may_correct(app: TestApp) {
    let anquan = app.client("anquan").await;
    let r = anquan
        .record(
            2,
            &json!({"unit": "D04", "code": "1.4.2", "count": 1, "note": "配电室事故"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let path = format!("/periods/2/entries/{id}/correct");
    for (who, status) in [
        ("anquan", 200),
        ("admin", 200),
        ("dangong", 403),
        ("d01", 403),
        ("lingdao", 403),
    ] {
        let r = app.client(who).await.get(&path).await;
        assert_eq!(r.status, status, "{who}: {}", r.text());
        assert_eq!(r.text().contains("配电室事故"), status == 200, "{who}");
    }
    // Published: an entry of 2023 is locked for its department, hidden from the others.
    let ledger = app.client("admin").await.entries(1).await;
    let old = ledger
        .iter()
        .find(|e| e["code"].as_str().is_some_and(|c| c.starts_with("1.4")))
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let path = format!("/periods/1/entries/{old}/correct");
    for (who, status) in [
        ("anquan", 409),
        ("admin", 409),
        ("d01", 403),
        ("lingdao", 403),
    ] {
        let r = app.client(who).await.get(&path).await;
        assert_eq!(r.status, status, "{who}: {}", r.text());
    }
    // An entry of another period is not found through this one.
    let r = anquan
        .get(&format!("/periods/1/entries/{id}/correct"))
        .await;
    assert_eq!(r.status, 404, "{}", r.text());
}
