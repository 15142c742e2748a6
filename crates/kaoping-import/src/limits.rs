//! How much of a file the importer will read. A size written inside a file (a cell reference, a merge
//! region, a column span, a zip entry's length) never decides an allocation: every table is built cell by
//! cell against these bounds, and a file past them is refused, saying which bound and where.

/// Everything a workbook or document holds, inflated. A rubric is kilobytes; a findings workbook of
/// 100,000 rows is about 30 MB.
pub const MAX_INFLATED_BYTES: u64 = 100 * 1024 * 1024;

/// Parts in one .docx or .xlsx package.
pub const MAX_PACKAGE_ENTRIES: usize = 10_000;

/// Rows of one table: Excel's own limit, so any real sheet fits.
pub const MAX_ROWS: usize = 1_048_576;

/// Columns of one table. A rubric has under ten and a findings sheet ten; Excel allows 16,384, which no
/// table we read needs.
pub const MAX_COLUMNS: usize = 1_000;

/// Cells of one table, counting the blanks to the left of each filled cell (that is what is kept).
pub const MAX_CELLS: usize = 2_000_000;

/// One MB, for messages.
pub const MB: u64 = 1024 * 1024;
