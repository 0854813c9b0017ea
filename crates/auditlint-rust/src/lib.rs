//! The Rust front end: one `.rs` file's text → [`FileFacts`], with `syn`.
//!
//! syn parses (and drops its tree) recursively, so nothing here runs on the caller's stack:
//! [`extract`] first measures the file's nesting with an iterative scan and refuses files deeper
//! than [`MAX_NESTING`], then parses and analyses on a thread of its own with a
//! [`PARSE_STACK`]-byte stack — enough for anything under that limit. Each calling thread keeps
//! one such worker for its files (a new one only after a file overran the parse time limit);
//! proc-macro2's thread-local span table, which otherwise grows with every file a thread
//! parses, is emptied after each file (`invalidate_current_thread_spans`).
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

/// One file for a parse worker: the text and how to analyse it, where to send the outcome, and
/// whether the caller stopped waiting for it.
struct Job {
    text: String,
    base: usize,
    check_tests: bool,
    reply: std::sync::mpsc::SyncSender<Outcome>,
    abandoned: Arc<AtomicBool>,
}

thread_local! {
    /// This thread's parse worker: a thread with a [`PARSE_STACK`]-byte stack that parses the
    /// files this thread hands it, one at a time, for as long as it keeps its deadlines. (A
    /// thread per file cost a thread's start and a fresh allocator cache each time.)
    static WORKER: std::cell::RefCell<Option<std::sync::mpsc::Sender<Job>>> =
        const { std::cell::RefCell::new(None) };
}

/// Starts a parse worker. It ends when its sender is dropped, or after a file its caller
/// stopped waiting for (the caller has started another worker by then).
fn start_worker() -> std::io::Result<std::sync::mpsc::Sender<Job>> {
    let (jobs, receive) = std::sync::mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("auditlint-rust-parse".into())
        .stack_size(PARSE_STACK)
        .spawn(move || {
            while let Ok(job) = receive.recv() {
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    analyse(&job.text, job.base, job.check_tests)
                }));
                drop(job.text);
                // proc-macro2 keeps every parsed file's source positions in a table of this
                // thread: emptied after each file (no span outlives its file's facts).
                proc_macro2::extra::invalidate_current_thread_spans();
                // Sent under the lock, so the waiting side either receives it or has marked
                // this job abandoned (and counted it) before it looks.
                let (lock, ended) = &ABANDONED;
                let mut running = lock.lock().unwrap_or_else(PoisonError::into_inner);
                if job.abandoned.load(Ordering::SeqCst) {
                    drop(outcome);
                    *running -= 1;
                    ended.notify_all();
                    return;
                }
                let _ = job.reply.send(outcome);
            }
        })?;
    Ok(jobs)
}

/// Parses and analyses `text` on this thread's parse worker, waiting until the deadline of a
/// `bytes`-byte file. A worker still running then is left to finish on its own (syn has no way
/// to be interrupted), this thread starts a new one for its next file, and the file is reported
/// as over the parse time limit.
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
    let (reply, receive) = std::sync::mpsc::sync_channel::<Outcome>(1);
    let abandoned = Arc::new(AtomicBool::new(false));
    let mut job = Job {
        text,
        base,
        check_tests,
        reply,
        abandoned: Arc::clone(&abandoned),
    };
    // A worker that ended (a panic outside the analysis) hands the job back: one new worker.
    for _ in 0..2 {
        let sender = WORKER.with_borrow_mut(|worker| match worker {
            Some(sender) => Ok(sender.clone()),
            None => start_worker().map(|sender| worker.insert(sender).clone()),
        });
        let sender = match sender {
            Ok(sender) => sender,
            Err(spawn) => {
                return Err(RustError {
                    message: format!("could not start the parser thread: {spawn}"),
                });
            }
        };
        match sender.send(job) {
            Ok(()) => break,
            Err(std::sync::mpsc::SendError(back)) => {
                WORKER.with_borrow_mut(|worker| *worker = None);
                job = back;
            }
        }
    }
    let outcome = match receive.recv_timeout(deadline.remaining()) {
        Ok(outcome) => Some(outcome),
        Err(RecvTimeoutError::Disconnected) => {
            // Only a panic outside the analysis (which is caught and sent) ends it so.
            WORKER.with_borrow_mut(|worker| *worker = None);
            return Err(RustError {
                message: "the parser thread ended without a result; the file was not checked"
                    .into(),
            });
        }
        Err(RecvTimeoutError::Timeout) => {
            let mut running = lock.lock().unwrap_or_else(PoisonError::into_inner);
            match receive.try_recv() {
                Ok(outcome) => Some(outcome),
                Err(_) => {
                    abandoned.store(true, Ordering::SeqCst);
                    *running += 1;
                    // It ends after this file; the next file gets a new worker.
                    WORKER.with_borrow_mut(|worker| *worker = None);
                    None
                }
            }
        }
    };
    match outcome {
        // Copied on this thread: the worker's memory then holds only what one file's parse
        // needs, freed whole after it, instead of long-lived facts pinning pages between the
        // trees of every file it parsed (rustfs: peak RSS 178 -> 159 MiB).
        Some(Ok(result)) => result.map(|facts| {
            let copy = facts.clone();
            drop(facts);
            copy
        }),
        Some(Err(panic)) => std::panic::resume_unwind(panic),
        None => Err(RustError {
            message: deadline.message(),
        }),
    }
}

fn analyse(text: &str, base: usize, check_tests: bool) -> Result<FileFacts, RustError> {
    let file = parse(text, check_tests).map_err(|error| {
        let start = error.span().start();
        RustError {
            message: format!(
                "cannot parse this file as Rust (line {}, column {}): {error}; it was not checked",
                start.line,
                start.column + 1
            ),
        }
    })?;
    let (bodies, consts) = macros::MacroBodies::parse(&file);
    let mut facts = walk::Walker::run(&file, &bodies, consts, text, base, check_tests);
    facts.path_roots.sort_unstable();
    facts.path_roots.dedup();
    drop(bodies);
    // The tree is dropped here, on this thread's large stack.
    drop(file);
    Ok(facts)
}

/// syn's tree of `text` (a BOM and a shebang already blanked). Without `check_tests`, a
/// top-level `#[cfg(test)] mod name { .. }` is cut from the tokens before syn builds its tree:
/// the walk skips it anyway, and such modules are a third of a dense Rust tree's bytes
/// (rustfs: 16 of its 45 MB; 0.5 of the 0.97 MB of its largest file), whose syntax tree took
/// time to build and memory while it lived.
fn parse(text: &str, check_tests: bool) -> syn::Result<syn::File> {
    // No `cfg` anywhere: no test module to cut, and no token list to rebuild.
    if check_tests || !text.contains("cfg") {
        return syn::parse_file(text);
    }
    let tokens: proc_macro2::TokenStream = text.parse().map_err(syn::Error::from)?;
    syn::parse2(without_test_modules(tokens))
}

/// `tokens` without their top-level `#[cfg(test)]` modules with a body.
fn without_test_modules(tokens: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let trees: Vec<proc_macro2::TokenTree> = tokens.into_iter().collect();
    let mut cut: Vec<std::ops::Range<usize>> = Vec::new();
    let mut at = 0;
    while at < trees.len() {
        match test_module_at(&trees, at) {
            Some(end) => {
                cut.push(at..end);
                at = end;
            }
            None => at += 1,
        }
    }
    if cut.is_empty() {
        return trees.into_iter().collect();
    }
    let mut cuts = cut.into_iter().peekable();
    trees
        .into_iter()
        .enumerate()
        .filter(|(i, _)| {
            while cuts.peek().is_some_and(|c| c.end <= *i) {
                cuts.next();
            }
            !cuts.peek().is_some_and(|c| c.contains(i))
        })
        .map(|(_, tree)| tree)
        .collect()
}

/// The end of the `#[cfg(test)]` module item whose attributes start at `at`: its outer
/// attributes (one of them `#[cfg(test)]`), an optional `pub`/`pub(..)`, `mod`, its name and
/// its braced body.
fn test_module_at(trees: &[proc_macro2::TokenTree], mut at: usize) -> Option<usize> {
    use proc_macro2::{Delimiter, TokenTree};
    let mut test = false;
    while let (Some(TokenTree::Punct(hash)), Some(TokenTree::Group(attr))) =
        (trees.get(at), trees.get(at + 1))
    {
        if hash.as_char() != '#' || attr.delimiter() != Delimiter::Bracket {
            break;
        }
        test |= is_cfg_test(attr.stream());
        at += 2;
    }
    if !test {
        return None;
    }
    if matches!(trees.get(at), Some(TokenTree::Ident(vis)) if vis == "pub") {
        at += 1;
        if matches!(trees.get(at), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
        {
            at += 1;
        }
    }
    match (trees.get(at), trees.get(at + 1), trees.get(at + 2)) {
        (
            Some(TokenTree::Ident(keyword)),
            Some(TokenTree::Ident(_)),
            Some(TokenTree::Group(body)),
        ) if keyword == "mod" && body.delimiter() == Delimiter::Brace => Some(at + 3),
        _ => None,
    }
}

/// An attribute's tokens are `cfg(test)` (what the walk's `is_test_item` reads as test code).
fn is_cfg_test(attr: proc_macro2::TokenStream) -> bool {
    let mut tokens = attr.into_iter();
    match (tokens.next(), tokens.next(), tokens.next()) {
        (
            Some(proc_macro2::TokenTree::Ident(cfg)),
            Some(proc_macro2::TokenTree::Group(args)),
            None,
        ) => {
            cfg == "cfg"
                && args.delimiter() == proc_macro2::Delimiter::Parenthesis
                && args.stream().to_string().trim() == "test"
        }
        _ => false,
    }
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
