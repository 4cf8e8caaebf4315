//! Customer identity rules.

/// Longest customer number (spec issuer.md, Customers: 1–10 characters).
pub const CUSTOMER_NO_MAX_LEN: usize = 10;

/// A customer number: 1–10 letters, digits, `-` or `_`.
pub fn check_customer_no(text: &str) -> Result<(), &'static str> {
    if text.is_empty() || text.len() > CUSTOMER_NO_MAX_LEN {
        return Err("must be 1 to 10 characters");
    }
    if !text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err("may hold only letters, digits, '-' and '_'");
    }
    Ok(())
}

/// The Turkish identity number checksum, applied only to 11-digit values
/// (spec: other values such as the reference example's `"string"` are kept as given).
pub fn check_tckn(text: &str) -> Result<(), &'static str> {
    if text.len() != 11 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(());
    }
    let d: Vec<u32> = text.bytes().map(|b| u32::from(b - b'0')).collect();
    if d[0] == 0 {
        return Err("is not a valid TCKN: it cannot start with 0");
    }
    let odd = d[0] + d[2] + d[4] + d[6] + d[8];
    let even = d[1] + d[3] + d[5] + d[7];
    let tenth = (odd * 7 + 10 * 10 - even) % 10;
    let eleventh = d[..10].iter().sum::<u32>() % 10;
    if d[9] != tenth || d[10] != eleventh {
        return Err("is not a valid TCKN: the check digits do not match");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tckn_checksum() {
        // 10000000146 is the well-known valid test TCKN.
        assert_eq!(check_tckn("10000000146"), Ok(()));
        assert!(check_tckn("10000000147").is_err());
        assert!(check_tckn("01234567890").is_err());
        assert_eq!(check_tckn("string"), Ok(()));
        assert_eq!(check_tckn("1234"), Ok(()));
    }

    #[test]
    fn customer_numbers() {
        assert!(check_customer_no("stringstri").is_ok());
        assert!(check_customer_no("1308590").is_ok());
        assert!(check_customer_no("").is_err());
        assert!(check_customer_no("12345678901").is_err());
        assert!(check_customer_no("a b").is_err());
    }
}

use std::borrow::Borrow;

use crate::FieldErrors;
use serde::{Deserialize, Serialize};

fn text(max: usize) -> impl Fn(&str) -> Result<(), String> {
    move |v: &str| {
        if v.chars().count() > max {
            Err(format!("must be at most {max} characters"))
        } else {
            Ok(())
        }
    }
}

/// The bound of a field checked by `check` with `args` (`text(50)`: 50).
fn text_max(check: &str, args: &[i64]) -> Option<usize> {
    match (check, args) {
        ("text", [max]) => usize::try_from(*max).ok(),
        ("tckn", []) => Some(TCKN_LEN),
        ("date", []) => Some(8),
        ("country", []) => Some(2),
        ("gender", []) => Some(1),
        _ => None,
    }
}

const TCKN_LEN: usize = 11;

fn date(v: &str) -> Result<(), String> {
    crate::date::parse_date(v)
        .map(|_| ())
        .map_err(str::to_owned)
}

fn country(v: &str) -> Result<(), String> {
    crate::Country::parse(v).map(|_| ()).map_err(str::to_owned)
}

fn gender(v: &str) -> Result<(), String> {
    match v {
        "M" | "F" => Ok(()),
        _ => Err("must be M or F".into()),
    }
}

fn tckn(v: &str) -> Result<(), String> {
    text(TCKN_LEN)(v)?;
    check_tckn(v).map_err(str::to_owned)
}

fn int(min: i64, max: i64) -> impl Fn(&i64) -> Result<(), String> {
    move |v: &i64| {
        if (min..=max).contains(v) {
            Ok(())
        } else {
            Err(format!("must be between {min} and {max}"))
        }
    }
}

fn any_bool(_: &bool) -> Result<(), String> {
    Ok(())
}

/// Declares the customer field set once: the struct (wire names as on the
/// reference page), the partial-update merge and the per-field validation.
macro_rules! customer_profile {
    ($( $field:ident : $ty:ty = $wire:tt, $check:ident $(( $($arg:expr),* ))?; )*) => {
        /// The reference `UpdateCustomer` field set, minus `CustomerNo` and the limit.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct CustomerProfile {
            $(
                #[serde(rename = $wire, default)]
                pub $field: Option<$ty>,
            )*
        }

        impl CustomerProfile {
            /// Takes every field `other` holds; fields it lacks keep their value.
            pub fn merge_from(&mut self, other: CustomerProfile) {
                $( if other.$field.is_some() { self.$field = other.$field; } )*
            }

            /// The most characters the field `wire` takes, where it is text.
            pub fn max_length(wire: &str) -> Option<usize> {
                match wire {
                    $( $wire => text_max(stringify!($check), &[$($($arg),*)?]), )*
                    _ => None,
                }
            }

            /// Records an error naming each invalid field.
            pub fn validate(&self, errors: &mut FieldErrors) {
                $(
                    if let Some(value) = &self.$field {
                        if let Err(message) = ($check $(( $($arg),* ))?)(value.borrow()) {
                            errors.push($wire, message);
                        }
                    }
                )*
            }
        }
    };
}

customer_profile! {
    name: String = "Name", text(50);
    mid_name: String = "MidName", text(50);
    surname: String = "Surname", text(50);
    father_name: String = "FatherName", text(50);
    mother_name: String = "MotherName", text(50);
    mother_maiden_name: String = "MotherMaidenName", text(50);
    nationality: String = "Nationality", text(50);
    identity_serial_no: String = "IdentitySerialNo", text(20);
    identity_sequence_no: String = "IdentitySequenceNo", text(20);
    identity_pin_no: String = "IdentityPINNo", text(20);
    issued_by: String = "IssuedBy", text(50);
    passport_no: String = "PassportNo", text(20);
    passport_issued_by: String = "PassportIssuedBy", text(50);
    passport_date_of_issue: String = "PassportDateOfIssue", date;
    passport_date_of_expire: String = "PassportDateOfExpire", date;
    passport_control_period: i64 = "PassportControlPeriod", int(0, 9999);
    sbu_type: String = "SBUType", text(10);
    banking_customer_type: i64 = "BankingCustomerType", int(0, 9999);
    emergency_contact_person_name_surname: String = "EmergencyContactPersonNameSurname", text(100);
    birth_date: String = "BirthDate", date;
    birth_country_code: String = "BirthCountryCode", country;
    birth_state_code: String = "BirthStateCode", text(10);
    birth_city_name: String = "BirthCityName", text(50);
    address_home1: String = "AddressHome1", text(100);
    address_home2: String = "AddressHome2", text(100);
    address_home3: String = "AddressHome3", text(100);
    address_home_state_name: String = "AddressHomeStateName", text(50);
    address_home_state_code: String = "AddressHomeStateCode", text(10);
    address_home_city_name: String = "AddressHomeCityName", text(50);
    address_home_city_code: String = "AddressHomeCityCode", text(10);
    address_home_country: String = "AddressHomeCountry", country;
    address_home_zip_code: String = "AddressHomeZipCode", text(20);
    address_work1: String = "AddressWork1", text(100);
    address_work2: String = "AddressWork2", text(100);
    address_work3: String = "AddressWork3", text(100);
    address_work_state_name: String = "AddressWorkStateName", text(50);
    address_work_state_code: String = "AddressWorkStateCode", text(10);
    address_work_city_name: String = "AddressWorkCityName", text(50);
    address_work_city_code: String = "AddressWorkCityCode", text(10);
    address_work_country: String = "AddressWorkCountry", country;
    address_work_zip_code: String = "AddressWorkZipCode", text(20);
    email: String = "Email", text(100);
    customer_type: String = "CustomerType", text(10);
    customer_group: String = "CustomerGroup", text(10);
    gender: String = "Gender", gender;
    communication_language: String = "CommunicationLanguage", text(10);
    send_sms: String = "SendSMS", text(10);
    send_email: String = "SendEMail", text(10);
    mobile_no: String = "MobileNo", text(20);
    phone_home: String = "PhoneHome", text(20);
    phone_work: String = "PhoneWork", text(20);
    phone_work_extension: i64 = "PhoneWorkExtension", int(0, 99_999_999);
    work_place: String = "WorkPlace", text(100);
    occupation: String = "Occupation", text(50);
    title: String = "Title", text(50);
    allocation_date: String = "AllocationDate", date;
    emergency_phone_field_code: String = "EmergencyPhoneFieldCode", text(10);
    emergency_phone: String = "EmergencyPhone", text(20);
    emergency_phone_ext: String = "EmergencyPhoneExt", text(10);
    main_branch: i64 = "MainBranch", int(0, 999_999_999);
    guarantee_flag: String = "GuaranteeFlag", text(10);
    auto_limit_increase: bool = "AutoLimitIncrease", any_bool;
    tckn: String = "TCKN", tckn;
}

#[cfg(test)]
mod profile_tests {
    use super::*;

    #[test]
    fn merge_keeps_absent_fields() {
        let mut stored = CustomerProfile {
            name: Some("Ada".into()),
            surname: Some("Lovelace".into()),
            email: Some("ada@example.com".into()),
            ..Default::default()
        };
        stored.merge_from(CustomerProfile {
            email: Some("ada@bank.example".into()),
            ..Default::default()
        });
        assert_eq!(stored.name.as_deref(), Some("Ada"));
        assert_eq!(stored.email.as_deref(), Some("ada@bank.example"));
    }

    #[test]
    fn validation_names_each_field() {
        let p = CustomerProfile {
            birth_date: Some("20230229".into()),
            gender: Some("X".into()),
            birth_country_code: Some("ZZ".into()),
            tckn: Some("10000000147".into()),
            name: Some("x".repeat(51)),
            ..Default::default()
        };
        let mut errors = FieldErrors::new();
        p.validate(&mut errors);
        let fields: Vec<&str> = errors.as_slice().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["Name", "BirthDate", "BirthCountryCode", "Gender", "TCKN"]
        );
    }

    #[test]
    fn text_fields_state_their_bound() {
        assert_eq!(CustomerProfile::max_length("Name"), Some(50));
        assert_eq!(CustomerProfile::max_length("TCKN"), Some(11));
        assert_eq!(CustomerProfile::max_length("MainBranch"), None);
    }
}
