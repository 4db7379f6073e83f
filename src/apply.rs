//! Executes a plan against a backend, change by change in the plan's dependency order.
//! Each write is atomic on the platform and names the version it expects, so an apply
//! that stops half way (a refusal, a conflict, a crash) leaves a platform from which the
//! next plan shows exactly the remaining work. It stops at the first failure, since
//! later changes may depend on the failed one.

use crate::backend::{Backend, BackendError};
use crate::plan::{Action, Planned};

/// A change that failed, with the platform's reason.
#[derive(Debug)]
pub struct Failure {
    /// the resource
    pub address: String,
    /// what was being done
    pub action: Action,
    /// what the platform said
    pub error: BackendError,
}

/// What an apply did.
#[derive(Debug, Default)]
pub struct Report {
    /// changes applied, in order
    pub applied: Vec<(String, Action)>,
    /// the change that failed, if one did
    pub failed: Option<Failure>,
    /// changes not attempted because an earlier one failed
    pub not_attempted: Vec<String>,
}

impl Report {
    /// Whether every change was applied.
    pub fn is_complete(&self) -> bool {
        self.failed.is_none()
    }
}

/// Applies every change of `planned`, calling `progress` after each one that succeeded.
pub fn execute(
    backend: &mut dyn Backend,
    planned: &Planned,
    progress: &mut dyn FnMut(&str, Action),
) -> Report {
    let mut report = Report::default();
    for (i, (change, step)) in planned.plan.changes.iter().zip(&planned.steps).enumerate() {
        if let Err(error) = step
            .writes
            .iter()
            .try_for_each(|w| backend.write(w).map(|_| ()))
        {
            report.failed = Some(Failure {
                address: change.address.clone(),
                action: change.action,
                error,
            });
            report.not_attempted = planned.plan.changes[i + 1..]
                .iter()
                .map(|c| c.address.clone())
                .collect();
            return report;
        }
        progress(&change.address, change.action);
        report.applied.push((change.address.clone(), change.action));
    }
    report
}
