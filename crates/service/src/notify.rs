//! The notification outbox: SMS and e-mail are queued in the operation's
//! transaction and delivered afterwards by a sender, so a crash never loses a
//! message's intent, and each message's id lets the provider drop a repeat.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use cardhost_domain::date::Timestamp;
use cardhost_domain::status::MessageStatus;
use cardhost_store::outbox::{self, OutboxRow};
use cardhost_store::{StoreError, Tx};
use serde_json::json;

use crate::host::Host;
use crate::ServiceError;

/// Messages delivered per pass of the sender.
const BATCH: i64 = 100;
/// Wait between retries of a failed delivery (doubling from this, capped at an hour).
const RETRY_BASE_MS: i64 = 5_000;
const RETRY_MAX_MS: i64 = 3_600_000;
/// How often the sender looks even when nothing woke it (retries come due).
/// What stands for a secret in the log file unless the operator shows secrets.
pub const MASKED_SECRET: &str = "****";

/// Queues an SMS in `tx`; `{secret}` in `template` is filled at delivery from
/// the `secret` ciphertext (a pin-storage value), never stored in clear.
pub async fn queue_sms(
    tx: &mut Tx<'_>,
    host: &Host,
    to: &str,
    template: &str,
    secret: Option<&str>,
) -> Result<String, ServiceError> {
    let now = host.clock.now_ms();
    let message_id = uuid::Uuid::new_v4().to_string();
    outbox::insert(
        tx,
        &OutboxRow {
            message_id: message_id.clone(),
            channel: "Sms".into(),
            recipient: to.to_owned(),
            template: template.to_owned(),
            secret: secret.map(str::to_owned),
            status: MessageStatus::Pending,
            attempts: 0,
            next_attempt: now,
            created_at: now,
            sent_at: None,
        },
    )
    .await?;
    Ok(message_id)
}

/// Writes one message to the `log` provider's file (mode 0600).
fn write_log_line(host: &Host, msg: &OutboxRow, text: &str) -> std::io::Result<()> {
    let line = json!({
        "MessageId": msg.message_id,
        "Channel": msg.channel,
        "To": msg.recipient,
        "Text": text,
        "CreateDate": Timestamp::from_millis(msg.created_at).format().map_err(std::io::Error::other)?,
    });
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&host.settings.sms_log_file)?;
    writeln!(file, "{line}")
}

/// What starts an outbox secret that is a one-time code sealed by
/// [`seal_code`], where any other is a stored PIN.
const CODE_PREFIX: &str = "code:";
const CODE_PURPOSE: &str = "sms-one-time-code";

/// A one-time code as the outbox keeps it until delivery: encrypted.
pub fn seal_code(host: &Host, code: &str) -> Result<String, ServiceError> {
    let sealed = host.security.seal_secret(CODE_PURPOSE, code.as_bytes())?;
    Ok(format!("{CODE_PREFIX}{sealed}"))
}

fn reveal(host: &Host, stored: &str) -> Result<String, ServiceError> {
    match stored.strip_prefix(CODE_PREFIX) {
        Some(sealed) => {
            let code = host.security.open_secret(CODE_PURPOSE, sealed)?;
            String::from_utf8(code.to_vec())
                .map_err(|_| ServiceError::Internal("a one-time code that is not text".into()))
        }
        None => Ok(host
            .security
            .reveal_pin_for_delivery(stored)?
            .digits()
            .to_owned()),
    }
}

fn render(host: &Host, msg: &OutboxRow) -> Result<String, ServiceError> {
    let secret = match (&msg.secret, host.settings.sms_log_secrets) {
        (Some(stored), true) => reveal(host, stored)?,
        _ => MASKED_SECRET.to_owned(),
    };
    Ok(msg.template.replace("{secret}", &secret))
}

/// Delivers every due message once; returns how many were sent. The sender
/// worker calls it in a loop, and tests call it to deliver deterministically.
pub async fn deliver_due(host: &Host) -> Result<usize, ServiceError> {
    let now = host.clock.now_ms();
    let due = outbox::due(host.db.reader(), now, BATCH).await?;
    let mut sent = 0;
    for msg in due {
        let delivered = render(host, &msg).and_then(|text| {
            write_log_line(host, &msg, &text)
                .map_err(|e| ServiceError::Internal(format!("SMS log: {e}")))
        });
        let mut tx = host.db.begin().await?;
        match delivered {
            Ok(()) => {
                outbox::mark_sent(&mut tx, &msg.message_id, now).await?;
                sent += 1;
            }
            Err(err) => {
                tracing::warn!(message_id = %msg.message_id, error = %err, "delivery failed; will retry");
                let backoff = (RETRY_BASE_MS << msg.attempts.clamp(0, 20)).min(RETRY_MAX_MS);
                outbox::mark_retry(&mut tx, &msg.message_id, now + backoff).await?;
            }
        }
        tx.commit().await.map_err(StoreError::from)?;
    }
    Ok(sent)
}
