//! POS authorization profiles, POS fee profiles and (deprecated) commission profiles.

mod documents;

pub use documents::*;

use std::sync::Arc;

use cardhost_domain::FieldErrors;
use cardhost_store::{profiles, StoreError};
use serde::{Deserialize, Serialize};

use crate::caller::Scope;
use crate::host::{Call, Host};
use crate::{audit, ServiceError};

fn to_json<T: Serialize>(value: &T) -> Result<String, ServiceError> {
    serde_json::to_string(value).map_err(|e| ServiceError::Internal(e.to_string()))
}

/// Whether a profile is written as a new one or over the one stored.
#[derive(Clone, Copy)]
enum Write {
    New,
    Over,
}

/// Writes a profile, audited; a new one whose code exists is `Result` 3, an
/// update of one that does not is `Result` 2.
async fn store<T: Serialize>(
    host: &Host,
    call: &Call,
    kind: Kind,
    code: &str,
    profile: &T,
    write: Write,
) -> Result<(), ServiceError> {
    let (body, now) = (to_json(profile)?, host.clock.now_ms());
    let mut tx = host.db.begin().await?;
    let written = match write {
        Write::New => profiles::insert(&mut tx, kind.name(), code, &body, now)
            .await
            .map(|()| true),
        Write::Over => profiles::update(&mut tx, kind.name(), code, &body, now).await,
    };
    match written {
        Ok(true) => {}
        Ok(false) => return Err(ServiceError::NotFound(format!("Profile {code} not found."))),
        Err(StoreError::Duplicate) => {
            return Err(ServiceError::AlreadyExists(format!(
                "Profile {code} already exists."
            )))
        }
        Err(other) => return Err(other.into()),
    }
    audit::success(&mut tx, host, call, code).await?;
    tx.commit().await.map_err(StoreError::from)?;
    host.caches.profiles.forget(&(kind, code.to_owned()));
    Ok(())
}

/// The authorization profile with this code, through the host's cache.
pub async fn authorization(
    host: &Host,
    code: &str,
) -> Result<Arc<AuthorizationProfile>, ServiceError> {
    cached(host, code).await
}

/// The profile of kind `P` with this code, through the host's cache.
pub async fn cached<P: ProfileDoc + Send + 'static>(
    host: &Host,
    code: &str,
) -> Result<Arc<P>, ServiceError> {
    let now = host.clock.now_ms();
    let key = (P::KIND, code.to_owned());
    let hit = host.caches.profiles.get(&key, now);
    if let Some(profile) = hit.and_then(|p| p.downcast::<P>().ok()) {
        return Ok(profile);
    }
    let profile: Arc<P> = Arc::new(load(host, P::KIND, code).await?);
    host.caches.profiles.put(key, profile.clone(), now);
    Ok(profile)
}

/// The stored profile of `kind` with this code, or `Result` 2.
pub async fn load<T: for<'de> Deserialize<'de>>(
    host: &Host,
    kind: Kind,
    code: &str,
) -> Result<T, ServiceError> {
    let body = profiles::get(host.db.reader(), kind.name(), code)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("Profile {code} not found.")))?;
    serde_json::from_str(&body).map_err(|e| ServiceError::Internal(format!("profile {code}: {e}")))
}

/// `Create…Profile`: a new profile of kind `P`; `Result` 3 when the code exists.
pub async fn create<P: ProfileDoc>(
    host: &Host,
    call: &Call,
    input: P::Input,
) -> Result<String, ServiceError> {
    call.caller.require(Scope::Acquirer)?;
    let code = code_of(P::code(&input))?;
    let mut errors = FieldErrors::new();
    for (field, present) in P::required(&input) {
        if !present {
            errors.push(field, "is required");
        }
    }
    let mut profile = P::starting();
    profile.apply(&mut errors, &input);
    errors.finish(())?;
    store(host, call, P::KIND, &code, &profile, Write::New).await?;
    Ok(code)
}

/// `Update…Profile`: the fields present change (a `Rates` list replaces the old one).
pub async fn update<P: ProfileDoc>(
    host: &Host,
    call: &Call,
    input: P::Input,
) -> Result<String, ServiceError> {
    call.caller.require(Scope::Acquirer)?;
    let code = code_of(P::code(&input))?;
    let mut profile: P = load(host, P::KIND, &code).await?;
    let mut errors = FieldErrors::new();
    profile.apply(&mut errors, &input);
    errors.finish(())?;
    store(host, call, P::KIND, &code, &profile, Write::Over).await?;
    Ok(code)
}

pub async fn get<T: for<'de> Deserialize<'de>>(
    host: &Host,
    call: &Call,
    kind: Kind,
    code: Option<&str>,
) -> Result<(String, T), ServiceError> {
    call.caller.require(Scope::Acquirer)?;
    let code = code_of(&code.map(str::to_owned))?;
    Ok((code.clone(), load(host, kind, &code).await?))
}

/// Deletes a profile; `Result` 4 while a merchant or terminal uses it.
pub async fn delete(
    host: &Host,
    call: &Call,
    kind: Kind,
    code: Option<&str>,
) -> Result<String, ServiceError> {
    call.caller.require(Scope::Acquirer)?;
    let code = code_of(&code.map(str::to_owned))?;
    let mut tx = host.db.begin().await?;
    let users = profiles::users(&mut tx, kind.column(), &code).await?;
    if users > 0 {
        return Err(ServiceError::NotAllowed(format!(
            "Profile {code} is used by {users} merchants or terminals."
        )));
    }
    if !profiles::delete(&mut tx, kind.name(), &code).await? {
        return Err(ServiceError::NotFound(format!("Profile {code} not found.")));
    }
    audit::success(&mut tx, host, call, &code).await?;
    tx.commit().await.map_err(StoreError::from)?;
    host.caches.profiles.forget(&(kind, code.clone()));
    Ok(code)
}

/// Records an error for each profile code that names no profile.
pub async fn check_references(
    tx: &mut cardhost_store::Tx<'_>,
    errors: &mut FieldErrors,
    refs: &[(&str, Kind, Option<&String>)],
) -> Result<(), ServiceError> {
    for (field, kind, code) in refs {
        if let Some(code) = code {
            if !profiles::exists(tx, kind.name(), code).await? {
                errors.push(*field, "is not a known profile");
            }
        }
    }
    Ok(())
}
