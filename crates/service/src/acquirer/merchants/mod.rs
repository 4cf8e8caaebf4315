//! Merchants and terminals: their shared field checks and access rule, and
//! both created at once.

mod merchant;
mod terminal;
mod view;

pub use merchant::*;
pub use terminal::*;
pub use view::{Merchant, Terminal};

use cardhost_crypto::secret;
use cardhost_domain::date::{format_date, parse_date};
use cardhost_domain::iban::parse_iban;
use cardhost_domain::secret::{ClientSecret, StoreKey};
use cardhost_domain::status::Named;
use cardhost_domain::{Country, Currency, FieldErrors};
use cardhost_store::merchants::{self, MerchantFilter, MerchantRow, TerminalFilter, TerminalRow};
use cardhost_store::{clients, table, StoreError, Tx};
use rand::Rng;

use crate::caller::{Scope, Scopes};
use crate::clients::{prepare_row, NewClient};
use crate::host::{Call, Host};
use crate::money::reports::{Page, Paging};
use crate::{audit, ServiceError};

/// Longest merchant number (spec acquirer.md: up to 15 digits).
pub const MERCHANT_NO_MAX_LEN: usize = 15;
/// Length of a generated merchant number.
const MERCHANT_NO_DIGITS: usize = 10;
/// Terminal numbers are 8 characters (spec acquirer.md).
pub const TERMINAL_NO_LEN: usize = 8;
/// Length of a generated VPOS store key (letters and digits, ~280 bits).
const STORE_KEY_LEN: usize = 48;
const CLIENT_SECRET_LEN: usize = 48;
/// What sealed store keys are bound to.
pub const STORE_KEY_PURPOSE: &str = "vpos-store-key";

/// The caller may act on this merchant: `acquirer`, or a `vpos` client bound to it.
pub fn check_access(call: &Call, merchant_no: &str) -> Result<(), ServiceError> {
    if call.caller.scopes.contains(Scope::Acquirer) {
        return Ok(());
    }
    if call.caller.scopes.contains(Scope::Vpos)
        && call.caller.merchant_no.as_deref() == Some(merchant_no)
    {
        return Ok(());
    }
    Err(ServiceError::Forbidden(
        "This client may not act on that merchant.".into(),
    ))
}

/// The terminal, when the caller may act on its merchant. Another
/// merchant's terminal is not found, word for word as one that does not
/// exist: a `vpos` client learns nothing of other merchants.
pub async fn accessible_terminal(
    host: &crate::host::Host,
    call: &Call,
    terminal_no: &str,
) -> Result<cardhost_store::merchants::TerminalRow, ServiceError> {
    ServiceError::require("TerminalNo", terminal_no)?;
    cardhost_store::merchants::terminal(host.db.reader(), terminal_no)
        .await?
        .filter(|t| check_access(call, &t.merchant_no).is_ok())
        .ok_or_else(|| ServiceError::NotFound(format!("Terminal {terminal_no} not found.")))
}

/// What merchants and terminals share as rows the acquirer edits.
trait Acceptor: table::Table {
    /// What the row is, as a refusal names it.
    const WHAT: &'static str;

    /// The profiles it names: fee, authorization, commission.
    fn profiles(&self) -> [Option<&String>; 3];

    fn touch(&mut self, now_ms: i64);

    /// Drops the cached copy a payment would read.
    fn forget(host: &Host, no: &str);
}

/// Edits the merchant or terminal `no` under its row lock: `apply` records
/// every invalid field, the profiles it names must exist, and the row is
/// written back audited, or nothing is.
async fn edit<T: Acceptor>(
    host: &Host,
    call: &Call,
    no: &str,
    apply: impl FnOnce(&mut FieldErrors, &mut T),
) -> Result<(), ServiceError> {
    let mut tx = host.db.begin().await?;
    let mut row: T = table::by_key_for_update(&mut tx, host.db.engine(), no)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("{} {no} not found.", T::WHAT)))?;
    let mut errors = FieldErrors::new();
    apply(&mut errors, &mut row);
    profile_references(&mut tx, &mut errors, row.profiles()).await?;
    errors.finish(())?;
    row.touch(host.clock.now_ms());
    table::update(&mut tx, &row).await?;
    audit::success(&mut tx, host, call, no).await?;
    tx.commit().await.map_err(StoreError::from)?;
    T::forget(host, no);
    Ok(())
}

/// Inserts a new merchant or terminal (`what`); one that exists is `Result` 3.
async fn insert_new<T: table::Table>(
    tx: &mut Tx<'_>,
    row: &T,
    what: &str,
    no: &str,
) -> Result<(), ServiceError> {
    table::insert(tx, row).await.map_err(|e| match e {
        StoreError::Duplicate => {
            ServiceError::AlreadyExists(format!("{what} {no} already exists."))
        }
        other => other.into(),
    })
}

fn text(
    errors: &mut FieldErrors,
    field: &str,
    value: &Option<String>,
    max: usize,
    slot: &mut Option<String>,
) {
    if let Some(v) = value {
        if v.chars().count() > max {
            errors.push(field, format!("must be at most {max} characters"));
        } else {
            *slot = Some(v.clone());
        }
    }
}

/// One of a kind's names (a status, a terminal type), when the input names one.
fn named<T: Named>(errors: &mut FieldErrors, field: &str, value: &Option<String>, slot: &mut T) {
    if let Some(v) = value {
        match T::parse(v) {
            Ok(s) => *slot = s,
            Err(_) => errors.push(field, format!("must be one of {}", T::names())),
        }
    }
}

fn digits(n: usize) -> String {
    let mut rng = rand::thread_rng();
    let first = char::from(b'1' + rng.gen_range(0..9u8));
    std::iter::once(first)
        .chain((1..n).map(|_| char::from(b'0' + rng.gen_range(0..10u8))))
        .collect()
}

/// `CreateMerchantAndTerminal`: the merchant and every terminal, or nothing.
pub async fn create_merchant_and_terminals(
    host: &Host,
    call: &Call,
    merchant: MerchantInput,
    terminals: Vec<TerminalInput>,
) -> Result<(Merchant, Vec<Terminal>, Option<VposCredentials>), ServiceError> {
    call.caller.require(Scope::Acquirer)?;
    let mut tx = host.db.begin().await?;
    let (row, credentials) = insert_merchant(&mut tx, host, &merchant)
        .await
        .map_err(|e| prefix_fields(e, "Merchant."))?;
    let mut created = Vec::new();
    for (i, t) in terminals.iter().enumerate() {
        let prefix = format!("Terminals[{i}].");
        let terminal = insert_terminal(&mut tx, host, t, &row.merchant_no, &prefix).await?;
        created.push(Terminal::from(terminal));
    }
    audit::success(&mut tx, host, call, &row.merchant_no).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok((row.into(), created, credentials))
}

fn prefix_fields(err: ServiceError, prefix: &str) -> ServiceError {
    match err {
        ServiceError::Validation(errors) => {
            let mut out = FieldErrors::new();
            for e in errors.into_vec() {
                out.push(format!("{prefix}{}", e.field), e.message);
            }
            ServiceError::Validation(out)
        }
        other => other,
    }
}

/// That the fee, authorization and commission profiles named exist.
async fn profile_references(
    tx: &mut Tx<'_>,
    errors: &mut FieldErrors,
    [fee, authorization, commission]: [Option<&String>; 3],
) -> Result<(), ServiceError> {
    use crate::acquirer::profiles::{check_references, Kind};
    let named = [
        ("PosFeeProfileCode", Kind::Fee, fee),
        (
            "PosAuthorizationProfileCode",
            Kind::Authorization,
            authorization,
        ),
        ("CommissionProfileCode", Kind::Commission, commission),
    ];
    check_references(tx, errors, &named).await
}
