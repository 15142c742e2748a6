//! The findings CSV (see `docs/findings-csv.md`): one finding per row, English or Chinese headers, read as a
//! stream so ten million rows need no more memory than the tallies they feed.

use std::fmt;
use std::io::Read;
use std::str::FromStr;

use kaoping_core::date::Date;
use kaoping_core::finding::{FindingError, FindingInput, Resolver, Target};
use kaoping_core::plain::PlainRules;
use kaoping_core::rubric::{RoundId, Rubric, RuleId};
use kaoping_core::score::{Detail, Scorer, UnitEntry, UnitResult};
use kaoping_core::units::{Party, Units};
use kaoping_core::Decimal;

mod line_reader;
mod plain_rows;
mod rows;

use plain_rows::{PlainLayout, PlainRows};

/// A row's fields, however they were split: by the `csv` crate, or by [`LineFields`].
trait Fields {
    fn len(&self) -> usize;
    fn get(&self, i: usize) -> Option<&[u8]>;

    /// Field `i` trimmed and packed as [`kaoping_core::plain::packed_code`] packs it, if it is ASCII and
    /// at most 7 bytes.
    fn packed(&self, i: usize) -> Option<u64> {
        packed_field(self.get(i)?)
    }

    /// A row of nothing but blanks, which readers skip.
    fn is_blank(&self) -> bool {
        (0..self.len()).all(|i| {
            self.get(i)
                .is_some_and(|f| f.iter().all(u8::is_ascii_whitespace))
        })
    }
}

/// A field trimmed and packed, if it is ASCII and at most 7 bytes.
fn packed_field(field: &[u8]) -> Option<u64> {
    let field = field.trim_ascii();
    if field.is_ascii() {
        kaoping_core::plain::packed_code(field)
    } else {
        None
    }
}

impl Fields for csv::ByteRecord {
    fn len(&self) -> usize {
        csv::ByteRecord::len(self)
    }

    fn get(&self, i: usize) -> Option<&[u8]> {
        csv::ByteRecord::get(self, i)
    }
}

/// The columns, with the header names each is recognised by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Unit,
    Code,
    Count,
    Level,
    Points,
    Round,
    Note,
    Matter,
    Date,
    Due,
}

const COLUMNS: [(Column, &[&str]); 10] = [
    (Column::Unit, &["unit", "单位", "单位编号", "对象"]),
    (Column::Code, &["code", "编号", "规则编号", "项目编号"]),
    (Column::Count, &["count", "次数"]),
    (Column::Level, &["level", "等级", "档次"]),
    (Column::Points, &["points", "分值", "得分", "分数"]),
    (Column::Round, &["round", "轮次"]),
    (Column::Note, &["note", "说明", "备注", "理由"]),
    (Column::Matter, &["matter", "事项"]),
    (Column::Date, &["date", "日期", "完成日期"]),
    (Column::Due, &["due", "截止日期", "期限"]),
];

fn column_name(c: Column) -> &'static str {
    COLUMNS
        .iter()
        .find(|(col, _)| *col == c)
        .map_or("", |(_, names)| names[1])
}

/// Takes one row and its line number; returns the row's problems.
type RowSink<'s> = dyn FnMut(&FindingInput<'_>, u64) -> Result<(), Vec<String>> + 's;

/// One rejected row: the line in the file and every problem with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

/// Why a findings file was not accepted. Nothing from it is used then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingsError {
    Unreadable {
        file: String,
        reason: String,
    },
    Header {
        file: String,
        message: String,
    },
    Rows {
        file: String,
        errors: Vec<RowError>,
        more: usize,
    },
}

/// At most this many row errors are kept; the rest are counted.
pub const MAX_ROW_ERRORS: usize = 200;

impl fmt::Display for FindingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FindingsError::Unreadable { file, reason } => write!(f, "{file}: 无法读取：{reason}"),
            FindingsError::Header { file, message } => write!(f, "{file}:1: {message}"),
            FindingsError::Rows { file, errors, more } => {
                for (i, e) in errors.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "{file}:{}: {}", e.line, e.message)?;
                }
                if *more > 0 {
                    write!(f, "\n……另有{more}行有错误")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for FindingsError {}

/// Maps header positions to columns.
struct Header {
    positions: Vec<(Column, usize)>,
    /// How many fields the header line has; a value past them has no column to go to.
    width: usize,
    /// Positions whose header is blank: a value there would be dropped, so it is refused.
    blank: Vec<usize>,
}

impl Header {
    fn parse(file: &str, fields: &csv::ByteRecord) -> Result<Header, FindingsError> {
        let header_err = |message: String| FindingsError::Header {
            file: file.to_string(),
            message,
        };
        let mut positions = Vec::new();
        let mut blank = Vec::new();
        for (i, raw) in fields.iter().enumerate() {
            let name = std::str::from_utf8(raw).map_err(|_| {
                header_err("表头不是UTF-8编码，请在Excel中另存为“CSV UTF-8”".into())
            })?;
            let name = name.trim_start_matches('\u{feff}').trim();
            if name.is_empty() {
                blank.push(i);
                continue;
            }
            let lower = name.to_ascii_lowercase();
            let Some((col, _)) = COLUMNS
                .iter()
                .find(|(_, names)| names.contains(&lower.as_str()))
            else {
                return Err(header_err(format!(
                    "第{}列表头“{name}”无法识别，可用：unit,code,count,level,points,round,note,matter,date,due 或 单位,编号,次数,等级,分值,轮次,说明,事项,日期,截止日期",
                    i + 1
                )));
            };
            if positions.iter().any(|(c, _)| c == col) {
                return Err(header_err(format!("第{}列表头“{name}”重复", i + 1)));
            }
            positions.push((*col, i));
        }
        for required in [Column::Unit, Column::Code] {
            if !positions.iter().any(|(c, _)| *c == required) {
                return Err(header_err(format!(
                    "缺少“{}”列（表头应为 unit,code,count,level,points,round,note 或 单位,编号,次数,等级,分值,轮次,说明）",
                    column_name(required)
                )));
            }
        }
        Ok(Header {
            positions,
            width: fields.len(),
            blank,
        })
    }

    /// Values in columns the header does not name, as messages (none in a well-formed row).
    fn stray_values(&self, record: &impl Fields, problems: &mut Vec<String>) {
        if record.len() <= self.width && self.blank.is_empty() {
            return;
        }
        let stray = self.blank.iter().copied().chain(self.width..record.len());
        for i in stray {
            let Some(raw) = record.get(i).map(<[u8]>::trim_ascii) else {
                continue;
            };
            if raw.is_empty() {
                continue;
            }
            let value = String::from_utf8_lossy(raw);
            let value: String = value.chars().take(20).collect();
            if i >= self.width {
                problems.push(format!(
                    "第{}列“{value}”超出表头（表头只有{}列），请删去多出的值或给它加上表头",
                    i + 1,
                    self.width
                ));
            } else {
                problems.push(format!(
                    "第{}列“{value}”没有表头，请删去这个值或给这一列加上表头",
                    i + 1
                ));
            }
        }
    }
}

/// Reads a findings CSV, handing each row to `sink` with its line number. Rows with problems (unparsable
/// numbers or dates, or whatever `sink` rejects) are collected by line; any problem fails the whole file.
/// The file is read whole first: rows are split in memory ([`rows`]).
///
/// # Errors
/// The file is unreadable, its header is wrong, or rows were rejected (up to [`MAX_ROW_ERRORS`] kept).
pub fn read_findings<R: Read>(
    file: &str,
    input: R,
    mut sink: impl FnMut(&FindingInput<'_>, u64) -> Result<(), Vec<String>>,
) -> Result<u64, FindingsError> {
    read_findings_bytes(file, &read_all(file, input)?, &mut sink)
}

/// The whole input: rows are split in memory.
fn read_all(file: &str, mut input: impl Read) -> Result<Vec<u8>, FindingsError> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| FindingsError::Unreadable {
            file: file.to_string(),
            reason: e.to_string(),
        })?;
    Ok(bytes)
}

/// As [`read_findings`], for a file already in memory.
fn read_findings_bytes(
    file: &str,
    bytes: &[u8],
    sink: &mut RowSink<'_>,
) -> Result<u64, FindingsError> {
    let (header, body, first_line) = rows::read_header(file, bytes)?;
    rows::read_lines(
        file,
        &header,
        &bytes[body..],
        first_line,
        true,
        &mut false,
        sink,
        None,
    )
}

fn parse_row<'r>(
    header: &Header,
    record: &'r impl Fields,
) -> Result<FindingInput<'r>, Vec<String>> {
    let mut input = FindingInput::default();
    let mut problems = Vec::new();
    header.stray_values(record, &mut problems);
    for &(col, i) in &header.positions {
        let Some(raw) = record.get(i).map(<[u8]>::trim_ascii) else {
            continue;
        };
        if raw.is_empty() {
            continue;
        }
        let Ok(text) = std::str::from_utf8(raw) else {
            problems.push(format!("“{}”列不是UTF-8编码的文字", column_name(col)));
            continue;
        };
        let value = text;
        match col {
            Column::Unit => input.unit = value,
            Column::Code => input.code = value,
            Column::Round => input.round = value,
            Column::Note => input.note = value,
            Column::Level => input.level = Some(value),
            Column::Matter => input.matter = Some(value),
            Column::Count => match parse_count(value) {
                Some(n) => input.count = Some(n),
                None if is_integer(value) => problems.push(format!(
                    "次数“{value}”太大（一条发现最多{}次）",
                    kaoping_core::limits::MAX_COUNT
                )),
                None => problems.push(format!("次数“{value}”不是整数")),
            },
            Column::Points => match parse_points(value) {
                Some(d) => input.value = Some(d),
                None => problems.push(format!("分值“{value}”不是数字")),
            },
            Column::Date | Column::Due => match Date::from_str(value) {
                Ok(d) if col == Column::Date => input.done = Some(d),
                Ok(d) => input.due = Some(d),
                Err(e) => problems.push(format!("{}：{e}", column_name(col))),
            },
        }
    }
    if problems.is_empty() {
        Ok(input)
    } else {
        Err(problems)
    }
}

/// Integers, fast for the common one- or two-digit case; `-3` parses so the core can say it is negative.
fn parse_count(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if !bytes.is_empty() && bytes.len() <= 9 && bytes.iter().all(u8::is_ascii_digit) {
        return Some(bytes.iter().fold(0i64, |n, b| n * 10 + i64::from(b - b'0')));
    }
    text.parse::<i64>().ok()
}

/// Digits with an optional sign: an integer too long for `i64` is "too large", not "not a number".
fn is_integer(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Points as written (`3.5`, `93.5%`, `4分`).
fn parse_points(text: &str) -> Option<Decimal> {
    let t = text.trim_end_matches(['分', '%', '％']).trim();
    Decimal::from_str(t).ok()
}

/// Reads a findings CSV and scores it: every row resolved against the rubric and units and added to a
/// scorer. `open_units` registers units the findings name (when there is no unit list); `trace` keeps every
/// finding so results explain each point.
///
/// # Errors
/// As [`read_findings`]; a rejected row fails the whole file and nothing is scored.
pub fn score_findings<R: Read>(
    rubric: &Rubric,
    units: &mut Units,
    open_units: bool,
    file: &str,
    input: R,
    trace: bool,
) -> Result<Vec<UnitResult>, FindingsError> {
    let detail = if trace { Detail::Trace } else { Detail::Items };
    let bytes = read_all(file, input)?;
    score_on_one_thread(rubric, units, open_units, file, &bytes, detail)
}

/// Reads and scores a file in memory on the calling thread: the reference the parallel reader agrees with.
fn score_on_one_thread(
    rubric: &Rubric,
    units: &mut Units,
    open_units: bool,
    file: &str,
    bytes: &[u8],
    detail: Detail,
) -> Result<Vec<UnitResult>, FindingsError> {
    let mut scorer = Scorer::with_detail(rubric, detail);
    ingest(
        rubric,
        units,
        open_units,
        detail,
        &mut scorer,
        &mut Vec::new(),
        &mut Vec::new(),
        |sink| read_findings_bytes(file, bytes, sink),
    )?;
    Ok(scorer.finish(units))
}

/// A second score-setting entry a part of a file refused: its line, the key it was refused on, and the
/// error as the part worded it. Once the parts are merged, the first entry it is reported against may be
/// in an earlier part.
type Duplicate = (u64, (Party, RoundId, RuleId), FindingError);

/// Runs a reader whose rows are resolved and added to `scorer`. Each unit the rows register gets the line
/// it was first seen on in `first_lines`; second score-setting entries are kept in `duplicates`.
#[allow(clippy::too_many_arguments)]
fn ingest<'r>(
    rubric: &'r Rubric,
    units: &mut Units,
    open_units: bool,
    detail: Detail,
    scorer: &mut Scorer<'r>,
    first_lines: &mut Vec<u64>,
    duplicates: &mut Vec<Duplicate>,
    read: impl FnOnce(
        &mut dyn FnMut(&FindingInput<'_>, u64) -> Result<(), Vec<String>>,
    ) -> Result<u64, FindingsError>,
) -> Result<u64, FindingsError> {
    let resolver = Resolver::new(rubric, open_units).keep_notes(detail == Detail::Trace);
    let base = units.len() - first_lines.len();
    read(&mut |input, line| {
        let finding = resolver
            .resolve(units, input, line)
            .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>())?;
        if units.len() > base + first_lines.len() {
            first_lines.push(line);
        }
        let key = match finding.target {
            Target::Rule(rule) => Some((finding.party, finding.round, rule)),
            Target::Bonus(_) | Target::Veto(_) => None,
        };
        scorer.add(units, finding).map_err(|e| {
            let message = e.message_with(cite_line);
            if let (FindingError::Duplicate { .. }, Some(key)) = (&e, key) {
                duplicates.push((line, key, e));
            }
            vec![message]
        })
    })
}

/// Files smaller than this are read on one thread: starting threads would cost more than it saves.
const PARALLEL_MIN_BYTES: usize = 4 << 20;

/// As [`score_findings`], for a file already in memory, reading and scoring on up to `threads` threads,
/// with results that carry `detail`.
///
/// The file is split at line ends outside quoted fields (a quoted field may hold a line break): where
/// the `"`s before a line end are even in number. A stray `"` inside an unquoted field can fool that
/// count; the part before such a split then ends inside a quote, and the file is read again on one
/// thread. Each thread keeps its own tallies and unit
/// register, merged in file order, so results and error messages are exactly those of a sequential read.
///
/// # Errors
/// As [`score_findings`].
pub fn score_findings_bytes(
    rubric: &Rubric,
    units: &mut Units,
    open_units: bool,
    file: &str,
    bytes: &[u8],
    detail: Detail,
    threads: usize,
) -> Result<Vec<UnitResult>, FindingsError> {
    let sequential =
        |units: &mut Units| score_on_one_thread(rubric, units, open_units, file, bytes, detail);
    if threads <= 1 || bytes.len() < PARALLEL_MIN_BYTES {
        return sequential(units);
    }
    let (header, body, first_line) = rows::read_header(file, bytes)?;
    let body = &bytes[body..];
    let (chunks, starts): (Vec<&[u8]>, Vec<u64>) = tracing::debug_span!("cut")
        .in_scope(|| split_lines(body, first_line, threads).into_iter().unzip());
    let base: &Units = units;
    let base_len = base.len();
    // Traces cite every finding, so plain rows are only taken when results carry none.
    let layout =
        (detail != Detail::Trace).then(|| PlainLayout::new(PlainRules::new(rubric), &header, base));
    let reading = tracing::debug_span!("read").entered();
    let parts: Vec<Part<'_>> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .zip(&starts)
            .enumerate()
            .map(|(i, (chunk, &start))| {
                let header = &header;
                let layout = layout.as_ref();
                let last = i + 1 == chunks.len();
                s.spawn(move || {
                    read_part(
                        rubric, base, open_units, detail, file, header, layout, chunk, start, last,
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("reader thread"))
            .collect()
    });
    drop(reading);
    if parts.iter().any(|p| p.ended_in_quote) {
        return sequential(units);
    }
    let merging = tracing::debug_span!("merge").entered();
    let mut errors = Vec::new();
    let mut more = 0;
    let mut duplicates = Vec::new();
    let mut merged: Option<Scorer<'_>> = None;
    let entries = parts.iter().map(|p| p.scorer.entries()).sum();
    let mut plain_entries = Vec::with_capacity(parts.iter().map(|p| p.plain_entries.len()).sum());
    // Conflicts found while merging: cited once the plain entries are in.
    let mut absorbed = Vec::new();
    for mut part in parts {
        errors.append(&mut part.errors);
        more += part.more;
        let registering = tracing::debug_span!("register").entered();
        let remap = register_new_units(units, base_len, &part);
        duplicates.extend(
            part.duplicates
                .drain(..)
                .map(|(line, (party, round, rule), e)| {
                    let party = match party {
                        Party::Unit(u) => Party::Unit(remap[u]),
                        group => group,
                    };
                    (line, (party, round, rule), e)
                }),
        );
        plain_entries.extend(part.plain_entries.drain(..).map(|mut e| {
            e.unit = remap[e.unit];
            e
        }));
        drop(registering);
        let _absorbing = tracing::debug_span!("absorb").entered();
        match merged.as_mut() {
            None if remap.iter().enumerate().all(|(a, &b)| a == b) => merged = Some(part.scorer),
            None => {
                let mut into = Scorer::with_detail(rubric, detail);
                // The whole file's entries, so the map is made once at its size.
                into.reserve_entries(entries);
                into.absorb(part.scorer, &remap, units);
                merged = Some(into);
            }
            Some(into) => absorbed.extend(into.absorb(part.scorer, &remap, units)),
        }
    }
    let mut scorer = merged.unwrap_or_else(|| Scorer::with_detail(rubric, detail));
    let adding = tracing::debug_span!("entries").entered();
    let refused = scorer.add_entries(plain_entries);
    drop(adding);
    // A conflict found while merging cites the earlier of two parts' entries; a plain entry added since
    // may be earlier still, so a keyed one is cited again below, as the parts' own are.
    for conflict in absorbed {
        if let Some(key) = conflict.key {
            duplicates.push((conflict.line, key, conflict.error.clone()));
        }
        errors.push(RowError {
            line: conflict.line,
            message: conflict.error.message_with(cite_line),
        });
    }
    errors.extend(refused.into_iter().map(|(line, error)| RowError {
        line,
        message: error.message_with(cite_line),
    }));
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        cite_first_entries(&mut errors, duplicates, &scorer);
        if errors.len() > MAX_ROW_ERRORS {
            more += errors.len() - MAX_ROW_ERRORS;
            errors.truncate(MAX_ROW_ERRORS);
        }
        return Err(FindingsError::Rows {
            file: file.to_string(),
            errors,
            more,
        });
    }
    drop(merging);
    let _scoring = tracing::debug_span!("score").entered();
    Ok(scorer.finish_parallel(units, threads))
}

/// How an error cites another line of the file.
fn cite_line(line: u64) -> String {
    format!("见第{line}行")
}

/// A part reported a second entry against the first it held; the first of the whole file may be in an
/// earlier part. `errors` are sorted by line.
fn cite_first_entries(errors: &mut [RowError], duplicates: Vec<Duplicate>, scorer: &Scorer<'_>) {
    for (line, (party, round, rule), mut error) in duplicates {
        let (Some(first), FindingError::Duplicate { previous, .. }) =
            (scorer.first_origin(party, round, rule), &mut error)
        else {
            continue;
        };
        if first >= *previous {
            continue;
        }
        *previous = first;
        if let Ok(at) = errors.binary_search_by_key(&line, |e| e.line) {
            errors[at].message = error.message_with(cite_line);
        }
    }
}

/// Registers the units `part` found that `units` lacks, in the order the file first names them, and
/// returns where each of the part's units is in `units`. Parts are taken in file order, so a unit two
/// parts name is registered by the first.
fn register_new_units(units: &mut Units, base_len: usize, part: &Part<'_>) -> Vec<usize> {
    let registered = part.units.len();
    let mut remap: Vec<usize> = (0..registered + part.new_units.len()).collect();
    // By first line (each unit's is its own), the lines gathered beside the units so the sort reads no
    // other memory.
    let mut new: Vec<(u64, usize)> = (base_len..registered)
        .map(|u| (part.first_lines[u - base_len], u))
        .chain(
            part.new_units
                .iter()
                .enumerate()
                .map(|(i, &(line, _))| (line, registered + i)),
        )
        .collect();
    new.sort_unstable();
    units.reserve(new.len());
    // Until a part has added units, none of this part's new ones can be there (a part names each once).
    let first = units.len() == base_len;
    let mut code = [0u8; 8];
    for (_, u) in new {
        remap[u] = if u < registered {
            let unit = part.units.unit(u);
            match units.find(&unit.code).filter(|_| !first) {
                Some(Party::Unit(id)) => id,
                _ => units
                    .add_unit(&unit.code, &unit.name, unit.ranking_group.as_deref(), &[])
                    .expect("code was valid in the part"),
            }
        } else {
            let packed = part.new_units[u - registered].1;
            match units.find_packed(packed).filter(|_| !first) {
                Some(Party::Unit(id)) => id,
                _ => {
                    let code = plain_rows::unpack_into(packed, &mut code);
                    units
                        .add_unit(code, code, None, &[])
                        .expect("a plain row's unit code is valid")
                }
            }
        };
    }
    remap
}

/// What one thread made of its part of a file.
struct Part<'r> {
    /// The register as the thread left it: the caller's units, then those the part named first.
    units: Units,
    /// For each unit the part added, the line it was first named on.
    first_lines: Vec<u64>,
    /// Units named only by plain rows, not in `units`: the part's unit `units.len() + i` is
    /// `new_units[i]`, (first line, packed code).
    new_units: Vec<(u64, u64)>,
    /// Second entries the part refused, cited against the part's own first.
    duplicates: Vec<Duplicate>,
    /// Plain entries, not yet in `scorer`, their units numbered as the part's.
    plain_entries: Vec<UnitEntry>,
    scorer: Scorer<'r>,
    errors: Vec<RowError>,
    more: usize,
    ended_in_quote: bool,
}

/// Reads and scores one part of a file on the calling thread, plain rows (when `layout` is given) by
/// partition after the rest.
#[allow(clippy::too_many_arguments)]
fn read_part<'r>(
    rubric: &'r Rubric,
    base: &Units,
    open_units: bool,
    detail: Detail,
    file: &str,
    header: &Header,
    layout: Option<&PlainLayout<'r>>,
    chunk: &[u8],
    start: u64,
    last: bool,
) -> Part<'r> {
    let mut units = base.clone();
    let mut first_lines = Vec::new();
    let mut scorer = Scorer::with_detail(rubric, detail);
    let mut ended_in_quote = false;
    let mut plain = layout.map(|l| PlainRows::new(l, chunk, start));
    let mut duplicates = Vec::new();
    let read = ingest(
        rubric,
        &mut units,
        open_units,
        detail,
        &mut scorer,
        &mut first_lines,
        &mut duplicates,
        |sink| {
            rows::read_lines(
                file,
                header,
                chunk,
                start,
                last,
                &mut ended_in_quote,
                sink,
                plain.as_mut(),
            )
        },
    );
    let (mut errors, mut more) = match read {
        Ok(_) => (Vec::new(), 0),
        Err(FindingsError::Rows { errors, more, .. }) => (errors, more),
        Err(other) => (
            vec![RowError {
                line: start,
                message: other.to_string(),
            }],
            0,
        ),
    };
    let mut new_units = Vec::new();
    let mut plain_entries = Vec::new();
    if let Some(plain) = plain {
        let _sum = tracing::debug_span!("sum_partitions").entered();
        let finished = plain.finish(
            &units,
            open_units,
            base.len(),
            &mut first_lines,
            &mut new_units,
            &mut scorer,
        );
        more += finished.unknown.more;
        errors.extend(finished.unknown.into_errors());
        plain_entries = finished.entries;
        errors.sort_by_key(|e| e.line);
    }
    scorer.seal();
    Part {
        units,
        first_lines,
        new_units,
        duplicates,
        plain_entries,
        scorer,
        errors,
        more,
        ended_in_quote,
    }
}

/// Splits `body` (the file after its header line) into about `parts` pieces, each ending at a line end
/// with an even number of `"` before it (outside any quoted field, unless a stray quote miscounts; see
/// [`score_findings_bytes`]), each with the line its first row is on.
///
/// Counting the quotes and line ends before each cut takes a pass over the file; it runs on `parts`
/// threads, which is also where the pages of a mapped file are first touched.
fn split_lines(body: &[u8], first_line: u64, parts: usize) -> Vec<(&[u8], u64)> {
    let count = |b: &[u8]| {
        (
            memchr::memchr_iter(b'"', b).count(),
            memchr::memchr_iter(b'\n', b).count() as u64,
        )
    };
    let parts = parts.max(1);
    let cuts: Vec<usize> = (0..parts)
        .map(|k| body.len() / parts * k)
        .chain([body.len()])
        .collect();
    // Quotes and line ends before each tentative cut. Only the text before the last cut needs counting;
    // it is cut into `parts` equal pieces (and at every cut) so that each thread counts as much.
    let counted_to = cuts[parts - 1];
    let mut bounds: Vec<usize> = cuts[..parts].to_vec();
    bounds.extend((1..parts).map(|i| counted_to / parts * i));
    bounds.sort_unstable();
    bounds.dedup();
    let piece_of = |at: usize| (at * parts / counted_to.max(1)).min(parts - 1);
    let per_thread: Vec<Vec<(usize, u64)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..parts)
            .map(|t| {
                let bounds = &bounds;
                s.spawn(move || {
                    bounds
                        .windows(2)
                        .filter(|w| piece_of(w[0]) == t)
                        .map(|w| count(&body[w[0]..w[1]]))
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("counting thread"))
            .collect()
    });
    // (quotes, lines) before each bound, in order.
    let mut before = vec![(0usize, 0u64)];
    for (q, n) in per_thread.into_iter().flatten() {
        let &(q0, n0) = before.last().expect("starts with the origin");
        before.push((q0 + q, n0 + n));
    }
    let before_cut = |cut: usize| before[bounds.binary_search(&cut).expect("every cut is a bound")];
    // Each cut moves forward to the first line end outside quotes. `(at, quotes, lines)`: a position and
    // the quotes and line ends before it.
    let (mut at, mut quotes, mut lines) = (0usize, 0usize, 0u64);
    let mut ends = Vec::with_capacity(parts);
    for &cut in &cuts[1..parts] {
        if at <= cut {
            at = cut;
            (quotes, lines) = before_cut(cut);
        }
        let mut outside = false;
        while let Some(nl) = memchr::memchr(b'\n', &body[at..]) {
            quotes += memchr::memchr_iter(b'"', &body[at..at + nl]).count();
            lines += 1;
            at += nl + 1;
            if quotes % 2 == 0 {
                outside = true;
                break;
            }
        }
        if !outside || at >= body.len() {
            break;
        }
        ends.push((at, lines));
    }
    let mut pieces = Vec::with_capacity(ends.len() + 1);
    let (mut from, mut line) = (0usize, first_line);
    for (end, lines_before) in ends {
        if end > from {
            pieces.push((&body[from..end], line));
            (from, line) = (end, first_line + lines_before);
        }
    }
    pieces.push((&body[from..], line));
    pieces
}

#[cfg(test)]
mod tests {
    use super::split_lines;

    /// The pieces put back together are the body; each but the last ends a line outside quotes; each
    /// knows the line it starts on (the body starts on line 2).
    fn check(body: &[u8], parts: usize) -> usize {
        let pieces = split_lines(body, 2, parts);
        let joined: Vec<u8> = pieces.iter().flat_map(|(p, _)| p.iter().copied()).collect();
        assert_eq!(joined, body);
        let mut line = 2;
        for (i, (piece, first)) in pieces.iter().enumerate() {
            assert_eq!(*first, line, "piece {i} of {parts}");
            line += piece.iter().filter(|&&b| b == b'\n').count() as u64;
            if i + 1 < pieces.len() {
                assert!(piece.ends_with(b"\n"));
                let quotes = pieces[..=i]
                    .iter()
                    .map(|(p, _)| p.iter().filter(|&&b| b == b'"').count())
                    .sum::<usize>();
                assert_eq!(quotes % 2, 0, "piece {i} of {parts} ends inside a quote");
            }
        }
        pieces.len()
    }

    #[test]
    fn splits_at_line_ends_outside_quotes_with_their_line_numbers() {
        let mut body = Vec::new();
        for i in 0..2_000 {
            if i % 3 == 0 {
                body.extend_from_slice(
                    format!("U{i},1.1,1,,,,\"第一行\n第二行, \"\"引号\"\"\"\n").as_bytes(),
                );
            } else {
                body.extend_from_slice(format!("U{i},1.1,1,,,,说明\n").as_bytes());
            }
        }
        for parts in 1..=8 {
            assert_eq!(check(&body, parts), parts, "{parts} parts");
        }
        // One long quoted field: no line end outside it to cut at.
        let one = b"U1,1.1,1,,,,\"a\nb\nc\nd\ne\nf\ng\nh\"\n".to_vec();
        assert_eq!(check(&one, 4), 1);
        assert_eq!(check(b"", 3), 1);
        assert_eq!(check(b"U1,1.1\nU2,1.1", 2), 2);
    }
}
