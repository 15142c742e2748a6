//! `kaoping`: the one binary. Subcommands parse their flags, call the formats and core crates, and turn
//! every failure into a message that says what and where, with exit code 1 (2 for bad flags).

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use kaoping_core::units::Units;
use kaoping_formats::{read_rubric_file, read_units, report, score_findings_bytes};

/// 考评 Kaoping: target-responsibility assessment (目标责任制考评), scored exactly.
#[derive(Parser)]
#[command(name = "kaoping", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a rubric file and print it as a table (检查考评细则).
    Check {
        /// The rubric TOML file.
        rubric: PathBuf,
    },
    /// Score a findings CSV against a rubric (计分).
    Score {
        /// The rubric TOML file.
        #[arg(long)]
        rubric: PathBuf,
        /// Findings CSV (`-` for standard input).
        #[arg(long)]
        findings: PathBuf,
        /// Units CSV: code, name, ranking group, groups. Without it, the units are those the findings name.
        #[arg(long)]
        units: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write the report here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Run the web application (运行网站).
    Serve(ServeArgs),
    /// Import findings (CSV or .xlsx) into a period of the server's database: all rows or none (批量导入考核发现).
    ImportFindings {
        /// The findings file (.csv or .xlsx).
        file: PathBuf,
        /// The period's id (as in the web address /periods/ID).
        #[arg(long)]
        period: i64,
        /// The user the entries are recorded as.
        #[arg(long, default_value = "admin")]
        user: String,
        /// The SQLite data folder.
        #[arg(long, default_value = "kaoping-data")]
        data: PathBuf,
        /// Use PostgreSQL instead of SQLite.
        #[arg(long, env = "KAOPING_DATABASE_URL")]
        database_url: Option<String>,
    },
    /// Export to Excel (导出Excel): the rubric, the summary and ranking, a unit's score sheet, or the findings.
    Export {
        #[command(subcommand)]
        what: Export,
    },
    /// Import a rubric table from Word, Excel or CSV into a rubric file (导入考评细则).
    ImportRubric {
        /// The .docx, .xlsx or .csv file holding the 考评细则 table.
        file: PathBuf,
        /// The rubric file to write.
        #[arg(short, long)]
        output: PathBuf,
        /// The rubric's title (default: the file name).
        #[arg(long)]
        title: Option<String>,
    },
}

/// The scored inputs an export needs.
#[derive(clap::Args)]
struct Scored {
    #[arg(long)]
    rubric: PathBuf,
    #[arg(long)]
    findings: PathBuf,
    #[arg(long)]
    units: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Export {
    /// The rubric in its original table layout (imports back to the same rubric).
    Rubric {
        rubric: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// The summary and ranking (汇总表).
    Summary {
        #[command(flatten)]
        scored: Scored,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// One unit's score sheet (考评表).
    Sheet {
        #[command(flatten)]
        scored: Scored,
        /// The unit's code.
        #[arg(long)]
        unit: String,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// The findings as a ledger table.
    Findings {
        #[command(flatten)]
        scored: Scored,
        #[arg(short, long)]
        output: PathBuf,
    },
}

/// Flags of `kaoping serve`.
#[derive(clap::Args)]
struct ServeArgs {
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

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { rubric } => check(&rubric),
        Command::Score {
            rubric,
            findings,
            units,
            format,
            output,
        } => score(
            &rubric,
            &findings,
            units.as_deref(),
            format,
            output.as_deref(),
        ),
        Command::Serve(args) => serve(args),
        Command::ImportRubric {
            file,
            output,
            title,
        } => import_rubric(&file, &output, title.as_deref()),
        Command::Export { what } => export(what),
        Command::ImportFindings {
            file,
            period,
            user,
            data,
            database_url,
        } => import_findings(&file, period, &user, &data, database_url.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(io::stderr().lock(), "{message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: ServeArgs) -> Result<(), String> {
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
            if kaoping_server::demo::seed(&store)
                .await
                .map_err(|e| e.to_string())?
            {
                println!(
                    "已创建演示数据（{where_}）。演示账号（密码均为 {}）：",
                    kaoping_server::demo::DEMO_PASSWORD
                );
            } else {
                println!(
                    "数据库已有数据，未重复创建演示数据。演示账号（密码均为 {}）：",
                    kaoping_server::demo::DEMO_PASSWORD
                );
            }
            for (user, name, _, _) in kaoping_server::demo::DEMO_ACCOUNTS {
                println!("  {user:<8} {name}");
            }
        } else if let Some(password) = kaoping_server::demo::create_first_admin(&store)
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
fn import_findings(
    file: &Path,
    period: i64,
    user: &str,
    data: &Path,
    url: Option<&str>,
) -> Result<(), String> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|e| format!("{name}: 无法读取：{e}"))?;
    let text =
        kaoping_server::transfer::findings_text(&name, &bytes).map_err(|e| e.user_message())?;
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
        let store = match url {
            Some(url) => kaoping_store::Store::connect(url).await,
            None => kaoping_store::Store::open_sqlite(data).await,
        }
        .map_err(|e| format!("无法打开数据库：{e}"))?;
        let user = store
            .user_by_username(user)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("用户“{user}”不存在"))?;
        let result = kaoping_server::transfer::import_findings(
            &store,
            period,
            user.id,
            &name,
            &text,
            |line| {
                if line % 1000 == 0 {
                    bar.set_position(line);
                }
            },
        )
        .await;
        bar.finish_and_clear();
        match result {
            Ok(n) => {
                println!("已导入{n}条考核发现");
                Ok(())
            }
            Err(kaoping_server::transfer::FindingsImportError::Rows(rows)) => {
                Err(format!("{rows}\n未导入任何记录"))
            }
            Err(kaoping_server::transfer::FindingsImportError::Other(e)) => Err(e.user_message()),
        }
    })
}

/// Scores files with traces, for exports.
fn scored(
    s: &Scored,
) -> Result<
    (
        kaoping_core::rubric::Rubric,
        Units,
        Vec<kaoping_core::score::UnitResult>,
    ),
    String,
> {
    let rubric = read_rubric_file(&s.rubric).map_err(|e| e.to_string())?;
    let mut units = match &s.units {
        Some(path) => {
            read_units(&path.display().to_string(), open(path)?).map_err(|e| e.to_string())?
        }
        None => Units::new(),
    };
    let bytes = read_all(&s.findings)?;
    let name = s.findings.display().to_string();
    let results = score_findings_bytes(
        &rubric,
        &mut units,
        s.units.is_none(),
        &name,
        &bytes,
        true,
        1,
    )
    .map_err(|e| e.to_string())?;
    Ok((rubric, units, results))
}

fn write_xlsx(
    output: &Path,
    bytes: Result<Vec<u8>, kaoping_formats::xlsx::XlsxError>,
) -> Result<(), String> {
    let bytes = bytes.map_err(|e| format!("无法生成Excel文件：{e}"))?;
    std::fs::write(output, bytes).map_err(|e| format!("{}: 无法写入：{e}", output.display()))?;
    println!("已导出 {}", output.display());
    Ok(())
}

fn export(what: Export) -> Result<(), String> {
    use kaoping_formats::xlsx;
    match what {
        Export::Rubric { rubric, output } => {
            let rubric = read_rubric_file(&rubric).map_err(|e| e.to_string())?;
            write_xlsx(&output, xlsx::rubric_xlsx(&rubric))
        }
        Export::Summary { scored: s, output } => {
            let (rubric, units, results) = scored(&s)?;
            write_xlsx(
                &output,
                xlsx::summary_xlsx(
                    &format!("{} 汇总表", rubric.title()),
                    &rubric,
                    &units,
                    &results,
                ),
            )
        }
        Export::Sheet {
            scored: s,
            unit,
            output,
        } => {
            let (rubric, units, results) = scored(&s)?;
            let result = results
                .iter()
                .find(|r| units.unit(r.unit).code == unit)
                .ok_or_else(|| format!("单位“{unit}”不在名单中"))?;
            let describe = |f: &kaoping_core::finding::Finding| {
                if f.note.is_empty() {
                    format!("第{}行", f.origin)
                } else {
                    format!("第{}行 {}", f.origin, f.note)
                }
            };
            write_xlsx(
                &output,
                xlsx::sheet_xlsx(
                    &format!("{} 考评表", rubric.title()),
                    &rubric,
                    &units,
                    result,
                    &describe,
                ),
            )
        }
        Export::Findings { scored: s, output } => {
            let (rubric, _, _) = scored(&s)?;
            let mut rows = Vec::new();
            let name = s.findings.display().to_string();
            kaoping_formats::read_findings(&name, open(&s.findings)?, |input, line| {
                rows.push(xlsx::LedgerRow {
                    id: line.to_string(),
                    kind: "记录".into(),
                    unit: input.unit.to_string(),
                    code: input.code.to_string(),
                    round: input.round.to_string(),
                    count: input.count,
                    level: input.level.unwrap_or("").to_string(),
                    points: input.value,
                    note: input.note.to_string(),
                    recorded_by: String::new(),
                    recorded_at: String::new(),
                    reason: String::new(),
                    active: true,
                });
                Ok(())
            })
            .map_err(|e| e.to_string())?;
            write_xlsx(
                &output,
                xlsx::ledger_xlsx(&format!("{} 考核记录", rubric.title()), &rows),
            )
        }
    }
}

/// Imports a rubric table, writes the rubric file, and says what was found and what to confirm.
fn import_rubric(file: &Path, output: &Path, title: Option<&str>) -> Result<(), String> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|e| format!("{name}: 无法读取：{e}"))?;
    let stem = file
        .file_stem()
        .map_or_else(|| "考评细则".into(), |s| s.to_string_lossy().into_owned());
    let imported = kaoping_import::import_file(&name, &bytes, title.unwrap_or(&stem))
        .map_err(|e| e.to_string())?;
    let text = kaoping_formats::write_rubric(&imported.spec);
    let mut out = io::stdout().lock();
    let mut say = |line: String| writeln!(out, "{line}").map_err(|e| format!("输出失败：{e}"));
    for item in &imported.items {
        say(format!(
            "第{}行 {} {}：{}条规则",
            item.row, item.section, item.content, item.rules
        ))?;
        for c in &item.confirm {
            say(format!("    待确认：“{}”——{}", c.phrase, c.reason))?;
        }
    }
    let confirm = imported.to_confirm().len();
    std::fs::write(output, &text).map_err(|e| format!("{}: 无法写入：{e}", output.display()))?;
    say(format!(
        "已写入 {}（{}项待确认）",
        output.display(),
        confirm
    ))?;
    // The written file must read back; if not, say where, so the author can fix it.
    kaoping_formats::parse_rubric(&output.display().to_string(), &text)
        .map(|_| ())
        .map_err(|e| format!("导入的考评细则还需修改：\n{e}"))
}

fn check(rubric: &Path) -> Result<(), String> {
    let rubric = read_rubric_file(rubric).map_err(|e| e.to_string())?;
    let out = io::stdout().lock();
    report::write_rubric_table(out, &rubric).or_else(output_error)
}

/// A closed pipe (`kaoping check … | head`) is the reader's choice, not a failure.
fn output_error(e: io::Error) -> Result<(), String> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(format!("输出失败：{e}"))
    }
}

fn open(path: &Path) -> Result<Box<dyn Read>, String> {
    if path == Path::new("-") {
        return Ok(Box::new(io::stdin().lock()));
    }
    File::open(path)
        .map(|f| Box::new(f) as Box<dyn Read>)
        .map_err(|e| format!("{}: 无法打开：{e}", path.display()))
}

/// A findings file's bytes: mapped when it is a regular file (no copy of a file that may be hundreds of
/// megabytes), read when it is standard input.
enum Bytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Read(v) => v,
        }
    }
}

/// The whole file (or standard input): findings files are read in parallel from memory.
fn read_all(path: &Path) -> Result<Bytes, String> {
    let unreadable = |e: io::Error| format!("{}: 无法读取：{e}", path.display());
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(unreadable)?;
        return Ok(Bytes::Read(bytes));
    }
    let file = File::open(path).map_err(unreadable)?;
    if file.metadata().map_err(unreadable)?.len() == 0 {
        return Ok(Bytes::Read(Vec::new()));
    }
    // SAFETY: the map is only read, and only while this command runs. If another program truncates the
    // file meanwhile the process may be stopped by SIGBUS, the same trade ripgrep makes for large files;
    // nothing is written anywhere before the scores are complete, so no partial result can be left.
    match unsafe { memmap2::Mmap::map(&file) } {
        Ok(map) => Ok(Bytes::Mapped(map)),
        Err(_) => std::fs::read(path).map(Bytes::Read).map_err(unreadable),
    }
}

fn score(
    rubric_path: &Path,
    findings: &Path,
    units_path: Option<&Path>,
    format: Format,
    output: Option<&Path>,
) -> Result<(), String> {
    let rubric = read_rubric_file(rubric_path).map_err(|e| e.to_string())?;
    let mut units = match units_path {
        Some(path) => {
            read_units(&path.display().to_string(), open(path)?).map_err(|e| e.to_string())?
        }
        None => Units::new(),
    };
    let name = findings.display().to_string();
    let trace = matches!(format, Format::Json);
    let bytes = read_all(findings)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let results = score_findings_bytes(
        &rubric,
        &mut units,
        units_path.is_none(),
        &name,
        &bytes,
        trace,
        threads,
    )
    .map_err(|e| e.to_string())?;
    drop(bytes);

    let sink: Box<dyn Write> = match output {
        Some(path) => {
            Box::new(File::create(path).map_err(|e| format!("{}: 无法写入：{e}", path.display()))?)
        }
        None => Box::new(io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 20, sink);
    let written = match format {
        Format::Table => report::write_table(&mut out, &rubric, &units, &results),
        Format::Json => report::write_json(&mut out, &rubric, &units, &results),
        Format::Csv => report::write_csv(&mut out, &rubric, &units, &results),
    };
    let done = written.and_then(|()| out.flush()).or_else(output_error);
    // The process ends right after this: freeing a hundred thousand results one by one would only cost
    // time (a tenth of a second on the benchmark), so they are left to the operating system.
    std::mem::forget(results);
    std::mem::forget(units);
    done
}
