//! Reading tables out of the files people have: Word (.docx), Excel (.xlsx) and CSV. Merged cells, as Word
//! (`gridSpan`, `vMerge`) and Excel (merge regions) produce them, are repeated into every cell they cover.

use std::fmt;
use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};
use quick_xml::events::Event;

use crate::table::{import_table, Imported, Table, TableError};

/// Why a file could not be imported. Messages say what and where.
#[derive(Debug)]
pub enum ImportError {
    UnknownType(String),
    NotZip { file: String, kind: &'static str },
    Broken { file: String, reason: String },
    Table { file: String, error: TableError },
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
            ImportError::Table { file, error } => write!(f, "{file}: {error}"),
        }
    }
}

impl std::error::Error for ImportError {}

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
    let broken = |reason: String| ImportError::Broken {
        file: file.to_string(),
        reason,
    };
    if lower.ends_with(".docx") {
        docx_tables(bytes).map_err(broken)
    } else if lower.ends_with(".xlsx") {
        xlsx_tables(bytes).map_err(broken)
    } else if lower.ends_with(".csv") {
        csv_table(bytes).map(|t| vec![t]).map_err(broken)
    } else {
        Err(ImportError::UnknownType(file.to_string()))
    }
}

fn csv_table(bytes: &[u8]) -> Result<Table, String> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes))
        .map_err(|_| "不是UTF-8编码，请在Excel中另存为“CSV UTF-8”".to_string())?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        rows.push(record.iter().map(str::to_string).collect());
    }
    Ok(Table {
        rows,
        merged_across: Vec::new(),
    })
}

fn xlsx_tables(bytes: &[u8]) -> Result<Vec<Table>, String> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut tables = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).map_err(|e| e.to_string())?;
        let (start_row, start_col) = range
            .start()
            .map_or((0, 0), |(r, c)| (r as usize, c as usize));
        let (height, width) = range.get_size();
        let mut rows = vec![vec![String::new(); start_col + width]; start_row + height];
        for (r, row) in range.rows().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                rows[start_row + r][start_col + c] = match cell {
                    Data::Empty => String::new(),
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                        format!("{}", *f as i64)
                    }
                    other => other.to_string(),
                };
            }
        }
        let mut merged_across = Vec::new();
        for m in book
            .merge_cells_by_sheet_name(&name)
            .map_err(|e| e.to_string())?
        {
            let (r0, c0) = (m.start.0 as usize, m.start.1 as usize);
            let (r1, c1) = (m.end.0 as usize, m.end.1 as usize);
            let value = rows
                .get(r0)
                .and_then(|r| r.get(c0))
                .cloned()
                .unwrap_or_default();
            for row in rows.iter_mut().take(r1 + 1).skip(r0) {
                if row.len() <= c1 {
                    row.resize(c1 + 1, String::new());
                }
                for cell in row.iter_mut().take(c1 + 1).skip(c0) {
                    cell.clone_from(&value);
                }
            }
            if c1 > c0 {
                merged_across.extend((r0..=r1).map(|r| (r, c0, c1)));
            }
        }
        tables.push(Table {
            rows,
            merged_across,
        });
    }
    Ok(tables)
}

/// A Word cell: its text, how many grid columns it spans, and its vertical merge state.
struct Cell {
    text: String,
    span: usize,
    /// `Some(true)` starts a vertical merge, `Some(false)` continues the one above.
    vmerge: Option<bool>,
}

fn attr(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| a.value.to_string())
}

fn docx_tables(bytes: &[u8]) -> Result<Vec<Table>, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .map_err(|_| "缺少 word/document.xml，不是Word文档".to_string())?
        .read_to_string(&mut xml)
        .map_err(|e| e.to_string())?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut tables = Vec::new();
    let mut depth = 0usize;
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut in_text = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("document.xml 第{}字节：{e}", reader.buffer_position()))?;
        match event {
            Event::Start(e) => match e.name().as_ref() {
                "w:tbl" => {
                    depth += 1;
                    if depth == 1 {
                        rows.clear();
                    }
                }
                "w:tr" if depth == 1 => rows.push(Vec::new()),
                "w:tc" if depth == 1 => {
                    if let Some(r) = rows.last_mut() {
                        r.push(Cell {
                            text: String::new(),
                            span: 1,
                            vmerge: None,
                        });
                    }
                }
                "w:t" if depth >= 1 => in_text = true,
                "w:vMerge" if depth == 1 => set_vmerge(&mut rows, attr(&e, "w:val").as_deref()),
                _ => {}
            },
            Event::Empty(e) if depth == 1 => match e.name().as_ref() {
                "w:gridSpan" => {
                    let span = attr(&e, "w:val").and_then(|v| v.parse().ok()).unwrap_or(1);
                    if let Some(cell) = rows.last_mut().and_then(|r| r.last_mut()) {
                        cell.span = span;
                    }
                }
                "w:vMerge" => set_vmerge(&mut rows, attr(&e, "w:val").as_deref()),
                "w:br" | "w:cr" => push_text(&mut rows, "\n"),
                _ => {}
            },
            Event::Text(t) if in_text => {
                let text = t.xml10_content();
                push_text(&mut rows, &text);
            }
            Event::GeneralRef(r) if in_text => {
                let text = match r.as_ref() {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                };
                push_text(&mut rows, text);
            }
            Event::End(e) => match e.name().as_ref() {
                "w:t" => in_text = false,
                "w:p" if depth == 1 => push_text(&mut rows, "\n"),
                "w:tbl" => {
                    if depth == 1 {
                        tables.push(grid(std::mem::take(&mut rows)));
                    }
                    depth = depth.saturating_sub(1);
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(tables)
}

fn set_vmerge(rows: &mut [Vec<Cell>], val: Option<&str>) {
    if let Some(cell) = rows.last_mut().and_then(|r| r.last_mut()) {
        cell.vmerge = Some(val == Some("restart"));
    }
}

fn push_text(rows: &mut [Vec<Cell>], text: &str) {
    if let Some(cell) = rows.last_mut().and_then(|r| r.last_mut()) {
        cell.text.push_str(text);
    }
}

/// Lays Word cells on the grid: spans repeat across columns, continued vertical merges repeat the cell
/// above.
fn grid(rows: Vec<Vec<Cell>>) -> Table {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut merged_across = Vec::new();
    for (r, row) in rows.into_iter().enumerate() {
        let mut line: Vec<String> = Vec::new();
        for cell in row {
            let col = line.len();
            let text = if cell.vmerge == Some(false) {
                out.last()
                    .and_then(|above| above.get(col))
                    .cloned()
                    .unwrap_or_default()
            } else {
                cell.text.trim().to_string()
            };
            if cell.span > 1 {
                merged_across.push((r, col, col + cell.span - 1));
            }
            for _ in 0..cell.span.max(1) {
                line.push(text.clone());
            }
        }
        out.push(line);
    }
    Table {
        rows: out,
        merged_across,
    }
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
    let tables = xlsx_tables(bytes).map_err(|reason| ImportError::Broken {
        file: file.to_string(),
        reason,
    })?;
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
