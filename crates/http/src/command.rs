//! The one path of every state-changing operation: authenticate, then inside
//! the audited section parse the body, call the service and write the
//! envelope. A handler says only what it calls and what it answers.

use std::marker::PhantomData;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::Response;
use cardhost_service::{Call, Host};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::envelope::{ok, ApiError, ApiResult};
use crate::extract::{Authed, JsonBody, Params};
use crate::state::{audited, AppState};

/// An authenticated call with its body of type `T`, not parsed yet: a body
/// that does not parse is refused inside the audited section, so it is
/// audited like any other refusal.
pub struct Command<T> {
    state: AppState,
    authed: Authed,
    body: JsonBody,
    request: PhantomData<fn() -> T>,
}

impl<T> FromRequest<AppState> for Command<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let authed = Authed::from_request_parts(&mut parts, state).await?;
        let body = JsonBody::from_request(Request::from_parts(parts, body), state).await?;
        Ok(Command {
            state: state.clone(),
            authed,
            body,
            request: PhantomData,
        })
    }
}

impl<T: DeserializeOwned> Command<T> {
    /// Runs `f` on the parsed request and answers its value as `ResultObject`.
    pub async fn run<R: Serialize>(
        self,
        f: impl AsyncFnOnce(&Host, &Call, T) -> Result<R, ApiError>,
    ) -> ApiResult {
        self.respond(async |host, call, request| Ok(ok(f(host, call, request).await?)))
            .await
    }

    /// Runs `f` on the parsed request; `f` writes the whole answer (a decline
    /// with its own `Result`, say).
    pub async fn respond(
        self,
        f: impl AsyncFnOnce(&Host, &Call, T) -> Result<Response, ApiError>,
    ) -> ApiResult {
        self.run_on_body(async |host, call, body| f(host, call, body.parse()?).await)
            .await
    }
}

impl<T> Command<T> {
    /// Runs `f` on the body as read, for a request that is parsed as more
    /// than one document (`T` still names it for the reference).
    pub async fn run_on_body(
        self,
        f: impl AsyncFnOnce(&Host, &Call, &JsonBody) -> Result<Response, ApiError>,
    ) -> ApiResult {
        let call = self.authed.call();
        let Command { state, body, .. } = self;
        audited(&state, &call, f(&state.host, &call, &body)).await
    }
}

/// An authenticated read whose input is its query string (a `GET`): not
/// audited, as nothing changes.
pub struct Read {
    state: AppState,
    authed: Authed,
    params: Params,
}

impl FromRequestParts<AppState> for Read {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Read {
            authed: Authed::from_request_parts(parts, state).await?,
            params: Params::from_request_parts(parts, state).await?,
            state: state.clone(),
        })
    }
}

impl Read {
    /// Runs `f` on the query; `f` writes the whole answer.
    pub async fn respond(
        self,
        f: impl AsyncFnOnce(&Host, &Call, &Params) -> ApiResult,
    ) -> ApiResult {
        f(&self.state.host, &self.authed.call(), &self.params).await
    }
}

/// An authenticated state-changing call whose input is its query string (a
/// `DELETE`, say): a [`Read`] whose refusals are audited.
pub struct QueryCommand(Read);

impl FromRequestParts<AppState> for QueryCommand {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Read::from_request_parts(parts, state)
            .await
            .map(QueryCommand)
    }
}

impl QueryCommand {
    /// Runs `f` on the query and answers its value as `ResultObject`; a
    /// refusal is audited.
    pub async fn run<R: Serialize>(
        self,
        f: impl AsyncFnOnce(&Host, &Call, &Params) -> Result<R, ApiError>,
    ) -> ApiResult {
        let Read {
            state,
            authed,
            params,
        } = self.0;
        let call = authed.call();
        audited(&state, &call, async {
            Ok(ok(f(&state.host, &call, &params).await?))
        })
        .await
    }
}
