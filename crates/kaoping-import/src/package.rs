//! The zip package inside .docx and .xlsx files, opened only after every part has been inflated once and
//! counted: a part's declared size is not trusted, so a small file that inflates to gigabytes is refused
//! before any reader builds anything from it.

use std::io::{Cursor, Read};

use zip::ZipArchive;

use crate::limits::{MAX_INFLATED_BYTES, MAX_PACKAGE_ENTRIES, MB};
use crate::read_error::ReadError;

/// Checks the package's real inflated size, part by part, and opens it.
///
/// # Errors
/// Not a zip, a broken part, too many parts, or more than [`MAX_INFLATED_BYTES`] inflated.
pub(crate) fn open_checked(bytes: &[u8]) -> Result<ZipArchive<Cursor<&[u8]>>, ReadError> {
    let mut zip =
        ZipArchive::new(Cursor::new(bytes)).map_err(|e| ReadError::Broken(e.to_string()))?;
    if zip.len() > MAX_PACKAGE_ENTRIES {
        return Err(ReadError::TooLarge(format!(
            "压缩包内有{}个部件，最多{MAX_PACKAGE_ENTRIES}个",
            zip.len()
        )));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip
            .by_index(i)
            .map_err(|e| ReadError::Broken(e.to_string()))?;
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        let left = MAX_INFLATED_BYTES - total;
        // Reads at most one byte past what is left, so a bomb costs no more than the bound.
        let read = std::io::copy(&mut entry.take(left + 1), &mut std::io::sink())
            .map_err(|e| ReadError::Broken(format!("{name}：{e}")))?;
        if read > left {
            return Err(ReadError::TooLarge(format!(
                "解压后超过{}MB（到部件 {name} 为止），请删去不需要的内容或拆分后导入",
                MAX_INFLATED_BYTES / MB
            )));
        }
        total += read;
    }
    Ok(zip)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            out.start_file(*name, options).unwrap();
            out.write_all(bytes).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn a_package_within_the_bound_opens() {
        let bytes = zip_of(&[("a.xml", b"<a/>"), ("b.xml", b"<b/>")]);
        assert_eq!(open_checked(&bytes).unwrap().len(), 2);
    }

    #[test]
    fn parts_that_inflate_past_the_bound_together_are_refused() {
        let half = vec![b' '; usize::try_from(MAX_INFLATED_BYTES / 2 + 1).unwrap()];
        let bytes = zip_of(&[("a.xml", &half), ("b.xml", &half)]);
        assert!(bytes.len() < 1024 * 1024, "the test file itself is small");
        let Err(ReadError::TooLarge(message)) = open_checked(&bytes) else {
            panic!("refused as too large");
        };
        assert!(
            message.contains("100MB") && message.contains("b.xml"),
            "{message}"
        );
    }

    #[test]
    fn not_a_zip_is_broken() {
        assert!(matches!(
            open_checked(b"PK\x03\x04 not really"),
            Err(ReadError::Broken(_))
        ));
    }
}
