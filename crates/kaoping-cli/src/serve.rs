//! `kaoping serve` and `kaoping import-findings`: the web application and its database (the import is
//! the application's use case, the same the web page runs).

use std::path::{Path, PathBuf};

use kaoping_app::demo::{self, DemoScheme};

/// Flags of `kaoping serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The SQLite data folder (created if missing).
    #[arg(long, default_value = "kaoping-data")]
    data: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: std::net::SocketAddr,
    /// Use PostgreSQL instead of SQLite (postgres://user@host/db).
    #[arg(long, env = "KAOPING_DATABASE_URL")]
    database_url: Option<String>,
    /// Fill a fresh database with a demo (every account's password is kaoping2023); `--demo` alone is
    /// dongli.
    #[arg(long, value_name = "SCHEME", num_args = 0..=1, default_missing_value = "dongli")]
    demo: Option<Demo>,
    /// Mark the session cookie Secure (when users reach the server over HTTPS).
    #[arg(long)]
    secure_cookies: bool,
    /// Running behind a reverse proxy (nginx): take client addresses from X-Forwarded-For.
    #[arg(long)]
    trust_proxy: bool,
    /// Read today as this day (YYYY-MM-DD) instead of the clock's: warnings, deadlines and 整改 as they
    /// stood then, e.g. the demo's 2024 period on 2024-07-21.
    #[arg(long, value_name = "DATE")]
    today: Option<kaoping_core::date::Date>,
    /// The hour (China time, 0–23) from which the day's digest of warnings is sent to the reminder
    /// channels (docs/notifications.md).
    #[arg(long, value_name = "HOUR", default_value_t = 8, value_parser = clap::value_parser!(u8).range(0..24))]
    digest_hour: u8,
}

pub fn serve(args: ServeArgs) -> Result<(), String> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("无法启动：{e}"))?;
    runtime.block_on(async {
        let config = kaoping_server::Config {
            addr: args.addr,
            data_dir: args.data.clone(),
            database_url: args.database_url.clone(),
            secure_cookies: args.secure_cookies,
            trust_proxy: args.trust_proxy,
            today: args.today,
            notify: kaoping_server::NotifySchedule {
                digest_hour: args.digest_hour,
                ..Default::default()
            },
        };
        let server = kaoping_server::Server::build(&config)
            .await
            .map_err(|e| e.to_string())?;
        let store = server.store().clone();
        let where_ = match &args.database_url {
            Some(_) => "PostgreSQL".to_string(),
            None => format!("数据目录 {}", args.data.display()),
        };
        if let Some(demo) = args.demo {
            seed_demo(&store, demo.into(), &where_).await?;
        } else if let Some(password) = demo::create_first_admin(&store)
            .await
            .map_err(|e| e.to_string())?
        {
            println!("首次启动：已创建管理员账号 admin，密码 {password}");
            println!("（密码只显示这一次，请登录后妥善保管）");
        }
        println!(
            "考评已启动：http://{}/ （{where_}）",
            display_addr(args.addr, server.port())
        );
        server.run().await.map_err(|e| e.to_string())
    })
}

/// The demos of `--demo`, as clap lists them.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Demo {
    /// Scheme A: the power plant's 18 Party branches; 2023 published, 2024 open.
    Dongli,
    /// Scheme B: a town's villages in two rounds with bonus points; 2023 published, 2024 open.
    Village,
    /// Scheme C: the family-planning bureau's staff in their 科室 and 调查组; 2023 open, awaiting the 民主评议.
    Jishengju,
}

impl From<Demo> for DemoScheme {
    fn from(demo: Demo) -> DemoScheme {
        match demo {
            Demo::Dongli => DemoScheme::Dongli,
            Demo::Village => DemoScheme::Village,
            Demo::Jishengju => DemoScheme::Jishengju,
        }
    }
}

/// Fills an empty database with the demo and prints its accounts; on a database that holds data, says
/// what it holds.
async fn seed_demo(
    store: &kaoping_store::Store,
    scheme: DemoScheme,
    where_: &str,
) -> Result<(), String> {
    let shown = if demo::seed_scheme(store, scheme)
        .await
        .map_err(|e| e.to_string())?
    {
        println!("已创建演示数据（{where_}）：{}", scheme.title());
        if scheme == DemoScheme::Dongli {
            demo::seed_records(store).await.map_err(|e| e.to_string())?;
            println!("已登记2024年度各党支部的记录本（D01留空，可用 d01 账号试用）");
        }
        scheme
    } else {
        match demo::seeded_scheme(store)
            .await
            .map_err(|e| e.to_string())?
        {
            Some(held) if held == scheme => {
                println!("数据库已有数据，未重复创建演示数据：{}", held.title());
                held
            }
            Some(held) => {
                println!(
                    "数据库已有{}演示数据，未创建{}演示数据（要换演示，请用空的数据目录或数据库）：{}",
                    held.name(),
                    scheme.name(),
                    held.title()
                );
                held
            }
            None => {
                println!("数据库已有数据（不是演示数据），未创建演示数据。");
                return Ok(());
            }
        }
    };
    println!("演示账号（密码均为 {}）：", demo::DEMO_PASSWORD);
    for (user, name, _, _) in demo::accounts(shown) {
        println!("  {user:<8} {name}");
    }
    Ok(())
}

/// The address to print: a wildcard bind is reachable at localhost.
fn display_addr(addr: std::net::SocketAddr, port: u16) -> String {
    if addr.ip().is_unspecified() {
        format!("127.0.0.1:{port}")
    } else {
        format!("{}:{port}", addr.ip())
    }
}

/// Imports a findings file into the ledger, with a progress bar on large files.
pub fn import_findings(
    file: &Path,
    period: i64,
    user: &str,
    data: &Path,
    url: Option<&str>,
) -> Result<(), String> {
    let name = file.display().to_string();
    crate::database::require(data, url)?;
    let bytes = std::fs::read(file).map_err(|e| format!("{name}: 无法读取：{e}"))?;
    let text = kaoping_app::findings_text(&name, &bytes).map_err(|e| e.user_message())?;
    let lines = text.lines().count() as u64;
    let bar = indicatif::ProgressBar::new(lines.saturating_sub(1));
    if lines < 10_000 {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} 检查 {pos}/{len} 行 [{bar:30}] {percent}%",
        )
        .map_err(|e| e.to_string())?
        .progress_chars("=> "),
    );
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("无法启动：{e}"))?;
    runtime.block_on(async {
        let store = crate::database::open(data, url).await?;
        let app = kaoping_app::App::new(store);
        let actor = app.actor_named(user).await.map_err(|e| e.user_message())?;
        let result = app
            .import_findings(&actor, period, &name, &text, |line| {
                if line % 1000 == 0 {
                    bar.set_position(line);
                }
            })
            .await;
        bar.finish_and_clear();
        match result {
            Ok(n) => {
                println!("已导入{n}条考核发现");
                Ok(())
            }
            Err(rows @ kaoping_app::FindingsImportError::Rows { .. }) => {
                Err(format!("{rows}\n未导入任何记录"))
            }
            Err(kaoping_app::FindingsImportError::Other(e)) => Err(e.user_message()),
        }
    })
}
