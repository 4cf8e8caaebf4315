//! The edge's bounds on what a request may hold: every string of a JSON body,
//! a query string or a page's form, and every list of a JSON body. A request
//! past a bound, or with a control character in a string, is refused with
//! `Result` 1 naming the field before any service code sees it; the OpenAPI
//! document states the same bounds as `maxLength` and `maxItems`.

use serde_json::Value;

use cardhost_domain::customer::CUSTOMER_NO_MAX_LEN;
use cardhost_service::acquirer::merchants::{MERCHANT_NO_MAX_LEN, TERMINAL_NO_LEN};
use cardhost_service::idempotency::REFERENCE_MAX_LEN;
use cardhost_service::issuer::cards::EMBOSS_NAME_MAX_LEN;
use cardhost_service::vpos::ORDER_ID_MAX_LEN;
use cardhost_service::ServiceError;

/// The longest string any field takes, unless [`OWN_BOUNDS`] names it.
pub const STRING_MAX: usize = 256;
/// The most entries any list takes.
pub const LIST_MAX: usize = 200;
/// The most parameters a query string or a page's form carries.
pub const PARAMS_MAX: usize = 50;
/// Fields bounded otherwise than [`STRING_MAX`], wherever they stand: the
/// merchant's return URLs and an EMV QR payload (each of its tags holds up
/// to 99 characters) take more; the numbers, references and names the
/// services hold to their own bounds, less.
const OWN_BOUNDS: [(&str, usize); 9] = [
    ("SuccessUrl", 512),
    ("FailUrl", 512),
    ("QrData", 512),
    ("MerchantNo", MERCHANT_NO_MAX_LEN),
    ("TerminalNo", TERMINAL_NO_LEN),
    ("OrderId", ORDER_ID_MAX_LEN),
    ("Reference", REFERENCE_MAX_LEN),
    ("CustomerNo", CUSTOMER_NO_MAX_LEN),
    ("EmbossName", EMBOSS_NAME_MAX_LEN),
];

/// The longest value the field named `key` takes.
pub fn string_max(key: &str) -> usize {
    OWN_BOUNDS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(key))
        .map_or(STRING_MAX, |(_, max)| *max)
}

/// Refuses the first string or list in `value` past its bound, naming its path
/// as the field (`Terminals[3].TerminalNo`). Every request body passes here,
/// so a body within bounds costs a walk and no allocation: the path is only
/// spelled out for a refusal, as the walk unwinds.
pub fn check_json(value: &Value) -> Result<(), ServiceError> {
    check_at(value, "").map_err(|breach| {
        let path: String = breach.path.iter().rev().map(Step::to_string).collect();
        ServiceError::field(path.trim_start_matches('.'), breach.message)
    })
}

/// A bound broken somewhere below: the steps to it, innermost first.
struct Breach<'a> {
    path: Vec<Step<'a>>,
    message: String,
}

enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

impl std::fmt::Display for Step<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::Key(name) => write!(f, ".{name}"),
            Step::Index(i) => write!(f, "[{i}]"),
        }
    }
}

fn check_at<'a>(value: &'a Value, key: &str) -> Result<(), Breach<'a>> {
    let within = |step: Step<'a>| {
        move |mut breach: Breach<'a>| {
            breach.path.push(step);
            breach
        }
    };
    match value {
        Value::String(s) => match refusal(key, s) {
            Some(message) => Err(Breach {
                path: Vec::new(),
                message,
            }),
            None => Ok(()),
        },
        Value::Array(items) if items.len() > LIST_MAX => Err(Breach {
            path: Vec::new(),
            message: format!("must have at most {LIST_MAX} entries"),
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| check_at(item, key).map_err(within(Step::Index(i)))),
        Value::Object(fields) => fields
            .iter()
            .try_for_each(|(name, field)| check_at(field, name).map_err(within(Step::Key(name)))),
        _ => Ok(()),
    }
}

/// Refuses a page's urlencoded form that is malformed, has too many pairs,
/// or holds a value past its field's bound or with a control character.
pub fn check_form(body: &[u8], field: &str) -> Result<(), ServiceError> {
    let pairs = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .map_err(|_| ServiceError::field(field, "the form could not be read"))?;
    check_pairs(&pairs, field)
}

/// Refuses a query string or form with too many pairs, a name given twice
/// (names are read regardless of case, and only one value each), or a value
/// past its field's bound or with a control character.
pub fn check_pairs(pairs: &[(String, String)], what: &str) -> Result<(), ServiceError> {
    if pairs.len() > PARAMS_MAX {
        return Err(ServiceError::field(
            what,
            format!("must have at most {PARAMS_MAX} parameters"),
        ));
    }
    for (i, (name, value)) in pairs.iter().enumerate() {
        if pairs[..i]
            .iter()
            .any(|(seen, _)| seen.eq_ignore_ascii_case(name))
        {
            return Err(ServiceError::field(name, "is given more than once"));
        }
        check_string(name, name, value)?;
    }
    Ok(())
}

fn check_string(path: &str, key: &str, s: &str) -> Result<(), ServiceError> {
    match refusal(key, s) {
        Some(message) => Err(ServiceError::field(path, message)),
        None => Ok(()),
    }
}

/// Why `s` is refused for the field `key`, if it is: longer than its bound,
/// or holding a control character other than tab, line feed and carriage
/// return. PostgreSQL cannot store a NUL, and no field has a use for the
/// others (they only hide what a log line or a screen shows).
fn refusal(key: &str, s: &str) -> Option<String> {
    let max = string_max(key);
    // Bytes bound characters from above, so most strings skip the count.
    if s.len() > max && s.chars().count() > max {
        return Some(format!("must be at most {max} characters"));
    }
    s.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        .then(|| "must not contain control characters".to_owned())
}

/// Writes these bounds into the OpenAPI document: `maxLength` on every string
/// a request takes (body properties, their list items, query parameters) and
/// `maxItems` on every list, where the schema does not state a tighter one.
/// `tighter(schema, property)` gives the bounds the services check below the
/// edge's.
pub fn document(doc: &mut Value, tighter: &dyn Fn(&str, &str) -> Option<usize>) {
    let request_schemas = request_schema_names(doc);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        let mut strings = Vec::new();
        for name in &request_schemas {
            if let Some(schema) = schemas.get_mut(name) {
                let own = |key: &str| tighter(name, key).unwrap_or_else(|| string_max(key));
                bound_properties(schema, &own, &mut strings);
            }
        }
        // String types shared by reference (CardNumber, Cvv2, ...).
        for name in strings {
            if let Some(schema) = schemas.get_mut(&name) {
                if is_string(schema) {
                    bound(schema, "maxLength", STRING_MAX);
                }
            }
        }
    }
    bound_parameters(doc);
}

fn request_schema_names(doc: &Value) -> Vec<String> {
    let mut names = Vec::new();
    let mut queue: Vec<String> = doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .flat_map(|item| item.as_object().into_iter().flat_map(|ops| ops.values()))
        .filter_map(|op| op.pointer("/requestBody/content/application~1json/schema"))
        .flat_map(refs)
        .collect();
    while let Some(name) = queue.pop() {
        if names.contains(&name) {
            continue;
        }
        if let Some(schema) = doc["components"]["schemas"].get(&name) {
            queue.extend(refs(schema));
        }
        names.push(name);
    }
    names
}

/// The names of the schemas `value` refers to, at any depth.
fn refs(value: &Value) -> Vec<String> {
    match value {
        Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| match (k.as_str(), v.as_str()) {
                ("$ref", Some(r)) => r
                    .rsplit('/')
                    .next()
                    .map(str::to_owned)
                    .into_iter()
                    .collect(),
                _ => refs(v),
            })
            .collect(),
        Value::Array(items) => items.iter().flat_map(refs).collect(),
        _ => Vec::new(),
    }
}

fn bound_properties(
    schema: &mut Value,
    max_of: &dyn Fn(&str) -> usize,
    referenced: &mut Vec<String>,
) {
    if let Some(parts) = schema.get_mut("allOf").and_then(Value::as_array_mut) {
        parts
            .iter_mut()
            .for_each(|part| bound_properties(part, max_of, referenced));
    }
    let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (key, prop) in props.iter_mut() {
        if is_string(prop) {
            bound(prop, "maxLength", max_of(key));
        } else if has_type(prop, "array") {
            bound(prop, "maxItems", LIST_MAX);
            if let Some(items) = prop.get_mut("items").filter(|i| is_string(i)) {
                bound(items, "maxLength", max_of(key));
            }
        } else {
            referenced.extend(refs(prop));
        }
    }
}

fn bound_parameters(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let params = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|ops| ops.values_mut())
        .filter_map(|op| op.get_mut("parameters").and_then(Value::as_array_mut))
        .flatten();
    for param in params {
        let name = param["name"].as_str().unwrap_or_default().to_owned();
        if let Some(schema) = param.get_mut("schema").filter(|s| is_string(s)) {
            bound(schema, "maxLength", string_max(&name));
        }
    }
}

fn has_type(schema: &Value, wanted: &str) -> bool {
    match &schema["type"] {
        Value::String(t) => t == wanted,
        Value::Array(types) => types.iter().any(|t| t == wanted),
        _ => false,
    }
}

fn is_string(schema: &Value) -> bool {
    has_type(schema, "string")
}

/// Sets `keyword` to `max` unless the schema already states a tighter bound.
fn bound(schema: &mut Value, keyword: &str, max: usize) {
    if let Some(map) = schema.as_object_mut() {
        let tighter = map
            .get(keyword)
            .and_then(Value::as_u64)
            .is_some_and(|own| own <= max as u64);
        if !tighter {
            map.insert(keyword.to_owned(), max.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refused_field(value: Value) -> Option<String> {
        check_json(&value).err().and_then(|e| {
            crate::envelope::ApiError::from(e)
                .errors
                .first()
                .map(|f| f.field.clone())
        })
    }

    #[test]
    fn a_long_nested_string_is_named_by_its_path() {
        let long = "x".repeat(STRING_MAX + 1);
        let body = json!({"Terminals": [{"TerminalNo": "1"}, {"TerminalNo": long}]});
        assert_eq!(
            refused_field(body).as_deref(),
            Some("Terminals[1].TerminalNo")
        );
    }

    #[test]
    fn a_string_at_its_bound_passes_counted_in_characters() {
        let at_bound = "ü".repeat(STRING_MAX);
        assert_eq!(refused_field(json!({"Description": at_bound})), None);
    }

    #[test]
    fn an_order_id_is_held_to_its_own_bound_wherever_it_stands() {
        let at_bound = json!({"Order": {"OrderId": "o".repeat(64)}});
        let past = json!({"Order": {"OrderId": "o".repeat(65)}});
        assert_eq!(refused_field(at_bound), None);
        assert_eq!(refused_field(past).as_deref(), Some("Order.OrderId"));
    }

    #[test]
    fn urls_take_more_than_other_fields() {
        let url = format!("https://shop.example/{}", "a".repeat(400));
        assert_eq!(refused_field(json!({"SuccessUrl": url.clone()})), None);
        assert_eq!(
            refused_field(json!({"Description": url})).as_deref(),
            Some("Description")
        );
    }

    #[test]
    fn a_nul_or_an_escape_character_is_refused_and_named() {
        for text in ["ORD\u{0}1", "ORD\u{1b}[2J", "ORD\u{85}"] {
            let body = json!({"Orders": [{"OrderId": text}]});
            assert_eq!(
                refused_field(body).as_deref(),
                Some("Orders[0].OrderId"),
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_parameter_given_twice_in_any_case_is_named() {
        let pairs = [("OrderId", "a"), ("MerchantNo", "1"), ("orderid", "b")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()));
        let refused = check_pairs(&pairs, "$query").unwrap_err();
        let field = crate::envelope::ApiError::from(refused).errors[0]
            .field
            .clone();
        assert_eq!(field, "orderid");
    }

    #[test]
    fn tabs_and_line_breaks_pass() {
        let address = "Floor 3\r\nBuilding\tB";
        assert_eq!(refused_field(json!({"Address": address})), None);
    }

    #[test]
    fn a_list_past_its_bound_is_named() {
        let list = vec!["TR"; LIST_MAX + 1];
        assert_eq!(
            refused_field(json!({"BlockedCountries": list})).as_deref(),
            Some("BlockedCountries")
        );
    }
}
