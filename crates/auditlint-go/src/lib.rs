//! The Go front end: one `.go` file's text → [`FileFacts`], with tree-sitter-go.
//!
//! One tree-sitter parse (stopped by the file's [`ParseDeadline`] through the progress
//! callback), then iterative walks only — an explicit stack, parent links, cursors — so no
//! input can overflow the stack. Nesting deeper than [`MAX_DEPTH`] is not analysed and is
//! reported through [`FileFacts::truncated_at_depth`]; syntax errors are recorded in
//! [`FileFacts::syntax_errors`] and the facts cover what did parse.
//!
//! Go reports errors as values, like Rust: a write's error is followed from the call through
//! the assignment that names it (`_, err := db.Exec(..)`) to the statement that first reads it
//! (`if err != nil { .. }`, `return err`), and mapped onto the language-neutral guard model
//! ([`auditlint_core::facts::GuardStep`]).

mod effects;
mod walk;

use std::cell::RefCell;
use std::ops::ControlFlow;

use auditlint_core::budget::ParseDeadline;
use auditlint_core::facts::FileFacts;
use tree_sitter::{Parser, Tree};

/// Deeper nesting than this is cut off (and reported): real code stays far below it.
pub const MAX_DEPTH: usize = 1_000;

/// Files with more lines than this are parsed on a thread of their own with [`PARSE_STACK`]
/// bytes of stack: tree-sitter's C parser recurses while it merges error-recovery stacks (see
/// the TypeScript front end, where a pathological input overflowed a worker's stack).
const LINES_ON_OWN_STACK: usize = 8_000;

/// Only touched pages are committed, so the reservation is cheap.
const PARSE_STACK: usize = 256 * 1024 * 1024;

/// Why a file was not analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoError {
    /// tree-sitter returned no tree at all.
    GaveUp,
    /// Parsing took longer than the file's [`ParseDeadline`]; the message says so.
    TimeLimit(String),
}

impl std::fmt::Display for GoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GoError::GaveUp => f.write_str("the parser gave up on this file; it was not checked"),
            GoError::TimeLimit(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for GoError {}

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Parses `source` and extracts its facts, within the parse time limit of its size.
pub fn extract(source: &str) -> Result<FileFacts, GoError> {
    let deadline = ParseDeadline::start(source.len());
    let tree = parse(source, &deadline)?;
    Ok(walk::Walker::run(source, &tree))
}

/// Does the file say it is generated (`// Code generated … DO NOT EDIT.` before its `package`
/// clause, the convention `go generate` tools follow: sqlc, protoc-gen-go, mockgen, ent)?
pub fn is_generated(source: &str) -> bool {
    for line in source.lines().take(40) {
        let line = line.trim();
        if line.starts_with("package ") {
            return false;
        }
        if line.starts_with("// Code generated") && line.ends_with("DO NOT EDIT.") {
            return true;
        }
    }
    false
}

fn parse(source: &str, deadline: &ParseDeadline) -> Result<Tree, GoError> {
    let lines = source.bytes().filter(|&b| b == b'\n').count();
    if lines <= LINES_ON_OWN_STACK {
        return parse_here(source, deadline);
    }
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("auditlint-go-parse".into())
            .stack_size(PARSE_STACK)
            .spawn_scoped(scope, || parse_here(source, deadline))
            .map_err(|_| GoError::GaveUp)?
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Parses on this thread's parser, stopping at `deadline`; a cancelled parser is reset, so the
/// next file starts afresh.
fn parse_here(source: &str, deadline: &ParseDeadline) -> Result<Tree, GoError> {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_go::LANGUAGE.into())
                .map_err(|_| GoError::GaveUp)?;
            *slot = Some(parser);
        }
        let parser = slot.as_mut().ok_or(GoError::GaveUp)?;
        let mut stop = |_: &tree_sitter::ParseState| {
            if deadline.exceeded() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let options = tree_sitter::ParseOptions::new().progress_callback(&mut stop);
        let bytes = source.as_bytes();
        let tree = parser.parse_with_options(
            &mut |offset, _| bytes.get(offset..).unwrap_or_default(),
            None,
            Some(options),
        );
        match tree {
            Some(tree) => Ok(tree),
            None => {
                parser.reset();
                Err(if deadline.exceeded() {
                    GoError::TimeLimit(deadline.message())
                } else {
                    GoError::GaveUp
                })
            }
        }
    })
}

#[cfg(test)]
mod tests;
