//! A map keyed by codes (`1.4.2`, `D01`), the lookups findings make millions of times.

use rustc_hash::FxHashMap;

/// Codes of up to 7 bytes are keyed by their bytes and length packed into a `u64`, so the usual lookup
/// hashes one integer and compares no strings; longer codes (Chinese names) use an ordinary string map.
#[derive(Debug, Clone)]
pub(crate) struct CodeMap<V> {
    short: FxHashMap<u64, V>,
    long: FxHashMap<Box<str>, V>,
}

impl<V> Default for CodeMap<V> {
    fn default() -> Self {
        CodeMap {
            short: FxHashMap::default(),
            long: FxHashMap::default(),
        }
    }
}

fn pack(code: &str) -> Option<u64> {
    pack_bytes(code.as_bytes())
}

/// A shift per byte rather than a copy: the copy of a variable length is a call to `memcpy`, which
/// costs more than the lookup it prepares.
pub(crate) fn pack_bytes(bytes: &[u8]) -> Option<u64> {
    (bytes.len() <= 7).then(|| {
        let mut packed = (bytes.len() as u64) << 56;
        for (i, &b) in bytes.iter().enumerate() {
            packed |= u64::from(b) << (8 * i);
        }
        packed
    })
}

impl<V: Copy> CodeMap<V> {
    pub(crate) fn get(&self, code: &str) -> Option<V> {
        match pack(code) {
            Some(key) => self.short.get(&key).copied(),
            None => self.long.get(code).copied(),
        }
    }

    /// As [`CodeMap::get`], for a code that may not be text (then it is no code of the map).
    pub(crate) fn get_bytes(&self, code: &[u8]) -> Option<V> {
        match pack_bytes(code) {
            Some(key) => self.short.get(&key).copied(),
            None => self.long.get(std::str::from_utf8(code).ok()?).copied(),
        }
    }

    /// As [`CodeMap::get`], for a code already packed (see [`crate::plain::packed_code`]).
    pub(crate) fn get_packed(&self, key: u64) -> Option<V> {
        self.short.get(&key).copied()
    }

    /// Room for `additional` more codes (short ones: most codes are).
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.short.reserve(additional);
    }

    pub(crate) fn insert(&mut self, code: &str, value: V) {
        match pack(code) {
            Some(key) => {
                self.short.insert(key, value);
            }
            None => {
                self.long.insert(code.into(), value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_codes_do_not_collide() {
        let mut m = CodeMap::default();
        for (i, code) in [
            "1",
            "1.1",
            "1\0",
            "1.1.1",
            "U000001",
            "U0000012",
            "第一党支部",
            "",
        ]
        .iter()
        .enumerate()
        {
            m.insert(code, i);
        }
        for (i, code) in [
            "1",
            "1.1",
            "1\0",
            "1.1.1",
            "U000001",
            "U0000012",
            "第一党支部",
            "",
        ]
        .iter()
        .enumerate()
        {
            assert_eq!(m.get(code), Some(i), "{code:?}");
        }
        assert_eq!(m.get("1.2"), None);
    }
}
