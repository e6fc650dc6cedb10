//! The saved-plan file (`plan --out`, read by `apply PLANFILE`): its own
//! versioned JSON type, converted from and to `Plan`, so that the in-memory
//! plan can change without silently changing the file, and a file from
//! another version is refused with a clear message instead of misread.
//!
//! It records everything apply needs (the writes, with every value typed by
//! its field) and everything apply must re-check (what was observed of each
//! touched resource).

use super::{
    Action, Adoption, Blocked, Create, Delete, FieldChange, Observed, Op, Plan, RecordPlan,
    ResourceChange, Update,
};
use crate::model::{
    Address, Destination, FallbackResult, LoggingConfigurationRef, MessageReviewHandler, Tags,
};
use crate::schema::{Field, Value, Values};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

const KIND: &str = "ivsctl-saved-plan";

/// The version of the file format; a file of any other version is refused.
/// 2: applied records (ivsctl 0.2).
pub const SAVED_FORMAT_VERSION: &str = "2";

/// Why a file cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum SavedPlanError {
    #[error("not a saved plan (invalid JSON: {0})")]
    #[diagnostic(
        code(ivsctl::saved_plan::not_json),
        help("create one with `ivsctl plan --out FILE`; to apply a manifest, use `ivsctl apply -f FILE`")
    )]
    NotJson(String),
    #[error("not a saved plan (no \"kind\": \"{KIND}\")")]
    #[diagnostic(
        code(ivsctl::saved_plan::not_a_plan),
        help("create one with `ivsctl plan --out FILE`")
    )]
    NotASavedPlan,
    #[error("saved-plan format version {0} is not supported by this ivsctl (it reads {SAVED_FORMAT_VERSION})")]
    #[diagnostic(
        code(ivsctl::saved_plan::version),
        help("plan again with this ivsctl: `ivsctl plan --out FILE`")
    )]
    Version(String),
    #[error("damaged saved plan: {0}")]
    #[diagnostic(
        code(ivsctl::saved_plan::damaged),
        help("plan again: `ivsctl plan --out FILE`")
    )]
    Damaged(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct File {
    kind: String,
    format_version: String,
    ivsctl_version: String,
    /// One per stack of the run, in stack order.
    plans: Vec<FilePlan>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FilePlan {
    stack: String,
    region: String,
    /// The manifest declared no resource (apply then needs --allow-empty to delete).
    #[serde(default)]
    manifest_empty: bool,
    resource_changes: Vec<FileChange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    without_record: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileChange {
    address: String,
    action: String,
    arn: Option<String>,
    #[serde(default)]
    changes: Vec<FileField>,
    #[serde(default)]
    drift: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    blocked: Option<FileBlocked>,
    /// Field name -> value, as the API's JSON shapes it (references as
    /// `{"arn": ...}` or `{"key": ...}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    values: BTreeMap<String, Json>,
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    tags: Tags,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    untag: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    await_active: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    detaches: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    observed: Option<FileObserved>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    wait_for_active: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    depends_on: Vec<String>,
    /// The applied record's values and tags (see `RecordPlan`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    record: Option<FileRecord>,
    /// The imported ARN, or the address moved from (`STACK/ADDRESS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    import: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    moved_from: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FileRecord {
    identity: String,
    values: BTreeMap<String, Json>,
    tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FileField {
    field: String,
    before: Json,
    after: Json,
    #[serde(default)]
    drift: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FileBlocked {
    reason: String,
    unblock: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileObserved {
    arn: String,
    update_time: String,
    tags: Tags,
}

/// One stack's saved plan as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedPlan {
    pub plan: Plan,
    pub manifest_empty: bool,
}

/// The file's text: `plans` are the stacks of the run, each with whether
/// its manifest declared no resource.
pub fn to_json(plans: &[(&Plan, bool)]) -> String {
    let file = File {
        kind: KIND.to_string(),
        format_version: SAVED_FORMAT_VERSION.to_string(),
        ivsctl_version: env!("CARGO_PKG_VERSION").to_string(),
        plans: plans
            .iter()
            .map(|(plan, manifest_empty)| FilePlan {
                stack: plan.stack.clone(),
                region: plan.region.clone(),
                manifest_empty: *manifest_empty,
                resource_changes: plan.resource_changes.iter().map(encode_change).collect(),
                without_record: plan.without_record.iter().map(|a| a.to_string()).collect(),
                warnings: plan.warnings.clone(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    text
}

/// Reads a saved plan (every stack of it); the error says what is wrong
/// with the file.
pub fn from_json(text: &str) -> Result<Vec<SavedPlan>, SavedPlanError> {
    let value: Json =
        serde_json::from_str(text).map_err(|e| SavedPlanError::NotJson(e.to_string()))?;
    if value.get("kind").and_then(|k| k.as_str()) != Some(KIND) {
        return Err(SavedPlanError::NotASavedPlan);
    }
    let version = value
        .get("format_version")
        .and_then(|v| v.as_str())
        .unwrap_or("?");
    if version != SAVED_FORMAT_VERSION {
        return Err(SavedPlanError::Version(version.to_string()));
    }
    let file: File =
        serde_json::from_value(value).map_err(|e| SavedPlanError::Damaged(e.to_string()))?;
    if file.plans.is_empty() {
        return Err(SavedPlanError::Damaged("it holds no plan".into()));
    }
    file.plans
        .into_iter()
        .map(decode_plan)
        .collect::<Result<_, String>>()
        .map_err(SavedPlanError::Damaged)
}

fn decode_plan(p: FilePlan) -> Result<SavedPlan, String> {
    let resource_changes = p
        .resource_changes
        .into_iter()
        .map(decode_change)
        .collect::<Result<_, String>>()?;
    let without_record = p
        .without_record
        .iter()
        .map(|a| Address::parse(a).ok_or_else(|| format!("`{a}` is not an address")))
        .collect::<Result<_, _>>()?;
    Ok(SavedPlan {
        plan: Plan {
            stack: p.stack,
            region: p.region,
            resource_changes,
            without_record,
            warnings: p.warnings,
        },
        manifest_empty: p.manifest_empty,
    })
}

fn encode_change(c: &ResourceChange) -> FileChange {
    let mut f = FileChange {
        address: c.address.to_string(),
        action: c.action().as_str().to_string(),
        arn: c.arn().map(String::from),
        changes: c
            .changes
            .iter()
            .map(|f| FileField {
                field: f.field.clone(),
                before: f.before.clone(),
                after: f.after.clone(),
                drift: f.drift,
            })
            .collect(),
        drift: c.drift,
        blocked: c.blocked.as_ref().map(|b| FileBlocked {
            reason: b.reason.clone(),
            unblock: b.unblock.clone(),
        }),
        values: BTreeMap::new(),
        tags: Tags::new(),
        untag: Vec::new(),
        await_active: false,
        detaches: Vec::new(),
        observed: c.observed.as_ref().map(|o| FileObserved {
            arn: o.arn.clone(),
            update_time: o.update_time.clone(),
            tags: o.tags.clone(),
        }),
        wait_for_active: c.wait_for_active.clone(),
        depends_on: c.depends_on.iter().map(|a| a.to_string()).collect(),
        record: None,
        import: match &c.adoption {
            Some(Adoption::Import { arn }) => Some(arn.clone()),
            _ => None,
        },
        moved_from: match &c.adoption {
            Some(Adoption::Move { from }) => Some(from.to_string()),
            _ => None,
        },
    };
    let record = |r: &RecordPlan| FileRecord {
        identity: r.identity.clone(),
        values: encode_values(&r.values),
        tags: r.tags.clone(),
    };
    match &c.op {
        Op::None { .. } => {}
        Op::Create(create) => {
            f.values = encode_values(&create.values);
            f.tags = create.tags.clone();
            f.await_active = create.await_active;
            f.record = Some(record(&create.record));
        }
        Op::Update(u) => {
            f.values = encode_values(&u.values);
            f.tags = u.tag.clone();
            f.untag = u.untag.clone();
            f.await_active = u.await_active;
            f.detaches = u.detaches.clone();
            f.record = u.record.as_ref().map(record);
        }
        Op::Delete(d) => f.detaches = d.detaches.clone(),
    }
    f
}

fn decode_change(f: FileChange) -> Result<ResourceChange, String> {
    let address =
        Address::parse(&f.address).ok_or_else(|| format!("`{}` is not an address", f.address))?;
    let action = Action::parse(&f.action)
        .ok_or_else(|| format!("{}: unknown action `{}`", f.address, f.action))?;
    let arn = || {
        f.arn
            .clone()
            .ok_or_else(|| format!("{}: an {} needs an ARN", f.address, action.as_str()))
    };
    let values = decode_values(&f.address, &f.values)?;
    let record = f
        .record
        .as_ref()
        .map(|r| {
            Ok::<_, String>(RecordPlan {
                identity: r.identity.clone(),
                values: decode_values(&f.address, &r.values)?,
                tags: r.tags.clone(),
            })
        })
        .transpose()?;
    let op = match action {
        Action::NoOp => Op::None { arn: arn()? },
        Action::Create => Op::Create(Create {
            values,
            tags: f.tags,
            await_active: f.await_active,
            record: record.ok_or_else(|| format!("{}: a create needs its record", f.address))?,
        }),
        Action::Update => Op::Update(Update {
            arn: arn()?,
            values,
            untag: f.untag,
            tag: f.tags,
            await_active: f.await_active,
            detaches: f.detaches,
            record,
        }),
        Action::Delete => Op::Delete(Delete {
            arn: arn()?,
            detaches: f.detaches,
        }),
    };
    let depends_on = f
        .depends_on
        .iter()
        .map(|a| {
            crate::model::StackAddress::parse(a)
                .ok_or_else(|| format!("`{a}` is not STACK/ADDRESS"))
        })
        .collect::<Result<_, _>>()?;
    let adoption = match (f.import, f.moved_from) {
        (Some(arn), None) => Some(Adoption::Import { arn }),
        (None, Some(from)) => Some(Adoption::Move {
            from: crate::model::StackAddress::parse(&from)
                .ok_or_else(|| format!("`{from}` is not STACK/ADDRESS"))?,
        }),
        (None, None) => None,
        (Some(_), Some(_)) => return Err(format!("{address}: both imported and moved")),
    };
    Ok(ResourceChange {
        adoption,
        address,
        op,
        changes: f
            .changes
            .into_iter()
            .map(|c| FieldChange {
                field: c.field,
                before: c.before,
                after: c.after,
                drift: c.drift,
            })
            .collect(),
        drift: f.drift,
        blocked: f.blocked.map(|b| Blocked {
            reason: b.reason,
            unblock: b.unblock,
        }),
        observed: f.observed.map(|o| Observed {
            arn: o.arn,
            update_time: o.update_time,
            tags: o.tags,
        }),
        wait_for_active: f.wait_for_active,
        depends_on,
    })
}

fn encode_values(values: &Values) -> BTreeMap<String, Json> {
    values
        .iter()
        .map(|(f, v)| {
            let json = match v {
                Value::Refs(refs) => Json::Array(
                    refs.iter()
                        .map(|r| match r {
                            LoggingConfigurationRef::Arn(a) => json!({"arn": a}),
                            LoggingConfigurationRef::Key(k) => json!({"key": k}),
                            LoggingConfigurationRef::Stack { stack, key } => {
                                json!({"stack": stack, "key": key})
                            }
                        })
                        .collect(),
                ),
                other => other.to_json(),
            };
            (f.name().to_string(), json)
        })
        .collect()
}

fn decode_values(address: &str, values: &BTreeMap<String, Json>) -> Result<Values, String> {
    let mut out = Values::new();
    for (name, json) in values {
        let bad = || format!("{address}: `{name}` has an invalid value: {json}");
        let field =
            Field::parse(name).ok_or_else(|| format!("{address}: unknown field `{name}`"))?;
        let value = match field {
            Field::Name => Value::Text(json.as_str().ok_or_else(bad)?.to_string()),
            Field::MaximumMessageLength | Field::MaximumMessageRatePerSecond => Value::Int(
                json.as_i64()
                    .and_then(|n| i32::try_from(n).ok())
                    .ok_or_else(bad)?,
            ),
            Field::MessageReviewHandler => Value::Handler(match json {
                Json::Null => None,
                _ => Some(MessageReviewHandler {
                    uri: json["uri"].as_str().ok_or_else(bad)?.to_string(),
                    fallback_result: json["fallbackResult"]
                        .as_str()
                        .and_then(FallbackResult::parse)
                        .ok_or_else(bad)?,
                }),
            }),
            Field::Destination => Value::Destination(decode_destination(json).ok_or_else(bad)?),
            Field::LoggingConfigurations => Value::Refs(
                json.as_array()
                    .ok_or_else(bad)?
                    .iter()
                    .map(
                        |r| match (r["arn"].as_str(), r["key"].as_str(), r["stack"].as_str()) {
                            (Some(a), None, None) => {
                                Ok(LoggingConfigurationRef::Arn(a.to_string()))
                            }
                            (None, Some(k), None) => {
                                Ok(LoggingConfigurationRef::Key(k.to_string()))
                            }
                            (None, Some(k), Some(s)) => Ok(LoggingConfigurationRef::Stack {
                                stack: s.to_string(),
                                key: k.to_string(),
                            }),
                            _ => Err(bad()),
                        },
                    )
                    .collect::<Result<_, _>>()?,
            ),
        };
        out.insert(field, value);
    }
    Ok(out)
}

fn decode_destination(json: &Json) -> Option<Destination> {
    let s = |kind: &str, member: &str| json.get(kind)?.get(member)?.as_str().map(String::from);
    if let Some(bucket_name) = s("s3", "bucketName") {
        Some(Destination::S3 { bucket_name })
    } else if let Some(log_group_name) = s("cloudWatchLogs", "logGroupName") {
        Some(Destination::CloudWatchLogs { log_group_name })
    } else {
        s("firehose", "deliveryStreamName").map(|delivery_stream_name| Destination::Firehose {
            delivery_stream_name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{d_lc, d_room, desired, l_lc, l_room, tags};
    use crate::model::{LiveState, TAG_PROTECT};

    /// A plan with every kind of op and value.
    fn rich() -> Plan {
        let mut d = desired();
        d.logging_configurations
            .insert("new".into(), d_lc("new", "b"));
        let mut fh = d_lc("fh", "x");
        fh.destination = Destination::Firehose {
            delivery_stream_name: "s".into(),
        };
        d.logging_configurations.insert("fh".into(), fh);
        let mut r = d_room("lobby");
        r.message_review_handler = Some(MessageReviewHandler {
            uri: "arn:aws:lambda:us-west-2:1:function:f".into(),
            fallback_result: FallbackResult::Deny,
        });
        r.logging_configurations = vec![LoggingConfigurationRef::Key("new".into())];
        d.rooms.insert("lobby".into(), r);
        d.rooms.insert("plain".into(), d_room("plain"));
        let mut old = l_room("OLDOLDOLDOLD", "old");
        old.tags.insert(TAG_PROTECT.into(), "true".into());
        let mut plain = l_room("PLAINPLAINPL", "plain");
        plain.message_review_handler = Some(MessageReviewHandler {
            uri: "arn:aws:lambda:us-west-2:1:function:f".into(),
            fallback_result: FallbackResult::Allow,
        });
        plain.tags.extend(tags(&[("stray", "1")]));
        let live = LiveState {
            logging_configurations: vec![l_lc("FHFHFHFHFHFH", "fh", "x")],
            rooms: vec![old, plain],
        };
        crate::plan::plan(&d, &live, "us-west-2").unwrap()
    }

    #[test]
    fn round_trip_keeps_every_op_and_value() {
        let plan = rich();
        assert!(plan.resource_changes.iter().any(|c| c.blocked.is_some()));
        let back = from_json(&to_json(&[(&plan, true)])).unwrap();
        assert_eq!(
            back,
            [SavedPlan {
                plan: plan.clone(),
                manifest_empty: true
            }]
        );
        // Several stacks, in order.
        let mut other = plan.clone();
        other.stack = "edge".into();
        let both = from_json(&to_json(&[(&other, false), (&plan, true)])).unwrap();
        assert_eq!(both.len(), 2);
        assert_eq!(
            (both[0].plan.stack.as_str(), both[0].manifest_empty),
            ("edge", false)
        );
    }

    #[test]
    fn refusals_say_what_is_wrong() {
        let plan = rich();
        assert!(matches!(from_json("{"), Err(SavedPlanError::NotJson(_))));
        assert_eq!(from_json("{}"), Err(SavedPlanError::NotASavedPlan));
        let future = to_json(&[(&plan, false)])
            .replace("\"format_version\": \"2\"", "\"format_version\": \"9\"");
        assert_eq!(from_json(&future), Err(SavedPlanError::Version("9".into())));
        let damaged = to_json(&[(&plan, false)]).replace("\"rooms.lobby\"", "\"halls.lobby\"");
        assert!(
            matches!(from_json(&damaged), Err(SavedPlanError::Damaged(m)) if m.contains("halls.lobby"))
        );
        let bad_value = to_json(&[(&plan, false)]).replace("\"DENY\"", "\"MAYBE\"");
        assert!(
            matches!(from_json(&bad_value), Err(SavedPlanError::Damaged(m)) if m.contains("messageReviewHandler"))
        );
    }
}
