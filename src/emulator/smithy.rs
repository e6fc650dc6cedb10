//! The IVS Chat service model as data, and request validation driven by it.
//!
//! The model (`data/ivschat-service-2.json`, copied from botocore) states every
//! constraint of every input: required members, string lengths, patterns, enums,
//! integer ranges, list and map sizes, unions. Instead of restating them by hand,
//! the emulator walks the request against the model and reports every violation
//! as a `fieldList` entry. Two deliberate departures, both documented:
//!
//! - Patterns are matched against the whole value (anchored), the strict reading.
//! - `ResourceArn`'s modelled pattern has a bug (a one-character resource type
//!   that matches no real ARN); it is replaced by one accepting room and
//!   logging-configuration ARNs.

use super::wire::FieldError;
use regex::Regex;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

const MODEL_JSON: &str = include_str!("../../data/ivschat-service-2.json");

/// The replacement for `ResourceArn`'s broken pattern.
const RESOURCE_ARN_PATTERN: &str =
    "arn:aws:ivschat:[a-z0-9-]+:[0-9]+:(room|logging-configuration)/[a-zA-Z0-9-]+";

/// Where an input member travels in the HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Body,
    Uri(String),
    Query(String),
}

#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    pub shape: String,
    pub location: Location,
}

#[derive(Debug, Clone)]
pub enum Shape {
    Structure {
        members: Vec<Member>,
        required: Vec<String>,
        union: bool,
    },
    String {
        min: Option<u64>,
        max: Option<u64>,
        pattern: Option<Regex>,
        enumeration: Vec<String>,
    },
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    Boolean,
    Timestamp,
    List {
        member: String,
        min: Option<u64>,
        max: Option<u64>,
    },
    Map {
        key: String,
        value: String,
        min: Option<u64>,
        max: Option<u64>,
    },
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub name: String,
    pub method: String,
    /// The request URI template, e.g. `/CreateRoom` or `/tags/{resourceArn}`.
    pub uri: String,
    pub input: Option<String>,
    /// The success status (200, or 204 for the deletes).
    pub status: u16,
}

/// The parsed service model.
#[derive(Debug)]
pub struct ServiceModel {
    pub operations: Vec<Operation>,
    shapes: HashMap<String, Shape>,
}

/// The model, parsed once. The embedded JSON is part of the binary, so a parse
/// failure is a build defect, caught by every test.
pub fn model() -> &'static ServiceModel {
    static MODEL: OnceLock<ServiceModel> = OnceLock::new();
    MODEL.get_or_init(|| ServiceModel::parse(MODEL_JSON).expect("embedded service model is valid"))
}

fn num_u64(v: &Value, key: &str) -> Option<u64> {
    v.get(key).and_then(Value::as_f64).map(|f| f as u64)
}

fn num_i64(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_f64).map(|f| f as i64)
}

impl ServiceModel {
    pub fn parse(text: &str) -> Result<Self, String> {
        let root: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut shapes = HashMap::new();
        let raw_shapes = root["shapes"].as_object().ok_or("model has no shapes")?;
        for (name, s) in raw_shapes {
            let shape = match s["type"].as_str().unwrap_or("") {
                "structure" => {
                    let mut members = Vec::new();
                    if let Some(ms) = s["members"].as_object() {
                        for (mname, m) in ms {
                            let location =
                                match (m["location"].as_str(), m["locationName"].as_str()) {
                                    (Some("uri"), Some(n)) => Location::Uri(n.to_string()),
                                    (Some("querystring"), Some(n)) => {
                                        Location::Query(n.to_string())
                                    }
                                    _ => Location::Body,
                                };
                            members.push(Member {
                                name: mname.clone(),
                                shape: m["shape"].as_str().unwrap_or("").to_string(),
                                location,
                            });
                        }
                    }
                    let required = s["required"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(String::from))
                                .collect()
                        })
                        .unwrap_or_default();
                    Shape::Structure {
                        members,
                        required,
                        union: s["union"] == Value::Bool(true),
                    }
                }
                "string" => {
                    let raw = if name == "ResourceArn" {
                        Some(RESOURCE_ARN_PATTERN.to_string())
                    } else {
                        s["pattern"].as_str().map(String::from)
                    };
                    let pattern = match raw {
                        Some(p) => Some(
                            Regex::new(&format!("^(?:{p})$"))
                                .map_err(|e| format!("shape {name}: pattern {p}: {e}"))?,
                        ),
                        None => None,
                    };
                    let enumeration = s["enum"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(String::from))
                                .collect()
                        })
                        .unwrap_or_default();
                    Shape::String {
                        min: num_u64(s, "min"),
                        max: num_u64(s, "max"),
                        pattern,
                        enumeration,
                    }
                }
                "integer" | "long" => Shape::Integer {
                    min: num_i64(s, "min"),
                    max: num_i64(s, "max"),
                },
                "boolean" => Shape::Boolean,
                "timestamp" => Shape::Timestamp,
                "list" => Shape::List {
                    member: s["member"]["shape"].as_str().unwrap_or("").to_string(),
                    min: num_u64(s, "min"),
                    max: num_u64(s, "max"),
                },
                "map" => Shape::Map {
                    key: s["key"]["shape"].as_str().unwrap_or("").to_string(),
                    value: s["value"]["shape"].as_str().unwrap_or("").to_string(),
                    min: num_u64(s, "min"),
                    max: num_u64(s, "max"),
                },
                other => return Err(format!("shape {name}: unsupported type {other}")),
            };
            shapes.insert(name.clone(), shape);
        }
        let mut operations = Vec::new();
        for (name, op) in root["operations"]
            .as_object()
            .ok_or("model has no operations")?
        {
            operations.push(Operation {
                name: name.clone(),
                method: op["http"]["method"].as_str().unwrap_or("POST").to_string(),
                uri: op["http"]["requestUri"].as_str().unwrap_or("").to_string(),
                input: op["input"]["shape"].as_str().map(String::from),
                status: op["http"]["responseCode"].as_u64().unwrap_or(200) as u16,
            });
        }
        operations.sort_by(|a, b| a.name.cmp(&b.name));
        let model = ServiceModel { operations, shapes };
        // Every referenced shape must exist, so validation never meets a hole.
        for shape in model.shapes.values() {
            let refs: Vec<&String> = match shape {
                Shape::Structure { members, .. } => members.iter().map(|m| &m.shape).collect(),
                Shape::List { member, .. } => vec![member],
                Shape::Map { key, value, .. } => vec![key, value],
                _ => vec![],
            };
            for r in refs {
                if !model.shapes.contains_key(r) {
                    return Err(format!("dangling shape reference {r}"));
                }
            }
        }
        Ok(model)
    }

    pub fn shape(&self, name: &str) -> Option<&Shape> {
        self.shapes.get(name)
    }

    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.name == name)
    }

    /// Validates `value` (the whole input: body members plus URI and query
    /// members merged in by the router) against the input shape of `operation`.
    /// Returns every violation found, in member order.
    pub fn validate_input(&self, operation: &str, value: &Value) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Some(input) = self.operation(operation).and_then(|o| o.input.as_deref()) {
            self.validate(input, value, "", &mut errors);
        }
        errors
    }

    fn validate(&self, shape_name: &str, value: &Value, path: &str, errors: &mut Vec<FieldError>) {
        let Some(shape) = self.shapes.get(shape_name) else {
            return;
        };
        let field = if path.is_empty() {
            "body".to_string()
        } else {
            path.to_string()
        };
        match shape {
            Shape::Structure {
                members,
                required,
                union,
            } => {
                let Some(obj) = value.as_object() else {
                    errors.push(FieldError::new(field, "must be an object"));
                    return;
                };
                for r in required {
                    if obj.get(r).is_none_or(Value::is_null) {
                        errors.push(FieldError::new(join(path, r), "is required"));
                    }
                }
                let mut set = Vec::new();
                for m in members {
                    if let Some(v) = obj.get(&m.name).filter(|v| !v.is_null()) {
                        set.push(m.name.as_str());
                        self.validate(&m.shape, v, &join(path, &m.name), errors);
                    }
                }
                if *union && set.len() != 1 {
                    let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
                    errors.push(FieldError::new(
                        field,
                        format!(
                            "must set exactly one of {} (got {})",
                            names.join(", "),
                            set.len()
                        ),
                    ));
                }
            }
            Shape::String {
                min,
                max,
                pattern,
                enumeration,
            } => {
                let Some(s) = value.as_str() else {
                    errors.push(FieldError::new(field, "must be a string"));
                    return;
                };
                let len = s.chars().count() as u64;
                if let Some(min) = min.filter(|m| len < *m) {
                    errors.push(FieldError::new(
                        field,
                        format!("failed to satisfy constraint: Member must have length greater than or equal to {min}"),
                    ));
                } else if let Some(max) = max.filter(|m| len > *m) {
                    errors.push(FieldError::new(
                        field,
                        format!("failed to satisfy constraint: Member must have length less than or equal to {max}"),
                    ));
                } else if !enumeration.is_empty() && !enumeration.iter().any(|e| e == s) {
                    errors.push(FieldError::new(
                        field,
                        format!(
                            "failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                            enumeration.join(", ")
                        ),
                    ));
                } else if let Some(p) = pattern.as_ref().filter(|p| !p.is_match(s)) {
                    let shown = p.as_str().trim_start_matches("^(?:").trim_end_matches(")$");
                    errors.push(FieldError::new(
                        field,
                        format!("failed to satisfy constraint: Member must satisfy regular expression pattern: {shown}"),
                    ));
                }
            }
            Shape::Integer { min, max } => {
                let Some(n) = value.as_i64().filter(|_| !value.is_f64()) else {
                    errors.push(FieldError::new(field, "must be an integer"));
                    return;
                };
                if let Some(min) = min.filter(|m| n < *m) {
                    errors.push(FieldError::new(
                        field,
                        format!("failed to satisfy constraint: Member must have value greater than or equal to {min}"),
                    ));
                } else if let Some(max) = max.filter(|m| n > *m) {
                    errors.push(FieldError::new(
                        field,
                        format!("failed to satisfy constraint: Member must have value less than or equal to {max}"),
                    ));
                }
            }
            Shape::Boolean => {
                if !value.is_boolean() {
                    errors.push(FieldError::new(field, "must be a boolean"));
                }
            }
            Shape::Timestamp => {
                if !(value.is_string() || value.is_number()) {
                    errors.push(FieldError::new(field, "must be a timestamp"));
                }
            }
            Shape::List { member, min, max } => {
                let Some(items) = value.as_array() else {
                    errors.push(FieldError::new(field, "must be a list"));
                    return;
                };
                let n = items.len() as u64;
                if let Some(min) = min.filter(|m| n < *m) {
                    errors.push(FieldError::new(
                        field.clone(),
                        format!("failed to satisfy constraint: Member must have length greater than or equal to {min}"),
                    ));
                }
                if let Some(max) = max.filter(|m| n > *m) {
                    errors.push(FieldError::new(
                        field.clone(),
                        format!("failed to satisfy constraint: Member must have length less than or equal to {max}"),
                    ));
                }
                for item in items {
                    self.validate(member, item, &field, errors);
                }
            }
            Shape::Map {
                key,
                value: value_shape,
                min,
                max,
            } => {
                let Some(entries) = value.as_object() else {
                    errors.push(FieldError::new(field, "must be a map"));
                    return;
                };
                let n = entries.len() as u64;
                if let Some(min) = min.filter(|m| n < *m) {
                    errors.push(FieldError::new(
                        field.clone(),
                        format!(
                            "failed to satisfy constraint: Map must have at least {min} entries"
                        ),
                    ));
                }
                if let Some(max) = max.filter(|m| n > *m) {
                    errors.push(FieldError::new(
                        field.clone(),
                        format!(
                            "failed to satisfy constraint: Map must have at most {max} entries"
                        ),
                    ));
                }
                for (k, v) in entries {
                    self.validate(key, &Value::String(k.clone()), &field, errors);
                    self.validate(value_shape, v, &field, errors);
                }
            }
        }
    }
}

fn join(path: &str, member: &str) -> String {
    if path.is_empty() {
        member.to_string()
    } else {
        format!("{path}.{member}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn model_has_all_seventeen_operations() {
        let names: Vec<&str> = model().operations.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names.len(), 17, "{names:?}");
        assert_eq!(model().operation("DeleteRoom").unwrap().status, 204);
        assert_eq!(model().operation("UntagResource").unwrap().method, "DELETE");
    }

    #[test]
    fn every_pattern_compiles_anchored() {
        // Parsing compiles every pattern; check anchoring on a pattern that
        // would match anything unanchored.
        let errs = model().validate_input("CreateRoom", &json!({"name": "has space"}));
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].name, "name");
        assert!(model()
            .validate_input("CreateRoom", &json!({"name": "ok-name_1"}))
            .is_empty());
    }

    #[test]
    fn lambda_arn_allows_empty_uri() {
        let ok = json!({"identifier": "arn:aws:ivschat:us-east-1:123456789012:room/abcdefghijkl",
                        "messageReviewHandler": {"uri": ""}});
        assert!(model().validate_input("UpdateRoom", &ok).is_empty());
        let bad = json!({"identifier": "arn:aws:ivschat:us-east-1:123456789012:room/abcdefghijkl",
                         "messageReviewHandler": {"uri": "arn:aws:lambda:us-east-1:12:function:f"}});
        let errs = model().validate_input("UpdateRoom", &bad);
        assert_eq!(errs[0].name, "messageReviewHandler.uri");
    }

    #[test]
    fn constraint_classes() {
        let errs = model().validate_input(
            "CreateRoom",
            &json!({
                "maximumMessageLength": 501,
                "maximumMessageRatePerSecond": "ten",
                "messageReviewHandler": {"fallbackResult": "MAYBE"},
                "loggingConfigurationIdentifiers": ["a", "b", "c", "d"],
                "tags": {"": "v"}
            }),
        );
        let names: Vec<&str> = errs.iter().map(|e| e.name.as_str()).collect();
        assert!(names.contains(&"maximumMessageLength"));
        assert!(names.contains(&"maximumMessageRatePerSecond"));
        assert!(names.contains(&"messageReviewHandler.fallbackResult"));
        assert!(names.contains(&"loggingConfigurationIdentifiers"));
        assert!(names.contains(&"tags"));
    }

    #[test]
    fn required_and_union() {
        let errs = model().validate_input("CreateLoggingConfiguration", &json!({}));
        assert_eq!(errs[0].name, "destinationConfiguration");
        assert_eq!(errs[0].message, "is required");
        let two = json!({"destinationConfiguration": {"s3": {"bucketName": "abc"},
                          "firehose": {"deliveryStreamName": "x"}}});
        let errs = model().validate_input("CreateLoggingConfiguration", &two);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].name, "destinationConfiguration");
    }

    #[test]
    fn resource_arn_pattern_is_fixed() {
        let room =
            json!({"resourceArn": "arn:aws:ivschat:us-east-1:123456789012:room/abcdefghijkl"});
        assert!(model()
            .validate_input("ListTagsForResource", &room)
            .is_empty());
        let lc = json!({"resourceArn": "arn:aws:ivschat:us-east-1:123456789012:logging-configuration/abcdefghijkl"});
        assert!(model()
            .validate_input("ListTagsForResource", &lc)
            .is_empty());
        let other =
            json!({"resourceArn": "arn:aws:ivschat:us-east-1:123456789012:channel/abcdefghijkl"});
        assert_eq!(
            model().validate_input("ListTagsForResource", &other).len(),
            1
        );
    }
}
