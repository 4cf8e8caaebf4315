//! The answers an operation gives besides its own: every refusal the edge or
//! a service can make, each with the envelope (its `ResultObject` `null`),
//! written into the document so that every status code a client can get is
//! documented and every documented one is real.

use serde_json::{json, Map, Value};

/// `(status, component name, when)`; the `when` of each says which
/// operations can answer it.
const REFUSALS: [(u16, &str, &str); 9] = [
    (400, "BadRequest", "The body is not JSON (`Result` 1)."),
    (401, "Unauthorized", "No valid token, or wrong client credentials (`Result` 5)."),
    (403, "Forbidden", "The caller's scopes or merchant do not reach this (`Result` 6)."),
    (404, "NotFound", "No operation at this path (`Result` 2)."),
    (405, "MethodNotAllowed", "The path takes another HTTP method, named in `Allow` (`Result` 1)."),
    (408, "RequestTimeout", "The body did not arrive within 10 s of the head (`Result` 1)."),
    (413, "PayloadTooLarge", "The body is over 1 MiB (`Result` 1)."),
    (429, "TooManyRequests", "More requests in flight than the host is configured for (`max_in_flight`, 4,096 by default), or too many token requests from one address (`Result` 9)."),
    (500, "InternalServerError", "A system error; nothing was changed, and the request is safe to repeat with the same reference (`Result` 99)."),
];

/// Adds the failure envelope, the refusals as shared responses, the
/// refusals each `/api/` operation can give, and `null` to every
/// `ResultObject`.
pub fn document(doc: &mut Value) {
    let components = &mut doc["components"];
    components["schemas"]["Failure"] = failure_schema();
    let responses = components["responses"]
        .as_object_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    components["responses"] = Value::Object(shared_responses(responses));
    nullable_result_objects(&mut components["schemas"]);
    if let Some(paths) = doc["paths"].as_object_mut() {
        let api = paths.iter_mut().filter(|(p, _)| p.starts_with("/api/"));
        for op in api
            .filter_map(|(_, item)| item.as_object_mut())
            .flat_map(|ops| ops.values_mut())
        {
            add_refusals(op);
        }
    }
}

fn failure_schema() -> Value {
    json!({
        "type": "object",
        "description": "The envelope of every refusal and failure: `ResultObject` is always `null`.",
        "required": ["ResultObject", "Result", "ReturnDescription", "ApprovalRefNumber"],
        "properties": {
            "ResultObject": {"type": "null"},
            "Result": {"type": "integer", "format": "int64", "example": 1},
            "ReturnDescription": {"type": "string", "example": "Validation failed: CustomerNo."},
            "ApprovalRefNumber": {"type": "integer", "format": "int64", "example": 0},
            "Errors": {"type": "array", "items": {"$ref": "#/components/schemas/WireFieldError"},
                "description": "Present on validation errors: each names the offending field."}
        }
    })
}

fn shared_responses(mut responses: Map<String, Value>) -> Map<String, Value> {
    for (status, name, when) in REFUSALS {
        let mut response = json!({
            "description": when,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Failure"}}}
        });
        if status == 405 {
            response["headers"] = json!({"Allow": {"description": "The methods the path takes.",
                "schema": {"type": "string"}}});
        }
        responses.insert(name.to_owned(), response);
    }
    responses
}

/// Which refusals `op` can give: every `/api/` operation a 401, 429 and 500;
/// one behind a scope a 403; one with a body a 400, 408 and 413.
fn add_refusals(op: &mut Value) {
    let has_body = op.get("requestBody").is_some();
    // Only an operation that takes a token has scopes to refuse.
    let gated = op.get("security").is_some();
    let Some(responses) = op["responses"].as_object_mut() else {
        return;
    };
    for (status, name, _) in REFUSALS {
        let applies = match status {
            401 | 429 | 500 => true,
            403 => gated,
            400 | 408 | 413 => has_body,
            _ => false,
        };
        if applies {
            let reference = json!({"$ref": format!("#/components/responses/{name}")});
            responses.entry(status.to_string()).or_insert(reference);
        }
    }
}

/// utoipa inlines the `T` of `Envelope<T>`; on a refusal it is `null`.
fn nullable_result_objects(schemas: &mut Value) {
    let Some(schemas) = schemas.as_object_mut() else {
        return;
    };
    for (_, schema) in schemas
        .iter_mut()
        .filter(|(n, _)| n.starts_with("Envelope_"))
    {
        let props = &mut schema["properties"];
        let inner = props["ResultObject"].take();
        props["ResultObject"] = json!({
            "description": "The operation's result; `null` on every refusal or failure (`Result` other than 0 and 8).",
            "oneOf": [{"type": "null"}, inner]
        });
    }
}
