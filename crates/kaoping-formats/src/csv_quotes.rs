//! Finds a quote left open in a CSV file. The `csv` crate reads an unclosed `"` as a field that runs to the
//! end of the file, swallowing every row after it without an error; this reader watches the same bytes with
//! the same quoting rules and says where the open quote began.

use std::io::Read;

/// Where the quoting state machine stands, as `csv-core` reads with its defaults (`,`, `"`, doubled quotes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field (also the start of a record).
    FieldStart,
    /// Inside an unquoted field: a `"` here is an ordinary character.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a `"` inside a quoted field: closes the field, or starts a doubled `""`.
    QuoteInQuoted,
}

/// Tracks quoting over a byte stream, chunk by chunk.
#[derive(Debug, Clone)]
pub struct QuoteState {
    state: State,
    /// Lines seen so far (1-based line of the next byte).
    line: u64,
    /// The line where the quoted field now open began.
    opened_at: u64,
}

impl Default for QuoteState {
    fn default() -> Self {
        QuoteState {
            state: State::FieldStart,
            line: 1,
            opened_at: 0,
        }
    }
}

impl QuoteState {
    /// Feeds the next bytes of the file.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            // Outside quotes only a `"` at a field's start matters: skip to the next quote at once.
            if matches!(self.state, State::FieldStart | State::Unquoted) {
                let Some(q) = memchr::memchr(b'"', bytes) else {
                    self.line += memchr::memchr_iter(b'\n', bytes).count() as u64;
                    self.state = after_unquoted(bytes[bytes.len() - 1], self.state, bytes.len());
                    return;
                };
                let before = &bytes[..q];
                self.line += memchr::memchr_iter(b'\n', before).count() as u64;
                let at_start = before
                    .last()
                    .map_or(self.state == State::FieldStart, |&b| is_separator(b));
                if at_start {
                    self.state = State::Quoted;
                    self.opened_at = self.line;
                } else {
                    self.state = State::Unquoted;
                }
                bytes = &bytes[q + 1..];
                continue;
            }
            let b = bytes[0];
            match self.state {
                State::Quoted => {
                    // Inside quotes: jump to the next quote, counting the line breaks it holds.
                    let q = memchr::memchr(b'"', bytes).unwrap_or(bytes.len());
                    self.line += memchr::memchr_iter(b'\n', &bytes[..q]).count() as u64;
                    if q < bytes.len() {
                        self.state = State::QuoteInQuoted;
                        bytes = &bytes[q + 1..];
                    } else {
                        bytes = &[];
                    }
                }
                State::QuoteInQuoted => {
                    self.state = match b {
                        b'"' => State::Quoted,
                        b',' | b'\n' | b'\r' => State::FieldStart,
                        _ => State::Unquoted,
                    };
                    if b == b'\n' {
                        self.line += 1;
                    }
                    bytes = &bytes[1..];
                }
                State::FieldStart | State::Unquoted => unreachable!("handled above"),
            }
        }
    }

    /// At the end of the file: the line where a quoted field opened and was never closed.
    #[must_use]
    pub fn open_quote_line(&self) -> Option<u64> {
        (self.state == State::Quoted).then_some(self.opened_at)
    }
}

fn is_separator(b: u8) -> bool {
    matches!(b, b',' | b'\n' | b'\r')
}

/// The state after a run of `len` unquoted bytes ending in `last`.
fn after_unquoted(last: u8, before: State, len: usize) -> State {
    if is_separator(last) {
        State::FieldStart
    } else if len == 0 {
        before
    } else {
        State::Unquoted
    }
}

/// A reader that watches the bytes going through it for a quote left open.
#[derive(Debug)]
pub struct QuoteWatch<R> {
    inner: R,
    state: QuoteState,
}

impl<R: Read> QuoteWatch<R> {
    pub fn new(inner: R) -> Self {
        QuoteWatch {
            inner,
            state: QuoteState::default(),
        }
    }

    /// Once everything has been read: the line where a quoted field opened and was never closed.
    #[must_use]
    pub fn open_quote_line(&self) -> Option<u64> {
        self.state.open_quote_line()
    }
}

impl<R: Read> Read for QuoteWatch<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.state.feed(&buf[..n]);
        Ok(n)
    }
}

/// The message for a quote left open, the same wherever a CSV file is read.
#[must_use]
pub fn open_quote_message() -> String {
    "这一行有一个引号（\"）没有闭合，此后各行都被读进了同一格；请补上闭合的引号，或删去多余的引号"
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_line(text: &str) -> Option<u64> {
        let mut s = QuoteState::default();
        s.feed(text.as_bytes());
        s.open_quote_line()
    }

    fn open_line_bytewise(text: &str) -> Option<u64> {
        let mut s = QuoteState::default();
        for b in text.as_bytes() {
            s.feed(std::slice::from_ref(b));
        }
        s.open_quote_line()
    }

    #[test]
    fn closed_quotes_are_fine() {
        for text in [
            "a,b\n1,2\n",
            "a,\"b\"\n\"1\",\"2,3\"\n",
            "a,\"多\n行\"\n",
            "a,\"说\"\"明\"\n",
            "a,b\"c\n",
            "\"a\"b\"c\n",
            "",
        ] {
            assert_eq!(open_line(text), None, "{text:?}");
            assert_eq!(open_line_bytewise(text), None, "{text:?}");
        }
    }

    #[test]
    fn an_open_quote_is_found_on_its_line() {
        for (text, line) in [
            ("unit,note\nD01,\"漏了\nD02,x\nD03,y\n", 2),
            ("\"a", 1),
            ("a\n\n\nx,\"\"\"", 4),
            ("a,\"b\nc\"\nd,\"e\nf\n", 3),
        ] {
            assert_eq!(open_line(text), Some(line), "{text:?}");
            assert_eq!(open_line_bytewise(text), Some(line), "{text:?}");
        }
    }

    #[test]
    fn agrees_with_the_csv_crate_on_what_a_field_holds() {
        // The csv crate reads `"a"b"c` as one field `ab"c`: the quote after b is ordinary, not an opening.
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader("\"a\"b\"c\n".as_bytes());
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(&record[0], "ab\"c");
        assert_eq!(open_line("\"a\"b\"c\n"), None);
    }
}
