//! Every string a request takes has a maximum length and every list a maximum
//! count, stated in `/openapi.json` and enforced: one past the bound is
//! `Result` 1 naming the field, for every operation.

use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::support::*;

/// The bound the edge puts on every string the document does not lengthen.
const EDGE_STRING_MAX: u64 = 256;

/// A caller past every scope gate, so each request reaches its parsing.
async fn every_scope(app: &TestApp) -> String {
    app.token("admin,issuer,pan,acquirer").await
}

async fn document(app: &TestApp) -> Value {
    app.raw_get("/openapi.json").await.json().await.unwrap()
}

/// The schema a property or list item stands for: itself, or what it refers
/// to (possibly wrapped as optional in `oneOf`).
fn resolve<'a>(schemas: &'a Value, prop: &'a Value) -> &'a Value {
    let wrapped = prop["oneOf"].as_array().into_iter().flatten();
    std::iter::once(prop)
        .chain(wrapped)
        .find_map(|v| v["$ref"].as_str())
        .and_then(|r| r.rsplit('/').next())
        .map_or(prop, |name| &schemas[name])
}

fn has_type(schema: &Value, wanted: &str) -> bool {
    schema["type"] == wanted
        || schema["type"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == wanted))
}

fn properties(schemas: &Value, schema: &Value) -> Map<String, Value> {
    let mut all = Map::new();
    let parts = schema["allOf"].as_array().into_iter().flatten();
    for part in std::iter::once(schema).chain(parts) {
        let part = resolve(schemas, part);
        if let Some(props) = part["properties"].as_object() {
            all.extend(props.clone());
        }
        if part != schema && part["allOf"].is_array() {
            all.extend(properties(schemas, part));
        }
    }
    all
}

/// Bodies that each put one string or list one past its bound, with the
/// field the answer must name; nested objects and lists of objects included.
fn overlong(schemas: &Value, schema: &Value, path: &str) -> Vec<(Value, String)> {
    let mut cases = Vec::new();
    for (key, prop) in properties(schemas, schema) {
        let field = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        let target = resolve(schemas, &prop);
        let wrap = |inner: Value| json!({ key.clone(): inner });
        if has_type(target, "string") {
            let max = target["maxLength"].as_u64().unwrap_or_else(|| {
                panic!("{field} has no maxLength");
            });
            // Bounds tighter than the edge's are the services' own, checked
            // where the request is otherwise sound (see their tests).
            let past = max.max(EDGE_STRING_MAX) as usize + 1;
            cases.push((wrap(json!("7".repeat(past))), field));
        } else if has_type(target, "array") {
            let max = target["maxItems"]
                .as_u64()
                .expect("every list has maxItems");
            let items = resolve(schemas, &target["items"]);
            let item = if has_type(items, "string") {
                json!("7")
            } else {
                json!({})
            };
            cases.push((wrap(json!(vec![item; max as usize + 1])), field.clone()));
            if items["properties"].is_object() || items["allOf"].is_array() {
                for (inner, named) in overlong(schemas, items, &format!("{field}[0]")) {
                    cases.push((wrap(json!([inner])), named));
                }
            }
        } else if target["properties"].is_object() || target["allOf"].is_array() {
            for (inner, named) in overlong(schemas, target, &field) {
                cases.push((wrap(inner), named));
            }
        }
    }
    cases
}

#[tokio::test]
async fn every_request_string_and_list_one_past_its_bound_is_refused_naming_it() {
    let app = TestApp::spawn().await;
    let token = every_scope(&app).await;
    let doc = document(&app).await;
    let schemas = &doc["components"]["schemas"];
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let body_schema = &op["requestBody"]["content"]["application/json"]["schema"];
            if body_schema.is_null() {
                continue;
            }
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for (body, field) in overlong(schemas, resolve(schemas, body_schema), "") {
                let (status, answer) = app
                    .call(method.clone(), path, Some(&token), Some(body))
                    .await;
                // Other fields the empty request lacks may be named too.
                assert_eq!(
                    (status.as_u16(), &answer["Result"]),
                    (200, &json!(1)),
                    "{method} {path} {field}: {answer}"
                );
                assert!(
                    error_fields(&answer).contains(&field),
                    "{method} {path} {field}: {answer}"
                );
                checked += 1;
            }
        }
    }
    // The request properties of the whole API, nested ones included.
    assert!(checked > 300, "only {checked} fields checked");
}

#[tokio::test]
async fn every_query_parameter_has_a_documented_bound_that_is_enforced() {
    let app = TestApp::spawn().await;
    let token = every_scope(&app).await;
    let doc = document(&app).await;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(params) = item["get"]["parameters"].as_array() else {
            continue;
        };
        for param in params.iter().filter(|p| p["in"] == "query") {
            let name = param["name"].as_str().unwrap();
            let Some(max) = param["schema"]["maxLength"].as_u64() else {
                assert!(
                    !has_type(&param["schema"], "string"),
                    "{path} {name} has no maxLength"
                );
                continue;
            };
            let long = "7".repeat(max as usize + 1);
            let (status, answer) = app.get(&format!("{path}?{name}={long}"), &token).await;
            assert_eq!(
                (status.as_u16(), &answer["Result"], error_fields(&answer)),
                (200, &json!(1), vec![name.to_owned()]),
                "{path} {name}: {answer}"
            );
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} parameters checked");
}

/// The fields `GetCustomerInfo` with `query` names in its `Result` 1.
async fn refused_query(query: &str) -> Vec<String> {
    let app = TestApp::spawn().await;
    let token = app.token("issuer").await;
    let path = format!("/api/Integration/GetCustomerInfo?{query}");
    let (status, answer) = app.get(&path, &token).await;
    assert_result(status, &answer, 200, 1);
    error_fields(&answer)
}

#[tokio::test]
async fn a_query_string_of_too_many_parameters_is_refused() {
    let query: Vec<String> = (0..51).map(|i| format!("P{i}=1")).collect();
    assert_eq!(refused_query(&query.join("&")).await, ["$query"]);
}

#[tokio::test]
async fn a_query_parameter_given_twice_is_refused_naming_it() {
    let fields = refused_query("CustomerNo=1&customerno=2").await;
    assert_eq!(fields, ["customerno"]);
}

#[tokio::test]
async fn a_control_character_in_a_query_parameter_is_refused_naming_it() {
    assert_eq!(refused_query("CustomerNo=1%00").await, ["CustomerNo"]);
}
