//! `schemas/ivsctl.schema.json` is generated from the manifest's Rust types;
//! this test fails when the committed file is stale. Rerun with
//! `IVSCTL_BLESS=1` to rewrite it.

use ivsctl::manifest::json_schema;

const PATH: &str = "schemas/ivsctl.schema.json";

#[test]
fn committed_schema_is_fresh() {
    let generated = json_schema();
    if std::env::var_os("IVSCTL_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(PATH, &generated).expect("write the schema");
        return;
    }
    let committed = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(
        committed == generated,
        "{PATH} is stale: the manifest types changed. Rerun with IVSCTL_BLESS=1 to rewrite it, and commit it."
    );
}

#[test]
fn schema_is_json_with_the_manifest_fields() {
    let schema: serde_json::Value = serde_json::from_str(&json_schema()).expect("valid JSON");
    let properties = schema["properties"]
        .as_object()
        .expect("top-level properties");
    let mut names: Vec<&str> = properties.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "defaults",
            "loggingConfigurations",
            "moved",
            "region",
            "rooms",
            "stack",
            "tags",
            "vars",
            "version"
        ]
    );
    // `x-` keys are allowed (and ignored) at the top level.
    assert!(schema["patternProperties"]["^x-"].is_object());
    assert_eq!(schema["required"], serde_json::json!(["version", "stack"]));
    assert_eq!(schema["additionalProperties"], serde_json::json!(false));
    let room = &schema["$defs"]["Room"]["properties"];
    assert_eq!(room["maximumMessageLength"]["maximum"], 500);
    assert_eq!(room["maximumMessageRatePerSecond"]["maximum"], 100);
    assert_eq!(room["loggingConfigurations"]["maxItems"], 3);
    // Every checked value also takes a `${NAME}` variable; keys do not.
    let length = &room["maximumMessageLength"];
    assert!(length["type"]
        .as_array()
        .is_some_and(|t| t.contains(&"string".into())));
    assert_eq!(length["pattern"], r"\$\{[A-Za-z_][A-Za-z0-9_]*\}");
    assert!(schema["properties"]["rooms"]["propertyNames"]["pattern"]
        .as_str()
        .is_some_and(|p| !p.contains(r"\$\{")));
    let entry = room["loggingConfigurations"]["items"]["pattern"]
        .as_str()
        .unwrap_or_default();
    assert!(entry.contains("{1,64}/"), "STACK/KEY references: {entry}");
    assert!(room["import"]["pattern"]
        .as_str()
        .is_some_and(|p| p.contains(":room/")));
    let lc = &schema["$defs"]["LoggingConfiguration"]["properties"];
    assert!(lc["import"]["pattern"]
        .as_str()
        .is_some_and(|p| p.contains(":logging-configuration/")));
    let defaults = &schema["$defs"]["Defaults"]["properties"];
    assert!(defaults["rooms"].is_object() && defaults["loggingConfigurations"].is_object());
    let room_defaults = &schema["$defs"]["RoomDefaults"]["properties"];
    assert!(room_defaults.get("name").is_none() && room_defaults.get("import").is_none());
    assert_eq!(
        schema["$defs"]["Move"]["oneOf"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(
        schema["properties"]["vars"]["propertyNames"]["pattern"],
        "^[A-Za-z_][A-Za-z0-9_]*$"
    );
    let destination = &schema["$defs"]["Destination"];
    assert_eq!(
        (
            destination["minProperties"].as_u64(),
            destination["maxProperties"].as_u64()
        ),
        (Some(1), Some(1))
    );
}
