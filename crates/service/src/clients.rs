//! API clients, managed by the operator's CLI and by the bootstrap at first start.

use cardhost_crypto::secret;
use cardhost_domain::secret::ClientSecret;
use cardhost_domain::status::ClientStatus;
use cardhost_store::clients::{self, ClientRow};
use cardhost_store::{meta, Db, StoreError};

use crate::caller::{Scope, Scopes};
use crate::ServiceError;

/// Length of generated client secrets (letters and digits: ~280 bits).
const SECRET_LEN: usize = 48;
const NAME_MAX_LEN: usize = 64;
const BOOTSTRAP_KEY: &str = "bootstrap_admin_client";

#[derive(Debug, Clone)]
pub struct NewClient {
    pub name: String,
    pub scopes: Scopes,
    pub merchant_no: Option<String>,
}

/// A created client; the secret exists in clear only here, to be shown once.
#[derive(Debug)]
pub struct CreatedClient {
    pub client_id: String,
    pub client_secret: ClientSecret,
}

fn check(new: &NewClient) -> Result<(), ServiceError> {
    if new.name.trim().is_empty() || new.name.chars().count() > NAME_MAX_LEN {
        return Err(ServiceError::field(
            "Name",
            format!("must be 1 to {NAME_MAX_LEN} characters"),
        ));
    }
    match (&new.merchant_no, new.scopes.names(Scope::Vpos)) {
        (None, true) => Err(ServiceError::field(
            "MerchantNo",
            "a vpos client must be bound to a merchant",
        )),
        (Some(_), false) => Err(ServiceError::field(
            "MerchantNo",
            "only a vpos client is bound to a merchant",
        )),
        _ => Ok(()),
    }
}

/// The stored row for a new client (the secret only as its Argon2id hash).
pub(crate) async fn prepare_row(
    new: &NewClient,
    client_id: &str,
    client_secret: &ClientSecret,
    now_ms: i64,
) -> Result<ClientRow, ServiceError> {
    check(new)?;
    let secret_text = client_secret.clone();
    let secret_hash =
        tokio::task::spawn_blocking(move || secret::hash_secret(secret_text.expose()))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))??;
    Ok(ClientRow {
        client_id: client_id.to_owned(),
        name: new.name.trim().to_owned(),
        secret_hash,
        scopes: new.scopes.to_string(),
        merchant_no: new.merchant_no.clone(),
        status: ClientStatus::Active,
        failed_attempts: 0,
        locked_until: 0,
        created_at: now_ms,
    })
}

async fn insert(tx: &mut cardhost_store::Tx<'_>, row: &ClientRow) -> Result<(), ServiceError> {
    clients::insert(tx, row).await.map_err(|e| match e {
        StoreError::Duplicate => {
            ServiceError::AlreadyExists(format!("client {} already exists", row.client_id))
        }
        other => other.into(),
    })
}

/// A new client with a generated id and secret.
pub async fn create(db: &Db, new: &NewClient, now_ms: i64) -> Result<CreatedClient, ServiceError> {
    let client_id = uuid::Uuid::new_v4().to_string();
    let client_secret = ClientSecret::new(secret::random_secret(SECRET_LEN));
    let row = prepare_row(new, &client_id, &client_secret, now_ms).await?;
    let mut tx = db.begin().await?;
    insert(&mut tx, &row).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(CreatedClient {
        client_id,
        client_secret,
    })
}

pub async fn list(db: &Db) -> Result<Vec<ClientRow>, ServiceError> {
    Ok(clients::list(db.reader()).await?)
}

/// Revokes a client and its tokens; `Result` 2 when there is no such client.
pub async fn revoke(db: &Db, client_id: &str) -> Result<(), ServiceError> {
    let mut tx = db.begin().await?;
    if !clients::revoke(&mut tx, client_id).await? {
        return Err(ServiceError::NotFound(format!("no client {client_id}")));
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Creates the `admin` client on a fresh database, once. With `given`
/// credentials (from the environment) they are used and nothing is returned to
/// print; otherwise generated credentials are returned to be printed once.
pub async fn bootstrap_admin(
    db: &Db,
    given: Option<(String, ClientSecret)>,
    now_ms: i64,
) -> Result<Option<CreatedClient>, ServiceError> {
    let mut tx = db.begin().await?;
    let done = meta::get(&mut tx, BOOTSTRAP_KEY).await?;
    drop(tx);
    if done.is_some() {
        return Ok(None);
    }
    let new = NewClient {
        name: "admin".into(),
        scopes: Scopes::of(&[Scope::Admin]),
        merchant_no: None,
    };
    let from_env = given.is_some();
    let (client_id, client_secret) = given.unwrap_or_else(|| {
        (
            uuid::Uuid::new_v4().to_string(),
            ClientSecret::new(secret::random_secret(SECRET_LEN)),
        )
    });
    let row = prepare_row(&new, &client_id, &client_secret, now_ms).await?;
    // The client and the marker commit together: a crash between them cannot
    // leave a second admin behind on the next start.
    let mut tx = db.begin().await?;
    if !meta::set_once(&mut tx, BOOTSTRAP_KEY, &client_id).await? {
        return Ok(None);
    }
    insert(&mut tx, &row).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(if from_env {
        None
    } else {
        Some(CreatedClient {
            client_id,
            client_secret,
        })
    })
}
