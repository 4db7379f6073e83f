//! Every byte the CLI writes to standard output or standard error goes through here
//! (`out!`, `outln!`, `err!`, `errln!`), because `print!` and `eprint!` panic when a write
//! fails. A closed pipe (`socialform plan | head -1`) ends the output quietly: the command
//! runs to its end and exits with the code it would have had. Any other failure to write
//! standard output (a full disk) is remembered, and `main` turns it into an error.

use std::io::{self, ErrorKind, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Standard output was closed by its reader: later writes are dropped.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
/// Standard error was closed: later writes are dropped.
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);
/// The first failure to write standard output that is not a closed pipe.
static STDOUT_FAILURE: Mutex<Option<String>> = Mutex::new(None);

fn write_to(mut w: impl Write, bytes: &[u8]) -> io::Result<()> {
    w.write_all(bytes)?;
    w.flush()
}

/// Writes to standard output.
pub fn stdout(bytes: &[u8]) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    if let Err(e) = write_to(io::stdout().lock(), bytes) {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != ErrorKind::BrokenPipe
            && let Ok(mut failure) = STDOUT_FAILURE.lock()
        {
            failure.get_or_insert_with(|| e.to_string());
        }
    }
}

/// Writes to standard error; a failure there has nowhere to be reported, so it only
/// stops later writes.
pub fn stderr(bytes: &[u8]) {
    if STDERR_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    if write_to(io::stderr().lock(), bytes).is_err() {
        STDERR_CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Why standard output could not be written, unless it was only closed by its reader.
pub fn failure() -> Option<String> {
    STDOUT_FAILURE.lock().ok().and_then(|f| f.clone())
}
