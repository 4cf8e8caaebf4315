//! Bulk data for benchmarks (`cardhost seed`): a merchant with a VPOS
//! terminal, and many funded, active debit cards written with multi-row
//! statements, one transaction per chunk. It is not an API operation: it
//! writes straight to the database and hands back each card's number and
//! CVV2 so a load generator can pay with them. Never run it against a
//! database that holds real cards.

use cardhost_crypto::cvv::SERVICE_CODE_CVV2;
use cardhost_crypto::KeyRef;
use cardhost_domain::card::{luhn_check_digit, CardStatus, Pan};
use cardhost_domain::ledger::{Account, Unit};
use cardhost_domain::product::{CardProduct, CardType};
use cardhost_domain::secret::Cvv2;
use cardhost_domain::status::CardTxType;
use cardhost_store::cards::{self, AccountRow, CardRow};
use cardhost_store::customers::{self, CustomerRow};
use cardhost_store::ledger::{self, EntryRow, TransferRow};
use cardhost_store::pans::{self, PanRow};
use cardhost_store::{table, Script, StoreError, Tx};
use rand::Rng;

use crate::acquirer::merchants::{self, MerchantInput, TerminalInput, VposCredentials};
use crate::host::{Call, Host};
use crate::issuer::cards::new_card_row;
use crate::money::balanced;
use crate::{Caller, Scopes, ServiceError};

/// Cards written per transaction.
pub const CHUNK: usize = 1_000;

/// A card as a payer knows it.
pub struct SeededCard {
    pub pan: Pan,
    pub expiry: String,
    pub cvv2: Cvv2,
}

fn operator() -> Result<Call, ServiceError> {
    Ok(Call {
        caller: Caller {
            client_id: "cli:seed".into(),
            scopes: Scopes::parse_list("admin").map_err(ServiceError::Internal)?,
            merchant_no: None,
        },
        operation: "Seed",
        request_id: "seed".into(),
    })
}

/// A merchant of the host's default currency with one VPOS terminal; returns
/// its VPOS client's credentials.
pub async fn merchant(
    host: &Host,
    merchant_no: &str,
    terminal_no: &str,
) -> Result<VposCredentials, ServiceError> {
    let product = debit_product(host)?;
    let merchant = MerchantInput {
        merchant_no: Some(merchant_no.into()),
        merchant_name: Some("Seeded shop".into()),
        mcc: Some("5411".into()),
        country: Some(product.country.as_str().into()),
        currency: Some(i64::from(product.currency)),
        vpos_enabled: Some(true),
        ..Default::default()
    };
    let terminal = TerminalInput {
        terminal_no: Some(terminal_no.into()),
        terminal_type: Some("Vpos".into()),
        ..Default::default()
    };
    let (_, _, credentials) =
        merchants::create_merchant_and_terminals(host, &operator()?, merchant, vec![terminal])
            .await?;
    credentials.ok_or_else(|| ServiceError::Internal("no VPOS credentials".into()))
}

fn debit_product(host: &Host) -> Result<&CardProduct, ServiceError> {
    host.settings
        .default_product(CardType::Debit)
        .ok_or_else(|| ServiceError::Internal("no debit product configured".into()))
}

/// The PAN numbered `n` inside the product's BIN (16 digits, Luhn-valid).
fn numbered_pan(bin: &str, n: u64) -> Result<Pan, ServiceError> {
    let width = 15 - bin.len();
    let space = 10_u64.pow(u32::try_from(width).unwrap_or(7));
    let payload = format!("{bin}{:0width$}", n % space);
    let check =
        luhn_check_digit(&payload).ok_or_else(|| ServiceError::Internal("PAN payload".into()))?;
    Pan::parse(&format!("{payload}{check}")).map_err(|e| ServiceError::Internal(e.into()))
}

/// A random start for this run's card numbers, so runs rarely collide (a PAN
/// already in the vault is skipped).
pub fn first_number() -> u64 {
    rand::thread_rng().gen_range(0..1_000_000_000)
}

/// Writes `count` (at most [`CHUNK`]) cards numbered from `first`, each with
/// `balance_minor` loaded from IssuerFunding in one balanced transfer.
pub async fn cards(
    host: &Host,
    first: u64,
    count: usize,
    balance_minor: i64,
) -> Result<Vec<SeededCard>, ServiceError> {
    let product = debit_product(host)?.clone();
    let now = host.clock.now_ms();
    let security = host.security.as_ref();
    let mut numbered = Vec::with_capacity(count);
    let mut new_pans = Vec::with_capacity(count);
    for n in (first..).take(count) {
        let pan = numbered_pan(&product.bin, n)?;
        new_pans.push(PanRow {
            fingerprint: security.fingerprint_pan(&pan)?,
            ciphertext: security.encrypt_pan(&pan)?,
            key_version: i64::from(security.pan_key_version()?),
            masked_pan: pan.masked(),
            created_at: now,
            ..PanRow::default()
        });
        numbered.push((n, pan));
    }
    // Reserved before the transaction: on SQLite it holds the one writer connection.
    let process_id = ledger::reserve_ids(host.db.writer(), "process_id", 1).await?;
    let transfer_id = ledger::reserve_ids(host.db.writer(), "transfer_id", 1).await?;
    let mut tx = host.db.begin().await?;
    let stored = pans::insert_new(&mut tx, &new_pans).await?;
    let ids: std::collections::HashMap<String, i64> = stored.into_iter().collect();
    let customer_no = format!("S{now}{first}");
    let mut rows = Vec::with_capacity(count);
    let mut seeded = Vec::with_capacity(count);
    for ((n, pan), new) in numbered.into_iter().zip(&new_pans) {
        let Some(pan_id) = ids.get(&new.fingerprint) else {
            continue;
        };
        let account_no = format!("8{:011}", n % 100_000_000_000);
        let row = active_card(host, &product, &pan, *pan_id, &customer_no, &account_no)?;
        let cvv2 = security.card_verification_value(
            KeyRef {
                name: &row.cvk_name,
                version: u32::try_from(row.cvk_version).ok(),
            },
            &pan,
            &row.expiry,
            SERVICE_CODE_CVV2,
        )?;
        seeded.push(SeededCard {
            pan,
            expiry: row.expiry.clone(),
            cvv2: Cvv2::new(cvv2),
        });
        rows.push(row);
    }
    let funding = Funding {
        process_id,
        transfer_id,
        balance_minor,
    };
    write_cards(&mut tx, host, &product, &customer_no, &rows, funding).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(seeded)
}

fn active_card(
    host: &Host,
    product: &CardProduct,
    pan: &Pan,
    pan_id: i64,
    customer_no: &str,
    account_no: &str,
) -> Result<CardRow, ServiceError> {
    let mut row = new_card_row(host, product, pan, pan_id, customer_no, account_no)?;
    row.emboss_name = "SEEDED CARD".into();
    row.is_virtual = 1;
    row.status = CardStatus::Active;
    row.activated_at = Some(row.created_at);
    Ok(row)
}

/// What each card is loaded with, and the ids of the one transfer that does it.
struct Funding {
    process_id: i64,
    transfer_id: i64,
    balance_minor: i64,
}

/// The customer, the accounts and cards, and the funding transfer.
async fn write_cards(
    tx: &mut Tx<'_>,
    host: &Host,
    product: &CardProduct,
    customer_no: &str,
    rows: &[CardRow],
    funding_ids: Funding,
) -> Result<(), ServiceError> {
    let Funding {
        process_id,
        transfer_id,
        balance_minor,
    } = funding_ids;
    let now = host.clock.now_ms();
    let currency = product.currency;
    let unit = Unit::Money(currency);
    let customer = CustomerRow {
        customer_no: customer_no.to_owned(),
        profile: r#"{"Name":"Seeded","Surname":"Cards"}"#.into(),
        credit_limit: 0,
        limit_currency: product.currency,
        created_at: now,
        updated_at: now,
    };
    customers::insert_many(tx, &[customer]).await?;
    let accounts: Vec<AccountRow> = rows
        .iter()
        .map(|c| AccountRow {
            account_no: c.account_no.clone(),
            customer_no: customer_no.to_owned(),
            card_type: CardType::Debit,
            currency: product.currency,
            created_at: now,
        })
        .collect();
    table::insert_all(tx, &accounts).await?;
    cards::insert_many(tx, rows).await?;
    let funding = Account::IssuerFunding(currency).name();
    ledger::ensure_account(tx, &funding, unit, now).await?;
    let opened: Vec<(String, Unit, i64)> = rows
        .iter()
        .map(|c| (Account::Card(&c.account_no).name(), unit, balance_minor))
        .collect();
    ledger::open_accounts(tx, &opened, now).await?;
    let total = balance_minor * i64::try_from(rows.len()).unwrap_or(0);
    let legs = opened
        .iter()
        .map(|(account, _, amount)| (account.clone(), *amount, unit));
    let funded = balanced(std::iter::once((funding.clone(), -total, unit)).chain(legs))?;
    let entries: Vec<EntryRow> = EntryRow::of(transfer_id, &funded).collect();
    let transfer = TransferRow {
        transfer_id,
        process_id,
        kind: CardTxType::Load.name().into(),
        created_at: now,
    };
    let transfers = [transfer];
    let moves = [(funding, -total, 0)];
    let mut script = Script::default();
    ledger::insert_transfers(&mut script, &transfers, &entries);
    ledger::move_balances(&mut script, &moves);
    Ok(script.run(tx).await?)
}
