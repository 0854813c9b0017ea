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
mod walk;

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
    let outcome = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("auditlint-rust-parse".into())
            .stack_size(PARSE_STACK)
            .spawn_scoped(scope, || analyse(&text, base, check_tests))
            .map(|handle| handle.join())
    });
    match outcome {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(spawn) => Err(RustError {
            message: format!("could not start the parser thread: {spawn}"),
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
