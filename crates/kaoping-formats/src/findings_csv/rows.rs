//! Reading the rows of a findings file held in memory: the header, then each line split by
//! [`LineFields`], and the spans it does not split (quoting that runs onto other lines, stray quotes,
//! bare carriage returns) read by the `csv` crate.
//!
//! Line numbers are counted from the bytes, not taken from the `csv` crate, whose count skips a line
//! after a quoted field that ends a CRLF line (Excel's own format): an error would name the line above
//! the row.

use super::line_reader::{quoted_span_end, LineFields};
use super::plain_rows::PlainRows;
use super::Fields;
use super::{parse_row, FindingsError, Header, RowError, RowSink, MAX_ROW_ERRORS};
use crate::csv_quotes::{open_quote_message, QuoteState, QuoteWatch};

fn csv_reader<R: std::io::Read>(input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(input)
}

fn empty_file(file: &str) -> FindingsError {
    FindingsError::Header {
        file: file.to_string(),
        message: "文件是空的，第一行应为表头 unit,code,count,level,points,round,note".into(),
    }
}

/// The header, where the rows after it start, and the line they start on.
pub(super) fn read_header(file: &str, bytes: &[u8]) -> Result<(Header, usize, u64), FindingsError> {
    let mut record = csv::ByteRecord::new();
    let mut reader = csv_reader(bytes);
    let found = reader
        .read_byte_record(&mut record)
        .map_err(|e| FindingsError::Unreadable {
            file: file.to_string(),
            reason: e.to_string(),
        })?;
    if !found {
        return Err(empty_file(file));
    }
    let header = Header::parse(file, &record)?;
    let body = usize::try_from(reader.position().byte())
        .unwrap_or(bytes.len())
        .min(bytes.len());
    let line = 1 + memchr::memchr_iter(b'\n', &bytes[..body]).count() as u64;
    Ok((header, body, line))
}

/// Reads header-less rows of `part` (a whole file's or a part's), whose first line is `first_line`,
/// handing each to `plain` if it takes it, else to `sink`. A quote left open at the end of the last part
/// is an error; at the end of another part it means the file was split inside a quoted field, and
/// `ended_in_quote` is set instead.
///
/// # Errors
/// Rows were rejected (up to [`MAX_ROW_ERRORS`] kept, the rest counted).
#[allow(clippy::too_many_arguments)]
pub(super) fn read_lines(
    file: &str,
    header: &Header,
    part: &[u8],
    first_line: u64,
    last: bool,
    ended_in_quote: &mut bool,
    sink: &mut RowSink<'_>,
    mut plain: Option<&mut PlainRows<'_, '_>>,
) -> Result<u64, FindingsError> {
    let mut found = Found::default();
    let mut fields = LineFields::default();
    let (mut at, mut line) = (0usize, first_line);
    while at < part.len() {
        let (next, split) = fields.split_next(part, at);
        if split {
            // A plain row is never blank: try it first.
            if plain.as_deref_mut().is_some_and(|p| p.take(&fields, line)) {
                found.rows += 1;
            } else if !fields.is_blank() {
                found.rows += 1;
                let result = parse_row(header, &fields).and_then(|input| sink(&input, line));
                if let Err(messages) = result {
                    found.push(line, messages);
                }
            }
            (at, line) = (next, line + 1);
            continue;
        }
        // The csv crate reads from here to the first line end outside quotes; if a stray quote
        // miscounted that end, to the end of the part.
        let mut end = quoted_span_end(part, at);
        if end < part.len() {
            let mut quotes = QuoteState::default();
            quotes.feed(&part[at..end]);
            if quotes.open_quote_line().is_some() {
                end = part.len();
            }
        }
        let span = &part[at..end];
        let open = csv_span(header, span, line, sink, plain.as_deref_mut(), &mut found);
        if end == part.len() {
            match open {
                Some(opened) if last => found.push(opened, vec![open_quote_message()]),
                Some(_) => *ended_in_quote = true,
                None => {}
            }
            break;
        }
        line += memchr::memchr_iter(b'\n', span).count() as u64;
        at = end;
    }
    found.into_result(file)
}

/// Rows read and rows rejected.
#[derive(Default)]
struct Found {
    rows: u64,
    errors: Vec<RowError>,
    more: usize,
}

impl Found {
    fn push(&mut self, line: u64, messages: Vec<String>) {
        if self.errors.len() < MAX_ROW_ERRORS {
            self.errors.push(RowError {
                line,
                message: messages.join("；"),
            });
        } else {
            self.more += 1;
        }
    }

    fn into_result(self, file: &str) -> Result<u64, FindingsError> {
        if self.errors.is_empty() {
            Ok(self.rows)
        } else {
            Err(FindingsError::Rows {
                file: file.to_string(),
                errors: self.errors,
                more: self.more,
            })
        }
    }
}

/// Reads `span`, whose first line is `first_line`, with the `csv` crate. Returns the line where a quoted
/// field opened and ran to the end of the span, if one did.
fn csv_span(
    header: &Header,
    span: &[u8],
    first_line: u64,
    sink: &mut RowSink<'_>,
    mut plain: Option<&mut PlainRows<'_, '_>>,
    found: &mut Found,
) -> Option<u64> {
    let mut reader = csv_reader(QuoteWatch::new(span));
    let mut record = csv::ByteRecord::new();
    // The line of a byte of the span, counted on from the last one asked about (they only grow).
    let (mut counted_to, mut lines) = (0usize, 0u64);
    let mut line_at = |byte: u64| {
        let byte = usize::try_from(byte).unwrap_or(span.len()).min(span.len());
        if byte >= counted_to {
            lines += memchr::memchr_iter(b'\n', &span[counted_to..byte]).count() as u64;
            counted_to = byte;
        }
        first_line + lines
    };
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(first_line, |p| line_at(p.byte()));
                found.push(line, vec![format!("无法读取此行：{e}")]);
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map_or(first_line, |p| line_at(p.byte()));
        if record.is_blank() {
            continue;
        }
        found.rows += 1;
        if plain.as_deref_mut().is_some_and(|p| p.take(&record, line)) {
            continue;
        }
        let result = parse_row(header, &record).and_then(|input| sink(&input, line));
        if let Err(messages) = result {
            found.push(line, messages);
        }
    }
    reader
        .get_ref()
        .open_quote_line()
        .map(|opened| first_line + opened - 1)
}
