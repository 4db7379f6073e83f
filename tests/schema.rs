//! The committed JSON Schema and OpenAPI document are exactly what the code generates;
//! the schema describes the limits of the spec, and the OpenAPI document's schemas
//! describe what the API's wire types serialize.

mod common;

use std::path::Path;

use serde_json::{Value, json};
use socialform::api::openapi::{OPENAPI, OPENAPI_FILE, document, openapi_text};
use socialform::api::{
    CatalogAnswer, ErrorBody, ErrorCode, PAGE_SIZE, Page, RefusalReason, WriteBody,
};
use socialform::catalog::Catalog;
use socialform::model::{Kind, LiveResource, Resource};
use socialform::rules::schema::{SCHEMA_FILE, json_schema, schema_text};
use strum::IntoEnumIterator;

#[test]
fn committed_schema_matches_the_code() {
    common::assert_committed(SCHEMA_FILE, &schema_text());
}

#[test]
fn committed_openapi_matches_the_code() {
    common::assert_committed(OPENAPI_FILE, &openapi_text());
    // What the server serves is the committed file.
    if !common::blessing() {
        assert_eq!(OPENAPI, openapi_text());
    }
}

#[test]
fn schema_openapi_prints_the_document() {
    let out = common::socialform(&common::root(), &["schema", "openapi"]).output();
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    assert_eq!(common::text(&out.stdout), openapi_text());
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("api/openapi.json");
    let arg = target.to_string_lossy().into_owned();
    let out = common::socialform(tmp.path(), &["schema", "openapi", "--out", &arg]).output();
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), openapi_text());
    // A document it does not make is a usage error (exit 1), naming the ones it makes.
    let out = common::socialform(tmp.path(), &["schema", "graphql"]).output();
    assert_eq!(out.status.code(), Some(1));
    assert!(common::text(&out.stderr).contains("config, openapi"));
}

/// Follows a local `$ref` of the document.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v["$ref"].as_str() {
        Some(r) => {
            let pointer = r.strip_prefix('#').unwrap();
            resolve(doc, doc.pointer(pointer).unwrap_or_else(|| panic!("{r}")))
        }
        None => v,
    }
}

#[test]
fn every_error_status_answers_the_error_object() {
    let doc = document();
    let mut errors = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(!responses.is_empty(), "{method} {path}");
            for (status, answer) in responses {
                let answer = resolve(doc, answer);
                assert!(
                    answer["description"].is_string(),
                    "{method} {path} {status}"
                );
                if status.as_str() >= "400" {
                    errors += 1;
                    assert_eq!(
                        answer["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/Error",
                        "{method} {path} {status}"
                    );
                }
            }
            let public = op.get("security") == Some(&json!([]));
            assert_eq!(public, path == "/openapi.json", "{method} {path}");
            if !public {
                assert!(responses.contains_key("401"), "{method} {path}");
                assert!(responses.contains_key("429"), "{method} {path}");
            }
        }
    }
    assert!(errors > 50, "{errors}");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_codes_and_parameters_are_the_types() {
    let doc = document();
    let error = &doc["components"]["schemas"]["Error"];
    let codes: Vec<String> = ErrorCode::iter().map(|c| c.as_str().to_string()).collect();
    assert_eq!(strings(&error["properties"]["code"]["enum"]), codes);
    let reasons: Vec<String> = RefusalReason::iter()
        .map(|c| c.as_str().to_string())
        .collect();
    assert_eq!(strings(&error["properties"]["reason"]["enum"]), reasons);
    assert_eq!(strings(&error["required"]), ["code", "message"]);
    let list = &doc["paths"]["/v1/workspaces/{workspace}/resources"]["get"]["parameters"];
    let limit = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(limit["in"], "query");
    assert_eq!(
        limit["schema"],
        json!({"type": "integer", "minimum": 1, "maximum": PAGE_SIZE})
    );
    assert!(
        limit["description"]
            .as_str()
            .unwrap()
            .contains("not clamped")
    );
    // No `null` anywhere: the API leaves an absent value out.
    assert!(!openapi_text().contains("\"null\""));
}

/// Validates `value` against a component schema of the generated document.
fn check(component: &str, value: &Value) -> Vec<String> {
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{component}"),
        "components": document()["components"],
    });
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator
        .iter_errors(value)
        .map(|e| e.to_string())
        .collect()
}

fn catalog() -> Catalog {
    let text =
        std::fs::read_to_string(common::root().join("tests/fixtures/cycle/basic/catalog.toml"))
            .unwrap();
    toml::from_str(&text).unwrap()
}

fn live(address: &str, kind: Kind, marks: bool) -> LiveResource {
    let fields = [
        ("name".to_string(), json!("x")),
        ("n".into(), json!([1, {"a": null}])),
    ]
    .into_iter()
    .collect();
    LiveResource {
        resource: Resource::new(address, kind, fields),
        version: 7,
        managed_by: marks.then(|| "socialform".into()),
        applied_hash: marks.then(|| "ab".repeat(32)),
        applied_by: marks.then(|| "git:x/cycle".into()),
    }
}

#[test]
fn the_schemas_take_what_the_types_serialize() {
    let catalog = catalog();
    assert!(!catalog.mailboxes.is_empty() && !catalog.bots.is_empty());
    let answer = serde_json::to_value(CatalogAnswer {
        workspace: "cycle".into(),
        catalog: catalog.clone(),
    })
    .unwrap();
    assert_eq!(check("CatalogAnswer", &answer), Vec::<String>::new());
    assert_eq!(
        check(
            "Catalog",
            &serde_json::to_value(Catalog::default()).unwrap()
        ),
        Vec::<String>::new()
    );
    for kind in Kind::iter() {
        for marks in [false, true] {
            let page = Page {
                revision: 3,
                resources: vec![live("profile.a", kind, marks), live("b", kind, marks)],
                next: marks.then(|| "b".into()),
            };
            let v = serde_json::to_value(&page).unwrap();
            assert_eq!(check("Page", &v), Vec::<String>::new(), "{v}");
            let write = WriteBody {
                resource: page.resources[0].resource.clone(),
                applied_hash: marks.then(|| "h".into()),
                applied_by: None,
            };
            let v = serde_json::to_value(&write).unwrap();
            assert_eq!(check("WriteBody", &v), Vec::<String>::new(), "{v}");
        }
    }
    for code in ErrorCode::iter() {
        let body = ErrorBody {
            code: code.as_str().into(),
            message: "m".into(),
            ..ErrorBody::default()
        };
        let v = serde_json::to_value(&body).unwrap();
        assert_eq!(check("Error", &v), Vec::<String>::new(), "{v}");
    }
    let refusal = ErrorBody {
        code: "refused".into(),
        message: "m".into(),
        current_version: Some(4),
        reason: Some(RefusalReason::UnknownFlow.as_str().into()),
        subject: Some("f".into()),
    };
    let v = serde_json::to_value(&refusal).unwrap();
    assert_eq!(check("Error", &v), Vec::<String>::new(), "{v}");
}

#[test]
fn the_schemas_refuse_what_the_types_refuse() {
    // A catalog entry with a key the type does not know: both refuse it.
    let mut v = serde_json::to_value(catalog()).unwrap();
    v["mailboxes"][0]["folders"][0]["colour"] = json!("red");
    assert!(serde_json::from_value::<Catalog>(v.clone()).is_err());
    assert!(!check("Catalog", &v).is_empty());
    // A write with an unknown key, a kind that does not exist, no resource.
    let good = serde_json::to_value(WriteBody {
        resource: live("contacts", Kind::Contacts, false).resource,
        applied_hash: None,
        applied_by: None,
    })
    .unwrap();
    let mut extra = good.clone();
    extra["force"] = json!(true);
    let mut kind = good.clone();
    kind["resource"]["kind"] = json!("robot");
    for bad in [extra, kind, json!({})] {
        assert!(
            serde_json::from_value::<WriteBody>(bad.clone()).is_err(),
            "{bad}"
        );
        assert!(!check("WriteBody", &bad).is_empty(), "{bad}");
    }
    // The server refuses an address out of 1..=512 bytes; the schema says so.
    let mut long = good.clone();
    long["resource"]["address"] = json!("a".repeat(513));
    assert!(!check("WriteBody", &long).is_empty());
    let mut empty = good;
    empty["resource"]["address"] = json!("");
    assert!(!check("WriteBody", &empty).is_empty());
    // An error without a message, a version below 1.
    assert!(!check("Error", &json!({"code": "internal"})).is_empty());
    let mut l = serde_json::to_value(live("contacts", Kind::Contacts, true)).unwrap();
    l["version"] = json!(0);
    assert!(!check("LiveResource", &l).is_empty());
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
