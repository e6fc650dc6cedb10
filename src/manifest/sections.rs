//! The per-file checks of the top-level sections that are not resources:
//! `defaults` (the stack's default field values, checked like a room or a
//! logging configuration without a key) and `moved` (address changes).
//! What needs the whole stack (conflicting defaults, `to` declared, no
//! address twice) is in `stackwide.rs`.

use crate::model::{Address, ResourceType};

use super::diagnostics::Path;
use super::read::{describe, shorten, Cx, Field, Fields, Located};
use super::resources::{self, LOGGING_CONFIGURATION_FIELDS, NOT_DEFAULTABLE, ROOM_FIELDS};
use super::rules;
use super::validate::{owned, DefaultFacts, FileFacts, MoveFacts};

const DEFAULTS_FIELDS: &[&str] = &["rooms", "loggingConfigurations"];
const MOVED_FIELDS: &[&str] = &["from", "to", "fromStack"];
const MOVED_HELP: &str = "each `moved` entry is `{from: rooms.OLD, to: rooms.NEW}` (or \
    `loggingConfigurations.OLD` / `.NEW`) or `{fromStack: OLD_STACK}`";
const ADDRESS_HELP: &str =
    "an address is `rooms.KEY` or `loggingConfigurations.KEY`, with KEY a logical key";

/// `defaults: {rooms: {...}, loggingConfigurations: {...}}`.
pub fn defaults(cx: &mut Cx<'_>, field: &Field<'_>, facts: &mut FileFacts) {
    let path = Path::root().child("defaults");
    let help = "defaults maps `rooms` and `loggingConfigurations` to field values every \
                resource of that type takes unless it sets the field, e.g. \
                `{rooms: {maximumMessageLength: 200}}`";
    let Some(map) = cx.mapping(field, &path, true, help) else {
        return;
    };
    let fields = cx.fields(map, &path, DEFAULTS_FIELDS);
    for (name, resource_type, known) in [
        ("rooms", ResourceType::Room, ROOM_FIELDS),
        (
            "loggingConfigurations",
            ResourceType::LoggingConfiguration,
            LOGGING_CONFIGURATION_FIELDS,
        ),
    ] {
        let Some(section) = fields.present(name) else {
            continue;
        };
        let path = path.child(name);
        let help = format!("{path} is a mapping of field values, e.g. `{{protect: true}}`");
        let Some(spec) = cx.mapping(&section, &path, true, &help) else {
            continue;
        };
        let spec_fields = cx.fields(spec, &path, known);
        not_defaultable(cx, &spec_fields, &path, resource_type);
        match resource_type {
            ResourceType::Room => {
                let mut references = Vec::new();
                resources::room_values(cx, &spec_fields, &path, &mut references);
                facts.references.extend(references);
            }
            ResourceType::LoggingConfiguration => {
                if let Some(destination) = spec_fields.present("destination") {
                    resources::destination(cx, &destination, &path.child("destination"));
                }
            }
        }
        let tags = spec_fields
            .present("tags")
            .and_then(|f| resources::tags(cx, &f, &path.child("tags")));
        let protect = spec_fields
            .present("protect")
            .and_then(|f| cx.boolean(&f, &path.child("protect")));
        let given = spec_fields
            .names()
            .into_iter()
            .filter(|n| !NOT_DEFAULTABLE.contains(n))
            .filter_map(|n| spec_fields.present(n).map(|f| (n, f.key.span.clone())))
            .collect();
        facts.defaults.push(DefaultFacts {
            resource_type,
            fields: given,
            tags,
            protect,
        });
    }
}

/// `name` and `import` belong to one resource each.
fn not_defaultable(cx: &mut Cx<'_>, fields: &Fields<'_>, path: &Path, resource_type: ResourceType) {
    for name in NOT_DEFAULTABLE {
        let Some(field) = fields.get(name) else {
            continue;
        };
        let why = match *name {
            "name" => "each resource's name defaults to its logical key",
            _ => "an import adopts one existing resource under one key",
        };
        let issue = cx
            .issue(
                field.key.span.clone(),
                "no default for this field",
                format!("{path} cannot give `{name}`"),
            )
            .help(format!(
                "{why}: set `{name}` on the {} itself",
                match resource_type {
                    ResourceType::Room => "room",
                    ResourceType::LoggingConfiguration => "logging configuration",
                }
            ))
            .code("manifest::default_not_allowed");
        cx.push(issue);
    }
}

/// `moved: [{from: rooms.old, to: rooms.new}, {fromStack: old}]`.
pub fn moved(cx: &mut Cx<'_>, field: &Field<'_>) -> Vec<MoveFacts> {
    let path = Path::root().child("moved");
    let Some(items) = cx.sequence(field, &path, MOVED_HELP) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let item_path = path.index(i);
        if item.as_mapping().is_none() {
            let span = if item.is_compact(cx.text()) {
                item.span.clone()
            } else {
                item.span.with_range(item.span.start, item.span.start)
            };
            let issue = cx
                .issue(
                    span,
                    "expected a mapping",
                    format!(
                        "{item_path} must be a mapping, found {}",
                        describe(item, cx.text())
                    ),
                )
                .help(MOVED_HELP)
                .code("manifest::moved_entry");
            cx.push(issue);
            continue;
        }
        let fields = cx.fields(item, &item_path, MOVED_FIELDS);
        let (from, to, from_stack) = (
            fields.get("from"),
            fields.get("to"),
            fields.get("fromStack"),
        );
        let entry_span = item
            .span
            .with_range(item.span.start, item.span.start + 1.min(item.span.len()));
        match (from, to, from_stack) {
            (None, None, Some(fs)) => {
                let fs_path = item_path.child("fromStack");
                if let Some(name) = cx.checked_string(&fs, &fs_path, &rules::STACK) {
                    out.push(MoveFacts::Stack {
                        from_stack: owned(name),
                    });
                }
            }
            (from, _, Some(fs)) => {
                let other = if from.is_some() { "from" } else { "to" };
                let issue = cx
                    .issue(
                        fs.key.span.clone(),
                        "with `from`/`to`",
                        format!("{item_path} mixes `fromStack` with `{other}`"),
                    )
                    .help(format!(
                        "an entry either moves one address or takes over a whole stack: \
                         write two entries; {MOVED_HELP}"
                    ))
                    .code("manifest::moved_entry");
                cx.push(issue);
            }
            (None, None, None) => {
                if MOVED_FIELDS.iter().any(|f| fields.misspelled(f)) {
                    continue;
                }
                let issue = cx
                    .issue(
                        entry_span,
                        "no `from`/`to` or `fromStack`",
                        format!("{item_path} names nothing to move"),
                    )
                    .help(MOVED_HELP)
                    .code("manifest::moved_entry");
                cx.push(issue);
            }
            (Some(one), None, None) | (None, Some(one), None) => {
                let missing = if one.name == "from" { "to" } else { "from" };
                if fields.misspelled(missing) {
                    continue;
                }
                let issue = cx
                    .issue(
                        one.key.span.clone(),
                        format!("no `{missing}`"),
                        format!("{item_path} has `{}` but no `{missing}`", one.name),
                    )
                    .help(MOVED_HELP)
                    .code("manifest::moved_entry");
                cx.push(issue);
                address(cx, &one, &item_path.child(one.name));
            }
            (Some(from), Some(to), None) => {
                let from_address = address(cx, &from, &item_path.child("from"));
                let to_address = address(cx, &to, &item_path.child("to"));
                let (Some(from), Some(to)) = (from_address, to_address) else {
                    continue;
                };
                if from.value.resource_type != to.value.resource_type {
                    let issue = cx
                        .issue(
                            to.span.clone(),
                            format!("a {}", type_name(to.value.resource_type)),
                            format!(
                                "{item_path} moves a {} to a {}",
                                type_name(from.value.resource_type),
                                type_name(to.value.resource_type)
                            ),
                        )
                        .also(cx.file, from.span.clone(), format!("a {}", type_name(from.value.resource_type)))
                        .help("a move keeps the resource: `from` and `to` are of the same type (both `rooms.` or both `loggingConfigurations.`)")
                        .code("manifest::moved_type_mismatch");
                    cx.push(issue);
                    continue;
                }
                out.push(MoveFacts::Address { from, to });
            }
        }
    }
    out
}

fn type_name(resource_type: ResourceType) -> &'static str {
    match resource_type {
        ResourceType::Room => "room",
        ResourceType::LoggingConfiguration => "logging configuration",
    }
}

/// A `rooms.KEY` / `loggingConfigurations.KEY` string.
fn address(cx: &mut Cx<'_>, field: &Field<'_>, path: &Path) -> Option<Located<Address>> {
    let value = cx.string(field, path, ADDRESS_HELP)?;
    let parsed = Address::parse(value.value).filter(|a| rules::LOGICAL_KEY.check(&a.key).is_ok());
    match parsed {
        Some(address) => Some(Located {
            value: address,
            span: value.span,
        }),
        None => {
            let help = match value.value.split_once('.') {
                Some((section, _)) if section == "room" || section == "loggingConfiguration" => {
                    format!("did you mean `{section}s.`? {ADDRESS_HELP}")
                }
                _ => ADDRESS_HELP.to_string(),
            };
            let issue = cx
                .issue(
                    value.span.clone(),
                    "not an address",
                    format!("invalid {path}: `{}`", shorten(value.value)),
                )
                .help(help)
                .code("manifest::moved_address");
            cx.push(issue);
            None
        }
    }
}
