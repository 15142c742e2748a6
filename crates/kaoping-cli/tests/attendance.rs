//! `kaoping import-attendance` on a temporary SQLite database holding scheme C's demo: the shipped
//! example files imported as the departments owning the items, the summary printed, a file with a bad
//! row refused whole with the row listed and the ledger as it was, another department refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn kaoping(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("kaoping runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// A data folder with scheme C's demo; the id of its 2023 period.
fn bureau(dir: &Path) -> (PathBuf, i64) {
    let data = dir.join("data");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let period = rt.block_on(async {
        let store = kaoping_store::Store::open_sqlite(&data)
            .await
            .expect("store");
        store.migrate().await.expect("migrate");
        kaoping_app::demo::seed_scheme(&store, kaoping_app::demo::DemoScheme::Jishengju)
            .await
            .expect("demo");
        let id = store.periods().await.expect("periods")[0].id;
        store.close().await;
        id
    });
    (data, period)
}

/// Every entry of the period, to see that a refused import changed nothing.
fn ledger(data: &Path, period: i64) -> Vec<kaoping_store::Entry> {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let store = kaoping_store::Store::open_sqlite(data)
            .await
            .expect("store");
        let entries = store.entries(period).await.expect("entries");
        store.close().await;
        entries
    })
}

#[test]
fn attendance_and_exams_are_imported_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (data, period) = bureau(dir.path());
    let data_arg = data.to_str().unwrap();
    let period_arg = period.to_string();
    let attendance = repo("examples/jishengju-attendance-2024-01.csv");
    let exams = repo("examples/jishengju-exams.csv");

    // 办公室 imports January (the demo's year is 2023: the month given on the command line).
    let o = kaoping(
        &[
            "import-attendance",
            "--data",
            data_arg,
            "--period",
            &period_arg,
            "--user",
            "bangong",
            "--month",
            "2023-01",
            attendance.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("已读取10行考勤：2023-01"), "{out}");
    assert!(out.contains("4.1 出勤率："), "{out}");
    assert!(out.contains("4.2 迟到次数：记录3条"), "{out}");
    let after = ledger(&data, period);
    let j09_late = after
        .iter()
        .find(|e| e.unit_code == "J09" && e.code == "4.2" && e.note.starts_with("考勤导入"))
        .expect("J09's lates");
    assert_eq!(j09_late.count, Some(3));

    // 政策法规科 may not import attendance (办公室's items): refused, nothing written.
    let o = kaoping(
        &[
            "import-attendance",
            "--data",
            data_arg,
            "--period",
            &period_arg,
            "--user",
            "fagui",
            "--month",
            "2023-02",
            attendance.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("办公室"), "{}", text(&o.stderr));
    assert_eq!(ledger(&data, period).len(), after.len());

    // A file with one bad row: every problem listed, nothing written, exit 1.
    let bad = dir.path().join("二月.csv");
    std::fs::write(
        &bad,
        "工号,应出勤天数,实际出勤天数,迟到,早退,旷工\nJ01,20,20,0,0,0\nJ02,20,21,0,0,0\n",
    )
    .unwrap();
    let o = kaoping(
        &[
            "import-attendance",
            "--data",
            data_arg,
            "--period",
            &period_arg,
            "--user",
            "bangong",
            "--month",
            "2023-02",
            bad.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("二月.csv:3: “实际出勤天数”列：21天多于应出勤的20天"),
        "{err}"
    );
    assert!(err.contains("未导入任何记录"), "{err}");
    assert!(o.stdout.is_empty());
    assert_eq!(ledger(&data, period).len(), after.len());

    // 政策法规科 imports the exams.
    let o = kaoping(
        &[
            "import-attendance",
            "--data",
            data_arg,
            "--period",
            &period_arg,
            "--user",
            "fagui",
            "--exams",
            exams.to_str().unwrap(),
        ],
        dir.path(),
    );
    let out = text(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {} {out}",
        text(&o.stderr)
    );
    assert!(out.contains("5.1 考试成绩："), "{out}");

    // The imports' entries are chained like any other: the integrity check passes.
    let o = kaoping(&["verify", "--data", data_arg], dir.path());
    assert_eq!(o.status.code(), Some(0), "verify: {}", text(&o.stderr));
}
