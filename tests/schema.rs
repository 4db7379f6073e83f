//! The committed JSON Schema is exactly what the code generates, and it describes the
//! limits of the spec.

mod common;

use std::path::Path;

use socialform::rules::schema::{SCHEMA_FILE, json_schema, schema_text};

#[test]
fn committed_schema_matches_the_code() {
    common::assert_committed(SCHEMA_FILE, &schema_text());
}

#[test]
fn schema_carries_the_limits() {
    let s = json_schema();
    let variant = |channel: &str| {
        s["$defs"]["Profile"]["allOf"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["if"]["properties"]["channel"]["const"] == channel)
            .map(|b| b["then"].clone())
            .unwrap()
    };
    let fb = variant("facebook");
    assert_eq!(fb["properties"]["greeting"]["maxLength"], 160);
    // Limits that depend on the target (6 or 4 ice breakers) are the rules', not the
    // schema's: the schema holds what every target shares.
    assert!(fb["properties"]["ice_breakers"].get("maxItems").is_none());
    assert_eq!(fb["properties"]["whitelisted_domains"]["maxItems"], 50);
    assert_eq!(fb["additionalProperties"], false);
    assert_eq!(s["properties"]["groups"]["maxProperties"], 20);
    assert_eq!(s["properties"]["proactive_messages"]["maxProperties"], 140);
    assert_eq!(
        s["properties"]["profiles"]["propertyNames"]["pattern"],
        "^[a-z][a-z0-9_]{0,62}$"
    );
    assert_eq!(
        variant("x")["properties"]["account"]["pattern"],
        "^@[A-Za-z0-9_]{1,15}$"
    );
    assert_eq!(
        variant("whatsapp")["properties"]["websites"]["items"]["maxLength"],
        256
    );
    let vertical = &s["$defs"]["Vertical"]["enum"];
    assert_eq!(vertical.as_array().unwrap().len(), 19);
    assert!(s["$defs"]["Workspace"]["properties"]["prune"]["description"].is_string());
}

#[test]
fn examples_point_at_the_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for example in [
        "examples/acme/socialform.toml",
        "examples/acme/profiles/x.toml",
        "examples/minimal/socialform.toml",
    ] {
        let file = root.join(example);
        let text = std::fs::read_to_string(&file).unwrap();
        let first = text.lines().next().unwrap();
        let rel = first
            .strip_prefix("#:schema ")
            .expect("first line is a #:schema comment");
        let target = file.parent().unwrap().join(rel);
        assert!(
            target.canonicalize().unwrap().ends_with(SCHEMA_FILE),
            "{example} points at {rel}"
        );
    }
}
