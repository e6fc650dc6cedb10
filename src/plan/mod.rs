//! The plan: what apply would do, decided from the desired stack and the live
//! resources alone. `plan()` is pure (no I/O, no clock) and deterministic:
//! resource changes come in address order, logging configurations first.
//!
//! A `Plan` is also the saved-plan format (`plan --out`): it serialises with
//! everything apply needs (the writes, in model terms) and everything apply
//! must re-check (what was observed of each touched resource).

mod diff;
mod drift;
pub mod saved;
#[cfg(test)]
mod tests;

pub use diff::{plan, PlanError};

use crate::model::{Address, Destination, MessageReviewHandler, ResourceType, Tags};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The version of the saved-plan and JSON plan formats.
pub const FORMAT_VERSION: &str = "1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: String,
    pub stack: String,
    pub region: String,
    pub resource_changes: Vec<ResourceChange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
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
}

/// One field's change, as shown to users: `before -> after` (JSON values;
/// `null` for "absent"). Tag changes are fields named `tags.KEY`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Value,
    pub after: Value,
}

/// A room's reference to a logging configuration, resolved for apply: an ARN
/// known now, or the key of a logging configuration this plan creates (its
/// ARN is known after apply).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LoggingTarget {
    Arn(String),
    Planned(String),
}

/// Every field of a room, as Create writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomSpec {
    pub name: String,
    pub maximum_message_length: i32,
    pub maximum_message_rate_per_second: i32,
    pub message_review_handler: Option<Handler>,
    pub logging_configurations: Vec<LoggingTarget>,
}

/// The fields an UpdateRoom carries: only the changed ones.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_message_length: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_message_rate_per_second: Option<i32>,
    /// `Some(None)`: remove the handler (sent as an empty uri).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub message_review_handler: Option<Option<Handler>>,
    /// `Some(vec![])`: clear the list (sent as `[]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging_configurations: Option<Vec<LoggingTarget>>,
}

impl RoomUpdate {
    pub fn is_empty(&self) -> bool {
        *self == RoomUpdate::default()
    }
}

/// `Option<Option<T>>` that keeps `Some(None)` distinct from `None` in JSON:
/// absent = no change, `null` = remove.
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        v: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// A review handler in plan terms (serialisable twin of the model type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Handler {
    pub uri: String,
    pub fallback_result: String,
}

impl From<&MessageReviewHandler> for Handler {
    fn from(h: &MessageReviewHandler) -> Self {
        Handler {
            uri: h.uri.clone(),
            fallback_result: h.fallback_result.as_str().to_string(),
        }
    }
}

/// A destination in plan terms: `{"s3": {"bucketName": ...}}` and siblings,
/// the API's own shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PlanDestination {
    S3 {
        #[serde(rename = "bucketName")]
        bucket_name: String,
    },
    CloudWatchLogs {
        #[serde(rename = "logGroupName")]
        log_group_name: String,
    },
    Firehose {
        #[serde(rename = "deliveryStreamName")]
        delivery_stream_name: String,
    },
}

impl From<&Destination> for PlanDestination {
    fn from(d: &Destination) -> Self {
        match d {
            Destination::S3 { bucket_name } => PlanDestination::S3 {
                bucket_name: bucket_name.clone(),
            },
            Destination::CloudWatchLogs { log_group_name } => PlanDestination::CloudWatchLogs {
                log_group_name: log_group_name.clone(),
            },
            Destination::Firehose {
                delivery_stream_name,
            } => PlanDestination::Firehose {
                delivery_stream_name: delivery_stream_name.clone(),
            },
        }
    }
}

impl From<&PlanDestination> for Destination {
    fn from(d: &PlanDestination) -> Self {
        match d {
            PlanDestination::S3 { bucket_name } => Destination::S3 {
                bucket_name: bucket_name.clone(),
            },
            PlanDestination::CloudWatchLogs { log_group_name } => Destination::CloudWatchLogs {
                log_group_name: log_group_name.clone(),
            },
            PlanDestination::Firehose {
                delivery_stream_name,
            } => Destination::Firehose {
                delivery_stream_name: delivery_stream_name.clone(),
            },
        }
    }
}

/// The write a resource change makes (besides tags).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Write {
    /// Nothing beyond tags (if any).
    None,
    CreateRoom {
        spec: RoomSpec,
    },
    UpdateRoom {
        update: RoomUpdate,
    },
    DeleteRoom,
    CreateLoggingConfiguration {
        name: String,
        destination: PlanDestination,
    },
    UpdateLoggingConfiguration {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        destination: Option<PlanDestination>,
    },
    DeleteLoggingConfiguration,
}

impl Write {
    /// The logging configurations a room write sets (empty for others).
    pub fn logging_targets(&self) -> &[LoggingTarget] {
        match self {
            Write::CreateRoom { spec } => &spec.logging_configurations,
            Write::UpdateRoom { update } => update.logging_configurations.as_deref().unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// Tag calls: one TagResource with `set`, one UntagResource with `remove`.
/// On create, `set` is every tag (sent inside the Create call).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TagChanges {
    pub set: Tags,
    pub remove: Vec<String>,
}

impl TagChanges {
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.remove.is_empty()
    }
}

/// What discovery saw of a resource the plan touches, for `apply PLANFILE` to
/// check that nothing changed since.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Observed {
    pub arn: String,
    pub update_time: String,
    /// Every field read, in manifest terms (`name`, `maximumMessageLength`, ...).
    pub fields: serde_json::Map<String, Value>,
    pub tags: Tags,
}

/// Why a delete is not allowed, and how to unblock it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocked {
    pub reason: String,
    pub unblock: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceChange {
    pub address: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub key: String,
    pub action: Action,
    pub arn: Option<String>,
    pub changes: Vec<FieldChange>,
    pub drift: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<Blocked>,
    pub write: Write,
    #[serde(default, skip_serializing_if = "TagChanges::is_empty")]
    pub tags: TagChanges,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<Observed>,
    /// Existing logging configurations this room write references that were
    /// not ACTIVE when planned (CREATING / UPDATING): apply waits for them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wait_for_active: Vec<String>,
}

impl ResourceChange {
    pub fn parsed_address(&self) -> Address {
        let resource_type = if self.resource_type == ResourceType::Room.as_str() {
            ResourceType::Room
        } else {
            ResourceType::LoggingConfiguration
        };
        Address {
            resource_type,
            key: self.key.clone(),
        }
    }

    pub fn is_room(&self) -> bool {
        self.resource_type == ResourceType::Room.as_str()
    }
}

/// `Plan: X to add, Y to change, Z to destroy.`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.resource_changes {
            match c.action {
                Action::Create => s.add += 1,
                Action::Update => s.change += 1,
                Action::Delete => s.destroy += 1,
                Action::NoOp => {}
            }
        }
        s
    }

    pub fn has_changes(&self) -> bool {
        self.resource_changes
            .iter()
            .any(|c| c.action != Action::NoOp)
    }

    pub fn deletes(&self) -> usize {
        self.summary().destroy
    }

    /// Deletes that may not run (protected, or still referenced elsewhere).
    pub fn blocked(&self) -> impl Iterator<Item = &ResourceChange> {
        self.resource_changes.iter().filter(|c| c.blocked.is_some())
    }
}
