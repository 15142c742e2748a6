//! Scheme A (方案A): the power plant's Party committee (动力厂党委) assesses its 18 Party branches by the
//! departments that own the rubric's items. 2023 is recorded, reviewed and published; 2024 is open to try
//! recording in.
//!
//! Many tests rely on this demo as it is (period 1 published, period 2 open, these accounts): change it
//! only with them.

use kaoping_store::Role;

use super::{Demo, DemoAccount, File, Year, YearState};

const ACCOUNTS: &[DemoAccount] = &[
    ("admin", "党委工作部管理员", Role::Admin, ""),
    ("anquan", "安全科考核员", Role::Assessor, "AQK"),
    ("dangong", "党工部考核员", Role::Assessor, "DGB"),
    ("jiwei", "纪委考核员", Role::Assessor, "JW"),
    ("gonghui", "工会考核员", Role::Assessor, "GH"),
    ("d01", "供电车间党支部书记", Role::Leader, "D01"),
    ("lingdao", "厂领导", Role::Viewer, ""),
];

/// The factory's departments that own scheme A's items; scheme B's rubric names the same ones.
pub(super) const DEPARTMENTS: &[(&str, &str)] = &[
    ("DGB", "党工部"),
    ("JW", "纪委"),
    ("AQK", "安全科"),
    ("JSB", "计生办"),
    ("GH", "工会"),
    ("TW", "团委"),
    ("QGK", "企管科"),
];

pub(super) const DEMO: Demo = Demo {
    title: "方案A：动力厂党委考评18个党支部（2023年度已发布，2024年度进行中）",
    rubric_name: "动力厂党建考评细则",
    rubric: File {
        name: "dongli-2023.toml",
        text: include_str!("../../../../rubrics/dongli-2023.toml"),
    },
    units: File {
        name: "dongli-units.csv",
        text: include_str!("../../../../examples/dongli-units.csv"),
    },
    findings: File {
        name: "dongli-findings.csv",
        text: include_str!("../../../../examples/dongli-findings.csv"),
    },
    organisation: ("DLC", "动力厂"),
    departments: DEPARTMENTS,
    accounts: ACCOUNTS,
    years: &[
        Year {
            name: "2023年度党建工作考评",
            year: 2023,
            state: YearState::Published,
        },
        Year {
            name: "2024年度党建工作考评",
            year: 2024,
            state: YearState::Empty,
        },
    ],
};
