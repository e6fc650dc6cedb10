//! The domain types every step of ivsctl speaks: the desired stack read from a
//! manifest, and the live resources read from the IVS Chat API.
//!
//! No SDK type and no serde-for-the-manifest type appears here: the manifest
//! loader converts its raw YAML types into these, and `live.rs` converts SDK
//! responses into these, each at its own boundary. Maps are `BTreeMap` so that
//! every walk over them is in a deterministic (sorted) order.

use std::collections::BTreeMap;
use std::fmt;

/// Resource tags: key -> value, sorted by key.
pub type Tags = BTreeMap<String, String>;

/// The ownership tag keys ivsctl writes. The `ivsctl:` prefix is reserved.
pub const TAG_STACK: &str = "ivsctl:stack";
pub const TAG_KEY: &str = "ivsctl:key";
pub const TAG_PROTECT: &str = "ivsctl:protect";
pub const RESERVED_TAG_PREFIX: &str = "ivsctl:";
pub const AWS_TAG_PREFIX: &str = "aws:";

/// API defaults, applied to fields the manifest omits.
pub const DEFAULT_MAXIMUM_MESSAGE_LENGTH: i32 = 500;
pub const DEFAULT_MAXIMUM_MESSAGE_RATE_PER_SECOND: i32 = 10;
/// At most this many tags per resource, ivsctl's own included.
pub const MAX_TAGS_PER_RESOURCE: usize = 50;
/// At most this many logging configurations per room.
pub const MAX_LOGGING_CONFIGURATIONS_PER_ROOM: usize = 3;

/// The two resource types ivsctl manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceType {
    LoggingConfiguration,
    Room,
}

impl ResourceType {
    /// The name used in plan JSON (`type`) and in addresses' first segment.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::LoggingConfiguration => "loggingConfiguration",
            ResourceType::Room => "room",
        }
    }

    /// The manifest section, which is also the address prefix (`rooms.KEY`).
    pub fn section(self) -> &'static str {
        match self {
            ResourceType::LoggingConfiguration => "loggingConfigurations",
            ResourceType::Room => "rooms",
        }
    }
}

/// `rooms.KEY` or `loggingConfigurations.KEY`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    pub resource_type: ResourceType,
    pub key: String,
}

impl Address {
    pub fn room(key: impl Into<String>) -> Self {
        Address {
            resource_type: ResourceType::Room,
            key: key.into(),
        }
    }

    pub fn logging_configuration(key: impl Into<String>) -> Self {
        Address {
            resource_type: ResourceType::LoggingConfiguration,
            key: key.into(),
        }
    }

    /// Parses `rooms.KEY` / `loggingConfigurations.KEY`.
    pub fn parse(s: &str) -> Option<Self> {
        let (section, key) = s.split_once('.')?;
        let resource_type = match section {
            "rooms" => ResourceType::Room,
            "loggingConfigurations" => ResourceType::LoggingConfiguration,
            _ => return None,
        };
        if key.is_empty() {
            return None;
        }
        Some(Address {
            resource_type,
            key: key.to_string(),
        })
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.resource_type.section(), self.key)
    }
}

/// A resource of a stack: `STACK/rooms.KEY`. Plans of several stacks run
/// together, so apply names its work by stack and address.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StackAddress {
    pub stack: String,
    pub address: Address,
}

impl StackAddress {
    pub fn new(stack: impl Into<String>, address: Address) -> Self {
        StackAddress {
            stack: stack.into(),
            address,
        }
    }

    /// Parses `STACK/rooms.KEY`.
    pub fn parse(s: &str) -> Option<Self> {
        let (stack, address) = s.split_once('/')?;
        (!stack.is_empty()).then_some(())?;
        Some(StackAddress::new(stack, Address::parse(address)?))
    }
}

impl fmt::Display for StackAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.stack, self.address)
    }
}

/// Where a logging configuration delivers chat logs: exactly one destination.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Destination {
    S3 { bucket_name: String },
    CloudWatchLogs { log_group_name: String },
    Firehose { delivery_stream_name: String },
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Destination::S3 { bucket_name } => write!(f, "s3 bucket {bucket_name}"),
            Destination::CloudWatchLogs { log_group_name } => {
                write!(f, "cloudWatchLogs log group {log_group_name}")
            }
            Destination::Firehose {
                delivery_stream_name,
            } => {
                write!(f, "firehose delivery stream {delivery_stream_name}")
            }
        }
    }
}

/// What the review handler decides when it fails or times out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum FallbackResult {
    #[default]
    Allow,
    Deny,
}

impl FallbackResult {
    pub fn as_str(self) -> &'static str {
        match self {
            FallbackResult::Allow => "ALLOW",
            FallbackResult::Deny => "DENY",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ALLOW" => Some(FallbackResult::Allow),
            "DENY" => Some(FallbackResult::Deny),
            _ => None,
        }
    }
}

/// A message review handler. A handler with an empty `uri` does not exist:
/// the live side normalises it to `None`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageReviewHandler {
    pub uri: String,
    pub fallback_result: FallbackResult,
}

/// A room's reference to a logging configuration, as written in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LoggingConfigurationRef {
    /// A logical key of this stack's `loggingConfigurations`.
    Key(String),
    /// A logging-configuration ARN (of any owner).
    Arn(String),
    /// `STACK/KEY`: a logging configuration another stack owns, resolved
    /// through the ownership tags at plan time.
    Stack { stack: String, key: String },
}

/// A `moved` entry of the manifest: carries live resources over to new
/// addresses without deleting them (their ARNs are kept).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Move {
    /// `{from: rooms.old, to: rooms.new}`: the resource this stack owns at
    /// `from` is now the manifest's `to` (same type).
    Address { from: Address, to: Address },
    /// `{fromStack: OLD}`: every resource stack OLD owns whose key this
    /// manifest declares now belongs to this stack, under the same key.
    Stack { from_stack: String },
}

/// The desired state of one stack: everything a manifest (one file or several)
/// declares. Defaults are already applied; `tags` are the user's only (the
/// planner adds the stack tags and the ownership tags).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DesiredStack {
    pub stack: String,
    pub region: Option<String>,
    pub tags: Tags,
    pub logging_configurations: BTreeMap<String, DesiredLoggingConfiguration>,
    pub rooms: BTreeMap<String, DesiredRoom>,
    /// `moved` entries, in manifest order.
    pub moved: Vec<Move>,
}

impl DesiredStack {
    /// True when the manifest declares no resource at all.
    pub fn is_empty(&self) -> bool {
        self.logging_configurations.is_empty() && self.rooms.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredLoggingConfiguration {
    pub name: String,
    pub destination: Destination,
    pub tags: Tags,
    pub protect: bool,
    /// `import: ARN`: adopt this existing, unowned resource under this key.
    pub import: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredRoom {
    pub name: String,
    pub maximum_message_length: i32,
    pub maximum_message_rate_per_second: i32,
    pub message_review_handler: Option<MessageReviewHandler>,
    /// In manifest order; compared as a set.
    pub logging_configurations: Vec<LoggingConfigurationRef>,
    pub tags: Tags,
    pub protect: bool,
    /// `import: ARN`: adopt this existing, unowned resource under this key.
    pub import: Option<String>,
}

/// Logging-configuration states, as the API names them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LoggingConfigurationState {
    Creating,
    CreateFailed,
    Deleting,
    DeleteFailed,
    Updating,
    UpdateFailed,
    Active,
    /// A state this version of ivsctl does not know.
    Other(String),
}

impl LoggingConfigurationState {
    pub fn parse(s: &str) -> Self {
        match s {
            "CREATING" => Self::Creating,
            "CREATE_FAILED" => Self::CreateFailed,
            "DELETING" => Self::Deleting,
            "DELETE_FAILED" => Self::DeleteFailed,
            "UPDATING" => Self::Updating,
            "UPDATE_FAILED" => Self::UpdateFailed,
            "ACTIVE" => Self::Active,
            other => Self::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Creating => "CREATING",
            Self::CreateFailed => "CREATE_FAILED",
            Self::Deleting => "DELETING",
            Self::DeleteFailed => "DELETE_FAILED",
            Self::Updating => "UPDATING",
            Self::UpdateFailed => "UPDATE_FAILED",
            Self::Active => "ACTIVE",
            Self::Other(s) => s,
        }
    }

    pub fn is_failed(&self) -> bool {
        matches!(
            self,
            Self::CreateFailed | Self::DeleteFailed | Self::UpdateFailed
        )
    }
}

/// A logging configuration as the API reports it (ListLoggingConfigurations
/// carries every field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveLoggingConfiguration {
    pub arn: String,
    pub id: String,
    pub name: String,
    pub destination: Destination,
    pub state: LoggingConfigurationState,
    pub tags: Tags,
    /// ISO-8601 as sent by the API, e.g. `2026-11-26T01:02:03.456Z`.
    pub create_time: String,
    pub update_time: String,
}

/// A room as the API reports it. The two maxima are absent from ListRooms'
/// summaries: they are `None` until a GetRoom filled them in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveRoom {
    pub arn: String,
    pub id: String,
    pub name: String,
    pub maximum_message_length: Option<i32>,
    pub maximum_message_rate_per_second: Option<i32>,
    /// `None` when absent or when the uri is empty.
    pub message_review_handler: Option<MessageReviewHandler>,
    /// ARNs, in the order the API returned them.
    pub logging_configuration_arns: Vec<String>,
    pub tags: Tags,
    pub create_time: String,
    pub update_time: String,
}

/// Everything discovery read from the account (all stacks, owned or not).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LiveState {
    pub logging_configurations: Vec<LiveLoggingConfiguration>,
    pub rooms: Vec<LiveRoom>,
}

/// Who owns a live resource, read from its tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ownership<'a> {
    pub stack: &'a str,
    pub key: &'a str,
    pub protected: bool,
}

/// Reads the ownership tags; `None` when the resource is not owned by any
/// stack (no `ivsctl:stack`, or no `ivsctl:key`).
pub fn ownership(tags: &Tags) -> Option<Ownership<'_>> {
    let stack = tags.get(TAG_STACK)?;
    let key = tags.get(TAG_KEY)?;
    Some(Ownership {
        stack,
        key,
        protected: tags.get(TAG_PROTECT).map(|v| v == "true").unwrap_or(false),
    })
}

/// What the planner and the commands need of any live resource.
pub trait LiveResource {
    const TYPE: ResourceType;
    fn arn(&self) -> &str;
    fn tags(&self) -> &Tags;
    fn update_time(&self) -> &str;
}

impl LiveResource for LiveRoom {
    const TYPE: ResourceType = ResourceType::Room;
    fn arn(&self) -> &str {
        &self.arn
    }
    fn tags(&self) -> &Tags {
        &self.tags
    }
    fn update_time(&self) -> &str {
        &self.update_time
    }
}

impl LiveResource for LiveLoggingConfiguration {
    const TYPE: ResourceType = ResourceType::LoggingConfiguration;
    fn arn(&self) -> &str {
        &self.arn
    }
    fn tags(&self) -> &Tags {
        &self.tags
    }
    fn update_time(&self) -> &str {
        &self.update_time
    }
}

/// Two live resources claim one address of a stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateClaim {
    pub stack: String,
    pub address: Address,
    /// Sorted.
    pub arns: Vec<String>,
}

/// Live resources by owner: stack -> key -> the resources that claim it
/// (one, unless two claim the same key). Built once from a `LiveState`; the
/// one place that reads ownership tags in bulk.
#[derive(Debug)]
pub struct Owners<'a, T> {
    by_stack: BTreeMap<&'a str, BTreeMap<&'a str, Vec<&'a T>>>,
    unowned: Vec<&'a T>,
}

impl<'a, T: LiveResource> Owners<'a, T> {
    pub fn new(items: &'a [T]) -> Self {
        let mut by_stack: BTreeMap<&'a str, BTreeMap<&'a str, Vec<&'a T>>> = BTreeMap::new();
        let mut unowned = Vec::new();
        for item in items {
            match ownership(item.tags()) {
                Some(o) => by_stack
                    .entry(o.stack)
                    .or_default()
                    .entry(o.key)
                    .or_default()
                    .push(item),
                None => unowned.push(item),
            }
        }
        Owners { by_stack, unowned }
    }

    /// The stacks that own at least one resource of this type.
    pub fn stacks(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.by_stack.keys().copied()
    }

    /// The resource that `stack` / `key` names, if any; two is an error.
    pub fn get(&self, stack: &str, key: &str) -> Result<Option<&'a T>, DuplicateClaim> {
        match self.by_stack.get(stack).and_then(|m| m.get(key)) {
            None => Ok(None),
            Some(v) if v.len() == 1 => Ok(Some(v[0])),
            Some(v) => Err(duplicate(stack, key, T::TYPE, v)),
        }
    }

    /// Every resource of `stack`, by key; the first key claimed twice is an
    /// error.
    pub fn of_stack(&self, stack: &str) -> Result<BTreeMap<&'a str, &'a T>, DuplicateClaim> {
        let mut out = BTreeMap::new();
        for (key, v) in self.by_stack.get(stack).into_iter().flatten() {
            if v.len() > 1 {
                return Err(duplicate(stack, key, T::TYPE, v));
            }
            out.insert(*key, v[0]);
        }
        Ok(out)
    }

    /// Resources no stack owns.
    pub fn unowned(&self) -> &[&'a T] {
        &self.unowned
    }
}

fn duplicate<T: LiveResource>(stack: &str, key: &str, t: ResourceType, v: &[&T]) -> DuplicateClaim {
    let mut arns: Vec<String> = v.iter().map(|r| r.arn().to_string()).collect();
    arns.sort();
    DuplicateClaim {
        stack: stack.to_string(),
        address: Address {
            resource_type: t,
            key: key.to_string(),
        },
        arns,
    }
}

/// Both types' owners.
#[derive(Debug)]
pub struct OwnershipIndex<'a> {
    pub rooms: Owners<'a, LiveRoom>,
    pub logging_configurations: Owners<'a, LiveLoggingConfiguration>,
}

impl<'a> OwnershipIndex<'a> {
    pub fn new(live: &'a LiveState) -> Self {
        OwnershipIndex {
            rooms: Owners::new(&live.rooms),
            logging_configurations: Owners::new(&live.logging_configurations),
        }
    }

    /// Every stack that owns something, sorted.
    pub fn stacks(&self) -> std::collections::BTreeSet<&'a str> {
        self.rooms
            .stacks()
            .chain(self.logging_configurations.stacks())
            .collect()
    }

    /// The ARN of the live resource at `address` of `stack`.
    pub fn arn(&self, stack: &str, address: &Address) -> Result<Option<&'a str>, DuplicateClaim> {
        Ok(match address.resource_type {
            ResourceType::Room => self.rooms.get(stack, &address.key)?.map(|r| r.arn.as_str()),
            ResourceType::LoggingConfiguration => self
                .logging_configurations
                .get(stack, &address.key)?
                .map(|l| l.arn.as_str()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_round_trip() {
        let a = Address::parse("rooms.lobby").unwrap();
        assert_eq!(a, Address::room("lobby"));
        assert_eq!(a.to_string(), "rooms.lobby");
        let b = Address::parse("loggingConfigurations.archive").unwrap();
        assert_eq!(b.to_string(), "loggingConfigurations.archive");
        assert_eq!(Address::parse("room.lobby"), None);
        assert_eq!(Address::parse("rooms."), None);
        assert_eq!(Address::parse("rooms"), None);
    }

    #[test]
    fn the_index_groups_by_stack_and_key_and_reports_double_claims() {
        let room = |id: &str, tags: &[(&str, &str)]| LiveRoom {
            arn: format!("arn:aws:ivschat:us-east-1:1:room/{id}"),
            id: id.into(),
            name: String::new(),
            maximum_message_length: None,
            maximum_message_rate_per_second: None,
            message_review_handler: None,
            logging_configuration_arns: vec![],
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            create_time: String::new(),
            update_time: String::new(),
        };
        let live = LiveState {
            logging_configurations: vec![],
            rooms: vec![
                room("A", &[(TAG_STACK, "s"), (TAG_KEY, "a")]),
                room("B", &[(TAG_STACK, "s"), (TAG_KEY, "b")]),
                room("C", &[(TAG_STACK, "s"), (TAG_KEY, "b")]),
                room("D", &[(TAG_STACK, "t"), (TAG_KEY, "a")]),
                room("E", &[("team", "x")]),
            ],
        };
        let index = OwnershipIndex::new(&live);
        assert_eq!(index.stacks().into_iter().collect::<Vec<_>>(), ["s", "t"]);
        assert_eq!(index.rooms.get("s", "a").unwrap().unwrap().id, "A");
        assert_eq!(index.rooms.get("t", "a").unwrap().unwrap().id, "D");
        assert!(index.rooms.get("s", "z").unwrap().is_none());
        let dup = index.rooms.get("s", "b").unwrap_err();
        assert_eq!(dup.address, Address::room("b"));
        assert_eq!(dup.arns.len(), 2);
        assert!(index.rooms.of_stack("s").is_err());
        assert_eq!(index.rooms.of_stack("t").unwrap().len(), 1);
        assert_eq!(index.rooms.unowned().len(), 1);
    }

    #[test]
    fn ownership_needs_stack_and_key() {
        let mut tags = Tags::new();
        tags.insert(TAG_STACK.into(), "s".into());
        assert_eq!(ownership(&tags), None);
        tags.insert(TAG_KEY.into(), "k".into());
        let o = ownership(&tags).unwrap();
        assert_eq!((o.stack, o.key, o.protected), ("s", "k", false));
        tags.insert(TAG_PROTECT.into(), "true".into());
        assert!(ownership(&tags).unwrap().protected);
    }
}
