//! Who may do what: every role × every action in one function, so the rules can be read (and tested) in
//! one place. Every use case asks [`allowed`] (through [`crate::Actor::may`]) before it reads or changes
//! anything the actor may not see or change: reads as much as writes.

use kaoping_store::{Department, Role, User};

/// Something a user wants to do, with what the decision depends on.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    /// The dashboard, the summary and ranking (汇总表) of a period.
    ViewSummary {
        published: bool,
    },
    /// One unit's score sheet (考评表), and the evidence its findings cite.
    ViewSheet {
        unit_id: i64,
        published: bool,
    },
    /// The ledger (考核记录): every entry of a period with who recorded it and why.
    ViewLedger {
        published: bool,
    },
    /// Record assessors' findings at all (on some item): the gate before the item is known.
    EnterFindings,
    /// Record, correct or withdraw a finding on an item owned by `owner` (the rubric's department name).
    RecordFinding {
        owner: Option<&'a str>,
        published: bool,
    },
    /// 自查: a unit's own self-assessment, before publication.
    SelfAssess {
        unit_id: i64,
        published: bool,
    },
    /// 申诉 against a published finding on the unit.
    FileAppeal {
        unit_id: i64,
        published: bool,
    },
    DecideAppeal,
    /// Say the department's entries are complete (提交审核).
    SubmitReview {
        published: bool,
    },
    /// Check each department's entries and return them for rework.
    Review,
    Publish,
    /// Users, departments, the organisation tree, rubrics, periods, bulk imports.
    Administer,
    ViewAudit,
    /// Run a ballot campaign (民主评议) for a conversion rule owned by `owner`: create it, issue its codes,
    /// enter paper slips, close it.
    RunBallot {
        owner: Option<&'a str>,
    },
    /// Keep a unit's 记录本 (activity records): record, correct, withdraw.
    KeepRecords {
        unit_id: i64,
        published: bool,
    },
    /// See a campaign's participation and tally (never a ballot joined to a code: nothing stores that).
    ViewBallot {
        owner: Option<&'a str>,
    },
    /// 整改: require rectification of a deduction on an item owned by `owner` (published or not:
    /// rectification follows the assessment).
    RequireRectification {
        owner: Option<&'a str>,
    },
    /// File the rectification report of a deduction on the unit.
    ReportRectification {
        unit_id: i64,
    },
    /// Accept or return a rectification report on an item owned by `owner`.
    DecideRectification {
        owner: Option<&'a str>,
    },
    /// See a rectification: of a deduction on an item owned by `owner`, on unit `unit_id`.
    ViewRectification {
        owner: Option<&'a str>,
        unit_id: i64,
    },
}

/// Whether `user` (of department `department`, if an assessor) may do `action`.
pub fn allowed(user: &User, department: Option<&Department>, action: Action<'_>) -> bool {
    if !user.active {
        return false;
    }
    let own_unit = |unit_id: i64| user.unit_id == Some(unit_id);
    // An item (its rubric owner) of the assessor's own department.
    let owns =
        |owner: Option<&str>| matches!((owner, department), (Some(o), Some(d)) if d.answers_to(o));
    match (user.role, action) {
        (Role::Admin, Action::RecordFinding { published, .. }) => !published,
        (Role::Admin, Action::SubmitReview { .. }) => false,
        (Role::Admin, Action::SelfAssess { .. } | Action::FileAppeal { .. }) => false,
        (Role::Admin, Action::KeepRecords { published, .. }) => !published,
        (Role::Admin, _) => true,

        (
            Role::Assessor,
            Action::ViewSummary { .. } | Action::ViewSheet { .. } | Action::ViewLedger { .. },
        ) => true,
        (Role::Assessor, Action::EnterFindings) => department.is_some(),
        (Role::Assessor, Action::SubmitReview { published }) => department.is_some() && !published,
        (Role::Assessor, Action::RecordFinding { owner, published }) => !published && owns(owner),
        (Role::Assessor, Action::RunBallot { owner } | Action::ViewBallot { owner }) => owns(owner),
        (
            Role::Assessor,
            Action::RequireRectification { owner }
            | Action::DecideRectification { owner }
            | Action::ViewRectification { owner, .. },
        ) => owns(owner),
        (Role::Assessor, _) => false,

        (Role::Leader, Action::ViewSheet { unit_id, .. }) => own_unit(unit_id),
        (Role::Leader, Action::ViewSummary { published }) => published,
        (Role::Leader, Action::SelfAssess { unit_id, published }) => {
            own_unit(unit_id) && !published
        }
        (Role::Leader, Action::FileAppeal { unit_id, published }) => own_unit(unit_id) && published,
        (Role::Leader, Action::KeepRecords { unit_id, published }) => {
            own_unit(unit_id) && !published
        }
        (
            Role::Leader,
            Action::ReportRectification { unit_id } | Action::ViewRectification { unit_id, .. },
        ) => own_unit(unit_id),
        (Role::Leader, _) => false,

        (
            Role::Viewer,
            Action::ViewSummary { published }
            | Action::ViewSheet { published, .. }
            | Action::ViewLedger { published },
        ) => published,
        (Role::Viewer, Action::ViewBallot { .. }) => true,
        (Role::Viewer, _) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, department_id: Option<i64>, unit_id: Option<i64>) -> User {
        User {
            id: 1,
            username: "u".into(),
            display_name: "u".into(),
            password_hash: String::new(),
            role,
            department_id,
            unit_id,
            active: true,
            created_at: 0,
            must_change_password: false,
        }
    }

    /// The whole matrix, row by row: role, then each action's answer.
    #[test]
    fn every_role_times_every_action() {
        let safety = Department {
            id: 7,
            code: "AQK".into(),
            name: "安全科".into(),
        };
        let actions = |published: bool| {
            [
                Action::ViewSummary { published },
                Action::ViewSheet {
                    unit_id: 3,
                    published,
                },
                Action::ViewSheet {
                    unit_id: 4,
                    published,
                },
                Action::ViewLedger { published },
                Action::EnterFindings,
                Action::RecordFinding {
                    owner: Some("安全科"),
                    published,
                },
                Action::RecordFinding {
                    owner: Some("纪委"),
                    published,
                },
                Action::SelfAssess {
                    unit_id: 3,
                    published,
                },
                Action::SelfAssess {
                    unit_id: 4,
                    published,
                },
                Action::FileAppeal {
                    unit_id: 3,
                    published,
                },
                Action::FileAppeal {
                    unit_id: 4,
                    published,
                },
                Action::DecideAppeal,
                Action::SubmitReview { published },
                Action::Review,
                Action::Publish,
                Action::Administer,
                Action::ViewAudit,
                Action::RunBallot {
                    owner: Some("安全科"),
                },
                Action::RunBallot {
                    owner: Some("纪委"),
                },
                Action::ViewBallot {
                    owner: Some("安全科"),
                },
                Action::ViewBallot {
                    owner: Some("纪委"),
                },
                Action::KeepRecords {
                    unit_id: 3,
                    published,
                },
                Action::KeepRecords {
                    unit_id: 4,
                    published,
                },
                Action::RequireRectification {
                    owner: Some("安全科"),
                },
                Action::RequireRectification {
                    owner: Some("纪委"),
                },
                Action::ReportRectification { unit_id: 3 },
                Action::ReportRectification { unit_id: 4 },
                Action::DecideRectification {
                    owner: Some("安全科"),
                },
                Action::DecideRectification {
                    owner: Some("纪委"),
                },
                Action::ViewRectification {
                    owner: Some("安全科"),
                    unit_id: 3,
                },
                Action::ViewRectification {
                    owner: Some("纪委"),
                    unit_id: 4,
                },
            ]
        };
        let cases: [(&str, User, Option<&Department>, &str, &str); 4] = [
            (
                "admin",
                user(Role::Admin, None, None),
                None,
                "1111111000010111111111111111111",
                "1111100000010111111110011111111",
            ),
            (
                "assessor",
                user(Role::Assessor, Some(7), None),
                Some(&safety),
                "1111110000001000010100010001010",
                "1111100000000000010100010001010",
            ),
            (
                "leader",
                user(Role::Leader, None, Some(3)),
                None,
                "0100000100000000000001000100010",
                "1100000001000000000000000100010",
            ),
            (
                "viewer",
                user(Role::Viewer, None, None),
                None,
                "0000000000000000000110000000000",
                "1111000000000000000110000000000",
            ),
        ];
        for (name, u, dept, open, published) in cases {
            for (flags, published) in [(open, false), (published, true)] {
                let got: String = actions(published)
                    .iter()
                    .map(|a| if allowed(&u, dept, *a) { '1' } else { '0' })
                    .collect();
                assert_eq!(got, flags, "{name}, published = {published}");
            }
        }
    }

    #[test]
    fn an_inactive_user_may_do_nothing() {
        let mut u = user(Role::Admin, None, None);
        u.active = false;
        assert!(!allowed(&u, None, Action::ViewSummary { published: true }));
    }

    #[test]
    fn an_assessor_without_a_department_enters_nothing() {
        let u = user(Role::Assessor, None, None);
        assert!(!allowed(&u, None, Action::EnterFindings));
        assert!(!allowed(
            &u,
            None,
            Action::SubmitReview { published: false }
        ));
    }
}
