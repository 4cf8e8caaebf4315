//! What each kind of profile holds, the requests that set it, and their rules.

use cardhost_domain::fees::{parse_any, parse_rate, FeeRate, ANY};
use cardhost_domain::money::MajorAmount;
use cardhost_domain::product::CardType;
use cardhost_domain::status::{AllowedType, Named, Network};
use cardhost_domain::{Currency, FieldErrors};
use serde::{Deserialize, Serialize};

use crate::ServiceError;

/// Installments a terminal allows when no profile says otherwise.
pub const DEFAULT_MAX_INSTALLMENTS: u8 = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Authorization,
    Fee,
    Commission,
}

impl Kind {
    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Authorization => "Authorization",
            Kind::Fee => "Fee",
            Kind::Commission => "Commission",
        }
    }

    /// The merchant (and terminal) column that names profiles of this kind.
    pub(super) fn column(self) -> &'static str {
        match self {
            Kind::Authorization => "pos_authorization_profile_code",
            Kind::Fee => "pos_fee_profile_code",
            Kind::Commission => "commission_profile_code",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationProfile {
    pub profile_name: String,
    pub allowed_transaction_types: Vec<AllowedType>,
    pub allow_foreign_cards: bool,
    pub allow_off_us_cards: bool,
    pub max_transaction_amount: Option<i64>,
    pub daily_amount_limit: Option<i64>,
    pub max_installment_count: u8,
    pub refund_day_limit: Option<u32>,
    pub require_3d_secure: bool,
    pub currency: Currency,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeProfile {
    pub profile_name: String,
    pub currency: Currency,
    pub rates: Vec<FeeRate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommissionProfile {
    pub profile_name: String,
    /// Percent × 10,000.
    pub commission_rate: i64,
    pub value_days: u32,
}

impl CommissionProfile {
    /// A commission profile behaves as a fee profile with one `Any/Any/1..99` row.
    pub fn as_rate(&self) -> FeeRate {
        FeeRate {
            card_type: None,
            network: None,
            installment_from: 1,
            installment_to: 99,
            rate: self.commission_rate,
            fixed_fee: 0,
            value_days: self.value_days,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct AuthorizationInput {
    pub profile_code: Option<String>,
    pub profile_name: Option<String>,
    pub allowed_transaction_types: Option<Vec<String>>,
    pub allow_foreign_cards: Option<bool>,
    pub allow_off_us_cards: Option<bool>,
    pub max_transaction_amount: Option<MajorAmount>,
    pub daily_amount_limit: Option<MajorAmount>,
    pub max_installment_count: Option<i64>,
    pub refund_day_limit: Option<i64>,
    pub require_3d_secure: Option<bool>,
    pub currency: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct RateInput {
    pub card_type: Option<String>,
    pub network: Option<String>,
    pub installment_from: Option<i64>,
    pub installment_to: Option<i64>,
    pub rate_percent: Option<MajorAmount>,
    pub fixed_fee: Option<MajorAmount>,
    pub value_days: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct FeeInput {
    pub profile_code: Option<String>,
    pub profile_name: Option<String>,
    pub currency: Option<i64>,
    pub rates: Option<Vec<RateInput>>,
}

#[derive(Debug, Clone, Default)]
pub struct CommissionInput {
    pub profile_code: Option<String>,
    pub profile_name: Option<String>,
    pub commission_rate: Option<MajorAmount>,
    pub value_days: Option<i64>,
}

pub(super) fn code_of(code: &Option<String>) -> Result<String, ServiceError> {
    match code {
        Some(c)
            if !c.is_empty()
                && c.len() <= 20
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Ok(c.clone())
        }
        Some(_) => Err(ServiceError::field(
            "ProfileCode",
            "must be 1 to 20 letters, digits, '-' or '_'",
        )),
        None => Err(ServiceError::field("ProfileCode", "is required")),
    }
}

fn name_of(errors: &mut FieldErrors, name: &Option<String>, slot: &mut String) {
    if let Some(n) = name {
        if n.trim().is_empty() || n.chars().count() > 100 {
            errors.push("ProfileName", "must be 1 to 100 characters");
        } else {
            *slot = n.trim().to_owned();
        }
    }
}

fn currency_of(errors: &mut FieldErrors, value: Option<i64>, slot: &mut Currency) {
    if let Some(c) = value.and_then(|n| errors.check("Currency", Currency::requested(n))) {
        *slot = c;
    }
}

fn int_in(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<i64>,
    range: std::ops::RangeInclusive<i64>,
) -> Option<i64> {
    errors.in_range(field, value?, range)
}

fn apply_authorization(
    errors: &mut FieldErrors,
    p: &mut AuthorizationProfile,
    input: &AuthorizationInput,
) {
    name_of(errors, &input.profile_name, &mut p.profile_name);
    currency_of(errors, input.currency, &mut p.currency);
    let currency = p.currency;
    if let Some(types) = &input.allowed_transaction_types {
        match types.iter().map(|t| AllowedType::parse(t)).collect() {
            Ok(allowed) => p.allowed_transaction_types = by_name(allowed),
            Err(_) => errors.push(
                "AllowedTransactionTypes",
                format!("may hold only {}", AllowedType::names()),
            ),
        }
    }
    if let Some(v) = input.allow_foreign_cards {
        p.allow_foreign_cards = v;
    }
    if let Some(v) = input.allow_off_us_cards {
        p.allow_off_us_cards = v;
    }
    if let Some(v) = input.require_3d_secure {
        p.require_3d_secure = v;
    }
    if let Some(a) = &input.max_transaction_amount {
        p.max_transaction_amount = errors
            .check("MaxTransactionAmount", a.to_minor(currency))
            .map(|m| m.get());
    }
    if let Some(a) = &input.daily_amount_limit {
        p.daily_amount_limit = errors
            .check("DailyAmountLimit", a.to_minor(currency))
            .map(|m| m.get());
    }
    if let Some(n) = int_in(
        errors,
        "MaxInstallmentCount",
        input.max_installment_count,
        1..=99,
    ) {
        p.max_installment_count = u8::try_from(n).unwrap_or(1);
    }
    if let Some(n) = int_in(errors, "RefundDayLimit", input.refund_day_limit, 0..=3650) {
        p.refund_day_limit = u32::try_from(n).ok();
    }
}

/// Each type once, by name, as the profile answers them.
fn by_name(mut allowed: Vec<AllowedType>) -> Vec<AllowedType> {
    allowed.sort_by_key(|t| t.name());
    allowed.dedup();
    allowed
}

/// A rate row's card type or network, `Any` when not given; a name that is
/// neither is the field's error.
fn any_of<T: Named>(errors: &mut FieldErrors, field: String, text: &Option<String>) -> Option<T> {
    parse_any(text.as_deref().unwrap_or(ANY)).unwrap_or_else(|_| {
        errors.push(field, format!("must be {} or {ANY}", T::names()));
        None
    })
}

fn check_rates(errors: &mut FieldErrors, rates: &[RateInput], currency: Currency) -> Vec<FeeRate> {
    if rates.is_empty() {
        errors.push("Rates", "needs at least one row");
    }
    let mut out = Vec::new();
    for (i, r) in rates.iter().enumerate() {
        let f = |name: &str| format!("Rates[{i}].{name}");
        let card_type = any_of::<CardType>(errors, f("CardType"), &r.card_type);
        let network = any_of::<Network>(errors, f("Network"), &r.network);
        let from = int_in(
            errors,
            &f("InstallmentFrom"),
            Some(r.installment_from.unwrap_or(1)),
            1..=99,
        )
        .unwrap_or(1);
        let to = int_in(
            errors,
            &f("InstallmentTo"),
            Some(r.installment_to.unwrap_or(99)),
            1..=99,
        )
        .unwrap_or(99);
        if from > to {
            errors.push(f("InstallmentTo"), "must not be below InstallmentFrom");
        }
        let rate = match &r.rate_percent {
            Some(text) => errors
                .check(&f("RatePercent"), parse_rate(text.as_str()))
                .unwrap_or(0),
            None => {
                errors.push(f("RatePercent"), "is required");
                0
            }
        };
        let fixed_fee = match &r.fixed_fee {
            Some(a) => errors
                .check(&f("FixedFee"), a.to_minor(currency))
                .map_or(0, |m| m.get()),
            None => 0,
        };
        let value_days = int_in(
            errors,
            &f("ValueDays"),
            Some(r.value_days.unwrap_or(1)),
            0..=365,
        )
        .unwrap_or(1);
        out.push(FeeRate {
            card_type,
            network,
            installment_from: u8::try_from(from).unwrap_or(1),
            installment_to: u8::try_from(to).unwrap_or(99),
            rate,
            fixed_fee,
            value_days: u32::try_from(value_days).unwrap_or(1),
        });
    }
    out
}

fn apply_fee(errors: &mut FieldErrors, p: &mut FeeProfile, input: &FeeInput) {
    name_of(errors, &input.profile_name, &mut p.profile_name);
    currency_of(errors, input.currency, &mut p.currency);
    if let Some(rates) = &input.rates {
        p.rates = check_rates(errors, rates, p.currency);
    }
}

fn apply_commission(errors: &mut FieldErrors, p: &mut CommissionProfile, input: &CommissionInput) {
    name_of(errors, &input.profile_name, &mut p.profile_name);
    if let Some(rate) = &input.commission_rate {
        if let Some(r) = errors.check("CommissionRate", parse_rate(rate.as_str())) {
            p.commission_rate = r;
        }
    }
    if let Some(days) = int_in(errors, "ValueDays", input.value_days, 0..=365) {
        p.value_days = u32::try_from(days).unwrap_or(1);
    }
}

/// One kind of profile: its stored document, its request, and its rules.
pub trait ProfileDoc: Serialize + for<'de> Deserialize<'de> + Sync {
    type Input: Sync;
    const KIND: Kind;
    /// The document a new profile starts from before the request applies.
    fn starting() -> Self;
    fn code(input: &Self::Input) -> &Option<String>;
    /// The fields a new profile must be given: (wire name, present).
    fn required(input: &Self::Input) -> Vec<(&'static str, bool)>;
    fn apply(&mut self, errors: &mut FieldErrors, input: &Self::Input);
}

impl ProfileDoc for AuthorizationProfile {
    type Input = AuthorizationInput;
    const KIND: Kind = Kind::Authorization;

    fn starting() -> Self {
        AuthorizationProfile {
            profile_name: String::new(),
            allowed_transaction_types: AllowedType::ALL.to_vec(),
            allow_foreign_cards: true,
            allow_off_us_cards: true,
            max_transaction_amount: None,
            daily_amount_limit: None,
            max_installment_count: DEFAULT_MAX_INSTALLMENTS,
            refund_day_limit: None,
            require_3d_secure: false,
            currency: Currency::TRY,
        }
    }

    fn code(input: &Self::Input) -> &Option<String> {
        &input.profile_code
    }

    fn required(input: &Self::Input) -> Vec<(&'static str, bool)> {
        vec![("ProfileName", input.profile_name.is_some())]
    }

    fn apply(&mut self, errors: &mut FieldErrors, input: &Self::Input) {
        apply_authorization(errors, self, input);
    }
}

impl ProfileDoc for FeeProfile {
    type Input = FeeInput;
    const KIND: Kind = Kind::Fee;

    fn starting() -> Self {
        FeeProfile {
            profile_name: String::new(),
            currency: Currency::TRY,
            rates: Vec::new(),
        }
    }

    fn code(input: &Self::Input) -> &Option<String> {
        &input.profile_code
    }

    fn required(input: &Self::Input) -> Vec<(&'static str, bool)> {
        vec![
            ("ProfileName", input.profile_name.is_some()),
            ("Rates", input.rates.is_some()),
        ]
    }

    fn apply(&mut self, errors: &mut FieldErrors, input: &Self::Input) {
        apply_fee(errors, self, input);
    }
}

impl ProfileDoc for CommissionProfile {
    type Input = CommissionInput;
    const KIND: Kind = Kind::Commission;

    fn starting() -> Self {
        CommissionProfile {
            profile_name: String::new(),
            commission_rate: 0,
            value_days: 1,
        }
    }

    fn code(input: &Self::Input) -> &Option<String> {
        &input.profile_code
    }

    fn required(input: &Self::Input) -> Vec<(&'static str, bool)> {
        vec![
            ("ProfileName", input.profile_name.is_some()),
            ("CommissionRate", input.commission_rate.is_some()),
        ]
    }

    fn apply(&mut self, errors: &mut FieldErrors, input: &Self::Input) {
        apply_commission(errors, self, input);
    }
}

/// Exact decimal text of a scaled rate (`17500` → `"1.75"`).
pub fn rate_text(rate: i64) -> String {
    let s = cardhost_domain::money::format_major(rate, 4);
    let s = s.trim_end_matches('0');
    s.trim_end_matches('.').to_owned()
}
