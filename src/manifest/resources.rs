//! The checks of one resource spec: a logging configuration (with its
//! destination), a room (with its handler and logging-configuration list),
//! and the `tags` and `protect` fields both have. Part of the per-file pass
//! in `validate.rs`.

use crate::model::{ResourceType, MAX_LOGGING_CONFIGURATIONS_PER_ROOM};

use super::diagnostics::Path;
use super::read::{shorten, Cx, Field, Fields, Located};
use super::rules;
use super::spanned::{Node, NodeKind};
use super::validate::{owned, Reference, ResourceFacts, TagFacts};

pub const ROOM_FIELDS: &[&str] = &[
    "name",
    "maximumMessageLength",
    "maximumMessageRatePerSecond",
    "messageReviewHandler",
    "loggingConfigurations",
    "tags",
    "protect",
];
pub const LOGGING_CONFIGURATION_FIELDS: &[&str] = &["name", "destination", "tags", "protect"];
const HANDLER_FIELDS: &[&str] = &["uri", "fallbackResult"];
const DESTINATION_FIELDS: &[&str] = &["s3", "cloudWatchLogs", "firehose"];
const DESTINATION_HELP: &str = "a destination is exactly one of `s3: {bucketName: ...}`, \
    `cloudWatchLogs: {logGroupName: ...}` or `firehose: {deliveryStreamName: ...}`";
const NO_HANDLER: &str = "omit messageReviewHandler for no handler";

pub fn logging_configuration(
    cx: &mut Cx<'_>,
    key: Field<'_>,
    spec: &Node,
    path: &Path,
) -> ResourceFacts {
    let fields = cx.fields(spec, path, LOGGING_CONFIGURATION_FIELDS);
    if let Some(field) = fields.present("name") {
        cx.checked_string(
            &field,
            &path.child("name"),
            &rules::LOGGING_CONFIGURATION_NAME,
        );
    }
    match fields.present("destination") {
        Some(field) => destination(cx, &field, &path.child("destination")),
        None if fields.misspelled("destination") => {}
        None => {
            let span = fields
                .get("destination")
                .map_or(key.key.span.clone(), |f| f.key.span.clone());
            let issue = cx
                .issue(
                    span,
                    "no destination",
                    format!("{path} has no `destination`"),
                )
                .help(format!("add `destination:`; {DESTINATION_HELP}"));
            cx.push(issue);
        }
    }
    resource_common(cx, key, &fields, path, ResourceType::LoggingConfiguration)
}

fn destination(cx: &mut Cx<'_>, field: &Field<'_>, path: &Path) {
    let help = DESTINATION_HELP;
    let Some(map) = cx.mapping(field, path, false, help) else {
        return;
    };
    let fields = cx.fields(map, path, DESTINATION_FIELDS);
    let kinds: Vec<Field<'_>> = DESTINATION_FIELDS
        .iter()
        .filter_map(|k| fields.get(k))
        .collect();
    // Report a second kind on the one written later.
    let mut kinds_in_order = kinds.clone();
    kinds_in_order.sort_by_key(|f| f.key.span.start);
    match kinds_in_order.as_slice() {
        [] if DESTINATION_FIELDS.iter().any(|k| fields.misspelled(k)) => {}
        [] => {
            let issue = cx
                .issue(
                    field.key.span.clone(),
                    "no destination kind",
                    format!("{path} names no destination"),
                )
                .help(help);
            cx.push(issue);
        }
        [first, rest @ ..] => {
            for other in rest {
                let issue = cx
                    .issue(
                        other.key.span.clone(),
                        "second destination",
                        format!(
                            "{path} has more than one destination: `{}` and `{}`",
                            first.name, other.name
                        ),
                    )
                    .also(cx.file, first.key.span.clone(), "first destination")
                    .help("a logging configuration delivers to exactly one destination; keep one");
                cx.push(issue);
            }
        }
    }
    for kind in kinds {
        let (inner, rule) = match kind.name {
            "s3" => ("bucketName", &rules::BUCKET_NAME),
            "cloudWatchLogs" => ("logGroupName", &rules::LOG_GROUP_NAME),
            _ => ("deliveryStreamName", &rules::DELIVERY_STREAM_NAME),
        };
        let kind_path = path.child(kind.name);
        let example = format!("write `{}: {{{inner}: NAME}}`", kind.name);
        if kind.is_null() {
            let issue = cx
                .issue(
                    kind.key.span.clone(),
                    format!("no `{inner}`"),
                    format!("{kind_path} is empty"),
                )
                .help(example);
            cx.push(issue);
            continue;
        }
        let Some(map) = cx.mapping(&kind, &kind_path, false, &example) else {
            continue;
        };
        let fields = cx.fields(map, &kind_path, &[inner]);
        match fields.present(inner) {
            Some(f) => {
                cx.checked_string(&f, &kind_path.child(inner), rule);
            }
            None if fields.misspelled(inner) => {}
            None => {
                let span = fields
                    .get(inner)
                    .map_or(kind.key.span.clone(), |f| f.key.span.clone());
                let issue = cx
                    .issue(
                        span,
                        format!("no `{inner}`"),
                        format!("{kind_path} has no `{inner}`"),
                    )
                    .help(format!("{example}; {}", rule.help));
                cx.push(issue);
            }
        }
    }
}

pub fn room(
    cx: &mut Cx<'_>,
    key: Field<'_>,
    spec: &Node,
    path: &Path,
    references: &mut Vec<Reference>,
) -> ResourceFacts {
    let fields = cx.fields(spec, path, ROOM_FIELDS);
    if let Some(field) = fields.present("name") {
        cx.checked_string(&field, &path.child("name"), &rules::ROOM_NAME);
    }
    if let Some(field) = fields.get("maximumMessageLength") {
        cx.integer(&field, &path.child(field.name), rules::MESSAGE_LENGTH);
    }
    if let Some(field) = fields.get("maximumMessageRatePerSecond") {
        cx.integer(&field, &path.child(field.name), rules::MESSAGE_RATE);
    }
    if let Some(field) = fields.present("messageReviewHandler") {
        handler(cx, &field, &path.child(field.name));
    }
    if let Some(field) = fields.present("loggingConfigurations") {
        room_logging_configurations(cx, key.name, &field, &path.child(field.name), references);
    }
    resource_common(cx, key, &fields, path, ResourceType::Room)
}

fn handler(cx: &mut Cx<'_>, field: &Field<'_>, path: &Path) {
    let help =
        format!("a handler is `{{uri: LAMBDA_ARN, fallbackResult: ALLOW|DENY}}`; {NO_HANDLER}");
    let Some(map) = cx.mapping(field, path, true, &help) else {
        return;
    };
    let fields = cx.fields(map, path, HANDLER_FIELDS);
    match fields.get("uri") {
        None if fields.misspelled("uri") => {}
        None => {
            let issue = cx
                .issue(
                    field.key.span.clone(),
                    "no `uri`",
                    format!("{path} has no `uri`"),
                )
                .help(format!(
                    "add `uri: arn:aws:lambda:REGION:ACCOUNT:function:NAME`, or {NO_HANDLER}"
                ));
            cx.push(issue);
        }
        Some(uri) => {
            let uri_path = path.child("uri");
            let empty = uri.is_null()
                || matches!(&uri.value.kind, NodeKind::Scalar { value, .. } if value.is_empty());
            if empty {
                let issue = cx
                    .issue(
                        cx.value_span(&uri),
                        "empty uri",
                        format!("{uri_path} is empty"),
                    )
                    .help(format!(
                        "{NO_HANDLER}; an empty uri is how the API clears one"
                    ));
                cx.push(issue);
            } else {
                cx.checked_string(&uri, &uri_path, &rules::LAMBDA_ARN);
            }
        }
    }
    if let Some(fallback) = fields.present("fallbackResult") {
        let fb_path = path.child("fallbackResult");
        let Some(value) = cx.string(&fallback, &fb_path, "fallbackResult is `ALLOW` or `DENY`")
        else {
            return;
        };
        if crate::model::FallbackResult::parse(value.value).is_none() {
            let help = match super::diagnostics::did_you_mean(value.value, ["ALLOW", "DENY"]) {
                Some(m) => {
                    format!("did you mean `{m}`? fallbackResult is `ALLOW` or `DENY` (in capitals)")
                }
                None => "fallbackResult is `ALLOW` or `DENY`".to_string(),
            };
            let issue = cx
                .issue(
                    value.span.clone(),
                    "not ALLOW or DENY",
                    format!("invalid {fb_path}: `{}`", shorten(value.value)),
                )
                .help(help);
            cx.push(issue);
        }
    }
}

fn room_logging_configurations(
    cx: &mut Cx<'_>,
    room: &str,
    field: &Field<'_>,
    path: &Path,
    references: &mut Vec<Reference>,
) {
    let help = "write a list of logging-configuration keys or ARNs, e.g. `[archive]`";
    let Some(items) = cx.sequence(field, path, help) else {
        return;
    };
    if items.len() > MAX_LOGGING_CONFIGURATIONS_PER_ROOM {
        let issue = cx
            .issue(
                cx.value_span(field),
                format!("{} entries", items.len()),
                format!(
                    "{path} has {} entries, more than {MAX_LOGGING_CONFIGURATIONS_PER_ROOM}",
                    items.len()
                ),
            )
            .help(format!(
                "a room has at most {MAX_LOGGING_CONFIGURATIONS_PER_ROOM} logging configurations"
            ));
        cx.push(issue);
    }
    let mut seen: Vec<Located<&str>> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let item_path = path.index(i);
        let Some(value) = cx.string_node(
            item,
            None,
            &item_path,
            "an entry is a logging-configuration key or ARN",
        ) else {
            continue;
        };
        if let Some(first) = seen.iter().find(|s| s.value == value.value) {
            let line = cx.line(first.span.start);
            let issue = cx
                .issue(
                    value.span.clone(),
                    "listed again here",
                    format!("{path} lists `{}` twice", shorten(value.value)),
                )
                .also(cx.file, first.span.clone(), "first listed here")
                .help(format!(
                    "the list is a set; `{}` is already listed on line {line}, remove one",
                    shorten(value.value)
                ));
            cx.push(issue);
            continue;
        }
        seen.push(value.clone());
        if value.value.starts_with("arn:") {
            cx.check_rule(&value, &item_path, &rules::LOGGING_CONFIGURATION_ARN);
        } else if cx.check_rule(&value, &item_path, &rules::LOGICAL_KEY) {
            references.push(Reference {
                room: room.to_string(),
                key: Located {
                    value: value.value.to_string(),
                    span: value.span,
                },
            });
        }
    }
}

/// `tags` and `protect`, common to both resource types.
fn resource_common(
    cx: &mut Cx<'_>,
    key: Field<'_>,
    fields: &Fields<'_>,
    path: &Path,
    resource_type: ResourceType,
) -> ResourceFacts {
    let tags = fields
        .present("tags")
        .and_then(|f| tags(cx, &f, &path.child("tags")));
    let protect = fields
        .get("protect")
        .and_then(|f| cx.boolean(&f, &path.child("protect")))
        .unwrap_or(false);
    ResourceFacts {
        resource_type,
        key: Located {
            value: key.name.to_string(),
            span: key.key.span.clone(),
        },
        tags,
        protect,
    }
}

/// A `tags` mapping (stack or resource): string keys and values within the
/// API's lengths, no reserved prefix.
pub fn tags(cx: &mut Cx<'_>, field: &Field<'_>, path: &Path) -> Option<TagFacts> {
    let map = cx.mapping(
        field,
        path,
        true,
        "tags map keys to string values, e.g. `{team: video}`",
    )?;
    let mut keys = Vec::new();
    for entry in cx.entries(map, path, "tag key") {
        let key_path = path.child(entry.name);
        let key = Located {
            value: entry.name,
            span: entry.key.span.clone(),
        };
        let mut key_ok = cx.check_rule(&key, &format!("tag key in {path}"), &rules::TAG_KEY);
        if let Some(reason) = rules::reserved_tag_key(entry.name) {
            let issue = cx
                .issue(
                    entry.key.span.clone(),
                    "reserved prefix",
                    format!("reserved tag key `{}` in {path}", shorten(entry.name)),
                )
                .help(format!("{reason}; choose another key"));
            cx.push(issue);
            key_ok = false;
        }
        if let Some(value) = cx.string(&entry, &key_path, rules::TAG_VALUE.help) {
            cx.check_rule(&value, &key_path, &rules::TAG_VALUE);
        }
        if key_ok {
            keys.push(owned(key));
        }
    }
    Some(TagFacts {
        field_span: field.key.span.clone(),
        keys,
    })
}
