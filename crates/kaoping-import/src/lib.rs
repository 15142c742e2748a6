//! Bring your own rubric: turns the tables people already have (Word, Excel, CSV) into a Kaoping
//! [`kaoping_core::rubric::RubricSpec`], reading the Chinese scoring criteria (评分标准) into rules.
//!
//! Nothing is guessed silently: what the parser cannot read with certainty is returned as a
//! [`Confirm`] quoting the original phrase, for the author to check.

pub mod criteria;
mod excel;
pub mod files;
mod grid;
mod header;
pub mod limits;
pub mod meaning;
mod numbers;
mod package;
mod read_error;
mod rule_lines;
pub mod table;
mod word;

pub use criteria::{parse_criteria, Confirm, ParsedCriteria};
pub use files::{findings_csv_from_xlsx, import_file, read_tables, ImportError};
pub use table::{import_table, Columns, Imported, ImportedItem, ReadRule, Table, TableError};
