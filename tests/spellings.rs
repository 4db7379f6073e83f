//! Every enum that has a spelling has it once: serde's `rename_all` and strum's
//! `serialize_all` are declared side by side, and this test holds them equal for every
//! value, both ways. The documents that list spellings (the configuration schema's
//! condition fields and operators, the OpenAPI document's kinds) list the same.

use std::fmt::Debug;
use std::str::FromStr;

use serde::Serialize;
use serde_json::Value;
use strum::IntoEnumIterator;

fn agree<T>()
where
    T: IntoEnumIterator + Serialize + FromStr + PartialEq + Debug + Copy,
    &'static str: From<T>,
{
    let mut n = 0;
    for value in T::iter() {
        let strum: &'static str = value.into();
        let serde = serde_json::to_value(value).unwrap();
        assert_eq!(serde, Value::String(strum.to_string()), "{value:?}");
        assert_eq!(T::from_str(strum).ok(), Some(value), "{value:?}");
        n += 1;
    }
    assert!(n > 0, "{}: no values", std::any::type_name::<T>());
}

#[test]
fn serde_and_strum_spell_every_value_alike() {
    agree::<socialform::model::Channel>();
    agree::<socialform::model::Kind>();
    agree::<socialform::plan::Action>();
    agree::<socialform::rules::AttributeType>();
    agree::<socialform::diagnostics::Severity>();
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_schema_spells_condition_fields_and_operators_as_the_parser() {
    use socialform::rules::proactive::conditions::{Field, Op};
    let schema = socialform::rules::schema::json_schema();
    let fields: Vec<String> = Field::iter().map(|f| f.as_str().to_string()).collect();
    let ops: Vec<String> = Op::iter().map(|o| o.as_str().to_string()).collect();
    assert_eq!(strings(&schema["$defs"]["FieldName"]["enum"]), fields);
    assert_eq!(strings(&schema["$defs"]["OpName"]["enum"]), ops);
}

#[test]
fn the_openapi_document_lists_every_kind() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/openapi.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let kinds: Vec<String> = socialform::model::Kind::all()
        .map(|k| k.as_str().to_string())
        .collect();
    assert_eq!(
        strings(&doc["components"]["schemas"]["Kind"]["enum"]),
        kinds
    );
}
