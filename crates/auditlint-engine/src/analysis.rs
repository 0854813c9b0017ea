//! The analysis proper, shared by one-shot runs and the long-lived workspace (LSP): prefilter
//! rounds over read sources, parsing (at most once per file text, with an optional cache),
//! rules.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
use auditlint_core::diagnostic::stable_hash;
use auditlint_core::index::{Index, ProjectFile};
use auditlint_core::resolve::Resolver;
use auditlint_core::{Config, Diagnostic, FileError, FileFacts, Level, LineIndex};
use rayon::prelude::*;

use crate::discover::FoundSource;
use crate::rounds::{RoundPrefilter, Seen};

/// A source file as read: its project-relative path and text (`None` if it could not be read).
#[derive(Clone)]
pub struct Source {
    pub path: String,
    pub text: Option<Text>,
}

/// A source's text, shared without a copy: the buffer the file was read into, behind an `Arc`
/// (an `Arc<str>` is a second buffer the text is copied into — 12 % of a cached run's work),
/// with its hash once asked for (by the reader thread, while the text is in its cache, when the
/// whole-run cache will want it).
#[derive(Clone, Debug)]
pub struct Text(Arc<TextInner>);

#[derive(Debug)]
struct TextInner {
    text: String,
    hash: std::sync::OnceLock<u128>,
}

impl Text {
    /// The text's 128-bit hash (xxh3), computed once.
    pub fn hash(&self) -> u128 {
        *self
            .0
            .hash
            .get_or_init(|| xxhash_rust::xxh3::xxh3_128(self.0.text.as_bytes()))
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.0.text == other.0.text
    }
}

impl Eq for Text {}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0.text
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Self(Arc::new(TextInner {
            text,
            hash: std::sync::OnceLock::new(),
        }))
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Self::from(text.to_string())
    }
}

/// Facts by path, with the hash of the text they were extracted from.
pub type FactsCache = HashMap<String, (u64, Result<Arc<FileFacts>, String>)>;

/// Turns discovered files into sources (unreadable ones become errors) and the indexes of
/// those the first prefilter matched.
pub fn sources_from(
    found: Vec<FoundSource>,
    errors: &mut Vec<FileError>,
) -> (Vec<Source>, Vec<usize>) {
    let mut sources = Vec::with_capacity(found.len());
    let mut round_one = Vec::new();
    for found in found {
        let text = match found.text {
            Ok(text) => Some(text),
            Err(message) => {
                errors.push(FileError {
                    path: found.path.clone(),
                    message,
                });
                None
            }
        };
        if found.matched {
            round_one.push(sources.len());
        }
        sources.push(Source {
            path: found.path,
            text,
        });
    }
    (sources, round_one)
}

/// A source's index and its facts, or why it has none.
type Parsed = (usize, Result<Arc<FileFacts>, String>);

/// Round 1 parses `round_one` (files naming a sink); each later round parses the files that
/// name a writer or producer found so far, until no new name appears. `cache` keeps facts in
/// memory (the LSP workspace), `store` on disk between runs. `finish` gets the last round's
/// index (of every file parsed), the parsed files and for each the index of its source; the
/// parsed files are returned with what `finish` returned.
#[allow(clippy::too_many_arguments)]
pub fn parse_rounds<R>(
    sources: &[Source],
    round_one: Vec<usize>,
    literals: &[String],
    config: &Config,
    resolver: &Resolver,
    mut cache: Option<&mut FactsCache>,
    store: Option<&crate::cache::FactsStore>,
    errors: &mut Vec<FileError>,
    finish: impl FnOnce(&Index<'_>, &[ProjectFile], &[usize], &mut Vec<FileError>) -> R,
) -> (Vec<ProjectFile>, R) {
    let mut parsed: Vec<bool> = vec![false; sources.len()];
    let mut files: Vec<ProjectFile> = Vec::new();
    let mut file_source: Vec<usize> = Vec::new();
    let mut seen = Seen::new(literals);
    let mut candidates = round_one;
    let trace = crate::Trace::new();
    let mut round = 0;
    let index = loop {
        round += 1;
        trace.note(&format!(
            "round {round}: {} files to parse",
            candidates.len()
        ));
        let results: Vec<Parsed> = {
            let cache_view = cache.as_deref();
            let facts_of = |i: usize| {
                let source = &sources[i];
                let text = source.text.as_deref().unwrap_or_default();
                let hash = stable_hash(&[text]);
                if let Some((cached_hash, facts)) = cache_view.and_then(|c| c.get(&source.path))
                    && *cached_hash == hash
                {
                    return (i, facts.clone());
                }
                // The persistent cache: facts of a file whose bytes were seen before.
                let key = store.map(|_| crate::cache::FactsStore::key(&source.path, text));
                if let (Some(store), Some(key)) = (store, key)
                    && let Some(facts) = store.get(key)
                {
                    return (i, Ok(Arc::new(facts)));
                }
                let result = parse_file(&source.path, text, config.check_tests);
                if let (Some(store), Some(key), Ok(facts)) = (store, key, &result) {
                    store.put(key, facts);
                }
                (i, result.map(Arc::new))
            };
            // One file (an editor's change): parse on this thread, whose parser and allocator
            // are warm, rather than hand it to the pool.
            if candidates.len() == 1 {
                candidates.iter().map(|&i| facts_of(i)).collect()
            } else {
                // Largest first, one file per task: a large file met last would leave the
                // other threads idle while one parses it. Results in the candidates' order.
                let size = |&at: &usize| {
                    let i = candidates[at];
                    sources[i].text.as_deref().map_or(0, str::len)
                };
                let mut order: Vec<usize> = (0..candidates.len()).collect();
                order.sort_by_key(|at| (std::cmp::Reverse(size(at)), *at));
                let mut results: Vec<(usize, Parsed)> = order
                    .into_par_iter()
                    .with_max_len(1)
                    .map(|at| (at, facts_of(candidates[at])))
                    .collect();
                results.sort_unstable_by_key(|(at, _)| *at);
                results.into_iter().map(|(_, result)| result).collect()
            }
        };
        for (i, result) in results {
            parsed[i] = true;
            let source = &sources[i];
            let text = source.text.as_deref().unwrap_or_default();
            if let Some(cache) = cache.as_deref_mut() {
                cache.insert(source.path.clone(), (stable_hash(&[text]), result.clone()));
            }
            match result {
                Ok(facts) => {
                    for message in facts_problems(&facts, text) {
                        errors.push(FileError {
                            path: source.path.clone(),
                            message,
                        });
                    }
                    file_source.push(i);
                    files.push(ProjectFile {
                        path: source.path.clone(),
                        facts,
                    });
                }
                Err(message) => errors.push(FileError {
                    path: source.path.clone(),
                    message,
                }),
            }
        }
        trace.phase(&format!("round {round}: parse"));
        let index = Index::build(&files, &config.vocab, resolver);
        trace.phase(&format!("round {round}: index"));
        let names = index.writer_names();
        let Some(matcher) = RoundPrefilter::new(&names, &mut seen) else {
            break index;
        };
        trace.note(&format!("round {round}: looking for {matcher:?}"));
        candidates = (0..sources.len())
            .into_par_iter()
            .filter(|&i| !parsed[i])
            .filter(|&i| {
                sources[i]
                    .text
                    .as_deref()
                    .is_some_and(|text| matcher.matches(&sources[i].path, text))
            })
            .collect();
        if candidates.is_empty() {
            break index;
        }
    };
    let finished = finish(&index, &files, &file_source, errors);
    drop(index);
    (files, finished)
}

/// Runs every rule that is not off; a panicking rule becomes an error, the others still run.
pub fn run_rules(
    index: &Index<'_>,
    config: &Config,
    errors: &mut Vec<FileError>,
) -> Vec<Diagnostic> {
    run_phase(index, &[], auditlint_rules::Phase::Facts, config, errors)
}

/// Runs the rules of one phase; [`run_rules`] is the facts phase.
pub fn run_phase(
    index: &Index<'_>,
    suppressions: &[auditlint_core::suppression::Suppression],
    phase: auditlint_rules::Phase,
    config: &Config,
    errors: &mut Vec<FileError>,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for rule in auditlint_rules::RULES {
        if rule.phase() != phase || config.level(rule.id()) == Level::Off {
            continue;
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            let mut ctx = auditlint_rules::RuleContext::with_suppressions(index, suppressions);
            rule.check(&mut ctx);
            ctx.into_diagnostics()
        }));
        match result {
            // Generated code is read for what it offers other files (sqlc's queries), never
            // reported: nobody fixes it, they fix its generator's input.
            Ok(found) => diagnostics.extend(found.into_iter().filter(|d| {
                !index
                    .files
                    .get(d.file as usize)
                    .is_some_and(|f| f.facts.generated)
            })),
            Err(panic) => errors.push(FileError {
                path: "<auditlint>".into(),
                message: format!(
                    "internal error in rule `{}`: {}; its findings are missing from this run",
                    rule.id(),
                    panic_message(&panic)
                ),
            }),
        }
    }
    diagnostics
}

/// Facts of one file. `check_tests`: Rust test items (`#[cfg(test)]`, `#[test]` functions)
/// are analysed too; by default they are left out, as test files are.
pub fn parse_file(
    path: &str,
    text: &str,
    check_tests: bool,
) -> Result<auditlint_core::FileFacts, String> {
    use auditlint_core::facts::Language;
    let Some(language) = Language::of_path(path) else {
        return Err("not a file of a language auditlint reads".into());
    };
    let analyse = || -> Result<auditlint_core::FileFacts, String> {
        // A test hook: proves that a panic while analysing one file is contained.
        if std::env::var_os("AUDITLINT_INJECT_PANIC")
            .is_some_and(|p| path.ends_with(&*p.to_string_lossy()))
        {
            panic!("injected panic for {path}");
        }
        match language {
            Language::TypeScript | Language::Tsx | Language::JavaScript => {
                auditlint_ts::extract(text, language)
                    .map(compacted)
                    .map_err(|e| e.to_string())
            }
            Language::Rust => {
                auditlint_rust::extract_with(text, check_tests).map_err(|e| e.message)
            }
            Language::Go => auditlint_go::extract(text)
                .map(|mut facts| {
                    facts.generated = auditlint_go::is_generated(text);
                    compacted(facts)
                })
                .map_err(|e| e.to_string()),
            Language::Python => auditlint_python::extract(text)
                .map(compacted)
                .map_err(|e| e.to_string()),
        }
    };
    match catch_unwind(AssertUnwindSafe(analyse)) {
        Ok(Ok(facts)) => Ok(facts),
        Ok(Err(message)) => Err(message),
        Err(panic) => Err(format!(
            "internal error while analysing this file ({}); it was not checked",
            panic_message(&panic)
        )),
    }
}

/// `facts` copied now that the syntax tree is gone: the facts a run keeps then sit together
/// instead of pinning pages between the freed nodes of every tree parsed before (growthbook:
/// peak RSS 104 -> 82 MiB). The Rust front end does the same on its parse worker.
fn compacted(facts: auditlint_core::FileFacts) -> auditlint_core::FileFacts {
    let copy = facts.clone();
    drop(facts);
    copy
}

/// Syntax errors and truncation: the file was checked only in part.
pub fn facts_problems(facts: &auditlint_core::FileFacts, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(first) = facts.syntax_errors.first() {
        let index = LineIndex::new(text);
        let pos = index.position(text, first.start as usize);
        problems.push(format!(
            "syntax error at line {}, column {}: partially parsed, findings cover only what parsed",
            pos.line, pos.column
        ));
    }
    if let Some(depth) = facts.truncated_at_depth {
        problems.push(format!(
            "nesting deeper than {depth} levels: the code below that depth was not analysed"
        ));
    }
    problems
}

pub fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_string())
}

/// The literal prefilter: does a file mention anything that could matter?
pub enum Prefilter {
    /// Vocabulary fragments, anywhere, any case.
    Anywhere(AhoCorasick),
    Nothing,
}

impl Prefilter {
    pub fn case_insensitive(literals: &[String]) -> Self {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(literals)
            .map_or(Prefilter::Nothing, Prefilter::Anywhere)
    }

    pub fn matches(&self, text: &str) -> bool {
        match self {
            Prefilter::Anywhere(ac) => ac.is_match(text),
            Prefilter::Nothing => false,
        }
    }
}
