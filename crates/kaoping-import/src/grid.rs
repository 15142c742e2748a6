//! Builds a [`Table`] cell by cell, within [`crate::limits`]: rows are kept ragged (each as long as its last
//! filled cell), so a lone cell far from the others costs one row, not the rectangle between them.

use crate::limits::{MAX_CELLS, MAX_COLUMNS, MAX_ROWS};
use crate::table::Table;

/// A table past a bound: the message says which bound and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TooLarge(pub String);

/// Where a cell is, for messages: `B7` in a workbook, `第2个表格第3行第4列` in a document.
pub(crate) trait CellName {
    fn name(&self, row: usize, col: usize) -> String;
}

/// Excel's A1 references.
pub(crate) struct A1;

impl CellName for A1 {
    fn name(&self, row: usize, col: usize) -> String {
        format!("单元格{}{}", column_letters(col), row + 1)
    }
}

/// A CSV file's lines (one record per line, as far as messages go).
pub(crate) struct CsvLine;

impl CellName for CsvLine {
    fn name(&self, row: usize, col: usize) -> String {
        format!("第{}行第{}列", row + 1, col + 1)
    }
}

/// The `n`th table of a Word document (1-based).
pub(crate) struct WordTable(pub usize);

impl CellName for WordTable {
    fn name(&self, row: usize, col: usize) -> String {
        format!("第{}个表格第{}行第{}列", self.0, row + 1, col + 1)
    }
}

/// `0` → `A`, `25` → `Z`, `26` → `AA`.
pub(crate) fn column_letters(col: usize) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + u8::try_from(rem).unwrap_or(0));
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

pub(crate) struct TableBuilder<N> {
    names: N,
    rows: Vec<Vec<String>>,
    cells: usize,
    merged_across: Vec<(usize, usize, usize)>,
}

impl<N: CellName> TableBuilder<N> {
    pub(crate) fn new(names: N) -> Self {
        TableBuilder {
            names,
            rows: Vec::new(),
            cells: 0,
            merged_across: Vec::new(),
        }
    }

    /// Checks that a cell may exist, before anything is built for it.
    pub(crate) fn check(&self, row: usize, col: usize) -> Result<(), TooLarge> {
        if row >= MAX_ROWS {
            return Err(TooLarge(format!(
                "{}超出范围：最多读取{MAX_ROWS}行",
                self.names.name(row, col)
            )));
        }
        if col >= MAX_COLUMNS {
            return Err(TooLarge(format!(
                "{}超出范围：表格最多{MAX_COLUMNS}列",
                self.names.name(row, col)
            )));
        }
        Ok(())
    }

    /// Sets a cell's text, growing its row as needed.
    pub(crate) fn set(&mut self, row: usize, col: usize, text: String) -> Result<(), TooLarge> {
        self.check(row, col)?;
        if row >= self.rows.len() {
            self.rows.resize_with(row + 1, Vec::new);
        }
        let line = &mut self.rows[row];
        if col >= line.len() {
            self.cells += col + 1 - line.len();
            if self.cells > MAX_CELLS {
                return Err(TooLarge(format!(
                    "表格超过{}万个单元格（到{}为止），请拆分后导入，或另存为CSV",
                    MAX_CELLS / 10_000,
                    self.names.name(row, col)
                )));
            }
            line.resize(col + 1, String::new());
        }
        line[col] = text;
        Ok(())
    }

    /// The text of a cell set before (empty if none).
    pub(crate) fn get(&self, row: usize, col: usize) -> &str {
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .map_or("", String::as_str)
    }

    /// Repeats `text` over a merged region, and notes a region that spans columns.
    pub(crate) fn merge(
        &mut self,
        (r0, c0): (usize, usize),
        (r1, c1): (usize, usize),
        text: &str,
    ) -> Result<(), TooLarge> {
        self.check(r1, c1)?;
        for row in r0..=r1 {
            for col in c0..=c1 {
                self.set(row, col, text.to_string())?;
            }
        }
        if c1 > c0 {
            self.merged_across.extend((r0..=r1).map(|r| (r, c0, c1)));
        }
        Ok(())
    }

    /// Starts a new row at the end (Word tables are read row by row); returns its index.
    pub(crate) fn next_row(&mut self) -> Result<usize, TooLarge> {
        let row = self.rows.len();
        self.check(row, 0)?;
        self.rows.push(Vec::new());
        Ok(row)
    }

    pub(crate) fn row_len(&self, row: usize) -> usize {
        self.rows.get(row).map_or(0, Vec::len)
    }

    pub(crate) fn note_merged_across(&mut self, row: usize, first: usize, last: usize) {
        self.merged_across.push((row, first, last));
    }

    pub(crate) fn finish(self) -> Table {
        Table {
            rows: self.rows,
            merged_across: self.merged_across,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16_383), "XFD");
    }

    #[test]
    fn a_far_cell_costs_one_row_not_a_rectangle() {
        let mut t = TableBuilder::new(A1);
        t.set(0, 0, "a".into()).unwrap();
        t.set(500_000, 3, "b".into()).unwrap();
        let table = t.finish();
        assert_eq!(table.rows.len(), 500_001);
        assert_eq!(table.rows[500_000], vec!["", "", "", "b"]);
        assert!(table.rows[1].is_empty());
    }

    #[test]
    fn cells_past_the_bounds_are_named() {
        let mut t = TableBuilder::new(A1);
        let e = t.set(1_048_575, 16_383, "x".into()).unwrap_err();
        assert!(
            e.0.contains("XFD1048576") && e.0.contains("1000列"),
            "{}",
            e.0
        );
        let e = t.set(MAX_ROWS, 0, "x".into()).unwrap_err();
        assert!(e.0.contains("A1048577"), "{}", e.0);
        let e = TableBuilder::new(WordTable(2))
            .merge((0, 0), (3, 5_000), "x")
            .unwrap_err();
        assert!(e.0.contains("第2个表格第4行第5001列"), "{}", e.0);
    }

    #[test]
    fn a_merge_over_too_many_cells_is_refused_as_it_grows() {
        let mut t = TableBuilder::new(A1);
        let e = t.merge((0, 0), (MAX_ROWS - 1, 999), "x").unwrap_err();
        assert!(e.0.contains("200万个单元格"), "{}", e.0);
    }
}
