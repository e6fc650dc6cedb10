//! `ivsctl output`: the key, ARN and id of every resource of the stacks of a
//! run, as a table per stack (`human`) or one JSON document (`json`;
//! docs/usage.md, "output", describes both).
//!
//! A key the manifest declares that no live resource has yet is listed with
//! no ARN (`(not created)`, JSON `null`); a resource the stack owns that the
//! manifest no longer declares is listed like the others (it is the stack's
//! until apply deletes it). Text from the account is shown with control
//! characters spelled out.

use super::value::bare;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The version of the JSON document.
pub const OUTPUTS_FORMAT_VERSION: &str = "1";

/// A live resource's identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ids {
    pub arn: String,
    pub id: String,
}

/// One stack's resources by key; `None`: declared, not created yet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StackOutputs {
    pub stack: String,
    pub region: String,
    pub logging_configurations: BTreeMap<String, Option<Ids>>,
    pub rooms: BTreeMap<String, Option<Ids>>,
}

impl StackOutputs {
    /// (type, key, identifiers), logging configurations first, each in key order.
    fn rows(&self) -> impl Iterator<Item = (&'static str, &str, Option<&Ids>)> {
        let lcs = self.logging_configurations.iter();
        let lcs = lcs.map(|(k, v)| ("loggingConfiguration", k.as_str(), v.as_ref()));
        let rooms = self.rooms.iter();
        lcs.chain(rooms.map(|(k, v)| ("room", k.as_str(), v.as_ref())))
    }
}

/// Writes the stacks' outputs, as JSON when `json`, else as tables.
pub fn render_outputs(stacks: &[StackOutputs], json: bool, out: &mut dyn Write) -> io::Result<()> {
    if json {
        render_json(stacks, out)
    } else {
        render_human(stacks, out)
    }
}

/// ```text
/// stack prod-chat in us-west-2
/// TYPE                  KEY      ARN                                 ID
/// loggingConfiguration  archive  arn:aws:ivschat:...:logging-con...  AbCd...
/// room                  vip      (not created)                       -
/// ```
fn render_human(stacks: &[StackOutputs], out: &mut dyn Write) -> io::Result<()> {
    for (i, s) in stacks.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "stack {} in {}", bare(&s.stack), bare(&s.region))?;
        let mut table = vec![["TYPE".to_string(), "KEY".into(), "ARN".into(), "ID".into()]];
        for (kind, key, ids) in s.rows() {
            let (arn, id) = match ids {
                Some(ids) => (bare(&ids.arn), bare(&ids.id)),
                None => ("(not created)".to_string(), "-".to_string()),
            };
            table.push([kind.to_string(), bare(key), arn, id]);
        }
        if table.len() == 1 {
            writeln!(
                out,
                "no resources: the manifest declares none, and the stack owns none"
            )?;
            continue;
        }
        let width = |c: usize| {
            table
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        };
        let widths = [width(0), width(1), width(2)];
        for row in &table {
            writeln!(
                out,
                "{:w0$}  {:w1$}  {:w2$}  {}",
                row[0],
                row[1],
                row[2],
                row[3],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2]
            )?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct Document<'a> {
    format_version: &'static str,
    stacks: Vec<JsonStack<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonStack<'a> {
    stack: &'a str,
    region: &'a str,
    logging_configurations: BTreeMap<&'a str, JsonIds<'a>>,
    rooms: BTreeMap<&'a str, JsonIds<'a>>,
}

/// `{"arn": ..., "id": ...}`, both `null` when not created.
#[derive(Serialize)]
struct JsonIds<'a> {
    arn: Option<&'a str>,
    id: Option<&'a str>,
}

fn json_ids(m: &BTreeMap<String, Option<Ids>>) -> BTreeMap<&str, JsonIds<'_>> {
    m.iter()
        .map(|(k, v)| {
            let ids = JsonIds {
                arn: v.as_ref().map(|i| i.arn.as_str()),
                id: v.as_ref().map(|i| i.id.as_str()),
            };
            (k.as_str(), ids)
        })
        .collect()
}

fn render_json(stacks: &[StackOutputs], out: &mut dyn Write) -> io::Result<()> {
    let doc = Document {
        format_version: OUTPUTS_FORMAT_VERSION,
        stacks: stacks
            .iter()
            .map(|s| JsonStack {
                stack: &s.stack,
                region: &s.region,
                logging_configurations: json_ids(&s.logging_configurations),
                rooms: json_ids(&s.rooms),
            })
            .collect(),
    };
    let text = serde_json::to_string_pretty(&doc)?;
    writeln!(out, "{text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Vec<StackOutputs> {
        let ids = |arn: &str, id: &str| {
            Some(Ids {
                arn: arn.into(),
                id: id.into(),
            })
        };
        vec![StackOutputs {
            stack: "prod-chat".into(),
            region: "us-west-2".into(),
            logging_configurations: BTreeMap::from([(
                "archive".to_string(),
                ids(
                    "arn:aws:ivschat:us-west-2:123456789012:logging-configuration/ArChIvEaRcHi",
                    "ArChIvEaRcHi",
                ),
            )]),
            rooms: BTreeMap::from([
                (
                    "lobby".to_string(),
                    ids(
                        "arn:aws:ivschat:us-west-2:123456789012:room/AbCdEfGhIjKl",
                        "AbCdEfGhIjKl",
                    ),
                ),
                ("vip\x1b".to_string(), None),
            ]),
        }]
    }

    fn render(json: bool) -> String {
        let mut out = Vec::new();
        render_outputs(&example(), json, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn human_is_an_aligned_table_per_stack() {
        let mut stacks = example();
        stacks.push(StackOutputs {
            stack: "quiet".into(),
            region: "eu-west-1".into(),
            ..StackOutputs::default()
        });
        let mut out = Vec::new();
        render_outputs(&stacks, false, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "stack prod-chat in us-west-2\n\
             TYPE                  KEY        ARN                                                                        ID\n\
             loggingConfiguration  archive    arn:aws:ivschat:us-west-2:123456789012:logging-configuration/ArChIvEaRcHi  ArChIvEaRcHi\n\
             room                  lobby      arn:aws:ivschat:us-west-2:123456789012:room/AbCdEfGhIjKl                   AbCdEfGhIjKl\n\
             room                  vip\\u{1b}  (not created)                                                              -\n\
             \n\
             stack quiet in eu-west-1\n\
             no resources: the manifest declares none, and the stack owns none\n"
        );
    }

    #[test]
    fn json_has_null_identifiers_for_keys_not_created() {
        let doc: serde_json::Value = serde_json::from_str(&render(true)).unwrap();
        assert_eq!(doc["format_version"], "1");
        let stack = &doc["stacks"][0];
        assert_eq!(stack["stack"], "prod-chat");
        assert_eq!(stack["region"], "us-west-2");
        assert_eq!(
            stack["loggingConfigurations"]["archive"]["id"],
            "ArChIvEaRcHi"
        );
        assert_eq!(stack["rooms"]["lobby"]["id"], "AbCdEfGhIjKl");
        assert_eq!(
            stack["rooms"]["vip\u{1b}"],
            serde_json::json!({"arn": null, "id": null})
        );
    }
}
