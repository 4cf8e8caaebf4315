//! Card numbers: Luhn, masking.

/// Mod-10 check of a digit string (the last digit is the check digit).
pub fn luhn_valid(digits: &str) -> bool {
    if digits.len() < 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    luhn_sum(digits, false).is_multiple_of(10)
}

/// The check digit that makes `payload` followed by it Luhn-valid.
pub fn luhn_check_digit(payload: &str) -> Option<u8> {
    if payload.is_empty() || !payload.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum = luhn_sum(payload, true);
    Some(u8::try_from((10 - sum % 10) % 10).unwrap_or(0))
}

/// Sum of the Luhn weights; `double_last` says whether the rightmost digit is doubled.
fn luhn_sum(digits: &str, double_last: bool) -> u32 {
    digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if (i % 2 == 0) == double_last {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum()
}

/// First 6, `*` for the middle, last 4 (spec README: `MaskedCardNo`).
pub fn mask_pan(pan: &str) -> String {
    let n = pan.len();
    if n < 10 {
        return "*".repeat(n);
    }
    format!("{}{}{}", &pan[..6], "*".repeat(n - 10), &pan[n - 4..])
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors: shared/vectors.md, "Luhn".
    #[test]
    fn luhn_vectors() {
        assert_eq!(luhn_check_digit("7992739871"), Some(3));
        assert!(luhn_valid("4111111111111111"));
        assert!(luhn_valid("5555555555554444"));
        assert!(luhn_valid("378282246310005"));
        assert!(!luhn_valid("4111111111111112"));
        assert!(!luhn_valid("41111111111111a1"));
    }

    #[test]
    fn masks() {
        assert_eq!(mask_pan("4111111111111111"), "411111******1111");
        assert_eq!(mask_pan("4123456789012"), "412345***9012");
    }
}

/// A clear primary account number: 12–19 digits, Luhn-valid. Only parsing builds
/// one; its `Debug` shows the masked form so it cannot leak through logs or panics.
#[derive(Clone, PartialEq, Eq)]
pub struct Pan(String);

impl Pan {
    pub fn parse(text: &str) -> Result<Pan, &'static str> {
        if !(12..=19).contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err("must be 12 to 19 digits");
        }
        if !luhn_valid(text) {
            return Err("fails the Luhn check");
        }
        Ok(Pan(text.to_owned()))
    }

    /// The clear digits, for the few places that must have them (crypto, the
    /// `pan`-scope responses, the emboss file).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn masked(&self) -> String {
        mask_pan(&self.0)
    }

    pub fn bin(&self) -> &str {
        &self.0[..6]
    }

    /// The clear number, to be written into a `pan`-scope response.
    pub fn reveal(&self) -> crate::secret::Revealed<crate::secret::kind::CardNumber> {
        crate::secret::CardNumber::new(self.0.as_str()).reveal()
    }
}

impl std::fmt::Debug for Pan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pan({})", self.masked())
    }
}

impl Drop for Pan {
    fn drop(&mut self) {
        // Overwrite the digits before the allocation is freed.
        // SAFETY-free: replacing every byte with an ASCII '0' keeps the String valid UTF-8.
        let zeros = "0".repeat(self.0.len());
        self.0.replace_range(.., &zeros);
    }
}

/// A card's status (issuer.md, Cards): one letter on the wire and in storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CardStatus {
    NotActivated,
    Active,
    TemporaryBlocked,
    Lost,
    Stolen,
    Fraud,
    Closed,
    Expired,
}

impl CardStatus {
    pub const ALL: [CardStatus; 8] = [
        CardStatus::NotActivated,
        CardStatus::Active,
        CardStatus::TemporaryBlocked,
        CardStatus::Lost,
        CardStatus::Stolen,
        CardStatus::Fraud,
        CardStatus::Closed,
        CardStatus::Expired,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CardStatus::NotActivated => "N",
            CardStatus::Active => "A",
            CardStatus::TemporaryBlocked => "T",
            CardStatus::Lost => "L",
            CardStatus::Stolen => "S",
            CardStatus::Fraud => "F",
            CardStatus::Closed => "C",
            CardStatus::Expired => "E",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            CardStatus::NotActivated => "NotActivated",
            CardStatus::Active => "Active",
            CardStatus::TemporaryBlocked => "TemporaryBlocked",
            CardStatus::Lost => "Lost",
            CardStatus::Stolen => "Stolen",
            CardStatus::Fraud => "Fraud",
            CardStatus::Closed => "Closed",
            CardStatus::Expired => "Expired",
        }
    }

    pub fn from_code(code: &str) -> Option<CardStatus> {
        CardStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The only legal moves (issuer.md, card status table); `E` is set by the
    /// host alone when the expiry month has passed.
    pub fn may_move_to(self, to: CardStatus) -> bool {
        use CardStatus::*;
        matches!(
            (self, to),
            (NotActivated, Active | Closed)
                | (Active, TemporaryBlocked | Lost | Stolen | Fraud | Closed)
                | (TemporaryBlocked, Active | Lost | Stolen | Fraud | Closed)
        )
    }

    /// The move, or why it is refused.
    pub fn move_to(self, to: CardStatus) -> Result<CardStatus, String> {
        if self.may_move_to(to) {
            Ok(to)
        } else {
            Err(format!(
                "a card in status {} ({}) cannot move to {} ({})",
                self.code(),
                self.name(),
                to.code(),
                to.name()
            ))
        }
    }
}

/// A stored code that is not a status is an error, never a default.
impl TryFrom<String> for CardStatus {
    type Error = crate::status::UnknownStatus;

    fn try_from(code: String) -> Result<CardStatus, Self::Error> {
        CardStatus::from_code(&code).ok_or(crate::status::UnknownStatus {
            kind: "card status",
            value: code,
        })
    }
}

/// Expiry `yyMM` of a card issued in `year`/`month` and valid `years`: the same
/// month `years` later.
pub fn expiry_after(year: i32, month: u32, years: u8) -> String {
    format!("{:02}{:02}", (year + i32::from(years)) % 100, month)
}

/// The year and month of an expiry as the API writes it, `yyMM`: four
/// digits, the month 01 to 12. Anything else is `None`.
pub fn yymm(expiry: &str) -> Option<(i32, u32)> {
    if expiry.len() != 4 || !expiry.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let yy = expiry[..2].parse::<i32>().ok()?;
    let mm = expiry[2..].parse::<u32>().ok()?;
    (1..=12).contains(&mm).then_some((2000 + yy, mm))
}

/// True once the expiry month (`yyMM`) lies before `year`/`month`.
/// Anything but a `yyMM` has passed: it cannot be trusted.
pub fn expiry_passed(expiry_yymm: &str, year: i32, month: u32) -> bool {
    yymm(expiry_yymm).is_none_or(|expiry| expiry < (year, month))
}

#[cfg(test)]
mod status_tests {
    use super::*;

    #[test]
    fn legal_moves_are_exactly_the_table() {
        use CardStatus::*;
        let legal = [
            (NotActivated, Active),
            (NotActivated, Closed),
            (Active, TemporaryBlocked),
            (Active, Lost),
            (Active, Stolen),
            (Active, Fraud),
            (Active, Closed),
            (TemporaryBlocked, Active),
            (TemporaryBlocked, Lost),
            (TemporaryBlocked, Stolen),
            (TemporaryBlocked, Fraud),
            (TemporaryBlocked, Closed),
        ];
        for from in CardStatus::ALL {
            for to in CardStatus::ALL {
                assert_eq!(
                    from.may_move_to(to),
                    legal.contains(&(from, to)),
                    "{from:?} -> {to:?}"
                );
            }
        }
    }

    #[test]
    fn expiry() {
        assert_eq!(expiry_after(2026, 3, 4), "3003");
        assert!(!expiry_passed("3003", 2030, 3));
        assert!(expiry_passed("3003", 2030, 4));
        assert!(expiry_passed("2612", 2027, 1));
        assert!(expiry_passed("3013", 2026, 1));
    }

    #[test]
    fn yymm_is_four_digits_with_a_month_from_01_to_12() {
        assert_eq!(yymm("3012"), Some((2030, 12)));
        assert_eq!(yymm("0001"), Some((2000, 1)));
        for bad in ["3000", "3013", "301", "30121", "3O12", "+312"] {
            assert_eq!(yymm(bad), None, "{bad}");
        }
    }
}
