//! `POST /api/Auth/Token`.

use axum::extract::State;
use axum::http::request::Parts;
use cardhost_domain::secret::ClientSecret;
use cardhost_service::{audit, auth, Call, Caller, Scopes};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::envelope::{ok, ApiError, ApiResult, Envelope};
use crate::extract::{request_id, JsonBody, RemoteAddr};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct TokenRequest {
    #[schema(example = "3f2a9c1e-6d7b-4c55-9a0e-2b8f1d4c7e90")]
    pub client_id: Option<String>,
    #[schema(example = "the secret printed when the client was created")]
    pub client_secret: Option<ClientSecret>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct TokenResult {
    /// Send it as the `token` header of every other call.
    #[schema(example = "58ff081d-eba7-4e9c-bfab-3cd51792b96d+202501211205")]
    pub token: String,
    /// UTC expiry, `yyyyMMddHHmm`.
    #[schema(example = "202501211205")]
    pub expire_date: String,
}

/// Issue a token for a client's id and secret.
///
/// The token is a random UUID, `+`, and its UTC expiry (`yyyyMMddHHmm`). Ten wrong
/// secrets in a row lock the client for 15 minutes; too many requests from one
/// address or for one client answer `Result` 9.
#[utoipa::path(
    post,
    path = "/api/Auth/Token",
    tag = "Authentication",
    operation_id = "Token",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Token issued (Result 0) or the request named bad fields (Result 1)", body = Envelope<TokenResult>),
        (status = 401, description = "Wrong client id or secret, or the client is locked (Result 5)", body = Envelope<TokenResult>),
        (status = 429, description = "Too many token requests (Result 9)", body = Envelope<TokenResult>),
    )
)]
pub async fn token(
    State(state): State<AppState>,
    parts: Parts,
    RemoteAddr(remote): RemoteAddr,
    body: JsonBody,
) -> ApiResult {
    let request: TokenRequest = body.parse()?;
    let mut missing = Vec::new();
    let client_id = request.client_id.filter(|s| !s.is_empty());
    let client_secret = request.client_secret.filter(|s| !s.is_empty());
    if client_id.is_none() {
        missing.push("ClientId");
    }
    if client_secret.is_none() {
        missing.push("ClientSecret");
    }
    let (Some(client_id), Some(client_secret)) = (client_id, client_secret) else {
        let mut err = ApiError::field(missing[0], "is required");
        for field in &missing[1..] {
            err.errors.push(crate::envelope::WireFieldError {
                field: (*field).into(),
                message: "is required".into(),
            });
        }
        return Err(err);
    };
    let call = Call {
        caller: Caller {
            client_id: client_id.clone(),
            scopes: Scopes::default(),
            merchant_no: None,
        },
        operation: "Token",
        request_id: request_id(&parts),
    };
    match auth::issue_token(&state.host, &client_id, &client_secret, remote).await {
        Ok(issued) => {
            audit::outcome(&state.host, &call, Some(&client_id), 0, "token issued").await;
            Ok(ok(TokenResult {
                token: issued.token,
                expire_date: issued.expire_date,
            }))
        }
        Err(err) => {
            let err = ApiError::from(err);
            // Rate-limited floods are not written, so they cannot flood the log.
            if err.result != 9 {
                audit::outcome(
                    &state.host,
                    &call,
                    Some(&client_id),
                    err.result,
                    &err.description,
                )
                .await;
            }
            Err(err)
        }
    }
}
