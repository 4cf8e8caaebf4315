//! Wire types shared by many operations: exact money, currencies.

use std::borrow::Cow;

use cardhost_domain::money::{format_major, MajorAmount};
use cardhost_domain::{AmountMinor, Currency};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// Money in major units as a JSON number (`125.50`), read from its literal
/// text so no binary float ever holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount(pub MajorAmount);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Through `Value`, so an object or array here is refused as a whole rather
        // than read as serde_json's internal number map.
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Number(n) => {
                Ok(Amount(MajorAmount::from_json_number_text(&n.to_string())))
            }
            _ => Err(serde::de::Error::invalid_type(
                serde::de::Unexpected::Other("a non-number"),
                &"a JSON number",
            )),
        }
    }
}

impl PartialSchema for Amount {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .description(Some(
                "Money in major units with at most the currency's minor digits (ISO 4217 exponent), e.g. 125.50",
            ))
            .examples([serde_json::json!(125.50)])
            .into()
    }
}

impl ToSchema for Amount {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Amount")
    }
}

/// Money going out: minor units printed with exactly the currency's decimals.
#[derive(Debug, Clone, Copy)]
pub struct MoneyOut {
    pub minor: i64,
    pub currency: Currency,
}

impl MoneyOut {
    /// Minor units of `currency` as wire money.
    pub fn of(currency: Currency) -> impl Fn(i64) -> MoneyOut + Copy {
        move |minor| MoneyOut { minor, currency }
    }

    pub fn new(amount: AmountMinor, currency: Currency) -> Self {
        MoneyOut {
            minor: amount.get(),
            currency,
        }
    }
}

impl Serialize for MoneyOut {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = format_major(self.minor, self.currency.exponent());
        // With `arbitrary_precision` a Number keeps its text, so `0.50` stays `0.50`.
        serde_json::Number::from_string_unchecked(text).serialize(s)
    }
}

impl PartialSchema for MoneyOut {
    fn schema() -> RefOr<Schema> {
        Amount::schema()
    }
}

impl ToSchema for MoneyOut {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Amount")
    }
}

/// An exact decimal going out as a JSON number (a rate such as `1.75`).
#[derive(Debug, Clone)]
pub struct DecimalOut(pub String);

impl Serialize for DecimalOut {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde_json::Number::from_string_unchecked(self.0.clone()).serialize(s)
    }
}

impl PartialSchema for DecimalOut {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .description(Some("An exact decimal, e.g. a percentage such as 1.75"))
            .into()
    }
}

impl ToSchema for DecimalOut {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Decimal")
    }
}

/// One currency's total of what an operator run moved.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CurrencyTotal {
    pub amount: MoneyOut,
    #[schema(example = 949)]
    pub currency: u16,
}

/// What an operator run moved: `Amount` is the total when it moved one
/// currency, `0` when it moved nothing and null when it moved several; the
/// per-currency totals are always in `Amounts`.
pub fn totals(amounts: &[(Currency, i64)]) -> (Option<DecimalOut>, Vec<CurrencyTotal>) {
    let single = match amounts {
        [] => Some(DecimalOut("0".into())),
        [(currency, minor)] => Some(DecimalOut(format_major(*minor, currency.exponent()))),
        _ => None,
    };
    let each = amounts
        .iter()
        .map(|&(currency, minor)| CurrencyTotal {
            amount: MoneyOut { minor, currency },
            currency: currency.numeric(),
        })
        .collect();
    (single, each)
}

/// One page of a listing: `Items`, `Page` (from 1), `PageSize` and how many
/// there are in all (`TotalCount`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub page_size: i64,
    pub total_count: i64,
}

impl<T> Paged<T> {
    /// The service's page with each item made into its wire form by `view`.
    pub fn of<S>(
        page: cardhost_service::money::reports::Page<S>,
        view: impl FnMut(S) -> T,
    ) -> Self {
        let page = page.map(view);
        Paged {
            items: page.items,
            page: page.page,
            page_size: page.page_size,
            total_count: page.total,
        }
    }
}
