//! Group commit: the server's writes go to one committer thread, which takes every write
//! waiting (up to [`MAX_BATCH`]) and carries them out in one transaction
//! ([`Store::write_batch`]), one commit and so one fsync with `synchronous = FULL`, then
//! answers each. While a commit is being synced, the writes that arrive wait for the next
//! one: under concurrency the fsyncs are shared, and alone a write is a batch of one, as
//! fast as before. No answer is sent before its write is committed.
//!
//! A request that gives up (its client gone) leaves its write queued: it is carried out
//! all the same, as a write already sent to the database was before.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use tokio::sync::oneshot;

use super::store::{Answer, Job, Store, StoreError, WriteError};

/// The most writes of one transaction: it bounds how long a write waits behind others
/// (each is tens of microseconds of work).
pub const MAX_BATCH: usize = 256;

/// How many writes were carried out, and in how many commits.
#[derive(Debug, Default)]
pub struct Counters {
    /// writes carried out (committed, refused or failed)
    pub writes: AtomicU64,
    /// transactions committed for them
    pub commits: AtomicU64,
}

#[derive(Debug)]
struct Queued {
    job: Job,
    reply: oneshot::Sender<Result<Answer, WriteError>>,
}

/// The handle of the committer thread: the writes are sent to it. The thread ends when
/// the last handle is dropped and the writes queued are done.
#[derive(Debug)]
pub struct Committer {
    queue: mpsc::Sender<Queued>,
    counters: Arc<Counters>,
}

impl Committer {
    /// Starts the committer thread on `store`.
    pub fn start(store: Arc<Store>) -> std::io::Result<Committer> {
        let (queue, waiting) = mpsc::channel::<Queued>();
        let counters = Arc::new(Counters::default());
        let c = counters.clone();
        std::thread::Builder::new()
            .name("socialform-commit".into())
            .spawn(move || run(&store, &waiting, &c))?;
        Ok(Committer { queue, counters })
    }

    /// Carries out `job` with the writes that arrive with it, and answers once its
    /// transaction is committed.
    pub async fn write(&self, job: Job) -> Result<Answer, WriteError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Queued { job, reply })
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// The counts so far.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }
}

/// The committer is gone (it cannot be, short of a bug): the write may or may not have
/// been carried out.
fn stopped() -> WriteError {
    WriteError::Store(StoreError::Sqlite(rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
        Some("the server's committer stopped; the write may or may not be stored".into()),
    )))
}

fn run(store: &Store, waiting: &mpsc::Receiver<Queued>, counters: &Counters) {
    while let Ok(first) = waiting.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match waiting.try_recv() {
                Ok(q) => batch.push(q),
                Err(_) => break,
            }
        }
        let (jobs, replies): (Vec<Job>, Vec<_>) =
            batch.into_iter().map(|q| (q.job, q.reply)).unzip();
        let n = jobs.len() as u64;
        // A panic (a bug) rolls the transaction back; its writers get the error of a
        // stopped committer, and the thread serves the next batch.
        let Ok(done) =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| store.write_batch(jobs)))
        else {
            continue;
        };
        counters.writes.fetch_add(n, Ordering::Relaxed);
        counters.commits.fetch_add(done.commits, Ordering::Relaxed);
        for (reply, result) in replies.into_iter().zip(done.results) {
            // A writer that gave up does not take its answer.
            let _ = reply.send(result);
        }
    }
}
