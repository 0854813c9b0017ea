//! `auditlint debug-parse`: every source file under the given paths through the reader and the
//! front ends — no project, no configuration, no prefilter — so that `bench/parse-fidelity.sh`
//! can compare what auditlint calls a syntax error with what a conformant parser says.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::analysis::{facts_problems, parse_file};
use crate::read::{Unread, decode, read_source};
use crate::{discover, generated};

/// What the front ends made of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseOutcome {
    /// Parsed without a syntax error.
    Parsed,
    /// A syntax error (the message names its line and column).
    SyntaxError(String),
    /// Recognised as generated or minified code: not parsed.
    Generated(String),
    /// Not checked for another reason (binary, not UTF-8, too large, too deep).
    NotChecked(String),
}

/// Every `.ts/.tsx/.mts/.cts/.js/.jsx/.mjs/.cjs/.rs` file under `paths` (no ignore files, no
/// symlinks followed), sorted, each with its outcome. With `parse_generated`, generated code
/// is parsed too (to measure what recognising it spares).
pub fn debug_parse(
    paths: &[PathBuf],
    max_file_size: u64,
    parse_generated: bool,
) -> Vec<(String, ParseOutcome)> {
    let mut files = Vec::new();
    for path in paths {
        let walk = ignore::WalkBuilder::new(path)
            .standard_filters(false)
            .follow_links(false)
            .build();
        for entry in walk.flatten() {
            let is_file = entry.file_type().is_some_and(|t| t.is_file());
            let shown = entry.path().to_string_lossy().replace('\\', "/");
            if is_file && discover::is_source(&shown) {
                // Build-output directories are judged below the given root, not above it.
                let rel = entry
                    .path()
                    .strip_prefix(path)
                    .map(crate::paths::slash)
                    .unwrap_or_default();
                files.push((entry.into_path(), rel));
            }
        }
    }
    files.sort();
    files.dedup();
    files
        .par_iter()
        .map(|(file, rel)| {
            let shown = file.to_string_lossy().replace('\\', "/");
            let outcome = outcome(file, &shown, rel, max_file_size, parse_generated);
            (shown, outcome)
        })
        .collect()
}

fn outcome(
    file: &Path,
    shown: &str,
    rel: &str,
    max_file_size: u64,
    parse_generated: bool,
) -> ParseOutcome {
    if let Some(reason) = generated::by_path(rel).filter(|_| !parse_generated) {
        return ParseOutcome::Generated(reason);
    }
    let read = if parse_generated {
        std::fs::read(file)
            .map_err(|e| Unread::Problem(format!("cannot read: {e}")))
            .and_then(|bytes| decode(bytes).map_err(Unread::Problem))
    } else {
        read_source(file, max_file_size)
    };
    let text = match read {
        Ok(text) => text,
        Err(Unread::Generated(reason)) => return ParseOutcome::Generated(reason),
        Err(Unread::Problem(message)) => return ParseOutcome::NotChecked(message),
    };
    match parse_file(shown, &text, true) {
        Ok(facts) => match facts_problems(&facts, &text).into_iter().next() {
            Some(problem) if !facts.syntax_errors.is_empty() => ParseOutcome::SyntaxError(problem),
            Some(problem) => ParseOutcome::NotChecked(problem),
            None => ParseOutcome::Parsed,
        },
        Err(message) if message.starts_with("cannot parse") => ParseOutcome::SyntaxError(message),
        Err(message) => ParseOutcome::NotChecked(message),
    }
}
