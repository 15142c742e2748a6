//! The parallel reader's shortcut for plain findings (`kaoping_core::plain`): a unit, a counting rule and
//! its count, nothing else. They are most of a bulk file, and in a ledger export (time order, not unit
//! order) each names a different unit from the row before, so finding its unit in a register of 100,000
//! misses the cache on nearly every row.
//!
//! So a plain row is checked where it is read, but its unit is not looked up there: the row is kept, 16
//! bytes, in one of [`PARTITIONS`] partitions chosen by its unit code. Once the part of the file is read,
//! each partition is taken in turn; its units are a small fraction of all, and their lookups stay in
//! cache. Rows within a partition keep file order.
//!
//! What the reader would have done is preserved exactly: a unit new to an open register is registered as
//! if first seen on its first line (the caller registers every part's new units once, ordered by the first
//! lines [`PlainRows::finish`] gives); an unknown unit of a closed register is an error on its line,
//! worded as the resolver words it.

use std::collections::BinaryHeap;

use kaoping_core::finding::{FindingError, Input};
use kaoping_core::plain::{CountSlot, PlainRules};
use kaoping_core::rubric::RoundId;
use kaoping_core::score::{Scorer, UnitEntry};
use kaoping_core::units::{Party, Units};
use rustc_hash::{FxHashMap, FxHashSet};

use super::{packed_field, Column, Fields, Header, RowError, MAX_ROW_ERRORS};

/// Partitions of plain rows by unit code: 100,000 units make about 1,600 a partition, whose lookups fit
/// in the fastest caches.
const PARTITIONS: usize = 64;

/// The code a packed key holds (its bytes and length, see `kaoping_core::plain::packed_code`).
fn unpack(key: u64) -> String {
    unpack_into(key, &mut [0; 8]).to_string()
}

/// As [`unpack`], into `buf`. A plain row's unit is ASCII, so it is always text.
pub(super) fn unpack_into(key: u64, buf: &mut [u8; 8]) -> &str {
    *buf = key.to_le_bytes();
    let len = usize::from(buf[7]).min(7);
    std::str::from_utf8(&buf[..len]).unwrap_or_default()
}

fn partition(key: u64) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize % PARTITIONS
}

/// Where a plain row's values are, from the header; and the group codes, which are never plain.
pub(super) struct PlainLayout<'r> {
    rules: PlainRules<'r>,
    unit: usize,
    code: usize,
    count: Option<usize>,
    level: Option<usize>,
    points: Option<usize>,
    round: Option<usize>,
    note: Option<usize>,
    /// Columns that must be blank: matter, dates, and those without a header.
    blank: Vec<usize>,
    width: usize,
    groups: FxHashSet<u64>,
    /// The round of a row that names none: the only one.
    only_round: Option<RoundId>,
}

impl<'r> PlainLayout<'r> {
    pub(super) fn new(rules: PlainRules<'r>, header: &Header, units: &Units) -> PlainLayout<'r> {
        let at = |c: Column| {
            header
                .positions
                .iter()
                .find(|(col, _)| *col == c)
                .map(|&(_, i)| i)
        };
        let mut blank = header.blank.clone();
        blank.extend(
            header
                .positions
                .iter()
                .filter(|(c, _)| matches!(c, Column::Matter | Column::Date | Column::Due))
                .map(|&(_, i)| i),
        );
        PlainLayout {
            only_round: rules.round(""),
            rules,
            unit: at(Column::Unit).expect("the header names the unit column"),
            code: at(Column::Code).expect("the header names the code column"),
            count: at(Column::Count),
            level: at(Column::Level),
            points: at(Column::Points),
            round: at(Column::Round),
            note: at(Column::Note),
            blank,
            width: header.width,
            groups: units
                .groups()
                .iter()
                .filter_map(|g| packed_field(g.code.as_bytes()))
                .collect(),
        }
    }

    /// The plain row a record is, if it is one: its packed unit, its slot and count (see [`PlainRow`]),
    /// and for a plain entry its input. `utf8`: the whole part is known to be UTF-8, so no field of it
    /// need be checked.
    fn read(&self, record: &impl Fields, utf8: bool) -> Option<(u64, u32, Option<Input>)> {
        let field = |i: usize| record.get(i).map_or(&[][..], <[u8]>::trim_ascii);
        let column = |i: Option<usize>| i.map_or(&[][..], field);
        if record.len() > self.width || self.blank.iter().any(|&i| !field(i).is_empty()) {
            return None;
        }
        // Packed, an empty code is 0.
        let key = record.packed(self.unit).filter(|&k| k != 0)?;
        if !self.groups.is_empty() && self.groups.contains(&key) {
            return None;
        }
        let code = record.packed(self.code);
        let (level, points, count) = (column(self.level), column(self.points), column(self.count));
        let counted = match code {
            Some(code) => self.rules.rule_packed(code),
            None => self.rules.rule(field(self.code)),
        };
        let (rule, n, input) = if let Some(rule) = counted {
            if !level.is_empty() || !points.is_empty() {
                return None;
            }
            (rule.rule, PlainRules::count(rule, count)?, None)
        } else {
            let entry = match code {
                Some(code) => self.rules.entry_packed(code),
                None => self.rules.entry(field(self.code)),
            }?;
            let input = match entry.graded {
                _ if !count.is_empty() => return None,
                true if points.is_empty() => self.rules.level(entry, text(level)?)?,
                false if level.is_empty() => {
                    let value = super::parse_points(text(points)?)?;
                    self.rules.points(entry, value, text(column(self.note))?)?
                }
                _ => return None,
            };
            // A count of 0 marks an entry: a plain finding's count is at least 1.
            (entry.rule, 0, Some(input))
        };
        let round = match self.round.map(field) {
            None | Some([]) => self.only_round?,
            Some(name) => self.rules.round(std::str::from_utf8(name).ok()?)?,
        };
        // The note is not kept, but one that is not text is an error the resolver's way reports.
        if let Some(note) = self.note.filter(|_| !utf8).map(field) {
            if !note.is_ascii() && std::str::from_utf8(note).is_err() {
                return None;
            }
        }
        // Slot and count share 32 bits: 4,096 (round, rule) slots and counts below 2²⁰, which holds
        // MAX_COUNT. A rubric with more slots reads its rows the resolver's way.
        let slot = self.rules.slot(round, rule).index();
        let n = u32::try_from(n).ok().filter(|&n| n < 1 << COUNT_BITS)?;
        (slot < 1 << (32 - COUNT_BITS)).then_some((key, slot << COUNT_BITS | n, input))
    }
}

const COUNT_BITS: u32 = 20;

/// Where unit `id`'s sums are (`spans` grows to hold it). A part has fewer than 2³² rows (their lines
/// are kept in 32 bits), so fewer sums.
fn set_run(spans: &mut Vec<(u32, u32)>, id: usize, sums: std::ops::Range<usize>) {
    if spans.len() <= id {
        spans.resize(id + 1, (0, 0));
    }
    let as_u32 = |n: usize| u32::try_from(n).expect("fewer than 2³² rows in a part");
    spans[id] = (as_u32(sums.start), as_u32(sums.len()));
}

/// A partition's units × slots are summed in a table up to this many cells (512 KB: the cache holds it).
const TABLE_CELLS: usize = 1 << 17;

/// A plain row as kept: 16 bytes.
#[derive(Debug, Clone, Copy)]
struct PlainRow {
    unit: u64,
    /// The line, from the part's first.
    line: u32,
    /// The slot's index above [`COUNT_BITS`], the count below: 0 for a plain entry, whose input is kept
    /// beside the rows (by line).
    slot_count: u32,
}

/// The plain rows of one part of a file, by partition, in file order within each.
pub(super) struct PlainRows<'l, 'r> {
    layout: &'l PlainLayout<'r>,
    parts: Vec<Vec<PlainRow>>,
    first_line: u64,
    /// The part is UTF-8 throughout: checked once (SIMD, a few milliseconds), not note by note.
    utf8: bool,
    /// The inputs of plain entries, by line (from the part's first), in file order.
    entries: Vec<(u32, Input)>,
}

/// Unknown units of a closed register: the rows with the lowest lines, and how many more.
#[derive(Default)]
pub(super) struct UnknownUnits {
    lowest: BinaryHeap<(u64, u64)>,
    pub(super) more: usize,
}

impl UnknownUnits {
    fn push(&mut self, line: u64, unit: u64) {
        if self.lowest.len() < MAX_ROW_ERRORS {
            self.lowest.push((line, unit));
        } else if self.lowest.peek().is_some_and(|&(l, _)| line < l) {
            self.lowest.pop();
            self.lowest.push((line, unit));
            self.more += 1;
        } else {
            self.more += 1;
        }
    }

    pub(super) fn into_errors(self) -> Vec<RowError> {
        let mut rows = self.lowest.into_vec();
        rows.sort_unstable();
        rows.into_iter()
            .map(|(line, unit)| RowError {
                line,
                message: FindingError::UnknownUnit(unpack(unit)).to_string(),
            })
            .collect()
    }
}

impl<'l, 'r> PlainRows<'l, 'r> {
    /// For the part `text` of a file, whose first line is `first_line`.
    pub(super) fn new(
        layout: &'l PlainLayout<'r>,
        text: &[u8],
        first_line: u64,
    ) -> PlainRows<'l, 'r> {
        // Room for rows of 20 bytes or more; what is not filled is never touched.
        let per = text.len() / 20 / PARTITIONS + 16;
        PlainRows {
            layout,
            parts: (0..PARTITIONS).map(|_| Vec::with_capacity(per)).collect(),
            first_line,
            utf8: simdutf8::basic::from_utf8(text).is_ok(),
            entries: Vec::new(),
        }
    }

    /// Keeps the record if it is a plain row; `false` leaves it to the resolver.
    pub(super) fn take(&mut self, record: &impl Fields, line: u64) -> bool {
        let Some((unit, slot_count, input)) = self.layout.read(record, self.utf8) else {
            return false;
        };
        let Ok(line) = u32::try_from(line - self.first_line) else {
            return false;
        };
        if let Some(input) = input {
            self.entries.push((line, input));
        }
        self.parts[partition(unit)].push(PlainRow {
            unit,
            line,
            slot_count,
        });
        true
    }

    /// Adds the rows kept to `scorer`. Units registered while reading have their first lines in
    /// `first_lines` (index: unit − `base`), lowered here if a plain row came first. A unit an open
    /// register lacks is not registered here (the caller registers every part's new units once, in file
    /// order): it is numbered after the register, `units.len() + i`, with its first line and packed code
    /// at `new_units[i]`. A closed register reports it among the errors.
    ///
    /// Each partition's rows are numbered by their unit within the partition and summed per unit and
    /// slot: in a table of units × slots when it fits in the cache, else after sorting them (in cache
    /// too: a partition is small). The sums go to the scorer in unit order, so it need not sort them.
    /// Plain entries are handed back with their inputs, for the caller to add once the parts are merged.
    pub(super) fn finish(
        self,
        units: &Units,
        open: bool,
        base: usize,
        first_lines: &mut [u64],
        new_units: &mut Vec<(u64, u64)>,
        scorer: &mut Scorer<'_>,
    ) -> Finished {
        let mut unknown = UnknownUnits::default();
        const UNKNOWN: u32 = u32::MAX;
        let mut ids: FxHashMap<u64, u32> = FxHashMap::default();
        // The partition's units, by their number in it.
        let mut local: Vec<usize> = Vec::new();
        // (number << 32 | slot, count) of the partition's rows.
        let mut keyed: Vec<(u64, u32)> = Vec::new();
        // Every unit's sums, (slot, count), and where each unit's are: handed to the scorer as they are.
        // At most a sum per row: reserved once, so it never grows by copying (what is not filled is not
        // touched).
        let rows: usize = self.parts.iter().map(Vec::len).sum();
        let mut summed: Vec<(CountSlot, u64)> = Vec::with_capacity(rows);
        let mut spans: Vec<(u32, u32)> = Vec::new();
        let rules = &self.layout.rules;
        let slot = |index: u32| count_slot(rules, index);
        let slots = self.layout.rules.slots();
        let mut table: Vec<u32> = Vec::new();
        // Plain entries: (unit, line, slot), in no particular order.
        let mut entry_rows: Vec<(usize, u64, u32)> = Vec::new();
        for part in self.parts {
            ids.clear();
            local.clear();
            keyed.clear();
            let mut total = 0u64;
            for row in part {
                let line = self.first_line + u64::from(row.line);
                let number = *ids.entry(row.unit).or_insert_with(|| {
                    let id = match units.find_packed(row.unit) {
                        Some(Party::Unit(id)) => {
                            if let Some(first) =
                                id.checked_sub(base).and_then(|i| first_lines.get_mut(i))
                            {
                                *first = (*first).min(line);
                            }
                            Some(id)
                        }
                        Some(Party::Group(_)) => None,
                        None if open => {
                            new_units.push((line, row.unit));
                            Some(units.len() + new_units.len() - 1)
                        }
                        None => None,
                    };
                    id.map_or(UNKNOWN, |id| {
                        local.push(id);
                        (local.len() - 1) as u32
                    })
                });
                let slot = row.slot_count >> COUNT_BITS;
                let count = row.slot_count & ((1 << COUNT_BITS) - 1);
                if number == UNKNOWN {
                    unknown.push(line, row.unit);
                } else if count == 0 {
                    entry_rows.push((local[number as usize], line, slot));
                } else {
                    keyed.push(((u64::from(number) << 32) | u64::from(slot), count));
                    total += u64::from(count);
                }
            }
            let cells = local.len() * slots;
            // No cell of the table can pass u32::MAX when the whole partition does not.
            if cells <= TABLE_CELLS && total <= u64::from(u32::MAX) {
                table.resize(cells, 0);
                for &(key, count) in &keyed {
                    table[(key >> 32) as usize * slots + (key as u32) as usize] += count;
                }
                for (number, row) in table.chunks_mut(slots.max(1)).enumerate() {
                    let start = summed.len();
                    for (index, cell) in row.iter_mut().enumerate() {
                        if *cell != 0 {
                            summed.push((slot(index as u32), u64::from(*cell)));
                            *cell = 0;
                        }
                    }
                    set_run(&mut spans, local[number], start..summed.len());
                }
                continue;
            }
            radsort::sort_by_key(&mut keyed, |&(k, _)| k);
            let mut i = 0;
            while i < keyed.len() {
                let number = (keyed[i].0 >> 32) as usize;
                let start = summed.len();
                while i < keyed.len() && (keyed[i].0 >> 32) as usize == number {
                    let key = keyed[i].0;
                    let mut n = 0u64;
                    while i < keyed.len() && keyed[i].0 == key {
                        n = n.saturating_add(u64::from(keyed[i].1));
                        i += 1;
                    }
                    summed.push((slot(key as u32), n));
                }
                set_run(&mut spans, local[number], start..summed.len());
            }
        }
        scorer.add_summed_runs(summed, spans);
        let mut inputs = self.entries;
        let entries = entry_rows
            .into_iter()
            .map(|(unit, line, slot)| {
                let at = u32::try_from(line - self.first_line).expect("a line of the part");
                let Ok(i) = inputs.binary_search_by_key(&at, |&(l, _)| l) else {
                    unreachable!("every plain entry's input is kept by its line");
                };
                let (round, rule) = rules.round_and_rule(count_slot(rules, slot));
                UnitEntry {
                    unit,
                    round,
                    rule,
                    input: std::mem::replace(&mut inputs[i].1, Input::Found),
                    origin: line,
                }
            })
            .collect();
        Finished { unknown, entries }
    }
}

fn text(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

/// What [`PlainRows::finish`] leaves to the caller.
pub(super) struct Finished {
    /// Unknown units of a closed register.
    pub(super) unknown: UnknownUnits,
    /// The plain entries, their units numbered as the part's: the caller adds them once the parts are
    /// merged (`Scorer::add_entries`), sorted by unit rather than put in a map.
    pub(super) entries: Vec<UnitEntry>,
}

fn count_slot(rules: &PlainRules<'_>, index: u32) -> CountSlot {
    CountSlot::from_index(rules, index).expect("a slot of this rubric")
}
