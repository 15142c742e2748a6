//! The parallel reader's row splitter. Nearly every line of a findings file is a row of its own, with
//! quoting (if any) closed on the line: `U1,3.2.1,1,,,,"台账不全, 已整改"`. Such a line is split here
//! with `memchr`, faster than the general CSV state machine; a line that is anything else (a quoted field
//! running onto the next line, a quote inside an unquoted field, a bare carriage return) and the lines
//! its quoting spans are handed to the `csv` crate, which reads every file the same way as before.
//!
//! The split agrees with `csv`'s (`,`, `"`, doubled quotes, CRLF or LF): tested on both with the same
//! files in `tests/parallel.rs`.

use super::Fields;

/// One line's fields: ranges into the line itself, or into a scratch copy when a field held doubled
/// quotes.
#[derive(Default)]
pub(super) struct LineFields<'a> {
    text: &'a [u8],
    scratch: Vec<u8>,
    /// `(start, end, in_scratch)`.
    ranges: Vec<(u32, u32, bool)>,
}

impl<'a> LineFields<'a> {
    /// Splits the line that starts at `at` in `text`; returns where the next line starts. `false` with it
    /// when the line is not one this splitter reads as `csv` would; the fields are undefined then.
    ///
    /// One pass over the bytes, a block at a time ([`marks`]): the lines are short (25 to 60 bytes), so
    /// marking a block's commas and stops at once beats calling `memchr` for each kind of byte, and a byte
    /// at a time branched on every comma (a misprediction per field).
    pub(super) fn split_next(&mut self, text: &'a [u8], at: usize) -> (usize, bool) {
        self.ranges.clear();
        let mut start = at;
        let mut i = at;
        while let Some(block) = text.get(i..i + BLOCK) {
            let (mut commas, stops) = marks(block.try_into().expect("a block"));
            // Only the commas before the first stop are this line's fields.
            let stop = byte_at(stops.trailing_zeros());
            if stop < BLOCK {
                commas &= (1u64 << (BITS_PER_BYTE * stop)) - 1;
            }
            while commas != 0 {
                let comma = i + byte_at(commas.trailing_zeros());
                self.ranges.push((start as u32, comma as u32, false));
                start = comma + 1;
                commas &= commas - 1;
            }
            if stop < BLOCK {
                // The byte loop below takes the stop from here.
                i += stop;
                break;
            }
            i += BLOCK;
        }
        while i < text.len() {
            match text[i] {
                b',' => {
                    self.ranges.push((start as u32, i as u32, false));
                    start = i + 1;
                }
                b'\n' => break,
                b'"' | b'\r' => return self.split_rest(text, at),
                _ => {}
            }
            i += 1;
        }
        if i > u32::MAX as usize {
            return self.split_rest(text, at);
        }
        self.text = text;
        self.ranges.push((start as u32, i as u32, false));
        (i + 1, true)
    }

    /// The line at `at` holds a quote or a carriage return: its end is found, and it is split as a line
    /// with quotes.
    fn split_rest(&mut self, text: &'a [u8], at: usize) -> (usize, bool) {
        let end = memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |n| at + n);
        let line = &text[at..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        (end + 1, self.split(line))
    }

    /// Splits a line (without its `\n`, nor the `\r` before it). `false` when the line is not one this
    /// splitter reads as `csv` would; the fields are undefined then.
    pub(super) fn split(&mut self, line: &'a [u8]) -> bool {
        self.text = line;
        self.ranges.clear();
        if line.len() > u32::MAX as usize {
            return false;
        }
        if memchr::memchr2(b'"', b'\r', line).is_none() {
            let mut start = 0;
            for comma in memchr::memchr_iter(b',', line) {
                self.ranges.push((start as u32, comma as u32, false));
                start = comma + 1;
            }
            self.ranges.push((start as u32, line.len() as u32, false));
            return true;
        }
        self.split_quoted(line)
    }

    /// A line with quotes: each quoted field must open at its start and close before a `,` or the end.
    fn split_quoted(&mut self, line: &[u8]) -> bool {
        if memchr::memchr(b'\r', line).is_some() {
            return false;
        }
        self.scratch.clear();
        let mut at = 0;
        loop {
            if line.get(at) == Some(&b'"') {
                // Quoted: copy to the scratch, `""` as `"`, up to the closing quote.
                let begin = self.scratch.len();
                let mut i = at + 1;
                loop {
                    let Some(q) = memchr::memchr(b'"', &line[i..]) else {
                        return false;
                    };
                    self.scratch.extend_from_slice(&line[i..i + q]);
                    i += q + 1;
                    if line.get(i) == Some(&b'"') {
                        self.scratch.push(b'"');
                        i += 1;
                    } else {
                        break;
                    }
                }
                if self.scratch.len() > u32::MAX as usize {
                    return false;
                }
                self.ranges
                    .push((begin as u32, self.scratch.len() as u32, true));
                match line.get(i) {
                    None => return true,
                    Some(b',') => at = i + 1,
                    Some(_) => return false,
                }
                if at == line.len() {
                    self.ranges.push((at as u32, at as u32, false));
                    return true;
                }
            } else {
                let end = memchr::memchr(b',', &line[at..]).map_or(line.len(), |c| at + c);
                if memchr::memchr(b'"', &line[at..end]).is_some() {
                    return false;
                }
                self.ranges.push((at as u32, end as u32, false));
                if end == line.len() {
                    return true;
                }
                at = end + 1;
            }
        }
    }
}

/// Bytes [`marks`] takes at once.
#[cfg(target_arch = "x86_64")]
const BLOCK: usize = 16;
#[cfg(not(target_arch = "x86_64"))]
const BLOCK: usize = 8;

/// Bits of a mark per byte of the block: a mask's byte `k` is its bit `k × BITS_PER_BYTE` (and the bits
/// above it, up to the next byte's, are clear).
#[cfg(target_arch = "x86_64")]
const BITS_PER_BYTE: usize = 1;
#[cfg(not(target_arch = "x86_64"))]
const BITS_PER_BYTE: usize = 8;

/// The byte of a block a mark's bit is in.
fn byte_at(bit: u32) -> usize {
    bit as usize / BITS_PER_BYTE
}

/// The block's commas, and its stops (line ends, quotes and carriage returns), as masks (see
/// [`BITS_PER_BYTE`]). On x86-64, SSE2 (part of its baseline) compares sixteen bytes at once.
#[cfg(target_arch = "x86_64")]
fn marks(block: &[u8; BLOCK]) -> (u64, u64) {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
    // SAFETY: SSE2 is part of x86-64's baseline, so every x86-64 CPU runs these instructions; and
    // `_mm_loadu_si128` reads 16 bytes from any address, aligned or not, and `block` is 16 bytes long.
    unsafe {
        let bytes = _mm_loadu_si128(block.as_ptr().cast());
        // The sign bits of a comparison, one a byte: 16 bits, never negative as an i32.
        let equal = |b: u8| _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(b as i8))) as u64;
        (equal(b','), equal(b'\n') | equal(b'"') | equal(b'\r'))
    }
}

/// As the x86-64 [`marks`], eight bytes at a time in a word ([`bytes_equal`]).
#[cfg(not(target_arch = "x86_64"))]
fn marks(block: &[u8; BLOCK]) -> (u64, u64) {
    let word = u64::from_le_bytes(*block);
    (
        bytes_equal(word, b','),
        bytes_equal(word, b'\n') | bytes_equal(word, b'"') | bytes_equal(word, b'\r'),
    )
}

/// `0x80` in each byte of `word` equal to `byte`, `0` in the others: exact (no carry runs from one byte
/// into the next, as it does in the shorter `(x - 0x01…) & !x` test).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn bytes_equal(word: u64, byte: u8) -> u64 {
    const LOW_BITS: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let x = word ^ (0x0101_0101_0101_0101 * u64::from(byte));
    !(((x & LOW_BITS) + LOW_BITS) | x | LOW_BITS)
}

impl Fields for LineFields<'_> {
    fn len(&self) -> usize {
        self.ranges.len()
    }

    fn get(&self, i: usize) -> Option<&[u8]> {
        self.ranges.get(i).map(|&(a, b, scratch)| {
            let from = if scratch {
                &self.scratch[..]
            } else {
                self.text
            };
            &from[a as usize..b as usize]
        })
    }

    /// Eight bytes read at once and masked to the field, where the text goes on that far: packing byte by
    /// byte was a fifth of reading a plain row.
    fn packed(&self, i: usize) -> Option<u64> {
        let &(a, b, in_scratch) = self.ranges.get(i)?;
        let (a, len) = (a as usize, (b - a) as usize);
        let word = (!in_scratch && (1..=7).contains(&len))
            .then(|| self.text.get(a..a + 8))
            .flatten();
        let Some(word) = word else {
            return super::packed_field(self.get(i)?);
        };
        let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let bytes = word & ((1u64 << (8 * len)) - 1);
        let (first, last) = (bytes as u8, (bytes >> (8 * (len - 1))) as u8);
        if first.is_ascii_whitespace() || last.is_ascii_whitespace() {
            return super::packed_field(self.get(i)?);
        }
        (bytes & 0x8080_8080_8080_8080 == 0).then_some(bytes | ((len as u64) << 56))
    }
}

/// Where the `csv` reader's share ends when the line at `from` is not one [`LineFields`] splits: after
/// the first line end with an even number of `"` since `from` (outside quotes, unless a stray quote
/// miscounts, which the reader then notices), or at the end of `text`.
pub(super) fn quoted_span_end(text: &[u8], from: usize) -> usize {
    let mut quotes = 0usize;
    let mut at = from;
    while let Some(nl) = memchr::memchr(b'\n', &text[at..]) {
        quotes += memchr::memchr_iter(b'"', &text[at..at + nl]).count();
        at += nl + 1;
        if quotes & 1 == 0 {
            return at;
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &str) -> Option<Vec<String>> {
        let mut f = LineFields::default();
        f.split(line.as_bytes()).then(|| {
            (0..f.len())
                .map(|i| String::from_utf8(f.get(i).unwrap().to_vec()).unwrap())
                .collect()
        })
    }

    /// What the csv crate makes of the same line, as the findings reader configures it.
    fn csv_fields(line: &str) -> Vec<String> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(line.as_bytes());
        let mut record = csv::ByteRecord::new();
        assert!(reader.read_byte_record(&mut record).unwrap(), "{line:?}");
        record
            .iter()
            .map(|f| String::from_utf8(f.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn splits_as_the_csv_crate_does() {
        for line in [
            "U1,3.2.1,1,,,,台账不全",
            "U1,3.2.1",
            ",",
            " , x ,",
            "U1,1.1,,,,,\"整改不到位, 第二次检查\"",
            "\"U1\",\"1.1\",\"\",,\"a\"\"b\"\"\"",
            "U1,1.1,,,,,\"\"",
            "U1,1.1,,,,,\"a\",",
            "\"\"\"\"",
            "U1,\"x\"\"\",y",
        ] {
            assert_eq!(fields(line), Some(csv_fields(line)), "{line:?}");
        }
    }

    /// Every byte value at every place in a block, among every other: marked exactly where it is a
    /// comma (first mask) or a stop (second).
    #[test]
    fn marks_commas_and_stops_at_every_place() {
        for byte in 0..=255u8 {
            for other in [b'a', b',', b'\n', b'"', b'\r', 0, 0x80, 0xFF] {
                for at in 0..BLOCK {
                    let mut block = [other; BLOCK];
                    block[at] = byte;
                    let (commas, stops) = marks(&block);
                    for (i, &b) in block.iter().enumerate() {
                        let bit = |mask: u64| mask >> (i * BITS_PER_BYTE) & 1 == 1;
                        assert_eq!(bit(commas), b == b',', "{byte} at {at} among {other}");
                        let stop = matches!(b, b'\n' | b'"' | b'\r');
                        assert_eq!(bit(stops), stop, "{byte} at {at} among {other}");
                    }
                    let bits = |mask: u64| mask.count_ones() as usize;
                    let count = |f: fn(&u8) -> bool| block.iter().filter(|b| f(b)).count();
                    assert_eq!(bits(commas), count(|&b| b == b','));
                    assert_eq!(bits(stops), count(|&b| matches!(b, b'\n' | b'"' | b'\r')));
                }
            }
        }
    }

    #[test]
    fn marks_exactly_the_bytes_equal() {
        for byte in [b',', b'\n', b'"', b'\r', 0, 0x80, 0xFF] {
            for other in 0..=255u8 {
                for at in 0..8 {
                    let mut word = [other; 8];
                    word[at] = byte;
                    let marks = bytes_equal(u64::from_le_bytes(word), byte).to_le_bytes();
                    for (i, &m) in marks.iter().enumerate() {
                        let equal = i == at || other == byte;
                        assert_eq!(m, if equal { 0x80 } else { 0 }, "{byte} among {other}");
                    }
                }
            }
        }
    }

    /// A line met at any offset, with any text after it, splits as the line alone does.
    #[test]
    fn splits_a_line_in_the_text_as_the_line_alone() {
        for line in [
            "U1,3.2.1,1,,,,台账不全",
            "U000001,3.2.1,,,,,",
            ",,,,,,,,,,,,,,,,,,,",
            "x",
            "",
            "U1,1.1,,,,,\"整改不到位, 第二次检查\"",
            "U1,1.1,,,,,ab\"c",
            "U1\r,1.1",
            "U1,1.1,,,,,,,,\r",
        ] {
            for pad in 0..17 {
                for after in ["", "\nU2,1.1,,,", "\n", "\r\n,"] {
                    let text = format!("{}{line}{after}", "p".repeat(pad));
                    let mut alone = LineFields::default();
                    let mut cut = line.strip_suffix('\r').unwrap_or(line);
                    if after.starts_with('\r') {
                        cut = line;
                    }
                    let expected = alone.split(cut.as_bytes()).then(|| {
                        (0..alone.len())
                            .map(|i| alone.get(i).unwrap().to_vec())
                            .collect::<Vec<_>>()
                    });
                    let mut f = LineFields::default();
                    let (next, split) = f.split_next(text.as_bytes(), pad);
                    let got = split.then(|| {
                        (0..f.len())
                            .map(|i| f.get(i).unwrap().to_vec())
                            .collect::<Vec<_>>()
                    });
                    assert_eq!(got, expected, "{line:?} after {pad} bytes, then {after:?}");
                    let end = pad + line.len() + after.find('\n').map_or(0, |n| n);
                    assert_eq!(next, end + 1, "{line:?} after {pad}, then {after:?}");
                }
            }
        }
    }

    #[test]
    fn leaves_to_the_csv_crate_what_it_does_not_split() {
        for line in [
            "U1,1.1,,,,,\"open",
            "U1,1.1,,,,,ab\"c",
            "U1,1.1,,,,,\"a\"b",
            "U1,1.1,,,,, \"a\"",
            "U1\r,1.1",
        ] {
            assert_eq!(fields(line), None, "{line:?}");
        }
    }

    #[test]
    fn fields_pack_as_the_core_packs_them() {
        let text = "U1,  U2 ,1234567,12345678,单位,,\"q\",x\nrest of the text";
        let mut f = LineFields::default();
        let (_, split) = f.split_next(text.as_bytes(), 0);
        assert!(split);
        for i in 0..f.len() {
            assert_eq!(
                f.packed(i),
                super::super::packed_field(f.get(i).unwrap()),
                "field {i}"
            );
        }
        assert_eq!(f.packed(0), kaoping_core::plain::packed_code(b"U1"));
        assert_eq!(f.packed(1), kaoping_core::plain::packed_code(b"U2"));
        assert_eq!(f.packed(3), None);
        assert_eq!(f.packed(4), None);
    }

    #[test]
    fn quoted_spans_end_at_the_first_line_end_outside_quotes() {
        let text = b"a,\"x\ny\",1\nb,2\n";
        assert_eq!(quoted_span_end(text, 0), 10);
        assert_eq!(quoted_span_end(b"a,\"x\ny", 0), 6);
        assert_eq!(quoted_span_end(b"a,b\nc", 0), 4);
    }
}
