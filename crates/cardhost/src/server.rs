//! Start-up: database, key store, bootstrap admin, then the HTTP server.

use std::sync::Arc;

use anyhow::Context;
use cardhost_crypto::{KeyStore, SoftwareModule};
use cardhost_domain::secret::ClientSecret;
use cardhost_service::clients::{self, CreatedClient};
use cardhost_service::{Clock, Host, Settings};
use cardhost_store::Db;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::serving::Capacity;

/// Admin credentials from `CARDHOST_ADMIN_CLIENT_ID` / `_SECRET`, when both are set.
pub fn admin_credentials_from_env() -> Option<(String, ClientSecret)> {
    let id = std::env::var("CARDHOST_ADMIN_CLIENT_ID")
        .ok()
        .filter(|v| !v.is_empty())?;
    let secret = std::env::var("CARDHOST_ADMIN_CLIENT_SECRET")
        .ok()
        .filter(|v| !v.is_empty())?;
    Some((id, ClientSecret::new(secret)))
}

/// The running host over an opened database and key store.
pub async fn build_host(
    db: Db,
    keys: KeyStore,
    clock: Arc<dyn Clock>,
    config: &Config,
) -> Arc<Host> {
    let settings = Settings {
        token_ttl_minutes: config.token_ttl_minutes,
        products: config.products.clone(),
        sms_log_file: config.sms_log_file.clone(),
        sms_log_secrets: config.sms_log_secrets,
        calendar: config.calendar.clone(),
        network_timeout_ms: config.network_timeout_ms,
        authorizer_workers: config.authorizer_workers,
        public_url: config.public_url.trim_end_matches('/').to_owned(),
    };
    Host::new(db, Arc::new(SoftwareModule::new(keys)), clock, settings)
}

/// Creates the bootstrap admin on a fresh database; returns generated
/// credentials to print once (none when they came from the environment or the
/// admin already exists).
pub async fn bootstrap(host: &Host) -> anyhow::Result<Option<CreatedClient>> {
    let now = host.clock.now_ms();
    clients::bootstrap_admin(&host.db, admin_credentials_from_env(), now)
        .await
        .context("creating the bootstrap admin client")
}

pub fn print_admin_credentials(created: &CreatedClient, listen: &str) {
    println!();
    println!("Created the bootstrap admin client. Its secret is shown only this once:");
    println!("ClientId: {}", created.client_id);
    println!("ClientSecret: {}", created.client_secret.expose());
    println!();
    println!("Get a token:");
    println!(
        "  curl -s -X POST http://{listen}/api/Auth/Token -H 'Content-Type: application/json' \\\n    -d '{{\"ClientId\": \"{}\", \"ClientSecret\": \"{}\"}}'",
        created.client_id,
        created.client_secret.expose()
    );
    println!("then send it as the 'token' header. API reference: http://{listen}/docs");
    println!();
}

/// Serves `host` on `listener` within `capacity` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    host: Arc<Host>,
    capacity: Capacity,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = cardhost_http::app(host, capacity.in_flight);
    crate::serving::run(listener, app, capacity.connections, shutdown)
        .await
        .context("serving HTTP")
}
