//! A response example for every operation, assembled from the per-field
//! examples of its `ResultObject` schema (a field without one shows a value
//! of its type), wrapped in the success envelope.

use serde_json::{json, Map, Value};

use crate::envelope::SUCCESS_DESCRIPTION;

/// Sets `example` on each operation's 200 response that has none.
pub fn responses(doc: &mut Value) {
    let schemas = doc["components"]["schemas"].clone();
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    let ops = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut());
    for op in ops {
        let Some(content) = op.pointer_mut("/responses/200/content/application~1json") else {
            continue;
        };
        if content.get("example").is_some() {
            continue;
        }
        let schema = match content["schema"]["$ref"].as_str() {
            Some(r) => &schemas[r.rsplit('/').next().unwrap_or(r)],
            None => &content["schema"],
        };
        content["example"] = match schema.pointer("/properties/ResultObject") {
            Some(result) => enveloped(example_of(&schemas, result, 0)),
            None => example_of(&schemas, schema, 0),
        };
    }
}

/// Deeper than any wire type nests; keeps a self-referring schema finite.
const MAX_DEPTH: usize = 6;

fn example_of(schemas: &Value, schema: &Value, depth: usize) -> Value {
    if let Some(own) = schema
        .get("example")
        .or_else(|| schema.get("examples").and_then(|e| e.get(0)))
    {
        return own.clone();
    }
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    if let Some(name) = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        return example_of(schemas, &schemas[name], depth + 1);
    }
    if let Some(options) = schema["oneOf"].as_array() {
        let real = options.iter().find(|o| o["type"] != "null");
        return real.map_or(Value::Null, |o| example_of(schemas, o, depth + 1));
    }
    if let Some(parts) = schema["allOf"].as_array() {
        let mut merged = Map::new();
        for part in parts {
            if let Value::Object(fields) = example_of(schemas, part, depth + 1) {
                merged.extend(fields);
            }
        }
        return Value::Object(merged);
    }
    if let Some(props) = schema["properties"].as_object() {
        let fields = props
            .iter()
            .map(|(k, v)| (k.clone(), example_of(schemas, v, depth + 1)));
        return Value::Object(fields.collect());
    }
    by_type(schemas, schema, depth)
}

fn by_type(schemas: &Value, schema: &Value, depth: usize) -> Value {
    let ty = match &schema["type"] {
        Value::Array(types) => types.iter().find(|t| *t != "null").cloned(),
        other => Some(other.clone()),
    };
    match ty.as_ref().and_then(Value::as_str) {
        Some("array") => json!([example_of(schemas, &schema["items"], depth + 1)]),
        Some("integer") => json!(0),
        Some("number") => json!(0),
        Some("boolean") => json!(false),
        Some("string") => schema["enum"].get(0).cloned().unwrap_or(json!("")),
        _ => Value::Null,
    }
}

/// The success envelope around `result_object`.
fn enveloped(result_object: Value) -> Value {
    json!({"ResultObject": result_object, "Result": 0,
        "ReturnDescription": SUCCESS_DESCRIPTION, "ApprovalRefNumber": 0})
}
