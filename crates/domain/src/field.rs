//! Validation errors that name the offending request field.

use std::fmt;

/// A number the API counts with (a page, a batch, a process id) as a query
/// or a path writes it: digits only, from 1. A sign, a space or a fraction is
/// not one, so `+5` and `5` cannot name the same thing.
pub fn counting_number(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|n| *n > 0)
}

/// One invalid field: the wire name (PascalCase, dotted for nesting) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Collects every field error of a request so the caller hears about all of them
/// at once instead of fixing one per round trip.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// `value` when it lies in `range`; else records under `field` that it must.
    pub fn in_range(
        &mut self,
        field: &str,
        value: i64,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<i64> {
        if range.contains(&value) {
            return Some(value);
        }
        let (low, high) = range.into_inner();
        self.push(field, format!("must be between {low} and {high}"));
        None
    }

    /// Records the error of `result` (if any) under `field` and passes the value on.
    pub fn check<T, E: fmt::Display>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(err) => {
                self.push(field, err.to_string());
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds every error of `other` after these.
    pub fn append(&mut self, other: FieldErrors) {
        self.0.extend(other.0);
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    pub fn as_slice(&self) -> &[FieldError] {
        &self.0
    }

    /// `Ok(value)` when nothing was recorded, else every recorded error.
    pub fn finish<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl From<FieldError> for FieldErrors {
    fn from(err: FieldError) -> Self {
        Self(vec![err])
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for FieldErrors {}

#[cfg(test)]
mod tests {
    use super::counting_number;

    #[test]
    fn a_counting_number_is_digits_from_1() {
        assert_eq!(counting_number("1"), Some(1));
        assert_eq!(counting_number("0042"), Some(42));
        assert_eq!(counting_number("9223372036854775807"), Some(i64::MAX));
        for bad in [
            "",
            "0",
            "+5",
            "-5",
            " 5",
            "5.0",
            "1e3",
            "9223372036854775808",
        ] {
            assert_eq!(counting_number(bad), None, "{bad:?}");
        }
    }
}
