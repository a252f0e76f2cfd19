//! The Set type (being written: this file is replaced by its implementation).

/// A set value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Set {
    len: usize,
}

impl Set {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }
    /// No elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The OBJECT ENCODING name.
    pub fn encoding_name(&self) -> &'static str {
        "listpack"
    }
}
