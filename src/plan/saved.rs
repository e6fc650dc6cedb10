//! The saved-plan file (`plan --out`): a versioned JSON envelope around a
//! `Plan`, which already records the writes and what was observed of every
//! resource it touches.

use super::{Plan, FORMAT_VERSION};
use serde::{Deserialize, Serialize};

const KIND: &str = "ivsctl-saved-plan";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Envelope {
    kind: String,
    format_version: String,
    ivsctl_version: String,
    /// The manifest declared no resource (apply then needs --allow-empty to delete).
    #[serde(default)]
    manifest_empty: bool,
    plan: Plan,
}

/// A saved plan as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedPlan {
    pub plan: Plan,
    pub manifest_empty: bool,
}

/// The file's text.
pub fn to_json(plan: &Plan, manifest_empty: bool) -> String {
    let env = Envelope {
        kind: KIND.to_string(),
        format_version: FORMAT_VERSION.to_string(),
        ivsctl_version: env!("CARGO_PKG_VERSION").to_string(),
        manifest_empty,
        plan: plan.clone(),
    };
    let mut text = serde_json::to_string_pretty(&env).unwrap_or_default();
    text.push('\n');
    text
}

/// Reads a saved plan; the error says what is wrong with the file.
pub fn from_json(text: &str) -> Result<SavedPlan, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not a saved plan (invalid JSON: {e})"))?;
    if value.get("kind").and_then(|k| k.as_str()) != Some(KIND) {
        return Err(format!(
            "not a saved plan (no \"kind\": \"{KIND}\"); create one with `ivsctl plan --out FILE`"
        ));
    }
    let version = value
        .get("format_version")
        .and_then(|v| v.as_str())
        .unwrap_or("?");
    if version != FORMAT_VERSION {
        return Err(format!(
            "saved-plan format version {version} is not supported by this ivsctl (it reads {FORMAT_VERSION}); plan again"
        ));
    }
    let env: Envelope =
        serde_json::from_value(value).map_err(|e| format!("damaged saved plan: {e}"))?;
    Ok(SavedPlan {
        plan: env.plan,
        manifest_empty: env.manifest_empty,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let plan = Plan {
            format_version: FORMAT_VERSION.into(),
            stack: "s".into(),
            region: "us-east-1".into(),
            resource_changes: vec![],
        };
        assert_eq!(
            from_json(&to_json(&plan, true)).unwrap(),
            SavedPlan {
                plan: plan.clone(),
                manifest_empty: true
            }
        );
        assert!(from_json("{").unwrap_err().contains("invalid JSON"));
        assert!(from_json("{}").unwrap_err().contains("not a saved plan"));
        let future =
            to_json(&plan, false).replace("\"format_version\": \"1\"", "\"format_version\": \"9\"");
        assert!(from_json(&future).unwrap_err().contains("version 9"));
    }
}
