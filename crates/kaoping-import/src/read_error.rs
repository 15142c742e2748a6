//! Why the tables in a file could not be read, before the file's name is attached.

/// A file's contents are broken, or larger than the importer reads ([`crate::limits`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadError {
    Broken(String),
    TooLarge(String),
}

impl From<crate::grid::TooLarge> for ReadError {
    fn from(e: crate::grid::TooLarge) -> Self {
        ReadError::TooLarge(e.0)
    }
}
