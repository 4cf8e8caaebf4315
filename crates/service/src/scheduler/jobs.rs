//! The background jobs and what one run of each does.

use std::time::Duration;

use crate::caller::{Caller, Scopes};
use crate::host::{Call, Host};
use crate::ServiceError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Job {
    /// `RunDueRecurring` for today.
    RecurringCharges,
    /// `RunSettlement` for today.
    Settlement,
    /// `ExpireHolds` for today.
    HoldExpiry,
    /// Delivers the SMS outbox's due messages.
    SmsOutbox,
    /// Retries the card network reversals not yet acknowledged.
    NetworkReversals,
}

impl Job {
    pub const ALL: [Job; 5] = [
        Job::RecurringCharges,
        Job::Settlement,
        Job::HoldExpiry,
        Job::SmsOutbox,
        Job::NetworkReversals,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Job::RecurringCharges => "RecurringCharges",
            Job::Settlement => "Settlement",
            Job::HoldExpiry => "HoldExpiry",
            Job::SmsOutbox => "SmsOutbox",
            Job::NetworkReversals => "NetworkReversals",
        }
    }

    pub fn parse(name: &str) -> Option<Job> {
        Job::ALL.into_iter().find(|j| j.name() == name)
    }

    /// How often it runs when nothing wakes it sooner.
    pub fn every(self) -> Duration {
        match self {
            // A date's payments are due all day; a run finds none most times.
            Job::RecurringCharges => Duration::from_secs(600),
            Job::Settlement | Job::HoldExpiry => Duration::from_secs(3600),
            Job::SmsOutbox => Duration::from_secs(5),
            Job::NetworkReversals => Duration::from_secs(5),
        }
    }

    /// What the audit log and the logs name its runs by.
    fn operation(self) -> &'static str {
        match self {
            Job::RecurringCharges => "RunDueRecurring",
            Job::Settlement => "RunSettlement",
            Job::HoldExpiry => "ExpireHolds",
            Job::SmsOutbox => "SmsOutbox",
            Job::NetworkReversals => "NetworkReversals",
        }
    }

    /// One run: what it did, in words for the operator.
    pub(super) async fn run(self, host: &Host) -> Result<String, ServiceError> {
        let call = Call {
            caller: Caller {
                client_id: "scheduler".into(),
                scopes: Scopes::parse_list("admin").unwrap_or_default(),
                merchant_no: None,
            },
            operation: self.operation(),
            request_id: String::new(),
        };
        match self {
            Job::RecurringCharges => {
                let r = crate::vpos::recurring::run_due(host, &call, None).await?;
                let unanswered = r.attempted - r.approved - r.declined;
                if unanswered > 0 {
                    return Err(ServiceError::Internal(format!(
                        "{unanswered} of {} due payments got no answer (logged each); they stay due",
                        r.attempted
                    )));
                }
                Ok(format!(
                    "attempted {}, approved {}, declined {}",
                    r.attempted, r.approved, r.declined
                ))
            }
            Job::Settlement => {
                let s = crate::acquirer::payments::run_settlement(host, &call, None).await?;
                Ok(format!(
                    "{} merchants paid, {} payments posted",
                    s.merchants_paid, s.payments_posted
                ))
            }
            Job::HoldExpiry => {
                let e = crate::money::holds::expire(host, &call, None).await?;
                Ok(format!("{} holds released", e.released))
            }
            Job::SmsOutbox => {
                let sent = crate::notify::deliver_due(host).await?;
                Ok(format!("{sent} messages sent"))
            }
            Job::NetworkReversals => {
                let r = crate::network::reverse_due(host).await?;
                Ok(format!(
                    "{} reversals acknowledged, {} pending",
                    r.acknowledged, r.pending
                ))
            }
        }
    }

    /// What wakes it before its period ends: a message queued, a reversal queued.
    pub(super) fn wakeup(self, host: &Host) -> Option<&tokio::sync::Notify> {
        match self {
            Job::SmsOutbox => Some(&host.outbox_wakeup),
            Job::NetworkReversals => Some(&host.reversal_wakeup),
            _ => None,
        }
    }
}
