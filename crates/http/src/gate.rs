//! Who may call an operation at all, checked at the edge right after the
//! token and before anything of the request is read: a caller without the
//! scope gets `Result` 6 and learns nothing of what its request would have
//! answered. What a scope may then touch (a `vpos` client its own merchant
//! only) is the service's to check.

use cardhost_service::{Caller, Scope, ServiceError};

#[derive(Debug, Clone, Copy)]
pub enum Gate {
    /// No token needed (the token operation itself, pages, health).
    Open,
    /// Any one of these scopes (`admin` holds every scope).
    AnyOf(&'static [Scope]),
    /// Every one of these.
    AllOf(&'static [Scope]),
}

impl Gate {
    pub fn check(self, caller: &Caller) -> Result<(), ServiceError> {
        let allowed = match self {
            Gate::Open => true,
            Gate::AnyOf(scopes) => scopes.iter().any(|s| caller.scopes.contains(*s)),
            Gate::AllOf(scopes) => scopes.iter().all(|s| caller.scopes.contains(*s)),
        };
        if allowed {
            return Ok(());
        }
        let names: Vec<&str> = match self {
            Gate::AnyOf(s) | Gate::AllOf(s) => s.iter().map(|s| s.name()).collect(),
            Gate::Open => Vec::new(),
        };
        Err(ServiceError::Forbidden(format!(
            "This client lacks the scope this operation needs ({}).",
            names.join(if matches!(self, Gate::AllOf(_)) {
                " and "
            } else {
                " or "
            })
        )))
    }
}

pub const ISSUER: Gate = Gate::AnyOf(&[Scope::Issuer]);
/// What reveals a full PAN, CVV2 or PIN block.
pub const PAN: Gate = Gate::AllOf(&[Scope::Issuer, Scope::Pan]);
pub const ACQUIRER: Gate = Gate::AnyOf(&[Scope::Acquirer]);
/// The acquirer's reads of a merchant, its terminals, batches and payments,
/// which a `vpos` client makes of its own merchant.
pub const MERCHANT_READ: Gate = Gate::AnyOf(&[Scope::Acquirer, Scope::Vpos]);
pub const VPOS: Gate = Gate::AnyOf(&[Scope::Vpos]);
pub const ADMIN: Gate = Gate::AnyOf(&[Scope::Admin]);
