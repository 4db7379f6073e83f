//! Executes a plan against a backend: independent changes in parallel (up to a limit),
//! dependent ones in the plan's dependency order. Each write is atomic on the platform
//! and names the version it expects, so an apply that stops half way (a refusal, a
//! conflict, a crash) leaves a platform from which the next plan shows exactly the
//! remaining work. After the first failure no new change starts, since later changes may
//! depend on the failed one; the changes already running finish and are reported.
//!
//! # The dependency rule
//!
//! The plan lists changes in dependency order ([`crate::plan::order`]): creates, updates
//! and replaces by kind ([`crate::model::Kind`] order: a kind may refer only to kinds
//! before it), then deletes in the reverse kind order. The executor cuts that list into
//! *waves*: maximal runs of consecutive changes with the same phase (delete or not) and
//! the same kind. A change starts only when
//!
//! 1. every change of every earlier wave is done (profiles before the groups and reply
//!    profiles naming them, attributes before the contact settings ordering them, every
//!    create, update and replace before any delete, and deletes of a kind before deletes
//!    of the kinds it may refer to); and
//! 2. within a wave of groups, the earlier changes of groups it nests are done: a written
//!    group waits for the groups its `groups` field names, and a deleted group waits for
//!    the deletes of the groups that held it.
//!
//! Changes of one wave otherwise run at once (10,000 profile updates are one wave). A
//! replace is one change: its delete and create run in order on one worker.

use std::collections::{HashMap, VecDeque};
use std::sync::{Condvar, Mutex};

use crate::backend::{Backend, BackendError};

use crate::model::Kind;
use crate::model::WriteOp;
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
    /// changes applied, in the order they completed
    pub applied: Vec<(String, Action)>,
    /// the changes that failed (more than one when several were running at the time)
    pub failed: Vec<Failure>,
    /// changes not attempted because a change failed, in plan order
    pub not_attempted: Vec<String>,
}

impl Report {
    /// Whether every change was applied.
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty() && self.not_attempted.is_empty()
    }
}

/// What the executor tells its caller while it runs.
#[derive(Debug)]
pub enum Event<'a> {
    /// a change was applied
    Applied {
        /// the resource
        address: &'a str,
        /// what was done
        action: Action,
    },
    /// a change failed
    Failed {
        /// the resource
        address: &'a str,
        /// what was being done
        action: Action,
        /// why
        error: &'a BackendError,
    },
}

/// The waves of a plan (index ranges into its changes) and, per change, the earlier
/// changes of its own wave it waits for. See the module documentation for the rule.
pub fn dependencies(planned: &Planned) -> (Vec<std::ops::Range<usize>>, Vec<Vec<usize>>) {
    let changes = &planned.plan.changes;
    let phase = |i: usize| (changes[i].action == Action::Delete, changes[i].kind);
    let mut waves: Vec<std::ops::Range<usize>> = Vec::new();
    for i in 0..changes.len() {
        match waves.last_mut() {
            Some(w) if phase(w.start) == phase(i) => w.end = i + 1,
            _ => waves.push(i..i + 1),
        }
    }
    let mut deps = vec![Vec::new(); changes.len()];
    for wave in &waves {
        if changes[wave.start].kind != Kind::Group {
            continue;
        }
        // Each change's place in the wave by address, so that a group's nested groups are
        // looked up rather than every earlier change scanned (a wave of deletes holds as
        // many groups as the platform does).
        let mut at: HashMap<&str, usize> = HashMap::new();
        for i in wave.clone() {
            at.entry(changes[i].address.as_str()).or_insert(i);
        }
        for j in wave.clone() {
            if changes[j].action == Action::Delete {
                // A group is deleted after the groups that held it.
                for w in planned.steps[j]
                    .writes
                    .iter()
                    .filter(|w| w.op == WriteOp::Delete)
                {
                    for held in crate::model::nested_groups(&w.resource) {
                        if let Some(&i) = at.get(held.as_str())
                            && i > j
                            && changes[i].action == Action::Delete
                        {
                            deps[i].push(j);
                        }
                    }
                }
            } else {
                // A group is written after the groups it holds.
                let i = j;
                for w in planned.steps[i]
                    .writes
                    .iter()
                    .filter(|w| w.op != WriteOp::Delete)
                {
                    for held in crate::model::nested_groups(&w.resource) {
                        if let Some(&j) = at.get(held.as_str())
                            && j < i
                        {
                            deps[i].push(j);
                        }
                    }
                }
            }
        }
        for i in wave.clone() {
            deps[i].sort_unstable();
            deps[i].dedup();
        }
    }
    (waves, deps)
}

struct Schedule {
    waves: Vec<std::ops::Range<usize>>,
    /// the wave now running
    wave: usize,
    /// changes of the running wave not done yet
    remaining: usize,
    /// per change, how many of its dependencies are not done
    waiting: Vec<usize>,
    dependents: Vec<Vec<usize>>,
    ready: VecDeque<usize>,
    started: Vec<bool>,
    stopped: bool,
    report: Report,
}

impl Schedule {
    fn start_wave(&mut self) {
        while let Some(range) = self.waves.get(self.wave).cloned() {
            self.remaining = range.len();
            self.ready
                .extend(range.filter(|&i| self.waiting[i] == 0).collect::<Vec<_>>());
            if self.remaining > 0 {
                return;
            }
            self.wave += 1;
        }
    }

    fn finished(&self) -> bool {
        self.wave >= self.waves.len()
    }

    fn done(&mut self, i: usize) {
        for d in std::mem::take(&mut self.dependents[i]) {
            self.waiting[d] -= 1;
            if self.waiting[d] == 0 {
                self.ready.push_back(d);
            }
        }
        self.remaining -= 1;
        if self.remaining == 0 {
            self.wave += 1;
            self.start_wave();
        }
    }
}

/// Applies every change of `planned` with at most `parallelism` writes at once (and at
/// most what the backend allows), calling `progress` as changes complete or fail.
pub fn execute(
    backend: &dyn Backend,
    planned: &Planned,
    parallelism: usize,
    progress: &(dyn Fn(Event<'_>) + Sync),
) -> Report {
    let changes = &planned.plan.changes;
    let n = changes.len();
    let (waves, deps) = dependencies(planned);
    let mut dependents = vec![Vec::new(); n];
    let mut waiting = vec![0; n];
    for (i, ds) in deps.iter().enumerate() {
        waiting[i] = ds.len();
        for &j in ds {
            dependents[j].push(i);
        }
    }
    let mut schedule = Schedule {
        waves,
        wave: 0,
        remaining: 0,
        waiting,
        dependents,
        ready: VecDeque::new(),
        started: vec![false; n],
        stopped: false,
        report: Report::default(),
    };
    schedule.start_wave();
    let state = Mutex::new(schedule);
    let wake = Condvar::new();
    let workers = parallelism.max(1).min(backend.max_parallelism()).min(n);
    let lock = || state.lock().unwrap_or_else(|e| e.into_inner());
    let worker = || {
        let mut s = lock();
        loop {
            if s.stopped || s.finished() {
                break;
            }
            let Some(i) = s.ready.pop_front() else {
                s = wake.wait(s).unwrap_or_else(|e| e.into_inner());
                continue;
            };
            s.started[i] = true;
            drop(s);
            let change = &changes[i];
            let result = planned.steps[i]
                .writes
                .iter()
                .try_for_each(|w| backend.write(w).map(|_| ()));
            match &result {
                Ok(()) => progress(Event::Applied {
                    address: &change.address,
                    action: change.action,
                }),
                Err(error) => progress(Event::Failed {
                    address: &change.address,
                    action: change.action,
                    error,
                }),
            }
            s = lock();
            match result {
                Ok(()) => {
                    s.report
                        .applied
                        .push((change.address.clone(), change.action));
                    s.done(i);
                }
                Err(error) => {
                    s.report.failed.push(Failure {
                        address: change.address.clone(),
                        action: change.action,
                        error,
                    });
                    s.stopped = true;
                }
            }
            wake.notify_all();
        }
        wake.notify_all();
    };
    std::thread::scope(|scope| {
        for _ in 1..workers {
            scope.spawn(worker);
        }
        if workers > 0 {
            worker();
        }
    });
    let mut s = state.into_inner().unwrap_or_else(|e| e.into_inner());
    s.report.not_attempted = (0..n)
        .filter(|&i| !s.started[i])
        .map(|i| changes[i].address.clone())
        .collect();
    s.report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Resource;
    use crate::model::{LiveState, Write};
    use crate::plan::{Basis, Change, Plan, Step, Summary};
    use indexmap::IndexMap;
    use serde_json::{Value, json};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    fn change(address: &str, kind: Kind, action: Action, fields: Value) -> (Change, Step) {
        let fields: IndexMap<String, Value> = match fields {
            Value::Object(o) => o.into_iter().collect(),
            _ => IndexMap::new(),
        };
        let op = match action {
            Action::Create => WriteOp::Create,
            Action::Delete => WriteOp::Delete,
            _ => WriteOp::Update,
        };
        (
            Change {
                address: address.to_string(),
                kind,
                action,
                drift: false,
                drift_reason: None,
                destructive: false,
                fields: vec![],
            },
            Step {
                writes: vec![Write {
                    op,
                    resource: Resource::new(address, kind, fields),
                    expected_version: None,
                    applied_hash: None,
                    applied_by: None,
                }],
                config_changed: true,
            },
        )
    }

    fn planned(items: Vec<(Change, Step)>) -> Planned {
        let (changes, steps) = items.into_iter().unzip();
        Planned {
            plan: Plan {
                format_version: "1".into(),
                workspace: "w".into(),
                changes,
                unmanaged: vec![],
                summary: Summary::default(),
                basis: Basis {
                    config: String::new(),
                    config_hash: String::new(),
                    live: IndexMap::new(),
                },
            },
            steps,
            managed: 0,
        }
    }

    /// Records the order of writes, how many ran at once, and fails one address.
    struct Recorder {
        log: Mutex<Vec<String>>,
        running: AtomicUsize,
        peak: AtomicUsize,
        fail: Option<&'static str>,
    }

    impl Backend for Recorder {
        fn read(&mut self) -> Result<LiveState, BackendError> {
            Ok(LiveState::default())
        }
        fn write(&self, w: &Write) -> Result<u64, BackendError> {
            let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(15));
            self.running.fetch_sub(1, Ordering::SeqCst);
            self.log.lock().unwrap().push(w.resource.address.clone());
            if self.fail == Some(w.resource.address.as_str()) {
                return Err(
                    crate::platform::Rejection::NotFound(w.resource.address.clone()).into(),
                );
            }
            Ok(1)
        }
    }

    fn recorder(fail: Option<&'static str>) -> Recorder {
        Recorder {
            log: Mutex::new(vec![]),
            running: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            fail,
        }
    }

    fn sample() -> Planned {
        let mut items: Vec<_> = (0..8)
            .map(|i| {
                change(
                    &format!("profile.p{i}"),
                    Kind::Profile,
                    Action::Update,
                    json!({}),
                )
            })
            .collect();
        items.push(change(
            "group.inner",
            Kind::Group,
            Action::Create,
            json!({"groups": []}),
        ));
        items.push(change(
            "group.other",
            Kind::Group,
            Action::Create,
            json!({"groups": []}),
        ));
        items.push(change(
            "group.outer",
            Kind::Group,
            Action::Create,
            json!({"groups": ["inner"]}),
        ));
        items.push(change(
            "contacts",
            Kind::Contacts,
            Action::Update,
            json!({}),
        ));
        items.push(change(
            "group.old_outer",
            Kind::Group,
            Action::Delete,
            json!({"groups": ["old_inner"]}),
        ));
        items.push(change(
            "group.old_inner",
            Kind::Group,
            Action::Delete,
            json!({"groups": []}),
        ));
        items.push(change(
            "profile.gone",
            Kind::Profile,
            Action::Delete,
            json!({}),
        ));
        planned(items)
    }

    #[test]
    fn waves_and_group_nesting() {
        let (waves, deps) = dependencies(&sample());
        assert_eq!(waves, vec![0..8, 8..11, 11..12, 12..14, 14..15]);
        assert_eq!(deps[10], vec![8], "outer waits for inner");
        assert!(deps[9].is_empty());
        assert_eq!(
            deps[13],
            vec![12],
            "inner is deleted after the group holding it"
        );
    }

    fn position(log: &[String], a: &str) -> usize {
        log.iter().position(|x| x == a).unwrap()
    }

    #[test]
    fn runs_a_wave_in_parallel_and_respects_dependencies() {
        let b = recorder(None);
        let p = sample();
        let report = execute(&b, &p, 4, &|_| {});
        assert!(report.is_complete());
        assert_eq!(report.applied.len(), 15);
        assert_eq!(b.peak.load(Ordering::SeqCst), 4);
        let log = b.log.lock().unwrap();
        for i in 0..8 {
            assert!(position(&log, &format!("profile.p{i}")) < position(&log, "group.inner"));
        }
        assert!(position(&log, "group.inner") < position(&log, "group.outer"));
        assert!(position(&log, "group.outer") < position(&log, "contacts"));
        assert!(position(&log, "contacts") < position(&log, "group.old_outer"));
        assert!(position(&log, "group.old_outer") < position(&log, "group.old_inner"));
        assert!(position(&log, "group.old_inner") < position(&log, "profile.gone"));
    }

    #[test]
    fn stops_scheduling_after_the_first_failure() {
        let b = recorder(Some("group.inner"));
        let p = sample();
        let report = execute(&b, &p, 4, &|_| {});
        assert_eq!(report.failed.len(), 1);
        assert_eq!(report.failed[0].address, "group.inner");
        // group.other may have run beside it; nothing after the group wave did.
        assert!(report.not_attempted.contains(&"group.outer".to_string()));
        assert!(report.not_attempted.contains(&"profile.gone".to_string()));
        assert_eq!(
            report.applied.len() + report.failed.len() + report.not_attempted.len(),
            15
        );
    }

    #[test]
    fn parallelism_one_is_plan_order() {
        let b = recorder(None);
        let p = sample();
        execute(&b, &p, 1, &|_| {});
        let log = b.log.lock().unwrap().clone();
        let order: Vec<String> = p.plan.changes.iter().map(|c| c.address.clone()).collect();
        assert_eq!(log, order);
        assert_eq!(b.peak.load(Ordering::SeqCst), 1);
    }
}
