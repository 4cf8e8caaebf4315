//! Terminals: create, get, update, search.

use super::*;
use cardhost_domain::status::AcceptorStatus;

#[derive(Debug, Clone, Default)]
pub struct TerminalInput {
    pub terminal_no: Option<String>,
    pub merchant_no: Option<String>,
    pub terminal_type: Option<String>,
    pub serial_no: Option<String>,
    pub model: Option<String>,
    pub terminal_status: Option<String>,
    pub pos_authorization_profile_code: Option<String>,
    pub pos_fee_profile_code: Option<String>,
    pub address: Option<String>,
}

fn apply_terminal(errors: &mut FieldErrors, row: &mut TerminalRow, input: &TerminalInput) {
    named(
        errors,
        "TerminalType",
        &input.terminal_type,
        &mut row.terminal_type,
    );
    named(
        errors,
        "TerminalStatus",
        &input.terminal_status,
        &mut row.terminal_status,
    );
    text(errors, "SerialNo", &input.serial_no, 50, &mut row.serial_no);
    text(errors, "Model", &input.model, 50, &mut row.model);
    text(errors, "Address", &input.address, 200, &mut row.address);
    text(
        errors,
        "PosAuthorizationProfileCode",
        &input.pos_authorization_profile_code,
        20,
        &mut row.pos_authorization_profile_code,
    );
    text(
        errors,
        "PosFeeProfileCode",
        &input.pos_fee_profile_code,
        20,
        &mut row.pos_fee_profile_code,
    );
}

pub(super) async fn insert_terminal(
    tx: &mut Tx<'_>,
    host: &Host,
    input: &TerminalInput,
    merchant_no: &str,
    field_prefix: &str,
) -> Result<TerminalRow, ServiceError> {
    let mut errors = FieldErrors::new();
    let now = host.clock.now_ms();
    let mut row = TerminalRow {
        merchant_no: merchant_no.to_owned(),
        terminal_status: AcceptorStatus::Active,
        open_batch_no: 1,
        created_at: now,
        updated_at: now,
        ..Default::default()
    };
    if input.terminal_type.is_none() {
        errors.push(format!("{field_prefix}TerminalType"), "is required");
    }
    if let Some(no) = &input.terminal_no {
        if no.len() != TERMINAL_NO_LEN || !no.bytes().all(|b| b.is_ascii_alphanumeric()) {
            errors.push(
                format!("{field_prefix}TerminalNo"),
                "must be 8 letters or digits",
            );
        }
    }
    let mut inner = FieldErrors::new();
    apply_terminal(&mut inner, &mut row, input);
    profile_references(tx, &mut inner, row.profiles()).await?;
    for e in inner.into_vec() {
        errors.push(format!("{field_prefix}{}", e.field), e.message);
    }
    errors.finish(())?;
    row.terminal_no = input
        .terminal_no
        .clone()
        .unwrap_or_else(|| digits(TERMINAL_NO_LEN));
    insert_new(tx, &row, "Terminal", &row.terminal_no).await?;
    Ok(row)
}

pub async fn create_terminal(
    host: &Host,
    call: &Call,
    input: TerminalInput,
) -> Result<Terminal, ServiceError> {
    call.caller.require(Scope::Acquirer)?;
    let merchant_no = ServiceError::required("MerchantNo", &input.merchant_no)?;
    let mut tx = host.db.begin().await?;
    if merchants::merchant_for_update(&mut tx, host.db.engine(), &merchant_no)
        .await?
        .is_none()
    {
        return Err(ServiceError::NotFound(format!(
            "Merchant {merchant_no} not found."
        )));
    }
    let row = insert_terminal(&mut tx, host, &input, &merchant_no, "").await?;
    audit::success(&mut tx, host, call, &row.terminal_no).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(row.into())
}

pub async fn get_terminal(
    host: &Host,
    call: &Call,
    terminal_no: &str,
) -> Result<Terminal, ServiceError> {
    Ok(super::accessible_terminal(host, call, terminal_no)
        .await?
        .into())
}

pub async fn update_terminal(
    host: &Host,
    call: &Call,
    input: TerminalInput,
) -> Result<String, ServiceError> {
    call.caller.require(Scope::Acquirer)?;
    let no = ServiceError::required("TerminalNo", &input.terminal_no)?;
    edit(host, call, &no, |errors, row: &mut TerminalRow| {
        apply_terminal(errors, row, &input);
        if input
            .merchant_no
            .as_ref()
            .is_some_and(|m| *m != row.merchant_no)
        {
            errors.push("MerchantNo", "a terminal stays with its merchant");
        }
    })
    .await?;
    Ok(no)
}

pub async fn search_terminals(
    host: &Host,
    call: &Call,
    filter: TerminalFilter,
    paging: Paging,
) -> Result<Page<Terminal>, ServiceError> {
    call.caller.require(Scope::Acquirer)?;
    let found =
        merchants::search_terminals(host.db.reader(), &filter, paging.offset(), paging.page_size)
            .await?;
    Ok(paging.of(found).map(Terminal::from))
}

impl Acceptor for TerminalRow {
    const WHAT: &'static str = "Terminal";

    /// Fee and authorization; a terminal has no commission profile.
    fn profiles(&self) -> [Option<&String>; 3] {
        [
            self.pos_fee_profile_code.as_ref(),
            self.pos_authorization_profile_code.as_ref(),
            None,
        ]
    }

    fn touch(&mut self, now_ms: i64) {
        self.updated_at = now_ms;
    }

    fn forget(host: &Host, no: &str) {
        host.caches.terminals.forget(no);
    }
}
