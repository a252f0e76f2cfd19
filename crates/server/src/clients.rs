//! The client slab: every connected client at a stable index, reused
//! through a free list, with epoll tokens that carry a generation so a
//! stale event for a reused slot is ignored.

use std::collections::HashMap;

use crate::client::Slot;

/// The client slab: stable indexes, reused through a free list; tokens carry
/// a generation so a stale event for a reused slot is ignored.
#[derive(Default)]
pub struct Clients {
    pub(crate) slots: Vec<Option<Box<Slot>>>,
    generations: Vec<u32>,
    free: Vec<usize>,
    count: usize,
    by_id: HashMap<u64, usize>,
}

impl Clients {
    /// Connected clients (including one taken out while it runs a command).
    #[inline]
    pub fn len(&self) -> usize {
        self.count
    }
    /// No clients.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
    pub(crate) fn insert(&mut self, slot: Box<Slot>) -> (usize, u64) {
        let idx = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            self.generations.push(0);
            self.slots.len() - 1
        });
        self.generations[idx] = self.generations[idx].wrapping_add(1);
        let token = (u64::from(self.generations[idx]) << 32) | idx as u64;
        self.by_id.insert(slot.client.id, idx);
        self.slots[idx] = Some(slot);
        self.count += 1;
        (idx, token)
    }
    #[inline]
    pub(crate) fn index_of(&self, token: u64) -> Option<usize> {
        let idx = (token & 0xffff_ffff) as usize;
        (self.generations.get(idx).copied() == Some((token >> 32) as u32)).then_some(idx)
    }
    #[inline]
    pub(crate) fn take(&mut self, idx: usize) -> Option<Box<Slot>> {
        self.slots.get_mut(idx)?.take()
    }
    #[inline]
    pub(crate) fn put(&mut self, idx: usize, slot: Box<Slot>) {
        self.slots[idx] = Some(slot);
    }
    pub(crate) fn remove(&mut self, idx: usize, id: u64) {
        self.by_id.remove(&id);
        self.free.push(idx);
        self.count -= 1;
    }
    /// Slab index of the client with this CLIENT ID.
    #[inline]
    pub fn index_of_id(&self, id: u64) -> Option<usize> {
        self.by_id.get(&id).copied()
    }
    /// The client with this id, if it is in the slab.
    pub fn get_by_id_mut(&mut self, id: u64) -> Option<&mut Slot> {
        let idx = self.index_of_id(id)?;
        self.slots.get_mut(idx)?.as_deref_mut()
    }
    /// Clients currently in the slab (the one running a command is not).
    pub fn iter(&self) -> impl Iterator<Item = &Slot> {
        self.slots.iter().filter_map(|s| s.as_deref())
    }
    /// The client at a slab index, if it is in the slab.
    #[inline]
    pub fn slot_mut(&mut self, idx: usize) -> Option<&mut Slot> {
        self.slots.get_mut(idx)?.as_deref_mut()
    }
    /// Mutable access to every client in the slab.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Slot> {
        self.slots.iter_mut().filter_map(|s| s.as_deref_mut())
    }
}
