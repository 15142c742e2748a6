//! The active entries of one party (a unit or a group), in entry order, in chunks shared between
//! snapshots: a new snapshot that adds or removes one entry copies one chunk (and the list of chunks),
//! not the party's thousands of entries. Ids are kept apart from the entries, so finding one by id
//! searches small arrays of integers.

use std::sync::Arc;

use kaoping_core::finding::Finding;
use kaoping_store::Entry;

/// An entry that counts, with the finding it resolved to (origin = entry id).
#[derive(Debug)]
pub struct Counted {
    pub entry: Entry,
    pub finding: Finding,
}

/// Entries per chunk: small enough to copy on a change, large enough to keep the list of chunks short.
const CHUNK: usize = 256;

#[derive(Debug, Clone, Default)]
struct Chunk {
    ids: Vec<i64>,
    items: Vec<Arc<Counted>>,
}

/// See the module docs.
#[derive(Debug, Clone, Default)]
pub struct PartyList {
    chunks: Vec<Arc<Chunk>>,
}

impl PartyList {
    /// Adds an entry newer than every entry in the list.
    pub(crate) fn push(&mut self, c: Arc<Counted>) {
        debug_assert!(self
            .chunks
            .last()
            .and_then(|ch| ch.ids.last())
            .is_none_or(|&last| last < c.entry.id));
        match self.chunks.last_mut() {
            Some(last) if last.ids.len() < CHUNK => {
                let last = Arc::make_mut(last);
                last.ids.push(c.entry.id);
                last.items.push(c);
            }
            _ => self.chunks.push(Arc::new(Chunk {
                ids: vec![c.entry.id],
                items: vec![c],
            })),
        }
    }

    /// The chunk that holds `id`, if any could.
    fn chunk_of(&self, id: i64) -> Option<usize> {
        // Chunks are in id order and never empty: the first whose last id is not below `id`.
        let at = self
            .chunks
            .partition_point(|ch| ch.ids.last().is_some_and(|&last| last < id));
        (at < self.chunks.len()).then_some(at)
    }

    /// Takes the entry `id` out, if it is here.
    pub(crate) fn remove(&mut self, id: i64) -> Option<Arc<Counted>> {
        let at = self.chunk_of(id)?;
        let pos = self.chunks[at].ids.binary_search(&id).ok()?;
        let chunk = Arc::make_mut(&mut self.chunks[at]);
        chunk.ids.remove(pos);
        let gone = chunk.items.remove(pos);
        if chunk.ids.is_empty() {
            self.chunks.remove(at);
        }
        Some(gone)
    }

    /// The entry `id`, if it is here.
    pub fn find(&self, id: i64) -> Option<&Counted> {
        let chunk = &self.chunks[self.chunk_of(id)?];
        let pos = chunk.ids.binary_search(&id).ok()?;
        Some(chunk.items[pos].as_ref())
    }

    /// The entries, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Counted>> {
        self.chunks.iter().flat_map(|ch| ch.items.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaoping_core::finding::{Finding, Input, Target};
    use kaoping_core::units::Party;
    use kaoping_store::{Entry, EntryKind, Source};

    fn counted(id: i64) -> Arc<Counted> {
        Arc::new(Counted {
            entry: Entry {
                id,
                period_id: 1,
                unit_code: "D01".into(),
                code: "1.1".into(),
                round: String::new(),
                count: None,
                level: None,
                points: None,
                note: String::new(),
                matter: None,
                date: None,
                due: None,
                source: Source::Assessor,
                department_id: None,
                recorded_by: 1,
                evidence_id: None,
                kind: EntryKind::Record,
                replaces: None,
                reason: String::new(),
                recorded_at: 0,
            },
            finding: Finding {
                party: Party::Unit(0),
                target: Target::Rule(0),
                round: 0,
                input: Input::Found,
                origin: id as u64,
                note: Box::default(),
            },
        })
    }

    /// Pushes, removes and lookups over several chunks agree with a plain sorted list, and a copy made
    /// before a change does not see it.
    #[test]
    fn behaves_as_a_sorted_list_across_chunks() {
        let mut list = PartyList::default();
        let mut plain: Vec<i64> = Vec::new();
        for id in (1..=1000).map(|i| i * 3) {
            list.push(counted(id));
            plain.push(id);
        }
        let before = list.clone();
        for id in [3, 768, 771, 1500, 3000, 3001, 2] {
            let removed = list.remove(id).map(|c| c.entry.id);
            let expected = plain.iter().position(|&p| p == id).map(|i| plain.remove(i));
            assert_eq!(removed, expected, "remove {id}");
        }
        // A whole chunk emptied: its ids 3 … 768 gone one by one.
        for id in (1..=256).map(|i| i * 3) {
            list.remove(id);
            plain.retain(|&p| p != id);
        }
        list.push(counted(5000));
        plain.push(5000);
        let ids: Vec<i64> = list.iter().map(|c| c.entry.id).collect();
        assert_eq!(ids, plain);
        for id in [3, 771, 774, 2997, 5000, 4] {
            assert_eq!(
                list.find(id).map(|c| c.entry.id),
                plain.contains(&id).then_some(id),
                "find {id}"
            );
        }
        assert_eq!(before.iter().count(), 1000, "the copy is unchanged");
        assert_eq!(before.find(3).map(|c| c.entry.id), Some(3));
    }
}
