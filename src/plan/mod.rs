//! The plan: what apply would do, decided from the desired stack and the live
//! resources alone. `plan()` is pure (no I/O, no clock) and deterministic:
//! resource changes come in address order, logging configurations first.
//!
//! The plan is typed for the code that acts on it: every write carries its
//! target ARN, the values it sends, the tags it sets and removes, what a room
//! stops referencing, whether apply must wait for a logging configuration to
//! be ACTIVE, and what each change must wait for (`depends_on`). The field
//! changes (`before -> after`), drift and blocked reasons are for people and
//! renderers only; nothing downstream reads them back. The saved-plan file
//! (`saved`) is its own versioned type, converted from and to this one.

mod needs;
mod planner;
pub mod saved;
pub mod stale;

pub use needs::Needs;
pub use planner::{check_claims, plan, plan_in_run, Adoption, PlanError, Run};

use crate::model::{Address, ResourceType, StackAddress, Tags};
use crate::schema::Values;
use serde_json::Value;

/// The version of the JSON plan format (and of the saved-plan file).
pub const FORMAT_VERSION: &str = "1";

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub stack: String,
    pub region: String,
    /// Logging configurations first, then rooms, each in key order.
    pub resource_changes: Vec<ResourceChange>,
    /// Resources the manifest keeps whose applied record is missing or
    /// invalid: they were read in full, and this plan writes their record.
    pub without_record: Vec<Address>,
    /// For people: what looks like a mistake but is not an error (e.g. a
    /// renamed stack without a `moved` entry).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Delete,
    NoOp,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::NoOp => "no-op",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        [Action::Create, Action::Update, Action::Delete, Action::NoOp]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// One field's change, as shown to users: `before -> after` (JSON values;
/// `null` for "absent"). Tag changes are fields named `tags.KEY`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub before: Value,
    pub after: Value,
    /// The live value is not what ivsctl last applied (an out-of-band edit).
    pub drift: bool,
}

/// What a write's applied record (`record.rs`) is made of: every field's
/// value (references to configurations this plan creates are keys until
/// apply resolves them) and every tag but the record. Apply adds the time
/// its write produced and writes the record with the write.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordPlan {
    /// `STACK/ADDRESS`, which the record's checksum covers.
    pub identity: String,
    pub values: Values,
    pub tags: Tags,
}

/// The calls that make one resource match.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// The resource matches: no call.
    None { arn: String },
    /// One Create call carrying every field and every tag.
    Create(Create),
    /// At most one Update call (the changed fields), one UntagResource and
    /// one TagResource, in that order.
    Update(Update),
    /// One Delete call.
    Delete(Delete),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Create {
    /// Every field (references to configurations this plan creates are keys,
    /// resolved by apply once those exist).
    pub values: Values,
    /// Every tag but the applied record, which apply adds (`record`).
    pub tags: Tags,
    pub record: RecordPlan,
    /// A room write of this plan references this logging configuration:
    /// apply polls it until ACTIVE before that write.
    pub await_active: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub arn: String,
    /// The changed fields only; empty: no Update call.
    pub values: Values,
    pub untag: Vec<String>,
    pub tag: Tags,
    /// As for `Create`: some room write waits for this configuration.
    pub await_active: bool,
    /// The logging configurations (ARNs) a room stops referencing.
    pub detaches: Vec<String>,
    /// With an Update call (`values` not empty): the record apply writes in
    /// the TagResource call, with the updateTime the Update call produced.
    /// Without one, the record (if it changes) is already in `tag`.
    pub record: Option<RecordPlan>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    pub arn: String,
    /// The logging configurations (ARNs) a deleted room referenced.
    pub detaches: Vec<String>,
}

/// What discovery saw of a resource the plan touches, for `apply PLANFILE`
/// to check that nothing changed since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub arn: String,
    pub update_time: String,
    pub tags: Tags,
}

/// Why a delete is not allowed, and how to unblock it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    pub reason: String,
    pub unblock: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceChange {
    pub address: Address,
    pub op: Op,
    /// For people: each changed field, before -> after.
    pub changes: Vec<FieldChange>,
    /// For people: the change corrects an out-of-band edit.
    pub drift: bool,
    pub blocked: Option<Blocked>,
    /// What was read of the resource (updates and deletes).
    pub observed: Option<Observed>,
    /// Existing logging configurations (ARNs) this room write references
    /// that were CREATING / UPDATING when planned: apply waits for them.
    pub wait_for_active: Vec<String>,
    /// Changes that must succeed before this one runs (of this plan, or of
    /// another stack's planned in the same run).
    pub depends_on: Vec<StackAddress>,
    /// For people: the resource is imported, or moved in, by this plan.
    pub adoption: Option<Adoption>,
}

impl ResourceChange {
    pub fn action(&self) -> Action {
        match self.op {
            Op::None { .. } => Action::NoOp,
            Op::Create(_) => Action::Create,
            Op::Update(_) => Action::Update,
            Op::Delete(_) => Action::Delete,
        }
    }

    /// The live resource's ARN; `None` for a create.
    pub fn arn(&self) -> Option<&str> {
        match &self.op {
            Op::None { arn } => Some(arn),
            Op::Create(_) => None,
            Op::Update(u) => Some(&u.arn),
            Op::Delete(d) => Some(&d.arn),
        }
    }

    /// Whether this change imports or moves the resource in.
    pub fn is_import(&self) -> bool {
        matches!(self.adoption, Some(Adoption::Import { .. }))
    }

    pub fn is_move(&self) -> bool {
        matches!(self.adoption, Some(Adoption::Move { .. }))
    }

    pub fn resource_type(&self) -> ResourceType {
        self.address.resource_type
    }

    pub fn is_room(&self) -> bool {
        self.address.resource_type == ResourceType::Room
    }

    /// An update whose only write is the applied record (missing, invalid or
    /// stale): the resource itself matches the manifest.
    pub fn is_record_only(&self) -> bool {
        matches!(&self.op, Op::Update(u)
            if u.values.is_empty()
                && u.untag.is_empty()
                && u.tag.keys().all(|k| k == crate::record::TAG_APPLIED))
    }

    /// Whether apply must poll this logging configuration until ACTIVE.
    pub fn await_active(&self) -> bool {
        match &self.op {
            Op::Create(c) => c.await_active,
            Op::Update(u) => u.await_active,
            _ => false,
        }
    }
}

/// `Plan: X to add, Y to change, Z to destroy.`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
    /// Of the changes: resources imported, and moved in.
    pub import: usize,
    pub moves: usize,
}

impl std::ops::Add for Summary {
    type Output = Summary;
    fn add(self, o: Summary) -> Summary {
        Summary {
            add: self.add + o.add,
            change: self.change + o.change,
            destroy: self.destroy + o.destroy,
            import: self.import + o.import,
            moves: self.moves + o.moves,
        }
    }
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.resource_changes {
            match c.action() {
                Action::Create => s.add += 1,
                Action::Update => s.change += 1,
                Action::Delete => s.destroy += 1,
                Action::NoOp => {}
            }
            if c.action() != Action::NoOp {
                s.import += usize::from(c.is_import());
                s.moves += usize::from(c.is_move());
            }
        }
        s
    }

    pub fn has_changes(&self) -> bool {
        self.resource_changes
            .iter()
            .any(|c| c.action() != Action::NoOp)
    }

    pub fn deletes(&self) -> usize {
        self.summary().destroy
    }

    /// Deletes that may not run (protected, or still referenced elsewhere).
    pub fn blocked(&self) -> impl Iterator<Item = &ResourceChange> {
        self.resource_changes.iter().filter(|c| c.blocked.is_some())
    }

    pub fn change(&self, address: &Address) -> Option<&ResourceChange> {
        self.resource_changes.iter().find(|c| &c.address == address)
    }
}
