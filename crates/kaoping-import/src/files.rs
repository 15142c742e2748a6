//! Reading tables out of the files people have: Word (.docx), Excel (.xlsx) and CSV. Merged cells, as Word
//! (`gridSpan`, `vMerge`) and Excel (merge regions) produce them, are repeated into every cell they cover.

use std::fmt;

use kaoping_formats::csv_quotes::{open_quote_message, QuoteWatch};

use crate::excel::xlsx_tables;
use crate::grid::{CsvLine, TableBuilder};
use crate::read_error::ReadError;
use crate::table::{import_table, Imported, Table, TableError};
use crate::word::docx_tables;

/// Why a file could not be imported. Messages say what and where.
#[derive(Debug)]
pub enum ImportError {
    UnknownType(String),
    NotZip {
        file: String,
        kind: &'static str,
    },
    Broken {
        file: String,
        reason: String,
    },
    /// Past a bound of [`crate::limits`].
    TooLarge {
        file: String,
        reason: String,
    },
    Table {
        file: String,
        error: TableError,
    },
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::UnknownType(file) => {
                write!(
                    f,
                    "{file}: 只能导入 .docx、.xlsx 或 .csv 文件（旧版 .doc/.xls 请先另存为新格式）"
                )
            }
            ImportError::NotZip { file, kind } => {
                write!(f, "{file}: 不是有效的{kind}文件（文件内容不是 Office Open XML 压缩包），请用Word或Excel另存后重试")
            }
            ImportError::Broken { file, reason } => {
                write!(f, "{file}: 文件已损坏或无法读取：{reason}")
            }
            ImportError::TooLarge { file, reason } => {
                write!(f, "{file}: 文件太大，没有导入：{reason}")
            }
            ImportError::Table { file, error } => write!(f, "{file}: {error}"),
        }
    }
}

impl std::error::Error for ImportError {}

/// A reader's error, with the file's name attached.
fn in_file(e: ReadError, file: &str) -> ImportError {
    let file = file.to_string();
    match e {
        ReadError::Broken(reason) => ImportError::Broken { file, reason },
        ReadError::TooLarge(reason) => ImportError::TooLarge { file, reason },
    }
}

/// Reads the rubric table in a file (by its extension) and imports it, titled `title`.
///
/// # Errors
/// An unsupported or broken file, or a table that is not a rubric.
pub fn import_file(file: &str, bytes: &[u8], title: &str) -> Result<Imported, ImportError> {
    let tables = read_tables(file, bytes)?;
    let mut first_error = None;
    for table in &tables {
        match import_table(title, table) {
            Ok(mut imported) => {
                // Kaoping's own export carries the rubric's settings on a second sheet.
                let settings = tables.iter().find(|t| {
                    t.rows
                        .first()
                        .is_some_and(|r| r.first().map(String::as_str) == Some("设置"))
                });
                if let Some(settings) = settings {
                    // The exact bonus rules replace what the 增分因素 row's wording suggested.
                    for item in &mut imported.items {
                        if crate::table::is_bonus_section(&item.section) {
                            item.confirm.clear();
                        }
                        // The bonus rules are the settings' now, not the rows'.
                        item.bonus = 0..0;
                    }
                    crate::rule_lines::apply_settings(&mut imported.spec, &settings.rows).map_err(
                        |(line, reason)| ImportError::Table {
                            file: file.to_string(),
                            error: TableError::BadRuleLine {
                                row: 0,
                                line,
                                reason,
                            },
                        },
                    )?;
                }
                return Ok(imported);
            }
            Err(TableError::NoHeader) => {}
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    Err(ImportError::Table {
        file: file.to_string(),
        error: first_error.unwrap_or(TableError::NoHeader),
    })
}

/// Every table in the file: a Word document's top-level tables, an Excel workbook's sheets, a CSV file.
pub fn read_tables(file: &str, bytes: &[u8]) -> Result<Vec<Table>, ImportError> {
    let lower = file.to_lowercase();
    let zip_kind = if lower.ends_with(".docx") {
        Some("Word")
    } else if lower.ends_with(".xlsx") {
        Some("Excel")
    } else {
        None
    };
    if let Some(kind) = zip_kind {
        if !bytes.starts_with(b"PK\x03\x04") {
            return Err(ImportError::NotZip {
                file: file.to_string(),
                kind,
            });
        }
    }
    let named = |e: ReadError| in_file(e, file);
    if lower.ends_with(".docx") {
        docx_tables(bytes).map_err(named)
    } else if lower.ends_with(".xlsx") {
        xlsx_tables(bytes).map_err(named)
    } else if lower.ends_with(".csv") {
        csv_table(bytes).map(|t| vec![t]).map_err(named)
    } else {
        Err(ImportError::UnknownType(file.to_string()))
    }
}

fn csv_table(bytes: &[u8]) -> Result<Table, ReadError> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes))
        .map_err(|_| ReadError::Broken("不是UTF-8编码，请在Excel中另存为“CSV UTF-8”".into()))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(QuoteWatch::new(text.as_bytes()));
    let mut table = TableBuilder::new(CsvLine);
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| ReadError::Broken(e.to_string()))?;
        for (col, field) in record.iter().enumerate() {
            table.set(row, col, field.to_string())?;
        }
    }
    if let Some(line) = reader.get_ref().open_quote_line() {
        return Err(ReadError::Broken(format!(
            "第{line}行：{}",
            open_quote_message()
        )));
    }
    Ok(table.finish())
}

/// A findings workbook (.xlsx, first sheet, the findings CSV's columns or their Chinese headers) as findings
/// CSV text, so it is read and checked by exactly the same code as a CSV file, line numbers included.
///
/// # Errors
/// Not a zip, or a broken workbook.
pub fn findings_csv_from_xlsx(file: &str, bytes: &[u8]) -> Result<String, ImportError> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(ImportError::NotZip {
            file: file.to_string(),
            kind: "Excel",
        });
    }
    let tables = xlsx_tables(bytes).map_err(|e| in_file(e, file))?;
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    if let Some(first) = tables.first() {
        for row in &first.rows {
            out.write_record(row).map_err(|e| ImportError::Broken {
                file: file.to_string(),
                reason: e.to_string(),
            })?;
        }
    }
    let bytes = out.into_inner().map_err(|e| ImportError::Broken {
        file: file.to_string(),
        reason: e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|e| ImportError::Broken {
        file: file.to_string(),
        reason: e.to_string(),
    })
}
