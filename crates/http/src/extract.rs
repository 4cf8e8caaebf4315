//! Request extractors that answer every failure with the envelope.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, MatchedPath, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use bytes::Bytes;
use cardhost_domain::status::Named;
use cardhost_service::money::reports::{self, Paging};
use cardhost_service::{auth, Call, Caller};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::envelope::ApiError;
use crate::state::AppState;

/// Largest request body (spec README: over 1 MiB is refused with 413).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// How long a request's body may take to arrive once its head has.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A JSON request body, read whole (up to [`MAX_BODY_BYTES`]) and parsed only
/// when the handler asks, so that parse errors fall inside its audited section.
pub struct JsonBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let body = req.into_body();
        let read = tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY_BYTES));
        match read.await {
            Ok(Ok(bytes)) => Ok(JsonBody(bytes)),
            Ok(Err(_)) => Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                1,
                format!("The request body is larger than {MAX_BODY_BYTES} bytes."),
            )),
            Err(_) => Err(ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                1,
                format!(
                    "The request body did not arrive within {} seconds.",
                    BODY_TIMEOUT.as_secs()
                ),
            )),
        }
    }
}

impl JsonBody {
    /// Parses the body into `T`: unparseable JSON is HTTP 400 `Result` 1; a
    /// non-object, a name given twice in one object, or a field of the wrong
    /// JSON type, is `Result` 1 naming it.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let value: Value = serde_json::from_slice(&self.0).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                1,
                format!(
                    "The request body is not valid JSON (line {}, column {}).",
                    e.line(),
                    e.column()
                ),
            )
        })?;
        if !value.is_object() {
            return Err(ApiError::field(
                "$",
                "the request body must be a JSON object",
            ));
        }
        if let Some(path) = crate::repeated::repeated_name(&self.0) {
            return Err(ApiError::field(path, "is given more than once"));
        }
        crate::limits::check_json(&value).map_err(ApiError::from)?;
        serde_path_to_error::deserialize(value).map_err(|e| {
            let field = e.path().to_string();
            ApiError::field(field, type_message(&e.into_inner().to_string()))
        })
    }
}

/// serde's "invalid type: string \"x\", expected i64" made plainer, without
/// echoing the value (it may be a card number).
fn type_message(serde_message: &str) -> String {
    match serde_message.split_once(", expected ") {
        Some((_, expected)) => {
            let expected = expected.trim_end_matches(|c: char| c == '.' || c.is_whitespace());
            let plain = match expected {
                e if e.starts_with('i') || e.starts_with('u') || e.contains("number") => "a number",
                e if e.contains("bool") => "true or false",
                e if e.contains("string") || e.contains("char") => "a string",
                e if e.contains("sequence") => "an array",
                e if e.contains("map") || e.contains("struct") => "an object",
                e => e,
            };
            format!("must be {plain}")
        }
        None if serde_message.contains("invalid value") => "has an invalid value".into(),
        // What serde_json says of a fraction or an integer too large for an
        // integer field, its numbers being read as text.
        None if serde_message == "invalid number" => "must be a whole number within range".into(),
        None => "is malformed".into(),
    }
}

/// Query parameters, looked up by name regardless of case.
pub struct Params(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Params::parse(parts.uri.query().unwrap_or(""))
    }
}

impl Params {
    /// The pairs of a query string; a malformed one is `Result` 1 naming
    /// `$query`, a value past its bound (see [`crate::limits`]) names its field.
    pub fn parse(query: &str) -> Result<Params, ApiError> {
        let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
            .map_err(|_| ApiError::field("$query", "the query string is malformed"))?;
        crate::limits::check_pairs(&pairs, "$query").map_err(ApiError::from)?;
        Ok(Params(pairs))
    }

    /// A parameter's value when it is there and not empty (a search filter).
    pub fn filled(&self, name: &str) -> Option<String> {
        self.get(name).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    /// A required parameter's value; an absent one is empty, which the
    /// service refuses naming it.
    pub fn required(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// A filter naming one of a kind's names (a status, a type); another
    /// value is `Result` 1 naming the parameter and listing the names, where
    /// matching nothing would hide the typo.
    pub fn named<T: Named>(&self, name: &str) -> Result<Option<T>, ApiError> {
        self.filled(name)
            .map(|v| T::parse(&v))
            .transpose()
            .map_err(|_| ApiError::field(name, format!("must be one of {}", T::names())))
    }

    /// `Page` and `PageSize`, parsed once for every paged read.
    pub fn paging(&self) -> Result<Paging, ApiError> {
        Ok(reports::paging(self.get("Page"), self.get("PageSize"))?)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The authenticated caller of a request (`Result` 5 / HTTP 401 otherwise).
pub struct Authed {
    pub caller: Caller,
    pub request_id: String,
    /// The API name of the operation the request was routed to.
    pub operation: &'static str,
}

impl Authed {
    pub fn call(&self) -> Call {
        Call {
            caller: self.caller.clone(),
            operation: self.operation,
            request_id: self.request_id.clone(),
        }
    }
}

pub fn request_id(parts: &Parts) -> String {
    parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts.headers.get("token").and_then(|v| v.to_str().ok());
        let caller = auth::authenticate(&state.host, token).await?;
        let route = parts
            .extensions
            .get::<MatchedPath>()
            .and_then(|p| state.operations.get(p.as_str()).copied());
        let authed = Authed {
            caller,
            request_id: request_id(parts),
            operation: route.map_or("unmatched", |r| r.name),
        };
        if let Some(route) = route {
            if let Err(refused) = route.gate.check(&authed.caller) {
                // Refused at the edge is audited as every refusal is.
                let call = authed.call();
                cardhost_service::audit::outcome(&state.host, &call, None, 6, &refused.to_string())
                    .await;
                return Err(refused.into());
            }
        }
        Ok(authed)
    }
}

/// The client's address (for rate limits); unspecified when not served over TCP.
pub struct RemoteAddr(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for RemoteAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        Ok(RemoteAddr(ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_type_messages() {
        assert_eq!(
            type_message("invalid type: string \"4111\", expected i64"),
            "must be a number"
        );
        assert_eq!(
            type_message("invalid type: integer `5`, expected a string"),
            "must be a string"
        );
        assert_eq!(
            type_message("invalid type: string \"x\", expected a boolean"),
            "true or false".replace("true", "must be true")
        );
        assert!(
            !type_message("invalid type: string \"4111111111111111\", expected i64")
                .contains("4111")
        );
    }

    #[test]
    fn a_fraction_or_an_overflow_in_an_integer_field_says_so() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Count {
            n: i64,
        }
        for text in [r#"{"n": 99999999999999999999}"#, r#"{"n": 1.5}"#] {
            let value: Value = serde_json::from_str(text).unwrap();
            let error = serde_path_to_error::deserialize::<_, Count>(value).unwrap_err();
            assert_eq!(
                type_message(&error.into_inner().to_string()),
                "must be a whole number within range"
            );
        }
    }
}

#[cfg(test)]
mod query_properties {
    use super::Params;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_query_string_is_parameters_or_a_named_refusal(query in "\\PC{0,80}") {
            let _ = Params::parse(&query);
        }

        #[test]
        fn an_encoded_parameter_reads_back_whatever_its_name_case(
            name in "[A-Za-z]{1,12}",
            value in "\\PC{0,30}",
        ) {
            let query = format!("{}={}", name.to_uppercase(), urlencoding(&value));
            let params = Params::parse(&query).expect("well formed");
            prop_assert_eq!(params.get(&name.to_lowercase()), Some(value.as_str()));
        }
    }

    fn urlencoding(text: &str) -> String {
        serde_urlencoded::to_string([("v", text)]).expect("encodes")[2..].to_owned()
    }
}
