//! Who may do what: every role × every action in one function, so the rules can be read (and tested) in
//! one place. Handlers ask [`allowed`] and answer 403 before changing anything.

use kaoping_store::{Department, Role, User};

/// Something a user wants to do, with what the decision depends on.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    /// The dashboard, the summary and ranking (汇总表) of a period.
    ViewSummary {
        published: bool,
    },
    /// One unit's score sheet (考评表).
    ViewSheet {
        unit_id: i64,
        published: bool,
    },
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
    /// Check each department's entries and return them for rework.
    Review,
    Publish,
    /// Users, departments, the organisation tree, rubrics, periods.
    Administer,
    ViewAudit,
}

/// Whether `user` (of department `department`, if an assessor) may do `action`.
pub fn allowed(user: &User, department: Option<&Department>, action: Action<'_>) -> bool {
    if !user.active {
        return false;
    }
    let own_unit = |unit_id: i64| user.unit_id == Some(unit_id);
    match (user.role, action) {
        (Role::Admin, Action::RecordFinding { published, .. }) => !published,
        (Role::Admin, Action::SelfAssess { .. } | Action::FileAppeal { .. }) => false,
        (Role::Admin, _) => true,

        (Role::Assessor, Action::ViewSummary { .. } | Action::ViewSheet { .. }) => true,
        (Role::Assessor, Action::RecordFinding { owner, published }) => {
            !published
                && match (owner, department) {
                    (Some(owner), Some(d)) => owner == d.name || owner == d.code,
                    _ => false,
                }
        }
        (Role::Assessor, _) => false,

        (Role::Leader, Action::ViewSheet { unit_id, .. }) => own_unit(unit_id),
        (Role::Leader, Action::ViewSummary { published }) => published,
        (Role::Leader, Action::SelfAssess { unit_id, published }) => {
            own_unit(unit_id) && !published
        }
        (Role::Leader, Action::FileAppeal { unit_id, published }) => own_unit(unit_id) && published,
        (Role::Leader, _) => false,

        (Role::Viewer, Action::ViewSummary { published } | Action::ViewSheet { published, .. }) => {
            published
        }
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
                Action::Review,
                Action::Publish,
                Action::Administer,
                Action::ViewAudit,
            ]
        };
        let cases: [(&str, User, Option<&Department>, &str, &str); 4] = [
            (
                "admin",
                user(Role::Admin, None, None),
                None,
                "11111000011111",
                "11100000011111",
            ),
            (
                "assessor",
                user(Role::Assessor, Some(7), None),
                Some(&safety),
                "11110000000000",
                "11100000000000",
            ),
            (
                "leader",
                user(Role::Leader, None, Some(3)),
                None,
                "01000100000000",
                "11000001000000",
            ),
            (
                "viewer",
                user(Role::Viewer, None, None),
                None,
                "00000000000000",
                "11100000000000",
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
}
