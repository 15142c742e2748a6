//! `kaoping-bench-seed`: fills a server database for `bench/server.sh`, through the application's own
//! use cases, and prints the id of the period to measure.
//!
//! ```text
//! kaoping-bench-seed --data DIR --demo --findings demo-100k.csv          # the demo, 2024 filled
//! kaoping-bench-seed --data DIR --units 1000 --findings units-1000.csv   # 1,000 units, scheme A
//! kaoping-bench-seed --database-url postgres://… …                       # the same on PostgreSQL
//! ```
//!
//! Every account has the demo's password; `admin` records the findings (one import, all or nothing).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use kaoping_app::{demo, hash_password, App};
use kaoping_store::{NewOrgUnit, NewPeriod, NewUser, OrgKind, Role, Store};

#[derive(Debug, Parser)]
#[command(
    name = "kaoping-bench-seed",
    about = "Fill a server database for the benchmark"
)]
struct Args {
    /// The SQLite data folder.
    #[arg(long, default_value = "bench-data/server")]
    data: PathBuf,
    /// PostgreSQL instead.
    #[arg(long)]
    database_url: Option<String>,
    /// The demo (scheme A, 18 branches); findings go into its open year.
    #[arg(long)]
    demo: bool,
    /// Otherwise: this many units U000001 … under scheme A, in a new period.
    #[arg(long, default_value_t = 1000)]
    units: u64,
    /// The findings file to import (as `kaoping-bench-gen` writes it).
    #[arg(long)]
    findings: PathBuf,
}

const RUBRIC: &str = include_str!("../../../../rubrics/dongli-2023.toml");

async fn run(args: Args) -> Result<i64, String> {
    let store = match &args.database_url {
        Some(url) => Store::connect(url).await,
        None => Store::open_sqlite(&args.data).await,
    }
    .map_err(|e| e.to_string())?;
    let period = if args.demo {
        if !demo::seed(&store).await.map_err(|e| e.to_string())? {
            return Err("the database is not empty".into());
        }
        store
            .periods()
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .find(|p| p.status == kaoping_store::PeriodStatus::Open)
            .ok_or("the demo has no open period")?
            .id
    } else {
        synthetic(&store, args.units).await?
    };
    let app = App::new(store.clone());
    let admin = app.actor_named("admin").await.map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(&args.findings)
        .map_err(|e| format!("{}: {e}", args.findings.display()))?;
    let started = Instant::now();
    let name = args.findings.display().to_string();
    let n = app
        .import_findings(&admin, period, &name, &text, |_| {})
        .await
        .map_err(|e| format!("{e:?}"))?;
    eprintln!(
        "kaoping-bench-seed: imported {n} findings into period {period} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    store.close().await;
    Ok(period)
}

/// Scheme A with `units` units, the demo's departments and accounts, and an open period of them all.
async fn synthetic(store: &Store, units: u64) -> Result<i64, String> {
    let e = |e: kaoping_store::StoreError| e.to_string();
    if store.count_users().await.map_err(e)? > 0 {
        return Err("the database is not empty".into());
    }
    let hash = hash_password(demo::DEMO_PASSWORD);
    let admin = store
        .create_user(&NewUser {
            username: "admin".into(),
            display_name: "管理员".into(),
            password_hash: hash.clone(),
            role: Role::Admin,
            department_id: None,
            unit_id: None,
            must_change_password: false,
        })
        .await
        .map_err(e)?;
    for (code, name, user) in [
        ("DGB", "党工部", "dangong"),
        ("AQK", "安全科", "anquan"),
        ("JW", "纪委", "jiwei"),
        ("GH", "工会", "gonghui"),
        ("JSB", "计生办", "jishengban"),
        ("TW", "团委", "tuanwei"),
        ("QGK", "企管科", "qiguanke"),
    ] {
        let department = store.create_department(code, name).await.map_err(e)?;
        store
            .create_user(&NewUser {
                username: user.into(),
                display_name: format!("{name}考核员"),
                password_hash: hash.clone(),
                role: Role::Assessor,
                department_id: Some(department),
                unit_id: None,
                must_change_password: false,
            })
            .await
            .map_err(e)?;
    }
    let width = units.to_string().len().max(6);
    let mut unit_ids = Vec::new();
    for u in 1..=units {
        let code = format!("U{u:0width$}");
        unit_ids.push(
            store
                .create_org_unit(&NewOrgUnit {
                    name: format!("单位{code}"),
                    code,
                    parent_id: None,
                    kind: OrgKind::Unit,
                    ranking_group: None,
                    member_of: Vec::new(),
                })
                .await
                .map_err(e)?,
        );
    }
    let version = store
        .save_rubric("动力厂党建考评细则", RUBRIC, admin)
        .await
        .map_err(e)?;
    store
        .create_period(&NewPeriod {
            name: format!("{units}个单位"),
            year: 2024,
            rubric_id: version.id,
            unit_ids,
        })
        .await
        .map_err(e)
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(period) => {
            println!("{period}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kaoping-bench-seed: {e}");
            ExitCode::FAILURE
        }
    }
}
