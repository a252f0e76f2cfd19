//! The active-expiry index: a 4-ary min-heap of `(deadline, key hash)` pairs.
//!
//! A 4-ary heap is half as deep as a binary one and the four children of a
//! node share one 64-byte cache line, so popping from a heap of millions of
//! pairs costs about half the cache misses. Pairs are 16 bytes.

use crate::table::Hash;

/// A min-heap of `(deadline_ms, hash)` ordered by deadline.
#[derive(Debug, Default, Clone)]
pub(crate) struct DeadlineHeap {
    v: Vec<(u64, Hash)>,
}

const ARITY: usize = 4;

impl DeadlineHeap {
    pub(crate) fn len(&self) -> usize {
        self.v.len()
    }

    pub(crate) fn capacity(&self) -> usize {
        self.v.capacity()
    }

    /// The pair at position `i` of the heap array (for random sampling).
    pub(crate) fn get(&self, i: usize) -> Option<(u64, Hash)> {
        self.v.get(i).copied()
    }

    /// The pair with the earliest deadline.
    pub(crate) fn peek(&self) -> Option<(u64, Hash)> {
        self.v.first().copied()
    }

    pub(crate) fn push(&mut self, item: (u64, Hash)) {
        self.v.push(item);
        let mut i = self.v.len() - 1;
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if self.v[parent].0 <= item.0 {
                break;
            }
            self.v[i] = self.v[parent];
            i = parent;
        }
        self.v[i] = item;
    }

    pub(crate) fn pop(&mut self) -> Option<(u64, Hash)> {
        let last = self.v.pop()?;
        let Some(&top) = self.v.first() else { return Some(last) };
        let n = self.v.len();
        let mut i = 0;
        loop {
            let first = ARITY * i + 1;
            if first >= n {
                break;
            }
            let mut min = first;
            for c in first + 1..(first + ARITY).min(n) {
                if self.v[c].0 < self.v[min].0 {
                    min = c;
                }
            }
            if self.v[min].0 >= last.0 {
                break;
            }
            self.v[i] = self.v[min];
            i = min;
        }
        self.v[i] = last;
        Some(top)
    }

    /// Keeps only the pairs for which `keep` holds, without duplicates.
    pub(crate) fn retain_unique(&mut self, keep: impl FnMut(&(u64, Hash)) -> bool) {
        self.v.retain(keep);
        // A sorted array is a valid min-heap of any arity.
        self.v.sort_unstable();
        self.v.dedup();
        self.v.shrink_to(self.v.len() * 2);
    }

    #[cfg(test)]
    pub(crate) fn iter(&self) -> impl Iterator<Item = &(u64, Hash)> {
        self.v.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn pops_in_order(items in proptest::collection::vec((0u64..50, any::<Hash>()), 0..300),
                         pops in proptest::collection::vec(any::<bool>(), 0..300)) {
            let mut heap = DeadlineHeap::default();
            let mut model: Vec<u64> = Vec::new();
            let mut items = items.into_iter();
            for pop in pops {
                if pop {
                    model.sort_unstable();
                    let want = if model.is_empty() { None } else { Some(model.remove(0)) };
                    prop_assert_eq!(heap.pop().map(|(d, _)| d), want);
                } else if let Some(item) = items.next() {
                    heap.push(item);
                    model.push(item.0);
                }
                prop_assert_eq!(heap.len(), model.len());
                prop_assert_eq!(heap.peek().map(|(d, _)| d), model.iter().min().copied());
            }
        }
    }
}
