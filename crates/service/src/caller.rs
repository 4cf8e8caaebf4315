//! Who is calling and what they may do.

use std::fmt;

use crate::ServiceError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Issuer,
    Acquirer,
    Vpos,
    Pan,
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::Issuer,
        Scope::Acquirer,
        Scope::Vpos,
        Scope::Pan,
        Scope::Admin,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scope::Issuer => "issuer",
            Scope::Acquirer => "acquirer",
            Scope::Vpos => "vpos",
            Scope::Pan => "pan",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.name() == text.trim())
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of scopes; `admin` implies every other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes(u8);

impl Scopes {
    /// The set of exactly these scopes.
    pub const fn of(scopes: &[Scope]) -> Scopes {
        let mut bits = 0;
        let mut i = 0;
        while i < scopes.len() {
            bits |= 1 << (scopes[i] as u8);
            i += 1;
        }
        Scopes(bits)
    }

    /// Parses `issuer,acquirer,pan`; an unknown name is an error naming it.
    pub fn parse_list(text: &str) -> Result<Scopes, String> {
        let mut set = Scopes::default();
        for part in text.split(',').filter(|p| !p.trim().is_empty()) {
            let scope = Scope::parse(part).ok_or_else(|| {
                format!(
                    "unknown scope '{}' (issuer, acquirer, vpos, pan, admin)",
                    part.trim()
                )
            })?;
            set.0 |= scope.bit();
        }
        if set.0 == 0 {
            return Err("at least one scope is needed".into());
        }
        Ok(set)
    }

    pub fn contains(self, scope: Scope) -> bool {
        self.0 & (scope.bit() | Scope::Admin.bit()) != 0
    }

    /// Whether the set names the scope itself (not through `admin`).
    pub fn names(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Scope::ALL
            .iter()
            .filter(|s| self.names(**s))
            .map(|s| s.name())
            .collect();
        f.write_str(&names.join(","))
    }
}

/// The authenticated API client behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub client_id: String,
    pub scopes: Scopes,
    /// The merchant a `vpos` client is bound to.
    pub merchant_no: Option<String>,
}

impl Caller {
    /// `Result` 6 unless the caller holds `scope` (or `admin`).
    pub fn require(&self, scope: Scope) -> Result<(), ServiceError> {
        if self.scopes.contains(scope) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(format!(
                "This client lacks the '{}' scope this operation needs.",
                scope.name()
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_of_named_scopes_is_the_set_its_list_parses_to() {
        assert_eq!(
            Scopes::of(&[Scope::Issuer, Scope::Pan]),
            Scopes::parse_list("issuer,pan").unwrap()
        );
    }

    #[test]
    fn scope_lists() {
        let s = Scopes::parse_list("issuer, pan").unwrap();
        assert!(s.contains(Scope::Issuer) && s.contains(Scope::Pan));
        assert!(!s.contains(Scope::Acquirer));
        assert_eq!(s.to_string(), "issuer,pan");
        let admin = Scopes::parse_list("admin").unwrap();
        assert!(Scope::ALL.iter().all(|x| admin.contains(*x)));
        assert!(Scopes::parse_list("issuer,root").is_err());
        assert!(Scopes::parse_list("").is_err());
    }
}
