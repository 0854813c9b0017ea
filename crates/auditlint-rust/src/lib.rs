//! The Rust front end: one `.rs` file's text → [`FileFacts`], with `syn`.
//!
//! syn parses (and drops its tree) recursively, so nothing here runs on the caller's stack:
//! [`extract`] first measures the file's nesting with an iterative scan and refuses files deeper
//! than [`MAX_NESTING`], then parses and analyses on a thread of its own with a
//! [`PARSE_STACK`]-byte stack — enough for anything under that limit. Each file gets a fresh
//! thread, so proc-macro2's thread-local span table (which otherwise grows with every file a
//! thread parses, the reason for `invalidate_current_thread_spans` in long-lived servers) never
//! outlives one file.
//!
//! The code is never expanded, executed or type-checked: only its syntax is read.

mod effects;
mod flow;
mod guard;
mod macros;
mod names;
mod nesting;
mod sinks;
mod spans;
mod walk;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use auditlint_core::budget::ParseDeadline;
use auditlint_core::facts::FileFacts;

/// Brackets, blocks and prefix-operator chains nested deeper than this are refused (real code
/// stays far below it; syn would need a very large stack beyond).
pub const MAX_NESTING: usize = 256;

/// The stack of the parsing thread. Only touched pages are committed, so the reservation is
/// cheap; it covers syn's recursion at [`MAX_NESTING`] in unoptimised builds with room to spare.
const PARSE_STACK: usize = 256 * 1024 * 1024;

/// Why a file could not be analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RustError {
    pub message: String,
}

impl std::fmt::Display for RustError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Analyses one Rust file. A file syn rejects, or one nested deeper than [`MAX_NESTING`], is an
/// error naming the line; nothing here panics on any input (a panic in the analysis is resumed
/// on the caller's thread, where the engine contains it per file).
pub fn extract(source: &str) -> Result<FileFacts, RustError> {
    extract_with(source, false)
}

/// [`extract`], and with `check_tests` also the test code it otherwise leaves out:
/// `#[cfg(test)]` items and `#[test]`/`#[tokio::test]`-style functions (a test asserting an
/// expected failure is not a swallowed audit write).
pub fn extract_with(source: &str, check_tests: bool) -> Result<FileFacts, RustError> {
    // A BOM is not Rust; a `#!` line that is not an inner attribute is a shebang.
    let (text, base) = match source.strip_prefix('\u{feff}') {
        Some(rest) => (rest, 3),
        None => (source, 0),
    };
    let text = blank_shebang(text);
    if let Some((line, limit)) = nesting::too_deep(&text, MAX_NESTING) {
        let what = match limit {
            nesting::Limit::Brackets => format!("brackets nested deeper than {MAX_NESTING} levels"),
            nesting::Limit::Chain => format!(
                "one expression chains more than {} operators and keywords",
                nesting::MAX_PREFIX_CHAIN
            ),
        };
        return Err(RustError {
            message: format!(
                "nesting too deep to analyse safely at line {line} ({what}); the file was not checked"
            ),
        });
    }
    analyse_within(text.into_owned(), base, check_tests, source.len())
}

type Outcome = std::thread::Result<Result<FileFacts, RustError>>;

/// Workers that outlived their deadline and are still running, and the signal that one ended.
static ABANDONED: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

/// At most this many abandoned workers run at once; a new parse waits for one to end first.
/// They do end: once [`nesting::too_deep`] has bounded the nesting, syn's work (and the walk's)
/// is linear in the text, about 1 µs a byte at worst, well inside the budget's slope.
const MAX_ABANDONED: usize = 2;

/// Parses and analyses `text` on a worker thread with a [`PARSE_STACK`]-byte stack, waiting
/// until the deadline of a `bytes`-byte file. A worker still running then is left to finish on
/// its own (syn has no way to be interrupted) and the file is reported as over the parse time
/// limit.
fn analyse_within(
    text: String,
    base: usize,
    check_tests: bool,
    bytes: usize,
) -> Result<FileFacts, RustError> {
    let (lock, ended) = &ABANDONED;
    {
        let mut running = lock.lock().unwrap_or_else(PoisonError::into_inner);
        while *running >= MAX_ABANDONED {
            running = ended.wait(running).unwrap_or_else(PoisonError::into_inner);
        }
    }
    // The clock starts once this file may run: waiting for a slot is not its parse time.
    let deadline = ParseDeadline::start(bytes);
    let (send, receive) = std::sync::mpsc::sync_channel::<Outcome>(1);
    let abandoned = Arc::new(AtomicBool::new(false));
    let worker_abandoned = Arc::clone(&abandoned);
    let spawned = std::thread::Builder::new()
        .name("auditlint-rust-parse".into())
        .stack_size(PARSE_STACK)
        .spawn(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                analyse(&text, base, check_tests)
            }));
            drop(text);
            // Sent under the lock, so the waiting side either receives it or has marked this
            // worker abandoned (and counted it) before it looks.
            let (lock, ended) = &ABANDONED;
            let mut running = lock.lock().unwrap_or_else(PoisonError::into_inner);
            if worker_abandoned.load(Ordering::SeqCst) {
                drop(outcome);
                *running -= 1;
                ended.notify_all();
            } else {
                let _ = send.send(outcome);
            }
        });
    let worker = match spawned {
        Ok(worker) => worker,
        Err(spawn) => {
            return Err(RustError {
                message: format!("could not start the parser thread: {spawn}"),
            });
        }
    };
    let outcome = match receive.recv_timeout(deadline.remaining()) {
        Ok(outcome) => Some(outcome),
        Err(RecvTimeoutError::Disconnected) => {
            // Only a panic outside the analysis (which is caught and sent) ends it so: say it.
            let why = match worker.join() {
                Err(panic) => panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".into()),
                Ok(()) => "no reason given".into(),
            };
            return Err(RustError {
                message: format!(
                    "the parser thread ended without a result ({why}); the file was not checked"
                ),
            });
        }
        Err(RecvTimeoutError::Timeout) => {
            let mut running = lock.lock().unwrap_or_else(PoisonError::into_inner);
            match receive.try_recv() {
                Ok(outcome) => Some(outcome),
                Err(_) => {
                    abandoned.store(true, Ordering::SeqCst);
                    *running += 1;
                    None
                }
            }
        }
    };
    match outcome {
        Some(outcome) => {
            let _ = worker.join();
            match outcome {
                Ok(result) => result,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        None => Err(RustError {
            message: deadline.message(),
        }),
    }
}

fn analyse(text: &str, base: usize, check_tests: bool) -> Result<FileFacts, RustError> {
    let file = syn::parse_file(text).map_err(|error| {
        let start = error.span().start();
        RustError {
            message: format!(
                "cannot parse this file as Rust (line {}, column {}): {error}; it was not checked",
                start.line,
                start.column + 1
            ),
        }
    })?;
    let bodies = macros::MacroBodies::parse(&file);
    let mut facts = walk::Walker::run(&file, &bodies, text, base, check_tests);
    facts.path_roots.sort_unstable();
    facts.path_roots.dedup();
    drop(bodies);
    // The tree is dropped here, on this thread's large stack.
    drop(file);
    Ok(facts)
}

/// `#!/usr/bin/env run-cargo-script` on the first line becomes a comment of the same length;
/// `#![attr]` stays.
fn blank_shebang(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with("#!") && !text[2..].trim_start().starts_with('[') {
        let mut owned = text.to_string();
        owned.replace_range(0..2, "//");
        return std::borrow::Cow::Owned(owned);
    }
    std::borrow::Cow::Borrowed(text)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_shapes;
