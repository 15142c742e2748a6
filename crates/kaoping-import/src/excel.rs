//! Tables from an Excel workbook (.xlsx), one per sheet: cells streamed one at a time from the sheet XML
//! (never the sheet's "used range", which one far cell makes as large as the sheet), merge regions repeated
//! into every cell they cover.

use calamine::{DataRef, Reader, Xlsx};

use crate::grid::{TableBuilder, A1};
use crate::package::open_checked;
use crate::read_error::ReadError;
use crate::table::Table;

pub(crate) fn xlsx_tables(bytes: &[u8]) -> Result<Vec<Table>, ReadError> {
    // Inflates every part once first, so calamine (which reads shared strings whole) never meets a bomb.
    drop(open_checked(bytes)?);
    let broken = |e: calamine::XlsxError| ReadError::Broken(e.to_string());
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(broken)?;
    let mut tables = Vec::new();
    for name in book.sheet_names() {
        let mut table = TableBuilder::new(A1);
        {
            let mut cells = book.worksheet_cells_reader(&name).map_err(broken)?;
            while let Some(cell) = cells.next_cell().map_err(broken)? {
                let (row, col) = cell.get_position();
                let (row, col) = (row as usize, col as usize);
                table.check(row, col)?;
                let text = cell_text(cell.get_value());
                if !text.is_empty() {
                    table.set(row, col, text)?;
                }
            }
        }
        let merges = book.merge_cells_by_sheet_name(&name).map_err(broken)?;
        for m in merges {
            let start = (m.start.0 as usize, m.start.1 as usize);
            let end = (m.end.0 as usize, m.end.1 as usize);
            let value = table.get(start.0, start.1).to_string();
            table.merge(start, end, &value)?;
        }
        tables.push(table.finish());
    }
    Ok(tables)
}

/// A cell as the text a person sees: whole numbers without `.0`.
fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => calamine::Data::from(other.clone()).to_string(),
    }
}
