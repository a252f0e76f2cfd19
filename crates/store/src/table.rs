//! The keyspace hash table: ordered open addressing with a hash-valued SCAN
//! cursor and incremental resizing.
//!
//! # Layout
//!
//! The table is an array of 12-byte [`Slot`]s, `(hash, node pointer)`, with a
//! power-of-two capacity `2^bits` plus a short overflow tail (no wrap-around).
//! A key's home slot is the top `bits` bits of its 32-bit [`Hash`]. Occupied slots
//! are kept sorted by full hash value along the whole array (this is Robin
//! Hood linear probing with ties broken by hash, a.k.a. ordered hashing):
//! insertion shifts the following run of entries right by one, deletion
//! shifts the displaced entries after the hole back left by one. Empty slots
//! store the hash `Hash::MAX`, which no key hashes to, so a lookup is two tight
//! loops: skip smaller hashes, then compare keys while the hash is equal.
//!
//! Invariants (checked by `check_invariants` in tests):
//! * every entry sits at or after its home slot, and every slot between its
//!   home and its position is occupied;
//! * therefore occupied slots are in non-decreasing hash order;
//! * the last slot of the array is always empty (a sentinel that ends every
//!   probe), and `len` counts occupied slots.
//!
//! # Incremental resizing
//!
//! The table grows at load 0.8 and shrinks below 1/8, but never in one
//! stop-the-world pass (that took 5-20 ms per million keys). A resize
//! allocates the new array and then moves entries over in hash order, a
//! bounded number per mutating operation ([`STEP_SLOTS`] old slots) or per
//! [`Table::rehash_step`] call from the server's idle time, like Redis's
//! incremental rehashing. While it runs:
//!
//! * a `boundary` hash splits the keyspace: the new array (`slots`) holds
//!   exactly the entries with `hash < boundary`, the old array exactly those
//!   with `hash >= boundary`. Every operation (find, insert, remove) goes to
//!   the one array its hash selects, so a lookup never probes both, and
//!   entries of equal hash are never split across the boundary;
//! * migration takes entries from the front of the old array (its smallest
//!   hashes) and appends them to the new one, raising `boundary`. The old
//!   array's migrated prefix is left empty and never probed: in the old
//!   array, the invariants above hold with "home slot" read as
//!   `max(home, cursor)`;
//! * the new array is allocated untouched and initialized (made of empty
//!   slots) only as far as the boundary has reached, so starting a resize
//!   costs no page faults; when migration ends, the old array is released
//!   to the allocator in bounded chunks too ("draining"), never freed in one
//!   go.
//!
//! A grow is never due during a migration: each insertion migrates
//! [`STEP_SLOTS`] old slots, so at most `old slots / STEP_SLOTS` insertions
//! arrive before it completes, and a shrink picks a new size that has room
//! for them. (If one were due anyway, the running migration is completed
//! first.) The only stop-the-world pass left is a fallback for an overflow
//! tail too short for a cluster of equal or adjacent hashes at the top of the
//! hash space, which a keyed hash makes practically impossible.
//!
//! Shrinking only goes as far as hash clustering allows (see `shrink`): the
//! measurement that decides it is an incremental pass too ("planning").
//!
//! # SCAN
//!
//! Because entries are in hash order regardless of capacity, a cursor is just
//! a hash value: a call returns entries with `hash >= cursor` in order and
//! hands back the hash of the first entry it did not return (never splitting a
//! group of equal hashes). Growing or shrinking the table between calls moves
//! entries between slots but never changes their order, so every key present
//! for the whole scan is returned exactly once. Hashes are never `0`, so `0`
//! can mean both "start" and "done". During a migration the hash-ordered
//! sequence of all entries is the new array's entries followed by the old
//! array's, so a scan walks the first and continues in the second.
//!
//! # Nodes
//!
//! Each key is one heap allocation, a [`Node`]: a 40-byte header (the
//! [`Entry`] with value and deadline, the access metadata and the key length)
//! followed by the key bytes. The table only moves the 12-byte slots.

use std::alloc::{self, Layout};
use std::marker::PhantomData;
use std::ptr::NonNull;

use crate::entry::{Entry, Meta};

/// A key's hash as the table stores it: 32 bits (see
/// [`crate::hash::KeyHasher::hash32`]), enough to home keys in any table that
/// fits in memory (equal hashes are handled as groups).
pub(crate) type Hash = u32;

/// Hash stored in empty slots; [`crate::hash::KeyHasher::hash32`] never
/// returns it.
const EMPTY: Hash = Hash::MAX;
/// Smallest capacity exponent once the table is allocated (8 home slots).
const MIN_BITS: u32 = 3;
/// Longest overflow tail past the last home slot.
const MAX_TAIL: usize = 64;
/// Old-array slots migrated by each mutating operation while a resize is in
/// progress (a group of equal hashes is never split, so a step may exceed
/// this only by such a group).
const STEP_SLOTS: usize = 32;
/// The new array's initialized prefix grows by at least this many slots.
const INIT_CHUNK: usize = 64;
/// Emptied old-array slots dropped per unit of step budget once migration is
/// over (dropping an empty slot only checks it).
const DRAIN_FACTOR: usize = 8;
/// The drained part of the old array is handed back to the allocator in
/// chunks of this many slots (192 KiB of 12-byte slots).
const RELEASE_CHUNK: usize = 16 * 1024;

#[repr(C)]
struct NodeHeader {
    entry: Entry,
    meta: Meta,
    key_len: u32,
}

/// Owner of one key's allocation: a [`NodeHeader`] followed by the key bytes.
/// Transparent over its pointer, so `Option<Node>` is one nullable word
/// (which [`Slot`] relies on).
#[repr(transparent)]
pub(crate) struct Node {
    ptr: NonNull<NodeHeader>,
}

// SAFETY: a Node uniquely owns its allocation, like a Box<NodeHeader + [u8]>;
// Entry is Send + Sync, so moving or sharing the owner across threads is fine.
unsafe impl Send for Node {}
// SAFETY: as above; &Node only gives shared access to the header and key.
unsafe impl Sync for Node {}

const HEADER: usize = std::mem::size_of::<NodeHeader>();

fn node_layout(key_len: usize) -> Layout {
    let (layout, offset) =
        Layout::new::<NodeHeader>().extend(Layout::array::<u8>(key_len).expect("key too long")).expect("key too long");
    debug_assert_eq!(offset, HEADER);
    layout.pad_to_align()
}

/// Bytes one key costs the table: its node's malloc chunk (glibc: 16-byte
/// multiples of at least 32 with an 8-byte header) and its 12-byte slot.
pub(crate) fn key_bytes(key_len: usize) -> usize {
    let chunk = ((node_layout(key_len).size() + 8 + 15) & !15).max(32);
    chunk + std::mem::size_of::<Slot>()
}

impl Node {
    /// Allocates a node for `key` holding `entry` and `meta`.
    ///
    /// # Panics
    /// If the key is 4 GiB or longer.
    pub(crate) fn new(key: &[u8], entry: Entry, meta: Meta) -> Node {
        let key_len = u32::try_from(key.len()).expect("keys are limited to 4 GiB");
        let layout = node_layout(key.len());
        // SAFETY: the layout has non-zero size (it contains the header).
        let raw = unsafe { alloc::alloc(layout) };
        let Some(ptr) = NonNull::new(raw.cast::<NodeHeader>()) else { alloc::handle_alloc_error(layout) };
        // SAFETY: `raw` is a fresh allocation of `layout`: the header fits at
        // offset 0 with its alignment and `key.len()` bytes fit at HEADER.
        unsafe {
            ptr.as_ptr().write(NodeHeader { entry, meta, key_len });
            std::ptr::copy_nonoverlapping(key.as_ptr(), raw.add(HEADER), key.len());
        }
        Node { ptr }
    }

    /// A shared view of the node.
    #[inline(always)]
    pub(crate) fn view(&self) -> NodeRef<'_> {
        NodeRef { ptr: self.ptr, _slot: PhantomData }
    }

    /// Frees the node, returning its entry and metadata.
    pub(crate) fn into_parts(self) -> (Entry, Meta) {
        let this = std::mem::ManuallyDrop::new(self);
        let layout = node_layout(this.view().header().key_len as usize);
        // SAFETY: the header is initialized; it is read out exactly once and
        // the allocation is then freed without dropping it (ManuallyDrop
        // prevents Node::drop from running).
        unsafe {
            let header = this.ptr.as_ptr().read();
            alloc::dealloc(this.ptr.as_ptr().cast::<u8>(), layout);
            (header.entry, header.meta)
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let layout = node_layout(self.view().header().key_len as usize);
        // SAFETY: the header is initialized and dropped exactly once here;
        // the allocation was made with this same layout in `new`.
        unsafe {
            std::ptr::drop_in_place(self.ptr.as_ptr());
            alloc::dealloc(self.ptr.as_ptr().cast::<u8>(), layout);
        }
    }
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.view().fmt(f)
    }
}

/// A shared view of a node owned by the table (or by a [`Node`]), valid
/// while the owner is borrowed.
#[derive(Clone, Copy)]
pub(crate) struct NodeRef<'a> {
    ptr: NonNull<NodeHeader>,
    _slot: PhantomData<&'a Node>,
}

impl<'a> NodeRef<'a> {
    #[inline(always)]
    fn header(self) -> &'a NodeHeader {
        // SAFETY: the header is initialized for the node's whole life and
        // the owner is borrowed shared for 'a.
        unsafe { self.ptr.as_ref() }
    }

    /// The key bytes.
    #[inline(always)]
    pub(crate) fn key(self) -> &'a [u8] {
        let len = self.header().key_len as usize;
        // SAFETY: `len` bytes were copied at offset HEADER in `Node::new`;
        // the pointer derives from the allocation (not from the header
        // reference), so it may address the bytes after the header. The
        // `key_len` field cannot be modified after construction.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().cast::<u8>().add(HEADER), len) }
    }

    #[inline(always)]
    pub(crate) fn entry(self) -> &'a Entry {
        &self.header().entry
    }

    #[inline(always)]
    pub(crate) fn meta(self) -> Meta {
        self.header().meta
    }
}

impl std::fmt::Debug for NodeRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("key", &self.key().escape_ascii().to_string())
            .field("entry", self.entry())
            .finish()
    }
}

/// A unique view of a node owned by the table, valid while the table is
/// borrowed mutably.
pub(crate) struct NodeMut<'a> {
    ptr: NonNull<NodeHeader>,
    _slot: PhantomData<&'a mut Node>,
}

impl<'a> NodeMut<'a> {
    #[inline(always)]
    fn header_mut(&mut self) -> &mut NodeHeader {
        // SAFETY: the header is initialized and the owner is borrowed
        // uniquely for 'a (and this view for the returned borrow).
        unsafe { self.ptr.as_mut() }
    }

    pub(crate) fn entry_mut(&mut self) -> &mut Entry {
        &mut self.header_mut().entry
    }

    pub(crate) fn meta_mut(&mut self) -> &mut Meta {
        &mut self.header_mut().meta
    }

    /// The entry, for the rest of the table borrow.
    pub(crate) fn into_entry_mut(self) -> &'a mut Entry {
        // SAFETY: as in `header_mut`; the view is consumed, so the returned
        // borrow is the only access for 'a.
        unsafe { &mut (*self.ptr.as_ptr()).entry }
    }
}

/// One table slot: a hash and the node it belongs to (`EMPTY` / `None` when
/// free).
///
/// Packed to 12 bytes (4-byte aligned), so the node pointer may be
/// unaligned: it is never borrowed in place, only read out by value
/// ([`Slot::node`]) or moved with the whole slot.
#[repr(C, packed(4))]
pub(crate) struct Slot {
    hash: Hash,
    node: Option<Node>,
}

impl Slot {
    const fn empty() -> Slot {
        Slot { hash: EMPTY, node: None }
    }

    /// A view of the slot's node, if occupied.
    #[inline(always)]
    fn node(&self) -> Option<NodeRef<'_>> {
        // SAFETY: `Option<Node>` has the layout of `Option<NonNull<_>>`
        // (Node is a transparent NonNull), read unaligned by value; the
        // view borrows the slot, which owns the node.
        let ptr = unsafe { std::ptr::addr_of!(self.node).cast::<Option<NonNull<NodeHeader>>>().read_unaligned() };
        ptr.map(|ptr| NodeRef { ptr, _slot: PhantomData })
    }

    /// A mutable view of the slot's node, if occupied.
    #[inline(always)]
    fn node_mut(&mut self) -> Option<NodeMut<'_>> {
        // SAFETY: as in `node`, with unique access from `&mut self`.
        let ptr = unsafe { std::ptr::addr_of!(self.node).cast::<Option<NonNull<NodeHeader>>>().read_unaligned() };
        ptr.map(|ptr| NodeMut { ptr, _slot: PhantomData })
    }

    /// Takes the node out, leaving the slot empty.
    #[inline(always)]
    fn take(&mut self) -> Option<Node> {
        let Slot { node, .. } = std::mem::replace(self, Slot::empty());
        node
    }
}

const _: () = assert!(std::mem::size_of::<Slot>() == 12);

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hash = self.hash;
        f.debug_struct("Slot").field("hash", &hash).field("node", &self.node()).finish()
    }
}

/// Where [`Table::find`] found an entry: valid until the table is next
/// modified (an insertion, removal or resize step).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Index(usize);

/// Tag bit of an [`Index`] into the old array of a migration.
const OLD: usize = 1 << (usize::BITS - 1);

/// A migration from the old array to `Table::slots` (see the module docs).
#[derive(Debug)]
struct Migration {
    /// The old array, full length; `old[..cursor]` is empty.
    old: Vec<Slot>,
    old_bits: u32,
    /// Next old slot to migrate.
    cursor: usize,
    /// Final length of the new array, whose initialized prefix is shorter
    /// until the migration ends (its capacity is already this).
    full_len: usize,
}

/// Home-to-slot distances the entries would have in a smaller array, as
/// `max_displacement` computes them, accumulated in one pass.
#[derive(Debug, Clone, Copy, Default)]
struct Displacement {
    next: usize,
    worst: usize,
}

/// An incremental pass over the slots measuring how far the table may shrink
/// (see `Table::shrink`).
#[derive(Debug)]
struct Plan {
    cursor: usize,
    /// Exponent of `cands[0]`; `cands[k]` is for `lo_bits + k`.
    lo_bits: u32,
    cands: Vec<Displacement>,
}

#[derive(Debug)]
enum Resize {
    Idle,
    Planning(Plan),
    Migrating(Migration),
}

/// The keyspace table (see the module docs). Hashes are computed by the
/// caller, so the table can be tested with chosen hash values.
#[derive(Debug)]
pub(crate) struct Table {
    /// `2^bits + tail` slots, or none before the first insertion. During a
    /// migration, the new array: only a prefix is initialized.
    slots: Vec<Slot>,
    bits: u32,
    len: usize,
    /// During a migration, entries with `hash >= boundary` are in the old
    /// array; otherwise `EMPTY` (every hash is smaller).
    boundary: Hash,
    /// A resize is in progress or the old array is still draining: each
    /// mutating operation does a step.
    busy: bool,
    /// Budget of a mutating operation's step (`STEP_SLOTS`; smaller in
    /// tests, to keep migrations in progress).
    step_slots: usize,
    resize: Resize,
    /// The old array of the last migration, all empty, being released.
    garbage: Vec<Slot>,
    /// A shrink was refused at a larger size (the remaining hashes were too
    /// clustered to fit a smaller array); do not try again until `len`
    /// falls below this.
    shrink_retry_below: usize,
    #[cfg(test)]
    stats: Stats,
}

/// Work counters (tests only).
#[cfg(test)]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stats {
    /// Entries moved from an old array to a new one.
    pub(crate) moved: usize,
    /// Old slots visited by migration steps (moved or empty).
    pub(crate) migrated_slots: usize,
    /// Slots visited by shrink planning.
    pub(crate) planned_slots: usize,
    /// Empty slots of a new array initialized.
    pub(crate) initialized: usize,
    /// Slots of old arrays dropped while draining.
    pub(crate) drained: usize,
    /// Stop-the-world passes over a non-empty table.
    pub(crate) full_rehashes: usize,
}

impl Default for Table {
    fn default() -> Table {
        Table {
            slots: Vec::new(),
            bits: 0,
            len: 0,
            boundary: EMPTY,
            busy: false,
            step_slots: STEP_SLOTS,
            resize: Resize::Idle,
            garbage: Vec::new(),
            shrink_retry_below: usize::MAX,
            #[cfg(test)]
            stats: Stats::default(),
        }
    }
}

/// Largest distance from its home slot an entry may end up at when the
/// table shrinks.
const MAX_SHRINK_DISPLACEMENT: usize = 32;

fn tail_len(cap: usize) -> usize {
    cap.min(MAX_TAIL)
}

fn home(hash: Hash, bits: u32) -> usize {
    (hash >> (Hash::BITS - bits)) as usize
}

/// Smallest capacity exponent that holds `len` entries at load <= 1/2.
fn bits_for(len: usize) -> u32 {
    let want = len.saturating_mul(2).max(1 << MIN_BITS);
    want.next_power_of_two().trailing_zeros()
}

/// True if `len` entries are too many for `2^bits` home slots (load > 0.8).
fn over_grow_load(len: usize, bits: u32) -> bool {
    len.saturating_mul(5) > (4usize << bits)
}

/// Inserts `(hash, node)` into `slots` (homes taken from the top `bits` bits;
/// slots before `floor` are never probed), keeping its last slot empty.
/// `slots` may be extended with empty slots up to `limit` in all. Returns
/// the node back if the run it joins would reach the end.
#[inline(always)]
fn place(slots: &mut Vec<Slot>, bits: u32, floor: usize, limit: usize, hash: Hash, node: Node) -> Result<(), Node> {
    let mut p = home(hash, bits).max(floor);
    if p + 1 >= slots.len() {
        // Only in the partially initialized new array of a migration.
        if p + 2 > limit {
            return Err(node);
        }
        slots.resize_with(p + 2, Slot::empty);
    }
    // The last slot is empty (hash EMPTY > hash): both loops stop.
    while slots[p].hash <= hash {
        p += 1;
    }
    let mut e = p;
    while slots[e].hash != EMPTY {
        e += 1;
    }
    if e + 1 >= slots.len() {
        // The run would reach the sentinel: extend the initialized prefix if
        // there is room, otherwise the caller must make room.
        if e + 2 > limit {
            return Err(node);
        }
        slots.push(Slot::empty());
    }
    if p < e {
        slots[p..=e].rotate_right(1);
    }
    slots[p] = Slot { hash, node: Some(node) };
    Ok(())
}

/// Removes the node at occupied `index` of `slots` (backward-shift
/// deletion).
fn remove_at(slots: &mut [Slot], bits: u32, index: usize) -> Node {
    let node = slots[index].take().expect("index of an occupied slot");
    let mut j = index + 1;
    while slots[j].hash != EMPTY && home(slots[j].hash, bits) < j {
        j += 1;
    }
    slots[index..j].rotate_left(1);
    node
}

/// Index of the first entry of `slots` with hash `hash` for which `pred`
/// holds, probing from `max(home, floor)`.
#[inline(always)]
fn probe(slots: &[Slot], start: usize, hash: Hash, mut pred: impl FnMut(NodeRef<'_>) -> bool) -> Option<usize> {
    let mut i = start;
    // The last slot is always empty (hash EMPTY > hash): both loops stop.
    while slots[i].hash < hash {
        i += 1;
    }
    while slots[i].hash == hash {
        if let Some(node) = slots[i].node() {
            if pred(node) {
                return Some(i);
            }
        }
        i += 1;
    }
    None
}

/// Progress of one SCAN call over one or two arrays.
struct ScanState {
    count: usize,
    max_visit: usize,
    returned: usize,
    visited: usize,
    last: Hash,
}

/// Visits the entries of `slots` with hash `>= cursor` from index `start`
/// (whose entries before `start` all hash below `cursor`). Returns the
/// cursor to resume from if the call is complete, `None` if the array was
/// exhausted.
fn scan_slots(
    slots: &[Slot],
    bits: u32,
    start: usize,
    cursor: Hash,
    st: &mut ScanState,
    f: &mut impl FnMut(NodeRef<'_>),
) -> Option<Hash> {
    let cap = 1usize << bits;
    for (i, slot) in slots.iter().enumerate().skip(start) {
        let h = slot.hash;
        if h == EMPTY {
            st.visited += 1;
            // Stopping at an empty home slot `i` is safe: every entry whose
            // home is before `i` lies before `i`, and we have seen them all,
            // so the next call may start at the hash `i << shift`.
            if (st.returned >= st.count || st.visited >= st.max_visit) && i > start && i < cap {
                return Some(((i as u64) << (Hash::BITS - bits)) as Hash);
            }
        } else if h >= cursor {
            if st.returned >= st.count && h != st.last {
                return Some(h);
            }
            if let Some(node) = slot.node() {
                f(node);
            }
            st.returned += 1;
            st.visited += 1;
            st.last = h;
        }
    }
    None
}

impl Table {
    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Number of home slots (0 before the first insertion); during a
    /// migration, of the new array.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        if self.slots.is_empty() {
            0
        } else {
            1 << self.bits
        }
    }

    /// An empty table whose operations each migrate `step_slots` slots.
    #[cfg(test)]
    pub(crate) fn with_step(step_slots: usize) -> Table {
        Table { step_slots: step_slots.max(1), ..Table::default() }
    }

    /// Work counters (tests only).
    #[cfg(test)]
    pub(crate) fn stats(&self) -> Stats {
        self.stats
    }

    /// Bytes allocated for slot arrays (during a resize, both arrays; the
    /// new one is counted whole although its pages are touched gradually).
    pub(crate) fn slot_bytes(&self) -> usize {
        let old = match &self.resize {
            Resize::Migrating(m) => m.old.capacity(),
            _ => 0,
        };
        (self.slots.capacity() + old + self.garbage.capacity()) * std::mem::size_of::<Slot>()
    }

    /// True while a resize (or the release of an old array) is in progress.
    pub(crate) fn is_rehashing(&self) -> bool {
        self.busy
    }

    /// Length the new array will have (the whole array when idle).
    fn full_len(&self) -> usize {
        match &self.resize {
            Resize::Migrating(m) => m.full_len,
            _ => self.slots.len(),
        }
    }

    /// Index of the first entry with hash `hash` for which `pred` holds.
    #[inline(always)]
    pub(crate) fn find_by(&self, hash: Hash, pred: impl FnMut(NodeRef<'_>) -> bool) -> Option<Index> {
        if self.len == 0 {
            return None;
        }
        if hash >= self.boundary {
            return self.find_old(hash, pred);
        }
        probe(&self.slots, home(hash, self.bits), hash, pred).map(Index)
    }

    /// [`find_by`](Self::find_by) for a hash that is in the old array.
    #[cold]
    #[inline(never)]
    fn find_old(&self, hash: Hash, pred: impl FnMut(NodeRef<'_>) -> bool) -> Option<Index> {
        let Resize::Migrating(m) = &self.resize else { return None };
        let start = home(hash, m.old_bits).max(m.cursor);
        probe(&m.old, start, hash, pred).map(|i| Index(i | OLD))
    }

    /// Index of `key`, whose hash is `hash`.
    #[inline]
    pub(crate) fn find(&self, hash: Hash, key: &[u8]) -> Option<Index> {
        self.find_by(hash, |n| n.key() == key)
    }

    #[inline(always)]
    fn slot(&self, index: Index) -> &Slot {
        if index.0 & OLD != 0 {
            return self.old_slot(index);
        }
        &self.slots[index.0]
    }

    #[cold]
    #[inline(never)]
    fn old_slot(&self, index: Index) -> &Slot {
        match &self.resize {
            Resize::Migrating(m) => &m.old[index.0 & !OLD],
            _ => panic!("stale table index"),
        }
    }

    #[cold]
    #[inline(never)]
    fn old_slot_mut(&mut self, index: Index) -> &mut Slot {
        match &mut self.resize {
            Resize::Migrating(m) => &mut m.old[index.0 & !OLD],
            _ => panic!("stale table index"),
        }
    }

    /// The node at an occupied index.
    #[inline(always)]
    pub(crate) fn node(&self, index: Index) -> NodeRef<'_> {
        self.slot(index).node().expect("index of an occupied slot")
    }

    /// The node at an occupied index, mutably.
    #[inline(always)]
    pub(crate) fn node_mut(&mut self, index: Index) -> NodeMut<'_> {
        let slot = if index.0 & OLD != 0 { self.old_slot_mut(index) } else { &mut self.slots[index.0] };
        slot.node_mut().expect("index of an occupied slot")
    }

    /// Inserts `node` under `hash`. The key must not be present. Does one
    /// resize step if a resize is in progress (or starts one).
    pub(crate) fn insert(&mut self, hash: Hash, node: Node) {
        debug_assert!(hash != EMPTY && hash != 0);
        if self.slots.is_empty() {
            self.rehash(MIN_BITS);
        } else if over_grow_load(self.len + 1, self.bits) {
            self.start_grow();
        }
        self.step();
        let mut node = node;
        loop {
            let (slots, bits, floor, limit) = if hash < self.boundary {
                let limit = self.full_len();
                (&mut self.slots, self.bits, 0, limit)
            } else {
                let Resize::Migrating(m) = &mut self.resize else { unreachable!("boundary outside a migration") };
                let limit = m.old.len();
                (&mut m.old, m.old_bits, m.cursor, limit)
            };
            match place(slots, bits, floor, limit, hash, node) {
                Ok(()) => {
                    self.len += 1;
                    return;
                }
                Err(back) => {
                    // The run would reach the end of its array: make room in
                    // one pass (only with many equal or adjacent hashes at
                    // the top of the hash space). At low load a longer tail
                    // is enough.
                    node = back;
                    let grow = (self.len + 1) * 5 > (2usize << self.bits);
                    self.rehash(self.bits + u32::from(grow));
                }
            }
        }
    }

    /// Removes and returns the node at an occupied index. Does one resize
    /// step if a resize is in progress (or starts a shrink), which
    /// invalidates indexes.
    pub(crate) fn remove(&mut self, index: Index) -> Node {
        let node = if index.0 & OLD == 0 {
            remove_at(&mut self.slots, self.bits, index.0)
        } else {
            match &mut self.resize {
                Resize::Migrating(m) => remove_at(&mut m.old, m.old_bits, index.0 & !OLD),
                _ => panic!("stale table index"),
            }
        };
        self.len -= 1;
        if self.shrink_due() {
            self.shrink();
        }
        self.step();
        node
    }

    /// True if the table is idle and below 1/8 load (and a shrink was not
    /// refused at about this size).
    fn shrink_due(&self) -> bool {
        matches!(self.resize, Resize::Idle)
            && self.bits > MIN_BITS
            && self.len < (1usize << self.bits) / 8
            && self.len < self.shrink_retry_below
    }

    /// One bounded resize step for a mutating operation, if one is due.
    #[inline(always)]
    pub(crate) fn step(&mut self) {
        if self.busy {
            self.step_cold();
        }
    }

    #[cold]
    #[inline(never)]
    fn step_cold(&mut self) {
        self.rehash_step(self.step_slots);
    }

    /// Does about `max_slots` slots' worth of pending resize work (at least
    /// one slot): migrating old slots, measuring for a shrink, or releasing
    /// `DRAIN_FACTOR` times as many slots of a finished migration's old
    /// array. Returns true while work remains.
    pub(crate) fn rehash_step(&mut self, max_slots: usize) -> bool {
        let budget = max_slots.max(1);
        self.drain_step(budget);
        match self.resize {
            Resize::Idle => {}
            Resize::Planning(_) => self.plan_step(budget),
            Resize::Migrating(_) => self.migrate_step(budget),
        }
        // Removals that were due to start a shrink during a grow (possibly
        // the last ones) start it now.
        if self.shrink_due() {
            self.shrink();
        }
        self.update_busy();
        self.busy
    }

    fn update_busy(&mut self) {
        self.busy = !matches!(self.resize, Resize::Idle) || !self.garbage.is_empty();
    }

    /// Starts growing to twice the capacity.
    fn start_grow(&mut self) {
        match self.resize {
            // Never happens with the step pacing (see the module docs); the
            // bounded-memory answer is to complete the migration.
            Resize::Migrating(_) => {
                while let Resize::Migrating(_) = self.resize {
                    self.migrate_step(usize::MAX);
                }
            }
            Resize::Planning(_) => self.resize = Resize::Idle,
            Resize::Idle => {}
        }
        // Completing may have fallen back to a rehash that already grew.
        if over_grow_load(self.len + 1, self.bits) {
            self.start_migration(self.bits + 1);
        }
        self.update_busy();
    }

    /// Allocates the new array of `2^bits` home slots and makes the current
    /// one the old array of a migration.
    fn start_migration(&mut self, bits: u32) {
        debug_assert!(matches!(self.resize, Resize::Idle));
        let cap = 1usize << bits;
        let full_len = cap + tail_len(cap);
        // Untouched memory: empty slots are written as the boundary advances.
        let mut new = Vec::with_capacity(full_len);
        new.resize_with(2, Slot::empty);
        #[cfg(test)]
        {
            self.stats.initialized += 2;
        }
        let old = std::mem::replace(&mut self.slots, new);
        let old_bits = std::mem::replace(&mut self.bits, bits);
        self.boundary = 0;
        self.resize = Resize::Migrating(Migration { old, old_bits, cursor: 0, full_len });
        self.busy = true;
    }

    /// Migrates about `budget` old slots (more only to keep a group of equal
    /// hashes together), in hash order.
    fn migrate_step(&mut self, budget: usize) {
        let Resize::Migrating(m) = &mut self.resize else { return };
        let shift = Hash::BITS - m.old_bits;
        let old_cap = 1usize << m.old_bits;
        let mut work = 0;
        // Hash of the last entry moved (0: none; no key hashes to 0).
        let mut last = 0;
        let mut done = false;
        let mut overflow = false;
        loop {
            let c = m.cursor;
            if c + 1 >= m.old.len() {
                // Only the sentinel is left.
                done = true;
                break;
            }
            let h = m.old[c].hash;
            if work >= budget && h != last {
                break;
            }
            work += 1;
            m.cursor = c + 1;
            if h == EMPTY {
                // Every old entry homed at or before the empty slot `c` lies
                // before it, so all hashes below `(c + 1) << shift` are in
                // the new array now.
                if c + 1 >= old_cap {
                    done = true;
                    break;
                }
                self.boundary = self.boundary.max((((c + 1) as u64) << shift) as Hash);
            } else {
                // `h` is the smallest hash of the old array and larger than
                // every hash of the new one, so it goes in the first empty
                // slot from its home (no entry of the new array lies past
                // that slot: it would be separated from its home by it).
                let mut p = home(h, self.bits);
                if p + 1 >= self.slots.len() {
                    #[cfg(test)]
                    {
                        self.stats.initialized += p + 2 - self.slots.len();
                    }
                    self.slots.resize_with(p + 2, Slot::empty);
                }
                // The last slot is empty: the loop stops.
                while self.slots[p].hash != EMPTY {
                    p += 1;
                }
                if p + 1 >= self.slots.len() {
                    if p + 2 > m.full_len {
                        // The new array's tail is too short for a cluster at
                        // the top of the hash space.
                        m.cursor = c;
                        overflow = true;
                        break;
                    }
                    self.slots.push(Slot::empty());
                    #[cfg(test)]
                    {
                        self.stats.initialized += 1;
                    }
                }
                // Both slots are exchanged, the target being empty.
                std::mem::swap(&mut self.slots[p], &mut m.old[c]);
                self.boundary = h + 1;
                last = h;
                #[cfg(test)]
                {
                    self.stats.moved += 1;
                }
            }
        }
        #[cfg(test)]
        {
            self.stats.migrated_slots += work;
        }
        if overflow {
            // Rebuild with a longer tail.
            self.rehash(self.bits);
            return;
        }
        let target = if done { m.full_len } else { (home(self.boundary, self.bits) + 2).min(m.full_len) };
        if self.slots.len() < target {
            // In pieces of at least INIT_CHUNK slots, for fewer calls.
            let target = target.max(self.slots.len() + INIT_CHUNK).min(m.full_len);
            #[cfg(test)]
            {
                self.stats.initialized += target - self.slots.len();
            }
            self.slots.resize_with(target, Slot::empty);
        }
        if done {
            let Resize::Migrating(m) = std::mem::replace(&mut self.resize, Resize::Idle) else { unreachable!() };
            debug_assert!(m.old.iter().all(|s| s.hash == EMPTY));
            self.boundary = EMPTY;
            // Dropping a previous old array still draining is bounded by
            // the pacing: it drains much faster than a migration completes.
            self.garbage = m.old;
        }
    }

    /// Drops up to `budget * DRAIN_FACTOR` empty slots from the end of the
    /// last old array, handing memory back in `RELEASE_CHUNK` pieces (a
    /// shrinking `realloc` keeps the block in place).
    fn drain_step(&mut self, budget: usize) {
        if self.garbage.is_empty() {
            return;
        }
        let n = budget.saturating_mul(DRAIN_FACTOR);
        let keep = self.garbage.len().saturating_sub(n);
        #[cfg(test)]
        {
            self.stats.drained += self.garbage.len() - keep;
        }
        self.garbage.truncate(keep);
        if keep == 0 {
            self.garbage = Vec::new();
        } else if self.garbage.capacity() - keep >= RELEASE_CHUNK {
            self.garbage.shrink_to(keep);
        }
    }

    /// Smallest exponent a shrink may go to now: load <= 1/2, and room for
    /// every insertion that can arrive while the current array migrates
    /// (one per `STEP_SLOTS` of its slots) without a grow becoming due.
    fn shrink_floor(&self) -> u32 {
        let headroom = self.slots.len() / self.step_slots + 1;
        let mut bits = bits_for(self.len);
        while over_grow_load(self.len + headroom, bits) {
            bits += 1;
        }
        bits
    }

    /// Shrinks to the smallest size at which no entry lands far from its
    /// home slot. Entries are kept in hash order and homed by the top bits
    /// of the hash, so when the remaining keys are clustered in a narrow
    /// hash range (after a SCAN + DEL loop, which deletes in hash order) a
    /// small array would pile them into one long run, and every later removal
    /// would shift that run: shrinking only as far as the clustering allows
    /// keeps removals O(1).
    ///
    /// The distances for every candidate size are measured in one
    /// incremental pass over the slots (planning); the migration starts
    /// when it ends.
    fn shrink(&mut self) {
        let lo_bits = self.shrink_floor();
        if lo_bits >= self.bits {
            self.shrink_retry_below = self.len / 2;
            return;
        }
        let cands = vec![Displacement::default(); (self.bits - lo_bits) as usize];
        self.resize = Resize::Planning(Plan { cursor: 0, lo_bits, cands });
        self.busy = true;
    }

    /// Visits about `budget` slots of a shrink plan, then decides.
    fn plan_step(&mut self, budget: usize) {
        let Resize::Planning(p) = &mut self.resize else { return };
        let mut work = 0;
        while work < budget && p.cursor < self.slots.len() {
            let h = self.slots[p.cursor].hash;
            p.cursor += 1;
            work += 1;
            if h == EMPTY {
                continue;
            }
            // Entries may shift across the cursor meanwhile; being off by a
            // few entries does not matter to this heuristic.
            for (bits, d) in (p.lo_bits..).zip(p.cands.iter_mut()) {
                let home = home(h, bits);
                let pos = home.max(d.next);
                d.worst = d.worst.max(pos - home);
                d.next = pos + 1;
            }
            work += p.cands.len() / 8;
        }
        #[cfg(test)]
        {
            self.stats.planned_slots += work;
        }
        if p.cursor < self.slots.len() {
            return;
        }
        let Resize::Planning(p) = std::mem::replace(&mut self.resize, Resize::Idle) else { unreachable!() };
        if self.len >= (1usize << self.bits) / 8 {
            return; // refilled meanwhile
        }
        let floor = self.shrink_floor();
        let chosen = (p.lo_bits..)
            .zip(&p.cands)
            .find(|&(bits, d)| bits >= floor && d.worst <= MAX_SHRINK_DISPLACEMENT)
            .map(|(bits, _)| bits);
        match chosen {
            Some(bits) => {
                self.start_migration(bits);
                self.shrink_retry_below = usize::MAX;
            }
            None => self.shrink_retry_below = self.len / 2,
        }
    }

    /// The largest home-to-slot distance the entries would have in an array
    /// of `2^bits` home slots.
    #[cfg(test)]
    fn max_displacement(&self, bits: u32) -> usize {
        let mut next = 0;
        let mut worst = 0;
        for (hash, _) in self.iter() {
            let home = home(hash, bits);
            let p = home.max(next);
            worst = worst.max(p - home);
            next = p + 1;
        }
        worst
    }

    /// Moves all entries (of both arrays, during a migration) into a fresh
    /// array of `2^bits` home slots in one pass: used for the first
    /// allocation and as a fallback. The overflow tail is normally
    /// `min(2^bits, 64)` slots, longer if the entries need it (only possible
    /// with many equal hashes).
    fn rehash(&mut self, bits: u32) {
        #[cfg(test)]
        if self.len > 0 {
            self.stats.full_rehashes += 1;
        }
        let old = match std::mem::replace(&mut self.resize, Resize::Idle) {
            Resize::Migrating(m) => m.old,
            _ => Vec::new(),
        };
        let cap = 1usize << bits;
        let mut needed = 0;
        // New-array entries all hash below old-array ones: the chain is in
        // hash order.
        for s in self.slots.iter().chain(&old).filter(|s| s.hash != EMPTY) {
            needed = home(s.hash, bits).max(needed) + 1;
        }
        let n = (cap + tail_len(cap)).max(needed + tail_len(cap));
        let mut new: Vec<Slot> = Vec::with_capacity(n);
        new.resize_with(n, Slot::empty);
        let cur = std::mem::take(&mut self.slots);
        let mut next = 0;
        for s in cur.into_iter().chain(old) {
            if s.hash != EMPTY {
                let p = home(s.hash, bits).max(next);
                new[p] = s;
                next = p + 1;
            }
        }
        self.slots = new;
        self.bits = bits;
        self.boundary = EMPTY;
        self.update_busy();
    }

    /// Visits entries with hash `>= cursor` in hash order, about `count` of
    /// them, and returns the cursor to continue from (`0` when done).
    pub(crate) fn scan(&self, cursor: Hash, count: usize, mut f: impl FnMut(NodeRef<'_>)) -> Hash {
        if self.len == 0 {
            return 0;
        }
        let count = count.max(1);
        let mut st = ScanState { count, max_visit: count.saturating_mul(10), returned: 0, visited: 0, last: 0 };
        if cursor < self.boundary {
            let start = home(cursor, self.bits);
            if let Some(next) = scan_slots(&self.slots, self.bits, start, cursor, &mut st, &mut f) {
                // A stop past the boundary means the new array is done and
                // the old one not started.
                return next.min(self.boundary);
            }
        }
        if let Resize::Migrating(m) = &self.resize {
            let start = home(cursor, m.old_bits).max(m.cursor);
            if let Some(next) = scan_slots(&m.old, m.old_bits, start, cursor, &mut st, &mut f) {
                return next;
            }
        }
        0
    }

    /// The unmigrated part of the old array (empty when not migrating).
    fn old_part(&self) -> &[Slot] {
        match &self.resize {
            Resize::Migrating(m) => &m.old[m.cursor..],
            _ => &[],
        }
    }

    /// Index of an occupied slot chosen from the random word `r` (the first
    /// occupied slot at or after a random position of the new array's
    /// initialized prefix followed by the old array's unmigrated part).
    pub(crate) fn random_index(&self, r: u64) -> Option<Index> {
        if self.len == 0 {
            return None;
        }
        let old = self.old_part();
        let base = match &self.resize {
            Resize::Migrating(m) => m.cursor,
            _ => 0,
        };
        let n_new = self.slots.len();
        let n = n_new + old.len();
        let start = (r % n as u64) as usize;
        let occupied = |i: usize| if i < n_new { self.slots[i].hash != EMPTY } else { old[i - n_new].hash != EMPTY };
        let i = (start..n).chain(0..start).find(|&i| occupied(i))?;
        Some(if i < n_new { Index(i) } else { Index((i - n_new + base) | OLD) })
    }

    /// Calls `f` for up to `count` entries found by walking consecutive
    /// slots from a position chosen by the random word `r` (wrapping at the
    /// end; like [`random_index`](Self::random_index), over the new array's
    /// initialized prefix then the old array's unmigrated part). The walk
    /// visits at most `10 * count` slots, but goes on until it has found
    /// one entry if the table has any. Returns how many entries it visited.
    pub(crate) fn sample(&self, r: u64, count: usize, mut f: impl FnMut(NodeRef<'_>)) -> usize {
        if self.len == 0 || count == 0 {
            return 0;
        }
        let old = self.old_part();
        let n_new = self.slots.len();
        let n = n_new + old.len();
        let max_steps = count.saturating_mul(10).min(n);
        let mut i = (r % n as u64) as usize;
        let mut found = 0;
        let mut steps = 0;
        while found < count && steps < n && (steps < max_steps || found == 0) {
            let slot = if i < n_new { &self.slots[i] } else { &old[i - n_new] };
            if let Some(node) = slot.node() {
                f(node);
                found += 1;
            }
            i += 1;
            if i == n {
                i = 0;
            }
            steps += 1;
        }
        found
    }

    /// All entries in hash order, with their hash.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Hash, NodeRef<'_>)> {
        self.slots.iter().chain(self.old_part()).filter_map(|s| s.node().map(|n| (s.hash, n)))
    }

    /// Panics if a structural invariant is broken (tests only).
    #[cfg(test)]
    pub(crate) fn check_invariants(&self) {
        assert_eq!(self.busy, !matches!(self.resize, Resize::Idle) || !self.garbage.is_empty(), "busy flag");
        assert!(self.garbage.iter().all(|s| s.hash == EMPTY && s.node().is_none()), "garbage not empty");
        if self.slots.is_empty() {
            assert_eq!(self.len, 0);
            assert!(matches!(self.resize, Resize::Idle));
            return;
        }
        let cap = 1usize << self.bits;
        let full = self.full_len();
        assert!(full >= cap + tail_len(cap));
        assert!(self.slots.len() <= full);
        let mut count = check_array(&self.slots, self.bits, 0, 0, self.boundary);
        match &self.resize {
            Resize::Migrating(m) => {
                // (`boundary` may be EMPTY once the largest possible hash
                // has moved: the rest of the old array is then empty.)
                assert!(self.slots.len() >= (home(self.boundary, self.bits) + 2).min(full), "new prefix too short");
                assert!(self.slots.capacity() >= full, "new array would reallocate");
                assert!(m.cursor + 1 < m.old.len());
                assert!(m.old[..m.cursor].iter().all(|s| s.hash == EMPTY && s.node().is_none()), "migrated slot");
                let old_cap = 1usize << m.old_bits;
                assert!(m.old.len() >= old_cap + tail_len(old_cap));
                count += check_array(&m.old[..], m.old_bits, m.cursor, self.boundary, EMPTY);
            }
            Resize::Planning(p) => {
                assert_eq!(self.boundary, EMPTY);
                assert!(p.cursor <= self.slots.len());
                assert_eq!(self.slots.len(), full);
            }
            Resize::Idle => {
                assert_eq!(self.boundary, EMPTY);
                assert_eq!(self.slots.len(), full);
            }
        }
        assert_eq!(count, self.len);
    }
}

/// Checks one array's invariants with homes read as `max(home, floor)` and
/// hashes in `lo..hi`; returns its number of entries.
#[cfg(test)]
fn check_array(slots: &[Slot], bits: u32, floor: usize, lo: Hash, hi: Hash) -> usize {
    assert_eq!(slots.last().map(|s| s.hash), Some(EMPTY), "sentinel");
    let mut count = 0;
    let mut prev = 0;
    for (i, s) in slots.iter().enumerate() {
        let hash = s.hash;
        assert_eq!(hash == EMPTY, s.node().is_none(), "slot {i}");
        if hash == EMPTY {
            continue;
        }
        count += 1;
        assert!(hash >= lo && hash < hi, "hash {hash:#x} outside {lo:#x}..{hi:#x} at {i}");
        assert!(hash >= prev, "order at {i}");
        prev = hash;
        let h = home(hash, bits).max(floor);
        assert!(h <= i, "entry before its home at {i}");
        assert!(slots[h..i].iter().all(|s| s.hash != EMPTY), "gap before {i}");
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn node(key: &[u8]) -> Node {
        Node::new(key, Entry::new(Value::string(key), None), Meta::new(0))
    }

    #[test]
    fn sizes() {
        assert_eq!(std::mem::size_of::<Slot>(), 12);
        assert_eq!(std::mem::size_of::<Entry>(), 32);
        assert_eq!(HEADER, 40);
        assert_eq!(node_layout(12).size(), 56);
        assert_eq!(node_layout(16).size(), 56);
    }

    #[test]
    fn node_roundtrip() {
        let n = node(b"hello");
        assert_eq!(n.view().key(), b"hello");
        let (entry, _) = n.into_parts();
        assert_eq!(entry.value(), &Value::string(b"hello"));
        let empty = node(b"");
        assert_eq!(empty.view().key(), b"");
        let long = vec![7u8; 1000];
        assert_eq!(node(&long).view().key(), &long[..]);
    }

    #[test]
    fn equal_hashes_and_end_of_table_clusters() {
        let mut t = Table::default();
        // Ten keys with the same hash, then many keys homed at the last slot.
        for i in 0..10u8 {
            t.insert(5, node(&[b'a', i]));
            t.check_invariants();
        }
        for i in 0..200u64 {
            t.insert(EMPTY - 1 - (i % 3) as Hash, node(&i.to_le_bytes()));
            t.check_invariants();
        }
        for i in 0..10u8 {
            assert!(t.find(5, &[b'a', i]).is_some());
        }
        assert!(t.find(5, b"zz").is_none());
        for i in 0..200u64 {
            let idx = t.find(EMPTY - 1 - (i % 3) as Hash, &i.to_le_bytes()).expect("present");
            t.remove(idx);
            t.check_invariants();
        }
        assert_eq!(t.len(), 10);
    }

    #[test]
    fn deleting_in_hash_order_keeps_runs_short() {
        // A SCAN + DEL loop deletes keys in hash order, leaving the survivors
        // clustered at the top of the hash space. Shrinking must not pile
        // them into one long run (each later removal would shift all of it).
        let mut t = Table::default();
        let h = crate::hash::KeyHasher::with_seed(7);
        let mut keys: Vec<(Hash, [u8; 4])> =
            (0..20_000u32).map(|i| (h.hash32(&i.to_be_bytes()), i.to_be_bytes())).collect();
        for (hash, k) in &keys {
            t.insert(*hash, node(k));
        }
        keys.sort();
        for (n, (hash, k)) in keys.iter().enumerate() {
            let idx = t.find(*hash, k).expect("present");
            t.remove(idx);
            if n % 997 == 0 {
                t.check_invariants();
                assert!(
                    t.max_displacement(t.bits) <= MAX_SHRINK_DISPLACEMENT,
                    "run too long after {n} ordered deletions"
                );
            }
        }
        assert_eq!(t.len(), 0);
    }

    #[test]
    fn grows_and_shrinks() {
        let mut t = Table::default();
        let h = crate::hash::KeyHasher::with_seed(1);
        for i in 0..10_000u32 {
            let k = i.to_be_bytes();
            t.insert(h.hash32(&k), node(&k));
        }
        t.check_invariants();
        assert!(t.capacity() >= 10_000 * 5 / 4);
        for i in 0..9_990u32 {
            let k = i.to_be_bytes();
            let idx = t.find(h.hash32(&k), &k).expect("present");
            t.remove(idx);
        }
        t.check_invariants();
        assert!(t.capacity() <= 128, "capacity {}", t.capacity());
        for i in 9_990..10_000u32 {
            let k = i.to_be_bytes();
            assert!(t.find(h.hash32(&k), &k).is_some());
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(Hash, u8),
        Remove(Hash, u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        // Few distinct hashes (including extreme ones) to force collisions
        // and clusters at both ends.
        let hash = prop_oneof![
            1u32..20,
            (EMPTY - 20)..EMPTY,
            any::<Hash>().prop_map(|h| h.clamp(1, EMPTY - 1)),
            (0u32..64).prop_map(|i| (i << 26) | 1),
        ];
        prop_oneof![
            (hash.clone(), 0u8..3).prop_map(|(h, k)| Op::Insert(h, k)),
            (hash, 0u8..3).prop_map(|(h, k)| Op::Remove(h, k)),
        ]
    }

    proptest! {
        #[test]
        fn model(ops in proptest::collection::vec(op(), 1..400)) {
            let mut t = Table::default();
            let mut model = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Insert(h, k) => {
                        let key = [k];
                        if t.find(h, &key).is_none() {
                            t.insert(h, node(&key));
                            model.insert((h, k), ());
                        }
                    }
                    Op::Remove(h, k) => {
                        if let Some(i) = t.find(h, &[k]) {
                            t.remove(i);
                        }
                        model.remove(&(h, k));
                    }
                }
                t.check_invariants();
                prop_assert_eq!(t.len(), model.len());
            }
            for &(h, k) in model.keys() {
                prop_assert!(t.find(h, &[k]).is_some());
            }
            // A full scan with a tiny count returns everything exactly once.
            let mut seen = Vec::new();
            let mut cursor = 0;
            loop {
                cursor = t.scan(cursor, 1, |n| seen.push(n.key()[0]));
                if cursor == 0 { break; }
            }
            prop_assert_eq!(seen.len(), model.len());
        }
    }

    /// Random-looking distinct hashes (never 0 or EMPTY).
    fn rand_hash(i: u64) -> Hash {
        ((crate::hash::splitmix(i) >> 32) as Hash).clamp(1, EMPTY - 1)
    }

    fn migrating(t: &Table) -> Option<&Migration> {
        match &t.resize {
            Resize::Migrating(m) => Some(m),
            _ => None,
        }
    }

    #[test]
    fn no_operation_exceeds_the_step_budget() {
        // Load and then empty a table with random hashes, as the server
        // would: every grow and shrink must be spread over many operations.
        const N: u64 = 200_000;
        let mut t = Table::default();
        let mut worst = Stats::default();
        let mut prev = t.stats();
        let mut migrations = 0;
        let mut observe = |t: &Table, prev: &mut Stats| {
            let s = t.stats();
            worst.moved = worst.moved.max(s.moved - prev.moved);
            worst.migrated_slots = worst.migrated_slots.max(s.migrated_slots - prev.migrated_slots);
            worst.planned_slots = worst.planned_slots.max(s.planned_slots - prev.planned_slots);
            worst.initialized = worst.initialized.max(s.initialized - prev.initialized);
            worst.drained = worst.drained.max(s.drained - prev.drained);
            if migrating(t).is_some() && s.moved > prev.moved {
                migrations += 1;
            }
            *prev = s;
        };
        for i in 0..N {
            let h = rand_hash(i);
            t.insert(h, node(&i.to_le_bytes()));
            observe(&t, &mut prev);
        }
        t.check_invariants();
        assert!(t.capacity() >= N as usize * 5 / 4);
        for i in (0..N).rev() {
            let h = rand_hash(i);
            let idx = t.find(h, &i.to_le_bytes()).expect("present");
            t.remove(idx);
            observe(&t, &mut prev);
            if i % 20_000 == 0 {
                t.check_invariants();
            }
        }
        let s = t.stats();
        assert!(s.moved >= N as usize, "{s:?}");
        assert!(migrations > 1000, "{migrations}");
        assert_eq!(s.full_rehashes, 0, "a stop-the-world pass happened");
        assert!(worst.moved <= STEP_SLOTS, "{worst:?}");
        assert!(worst.migrated_slots <= STEP_SLOTS, "{worst:?}");
        // A plan step visits STEP_SLOTS slots, counting each entry as
        // 1 + candidates / 8 (at most 64 candidates).
        assert!(worst.planned_slots <= STEP_SLOTS + 8, "{worst:?}");
        // The new array's initialized prefix follows the boundary: about
        // twice the migrated slots when growing, plus the tail at the end.
        assert!(worst.initialized <= 3 * STEP_SLOTS + MAX_TAIL + INIT_CHUNK, "{worst:?}");
        assert!(worst.drained <= STEP_SLOTS * DRAIN_FACTOR, "{worst:?}");
        assert!(s.drained > 0 && s.planned_slots > 0, "{s:?}");
        // Shrinking went all the way down.
        while t.rehash_step(usize::MAX) {}
        t.check_invariants();
        assert_eq!(t.len(), 0);
        assert!(t.capacity() <= 1 << MIN_BITS, "capacity {}", t.capacity());
        assert_eq!(t.slot_bytes(), (8 + 8) * std::mem::size_of::<Slot>());
    }

    /// A table of a few thousand random keys (hash -> key number) that is
    /// half way through growing, and whose operations from now on migrate
    /// one slot each.
    fn half_migrated() -> (Table, BTreeMap<Hash, u64>, u64) {
        let mut t = Table::default();
        let mut model = BTreeMap::new();
        let mut i = 0u64;
        while model.len() < 3000 || migrating(&t).is_none() {
            let h = rand_hash(i);
            t.insert(h, node(&i.to_le_bytes()));
            model.insert(h, i);
            i += 1;
        }
        t.step_slots = 1;
        let old_len = migrating(&t).map(|m| m.old.len()).unwrap_or(0);
        while migrating(&t).is_some_and(|m| m.cursor < old_len / 2) {
            assert!(t.rehash_step(1));
        }
        t.check_invariants();
        (t, model, i)
    }

    #[test]
    fn scan_and_updates_while_half_migrated() {
        // Keys on both sides of the boundary are found, inserted and
        // removed, and a scan interleaved with all of it (and with migration
        // steps) returns every stable key exactly once.
        let (mut t, mut model, mut i) = half_migrated();
        let boundary = t.boundary;
        assert!(boundary > 0 && boundary < EMPTY);
        assert!(model.keys().any(|&h| h < boundary) && model.keys().any(|&h| h >= boundary));
        for (&h, &k) in &model {
            let idx = t.find(h, &k.to_le_bytes()).expect("present");
            assert_eq!(idx.0 & OLD != 0, h >= boundary, "{h:#x} in the wrong array");
            assert_eq!(t.node(idx).key(), k.to_le_bytes());
        }
        // Keys 0..n/2 stay for the whole scan; the others are removed, and
        // new keys inserted, on both sides of the boundary.
        let stable: Vec<(Hash, u64)> = model.iter().filter(|(_, &k)| k % 2 == 0).map(|(&h, &k)| (h, k)).collect();
        let mut churn: Vec<(Hash, u64)> = model.iter().filter(|(_, &k)| k % 2 == 1).map(|(&h, &k)| (h, k)).collect();
        let mut seen = BTreeMap::new();
        let mut cursor = 0;
        let mut calls = 0;
        let mut sides = [0usize; 2];
        loop {
            let before = cursor;
            cursor = t.scan(cursor, 3, |n| {
                *seen.entry(u64::from_le_bytes(n.key().try_into().expect("8 bytes"))).or_insert(0) += 1;
            });
            assert!(cursor == 0 || cursor > before, "cursor went back");
            calls += 1;
            // Churn: remove one key and insert a fresh one (each op also
            // migrates a slot), on alternating sides of the boundary.
            if let Some((h, k)) = churn.pop() {
                sides[usize::from(h >= t.boundary)] += 1;
                let idx = t.find(h, &k.to_le_bytes()).expect("churn key present");
                t.remove(idx);
                model.remove(&h);
            }
            let h = rand_hash(i);
            sides[usize::from(h >= t.boundary)] += 1;
            t.insert(h, node(&i.to_le_bytes()));
            model.insert(h, i);
            i += 1;
            t.check_invariants();
            if cursor == 0 {
                break;
            }
            assert!(calls < 10_000);
        }
        assert!(sides[0] > 0 && sides[1] > 0, "{sides:?}");
        for (_, k) in &stable {
            assert_eq!(seen.get(k), Some(&1), "stable key {k} seen {:?} times", seen.get(k));
        }
        assert!(seen.values().all(|&n| n == 1), "a key was returned twice");
        while t.rehash_step(7) {}
        t.check_invariants();
        assert_eq!(t.len(), model.len());
        for (&h, &k) in &model {
            assert!(t.find(h, &k.to_le_bytes()).is_some());
        }
    }

    #[test]
    fn emptied_during_a_grow_still_shrinks() {
        // A grow has just started when every key is removed, one slot
        // migrated per removal: the last removal comes mid-migration, too
        // early to start a shrink.
        let mut t = Table::default();
        let mut keys = Vec::new();
        let mut i = 0u64;
        while keys.len() < 3000 || migrating(&t).is_none() {
            t.insert(rand_hash(i), node(&i.to_le_bytes()));
            keys.push(i);
            i += 1;
        }
        t.step_slots = 1;
        for k in keys {
            let idx = t.find(rand_hash(k), &k.to_le_bytes()).expect("present");
            t.remove(idx);
        }
        assert_eq!(t.len(), 0);
        assert!(migrating(&t).is_some());
        // No more removals will come: the event loop's steps finish the job.
        t.step_slots = STEP_SLOTS;
        while t.rehash_step(100) {}
        t.check_invariants();
        assert_eq!(t.capacity(), 1 << MIN_BITS);
    }

    #[test]
    fn random_index_covers_both_arrays() {
        let (t, model, _) = half_migrated();
        let n = model.len();
        let mut picked = std::collections::HashSet::new();
        let mut sides = [0usize; 2];
        for r in 0..20_000u64 {
            let idx = t.random_index(crate::hash::splitmix(r)).expect("non-empty");
            sides[usize::from(idx.0 & OLD != 0)] += 1;
            picked.insert(t.node(idx).key().to_vec());
        }
        // Both halves hold about as many keys.
        assert!(sides[0] > 6000 && sides[1] > 6000, "{sides:?}");
        assert!(picked.len() > n * 9 / 10, "{} of {n}", picked.len());
    }

    #[derive(Debug, Clone)]
    enum MOp {
        Insert(Hash, u8),
        InsertMany(u64, u16),
        Remove(Hash, u8),
        RemoveMany(u16),
        Find(Hash, u8),
        Scan(u8),
        Step(u8),
    }

    fn hash_strategy() -> impl Strategy<Value = Hash> {
        prop_oneof![
            1u32..20,
            (EMPTY - 20)..EMPTY,
            any::<Hash>().prop_map(|h| h.clamp(1, EMPTY - 1)),
            (0u32..64).prop_map(|i| (i << 26) | 1),
        ]
    }

    fn mop() -> impl Strategy<Value = MOp> {
        prop_oneof![
            8 => (hash_strategy(), 0u8..4).prop_map(|(h, k)| MOp::Insert(h, k)),
            2 => (any::<u64>(), 1u16..400).prop_map(|(seed, n)| MOp::InsertMany(seed, n)),
            6 => (hash_strategy(), 0u8..4).prop_map(|(h, k)| MOp::Remove(h, k)),
            1 => (1u16..400).prop_map(MOp::RemoveMany),
            4 => (hash_strategy(), 0u8..4).prop_map(|(h, k)| MOp::Find(h, k)),
            6 => (1u8..8).prop_map(MOp::Scan),
            1 => (0u8..16).prop_map(MOp::Step),
        ]
    }

    /// A model key: the hash (so a scanned node names its entry) and `k`.
    fn mkey(h: Hash, k: u8) -> Vec<u8> {
        let mut key = h.to_le_bytes().to_vec();
        key.push(k);
        key
    }

    /// An in-progress SCAN: every key present from its start to its end must
    /// be returned exactly once, and no key twice.
    struct ScanCheck {
        cursor: Hash,
        seen: BTreeMap<(Hash, Vec<u8>), usize>,
        /// Keys present when the scan started and not removed since.
        stable: BTreeMap<(Hash, Vec<u8>), ()>,
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Random inserts, removes, finds, scans and explicit steps on tables
        /// that migrate 1-6 slots per operation (so a grow or shrink is
        /// often in progress; with fewer than 4, shrinks cannot keep room
        /// for the insertions that may arrive while they run, so they do not
        /// start), against a BTreeMap model, with the invariants checked
        /// after every operation.
        #[test]
        fn model_while_migrating(step in 1usize..7, ops in proptest::collection::vec(mop(), 1..300)) {
            let mut t = Table::with_step(step);
            let mut model: BTreeMap<(Hash, Vec<u8>), ()> = BTreeMap::new();
            let mut scan: Option<ScanCheck> = None;
            for op in ops {
                let mut removed = Vec::new();
                match op {
                    MOp::Insert(h, k) => {
                        let key = mkey(h, k);
                        if t.find(h, &key).is_none() {
                            t.insert(h, node(&key));
                            model.insert((h, key), ());
                        }
                    }
                    MOp::InsertMany(seed, n) => {
                        for j in 0..u64::from(n) {
                            let h = rand_hash(seed.wrapping_add(j));
                            let key = mkey(h, 0);
                            if t.find(h, &key).is_none() {
                                t.insert(h, node(&key));
                                model.insert((h, key), ());
                            }
                        }
                    }
                    MOp::Remove(h, k) => {
                        let key = mkey(h, k);
                        if let Some(i) = t.find(h, &key) {
                            let n = t.remove(i);
                            prop_assert_eq!(n.view().key(), &key[..]);
                            removed.push((h, key.clone()));
                        }
                        prop_assert_eq!(model.remove(&(h, key)).is_some(), removed.len() == 1);
                    }
                    MOp::RemoveMany(n) => {
                        let victims: Vec<_> = model.keys().take(usize::from(n)).cloned().collect();
                        for (h, key) in victims {
                            let i = t.find(h, &key);
                            prop_assert!(i.is_some());
                            if let Some(i) = i {
                                t.remove(i);
                            }
                            model.remove(&(h, key.clone()));
                            removed.push((h, key));
                        }
                    }
                    MOp::Find(h, k) => {
                        let key = mkey(h, k);
                        let found = t.find(h, &key);
                        prop_assert_eq!(found.is_some(), model.contains_key(&(h, key.clone())));
                        if let Some(i) = found {
                            prop_assert_eq!(t.node(i).key(), &key[..]);
                        }
                    }
                    MOp::Scan(count) => {
                        let s = scan.get_or_insert_with(|| ScanCheck {
                            cursor: 0,
                            seen: BTreeMap::new(),
                            stable: model.clone(),
                        });
                        let before = s.cursor;
                        let mut got = Vec::new();
                        let next = t.scan(before, usize::from(count), |n| got.push(n.key().to_vec()));
                        prop_assert!(next == 0 || next > before, "cursor {:#x} -> {:#x}", before, next);
                        for key in got {
                            let h = Hash::from_le_bytes(key[..4].try_into().expect("hash prefix"));
                            prop_assert!(h >= before && (next == 0 || h < next), "hash {:#x} outside {:#x}..{:#x}", h, before, next);
                            let entry = (h, key);
                            prop_assert!(model.contains_key(&entry), "scan returned a missing key");
                            *s.seen.entry(entry).or_insert(0) += 1;
                        }
                        s.cursor = next;
                        if next == 0 {
                            let s = scan.take().expect("scan in progress");
                            for k in s.stable.keys() {
                                prop_assert_eq!(s.seen.get(k), Some(&1), "stable key {:?}", k);
                            }
                            prop_assert!(s.seen.values().all(|&n| n == 1), "a key was returned twice");
                        }
                    }
                    MOp::Step(n) => {
                        let more = t.rehash_step(usize::from(n));
                        prop_assert_eq!(more, t.is_rehashing());
                    }
                }
                if let Some(s) = &mut scan {
                    for k in &removed {
                        s.stable.remove(k);
                    }
                }
                t.check_invariants();
                prop_assert_eq!(t.len(), model.len());
                prop_assert_eq!(t.iter().count(), model.len());
                let hashes: Vec<Hash> = t.iter().map(|(h, _)| h).collect();
                prop_assert!(hashes.windows(2).all(|w| w[0] <= w[1]), "iter out of hash order");
            }
            // Everything is still there after the resize completes.
            while t.rehash_step(5) {}
            t.check_invariants();
            for (h, key) in model.keys() {
                prop_assert!(t.find(*h, key).is_some());
            }
        }
    }
}
