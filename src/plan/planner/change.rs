//! The change of one resource, whatever its type, from its desired and live
//! values (through the field tables) and tags: create, update or no-op, and
//! delete. Drift is judged here, change by change, against the resource's
//! applied record (`record.rs`): a field or tag whose live value is not what
//! ivsctl last applied was edited out of band.

use super::claims::Adoption;
use super::tags::tag_changes;
use crate::model::{Address, Tags};
use crate::plan::{Create, Delete, FieldChange, Observed, Op, RecordPlan, ResourceChange, Update};
use crate::record::{self, AppliedTime, Reading, Record, TAG_APPLIED};
use crate::schema::Values;
use serde_json::{json, Value};

pub(super) fn change(address: Address, op: Op) -> ResourceChange {
    ResourceChange {
        address,
        op,
        changes: Vec::new(),
        drift: false,
        blocked: None,
        observed: None,
        wait_for_active: Vec::new(),
        depends_on: Vec::new(),
        adoption: None,
    }
}

/// What the plan read of a live resource.
#[derive(Debug, Clone, Copy)]
pub(super) struct Live<'a> {
    pub arn: &'a str,
    pub tags: &'a Tags,
    pub create_time: &'a str,
    pub update_time: &'a str,
}

impl Live<'_> {
    fn observed(&self) -> Observed {
        Observed {
            arn: self.arn.to_string(),
            update_time: self.update_time.to_string(),
            tags: self.tags.clone(),
        }
    }
}

/// A create: every field (the ones that say something are shown) and every
/// tag; apply adds the record.
pub(super) fn create(stack: &str, address: Address, values: Values, tags: Tags) -> ResourceChange {
    let identity = record::identity(stack, &address);
    let mut c = change(address, Op::None { arn: String::new() });
    c.changes = values
        .iter()
        .filter(|(_, v)| v.is_set())
        .map(|(f, v)| FieldChange {
            field: f.name().to_string(),
            before: Value::Null,
            after: v.to_json(),
            drift: false,
        })
        .collect();
    let (set, _, tag_fields) = tag_changes(&Tags::new(), &tags, None);
    c.changes.extend(tag_fields);
    c.op = Op::Create(Create {
        values: values.clone(),
        tags: set,
        await_active: false,
        record: RecordPlan {
            identity,
            values,
            tags,
        },
    });
    c
}

/// An update of the fields and tags that differ (a no-op when none does),
/// and the applied record this leaves.
pub(super) fn update(
    stack: &str,
    address: Address,
    adoption: Option<Adoption>,
    want: Values,
    have: &Values,
    desired_tags: Tags,
    live: Live<'_>,
) -> ResourceChange {
    // What ivsctl applied: the record under the resource's address, or, for
    // a resource moved in, under its old one; an imported one has none.
    let reading = match &adoption {
        None => record::read(live.tags, stack, &address),
        Some(Adoption::Move { from }) => record::read(live.tags, &from.stack, &from.address),
        Some(Adoption::Import { .. }) => Reading::Missing,
    };
    let applied = match &reading {
        Reading::Valid(r) => Some(r),
        _ => None,
    };
    let mut c = change(
        address.clone(),
        Op::None {
            arn: live.arn.to_string(),
        },
    );
    let mut values = Values::new();
    for (field, w) in &want {
        let h = have.get(field);
        if h != Some(w) {
            c.changes.push(FieldChange {
                field: field.name().to_string(),
                before: h.map(|v| v.to_json()).unwrap_or(Value::Null),
                after: w.to_json(),
                drift: applied.is_some_and(|r| h.is_none_or(|h| r.field_differs(*field, h))),
            });
            values.insert(*field, w.clone());
        }
    }
    let (mut tag, untag, tag_fields) = tag_changes(live.tags, &desired_tags, applied);
    c.changes.extend(tag_fields);
    let record = if values.is_empty() {
        // No Update call: the updateTime stays, and the record this plan
        // leaves is known now. Written with the other tags, or alone when
        // it is missing, invalid or stale (then shown as the change).
        let time = match applied {
            Some(r) if r.proves(live.create_time, live.update_time) => r.time,
            _ => AppliedTime::At(record::epoch_ms(live.update_time).unwrap_or(0)),
        };
        let expected = Record::new(&address, &want, &desired_tags, time)
            .encode(&record::identity(stack, &address));
        let current = live.tags.get(TAG_APPLIED);
        if current != Some(&expected) {
            if c.changes.is_empty() {
                c.changes.push(FieldChange {
                    field: format!("tags.{TAG_APPLIED}"),
                    before: current.map(|s| json!(s)).unwrap_or(Value::Null),
                    after: json!(expected),
                    drift: matches!(reading, Reading::Invalid(_)),
                });
            }
            tag.insert(TAG_APPLIED.to_string(), expected);
        }
        None
    } else {
        Some(RecordPlan {
            identity: record::identity(stack, &address),
            values: want,
            tags: desired_tags,
        })
    };
    c.adoption = adoption;
    if !c.changes.is_empty() {
        c.drift = c.changes.iter().any(|f| f.drift) || matches!(reading, Reading::Invalid(_));
        c.observed = Some(live.observed());
        c.op = Op::Update(Update {
            arn: live.arn.to_string(),
            values,
            untag,
            tag,
            await_active: false,
            detaches: Vec::new(),
            record,
        });
    }
    c
}

/// A delete, listing what it removes: the fields that say something, by name.
pub(super) fn delete(
    address: Address,
    have: Values,
    detaches: Vec<String>,
    live: Live<'_>,
) -> ResourceChange {
    let mut c = change(
        address,
        Op::Delete(Delete {
            arn: live.arn.to_string(),
            detaches,
        }),
    );
    let mut fields: Vec<FieldChange> = have
        .into_iter()
        .filter(|(_, v)| v.is_set())
        .map(|(f, v)| FieldChange {
            field: f.name().to_string(),
            before: v.to_json(),
            after: Value::Null,
            drift: false,
        })
        .collect();
    fields.sort_by(|a, b| a.field.cmp(&b.field));
    c.changes = fields;
    c.observed = Some(live.observed());
    c
}
