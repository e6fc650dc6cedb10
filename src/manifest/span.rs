//! Places in a manifest file: byte ranges, and for copies of anchored nodes
//! (aliases, merges) where the copy is used.

use std::ops::Range;
use std::sync::Arc;

/// A byte range in the source text, and, for a node copied from an anchor
/// (an alias, or the entries a merge key brings in), where that copy is used:
/// an error in the copy then points at both places.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub via: Option<Arc<Via>>,
}

/// Where a copy of an anchored node is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    /// The alias (`*name`) that brings the copy in.
    pub span: Range<usize>,
    pub kind: ViaKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViaKind {
    /// `key: *name`.
    Alias,
    /// `<<: *name`.
    Merge,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start,
            end,
            via: None,
        }
    }

    /// An empty span at `offset`.
    pub fn at(offset: usize) -> Self {
        Span::new(offset, offset)
    }

    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// Another range of the same text (a part of this span), same copy.
    pub fn with_range(&self, start: usize, end: usize) -> Self {
        Span {
            start,
            end,
            via: self.via.clone(),
        }
    }
}

impl From<Range<usize>> for Span {
    fn from(range: Range<usize>) -> Self {
        Span::new(range.start, range.end)
    }
}
