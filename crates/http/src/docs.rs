//! `/docs`: a readable API reference rendered from the OpenAPI document, with
//! no scripts and no external resources.

use serde_json::Value;

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Escapes, then turns `code` spans into `<code>` and blank lines into paragraphs.
fn prose(text: &str) -> String {
    text.split("\n\n")
        .map(|para| {
            let parts: Vec<String> = esc(para).split('`').map(str::to_owned).collect();
            let mut html = String::new();
            for (i, part) in parts.iter().enumerate() {
                if i % 2 == 1 {
                    html.push_str(&format!("<code>{part}</code>"));
                } else {
                    html.push_str(part);
                }
            }
            format!("<p>{html}</p>")
        })
        .collect()
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    if let Some(name) = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        if let Some(target) = doc.pointer(&format!("/components/schemas/{name}")) {
            return resolve(doc, target);
        }
    }
    // `Option<T>` appears as oneOf [null, T]: describe T.
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        if let Some(real) = options
            .iter()
            .find(|s| s.get("type").and_then(Value::as_str) != Some("null"))
        {
            if options.len() == 2 {
                return resolve(doc, real);
            }
        }
    }
    schema
}

fn type_name(doc: &Value, schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        let target = resolve(doc, schema);
        if target.get("properties").is_none() {
            return type_name(doc, target);
        }
        return name.to_owned();
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let names: Vec<String> = options
            .iter()
            .map(|s| type_name(doc, s))
            .filter(|n| n != "null")
            .collect();
        return names.join(" | ");
    }
    let ty = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect::<Vec<_>>()
            .join(" | "),
        _ => "object".into(),
    };
    if ty == "array" {
        if let Some(items) = schema.get("items") {
            return format!("array of {}", type_name(doc, items));
        }
    }
    ty
}

/// Every property of an object schema, following `$ref` and `allOf`.
fn properties<'a>(doc: &'a Value, schema: &'a Value, out: &mut Vec<(&'a str, &'a Value)>) {
    let schema = resolve(doc, schema);
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            properties(doc, part, out);
        }
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        out.extend(props.iter().map(|(k, v)| (k.as_str(), v)));
    }
}

fn field_table(doc: &Value, schema: &Value) -> String {
    let mut props = Vec::new();
    properties(doc, schema, &mut props);
    if props.is_empty() {
        return String::new();
    }
    let mut html = String::from("<table><tr><th>Field</th><th>Type</th><th>Description</th></tr>");
    for (name, prop) in props {
        let target = resolve(doc, prop);
        let description = prop
            .get("description")
            .or_else(|| target.get("description"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let example = prop
            .get("example")
            .or_else(|| prop.get("examples").and_then(|e| e.get(0)))
            .map(|e| format!(" Example: <code>{}</code>", esc(&e.to_string())))
            .unwrap_or_default();
        html.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}{}</td></tr>",
            esc(name),
            esc(&type_name(doc, prop)),
            esc(description),
            example
        ));
    }
    html.push_str("</table>");
    html
}

fn operation_html(doc: &Value, method: &str, path: &str, op: &Value) -> String {
    let id = op
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or(path);
    let mut html = format!(
        "<section id=\"{id}\"><h3><span class=\"m {m}\">{M}</span> <code>{p}</code></h3>",
        id = esc(id),
        m = esc(method),
        M = esc(&method.to_uppercase()),
        p = esc(path)
    );
    if op.get("deprecated").and_then(Value::as_bool) == Some(true) {
        html.push_str("<p class=\"dep\">Deprecated: still served, prefer its successor.</p>");
    }
    for key in ["summary", "description"] {
        if let Some(text) = op.get(key).and_then(Value::as_str) {
            html.push_str(&prose(text));
        }
    }
    if op.get("security").is_some() {
        html.push_str("<p class=\"auth\">Needs the <code>token</code> header.</p>");
    }
    if let Some(params) = op.get("parameters").and_then(Value::as_array) {
        html.push_str(&parameters_html(doc, params));
    }
    if let Some(content) = op.pointer("/requestBody/content/application~1json") {
        html.push_str(&request_html(doc, content));
    } else {
        html.push_str(&query_example(method, path, op));
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        html.push_str(&responses_html(doc, responses));
    }
    html.push_str("</section>");
    html
}

fn parameters_html(doc: &Value, params: &[Value]) -> String {
    let mut html = String::from(
        "<h4>Query parameters</h4><table><tr><th>Name</th><th>Type</th><th>Description</th></tr>",
    );
    for p in params {
        let name = p.get("name").and_then(Value::as_str).unwrap_or("");
        let ty = p
            .get("schema")
            .map(|s| type_name(doc, s))
            .unwrap_or_default();
        let description = p.get("description").and_then(Value::as_str).unwrap_or("");
        html.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(name),
            esc(&ty),
            esc(description)
        ));
    }
    html.push_str("</table>");
    html
}

fn request_html(doc: &Value, content: &Value) -> String {
    let mut html = String::from("<h4>Request body</h4>");
    if let Some(schema) = content.get("schema") {
        html.push_str(&field_table(doc, schema));
    }
    if let Some(example) = content.get("example") {
        let pretty = serde_json::to_string_pretty(example).unwrap_or_default();
        html.push_str(&format!(
            "<details><summary>Example request</summary><pre>{}</pre></details>",
            esc(&pretty)
        ));
    }
    html
}

/// A request without a body as a line: the query from each parameter's
/// example, or its name as a placeholder.
fn query_example(method: &str, path: &str, op: &Value) -> String {
    let query: Vec<String> = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "query")
        .map(|p| {
            let name = p["name"].as_str().unwrap_or("");
            let value = p["example"]
                .as_str()
                .or_else(|| p["schema"]["example"].as_str())
                .map_or_else(|| format!("<{name}>"), str::to_owned);
            format!("{name}={value}")
        })
        .collect();
    let line = match query.is_empty() {
        true => format!("{} {path}", method.to_uppercase()),
        false => format!("{} {path}?{}", method.to_uppercase(), query.join("&")),
    };
    format!(
        "<details><summary>Example request</summary><pre>{}</pre></details>",
        esc(&line)
    )
}

/// Each status with its description, then the fields of a success's `ResultObject`.
fn responses_html(doc: &Value, responses: &serde_json::Map<String, Value>) -> String {
    let mut html = String::from("<h4>Responses</h4><ul>");
    for (status, response) in responses {
        let shared = response["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/responses/"))
            .and_then(|name| doc.pointer(&format!("/components/responses/{name}")));
        let description = shared
            .unwrap_or(response)
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("");
        html.push_str(&format!(
            "<li><b>{}</b> {}</li>",
            esc(status),
            esc(description)
        ));
    }
    html.push_str("</ul>");
    let success = responses
        .get("200")
        .and_then(|r| r.pointer("/content/application~1json/schema"));
    let result_schema = success
        .map(|s| resolve(doc, s))
        .and_then(|s| s.pointer("/properties/ResultObject"));
    if let Some(schema) = result_schema {
        let table = field_table(doc, schema);
        if !table.is_empty() {
            html.push_str("<h4><code>ResultObject</code></h4>");
            html.push_str(&table);
        }
    } else if let Some(schema) = success {
        html.push_str(&field_table(doc, schema));
    }
    let example = responses
        .get("200")
        .and_then(|r| r.pointer("/content/application~1json/example"));
    if let Some(example) = example {
        let pretty = serde_json::to_string_pretty(example).unwrap_or_default();
        html.push_str(&format!(
            "<details><summary>Example response</summary><pre>{}</pre></details>",
            esc(&pretty)
        ));
    }
    html
}

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}\
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f4f5f7;padding:.75rem;overflow:auto}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #d9dde3;padding:.3rem .5rem;text-align:left;vertical-align:top}\
section{border-top:1px solid #d9dde3;padding-top:1rem;margin-top:1.5rem}.m{display:inline-block;min-width:3.5rem;text-align:center;\
border-radius:4px;color:#fff;font-size:12px;padding:2px 6px}.get{background:#1f7a4d}.post{background:#2557a7}.put{background:#9a5b00}\
.delete{background:#b42318}.dep{color:#b42318}.auth{color:#555}nav li{list-style:none}";

/// The sandbox's cards and amounts, and what each is answered.
fn test_cards() -> String {
    let code_spans = |text: &str| {
        esc(text)
            .split('`')
            .enumerate()
            .map(|(i, part)| match i % 2 {
                1 => format!("<code>{part}</code>"),
                _ => part.to_owned(),
            })
            .collect::<String>()
    };
    format!(
        "<h2 id=\"test-cards\">Test cards and declines</h2><p>Every answer can be had on purpose: \
         issue a card and set its status or limits, or pay with another issuer's card and pick \
         the amount. A decline is <code>Result</code> 8 with this <code>ResponseCode</code>.</p>{}",
        crate::test_cards::html(code_spans)
    )
}

/// A document's operations as (tag, method, path, operation), in the order of
/// its tags, then by path.
fn operations(doc: &Value) -> Vec<(String, String, String, &Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for method in ["get", "post", "put", "delete"] {
            if let Some(op) = item.get(method) {
                let tag = text(op, "/tags/0", "Other").to_owned();
                ops.push((tag, method.to_owned(), path.clone(), op));
            }
        }
    }
    let tag_order: Vec<&str> = doc
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| tags.iter().map(|t| text(t, "/name", "")).collect())
        .unwrap_or_default();
    ops.sort_by_key(|(tag, _, path, _)| {
        let place = tag_order.iter().position(|t| t == tag);
        (place.unwrap_or(usize::MAX), path.clone())
    });
    ops
}

/// The string at `pointer` in `value`, or `default`.
fn text<'v>(value: &'v Value, pointer: &str, default: &'v str) -> &'v str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or(default)
}

/// The whole page for an OpenAPI document.
pub fn render(doc: &Value) -> String {
    let title = text(doc, "/info/title", "API");
    let version = text(doc, "/info/version", "");
    let description = text(doc, "/info/description", "");
    let ops = operations(doc);
    let mut nav = String::from("<nav><h2>Operations</h2>");
    let mut body = String::new();
    let mut current = String::new();
    for (tag, method, path, op) in &ops {
        if *tag != current {
            if !current.is_empty() {
                nav.push_str("</ul>");
            }
            nav.push_str(&format!("<h3>{}</h3><ul>", esc(tag)));
            body.push_str(&format!("<h2>{}</h2>", esc(tag)));
            current = tag.clone();
        }
        let id = text(op, "/operationId", path);
        nav.push_str(&format!("<li><a href=\"#{0}\">{0}</a></li>", esc(id)));
        body.push_str(&operation_html(doc, method, path, op));
    }
    nav.push_str("</ul></nav>");
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><style>{STYLE}</style></head>\
         <body><h1>{t} <small>{v}</small></h1>{d}<p>Machine-readable: <a href=\"/openapi.json\">/openapi.json</a> (OpenAPI 3.1).</p>{tc}{nav}{body}</body></html>",
        t = esc(title),
        v = esc(version),
        d = prose(description),
        tc = test_cards(),
    )
}
