//! Kaoping's file formats, at the edge around the core: the rubric TOML file, the findings and units CSV
//! files, and the score reports (JSON, CSV, text table). Documented for other tools in `docs/`.
//!
//! Everything that reads user input reports what is wrong and where (file, line, column or CSV line), and
//! returns nothing partial.

pub mod attendance;
pub mod csv_quotes;
pub mod findings_csv;
mod location;
pub mod report;
pub mod rubric_toml;
mod rubric_write;
pub mod units_csv;
pub mod xlsx;

pub use findings_csv::{
    read_findings, score_findings, score_findings_bytes, FindingsError, RowError,
};
pub use location::Location;
pub use rubric_toml::{parse_rubric, read_rubric_file, read_rubric_spec, RubricFileError};
pub use rubric_write::write_rubric;
pub use units_csv::{read_units, UnitsError};
