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
    "import",
];
pub const LOGGING_CONFIGURATION_FIELDS: &[&str] =
    &["name", "destination", "tags", "protect", "import"];
/// The fields `defaults` may not give: each resource's own.
pub const NOT_DEFAULTABLE: &[&str] = &["name", "import"];
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
    let mut missing_destination = false;
    match fields.present("destination") {
        Some(field) => destination(cx, &field, &path.child("destination")),
        None if fields.misspelled("destination") => {}
        // Absent: the stack's defaults may give one (checked per stack).
        None if fields.get("destination").is_none() => missing_destination = true,
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
                .help(format!("add `destination:`; {DESTINATION_HELP}"))
                .code("manifest::destination_missing");
            cx.push(issue);
        }
    }
    let import = import(cx, &fields, path, ResourceType::LoggingConfiguration);
    let mut facts = resource_common(cx, key, &fields, path, ResourceType::LoggingConfiguration);
    facts.import = import;
    facts.missing_destination = missing_destination;
    facts
}

/// The help for a logging configuration without a destination.
pub fn destination_help() -> String {
    format!(
        "add `destination:`, or give one to every logging configuration of the stack under \
         `defaults: {{loggingConfigurations: {{destination: ...}}}}`; {DESTINATION_HELP}"
    )
}

/// `import: ARN`: an IVS Chat ARN of the resource's type. Its region is
/// compared with the stack's per stack.
fn import(
    cx: &mut Cx<'_>,
    fields: &Fields<'_>,
    path: &Path,
    resource_type: ResourceType,
) -> Option<Located<String>> {
    let field = fields.present("import")?;
    let path = path.child("import");
    // (rule, what it imports, the other type's ARN resource prefix and name)
    let (rule, kind, other, other_name) = match resource_type {
        ResourceType::Room => (
            &rules::ROOM_ARN,
            "room",
            "logging-configuration",
            "logging-configuration",
        ),
        ResourceType::LoggingConfiguration => (
            &rules::LOGGING_CONFIGURATION_ARN,
            "logging configuration",
            "room",
            "room",
        ),
    };
    let value = cx.string(&field, &path, rule.help)?;
    if rule.check(value.value).is_ok() {
        return Some(owned(value));
    }
    let arn = value.value;
    let (label, message, code) = if !arn.starts_with("arn:") {
        (
            "not an ARN",
            format!("{path} must be an ARN, found `{}`", shorten(arn)),
            "manifest::import_arn",
        )
    } else if !arn.starts_with("arn:aws:ivschat:") {
        (
            "not an IVS Chat ARN",
            format!("{path} must be an IVS Chat ARN, found `{}`", shorten(arn)),
            "manifest::import_arn",
        )
    } else if arn
        .splitn(6, ':')
        .nth(5)
        .is_some_and(|r| r.starts_with(&format!("{other}/")))
    {
        (
            "an ARN of another type",
            format!("{path} is a {other_name} ARN, but a {kind} can only import a {kind}"),
            "manifest::import_type",
        )
    } else {
        (
            "not in the expected form",
            format!("invalid {path}: `{}`", shorten(arn)),
            "manifest::import_arn",
        )
    };
    let issue = cx
        .issue(value.span.clone(), label, message)
        .help(format!(
            "import takes the ARN of an existing {kind} to adopt into this stack; {}",
            rule.help
        ))
        .code(code);
    cx.push(issue);
    None
}

pub(super) fn destination(cx: &mut Cx<'_>, field: &Field<'_>, path: &Path) {
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
                .help(help)
                .code("manifest::destination_missing");
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
                    .help("a logging configuration delivers to exactly one destination; keep one")
                    .code("manifest::destination_conflict");
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
                .help(example)
                .code("manifest::no_value");
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
                    .help(format!("{example}; {}", rule.help))
                    .code("manifest::missing_field");
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
    room_values(cx, &fields, path, references);
    let import = import(cx, &fields, path, ResourceType::Room);
    let mut facts = resource_common(cx, key, &fields, path, ResourceType::Room);
    facts.import = import;
    facts
}

/// The room fields `defaults.rooms` may give too.
pub(super) fn room_values(
    cx: &mut Cx<'_>,
    fields: &Fields<'_>,
    path: &Path,
    references: &mut Vec<Reference>,
) {
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
        room_logging_configurations(cx, &field, &path.child(field.name), references);
    }
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
                ))
                .code("manifest::missing_field");
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
                    ))
                    .code("manifest::empty_uri");
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
                .help(help)
                .code("manifest::invalid_value");
            cx.push(issue);
        }
    }
}

fn room_logging_configurations(
    cx: &mut Cx<'_>,
    field: &Field<'_>,
    path: &Path,
    references: &mut Vec<Reference>,
) {
    let help = "write a list of logging-configuration keys, `STACK/KEY` references or ARNs, \
                e.g. `[archive]`";
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
            ))
            .code("manifest::too_many_entries");
        cx.push(issue);
    }
    let mut seen: Vec<Located<&str>> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let item_path = path.index(i);
        let Some(value) = cx.string_node(
            item,
            None,
            &item_path,
            "an entry is a logging-configuration key, `STACK/KEY` or an ARN",
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
                ))
                .code("manifest::duplicate_entry");
            cx.push(issue);
            continue;
        }
        seen.push(value.clone());
        if value.value.starts_with("arn:") {
            cx.check_rule(&value, &item_path, &rules::LOGGING_CONFIGURATION_ARN);
        } else if value.value.contains('/') {
            if let Some(reference) = stack_reference(cx, &value, &item_path, path) {
                references.push(reference);
            }
        } else if cx.check_rule(&value, &item_path, &rules::LOGICAL_KEY) {
            references.push(Reference {
                list: path.to_string(),
                key: owned(value),
                stack: None,
            });
        }
    }
}

/// `STACK/KEY`: a logging configuration of another stack. Only its form is
/// checked here; whether STACK declares KEY is known at plan time.
fn stack_reference(
    cx: &mut Cx<'_>,
    value: &Located<&str>,
    item_path: &Path,
    list: &Path,
) -> Option<Reference> {
    let (stack, key) = value.value.split_once('/').unwrap_or((value.value, ""));
    let ok = |s: &str, rule: &rules::StrRule| rule.check(s).is_ok();
    if !ok(stack, &rules::STACK) || !ok(key, &rules::LOGICAL_KEY) {
        let (label, what) = if !ok(stack, &rules::STACK) {
            ("not a stack name", rules::STACK.help)
        } else {
            ("not a logical key", rules::LOGICAL_KEY.help)
        };
        let issue = cx
            .issue(
                value.span.clone(),
                label,
                format!(
                    "malformed reference in {item_path}: `{}`",
                    shorten(value.value)
                ),
            )
            .help(format!(
                "a reference to another stack's logging configuration is `STACK/KEY`, e.g. \
                 `shared/archive`; {what}"
            ))
            .code("manifest::malformed_reference");
        cx.push(issue);
        return None;
    }
    Some(Reference {
        list: list.to_string(),
        key: Located {
            value: key.to_string(),
            span: value.span.clone(),
        },
        stack: Some(Located {
            value: stack.to_string(),
            span: value.span.clone(),
        }),
    })
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
        written: fields.names(),
        import: None,
        missing_destination: false,
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
                .help(format!("{reason}; choose another key"))
                .code("manifest::reserved_tag_key");
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
