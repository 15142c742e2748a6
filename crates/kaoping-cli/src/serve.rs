//! `kaoping serve` and `kaoping import-findings`: the web application and its database (the import is
//! the application's use case, the same the web page runs).

use std::path::{Path, PathBuf};

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
    /// Fill a fresh database with the demo (scheme A, 18 branches, a published year).
    #[arg(long)]
    demo: bool,
    /// Mark the session cookie Secure (when users reach the server over HTTPS).
    #[arg(long)]
    secure_cookies: bool,
    /// Running behind a reverse proxy (nginx): take client addresses from X-Forwarded-For.
    #[arg(long)]
    trust_proxy: bool,
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
        };
        let server = kaoping_server::Server::build(&config)
            .await
            .map_err(|e| e.to_string())?;
        let store = server.store().clone();
        let where_ = match &args.database_url {
            Some(_) => "PostgreSQL".to_string(),
            None => format!("数据目录 {}", args.data.display()),
        };
        if args.demo {
            if kaoping_app::demo::seed(&store)
                .await
                .map_err(|e| e.to_string())?
            {
                println!(
                    "已创建演示数据（{where_}）。演示账号（密码均为 {}）：",
                    kaoping_app::demo::DEMO_PASSWORD
                );
            } else {
                println!(
                    "数据库已有数据，未重复创建演示数据。演示账号（密码均为 {}）：",
                    kaoping_app::demo::DEMO_PASSWORD
                );
            }
            for (user, name, _, _) in kaoping_app::demo::DEMO_ACCOUNTS {
                println!("  {user:<8} {name}");
            }
        } else if let Some(password) = kaoping_app::demo::create_first_admin(&store)
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
