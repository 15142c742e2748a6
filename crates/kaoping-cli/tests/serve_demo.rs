//! `kaoping serve --demo [dongli|village|jishengju]` as a user starts it: which demo each name fills, the
//! accounts printed on start, a second start that seeds nothing, and clap's refusal of an unknown name.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// Starts `kaoping serve` with `args` on the data folder `data` and returns what it printed up to the
/// line that says it is listening; the server is stopped then.
fn start(data: &Path, args: &[&str]) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .arg("serve")
        .args(args)
        .args(["--addr", "127.0.0.1:0", "--data"])
        .arg(data)
        .env("RUST_LOG", "off")
        .env_remove("KAOPING_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("kaoping serve starts");
    let mut printed = String::new();
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    for line in lines.by_ref() {
        let line = line.expect("a line");
        printed.push_str(&line);
        printed.push('\n');
        if line.starts_with("考评已启动") {
            break;
        }
    }
    child.kill().expect("stop the server");
    child.wait().expect("the server stops");
    assert!(printed.contains("考评已启动"), "{printed}");
    printed
}

/// The user names printed under 演示账号.
fn accounts(printed: &str) -> Vec<&str> {
    printed
        .lines()
        .skip_while(|l| !l.starts_with("演示账号（密码均为 kaoping2023）"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .collect()
}

#[test]
fn each_demo_prints_its_accounts_and_a_second_start_seeds_nothing() {
    let cases: [(&[&str], &str, &[&str]); 4] = [
        (
            &["--demo"],
            "方案A",
            &[
                "admin", "anquan", "dangong", "jiwei", "gonghui", "d01", "lingdao",
            ],
        ),
        (
            &["--demo", "dongli"],
            "方案A",
            &[
                "admin", "anquan", "dangong", "jiwei", "gonghui", "d01", "lingdao",
            ],
        ),
        (
            &["--demo", "village"],
            "方案B",
            &[
                "admin", "dangong", "jiwei", "anquan", "jisheng", "gonghui", "tuanwei", "qiguan",
                "v01", "lingdao",
            ],
        ),
        (
            &["--demo", "jishengju"],
            "方案C",
            &[
                "admin", "bangong", "fagui", "jijian", "dangzu", "j01", "lingdao",
            ],
        ),
    ];
    for (args, scheme, users) in cases {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = start(dir.path(), args);
        assert!(
            first.starts_with(&format!(
                "已创建演示数据（数据目录 {}）：{scheme}",
                dir.path().display()
            )),
            "{args:?}: {first}"
        );
        assert_eq!(accounts(&first), users, "{args:?}: {first}");

        let again = start(dir.path(), args);
        assert!(
            again.starts_with(&format!("数据库已有数据，未重复创建演示数据：{scheme}")),
            "{args:?}: {again}"
        );
        assert_eq!(accounts(&again), users, "{args:?}: {again}");
    }
}

#[test]
fn another_demo_on_a_filled_database_names_the_one_it_holds() {
    let dir = tempfile::tempdir().expect("temp dir");
    start(dir.path(), &["--demo", "jishengju"]);
    let printed = start(dir.path(), &["--demo", "village"]);
    assert!(
        printed.starts_with("数据库已有jishengju演示数据，未创建village演示数据"),
        "{printed}"
    );
    assert_eq!(accounts(&printed)[1], "bangong", "{printed}");
}

#[test]
fn an_unknown_demo_is_refused_with_the_three_names() {
    let dir = tempfile::tempdir().expect("temp dir");
    let o = Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .args(["serve", "--demo", "nowhere", "--data"])
        .arg(dir.path())
        .output()
        .expect("kaoping runs");
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8(o.stderr).expect("utf-8");
    assert!(
        stderr.contains("invalid value 'nowhere' for '--demo [<SCHEME>]'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("[possible values: dongli, village, jishengju]"),
        "{stderr}"
    );
    assert!(!dir.path().join("kaoping.db").exists(), "nothing created");
}
