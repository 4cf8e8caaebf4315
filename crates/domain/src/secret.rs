//! Values that must never be printed: CVV2s, PIN blocks, client secrets and
//! card numbers as they arrive, before they are parsed.
//!
//! A [`Secret`] deserializes straight from a JSON string, shows only a mask in
//! `Debug` (so a derived `Debug` of a request cannot leak it into a log or a
//! panic), has no `Display` and no `Serialize`, and wipes its bytes when
//! dropped. The clear text is reached only through [`Secret::expose`], and it
//! leaves in a response only as a [`Revealed`], where the spec lets it (a
//! `pan`-scope read, a secret shown once when it is made).

use std::fmt;
use std::marker::PhantomData;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

use crate::card::mask_pan;

/// What a secret is, for its `Debug` and its schema.
pub trait SecretKind {
    /// The name `Debug` and the API document show.
    const NAME: &'static str;
    /// What the API document says of it.
    const DESCRIPTION: &'static str;
    /// The API document's example.
    const EXAMPLE: &'static str;

    /// What `Debug` shows of the value.
    fn mask(_clear: &str) -> String {
        "***".to_owned()
    }
}

pub struct Secret<K: SecretKind> {
    clear: Zeroizing<String>,
    kind: PhantomData<K>,
}

impl<K: SecretKind> Secret<K> {
    pub fn new(clear: impl Into<String>) -> Self {
        Secret {
            clear: Zeroizing::new(clear.into()),
            kind: PhantomData,
        }
    }

    /// The clear text, for the check or the key operation that needs it.
    pub fn expose(&self) -> &str {
        &self.clear
    }

    pub fn is_empty(&self) -> bool {
        self.clear.is_empty()
    }
}

impl<K: SecretKind> Secret<K> {
    /// This secret, to be written into a response.
    pub fn reveal(self) -> Revealed<K> {
        Revealed(self)
    }
}

/// A secret a response carries in clear; `Debug` still masks it.
pub struct Revealed<K: SecretKind>(Secret<K>);

impl<K: SecretKind> fmt::Debug for Revealed<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<K: SecretKind> Serialize for Revealed<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.expose())
    }
}

impl<K: SecretKind> From<&str> for Secret<K> {
    fn from(clear: &str) -> Self {
        Secret::new(clear)
    }
}

impl<K: SecretKind> Clone for Secret<K> {
    fn clone(&self) -> Self {
        Secret::new(self.clear.as_str())
    }
}

impl<K: SecretKind> PartialEq for Secret<K> {
    fn eq(&self, other: &Self) -> bool {
        self.clear == other.clear
    }
}

impl<K: SecretKind> Eq for Secret<K> {}

impl<K: SecretKind> fmt::Debug for Secret<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", K::NAME, K::mask(&self.clear))
    }
}

impl<'de, K: SecretKind> Deserialize<'de> for Secret<K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

#[cfg(feature = "openapi")]
impl<K: SecretKind> utoipa::PartialSchema for Secret<K> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(K::DESCRIPTION))
            .examples([K::EXAMPLE])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl<K: SecretKind> utoipa::ToSchema for Secret<K> {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed(K::NAME)
    }
}

#[cfg(feature = "openapi")]
impl<K: SecretKind> utoipa::PartialSchema for Revealed<K> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        Secret::<K>::schema()
    }
}

#[cfg(feature = "openapi")]
impl<K: SecretKind> utoipa::ToSchema for Revealed<K> {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed(K::NAME)
    }
}

pub mod kind {
    use super::{mask_pan, SecretKind};

    /// Declares each kind: its name is its type's, then what the API
    /// document says of it and its example there.
    macro_rules! kinds {
        ($($kind:ident: $description:literal, $example:literal;)+) => {
            $(
                pub struct $kind;

                impl SecretKind for $kind {
                    const NAME: &'static str = stringify!($kind);
                    const DESCRIPTION: &'static str = $description;
                    const EXAMPLE: &'static str = $example;
                }
            )+
        };
    }

    kinds! {
        Cvv2: "The card's CVV2: 3 digits, never stored.", "123";
        PinBlock: "An encrypted PIN block, hexadecimal: 16 digits (ISO 9564 formats 0, 1, 3) or 32 (format 4).",
            "0412AC89ABCDEF67";
        ClientSecret: "The client's secret, shown once when the client was made.",
            "the secret printed when the client was created";
        StoreKey: "The merchant's HMAC key (its UTF-8 bytes) for 3-D Secure and payment-page callbacks.",
            "k3Y-of-the-store-shown-once";
        Password: "A 3-D Secure static password: 8 to 64 characters, stored only as a hash.",
            "correct-horse-7";
        OneTimeCode: "A one-time code sent to the cardholder's phone.", "482913";
    }

    pub struct CardNumber;

    impl SecretKind for CardNumber {
        const NAME: &'static str = "CardNumber";
        const DESCRIPTION: &'static str = "A card number (PAN): 12 to 19 digits, Luhn-valid.";
        const EXAMPLE: &'static str = "4100001234567898";

        /// A number long enough to be a card's shows as masked; anything
        /// else shows nothing.
        fn mask(clear: &str) -> String {
            if (12..=19).contains(&clear.len()) && clear.bytes().all(|b| b.is_ascii_digit()) {
                mask_pan(clear)
            } else {
                "***".to_owned()
            }
        }
    }
}

/// A card's CVV2 as the request sent it.
pub type Cvv2 = Secret<kind::Cvv2>;

impl Secret<kind::Cvv2> {
    /// Three digits, as every CVV2 is.
    pub fn is_well_formed(&self) -> bool {
        self.clear.len() == 3 && self.clear.bytes().all(|b| b.is_ascii_digit())
    }
}
/// An encrypted PIN block, hex, as the request sent it.
pub type PinBlock = Secret<kind::PinBlock>;
impl Secret<kind::PinBlock> {
    /// `digits` hexadecimal digits, the length of a block of its format.
    pub fn is_hex_of(&self, digits: usize) -> bool {
        self.clear.len() == digits && self.clear.bytes().all(|b| b.is_ascii_hexdigit())
    }
}

/// An API client's secret as the token request sent it.
pub type ClientSecret = Secret<kind::ClientSecret>;
/// A cardholder's 3-D Secure password as the request sent it.
pub type Password = Secret<kind::Password>;
/// A one-time code as the cardholder typed it.
pub type OneTimeCode = Secret<kind::OneTimeCode>;
/// A merchant's callback HMAC key.
pub type StoreKey = Secret<kind::StoreKey>;
/// A card number as the request sent it, before it is parsed into a `Pan`.
pub type CardNumber = Secret<kind::CardNumber>;

/// The secrets a response may carry, named so the API document can refer to them.
pub type RevealedCardNumber = Revealed<kind::CardNumber>;
pub type RevealedCvv2 = Revealed<kind::Cvv2>;
pub type RevealedPinBlock = Revealed<kind::PinBlock>;
pub type RevealedClientSecret = Revealed<kind::ClientSecret>;
pub type RevealedStoreKey = Revealed<kind::StoreKey>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revealed_secret_serializes_in_clear_and_still_debugs_masked() {
        let cvv2 = Cvv2::new("123").reveal();
        assert_eq!(serde_json::to_string(&cvv2).unwrap(), "\"123\"");
        assert_eq!(format!("{cvv2:?}"), "Cvv2(***)");
    }

    #[test]
    fn debug_shows_only_a_mask() {
        let cvv2: Cvv2 = serde_json::from_str("\"123\"").unwrap();
        assert_eq!(format!("{cvv2:?}"), "Cvv2(***)");
        assert_eq!(cvv2.expose(), "123");
    }

    #[test]
    fn a_card_number_shows_masked_and_anything_else_not_at_all() {
        let pan: CardNumber = serde_json::from_str("\"4111111111111111\"").unwrap();
        assert_eq!(format!("{pan:?}"), "CardNumber(411111******1111)");
        let junk: CardNumber = serde_json::from_str("\"41x1\"").unwrap();
        assert_eq!(format!("{junk:?}"), "CardNumber(***)");
    }

    #[test]
    fn a_derived_debug_of_a_request_does_not_leak() {
        #[derive(Debug, Deserialize)]
        struct Request {
            #[allow(dead_code)]
            secret: Option<ClientSecret>,
        }
        let r: Request = serde_json::from_str(r#"{"secret": "hunter2"}"#).unwrap();
        assert!(!format!("{r:?}").contains("hunter2"));
    }
}
