//! The OpenAPI 3.1 document, generated from the handlers' annotations, with a
//! request example for each operation from `api-examples/`.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::OpenApi as Document;
use utoipa::{Modify, OpenApi};

use crate::envelope::WireFieldError;

mod examples;
mod responses;

/// Request examples by operation id; the tests send them verbatim, so every
/// published example is known to work.
pub const EXAMPLES: [(&str, &str); 6] = [
    (
        "PaymentSale",
        include_str!("../../api-examples/PaymentSale.json"),
    ),
    (
        "CreateMerchantAndTerminal",
        include_str!("../../api-examples/CreateMerchantAndTerminal.json"),
    ),
    ("Token", include_str!("../../api-examples/Token.json")),
    (
        "CreateCustomer",
        include_str!("../../api-examples/CreateCustomer.json"),
    ),
    (
        "UpdateCustomer",
        include_str!("../../api-examples/UpdateCustomer.json"),
    ),
    (
        "UpdateCustomerLimit",
        include_str!("../../api-examples/UpdateCustomerLimit.json"),
    ),
];

const DESCRIPTION: &str = "\
The Integration API of cardhost, a card issuing, acquiring and virtual POS host. \
It is wire-compatible with the Integration API of the commercial processor it replaces.\n\n\
Every `/api/` response is the envelope `{ResultObject, Result, ReturnDescription, ApprovalRefNumber}`; \
validation errors add `Errors: [{Field, Message}]`. `ResultObject` is `null` on every \
refusal or failure (every `Result` but 0, and 8, whose `ResultObject` carries the decline's \
`ResponseCode`). `Result`: 0 success, 1 validation error, \
2 not found, 3 already exists, 4 not allowed in the current state, 5 authentication failed (HTTP 401), \
6 not permitted (HTTP 403), 7 idempotency conflict, 8 declined (see `ResultObject.ResponseCode`), \
9 rate limited or shed (HTTP 429: more requests in flight than `max_in_flight`, 4,096 by default, or too many token \
requests), 99 system error (HTTP 500; nothing changed, safe to retry). \
Every string a request takes states its `maxLength` and every list its `maxItems`; \
a value past them is `Result` 1 naming the field, and so is a string holding a control character \
(anything but tab, line feed and carriage return), a name given twice in one JSON object, and a query \
parameter given twice. An unparseable body is HTTP 400, a body over 1 MiB HTTP 413, a body not sent within 10 s \
of its head HTTP 408 (`Result` 1), an unknown path HTTP 404 \
(`Result` 2), a wrong method HTTP 405 (`Result` 1). A caller without the scope an \
operation needs gets `Result` 6 before its request is read.\n\n\
The cards and amounts that give each decline in the sandbox are listed at /docs#test-cards.\n\n\
Get a token from `POST /api/Auth/Token` and send it as the `token` header. Paths are \
case-insensitive. Money is a JSON number in major units with at most the currency's minor \
digits; currencies are ISO 4217 numeric codes; dates `yyyyMMdd`; timestamps `yyyyMMddHHmmss` UTC.";

#[derive(OpenApi)]
#[openapi(
    info(title = "cardhost Integration API", description = DESCRIPTION),
    components(schemas(WireFieldError)),
    modifiers(&TokenScheme),
    tags(
        (name = "Authentication", description = "Client credentials to tokens."),
        (name = "Issuer: customers", description = "Cardholders: scope `issuer`."),
        (name = "Issuer: cards", description = "Issuing and managing cards: scope `issuer`. Every operation takes `CardNo` or `CardToken` and answers with the PAN masked; a full PAN only for the `pan` scope."),
        (name = "Acquirer: merchants", description = "Merchants and their terminals: scope `acquirer` (a `vpos` client reads its own merchant)."),
        (name = "Acquirer: profiles", description = "POS authorization profiles (what a terminal may do), POS fee profiles (what the acquirer charges and when it pays) and the deprecated commission profiles."),
        (name = "Virtual POS", description = "E-commerce payments on orders: scope `vpos` (a client bound to one merchant; `admin` acts for any). On-us cards are decided by this host's issuer, other issuers' cards by the card network; every approved payment lands in the terminal's open batch."),
        (name = "Virtual POS: recurring", description = "Recurring plans: a card of this host charged on a schedule (daily, weekly or monthly, every FrequencyInterval), each payment a merchant-initiated sale with OrderId `{RecurringId}-{Sequence}`, charged once. Three declines in a row suspend a plan; its last payment completes it. Scope `vpos`: a client sees only its own merchant's plans."),
        (name = "Acquirer: batches", description = "Each terminal's open batch, its totals and transactions, and closing it."),
        (name = "Issuer: money", description = "Authorizations, loads, balances and transaction history: every movement is a balanced journal transfer, decided by the authorizer."),
        (name = "Issuer: card security", description = "CVV2 and PIN checks, PIN retrieval and change, the 3-D Secure password."),
        (name = "Operations", description = "Health, metrics and this document; no token. Under /api/Admin/, scope `admin`: the jobs the server also runs on its own schedule, their status, and the ledger check."),
    )
)]
pub struct ApiDoc;

struct TokenScheme;

impl Modify for TokenScheme {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "token",
                "The Token from POST /api/Auth/Token: a UUID, '+', and its UTC expiry yyyyMMddHHmm",
            ))),
        );
    }
}

/// Operations still served for old integrations but marked deprecated.
pub const DEPRECATED: [&str; 7] = [
    "GetCardNo",
    "GetCardPrivateInfo",
    "GetCardBalanceLoadingLimit",
    "CreateCommissionProfile",
    "GetCommissionProfile",
    "UpdateCommissionProfile",
    "DeleteCommissionProfile",
];

struct Deprecations;

impl Modify for Deprecations {
    fn modify(&self, doc: &mut Document) {
        for op in operations_mut(doc) {
            if op
                .operation_id
                .as_deref()
                .is_some_and(|id| DEPRECATED.contains(&id))
            {
                op.deprecated = Some(utoipa::openapi::Deprecated::True);
            }
        }
    }
}

struct Examples;

fn operations_mut(doc: &mut Document) -> impl Iterator<Item = &mut Operation> {
    doc.paths.paths.values_mut().flat_map(|item| {
        [
            item.get.as_mut(),
            item.put.as_mut(),
            item.post.as_mut(),
            item.delete.as_mut(),
        ]
        .into_iter()
        .flatten()
    })
}

/// A request example assembled from the per-field examples of the request
/// schema (for operations without a hand-written example file).
/// A property's own example, else that of the schema it refers to (a wire
/// type such as `Amount`, possibly wrapped as optional in `oneOf`).
fn field_example(
    schemas: &serde_json::Value,
    prop: &serde_json::Value,
) -> Option<serde_json::Value> {
    let own = |v: &serde_json::Value| {
        v.get("example")
            .or_else(|| v.get("examples").and_then(|e| e.get(0)))
            .cloned()
    };
    if let Some(example) = own(prop) {
        return Some(example);
    }
    let wrapped = ["oneOf", "anyOf", "allOf"]
        .iter()
        .filter_map(|k| prop.get(*k).and_then(|v| v.as_array()))
        .flatten();
    std::iter::once(prop)
        .chain(wrapped)
        .filter_map(|v| v.get("$ref")?.as_str()?.rsplit('/').next())
        .find_map(|name| own(schemas.get(name)?))
}

fn example_from_schema(
    schemas: &serde_json::Value,
    schema: &serde_json::Value,
) -> Option<serde_json::Value> {
    let name = schema.get("$ref")?.as_str()?.rsplit('/').next()?;
    let target = schemas.get(name)?;
    let mut fields = serde_json::Map::new();
    // A flattened request (`allOf` of the schemas it joins) takes each part's.
    for part in target
        .get("allOf")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
    {
        if let Some(serde_json::Value::Object(more)) = example_from_schema(schemas, part) {
            fields.extend(more);
        }
    }
    let properties = target.get("properties").and_then(|p| p.as_object());
    fields.extend(
        properties
            .into_iter()
            .flatten()
            .filter_map(|(field, prop)| Some((field.clone(), field_example(schemas, prop)?))),
    );
    (!fields.is_empty()).then_some(serde_json::Value::Object(fields))
}

impl Modify for Examples {
    fn modify(&self, doc: &mut Document) {
        let schemas =
            serde_json::to_value(doc.components.as_ref().map(|c| &c.schemas)).unwrap_or_default();
        for op in operations_mut(doc) {
            let Some(id) = op.operation_id.clone() else {
                continue;
            };
            let from_file = EXAMPLES
                .iter()
                .find(|(name, _)| *name == id)
                .and_then(|(_, text)| serde_json::from_str::<serde_json::Value>(text).ok());
            if let Some(body) = op.request_body.as_mut() {
                for content in body.content.values_mut() {
                    let from_schema = serde_json::to_value(&content.schema)
                        .ok()
                        .and_then(|schema| example_from_schema(&schemas, &schema));
                    content.example = from_file.clone().or(from_schema);
                }
            }
        }
    }
}

/// The bounds the services check below the edge's, by schema and property
/// (the edge's own table holds those that go by the field's name alone).
fn service_bound(schema: &str, key: &str) -> Option<usize> {
    use cardhost_domain::customer::CustomerProfile;
    match schema {
        "CustomerProfile" => CustomerProfile::max_length(key),
        _ => None,
    }
}

/// The document as JSON text, with the version of this build.
pub fn document_json() -> String {
    let mut doc = ApiDoc::openapi();
    let (paths, schemas) = crate::router::registry().into_document_parts();
    doc.paths.paths.extend(paths.paths);
    let components = doc.components.get_or_insert_with(Default::default);
    components.schemas.extend(schemas);
    Examples.modify(&mut doc);
    Deprecations.modify(&mut doc);
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let mut json = serde_json::to_value(&doc).unwrap_or_default();
    crate::limits::document(&mut json, &service_bound);
    examples::responses(&mut json);
    responses::document(&mut json);
    serde_json::to_string_pretty(&json).unwrap_or_else(|_| "{}".into())
}
