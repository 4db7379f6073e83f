//! Safety checks before anything is applied.

use super::{Action, Planned};

/// Share of a workspace's managed resources that one apply may delete without
/// `--allow-deletes`, in percent.
pub const DELETE_THRESHOLD_PERCENT: usize = 30;

/// Below this many managed resources, deletions are not limited.
pub const DELETE_THRESHOLD_MIN: usize = 10;

/// An apply that would delete too much.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the plan deletes {deletes} of the {managed} resources socialform manages in this workspace (more than {DELETE_THRESHOLD_PERCENT}%): pass --allow-deletes if that is intended"
)]
pub struct TooManyDeletes {
    /// deletions in the plan
    pub deletes: usize,
    /// managed live resources
    pub managed: usize,
}

/// Refuses a plan deleting more than 30% of the managed resources of a workspace that
/// has at least 10, unless deletes are allowed.
pub fn check_deletes(planned: &Planned, allow_deletes: bool) -> Result<(), TooManyDeletes> {
    let deletes = planned
        .plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .count();
    let managed = planned.managed;
    if allow_deletes
        || managed < DELETE_THRESHOLD_MIN
        || deletes * 100 <= managed * DELETE_THRESHOLD_PERCENT
    {
        return Ok(());
    }
    Err(TooManyDeletes { deletes, managed })
}
