//! `kaoping`: the one binary. Subcommands parse their flags, call the formats and core crates, and turn
//! every failure into a message that says what and where, with exit code 1 (2 for bad flags).

mod attendance;
mod backup;
mod database;
mod files;
mod input;
mod scoring;
mod serve;
mod verify;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use files::{export, import_rubric, Export};
use scoring::{check, score};
use serve::{import_findings, serve, ServeArgs};

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
    /// Import the attendance machine's monthly export, or with --exams the exam scores, into a period:
    /// the rate and counts (or scores) become ledger entries, all rows or none (导入考勤、考试成绩).
    ImportAttendance {
        /// The attendance or exam file (.csv or .xlsx).
        file: PathBuf,
        /// The period's id (as in the web address /periods/ID).
        #[arg(long)]
        period: i64,
        /// The file is an exam score sheet (person, quarter, score).
        #[arg(long)]
        exams: bool,
        /// The month of an attendance file without a month column (2024-03 or 2024年3月).
        #[arg(long)]
        month: Option<String>,
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
    /// Check that nothing was changed behind the application's back (校验数据完整性): every hash chain,
    /// every record against it, every evidence file, every publication re-scored. Exits 0 when intact,
    /// 1 naming the first broken record.
    Verify {
        /// The SQLite data folder.
        #[arg(long, default_value = "kaoping-data")]
        data: PathBuf,
        /// Use PostgreSQL instead of SQLite.
        #[arg(long, env = "KAOPING_DATABASE_URL")]
        database_url: Option<String>,
    },
    /// Back up the SQLite database while the server runs (备份): one consistent file, checked after it is
    /// written. PostgreSQL: pg_dump (docs/deployment.md).
    Backup {
        /// The SQLite data folder.
        #[arg(long, default_value = "kaoping-data")]
        data: PathBuf,
        /// The backup file to write (must not exist).
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Restore a backup into a data folder (恢复), then verify it; a backup that does not verify is not put
    /// in place. Stop every `kaoping serve` first.
    Restore {
        /// The backup file `kaoping backup` wrote.
        file: PathBuf,
        /// The SQLite data folder to restore into.
        #[arg(long, default_value = "kaoping-data")]
        data: PathBuf,
        /// Replace the folder's database (it is kept, renamed, beside the restored one).
        #[arg(long)]
        replace: bool,
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

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
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
        Command::ImportAttendance {
            file,
            period,
            exams,
            month,
            user,
            data,
            database_url,
        } => attendance::import_attendance(&attendance::AttendanceArgs {
            file: &file,
            period,
            exams,
            month: month.as_deref(),
            user: &user,
            data: &data,
            url: database_url.as_deref(),
        }),
        Command::Verify { data, database_url } => verify::verify(&data, database_url.as_deref()),
        Command::Backup { data, output } => backup::backup(&data, &output),
        Command::Restore {
            file,
            data,
            replace,
        } => backup::restore(&file, &data, replace),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(io::stderr().lock(), "{message}");
            ExitCode::FAILURE
        }
    }
}
