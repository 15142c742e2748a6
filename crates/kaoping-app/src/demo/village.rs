//! Scheme B (方案B): the town's Party committee (镇党委) assesses its villages and communities (村、社区,
//! ranked separately) in two rounds, 专项督查 (30%) and 年终考评 (70%), with bonus points for awards and
//! experience promoted (就高不就低, at most 10, only at 60 and above). The rubric's items are scheme A's,
//! owned by the same departments. 2023 is recorded in both rounds, reviewed and published; 2024 is open.

use kaoping_store::Role;

use super::{Demo, DemoAccount, File, Year, YearState};

const ACCOUNTS: &[DemoAccount] = &[
    ("admin", "镇党委组织办管理员", Role::Admin, ""),
    ("dangong", "党工部考核员", Role::Assessor, "DGB"),
    ("jiwei", "纪委考核员", Role::Assessor, "JW"),
    ("anquan", "安全科考核员", Role::Assessor, "AQK"),
    ("jisheng", "计生办考核员", Role::Assessor, "JSB"),
    ("gonghui", "工会考核员", Role::Assessor, "GH"),
    ("tuanwei", "团委考核员", Role::Assessor, "TW"),
    ("qiguan", "企管科考核员", Role::Assessor, "QGK"),
    ("v01", "东山村党支部书记", Role::Leader, "V01"),
    ("lingdao", "镇领导", Role::Viewer, ""),
];

pub(super) const DEMO: Demo = Demo {
    title: "方案B：镇党委考评8个村(居)，专项督查和年终考评两轮，奖励加分（2023年度已发布，2024年度进行中）",
    rubric_name: "村(居)落实基层党建工作责任制考评细则",
    rubric: File {
        name: "village-2023.toml",
        text: include_str!("../../../../rubrics/village-2023.toml"),
    },
    units: File {
        name: "village-units.csv",
        text: include_str!("../../../../examples/village-units.csv"),
    },
    findings: File {
        name: "village-findings.csv",
        text: include_str!("../../../../examples/village-findings.csv"),
    },
    organisation: ("QSZ", "青山镇"),
    // The rubric's items name scheme A's departments as their owners.
    departments: super::dongli::DEPARTMENTS,
    accounts: ACCOUNTS,
    years: &[
        Year {
            name: "2023年度村(居)基层党建工作责任制考评",
            year: 2023,
            state: YearState::Published,
        },
        Year {
            name: "2024年度村(居)基层党建工作责任制考评",
            year: 2024,
            state: YearState::Empty,
        },
    ],
};
