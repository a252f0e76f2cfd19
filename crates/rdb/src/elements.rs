//! The borrowed data model: [`ValueRef`] (a value whose bytes live elsewhere)
//! over [`Elements`] (byte strings laid end to end in one buffer), and
//! [`ElementBuf`], the reusable buffer that holds them.
//!
//! Reading and writing millions of small collections through [`RdbValue`]
//! costs an allocation per element; with [`Reader::next_item_ref`] and
//! [`Writer::write_key_ref`] the elements of one value go through one
//! `ElementBuf` reused from key to key instead.
//!
//! [`Reader::next_item_ref`]: crate::Reader::next_item_ref
//! [`Writer::write_key_ref`]: crate::Writer::write_key_ref

use std::collections::HashSet;

use ember_num::format_i64;

use crate::listpack::Element;
use crate::value::RdbValue;

/// A reusable buffer of byte strings (and, for sorted sets, their scores).
///
/// ```
/// use ember_rdb::ElementBuf;
/// let mut buf = ElementBuf::new();
/// buf.push(b"field");
/// buf.push_int(-42);
/// let e = buf.elements();
/// assert_eq!(e.len(), 2);
/// assert_eq!(e.get(1), b"-42");
/// buf.clear(); // keeps the allocations for the next value
/// assert!(buf.elements().is_empty());
/// ```
#[derive(Debug, Default, Clone)]
pub struct ElementBuf {
    data: Vec<u8>,
    /// End offset in `data` of each element.
    ends: Vec<usize>,
    scores: Vec<f64>,
}

impl ElementBuf {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Removes every element, keeping the allocations.
    pub fn clear(&mut self) {
        self.data.clear();
        self.ends.clear();
        self.scores.clear();
    }

    /// Appends a byte string.
    #[inline]
    pub fn push(&mut self, bytes: &[u8]) {
        self.data.extend_from_slice(bytes);
        self.ends.push(self.data.len());
    }

    /// Appends the canonical decimal form of `v`.
    #[inline]
    pub fn push_int(&mut self, v: i64) {
        let mut scratch = [0u8; ember_num::INT_BUF_LEN];
        self.push(format_i64(v, &mut scratch));
    }

    /// Appends a listpack / ziplist element (integers in decimal).
    #[inline]
    pub fn push_element(&mut self, e: Element<'_>) {
        match e {
            Element::Int(v) => self.push_int(v),
            Element::Bytes(b) => self.push(b),
        }
    }

    /// Appends a sorted-set member with its score.
    #[inline]
    pub fn push_scored(&mut self, member: &[u8], score: f64) {
        self.push(member);
        self.scores.push(score);
    }

    /// Appends a score for the element pushed last.
    pub(crate) fn push_score(&mut self, score: f64) {
        self.scores.push(score);
    }

    /// Appends bytes to the element being built; [`end_element`](Self::end_element) closes it.
    pub(crate) fn data_mut(&mut self) -> &mut Vec<u8> {
        &mut self.data
    }

    /// Closes the element whose bytes were appended through `data_mut`.
    pub(crate) fn end_element(&mut self) {
        self.ends.push(self.data.len());
    }

    /// The elements pushed so far.
    pub fn elements(&self) -> Elements<'_> {
        Elements { data: &self.data, ends: &self.ends }
    }

    /// The scores pushed so far (one per [`push_scored`](Self::push_scored)).
    pub fn scores(&self) -> &[f64] {
        &self.scores
    }
}

/// Byte strings laid end to end (borrowed from an [`ElementBuf`]).
#[derive(Debug, Clone, Copy)]
pub struct Elements<'a> {
    data: &'a [u8],
    ends: &'a [usize],
}

impl<'a> Elements<'a> {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Element `i` (panics if out of range).
    #[inline]
    pub fn get(&self, i: usize) -> &'a [u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start..self.ends[i]]
    }

    /// The elements in order.
    pub fn iter(&self) -> ElementsIter<'a> {
        ElementsIter { data: self.data, ends: self.ends, start: 0 }
    }

    /// Consecutive pairs (field, value) of a hash; a trailing odd element is
    /// left out.
    pub fn pairs(&self) -> impl ExactSizeIterator<Item = (&'a [u8], &'a [u8])> + Clone + 'a {
        let e = *self;
        (0..self.len() / 2).map(move |i| (e.get(2 * i), e.get(2 * i + 1)))
    }

    /// Total bytes of all elements.
    pub fn byte_len(&self) -> usize {
        self.data.len()
    }

    /// True if no two of the elements `step` apart starting at 0 (every
    /// element for 1, every field of a hash for 2) are equal.
    pub(crate) fn distinct(&self, step: usize) -> bool {
        let n = self.len().div_ceil(step);
        if n <= 16 {
            // Few elements (the common case): comparing pairs beats hashing.
            (0..n).all(|i| {
                let a = self.get(i * step);
                (i + 1..n).all(|j| !same(self.get(j * step), a))
            })
        } else {
            let mut seen = HashSet::with_capacity(n);
            self.iter().step_by(step).all(|e| seen.insert(e))
        }
    }
}

/// `a == b`, comparing short slices inline (most differ in their length or
/// first bytes, and a call to memcmp costs more than that).
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() <= 16 {
        a.iter().zip(b).all(|(x, y)| x == y)
    } else {
        a == b
    }
}

/// Iterator over [`Elements`].
#[derive(Debug, Clone)]
pub struct ElementsIter<'a> {
    data: &'a [u8],
    ends: &'a [usize],
    start: usize,
}

impl<'a> Iterator for ElementsIter<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let (&end, rest) = self.ends.split_first()?;
        let e = &self.data[self.start..end];
        self.start = end;
        self.ends = rest;
        Some(e)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.ends.len(), Some(self.ends.len()))
    }
}

impl ExactSizeIterator for ElementsIter<'_> {}

/// A string, list, set, hash or sorted set whose bytes are borrowed: what
/// [`Reader::next_item_ref`](crate::Reader::next_item_ref) yields and
/// [`Writer::write_key_ref`](crate::Writer::write_key_ref) takes. The same
/// rules as for [`RdbValue`] apply (distinct members and fields, no NaN
/// scores).
#[derive(Debug, Clone, Copy)]
pub enum ValueRef<'a> {
    /// A string.
    String(&'a [u8]),
    /// A list, head first.
    List(Elements<'a>),
    /// A set's members.
    Set(Elements<'a>),
    /// A hash: field, value, field, value, ...
    Hash(Elements<'a>),
    /// A sorted set's members and their scores (same length).
    SortedSet(Elements<'a>, &'a [f64]),
}

impl<'a> ValueRef<'a> {
    /// Number of elements (bytes for a string, pairs for a hash).
    pub fn len(&self) -> usize {
        match self {
            ValueRef::String(s) => s.len(),
            ValueRef::List(e) | ValueRef::Set(e) | ValueRef::SortedSet(e, _) => e.len(),
            ValueRef::Hash(e) => e.len() / 2,
        }
    }

    /// True for an empty string or collection.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True for an empty list, set, sorted set or hash (see
    /// [`RdbValue::is_empty_collection`]).
    pub fn is_empty_collection(&self) -> bool {
        !matches!(self, ValueRef::String(_)) && self.is_empty()
    }

    /// (member, score) pairs of a sorted set (empty for other types).
    pub fn scored(&self) -> impl ExactSizeIterator<Item = (&'a [u8], f64)> + Clone + 'a {
        let (e, scores) = match *self {
            ValueRef::SortedSet(e, s) => (e, s),
            _ => (Elements { data: &[], ends: &[] }, &[][..]),
        };
        let n = e.len().min(scores.len());
        (0..n).map(move |i| (e.get(i), scores[i]))
    }

    /// The owned form.
    pub fn to_owned(&self) -> RdbValue {
        match self {
            ValueRef::String(s) => RdbValue::String(s.to_vec()),
            ValueRef::List(e) => RdbValue::List(e.iter().map(<[u8]>::to_vec).collect()),
            ValueRef::Set(e) => RdbValue::Set(e.iter().map(<[u8]>::to_vec).collect()),
            ValueRef::Hash(e) => RdbValue::Hash(e.pairs().map(|(f, v)| (f.to_vec(), v.to_vec())).collect()),
            ValueRef::SortedSet(..) => RdbValue::SortedSet(self.scored().map(|(m, s)| (m.to_vec(), s)).collect()),
        }
    }
}

impl RdbValue {
    /// The borrowed form of a string or collection, its elements copied into
    /// `buf` (cleared first); `None` for streams and module values.
    pub fn to_ref<'a>(&'a self, buf: &'a mut ElementBuf) -> Option<ValueRef<'a>> {
        buf.clear();
        match self {
            RdbValue::String(s) => return Some(ValueRef::String(s)),
            RdbValue::List(v) | RdbValue::Set(v) => v.iter().for_each(|x| buf.push(x)),
            RdbValue::Hash(pairs) => pairs.iter().for_each(|(f, v)| {
                buf.push(f);
                buf.push(v);
            }),
            RdbValue::SortedSet(pairs) => pairs.iter().for_each(|(m, s)| buf.push_scored(m, *s)),
            RdbValue::Stream(_) | RdbValue::Module(_) => return None,
        }
        let e = buf.elements();
        Some(match self {
            RdbValue::List(_) => ValueRef::List(e),
            RdbValue::Set(_) => ValueRef::Set(e),
            RdbValue::Hash(_) => ValueRef::Hash(e),
            _ => ValueRef::SortedSet(e, buf.scores()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn distinct_small_and_large() {
        let mut buf = ElementBuf::new();
        for i in 0..40 {
            buf.push_int(i);
        }
        assert!(buf.elements().distinct(1));
        buf.push_int(7);
        assert!(!buf.elements().distinct(1));
        buf.clear();
        // A hash: fields distinct, values repeated.
        for (f, v) in [("a", "x"), ("b", "x"), ("c", "x")] {
            buf.push(f.as_bytes());
            buf.push(v.as_bytes());
        }
        assert!(buf.elements().distinct(2));
        assert!(!buf.elements().distinct(1));
    }

    proptest! {
        #[test]
        fn owned_round_trip(items in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..8), 0..40)) {
            let value = RdbValue::List(items.clone());
            let mut buf = ElementBuf::new();
            let r = value.to_ref(&mut buf).unwrap();
            prop_assert_eq!(r.len(), items.len());
            prop_assert_eq!(r.to_owned(), value);
            let pairs: Vec<(Vec<u8>, Vec<u8>)> = items.chunks_exact(2).map(|c| (c[0].clone(), c[1].clone())).collect();
            let hash = RdbValue::Hash(pairs);
            let r = hash.to_ref(&mut buf).unwrap();
            prop_assert_eq!(r.to_owned(), hash);
        }
    }
}
