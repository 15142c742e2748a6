//! Tables from a Word document (.docx): the body's top-level tables, streamed from document.xml (inflated
//! within [`crate::limits`]), with `gridSpan` repeated across columns and continued `vMerge` cells taking
//! the text of the cell above.

use std::io::BufReader;

use quick_xml::events::{BytesStart, Event};

use crate::grid::{TableBuilder, WordTable};
use crate::limits::MAX_COLUMNS;
use crate::package::open_checked;
use crate::read_error::ReadError;
use crate::table::Table;

/// A Word cell: its text, how many grid columns it spans, and its vertical merge state.
struct Cell {
    text: String,
    span: usize,
    /// `Some(true)` starts a vertical merge, `Some(false)` continues the one above.
    vmerge: Option<bool>,
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| a.value.to_string())
}

pub(crate) fn docx_tables(bytes: &[u8]) -> Result<Vec<Table>, ReadError> {
    let mut zip = open_checked(bytes)?;
    let document = zip
        .by_name("word/document.xml")
        .map_err(|_| ReadError::Broken("缺少 word/document.xml，不是Word文档".into()))?;
    read_document(BufReader::new(document))
}

fn read_document(input: impl std::io::BufRead) -> Result<Vec<Table>, ReadError> {
    let mut reader = quick_xml::Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut tables = Vec::new();
    let mut depth = 0usize;
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut in_text = false;
    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            ReadError::Broken(format!(
                "document.xml 第{}字节：{e}",
                reader.buffer_position()
            ))
        })?;
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
                    let span = attr(&e, "w:val")
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(1);
                    if span > MAX_COLUMNS {
                        return Err(ReadError::TooLarge(format!(
                            "第{}个表格第{}行有一格横跨{span}列，表格最多{MAX_COLUMNS}列",
                            tables.len() + 1,
                            rows.len()
                        )));
                    }
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
                        tables.push(grid(tables.len() + 1, std::mem::take(&mut rows))?);
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
fn grid(number: usize, rows: Vec<Vec<Cell>>) -> Result<Table, ReadError> {
    let mut table = TableBuilder::new(WordTable(number));
    for row in rows {
        let r = table.next_row()?;
        for cell in row {
            let col = table.row_len(r);
            let text = if cell.vmerge == Some(false) {
                r.checked_sub(1)
                    .map_or_else(String::new, |above| table.get(above, col).to_string())
            } else {
                cell.text.trim().to_string()
            };
            let span = cell.span.max(1);
            table.check(r, col + span - 1)?;
            if span > 1 {
                table.note_merged_across(r, col, col + span - 1);
            }
            for c in col..col + span {
                table.set(r, c, text.clone())?;
            }
        }
    }
    Ok(table.finish())
}
