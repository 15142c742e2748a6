//! The units CSV: who is assessed, their ranking group, and the groups (科室, 调查组) they belong to.

use std::fmt;
use std::io::Read;

use kaoping_core::units::Units;

use crate::csv_quotes::{open_quote_message, QuoteWatch};

/// Why a units file was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitsError {
    Unreadable {
        file: String,
        reason: String,
    },
    Header {
        file: String,
        message: String,
    },
    Rows {
        file: String,
        errors: Vec<(u64, String)>,
    },
}

impl fmt::Display for UnitsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnitsError::Unreadable { file, reason } => write!(f, "{file}: 无法读取：{reason}"),
            UnitsError::Header { file, message } => write!(f, "{file}:1: {message}"),
            UnitsError::Rows { file, errors } => {
                for (i, (line, message)) in errors.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "{file}:{line}: {message}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for UnitsError {}

const CODE: &[&str] = &["code", "unit", "编号", "单位编号", "单位"];
const NAME: &[&str] = &["name", "名称", "单位名称", "姓名"];
const GROUP: &[&str] = &["group", "ranking_group", "分组", "排名分组"];
const MEMBER_OF: &[&str] = &["member_of", "groups", "所属组", "所在科室"];

/// Reads a units CSV (`code,name,group,member_of`; Chinese headers 编号,名称,分组,所属组). `member_of`
/// lists group codes separated by `;`, `；` or `、`.
///
/// # Errors
/// Unreadable file, unrecognised header, or rows with an empty or duplicate code (all listed by line).
pub fn read_units<R: Read>(file: &str, input: R) -> Result<Units, UnitsError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(QuoteWatch::new(input));
    let unreadable = |e: csv::Error| UnitsError::Unreadable {
        file: file.to_string(),
        reason: e.to_string(),
    };
    let headers = reader.headers().map_err(unreadable)?.clone();
    let mut positions = [None; 4];
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim_start_matches('\u{feff}').trim();
        let lower = h.to_ascii_lowercase();
        let slot = [CODE, NAME, GROUP, MEMBER_OF]
            .iter()
            .position(|names| names.contains(&lower.as_str()));
        match slot {
            Some(s) if positions[s].is_none() => positions[s] = Some(i),
            Some(_) => {
                return Err(UnitsError::Header {
                    file: file.to_string(),
                    message: format!("第{}列表头“{h}”重复", i + 1),
                })
            }
            None if h.is_empty() => {}
            None => {
                return Err(UnitsError::Header {
                    file: file.to_string(),
                    message: format!("第{}列表头“{h}”无法识别，可用：code,name,group,member_of 或 编号,名称,分组,所属组", i + 1),
                })
            }
        }
    }
    if positions[0].is_none() {
        return Err(UnitsError::Header {
            file: file.to_string(),
            message: "缺少“编号”列（表头应为 code,name,group,member_of）".into(),
        });
    }
    let mut units = Units::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push((line, format!("无法读取此行：{e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let field = |slot: usize| {
            positions[slot]
                .and_then(|i| record.get(i))
                .unwrap_or("")
                .trim()
        };
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let named = |i: usize| positions.contains(&Some(i));
        let stray: Vec<String> = record
            .iter()
            .enumerate()
            .filter(|(i, f)| !f.trim().is_empty() && !named(*i))
            .map(|(i, f)| {
                let f: String = f.trim().chars().take(20).collect();
                format!(
                    "第{}列“{f}”没有对应的表头，请删去这个值或给这一列加上表头",
                    i + 1
                )
            })
            .collect();
        if !stray.is_empty() {
            errors.push((line, stray.join("；")));
            continue;
        }
        let groups: Vec<&str> = field(3).split([';', '；', '、']).collect();
        let group = field(2);
        if let Err(e) = units.add_unit(
            field(0),
            field(1),
            (!group.is_empty()).then_some(group),
            &groups,
        ) {
            errors.push((line, e.to_string()));
        }
    }
    if let Some(opened) = reader.get_ref().open_quote_line() {
        errors.push((opened, open_quote_message()));
    }
    if errors.is_empty() {
        Ok(units)
    } else {
        Err(UnitsError::Rows {
            file: file.to_string(),
            errors,
        })
    }
}
