//! Merchants: create, get, update, search, and their VPOS credentials.

use super::*;
use cardhost_domain::status::AcceptorStatus;

/// Merchant fields of a request; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct MerchantInput {
    pub merchant_no: Option<String>,
    pub merchant_name: Option<String>,
    pub trade_name: Option<String>,
    pub mcc: Option<String>,
    pub tax_no: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub zip_code: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub iban: Option<String>,
    pub currency: Option<i64>,
    pub pos_fee_profile_code: Option<String>,
    pub pos_authorization_profile_code: Option<String>,
    pub commission_profile_code: Option<String>,
    pub merchant_status: Option<String>,
    pub vpos_enabled: Option<bool>,
    pub open_date: Option<String>,
}

/// Credentials of a merchant's VPOS, shown once.
#[derive(Debug, Clone)]
pub struct VposCredentials {
    pub client_id: String,
    pub client_secret: ClientSecret,
    pub store_key: StoreKey,
}

/// Applies `input` to `row`, recording every invalid field.
fn apply_merchant(errors: &mut FieldErrors, row: &mut MerchantRow, input: &MerchantInput) {
    if let Some(name) = &input.merchant_name {
        if name.trim().is_empty() || name.chars().count() > 100 {
            errors.push("MerchantName", "must be 1 to 100 characters");
        } else {
            row.merchant_name = name.trim().to_owned();
        }
    }
    if let Some(mcc) = &input.mcc {
        if mcc.len() == 4 && mcc.bytes().all(|b| b.is_ascii_digit()) {
            row.mcc = mcc.clone();
        } else {
            errors.push("Mcc", "must be 4 digits");
        }
    }
    if let Some(country) = &input.country {
        if errors.check("Country", Country::parse(country)).is_some() {
            row.country = country.clone();
        }
    }
    let requested = |n| errors.check("Currency", Currency::requested(n));
    if let Some(c) = input.currency.and_then(requested) {
        row.currency = c;
    }
    if let Some(iban) = &input.iban {
        if let Some(clean) = errors.check("Iban", parse_iban(iban)) {
            row.iban = Some(clean);
        }
    }
    if let Some(date) = &input.open_date {
        if let Some(d) = errors.check("OpenDate", parse_date(date)) {
            row.open_date = format_date(d);
        }
    }
    apply_merchant_texts(errors, row, input);
    named(
        errors,
        "MerchantStatus",
        &input.merchant_status,
        &mut row.merchant_status,
    );
}

/// The merchant's free texts and profile codes, each within its length.
fn apply_merchant_texts(errors: &mut FieldErrors, row: &mut MerchantRow, input: &MerchantInput) {
    let texts = [
        ("TradeName", &input.trade_name, 100, &mut row.trade_name),
        ("TaxNo", &input.tax_no, 20, &mut row.tax_no),
        ("Address", &input.address, 200, &mut row.address),
        ("City", &input.city, 50, &mut row.city),
        ("ZipCode", &input.zip_code, 20, &mut row.zip_code),
        ("Email", &input.email, 100, &mut row.email),
        ("Phone", &input.phone, 20, &mut row.phone),
        (
            "PosFeeProfileCode",
            &input.pos_fee_profile_code,
            20,
            &mut row.pos_fee_profile_code,
        ),
        (
            "PosAuthorizationProfileCode",
            &input.pos_authorization_profile_code,
            20,
            &mut row.pos_authorization_profile_code,
        ),
        (
            "CommissionProfileCode",
            &input.commission_profile_code,
            20,
            &mut row.commission_profile_code,
        ),
    ];
    for (field, value, max, slot) in texts {
        text(errors, field, value, max, slot);
    }
}

fn check_merchant_no(errors: &mut FieldErrors, no: &str) {
    if no.is_empty() || no.len() > MERCHANT_NO_MAX_LEN || !no.bytes().all(|b| b.is_ascii_digit()) {
        errors.push(
            "MerchantNo",
            format!("must be 1 to {MERCHANT_NO_MAX_LEN} digits"),
        );
    }
}

/// A new merchant before its input is applied. Currency is required, so its
/// placeholder is replaced or the insert fails naming the field.
fn blank_merchant(now: chrono::DateTime<chrono::Utc>) -> MerchantRow {
    MerchantRow {
        merchant_no: String::new(),
        merchant_name: String::new(),
        trade_name: None,
        mcc: String::new(),
        tax_no: None,
        address: None,
        city: None,
        country: String::new(),
        zip_code: None,
        email: None,
        phone: None,
        iban: None,
        currency: Currency::TRY,
        pos_fee_profile_code: None,
        pos_authorization_profile_code: None,
        commission_profile_code: None,
        merchant_status: AcceptorStatus::Active,
        vpos_enabled: 0,
        vpos_store_key: None,
        open_date: format_date(now.date_naive()),
        created_at: now.timestamp_millis(),
        updated_at: now.timestamp_millis(),
    }
}

/// Inserts a merchant (and, when VPOS is enabled, its client and store key) in `tx`.
pub(super) async fn insert_merchant(
    tx: &mut Tx<'_>,
    host: &Host,
    input: &MerchantInput,
) -> Result<(MerchantRow, Option<VposCredentials>), ServiceError> {
    let mut errors = FieldErrors::new();
    let now = host.clock.now();
    let mut row = blank_merchant(now);
    for (field, present) in [
        ("MerchantName", input.merchant_name.is_some()),
        ("Mcc", input.mcc.is_some()),
        ("Country", input.country.is_some()),
        ("Currency", input.currency.is_some()),
    ] {
        if !present {
            errors.push(field, "is required");
        }
    }
    if let Some(no) = &input.merchant_no {
        check_merchant_no(&mut errors, no);
    }
    apply_merchant(&mut errors, &mut row, input);
    profile_references(tx, &mut errors, row.profiles()).await?;
    errors.finish(())?;
    row.merchant_no = input
        .merchant_no
        .clone()
        .unwrap_or_else(|| digits(MERCHANT_NO_DIGITS));
    let vpos = if input.vpos_enabled == Some(true) {
        row.vpos_enabled = 1;
        let store_key = secret::random_secret(STORE_KEY_LEN);
        row.vpos_store_key = Some(
            host.security
                .seal_secret(STORE_KEY_PURPOSE, store_key.as_bytes())?,
        );
        let client_id = uuid::Uuid::new_v4().to_string();
        let client_secret = ClientSecret::new(secret::random_secret(CLIENT_SECRET_LEN));
        let new = NewClient {
            name: format!("vpos {}", row.merchant_no),
            scopes: Scopes::of(&[Scope::Vpos]),
            merchant_no: Some(row.merchant_no.clone()),
        };
        let client = prepare_row(&new, &client_id, &client_secret, now.timestamp_millis()).await?;
        Some((
            client,
            VposCredentials {
                client_id,
                client_secret,
                store_key: StoreKey::new(store_key),
            },
        ))
    } else {
        None
    };
    insert_new(tx, &row, "Merchant", &row.merchant_no).await?;
    let credentials = match vpos {
        Some((client, credentials)) => {
            clients::insert(tx, &client).await?;
            Some(credentials)
        }
        None => None,
    };
    Ok((row, credentials))
}

pub async fn create_merchant(
    host: &Host,
    call: &Call,
    input: MerchantInput,
) -> Result<(Merchant, Option<VposCredentials>), ServiceError> {
    call.caller.require(Scope::Acquirer)?;
    let mut tx = host.db.begin().await?;
    let (row, vpos) = insert_merchant(&mut tx, host, &input).await?;
    audit::success(&mut tx, host, call, &row.merchant_no).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok((row.into(), vpos))
}

pub async fn get_merchant(
    host: &Host,
    call: &Call,
    merchant_no: &str,
) -> Result<(Merchant, Vec<Terminal>), ServiceError> {
    ServiceError::require("MerchantNo", merchant_no)?;
    check_access(call, merchant_no)?;
    let merchant = merchants::merchant(host.db.reader(), merchant_no)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("Merchant {merchant_no} not found.")))?;
    let terminals = merchants::terminals_of(host.db.reader(), merchant_no).await?;
    Ok((
        merchant.into(),
        terminals.into_iter().map(Terminal::from).collect(),
    ))
}

pub async fn update_merchant(
    host: &Host,
    call: &Call,
    input: MerchantInput,
) -> Result<String, ServiceError> {
    call.caller.require(Scope::Acquirer)?;
    let no = ServiceError::required("MerchantNo", &input.merchant_no)?;
    edit(host, call, &no, |errors, row: &mut MerchantRow| {
        apply_merchant(errors, row, &input);
        if input.vpos_enabled.is_some() {
            errors.push("VposEnabled", "is set when the merchant is created");
        }
    })
    .await?;
    Ok(no)
}

pub async fn search_merchants(
    host: &Host,
    call: &Call,
    filter: MerchantFilter,
    paging: Paging,
) -> Result<Page<Merchant>, ServiceError> {
    call.caller.require(Scope::Acquirer)?;
    let found =
        merchants::search_merchants(host.db.reader(), &filter, paging.offset(), paging.page_size)
            .await?;
    Ok(paging.of(found).map(Merchant::from))
}

impl Acceptor for MerchantRow {
    const WHAT: &'static str = "Merchant";

    fn profiles(&self) -> [Option<&String>; 3] {
        [
            self.pos_fee_profile_code.as_ref(),
            self.pos_authorization_profile_code.as_ref(),
            self.commission_profile_code.as_ref(),
        ]
    }

    fn touch(&mut self, now_ms: i64) {
        self.updated_at = now_ms;
    }

    fn forget(host: &Host, no: &str) {
        host.caches.merchants.forget(no);
    }
}
