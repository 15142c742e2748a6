//! Reading inputs and writing outputs the same way for every command.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// A closed pipe (`kaoping check … | head`) is the reader's choice, not a failure.
pub fn output_error(e: io::Error) -> Result<(), String> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(format!("输出失败：{e}"))
    }
}

pub fn open(path: &Path) -> Result<Box<dyn Read>, String> {
    if path == Path::new("-") {
        return Ok(Box::new(io::stdin().lock()));
    }
    File::open(path)
        .map(|f| Box::new(f) as Box<dyn Read>)
        .map_err(|e| format!("{}: 无法打开：{e}", path.display()))
}

/// A findings file's bytes: mapped when it is a regular file (no copy of a file that may be hundreds of
/// megabytes), read when it is standard input.
pub enum Bytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Read(v) => v,
        }
    }
}

/// The whole file (or standard input): findings files are read in parallel from memory.
pub fn read_all(path: &Path) -> Result<Bytes, String> {
    let unreadable = |e: io::Error| format!("{}: 无法读取：{e}", path.display());
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(unreadable)?;
        return Ok(Bytes::Read(bytes));
    }
    let file = File::open(path).map_err(unreadable)?;
    if file.metadata().map_err(unreadable)?.len() == 0 {
        return Ok(Bytes::Read(Vec::new()));
    }
    // SAFETY: the map is only read, and only while this command runs. If another program truncates the
    // file meanwhile the process may be stopped by SIGBUS, the same trade ripgrep makes for large files;
    // nothing is written anywhere before the scores are complete, so no partial result can be left.
    match unsafe { memmap2::Mmap::map(&file) } {
        Ok(map) => Ok(Bytes::Mapped(map)),
        Err(_) => std::fs::read(path).map(Bytes::Read).map_err(unreadable),
    }
}
