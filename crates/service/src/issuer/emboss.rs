//! Emboss directives and the emboss file for the card bureau.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use cardhost_domain::status::Delivery;
use cardhost_store::cards::{self, CardRow};
use cardhost_store::{emboss, StoreError};

use super::card_ref::{self, CardKey};
use crate::caller::Scope;
use crate::host::{Call, Host};
use crate::{audit, vault, ServiceError};

pub async fn create_directive(
    host: &Host,
    call: &Call,
    key: &CardKey,
    delivery: Option<&str>,
    branch: Option<&str>,
) -> Result<(i64, CardRow), ServiceError> {
    call.caller.require(Scope::Issuer)?;
    let delivery = delivery
        .and_then(|d| Delivery::parse(d).ok())
        .ok_or_else(|| {
            ServiceError::field(
                "DeliveryAddressType",
                format!("must be {}", Delivery::names()),
            )
        })?;
    let branch = branch.filter(|b| !b.is_empty());
    if delivery == Delivery::Branch && branch.is_none() {
        return Err(ServiceError::field(
            "BranchCode",
            "is required for delivery to a branch",
        ));
    }
    if branch.is_some_and(|b| b.chars().count() > 10) {
        return Err(ServiceError::field(
            "BranchCode",
            "must be at most 10 characters",
        ));
    }
    let card = card_ref::find(host, key).await?;
    if card.is_virtual != 0 {
        return Err(ServiceError::NotAllowed(
            "a virtual card has no plastic to emboss".into(),
        ));
    }
    let mut tx = host.db.begin().await?;
    let directive = emboss::DirectiveRow {
        card_id: card.card_id,
        delivery_address_type: delivery,
        branch_code: branch.map(str::to_owned),
        created_at: host.clock.now_ms(),
        ..Default::default()
    };
    let id = emboss::insert(&mut tx, &directive).await?;
    audit::success(&mut tx, host, call, &card.masked_pan).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok((id, card))
}

/// Width of one emboss record, without its newline.
pub const RECORD_WIDTH: usize = 19 + 26 + 4 + 3 + 79 + 40 + 12 + 10 + 6 + 10;

fn field(text: &str, width: usize) -> String {
    let mut s: String = text.chars().take(width).collect();
    while s.chars().count() < width {
        s.push(' ');
    }
    s
}

/// One fixed-width record: PAN 19, emboss name 26, expiry `yyMM` 4, service
/// code 3, Track 1 equivalent 79, Track 2 equivalent 40 (both with PVKI, PVV and
/// the iCVV in the discretionary data), PIN mailer reference 12, directive id 10,
/// delivery type 6, branch code 10; space-padded, newline-terminated.
fn record(pan: &str, card: &CardRow, icvv: &str, directive: &emboss::DirectiveRow) -> String {
    let discretionary = format!("{}{}{}", card.pvki, card.pvv, icvv);
    let track1 = format!(
        "B{pan}^{}^{}{}{discretionary}",
        card.emboss_name.replace(' ', "/"),
        card.expiry,
        card.service_code
    );
    let track2 = format!("{pan}={}{}{discretionary}", card.expiry, card.service_code);
    [
        field(pan, 19),
        field(&card.emboss_name, 26),
        field(&card.expiry, 4),
        field(&card.service_code, 3),
        field(&track1, 79),
        field(&track2, 40),
        field(&format!("PM{:010}", directive.directive_id), 12),
        format!("{:010}", directive.directive_id),
        field(directive.delivery_address_type.name(), 6),
        field(directive.branch_code.as_deref().unwrap_or(""), 10),
    ]
    .concat()
}

/// Writes every queued directive to `out` (mode 0600, refusing to overwrite),
/// marks them `Exported` and audits the export. Returns how many were written.
pub async fn export(
    host: &Host,
    operator: &str,
    out: &Path,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<usize, ServiceError> {
    let queued = emboss::queued(host.db.reader()).await?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(out)
        .map_err(|e| ServiceError::NotAllowed(format!("cannot create {}: {e}", out.display())))?;
    let mut text = String::new();
    let total = u64::try_from(queued.len()).unwrap_or(u64::MAX);
    for (done, directive) in (1..).zip(&queued) {
        let card = cards::by_id(host.db.reader(), directive.card_id)
            .await?
            .ok_or_else(|| ServiceError::Internal("directive without card".into()))?;
        let pan = vault::reveal(&host.db, host.security.as_ref(), card.pan_id).await?;
        let cvk = super::card_keys::cvk(&card)?;
        let icvv = host.security.card_verification_value(
            cvk,
            &pan,
            &card.expiry,
            cardhost_crypto::cvv::SERVICE_CODE_ICVV,
        )?;
        text.push_str(&record(pan.expose(), &card, &icvv, directive));
        text.push('\n');
        on_progress(done, total);
    }
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| ServiceError::Internal(format!("writing the emboss file: {e}")))?;
    let now = host.clock.now_ms();
    let mut tx = host.db.begin().await?;
    for directive in &queued {
        emboss::mark_exported(&mut tx, directive.directive_id, now).await?;
    }
    let rec = cardhost_store::audit::AuditRecord {
        at: now,
        client_id: Some(operator.to_owned()),
        operation: "EmbossExport".into(),
        object_key: Some(out.display().to_string()),
        result: 0,
        detail: Some(format!("{} cards", queued.len())),
        request_id: None,
    };
    cardhost_store::audit::append(&mut tx, &rec).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(queued.len())
}
