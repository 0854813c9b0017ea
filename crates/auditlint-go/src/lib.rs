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

use auditlint_core::budget::ParseDeadline;
use auditlint_core::facts::FileFacts;
use tree_sitter::{Parser, Tree};

/// Deeper nesting than this is cut off (and reported): real code stays far below it.
pub const MAX_DEPTH: usize = 1_000;

/// Why a file was not analysed.
pub type GoError = auditlint_core::tree::ParseFailure;

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
    auditlint_core::tree::on_parse_stack(source, "auditlint-go-parse", || {
        PARSER.with(|cell| {
            auditlint_core::tree::parse_until(
                &mut cell.borrow_mut(),
                &tree_sitter_go::LANGUAGE.into(),
                source,
                None,
                deadline,
            )
        })
    })
}

#[cfg(test)]
mod tests;
