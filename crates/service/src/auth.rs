//! Tokens: issuing them for a client's secret, and resolving the `token` header
//! of every call to its [`Caller`].

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, OnceLock};

use cardhost_crypto::secret;
use cardhost_domain::secret::ClientSecret;
use cardhost_domain::status::ClientStatus;
use cardhost_store::clients;
use chrono::{DateTime, Duration, Timelike, Utc};

use crate::caller::{Caller, Scopes};
use crate::host::Host;
use crate::ServiceError;

/// Wrong secrets in a row that lock a client (security.md, Access).
pub const LOCK_AFTER_FAILURES: i64 = 10;
/// How long such a lock lasts.
pub const LOCK_MINUTES: i64 = 15;
/// Token requests one remote address may make per minute before `Result` 9.
pub const TOKEN_REQUESTS_PER_ADDRESS_PER_MINUTE: u32 = 60;
/// Token requests one client id may make per minute before `Result` 9.
pub const TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE: u32 = 30;
/// How long a resolved token is trusted from memory before the database is
/// asked again: bounds how late a revocation reaches a running server.
const TOKEN_CACHE_MS: i64 = 10_000;
/// Entries kept in each in-memory table before it is cleared wholesale.
const MAX_CACHE_ENTRIES: usize = 100_000;
const WINDOW_MS: i64 = 60_000;

#[derive(Clone)]
struct CachedToken {
    caller: Caller,
    expires_at_ms: i64,
    checked_at_ms: i64,
}

#[derive(Default)]
pub(crate) struct AuthState {
    tokens: Mutex<HashMap<String, CachedToken>>,
    per_address: Mutex<HashMap<IpAddr, (i64, u32)>>,
    per_client: Mutex<HashMap<String, (i64, u32)>>,
}

/// Counts a request in a fixed one-minute window; false once over `limit`.
fn admit<K: std::hash::Hash + Eq>(
    table: &Mutex<HashMap<K, (i64, u32)>>,
    key: K,
    now_ms: i64,
    limit: u32,
) -> bool {
    let mut table = table.lock().unwrap_or_else(|p| p.into_inner());
    if table.len() >= MAX_CACHE_ENTRIES {
        table.clear();
    }
    let entry = table.entry(key).or_insert((now_ms, 0));
    if now_ms - entry.0 >= WINDOW_MS {
        *entry = (now_ms, 0);
    }
    entry.1 += 1;
    entry.1 <= limit
}

/// A token as returned by `POST /api/Auth/Token`.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    /// `yyyyMMddHHmm` UTC, the same text as after the token's `+`.
    pub expire_date: String,
}

fn invalid_credentials() -> ServiceError {
    ServiceError::Unauthenticated("Invalid client credentials.".into())
}

/// A hash to verify against when the client does not exist, so that unknown and
/// known client ids take the same time.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| secret::hash_secret("cardhost-timing-equalizer").unwrap_or_default())
}

async fn verify_off_thread(secret_text: ClientSecret, hash: String) -> bool {
    tokio::task::spawn_blocking(move || secret::verify_secret(secret_text.expose(), &hash))
        .await
        .unwrap_or(false)
}

/// The expiry of a token issued at `now`: `ttl` later, down to the whole minute so
/// the expiry the token shows is exactly the one enforced.
fn token_expiry(now: DateTime<Utc>, ttl_minutes: i64) -> DateTime<Utc> {
    let at = now + Duration::minutes(ttl_minutes);
    at.with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(at)
}

pub async fn issue_token(
    host: &Host,
    client_id: &str,
    client_secret: &ClientSecret,
    remote: IpAddr,
) -> Result<IssuedToken, ServiceError> {
    let now = host.clock.now();
    let now_ms = now.timestamp_millis();
    if !admit(
        &host.auth.per_address,
        remote,
        now_ms,
        TOKEN_REQUESTS_PER_ADDRESS_PER_MINUTE,
    ) {
        return Err(ServiceError::RateLimited(
            "Too many token requests from this address; retry in a minute.".into(),
        ));
    }
    if !admit(
        &host.auth.per_client,
        client_id.to_owned(),
        now_ms,
        TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE,
    ) {
        return Err(ServiceError::RateLimited(
            "Too many token requests for this client; retry in a minute.".into(),
        ));
    }
    let client = clients::get(host.db.reader(), client_id).await?;
    let Some(client) = client.filter(|c| c.status == ClientStatus::Active) else {
        verify_off_thread(client_secret.clone(), dummy_hash().to_owned()).await;
        return Err(invalid_credentials());
    };
    if client.locked_until > now_ms {
        return Err(ServiceError::Unauthenticated(format!(
            "The client is locked after {LOCK_AFTER_FAILURES} wrong secrets in a row; retry after {} UTC.",
            DateTime::from_timestamp_millis(client.locked_until)
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default()
        )));
    }
    let mut tx = host.db.begin().await?;
    if !verify_off_thread(client_secret.clone(), client.secret_hash.clone()).await {
        let lock_until = now_ms + LOCK_MINUTES * 60_000;
        clients::record_failure(&mut tx, client_id, LOCK_AFTER_FAILURES, lock_until).await?;
        tx.commit()
            .await
            .map_err(cardhost_store::StoreError::from)?;
        return Err(invalid_credentials());
    }
    let expires = token_expiry(now, host.settings.token_ttl_minutes);
    let expire_date = expires.format("%Y%m%d%H%M").to_string();
    let token = format!("{}+{}", uuid::Uuid::new_v4(), expire_date);
    clients::reset_failures(&mut tx, client_id).await?;
    clients::insert_token(
        &mut tx,
        &secret::hash_token(&token),
        client_id,
        expires.timestamp_millis(),
        now_ms,
    )
    .await?;
    clients::purge_expired_tokens(&mut tx, now_ms).await?;
    tx.commit()
        .await
        .map_err(cardhost_store::StoreError::from)?;
    Ok(IssuedToken { token, expire_date })
}

/// `uuid+yyyyMMddHHmm`, nothing else.
fn well_formed(token: &str) -> bool {
    match token.split_once('+') {
        Some((id, expiry)) => {
            uuid::Uuid::try_parse(id).is_ok()
                && expiry.len() == 12
                && expiry.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// The caller behind a `token` header, or `Result` 5.
pub async fn authenticate(host: &Host, token: Option<&str>) -> Result<Caller, ServiceError> {
    let token = token.map(str::trim).unwrap_or_default();
    if token.is_empty() {
        return Err(ServiceError::Unauthenticated(
            "The token header is missing; get a token from POST /api/Auth/Token.".into(),
        ));
    }
    if !well_formed(token) {
        return Err(ServiceError::Unauthenticated(
            "The token is not one this host issued.".into(),
        ));
    }
    let now_ms = host.clock.now_ms();
    let hash = secret::hash_token(token);
    let cached = {
        let cache = host.auth.tokens.lock().unwrap_or_else(|p| p.into_inner());
        cache.get(&hash).cloned()
    };
    if let Some(hit) = cached {
        if hit.expires_at_ms <= now_ms {
            return Err(ServiceError::Unauthenticated(
                "The token has expired; get a new one.".into(),
            ));
        }
        if now_ms - hit.checked_at_ms < TOKEN_CACHE_MS {
            return Ok(hit.caller);
        }
    }
    let found = clients::client_for_token(host.db.reader(), &hash, now_ms).await?;
    let Some((client, expires_at_ms)) = found else {
        host.auth
            .tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&hash);
        return Err(ServiceError::Unauthenticated(
            "The token is unknown, expired or revoked.".into(),
        ));
    };
    let caller = Caller {
        client_id: client.client_id,
        scopes: Scopes::parse_list(&client.scopes).map_err(ServiceError::Internal)?,
        merchant_no: client.merchant_no,
    };
    let mut cache = host.auth.tokens.lock().unwrap_or_else(|p| p.into_inner());
    if cache.len() >= MAX_CACHE_ENTRIES {
        cache.clear();
    }
    cache.insert(
        hash,
        CachedToken {
            caller: caller.clone(),
            expires_at_ms,
            checked_at_ms: now_ms,
        },
    );
    Ok(caller)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_is_whole_minutes() {
        let now = DateTime::parse_from_rfc3339("2025-01-21T11:05:42Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            token_expiry(now, 60).format("%Y%m%d%H%M%S").to_string(),
            "20250121120500"
        );
    }

    #[test]
    fn token_shape() {
        assert!(well_formed(
            "58ff081d-eba7-4e9c-bfab-3cd51792b96d+202501211205"
        ));
        assert!(!well_formed("58ff081d-eba7-4e9c-bfab-3cd51792b96d"));
        assert!(!well_formed("nope+202501211205"));
        assert!(!well_formed(
            "58ff081d-eba7-4e9c-bfab-3cd51792b96d+2025012112"
        ));
    }
}
